"""newsprime page object on saved pages whose expected output was written by hand."""

from __future__ import annotations

import pytest

from crawler.sites import canonical, extract
from crawler.sites.newsprime import pages as newsprime
from tests.extraction_fixtures import assert_fields, expected_pages, fixture_bytes, page_bytes

SITE = "newsprime"
CHROME = ["프린트", "스크랩", "글자크기", "크게", "작게", "이 기사를 공유해보세요", "맨 위로", "무단전재", "재배포금지",
          "많이 본 뉴스", "기자 다른기사 보기", "로그인", "Copyright"]


@pytest.mark.parametrize(("name", "expected"), expected_pages(SITE), ids=[n for n, _ in expected_pages(SITE)])
def test_every_field_matches_the_hand_written_expectation(name, expected):
    article = extract(expected["url"], page_bytes(SITE, name))
    assert_fields(article, expected)


@pytest.mark.parametrize("name", [n for n, _ in expected_pages(SITE)])
def test_no_chrome_and_no_caption_in_the_body(name):
    expected = dict(expected_pages(SITE))[name]
    article = extract(expected["url"], page_bytes(SITE, name))
    for chrome in CHROME:
        assert chrome not in article.body_text, chrome
    paragraphs = article.body_text.split("\n\n")
    for image in article.images:
        assert image.caption not in paragraphs


def test_seed_article_keeps_lead_and_last_paragraph():
    article = extract("https://www.newsprime.co.kr/news/article.html?no=502345", page_bytes(SITE, "seed"))
    paragraphs = article.body_text.split("\n\n")
    assert paragraphs[0].startswith("[프라임경제] 취임 2주년을 맞이한 이용섭 광주광역시장이")
    assert paragraphs[-1].endswith("시민들의 적극적인 협력을 이끌어 냈다\"고 자평했다.")
    assert len(paragraphs) == 19 and "R&D사업" in article.body_text


SEED_FORMS = [
    "https://www.newsprime.co.kr/news/article.html?no=502345",
    "http://www.newsprime.co.kr/news/article/?no=502345",
    "https://www.newsprime.co.kr/news/article/?no=502345&sec_no=66",
    "http://www.newsprime.co.kr/news/article.html?no=502345&sec_no=112&utm_source=naver",
    "https://newsprime.co.kr/news/article.html?no=502345",
    "https://newsprime.co.kr/ezview/article_main.html?no=502345",
    "https://m.newsprime.co.kr/section_view.html?no=502345&menu=1",
    "http://m.newsprime.co.kr/section_view.html?no=502345",
]


@pytest.mark.parametrize("url", SEED_FORMS)
def test_every_url_form_maps_to_one_canonical_article(url):
    article = extract(url, page_bytes(SITE, "seed"))
    assert (article.source_id, article.canonical_url) == ("502345", SEED_FORMS[0])
    assert canonical(url) == ("newsprime", "502345", SEED_FORMS[0])


def test_euc_kr_declared_and_undeclared_pages_decode_right():
    page = page_bytes(SITE, "figure_p").decode("utf-8")
    declared = page.replace('<meta charset="utf-8">', '<meta charset="euc-kr">').encode("cp949")
    undeclared = page.replace('<meta charset="utf-8">', "").encode("cp949")
    url = "http://www.newsprime.co.kr/news/article/?no=612001"
    reference = extract(url, page_bytes(SITE, "figure_p"))
    for body, content_type in [(declared, None), (declared, "text/html; charset=EUC-KR"), (undeclared, None),
                               (undeclared, "text/html")]:
        article = extract(url, body, content_type)
        assert (article.title, article.body_text, article.images) == (reference.title, reference.body_text,
                                                                      reference.images)
        assert not [p for p in article.problems if "charset" in p]


def test_wrong_charset_header_is_survived_and_reported():
    body = page_bytes(SITE, "figure_p").decode("utf-8").replace('<meta charset="utf-8">', "").encode("cp949")
    article = extract("http://www.newsprime.co.kr/news/article/?no=612001", body, "text/html; charset=utf-8")
    assert article.title == "광주 AI 사관학교 3기 수료…취업률 72%"
    assert any(p.startswith("charset: declared utf-8 but the bytes are cp949") for p in article.problems)


@pytest.mark.parametrize(("name", "why"), [
    ("ratelimit", "rate-limit"), ("error200", "error page"), ("emptybody", "no body text"), ("drift", "no body"),
])
def test_pages_that_are_not_articles_are_reported_not_stored(name, why):
    article = extract("https://www.newsprime.co.kr/news/article.html?no=700001", page_bytes(SITE, name))
    assert article.recognised is False
    assert any(why in p for p in article.problems)
    assert article.body_text == "" and article.images == []


def test_empty_bytes_and_non_article_urls():
    article = extract("https://www.newsprime.co.kr/news/article.html?no=1", b"")
    assert article.recognised is False and article.problems == ["empty page"]
    with pytest.raises(ValueError, match="no newsprime article number"):
        newsprime.extract("https://www.newsprime.co.kr/news/section_list_all/?sec_no=64", b"<html></html>")


@pytest.mark.slow
def test_huge_page_extracts():
    page = page_bytes(SITE, "figure_p").decode("utf-8")
    filler = "<p>광주 인공지능 산업 생태계가 빠르게 성장하고 있다는 분석이 나왔다.</p>\n" * 40_000
    body = page.replace("<p>※ 본 기획물은", filler + "<p>※ 본 기획물은").encode("utf-8")
    assert len(body) > 3_000_000
    article = extract("http://www.newsprime.co.kr/news/article/?no=612001", body)
    assert article.recognised and article.body_text.count("\n\n") > 40_000


def test_section_list_rows_dates_and_pages():
    url = "https://www.newsprime.co.kr/news/section_list_all/?sec_no=64&page=1"
    page = newsprime.parse_list(url, page_bytes(SITE, "section_list"))
    assert page.recognised and page.total_pages == 3 and len(page.entries) == 15
    first, last = page.entries[0], page.entries[-1]
    assert (first.url, first.source_id, first.title, first.published) == (
        "https://www.newsprime.co.kr/news/article.html?no=746600&sec_no=110", "746600",
        "광주시, AI 집적단지 2단계 예타 통과", "2026-09-20T10:30:00+09:00")
    assert (last.source_id, last.published) == ("746586", "2026-09-16T14:30:00+09:00")


def test_mobile_list_and_rate_limited_list():
    url = "https://m.newsprime.co.kr/section_list.html?sec_no=64&menu=index"
    page = newsprime.parse_list(url, page_bytes(SITE, "mobile_list"))
    assert [(e.source_id, e.url) for e in page.entries] == [
        ("746590", "https://m.newsprime.co.kr/section_view.html?no=746590&menu=index"),
        ("746588", "https://m.newsprime.co.kr/section_view.html?no=746588&menu=index")]
    limited = newsprime.parse_list(url, page_bytes(SITE, "ratelimit"))
    assert (limited.recognised, limited.rate_limited, limited.entries) == (False, True, [])
    drifted = newsprime.parse_list(url, page_bytes(SITE, "drift"))
    assert drifted.recognised is False and "not a recognised list page" in drifted.problems[0]


FEED_URL = "https://www.newsprime.co.kr/data/rss/news.xml"


def test_rss_feed_gives_the_25_newest_articles_with_kst_dates():
    feed = newsprime.parse_feed(FEED_URL, fixture_bytes(SITE, "rss.xml"), "application/rss+xml")
    assert (feed.recognised, feed.rate_limited, feed.problems, feed.total_pages) == (True, False, [], None)
    assert [int(e.source_id) for e in feed.entries] == list(range(746612, 746587, -1))  # 25, newest first
    first = feed.entries[0]
    assert (first.url, first.source_id, first.title, first.published) == (
        "https://www.newsprime.co.kr/news/article.html?no=746612", "746612",
        '광주시 "AI 집적단지 2단계 예타 통과"…6000억 투입', "2026-09-20T11:02:41+09:00")
    by_id = {e.source_id: e for e in feed.entries}
    assert by_id["746610"].title == '[기자수첩] "전기요금 인상" 누구의 몫인가'  # escaped text, not CDATA
    assert by_id["746606"].published == "2026-09-20T09:30:00+09:00"  # a GMT pubDate, in KST
    assert by_id["746597"].title == "[인사] 프라임경제"  # CDATA ending in "]"
    assert by_id["746588"].published == "2026-09-19T14:01:52+09:00"


@pytest.mark.parametrize(("body", "why"), [
    (b"", "empty page"),  # what /rss/allArticle.xml answers, with HTTP 200
    (b"   \n", "empty page"),
    ("<html><body><p>페이지를 찾을 수 없습니다.</p></body></html>".encode(), "not an RSS 2.0 feed"),
    (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>', "not an RSS 2.0 feed"),
])
def test_a_feed_that_is_not_one_is_unrecognised_not_empty(body, why):
    feed = newsprime.parse_feed("http://www.newsprime.co.kr/rss/allArticle.xml", body, "text/xml")
    assert (feed.recognised, feed.rate_limited, feed.entries) == (False, False, [])
    assert any(why in p for p in feed.problems)


def test_feed_rate_limit_notice_and_odd_items():
    limited = newsprime.parse_feed(FEED_URL, page_bytes(SITE, "ratelimit"))
    assert (limited.recognised, limited.rate_limited) == (False, True)
    odd = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
<item><title>A</title><link>/news/article/?no=746700&amp;sec_no=110</link><pubDate>2026-09-21 08:00:00</pubDate></item>
<item><title>A again</title><link>https://m.newsprime.co.kr/section_view.html?no=746700</link></item>
<item><title>Event</title><link>https://www.newsprime.co.kr/event/view.html?id=3</link></item>
</channel></rss>"""
    feed = newsprime.parse_feed(FEED_URL, odd)
    assert feed.recognised and [(e.url, e.title, e.published) for e in feed.entries] == [
        ("https://www.newsprime.co.kr/news/article/?no=746700&sec_no=110", "A", "2026-09-21T08:00:00+09:00")]
    assert feed.problems == ["an item whose link is not an article: https://www.newsprime.co.kr/event/view.html?id=3"]
    empty = newsprime.parse_feed(FEED_URL, b'<rss version="2.0"><channel><title>t</title></channel></rss>')
    assert (empty.recognised, empty.entries) == (True, [])  # a feed with no items is a feed


def test_mock_feed_is_the_25_newest_of_all_sections():
    from dataclasses import replace

    from newswatch.mocksite import newsprime_pages
    from newswatch.mocksite.content import default_newsprime

    catalogue = default_newsprime()
    more = [replace(catalogue[1], no=760000 + i, title=f"기사 {i}") for i in range(20)]  # 37 articles in all
    feed = newsprime.parse_feed("http://127.0.0.1:8801/data/rss/news.xml",
                                newsprime_pages.rss("http://127.0.0.1:8801", catalogue + more).encode())
    newest = sorted(catalogue + more, key=lambda a: (a.published, a.no), reverse=True)[:25]
    assert [(e.source_id, e.title, e.published) for e in feed.entries] == [
        (str(a.no), a.title, a.published.isoformat()) for a in newest]
    assert {e.url.split("?")[0] for e in feed.entries} == {"http://127.0.0.1:8801/news/article.html"}
