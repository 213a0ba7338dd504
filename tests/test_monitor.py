"""The monitor: real APScheduler, crawls in child processes against the mock sites, alerts to a real SMTP server.

Intervals are a few seconds, so the tests drive real time without waiting for real schedules.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.sites import load_config
from newswatch.alerts.service import AlertService
from newswatch.core.clock import KST, FixedClock
from newswatch.core.config import parse_schedule
from newswatch.mocksite import MockSites
from newswatch.mocksite.content import new_newsprime_article
from newswatch.monitor.daemon import Monitor, is_due
from newswatch.monitor.locks import CrawlLock
from storage import Store
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # real servers, child processes and real time


def wait_for(predicate, timeout: float = 60.0, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(step)
    raise AssertionError("condition not reached in time")


def finished_crawls(db) -> int:
    if not db.exists():
        return 0
    with Store(db) as store:
        return sum(1 for c in store.crawls("newsprime", limit=100) if c.status != "running")


def monitor_config(tmp_path, sites: MockSites, smtp_port: int, interval: str = "interval:4s"):
    db = tmp_path / "monitor.db"
    path = tmp_path / "newswatch.toml"
    extra = f"""
[scheduler]
crawl_timeout = 60
outbox_interval = "interval:1s"
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
timeout = 5
[alerts]
grace = 1
[[alerts.rules]]
name = "gwangju-ai"
recipients = ["analyst@example.org"]
"""
    text = sites.config_toml(str(db), max_pages=1, extra=extra)
    text = text.replace('sections = [64]', f'sections = [64]\nschedule = "{interval}"')
    text = text.replace("[sources.gwangju_city]\n", "[sources.gwangju_city]\nenabled = false\n")
    path.write_text(text, encoding="utf-8")
    return load_config(path), db


def test_new_article_alerts_once_and_edits_or_copies_do_not(tmp_path, smtp_server):
    with MockSites(slow_seconds=0.1) as sites:
        config, db = monitor_config(tmp_path, sites, smtp_server.port)
        service = AlertService(config, db)
        monitor = Monitor(config, db, scheduler=BackgroundScheduler(timezone="Asia/Seoul"),
                          alerts=service)
        monitor.plan()  # empty store: the first crawl is due at once
        monitor.scheduler.start()
        try:
            wait_for(lambda: finished_crawls(db) >= 1)
            time.sleep(0.5)
            assert smtp_server.messages == []  # what the first crawl found predates the rule: no flood
            sites.publish_newsprime(new_newsprime_article(
                746599, "광주 인공지능 집적단지에 AI 반도체 실증센터 착공",
                ["[프라임경제] 광주광역시가 인공지능 집적단지에 AI 반도체 실증센터를 착공했다."],
                published=datetime.now(KST) - timedelta(hours=1)))
            wait_for(lambda: smtp_server.messages)
            (message,) = smtp_server.messages
            assert "AI 반도체 실증센터 착공" in message.get_body(("plain",)).get_content()
            crawls_so_far = finished_crawls(db)
            sites.edit_newsprime(746599, title="광주 인공지능 집적단지에 AI 반도체 실증센터 첫 삽",  # the list shows it
                                 paragraphs=["[프라임경제] 광주광역시가 AI 반도체 실증센터를 착공했다(수정)."])
            wait_for(lambda: finished_crawls(db) >= crawls_so_far + 2, timeout=90)
        finally:
            monitor.stop()
    assert len(smtp_server.messages) == 1  # the edit was stored as a revision and sent nothing
    with Store(db) as store:
        assert store.article_by_key("newsprime", "746599").revision == 2


def test_alert_survives_a_dead_smtp_server(tmp_path):
    from newswatch.mocksite.mailserver import MailServer

    server = MailServer()
    clock = FixedClock(datetime.now(KST))
    with MockSites(slow_seconds=0.1) as sites:
        config, db = monitor_config(tmp_path, sites, server.port)
        service = AlertService(config, db, clock=clock)
        service.collect(config.alerts.rules)  # the rule exists before the first crawl, which finds old news
        monitor = Monitor(config, db, scheduler=BackgroundScheduler(timezone="Asia/Seoul"))
        assert monitor.crawl("newsprime").status == "ok"
        service.immediate()
        sites.publish_newsprime(new_newsprime_article(
            746598, "광주 인공지능 집적단지 입주기업 100곳 돌파",
            ["[프라임경제] 광주광역시 인공지능 집적단지 입주기업이 100곳을 넘었다."],
            published=datetime.now(KST)))
        assert monitor.crawl("newsprime").status == "ok"
    service.immediate()
    from storage.alerts import AlertLedger

    with Store(db) as store:
        (queued,) = AlertLedger(store).pending()
        assert queued.attempts == 1 and "refused" in queued.last_error.lower()
    server.start()
    try:
        clock.advance(minutes=5)
        assert service.deliver().sent == 1
        assert len(server.messages) == 1 and service.deliver().sent == 0
    finally:
        server.stop()


def test_digest_rules_send_on_their_own_schedule_not_after_crawls(tmp_path, smtp_server):
    """The daemon's alert jobs (as `newswatch run` adds them): a digest rule waits for its schedule, then sends
    one email with everything new since its last run, and nothing again until something new arrives."""
    with MockSites(slow_seconds=0.1) as sites:
        config, db = monitor_config(tmp_path, sites, smtp_server.port)
        path = tmp_path / "newswatch.toml"
        text = path.read_text(encoding="utf-8").replace(
            'name = "gwangju-ai"\n', 'name = "gwangju-ai"\nmode = "digest"\nschedule = "interval:2s"\n')
        path.write_text(text + '[[alerts.rules]]\nname = "morning"\nquery = "광주"\nmode = "digest"\n'
                        'recipients = ["desk@example.org"]\n', encoding="utf-8")
        config = load_config(path)
        service = AlertService(config, db)
        monitor = Monitor(config, db, scheduler=BackgroundScheduler(timezone="Asia/Seoul"), alerts=service)
        service.announce()  # as the daemon does at start: the rules begin here
        assert monitor.crawl("newsprime").status == "ok"  # the first crawl: old news, never sent
        titles = ["광주 AI 반도체 팹리스 기업 3곳 첨단3지구 입주", "광주시, 인공지능 데이터센터 GPU 2배로 증설"]
        for no, title in zip((746601, 746602), titles, strict=True):
            sites.publish_newsprime(new_newsprime_article(
                no, title, [f"[프라임경제] {title}. 광주광역시는 인공지능 산업 육성을 위해 이번 사업을 추진한다."],
                published=datetime.now(KST)))
        assert monitor.crawl("newsprime").status == "ok"
        service.immediate()  # what the daemon does after crawls settle: immediate rules only
        assert smtp_server.messages == []
        monitor.add_alert_jobs(service)
        monitor.scheduler.start()
        try:
            morning = monitor.scheduler.get_job("digest:morning").next_run_time
            assert (morning.hour, morning.minute, morning.utcoffset()) == (8, 0, timedelta(hours=9))
            wait_for(lambda: smtp_server.messages, timeout=30)
            time.sleep(5)  # two more digest runs: nothing new, nothing sent
        finally:
            monitor.stop()
    (message,) = smtp_server.messages
    assert message["To"] == "analyst@example.org"
    body = " ".join(message.get_body(("plain",)).get_content().replace("*", "").split())  # unwrapped, unmarked
    assert all(title in body for title in titles)
    assert "AI 사관학교" not in body  # what the first crawl found is not in it


def scripted_monitor(tmp_path, script: str, *, interval: str = "interval:1s", timeout: float = 60):
    path = tmp_path / "newswatch.toml"
    db = tmp_path / "m.db"
    path.write_text(f"""[scheduler]\ncrawl_timeout = {timeout}\n[sources.newsprime]\nschedule = "{interval}"\n
[sources.gwangju_city]\nenabled = false\n""", encoding="utf-8")
    config = load_config(path)
    log = tmp_path / "runs.log"
    argv = [sys.executable, "-c", script, str(log)]
    monitor = Monitor(config, db, scheduler=BackgroundScheduler(timezone="Asia/Seoul"),
                      crawl_argv=lambda source: argv)
    return monitor, log, db


RUN = """
import sys, time
log = open(sys.argv[1], "a")
log.write(f"start {time.monotonic()}\\n"); log.flush()
time.sleep(%s)
log.write(f"end {time.monotonic()}\\n"); log.flush()
"""


def test_no_overlap_and_missed_runs_coalesce(tmp_path):
    monitor, log, _ = scripted_monitor(tmp_path, RUN % "2.5", interval="interval:1s")
    monitor.plan()
    monitor.scheduler.start()
    time.sleep(7)
    monitor.stop()
    time.sleep(3)
    events = [line.split() for line in log.read_text().splitlines()]
    starts = [float(t) for kind, t in events if kind == "start"]
    ends = [float(t) for kind, t in events if kind == "end"]
    assert 2 <= len(starts) <= 3  # a 1 s schedule, 2.5 s crawls: missed runs were not queued up
    for next_start, previous_end in zip(starts[1:], ends, strict=False):
        assert next_start >= previous_end  # never two crawls of the source at once


def test_crashing_and_hanging_crawls_are_recorded_and_the_daemon_goes_on(tmp_path):
    crash = "import os, sys; open(sys.argv[1], 'a').write('start\\n'); os._exit(9)"
    monitor, log, db = scripted_monitor(tmp_path, crash, interval="interval:1s")
    with Store(db) as store:
        store.start_crawl("newsprime")  # what a crashed child leaves: a record still 'running'
    outcome = monitor.crawl("newsprime")
    assert (outcome.status, outcome.returncode) == ("crashed", 9)
    with Store(db) as store:
        assert store.crawls("newsprime")[0].status == "failed"
    monitor.plan()
    monitor.scheduler.start()
    wait_for(lambda: log.read_text().count("start") >= 3, timeout=15)  # it keeps scheduling after crashes
    monitor.stop()

    (tmp_path / "hang").mkdir()
    hang, _, _ = scripted_monitor(tmp_path / "hang", RUN % "60", timeout=1.5)
    started = time.monotonic()
    outcome = hang.crawl("newsprime")
    assert outcome.status == "timeout" and time.monotonic() - started < 20


def test_a_child_that_fails_at_start_leaves_another_process_s_live_crawl_alone(tmp_path):
    """A child that could not open a busy store exits 2 without the source's lock; the 'running' record is then a
    manual crawl's, alive: it is closed only once that crawl's lock is free."""
    busy = "import sys; open(sys.argv[1], 'a').write('start\\n'); sys.exit(2)"
    monitor, _, db = scripted_monitor(tmp_path, busy, interval="interval:1h")
    manual = CrawlLock(db, "newsprime")
    manual.acquire()
    with Store(db) as store:
        live = store.start_crawl("newsprime")
    try:
        outcome = monitor.crawl("newsprime")
        assert (outcome.status, outcome.returncode) == ("failed", 2)
        with Store(db) as store:
            assert store.crawls("newsprime")[0].status == "running"
    finally:
        manual.release()
    monitor.crawl("newsprime")  # the manual crawl is gone now (its lock is free): its record is closed
    with Store(db) as store:
        record = store.crawls("newsprime")[0]
        assert (record.id, record.status) == (live, "failed")


def test_start_up_catch_up_rules():
    now = datetime(2026, 11, 25, 9, 0, tzinfo=KST)
    half_hour = parse_schedule("interval:30m")
    assert is_due(half_hour, None, now, "Asia/Seoul")
    assert is_due(half_hour, now - timedelta(minutes=31), now, "Asia/Seoul")
    assert not is_due(half_hour, now - timedelta(minutes=10), now, "Asia/Seoul")
    daily = parse_schedule("cron:0 8 * * *")
    assert is_due(daily, now - timedelta(hours=2), now, "Asia/Seoul")  # 08:00 passed since 07:00
    assert not is_due(daily, now - timedelta(minutes=30), now, "Asia/Seoul")


def test_run_stops_cleanly_on_sigterm(tmp_path):
    import signal
    import subprocess

    config = tmp_path / "newswatch.toml"
    config.write_text('[sources.newsprime]\nenabled = false\n[sources.gwangju_city]\nenabled = false\n', encoding="utf-8")
    daemon = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "--config", str(config), "run", "--db",
                               str(tmp_path / "d.db")], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=20) == 0
    assert "Traceback" not in daemon.stderr.read()


@pytest.mark.parametrize("text", ["interval:0", "every day", "cron:61 * * * *"])
def test_bad_schedules_are_refused(text):
    from newswatch.core.config import ConfigError

    with pytest.raises(ConfigError):
        parse_schedule(text)


def test_status_shows_last_and_next_run(tmp_path):
    from tests.conftest import run_newswatch

    config = tmp_path / "newswatch.toml"
    config.write_text('[sources.newsprime]\nschedule = "interval:30m"\n[sources.gwangju_city]\nenabled = false\n',
                      encoding="utf-8")
    db = tmp_path / "s.db"
    with Store(db) as store:
        crawl = store.start_crawl("newsprime")
        store.finish_crawl(crawl, status="ok", pages_fetched=3)
        started = datetime.fromisoformat(store.crawl(crawl).started_at)
    result = run_newswatch("--config", str(config), "status", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "newsprime:" in result.stdout and "gwangju_city" not in result.stdout
    assert " ok: 0 new, 0 updated, 0 errors" in result.stdout
    assert f"next run:  {(started + timedelta(minutes=30)).isoformat(timespec='seconds')}" in result.stdout
