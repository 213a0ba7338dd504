"""Alerts end to end below the crawler: rules, the ledger, the email, and delivery through a real SMTP server."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import datetime

import pytest

from crawler.sites import load_config
from newswatch.alerts.service import AlertService
from newswatch.core.article import Article
from newswatch.core.clock import KST, FixedClock
from newswatch.core.config import RuleConfig
from newswatch.mocksite.content import default_gwangju, default_newsprime
from storage import Store
from storage.alerts import AlertLedger
from tests.conftest import run_newswatch


def to_article(item) -> Article:
    if hasattr(item, "no"):
        return Article("newsprime", str(item.no), f"https://www.newsprime.co.kr/news/article.html?no={item.no}",
                       f"https://www.newsprime.co.kr/news/article.html?no={item.no}", item.title,
                       body_text="\n\n".join(item.paragraphs), published_at=item.published.isoformat())
    url = f"https://www.gwangju.go.kr/boardView.do?boardId={item.board}&seq={item.seq}"
    return Article("gwangju_city", f"www.gwangju.go.kr/{item.board}/{item.seq}", url, url, item.title,
                   body_text="\n\n".join(item.paragraphs), published_at=item.published.isoformat())


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=KST))


def config_for(tmp_path, smtp_port: int, rules: str = "") -> object:
    path = tmp_path / "newswatch.toml"
    path.write_text(f"""
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "newswatch <alerts@newswatch.invalid>"
timeout = 5
[alerts]
{rules or '[[alerts.rules]]' + chr(10) + 'name = "gwangju-ai"' + chr(10) + 'recipients = ["analyst@example.org", "desk@example.org"]'}
""", encoding="utf-8")
    return load_config(path)


def crawled(tmp_path, clock, *sources: str) -> None:
    """What a complete crawl of each source leaves in the store: a closed ok record (where rules start)."""
    with Store(tmp_path / "s.db", clock=clock) as store:
        for source in sources or ("newsprime", "gwangju_city"):
            store.finish_crawl(store.start_crawl(source), status="ok", pages_fetched=1)


def service_with_one_match(tmp_path, clock, smtp_port: int) -> AlertService:
    """A service whose rule existed before one Gwangju AI article was stored: two messages queued."""
    config = config_for(tmp_path, smtp_port)
    service = AlertService(config, tmp_path / "s.db", clock=clock)
    crawled(tmp_path, clock)
    service.collect(config.alerts.rules)
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.save_article(to_article(default_newsprime()[1]))
    service.collect(config.alerts.rules)
    return service


def test_default_rule_is_precise_on_the_catalogue(tmp_path, clock):
    """Gwangju AI coverage matches; avian influenza ("고병원성 AI"), 경기 광주시 and other regions do not."""
    from newswatch.alerts.matching import matcher_for

    rule = RuleConfig(topic="gwangju-ai")
    with Store(tmp_path / "s.db", clock=clock) as store:
        ids = {store.save_article(to_article(i)).article_id: i.title
               for i in default_newsprime() + default_gwangju()}
        matched = {ids[i] for i in matcher_for(rule).match(store, list(ids))}
    assert {"광주시, AI 집적단지 2단계 예비타당성조사 통과", "AI 사관학교 5기 수료생 70% 지역 취업",
            "광주시, 인공지능 집적단지 2단계 기업 설명회 개최", "광주시·GIST, AI 반도체 인재 양성 협약",
            '이용섭 광주시장 취임 2주년 "광주형일자리, 인공지능 큰 성과"'} <= matched
    for title in ["고병원성 AI 전남 나주서 확진…광주 방역 비상", "전남 해남 AI 조류인플루엔자 의심 신고…이동중지 명령",
                  "고병원성 조류인플루엔자 차단 방역 강화", "경기 광주시, 출퇴근 광역버스 12대 증차",
                  "부산 북항 재개발 1단계 준공식", "광주 도시철도 2호선 2단계 공정률 60% 돌파"]:
        assert title not in matched, title


def test_a_new_rule_does_not_flood_and_backfill_is_opt_in(tmp_path, clock):
    with Store(tmp_path / "s.db", clock=clock) as store:
        for item in default_newsprime()[:5]:
            store.save_article(to_article(item))
    crawled(tmp_path, clock)
    config = config_for(tmp_path, 1)
    service = AlertService(config, tmp_path / "s.db", clock=clock)
    assert service.collect(config.alerts.rules) == 0  # articles stored before the rule existed: no mail
    week = dataclasses.replace(config.alerts.rules[0], name="last-week", backfill_days=7)
    clock.advance(days=1)
    assert service.collect([week]) == 0  # the matches were published in September: older than the backfill
    backfilled = dataclasses.replace(config.alerts.rules[0], name="with-backfill", backfill_days=90)
    assert service.collect([backfilled]) == 2  # one message per recipient with the old matches


def test_once_per_recipient_across_recrawls_edits_aliases_and_copies(tmp_path, clock):
    config = config_for(tmp_path, 1)
    service = AlertService(config, tmp_path / "s.db", clock=clock)
    crawled(tmp_path, clock)
    assert service.collect(config.alerts.rules) == 0  # registers the rule on an empty store
    article = to_article(default_newsprime()[1])  # a Gwangju AI article
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.save_article(article)
    assert service.collect(config.alerts.rules) == 2
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.save_article(article, fetched_url="https://m.newsprime.co.kr/section_view.html?no=746580")  # alias
        store.save_article(dataclasses.replace(article, body_text=article.body_text + "\n\n(수정) 덧붙인 문단."))
        store.save_article(dataclasses.replace(article, source_id="999001", canonical_url="https://x.invalid/copy",
                                               url="https://x.invalid/copy"))  # same text, another id
    assert service.collect(config.alerts.rules) == 0
    with Store(tmp_path / "s.db", clock=clock) as store:
        assert len(AlertLedger(store).pending()) == 2


@pytest.mark.slow
def test_email_is_proper_and_untrusted_text_is_contained(tmp_path, clock, smtp_server):
    config = config_for(tmp_path, smtp_server.port)
    service = AlertService(config, tmp_path / "s.db", clock=clock)
    crawled(tmp_path, clock)
    service.collect(config.alerts.rules)
    hostile = Article("newsprime", "1", "https://www.newsprime.co.kr/news/article.html?no=1",
                      "https://www.newsprime.co.kr/news/article.html?no=1",
                      '광주 AI <script>alert("x")</script>\r\nBcc: victim@example.org',
                      body_text="광주 인공지능 <img src=x onerror=alert(1)> 기사 본문\r\nSubject: injected",
                      published_at="2026-11-25T08:30:00+09:00")
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.save_article(hostile)
    service.collect(config.alerts.rules)
    assert service.deliver().sent == 2
    message = smtp_server.messages[0]
    assert message["Subject"] == '[newswatch·gwangju-ai] 광주 AI <script>alert("x")</script> …'  # lead title, clipped
    assert message["Bcc"] is None and "victim" not in str(message["To"])
    assert set(smtp_server.messages[0].keys()) >= {"From", "To", "Subject", "Date", "Message-ID"}
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "2026-11-25 08:30 KST" in text and "https://www.newsprime.co.kr/news/article.html?no=1" in text
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html
    assert re.search(r"<mark[^>]*>(광주|인공지능)</mark>", html)
    assert "*광주*" in text or "*인공지능*" in text


@pytest.mark.slow
def test_dead_smtp_server_keeps_the_alert_until_it_is_back(tmp_path, clock):
    from newswatch.mocksite.mailserver import MailServer

    server = MailServer()  # a port with nothing listening yet
    service = service_with_one_match(tmp_path, clock, server.port)
    failed = service.deliver()
    assert (failed.sent, failed.failed) == (0, 2) and "Connection" in failed.errors[0]
    with Store(tmp_path / "s.db", clock=clock) as store:
        pending = AlertLedger(store).pending()
        assert [m.attempts for m in pending] == [1, 1]
    server.start()
    try:
        assert service.deliver().sent == 0  # backing off: the next try is not due yet
        clock.advance(minutes=2)
        assert service.deliver().sent == 2
        assert service.deliver().sent == 0  # sent once, never again
        assert sorted(str(m["To"]) for m in server.messages) == ["analyst@example.org", "desk@example.org"]
    finally:
        server.stop()


def test_dry_run_prints_instead_of_sending(tmp_path, clock):
    service = service_with_one_match(tmp_path, clock, 1)
    out = io.StringIO()
    service.dry_run([], out=out)
    assert "Subject: [newswatch·gwangju-ai] 광주시, AI 집적단지 2단계 …" in out.getvalue()  # decoded, as read
    assert "광주시, AI 집적단지 2단계" in out.getvalue() and "=?utf-8?" not in out.getvalue()
    assert "To: analyst@example.org" in out.getvalue()
    with Store(tmp_path / "s.db", clock=clock) as store:
        assert len(AlertLedger(store).pending()) == 2  # still queued


@pytest.mark.slow
def test_alerts_cli_add_list_remove_keep_comments(tmp_path):
    path = tmp_path / "newswatch.toml"
    path.write_text("# my settings\n[store]\npath = \"x.db\"  # keep me\n", encoding="utf-8")
    added = run_newswatch("--config", str(path), "alerts", "add", "ai-desk", "--query", "광주 인공지능",
                          "--to", "desk@example.org", "--mode", "digest")
    assert added.returncode == 0, added.stderr
    assert "# keep me" in path.read_text(encoding="utf-8")
    listed = run_newswatch("--config", str(path), "alerts", "list")
    assert "ai-desk  [digest]  → desk@example.org" in listed.stdout
    bad = run_newswatch("--config", str(path), "alerts", "add", "broken", "--query", "NOT 광주", "--to", "a@b.c")
    assert bad.returncode == 2 and "not saved" in bad.stderr and "broken" not in path.read_text(encoding="utf-8")
    removed = run_newswatch("--config", str(path), "alerts", "remove", "ai-desk")
    assert removed.returncode == 0 and "ai-desk" not in path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_story_is_one_entry_with_its_copies_as_extra_links(tmp_path, clock, smtp_server):
    from tests.story_fixtures import story_article

    config = config_for(tmp_path, smtp_server.port)
    service = AlertService(config, tmp_path / "s.db", clock=clock)
    crawled(tmp_path, clock)
    service.collect(config.alerts.rules)
    release, rewrite = story_article("release_ai_center"), story_article("rewrite_ai_center")
    with Store(tmp_path / "s.db", clock=clock) as store:
        for name in ("release_ai_center", "rewrite_ai_center", "release_ai_export"):
            store.save_article(story_article(name))
    assert service.collect(config.alerts.rules) == 2  # one message per recipient
    assert service.deliver().sent == 2
    message = smtp_server.messages[0]
    assert message["Subject"].endswith(" 외 1건")  # two stories, three articles
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.count(release.url) == 1 and text.count(rewrite.url) == 1
    assert text.count("같은 소식:") == 1 and "\n3. " not in text
    assert html.count(f'href="{release.url}"') == 1 and html.count(f'href="{rewrite.url}"') == 1
    with Store(tmp_path / "s.db", clock=clock) as store:  # a later copy of the alerted story: no new email
        assert store.save_article(story_article("rewrite_ai_center_brief")).status == "new"
    assert service.collect(config.alerts.rules) == 0


@pytest.mark.slow
def test_adding_a_rule_keeps_the_shipped_rule_and_without_a_query_uses_it(tmp_path):
    path = tmp_path / "newswatch.toml"
    path.write_text("[store]\npath = \"x.db\"\n", encoding="utf-8")
    added = run_newswatch("--config", str(path), "alerts", "add", "desk", "--to", "desk@example.org")
    assert added.returncode == 0, added.stderr
    assert "kept the shipped rule 'gwangju-ai'" in added.stdout
    config = load_config(path)
    assert [r.name for r in config.alerts.rules] == ["gwangju-ai", "desk"]
    shipped, desk = config.alerts.rules
    assert shipped.recipients == [] and desk.recipients == ["desk@example.org"]
    assert desk.query == shipped.query == "" and desk.topic == shipped.topic == "gwangju-ai"  # the shipped topic


@pytest.mark.slow
def test_why_lines_reach_the_email_and_explain_tells_both_ways(tmp_path, clock, smtp_server):
    service = service_with_one_match(tmp_path, clock, smtp_server.port)
    assert service.deliver().sent == 2
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    html = smtp_server.messages[0].get_body(("html",)).get_content()
    assert "장소: 광주광역시" in text and "주제: 인공지능" in text and "관련도 " in text
    assert "장소: 광주광역시" in html
    with Store(tmp_path / "s.db", clock=clock) as store:
        avian = store.save_article(to_article(default_newsprime()[3])).article_id  # 고병원성 AI … 광주 방역 비상
        alerted = store.article_by_key("newsprime", "746580").id
    config_path = tmp_path / "newswatch.toml"
    db = str(tmp_path / "s.db")
    yes = run_newswatch("--config", str(config_path), "alerts", "explain", "gwangju-ai", str(alerted), "--db", db)
    assert yes.returncode == 0 and "관련 있음" in yes.stdout and "점수 계산" in yes.stdout
    for ref in (f"newsprime:{default_newsprime()[3].no}", str(avian)):  # by source number, and by store id
        no = run_newswatch("--config", str(config_path), "alerts", "explain", "gwangju-ai", ref, "--db", db)
        assert no.returncode == 1 and "관련 없음" in no.stdout and "조류인플루엔자 뜻" in no.stdout, ref
    missing = run_newswatch("--config", str(config_path), "alerts", "explain", "gwangju-ai", "999", "--db", db)
    assert missing.returncode == 2 and "no stored article '999'" in missing.stderr
