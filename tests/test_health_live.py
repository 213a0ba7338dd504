"""Crawl health with real crawls: the mock site switches to a drifted layout mid-run and back (a critical notice
in the crawl that meets it, naming the field; a resolution after the switch back), and webhook delivery to a real
HTTP receiver on loopback, exactly once, also after the receiver was down."""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.sites import load_config
from newswatch.alerts.service import AlertService
from newswatch.core.clock import KST, FixedClock
from newswatch.health.service import HealthService
from newswatch.mocksite import MockSites
from newswatch.mocksite.content import new_newsprime_article
from newswatch.monitor.daemon import Monitor
from storage import Store
from storage.alerts import AlertLedger
from storage.health import HealthLedger

pytestmark = pytest.mark.slow  # real servers and child processes


class Receiver:
    """A webhook receiver on 127.0.0.1 that keeps every POST; it can be stopped, started again on the same port,
    and told to refuse the next requests with 503."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.posts: list[dict] = []
        self.refuse = 0
        self.requests = 0
        self.server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def start(self) -> Receiver:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests += 1
                if owner.refuse:
                    owner.refuse -= 1
                    self.send_response(503)
                else:
                    owner.posts.append({"path": self.path, **json.loads(body)})
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def write_config(tmp_path, sites: MockSites, extra: str):
    db = tmp_path / "live.db"
    text = sites.config_toml(str(db), max_pages=2, extra=extra)
    text = text.replace("[sources.gwangju_city]\n", "[sources.gwangju_city]\nenabled = false\n")
    (tmp_path / "newswatch.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path / "newswatch.toml"), db


def publish(sites: MockSites, first: int, count: int) -> None:
    for no in range(first, first + count):
        sites.publish_newsprime(new_newsprime_article(
            no, f"광주 소식 {no}호: 시민 생활 지원 사업 확대",
            [f"[프라임경제] 광주광역시가 {no}번째 시민 생활 지원 사업을 확대한다고 밝혔다.",
             "시는 올해 예산을 늘려 더 많은 시민이 혜택을 받도록 할 계획이다."],
            published=datetime.now(KST), reporters=["나광운"]))


def test_a_drifted_layout_is_critical_in_the_crawl_that_meets_it_and_resolves_after_the_switch_back(
        tmp_path, receiver):
    with MockSites(slow_seconds=0.1) as sites:
        config, db = write_config(tmp_path, sites, f"""
[scheduler]
crawl_timeout = 120
[health]
channels = ["{receiver.url('notices')}"]
min_baseline_articles = 10
""")
        monitor = Monitor(config, db, scheduler=BackgroundScheduler(timezone="Asia/Seoul"),
                          alerts=AlertService(config, db), health=HealthService(config, db))
        assert monitor.crawl("newsprime").status == "ok"  # the baseline: every article with date and author
        assert receiver.posts == []
        publish(sites, 746800, 2)
        assert monitor.crawl("newsprime").status == "ok"  # an ordinary poll
        assert receiver.posts == []

        sites.drift("newsprime")  # mid-run, the site changes its markup
        publish(sites, 746810, 5)
        assert monitor.crawl("newsprime").status == "ok"  # the crawl itself looks fine …
        titles = sorted(p["title"] for p in receiver.posts)
        assert len(titles) == 2, titles  # … but this crawl's check sent one notice per failing field
        # the 5 new articles (the 2 recent ones are not re-read: no re-check age has passed since their fetch)
        assert titles[0].startswith("[newswatch health] CRITICAL newsprime field:author: author in 0 of 5")
        assert titles[1].startswith("[newswatch health] CRITICAL newsprime field:date: publication date in 0 of 5")
        date_notice = next(p["message"] for p in receiver.posts if "field:date" in p["title"])
        assert "field: date (publication date) — the page object no longer finds it" in date_notice
        assert "“no date found” ×5 (new)" in date_notice
        assert "body found only by fallback selector .section_0" in date_notice  # the selector that stopped
        assert f"without it: {sites.newsprime_url}/news/article.html?no=7468" in date_notice
        assert "before: 19 of 19 articles (100%)" in date_notice and "after: 0 of 5 articles (0%)" in date_notice

        assert monitor.crawl("newsprime").status == "ok"  # still drifted, nothing new: no second notice
        assert len(receiver.posts) == 2

        sites.drift("newsprime", on=False)  # the site (or our page object) is fixed
        publish(sites, 746820, 5)
        assert monitor.crawl("newsprime").status == "ok"
        resolved = sorted(p["title"] for p in receiver.posts[2:])
        assert [t.split(" ")[2:5] for t in resolved] == [["RESOLVED", "newsprime", "field:author:"],
                                                       ["RESOLVED", "newsprime", "field:date:"]]
        assert monitor.crawl("newsprime").status == "ok"
    assert len(receiver.posts) == 4  # opened and resolved, once each per incident: never one per crawl
    with Store(db) as store:
        incidents = HealthLedger(store).incidents("newsprime")
        assert [(i.monitor, i.severity, bool(i.resolved_at)) for i in incidents] == [
            ("field:date", "critical", True), ("field:author", "critical", True)]
        assert AlertLedger(store).pending() == []


def test_webhook_alerts_arrive_exactly_once_also_after_the_receiver_was_down(tmp_path, smtp_server):
    receiver = Receiver()  # down at first
    clock = FixedClock(datetime.now(KST))
    with MockSites(slow_seconds=0.1) as sites:
        config, db = write_config(tmp_path, sites, f"""
[smtp]
host = "127.0.0.1"
port = {smtp_server.port}
security = "none"
timeout = 5
[[alerts.rules]]
name = "gwangju-ai"
recipients = ["analyst@example.org"]
channels = ["{receiver.url('alerts')}"]
""")
        service = AlertService(config, db, clock=clock)
        service.collect(config.alerts.rules)  # the rule exists before the first crawl, which finds old news
        monitor = Monitor(config, db, scheduler=BackgroundScheduler(timezone="Asia/Seoul"))
        assert monitor.crawl("newsprime").status == "ok"
        service.immediate()
        title = "광주 인공지능 집적단지 입주기업 100곳 돌파"
        sites.publish_newsprime(new_newsprime_article(
            746598, title, ["[프라임경제] 광주광역시 인공지능 집적단지 입주기업이 100곳을 넘었다."],
            published=datetime.now(KST)))
        assert monitor.crawl("newsprime").status == "ok"
    service.immediate()  # the e-mail goes; the webhook is refused (nobody listening) and stays queued
    assert len(smtp_server.messages) == 1
    with Store(db) as store:
        (queued,) = AlertLedger(store).pending()
        assert queued.channel == "apprise" and queued.attempts == 1 and "127.0.0.1" in queued.last_error
    receiver.start()
    try:
        receiver.refuse = 1  # up, but the first answer is 503: not accepted, so not sent
        clock.advance(minutes=2)
        assert service.deliver().failed == 1
        clock.advance(minutes=5)
        assert service.deliver().sent == 1
        clock.advance(hours=2)
        assert service.deliver().sent == 0 and service.immediate() is None
    finally:
        receiver.stop()
    assert len(receiver.posts) == 1 and receiver.requests == 2
    (post,) = receiver.posts
    assert post["path"] == "/alerts" and "[newswatch·gwangju-ai] 광주 인공지능" in post["title"]
    assert title in post["message"]
    assert len(smtp_server.messages) == 1  # each channel its own row: the e-mail was not sent again
    with Store(db) as store:
        assert AlertLedger(store).pending() == [] and len(AlertLedger(store).sent()) == 2
