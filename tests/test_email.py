"""The alert email as an analyst receives it: subject, order, why-lines, footer, headers and both parts.

End-to-end tests parse real messages received by aiosmtpd; unit tests pin the pieces (clipping Korean, the
plain-text wrap, the highlight markers, HTML escaping of hostile article text).
"""

from __future__ import annotations

import email
import re
import socket
from datetime import datetime
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import pytest

from crawler.sites import load_config
from newswatch.alerts.entries import (
    MARK_END,
    MARK_START,
    AlertCopy,
    AlertItem,
    Sender,
    clean,
    clip,
    copies_in_order,
    ordered,
    reason,
    width,
    without_dateline,
)
from newswatch.alerts.message import build_message, list_headers, render, sender_for
from newswatch.alerts.plaintext import wrap
from newswatch.alerts.service import AlertService
from newswatch.core.article import Article
from newswatch.core.clock import KST, FixedClock
from newswatch.core.config import ConfigError
from newswatch.mocksite.content import default_newsprime
from storage import Store
from storage.alerts import AlertLedger
from tests.conftest import run_newswatch
from tests.story_fixtures import story_article

NEWSPRIME_AI = 1  # default_newsprime()[1]: 광주시, AI 집적단지 2단계 예비타당성조사 통과 ("[프라임경제] …")
NEWSPRIME_AVIAN = 3  # 고병원성 AI 전남 나주서 확진…광주 방역 비상: not Gwangju AI


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=KST))


def newsprime_article(index: int) -> Article:
    item = default_newsprime()[index]
    url = f"https://www.newsprime.co.kr/news/article.html?no={item.no}"
    return Article("newsprime", str(item.no), url, url, item.title, body_text="\n\n".join(item.paragraphs),
                   published_at=item.published.isoformat())


def write_config(tmp_path: Path, port: int, *, mode: str = "immediate", rule: str = "gwangju-ai",
                 extra: str = "") -> Path:
    path = tmp_path / "newswatch.toml"
    path.write_text(f"""
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
sender = "newswatch <alerts@newswatch.example.org>"
timeout = 5

[alerts]
unsubscribe = ["mailto:newswatch-admin@example.org"]

[[alerts.rules]]
name = "{rule}"
label = "광주 AI"
mode = "{mode}"
recipients = ["analyst@example.org"]
{extra}
""", encoding="utf-8")
    return path


STORED_IN_THIS_ORDER = ["rewrite_ai_center", "release_ai_export", "release_ai_center", "rewrite_ai_center_brief"]


def scenario(tmp_path: Path, clock: FixedClock, port: int, **config) -> AlertService:
    """A rule that has run once; then a crawl stores a release after its own rewrite, a later photo brief of it,
    another release, an older newsprime article with its "[프라임경제]" dateline, and avian-flu news."""
    service = AlertService(load_config(write_config(tmp_path, port, **config)), tmp_path / "s.db", clock=clock)
    with Store(tmp_path / "s.db", clock=clock) as store:
        for source in ("newsprime", "gwangju_city"):
            store.finish_crawl(store.start_crawl(source), status="ok", pages_fetched=1)
    service.collect(service.config.alerts.rules)  # the rule starts here: nothing queued
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.save_article(newsprime_article(NEWSPRIME_AI))
        for name in STORED_IN_THIS_ORDER:
            store.save_article(story_article(name))
        store.save_article(newsprime_article(NEWSPRIME_AVIAN))
    return service


def received(tmp_path, clock, smtp_server, **config) -> tuple[AlertService, email.message.EmailMessage]:
    service = scenario(tmp_path, clock, smtp_server.port, **config)
    assert service.collect(service.config.alerts.rules) == 1
    assert service.deliver().sent == 1
    return service, smtp_server.messages[0]


def parts(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each h3 (the entries' titles)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.titles: list[str] = []
        self._in_title = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = self._in_title or tag == "h3"
        if tag == "h3":
            self.titles.append("")

    def handle_endtag(self, tag):
        if tag == "h3":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.titles[-1] += data


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "table", "tr", "td", "div", "p", "h1", "h2", "h3",
                "a", "mark", "span", "strong", "br", "code"}


def assert_contained(page: str) -> None:
    """Only the template's own tags; no scripts, handlers, remote resources; links only to http(s) or mailto."""
    tags = Tags(page).tags
    assert {t for t, _ in tags} <= ALLOWED_TAGS, {t for t, _ in tags} - ALLOWED_TAGS
    assert sum(t == "style" for t, _ in tags) == 1
    for tag, attrs in tags:
        assert not any(name.startswith("on") or name in ("src", "srcset", "background") for name in attrs), (tag, attrs)
        if tag == "a":
            assert re.match(r"^(https?://|mailto:)", attrs["href"] or ""), attrs
    assert "url(" not in page and "@import" not in page and "<script" not in page.lower()


EXPORT = "광주 AI 스타트업 12곳, 싱가포르 테크위크서 수출 상담 1200만달러"
CENTER = "광주시, 생성형 AI 실증지원센터 문 열어"
CLUSTER = "광주시, AI 집적단지 2단계 예비타당성조사 통과"


# --- end to end: what the analyst receives ------------------------------------------------------------------


@pytest.mark.slow
def test_received_email_reads_newest_story_first_with_its_release_leading(tmp_path, clock, smtp_server):
    service, message = received(tmp_path, clock, smtp_server)
    assert message["Subject"] == "[newswatch·광주 AI] 광주 AI 스타트업 12곳, 싱가포르 … 외 2건"
    text, page = parts(message)
    first = text.splitlines()[0]  # what a preview pane shows
    assert first == "새 소식 3건: 광주 AI 스타트업 12곳, 싱가포르 테크위크서 수출 … 외 2건" and width(first) <= 72
    entries = re.findall(r"^\d+\. (.+)$", text, re.M)
    assert [e.replace("*", "") for e in entries] == [EXPORT, CENTER, CLUSTER]  # newest story first
    assert Tags(page).titles == [EXPORT, CENTER, CLUSTER]
    # the city's release leads its story although its newspaper rewrite was stored first; copies in time order
    center = text[text.index("2. "):text.index("3. ")]
    assert "광주광역시 보도자료 · 2026-11-23 10:00 KST · 같은 소식 2건" in center
    assert center.index("760101") < center.index("760108")  # 15:20 the rewrite, next morning the photo brief
    assert page.index("fixture.invalid/newsprime/760101") < page.index("fixture.invalid/newsprime/760108")
    # titles highlighted; snippets without newsprime's own dateline
    assert entries[0].startswith("*광주* *AI* 스타트업") and "<mark" in page[page.index("<h3"):page.index("</h3>")]
    assert "[프라임경제]" not in text and "[프라임경제]" not in page
    assert "*광주광역시*가 추진하는 *인공지능* *집적단지* 2단계" in text.replace("\n   ", " ")


@pytest.mark.slow
def test_received_email_says_why_and_who_sent_it(tmp_path, clock, smtp_server):
    service, message = received(tmp_path, clock, smtp_server)
    text, page = parts(message)
    assert text.count("왜 골랐나 — 장소: 광주광역시") == 3 and text.count("(관련도 ") == 3
    assert "점수 " not in text  # the engine's score is a note in reader's words
    assert page.count("왜 골랐나") == 3 and "근거: 첫 문단 「광주광역시(시장 강기정)는" in page
    config_path = str((tmp_path / "newswatch.toml").resolve())
    footer = text[text.index("\n-- \n"):]
    assert f"설정 파일: {config_path}\n" in footer or f"설정 파일:\n  {config_path}\n" in footer  # never broken
    for expected in ("보낸 규칙: gwangju-ai (광주 AI) · 즉시",
                     f"호스트: {socket.gethostname()}",
                     f"  newswatch --config {config_path} alerts preview gwangju-ai",
                     f"  newswatch --config {config_path} alerts remove gwangju-ai",
                     "mailto:newswatch-admin@example.org?subject=unsubscribe%20gwangju-ai"):
        assert expected in footer, expected
    html_footer = page[page.rindex("보낸 규칙"):]
    assert config_path in html_footer and "alerts remove gwangju-ai" in html_footer
    assert 'href="mailto:newswatch-admin@example.org?subject=unsubscribe%20gwangju-ai"' in html_footer


@pytest.mark.slow
def test_received_headers_for_filters_and_a_stable_message_id(tmp_path, clock, smtp_server):
    service, message = received(tmp_path, clock, smtp_server,
                                extra='unsubscribe = ["mailto:desk@example.org", "https://example.org/stop?r=1"]')
    assert message["List-Id"] == "광주 AI <gwangju-ai.newswatch.newswatch.example.org>"
    assert message["List-Unsubscribe"] == ("<mailto:desk@example.org?subject=unsubscribe%20gwangju-ai>, "
                                           "<https://example.org/stop?r=1>")  # the rule's own, not alerts-wide
    assert message["Auto-Submitted"] == "auto-generated"
    with Store(tmp_path / "s.db", clock=clock) as store:
        sent = AlertLedger(store).sent()[0]
    assert message["Message-ID"] == service.message_id(sent) == service.email(sent)["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    raw = service.email(sent).as_bytes().split(b"\n\n")[0]
    assert all(len(line) <= 78 for line in raw.splitlines()) and raw.isascii()


@pytest.mark.slow
def test_a_retry_is_the_same_message(tmp_path, clock):
    from newswatch.mocksite.mailserver import MailServer

    server = MailServer()  # nothing listening yet
    service = scenario(tmp_path, clock, server.port)
    service.collect(service.config.alerts.rules)
    assert service.deliver().failed == 1
    with Store(tmp_path / "s.db", clock=clock) as store:
        queued = AlertLedger(store).pending()[0]
    first_try = service.email(queued)
    server.start()
    try:
        clock.advance(minutes=2)
        assert service.deliver().sent == 1
        (message,) = server.messages
    finally:
        server.stop()
    assert message["Message-ID"] == first_try["Message-ID"]
    assert message["Subject"] == first_try["Subject"] and parts(message)[0] == first_try.get_body(("plain",)).get_content()


@pytest.mark.slow
def test_a_digest_groups_its_stories_by_day(tmp_path, clock, smtp_server):
    _, message = received(tmp_path, clock, smtp_server, mode="digest")
    text, page = parts(message)
    days = re.findall(r"^(\d{4}년 \d+월 \d+일 \(.\)) · (\d+)건$", text, re.M)
    assert days == [("2026년 11월 24일 (화)", "1"), ("2026년 11월 23일 (월)", "1"), ("2026년 9월 20일 (일)", "1")]
    assert [page.index(day) for day, _ in days] == sorted(page.index(day) for day, _ in days)
    assert text.index("2026년 11월 23일") < text.replace("*", "").index(CENTER) < text.index("2026년 9월 20일")
    assert "요약(digest)" in text


@pytest.mark.slow
def test_hostile_article_text_stays_text(tmp_path, clock, smtp_server):
    service = scenario(tmp_path, clock, smtp_server.port)
    hostile = Article(
        "newsprime", "666", "javascript:alert(1)", "javascript:alert(1)",
        '광주 AI "><script>alert(1)</script> \x02<b>가짜</b>\x03 \u202egnp.exe =?utf-8?b?QmNjOiB4QHkuego=?=\r\nBcc: x@y.z',
        body_text=("[프라임경제] 광주 인공지능 </mark><img src=x onerror=alert(1)> <a href='javascript:x'>링크</a> "
                   "\x03본문\x02 *별표* [광주] 「인용」"),
        published_at="2026-11-25T08:00:00+09:00")
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.save_article(hostile)
    service.collect(service.config.alerts.rules)
    assert service.deliver().sent == 1
    message = smtp_server.messages[0]
    assert message["Bcc"] is None and message["To"] == "analyst@example.org"
    subject = message["Subject"]
    assert subject.startswith('[newswatch·광주 AI] 광주 AI "><script>') and subject.endswith(" 외 3건")
    assert "\u202e" not in subject and "\x02" not in subject
    text, page = parts(message)
    assert_contained(page)
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "javascript:" not in page.replace("&lt;a href=&#x27;javascript:x&#x27;&gt;", "")
    assert page.count("<mark") == page.count("</mark>")
    assert "&lt;b&gt;가짜&lt;/b&gt;" in page  # the fake markers were dropped, the tags escaped
    assert "\u202e" not in text + page and "\x02" not in text + page and "\x03" not in text + page
    lead = text[text.index("1. "):text.index("2. ")].replace("\n   ", " ")
    assert "본문 ＊별표＊ [*광주*] 「인용」" in lead  # the article's own asterisks and brackets are not highlights
    assert "*광주* *인공지능*" in lead and "javascript:alert(1)" not in text  # not a link, not a URL line


# --- the parts on their own -----------------------------------------------------------------------------------


def item(title: str, published: str, source: str = "gwangju_city", copies=(), **kw) -> AlertItem:
    return AlertItem(title, source, published, f"https://example.org/{abs(hash(title))}", "본문 " + title,
                     list(copies), **kw)


SENDER = Sender("gwangju-ai", "광주 AI", "immediate", "/srv/newswatch/newswatch.toml", "watch1")


def test_subject_names_the_rule_and_the_lead_story_clipped_for_korean():
    items = [item("광주시, AI 집적단지 2단계 예비타당성조사 통과", "2026-09-20T10:30:00+09:00")]
    items += [item(f"다른 소식 {i}", f"2026-09-1{i}T10:00:00+09:00") for i in range(4)]
    assert render(SENDER, items)[0] == "[newswatch·광주 AI] 광주시, AI 집적단지 2단계 … 외 4건"
    assert render(SENDER, items[:1])[0] == "[newswatch·광주 AI] 광주시, AI 집적단지 2단계 …"
    assert render(SENDER, [item("짧은 제목", "2026-09-20T10:30:00+09:00")])[0] == "[newswatch·광주 AI] 짧은 제목"
    no_label = Sender("gwangju-ai")
    assert render(no_label, [item("짧은 제목", None)])[0] == "[newswatch·gwangju-ai] 짧은 제목"


def test_clipping_never_cuts_a_syllable_or_a_character_apart():
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "광주광역시인공지능집적단지이단계예비타당성조사통과기념식")
    clipped = clip(decomposed, 20)
    assert width(clipped) <= 20 and clipped.endswith("…")
    recomposed = unicodedata.normalize("NFC", clipped[:-1])
    assert all("\uac00" <= ch <= "\ud7a3" for ch in recomposed)  # whole syllables only
    assert clip("개발자 👩\u200d💻 소식 모음 " * 5, 12).count("\u200d") in (0, 1)
    assert "\u200d…" not in clip("가나다 👩\u200d💻👩\u200d💻👩\u200d💻👩\u200d💻👩\u200d💻", 12)
    assert clip("e\u0301" * 30, 10).startswith("e\u0301") and not clip("e\u0301" * 30, 10).startswith("e…")
    assert width("광주 AI") == 7 and width(clip("가" * 50, 40)) <= 40


def test_clean_drops_every_control_and_invisible_format_character():
    assert clean("광주\x85AI\x9b31m 소식\x00\x7f끝") == "광주 AI 31m 소식 끝"  # C1 (NEL, CSI) like C0
    assert clean("광\u200b주\u00ad시\ufeff \u202e역순\u2066") == "광주시 역순"  # zero-width, soft hyphen, bidi
    assert clean("개발자 👩\u200d💻") == "개발자 👩\u200d💻"  # a joined emoji stays joined
    assert clean("\u200d\u200d가\u200d \u200d나") == "가 나"  # a joiner that joins nothing goes
    assert clean(f"{MARK_START}광주{MARK_END}", keep_marks=True) == f"{MARK_START}광주{MARK_END}"


def test_a_hostile_title_is_clipped_in_characters_too():
    for hostile in ("광주" + "\u200b" * 5000 + "시", "광" + "\u0301" * 5000 + "주시", "e" + "\u20dd" * 5000):
        for columns in (12, 40):
            clipped = clip(hostile, columns)
            assert len(clipped) <= 2 * columns and width(clipped) <= columns, (hostile[:3], len(clipped))
    assert clip("광주" + "\u200b" * 5000 + "시", 40) == "광주시"
    sender = Sender("gwangju-ai", label="광주 AI")
    title = render(sender, [item("광" + "\u0301" * 5000 + "주시", "2026-09-20T10:30:00+09:00")])[0]
    assert len(title) < 60


def test_the_subject_survives_encoding_whatever_its_spaces():
    import random

    words = ["광주시,", "AI", "집적단지", "2단계", "예비타당성조사", "통과", "인공지능", "…", "외", "4건", "「인용」", "GIST", "데이터센터", "·"]
    rng = random.Random(7)
    for _ in range(200):
        line = " ".join(rng.choice(words) for _ in range(rng.randint(2, 30)))
        raw = build_message("a@b.c", "d@e.f", line, "x", "<p>x</p>").as_bytes()
        head = raw.split(b"\n\n")[0]
        assert all(len(h) <= 78 for h in head.splitlines()), head
        assert email.message_from_bytes(raw, policy=policy.default)["Subject"] == line
    spoof = "=?utf-8?b?QmNjOiB4QHkuego=?= 제목"  # looks encoded: must arrive literally
    raw = build_message("a@b.c", "d@e.f", spoof, "x", "<p>x</p>").as_bytes()
    assert email.message_from_bytes(raw, policy=policy.default)["Subject"] == spoof


def test_order_newest_story_first_and_copies_earliest_then_by_outlet():
    old = item("오래된 소식", "2026-11-20T09:00:00+09:00")
    new = item("새 소식", "2026-11-24T09:00:00+09:00")
    unknown = item("시각 미상", None, seen_at="2026-11-22T09:00:00+09:00")  # first seen stands in
    assert [i.title for i in ordered([old, unknown, new])] == ["새 소식", "시각 미상", "오래된 소식"]
    copies = [AlertCopy("B 오후", "newsprime", "2026-11-24T15:00:00+09:00", "https://b/2"),
              AlertCopy("A 정오", "gwangju_city", "2026-11-24T12:00:00+09:00", "https://a/1"),
              AlertCopy("B 오전", "newsprime", "2026-11-24T10:00:00+09:00", "https://b/1"),
              AlertCopy("A 저녁", "gwangju_city", "2026-11-24T19:00:00+09:00", "https://a/2")]
    assert [c.title for c in copies_in_order(copies)] == ["B 오전", "B 오후", "A 정오", "A 저녁"]


def test_plain_text_keeps_72_columns_and_whole_urls():
    long_url = "https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=22190&menuId=1"
    long_title = "광주광역시 인공지능 집적단지 2단계 사업 예비타당성조사 통과 기념 기업 설명회와 국제 포럼 동시 개최 " * 2
    entry = AlertItem(long_title, "gwangju_city", "2026-11-24T09:00:00+09:00", long_url,
                      f"{MARK_START}광주{MARK_END} " + "아주긴낱말" * 30 + " 본문 " * 40,
                      [AlertCopy("사본 " * 20, "newsprime", "2026-11-24T10:00:00+09:00", long_url + "&copy=1")],
                      why="검색어 「광주 인공지능」: 광주, 인공지능")
    _, text, _ = render(SENDER, [entry])
    for line in text.splitlines():
        if width(line) > 72:
            assert re.fullmatch(r" *(https?://|mailto:|newswatch )\S.*", line), line  # URLs and commands only
    lines = [line.strip() for line in text.splitlines()]
    assert long_url in lines and long_url + "&copy=1" in lines
    assert wrap("가나다 " * 30, "   ")[1].startswith("   가나다")


def test_snippets_lose_the_outlets_own_tags_only():
    assert without_dateline("[프라임경제] 광주시가 …", "newsprime") == "광주시가 …"
    assert without_dateline("[프라임경제=김성태 기자] 광주시가 …", "newsprime") == "광주시가 …"
    assert without_dateline("(광주=뉴시스) 광주시가 …", "newsprime") == "광주시가 …"
    assert without_dateline("[단독] 광주시가 …", "newsprime") == "[단독] 광주시가 …"
    assert without_dateline("광주광역시는 … 밝혔다. <끝> ※ 별첨 : 사진", "gwangju_city") == "광주광역시는 … 밝혔다."


def test_why_lines_in_a_readers_words():
    why = reason("장소: 광주광역시(첨단3지구, 강기정) · 주제: 인공지능(GPU, 데이터센터) · 반대: 다른 약어 뜻(AI) · "
                 "근거: 첫 문단 「광주 · 전남 상생 … 「인용」」 · 점수 0.99/0.50")
    assert why.points == [("장소", "광주광역시(첨단3지구, 강기정)"), ("주제", "인공지능(GPU, 데이터센터)"),
                          ("유의", "다른 약어 뜻(AI)")]
    assert (why.passage, why.quote, why.note) == ("첫 문단", "광주 · 전남 상생 … 「인용」", "관련도 0.99, 기준 0.50")
    assert reason("검색어 「광주 인공지능」: 광주").points == [("", "검색어 「광주 인공지능」: 광주")]
    assert reason("") is None


def test_list_headers_and_a_rule_name_that_is_not_a_dns_label():
    headers = list_headers(Sender("광주 인공지능", unsubscribe=["https://example.org/u"]), "n <a@example.org>")
    assert re.fullmatch(r"광주 인공지능 <rule-[0-9a-f]{6}\.newswatch\.example\.org>", headers["List-Id"])
    assert headers["List-Unsubscribe"] == "<https://example.org/u>" and headers["Auto-Submitted"] == "auto-generated"
    message = build_message("n <a@example.org>", "b@example.org", "제목", "x", "<p>x</p>", headers=headers)
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["List-Id"] == headers["List-Id"]


def test_html_escapes_hostile_titles_snippets_and_urls():
    hostile = AlertItem(
        '<script>alert(1)</script> & "따옴표"', "newsprime", "2026-11-24T09:00:00+09:00", "javascript:alert(1)",
        f"{MARK_START}<img src=x onerror=alert(1)>{MARK_END} \x02 </mark><a href=x>",
        [AlertCopy("<iframe src=//evil>", "gwangju_city", None, 'https://ok.example/"onmouseover="x')],
        why="장소: <b>광주</b> · 주제: 인공지능 · 근거: 제목 「<svg onload=x>」 · 점수 0.99/0.50",
        title_marked=f"<script>{MARK_START}alert{MARK_END}(1)</script>")
    _, text, page = render(SENDER, [hostile])
    assert_contained(page)
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;iframe src=//evil&gt;" in page and "&lt;svg onload=x&gt;" in page and "&lt;b&gt;광주" in page
    assert 'href="https://ok.example/&quot;onmouseover=&quot;x"' in page
    assert "javascript:" not in page


def test_config_checks_the_new_keys(tmp_path):
    def load(extra: str, alerts: str = ""):
        path = tmp_path / "c.toml"
        path.write_text(f'[alerts]\n{alerts}\n[[alerts.rules]]\nname = "r"\n{extra}\n', encoding="utf-8")
        return load_config(path)

    rule = load('label = "광주 AI"\nunsubscribe = ["mailto:a@b.c", "https://x.org/u?r=1"]').alerts.rules[0]
    assert (rule.label, rule.unsubscribe) == ("광주 AI", ["mailto:a@b.c", "https://x.org/u?r=1"])
    for extra, alerts, key in [('label = "두 줄\\n라벨"', "", "alerts.rules[0].label"),
                               (f'label = "{"가" * 41}"', "", "alerts.rules[0].label"),
                               ('unsubscribe = ["ftp://x.org"]', "", "alerts.rules[0].unsubscribe"),
                               ('unsubscribe = ["mailto:not an address"]', "", "alerts.rules[0].unsubscribe"),
                               ('unsubscribe = ["https://x.org/a>b"]', "", "alerts.rules[0].unsubscribe"),
                               ("", 'unsubscribe = ["javascript:alert(1)"]', "alerts.unsubscribe"),
                               ('unsubscribe = "mailto:a@b.c"', "", "alerts.rules[0].unsubscribe")]:
        with pytest.raises(ConfigError, match=re.escape(key)):
            load(extra, alerts)


def test_sender_for_a_rule_falls_back_to_the_alerts_wide_unsubscribe(tmp_path):
    config = load_config(write_config(tmp_path, 25))
    sender = sender_for(config, config.alerts.rules[0], "host1")
    assert sender.unsubscribe == ["mailto:newswatch-admin@example.org?subject=unsubscribe%20gwangju-ai"]
    assert sender.config_path == str((tmp_path / "newswatch.toml").resolve()) and sender.host == "host1"


# --- preview ------------------------------------------------------------------------------------------------


def test_preview_shows_the_next_email_and_records_nothing(tmp_path, clock):
    service = scenario(tmp_path, clock, 1)

    def state():
        with Store(tmp_path / "s.db", clock=clock) as store:
            return [store.rows(f"SELECT * FROM {t} ORDER BY 1") for t in ("outbox", "alert_sent", "alert_marks")]

    before = state()
    shown = service.preview("gwangju-ai")
    assert shown.basis == "next" and len(shown.article_ids) == 5  # three stories, five articles
    assert str(shown.message["Subject"]) == "[newswatch·광주 AI] 광주 AI 스타트업 12곳, 싱가포르 … 외 2건"
    assert shown.message["List-Id"] and state() == before  # nothing queued, nothing marked
    service.collect(service.config.alerts.rules)
    again = service.preview("gwangju-ai")
    assert again.basis == "recent" and again.message is not None  # nothing new: an example from stored matches


@pytest.mark.slow
def test_preview_command_prints_the_email_and_writes_the_html(tmp_path, clock):
    scenario(tmp_path, clock, 1)
    out = tmp_path / "next.html"
    shown = run_newswatch("--config", str(tmp_path / "newswatch.toml"), "alerts", "preview", "gwangju-ai",
                          "--db", str(tmp_path / "s.db"), "--html", str(out))
    assert shown.returncode == 0, shown.stderr
    assert "Subject: [newswatch·광주 AI] 광주 AI 스타트업 12곳, 싱가포르 … 외 2건" in shown.stdout
    assert "List-Id: 광주 AI <gwangju-ai.newswatch.newswatch.example.org>" in shown.stdout
    assert "nothing was queued" in shown.stderr and "next run would send" in shown.stderr
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    with Store(tmp_path / "s.db", clock=clock) as store:
        assert AlertLedger(store).pending() == []
    none = run_newswatch("--config", str(tmp_path / "newswatch.toml"), "alerts", "preview", "gwangju-ai",
                         "--db", str(tmp_path / "empty.db"))
    assert none.returncode == 1 and "no stored article matches" in none.stderr
