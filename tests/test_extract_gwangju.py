"""Gwangju press-release page object on saved pages whose expected output was written by hand."""

from __future__ import annotations

import pytest

from crawler.sites import canonical, extract
from crawler.sites.gwangju_city import pages as gwangju
from crawler.sites.gwangju_city.urls import list_url
from tests.extraction_fixtures import assert_fields, expected_pages, page_bytes

SITE = "gwangju"
CHROME = ["본문 바로가기", "전자정부", "보도자료", "공공누리", "1유형", "목록", "이전글", "다음글", "자료관리 담당자",
          "만족도", "평점", "미리보기", "첨부파일", "대변인", "Copyright", "주소복사", "이전 보도자료", "개인정보"]


@pytest.mark.parametrize(("name", "expected"), expected_pages(SITE), ids=[n for n, _ in expected_pages(SITE)])
def test_every_field_matches_the_hand_written_expectation(name, expected):
    assert_fields(extract(expected["url"], page_bytes(SITE, name)), expected)


@pytest.mark.parametrize(("name", "expected"), expected_pages(SITE), ids=[n for n, _ in expected_pages(SITE)])
def test_no_chrome_in_any_text_field(name, expected):
    article = extract(expected["url"], page_bytes(SITE, name))
    for text in (article.title, article.subtitle or "", article.body_text):
        for chrome in CHROME:
            assert chrome not in text, chrome
    assert article.department != "대변인"  # the site-wide 자료관리 box is not the release's department


def test_attachments_exclude_previews_zip_and_licence():
    article = extract("https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180",
                      page_bytes(SITE, "ai_day"))
    urls = [a.url for a in article.attachments]
    assert len(urls) == 2 and all("fileDownload.do" in u and "fileSn=" in u for u in urls)
    assert not [u for u in urls if "action=zip" in u or "filePreView" in u or "kogl" in u]


FORMS = [
    "https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180",
    "https://www.gwangju.go.kr/boardView.do?boardId=BD_0000000027&pageId=www789&seq=21180&movePage=3&recordCnt=15",
    "http://www.gwangju.go.kr/boardView.do?boardId=BD_0000000027&seq=21180",
    "https://gwangju.go.kr/boardView.do?boardId=BD_0000000027&pageId=www789&searchSn=21180",
    "https://WWW.GWANGJU.GO.KR/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180&searchQuery=AI",
]


@pytest.mark.parametrize("url", FORMS)
def test_url_forms_map_to_one_release(url):
    article = extract(url, page_bytes(SITE, "ai_day"))
    assert article.source_id == "www.gwangju.go.kr/BD_0000000027/21180"
    assert article.canonical_url == FORMS[0]
    assert canonical(url)[1] == "www.gwangju.go.kr/BD_0000000027/21180"


def test_merged_city_host_alias():
    a = canonical("https://governor.jeonnam.go.kr/boardView.do?pageId=jngj22&boardId=JG_0000000003&seq=78")
    b = canonical("https://www.jeonnam-gwangju.go.kr/boardView.do?boardId=JG_0000000003&seq=78")
    assert a[1] == b[1] == "www.jeonnam-gwangju.go.kr/JG_0000000003/78"


def test_euc_kr_copy_and_wrong_header():
    url = FORMS[0]
    reference = extract(url, page_bytes(SITE, "ai_day"))
    page = page_bytes(SITE, "ai_day").decode("utf-8").replace('<meta charset="utf-8">', '<meta charset="euc-kr">')
    copy = extract(url, page.encode("cp949"))
    assert (copy.title, copy.subtitle, copy.body_text) == (reference.title, reference.subtitle, reference.body_text)
    wrong = extract(url, page.encode("cp949"), "text/html;charset=UTF-8")
    assert wrong.body_text == reference.body_text
    assert any(p.startswith("charset: declared utf-8") for p in wrong.problems)


@pytest.mark.parametrize(("name", "why"), [
    ("blocked", "Request Blocked"), ("error200", "error page"), ("emptybody", "no body text"),
])
def test_pages_that_are_not_releases_are_reported(name, why):
    article = extract(FORMS[0], page_bytes(SITE, name))
    assert article.recognised is False and any(why in p for p in article.problems)
    assert (article.body_text, article.images, article.attachments) == ("", [], [])


@pytest.mark.slow
def test_empty_bytes_huge_page_and_no_id():
    assert extract(FORMS[0], b"").recognised is False
    page = page_bytes(SITE, "ai_day").decode("utf-8")
    filler = "광주 인공지능 생태계가 성장하고 있다.<br />\n<br />\n" * 60_000
    body = page.replace("※ 별첨 : 사진", filler + "※ 별첨 : 사진").encode("utf-8")
    assert len(body) > 3_000_000
    assert extract(FORMS[0], body).body_text.count("\n\n") >= 60_000
    with pytest.raises(ValueError, match="no board id and seq"):
        gwangju.extract("https://www.gwangju.go.kr/boardView.do?pageId=www789", b"<html><body>x</body></html>")


def test_list_page_rows_titles_dates_and_page_count():
    url = list_url("https://www.gwangju.go.kr", "www789", "BD_0000000027", 1)
    assert url == "https://www.gwangju.go.kr/boardList.do?pageId=www789&boardId=BD_0000000027&movePage=1"
    page = gwangju.parse_list(url, page_bytes(SITE, "list"))
    assert page.recognised and page.total_pages == 2188 and len(page.entries) == 10
    first = page.entries[0]
    assert first.title == "광주시, 인공지능 집적단지 2단계 기업 설명회 개최"  # from @title, not the truncated text
    assert first.source_id == "www.gwangju.go.kr/BD_0000000027/22205" and first.published == "2026-06-26"
    assert first.url.startswith("https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=22205")
    assert [e.source_id.rsplit("/", 1)[1] for e in page.entries] == [str(22205 - i) for i in range(10)]


def test_empty_board_and_unrecognised_list():
    url = list_url("https://www.gwangju.go.kr", "www789", "BD_0000000027", 9)
    empty = gwangju.parse_list(url, page_bytes(SITE, "list_empty"))
    assert (empty.recognised, empty.entries, empty.total_pages) == (True, [], 0)
    blocked = gwangju.parse_list(url, page_bytes(SITE, "blocked"))
    assert blocked.recognised is False and "Request Blocked" in blocked.problems[0]
    drift = gwangju.parse_list(url, page_bytes(SITE, "error200"))
    assert drift.recognised is False


MERGED_URL = "https://www.jeonnam-gwangju.go.kr/boardView.do?pageId=jngj22&boardId=JG_0000000003&seq=91"


def merged_page(info: str, head: str = "", body: str = "시는 정부에 건의했다. &lt;끝&gt;") -> bytes:
    """A merged-city release in an article.board_view skin, its date line written as ``info``."""
    return f"""<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">{head}<title>보도자료</title></head>
<body><main><article class="board_view"><h3>통합특별시, 정부에 건의</h3>{info}
<div class="view_cont">{body}</div></article></main></body></html>""".encode()


@pytest.mark.parametrize(("info", "head", "published"), [
    ('<p class="date">등록일 2026-09-24 14:20</p>', "", "2026-09-24T14:20:00+09:00"),
    ('<p class="date">등록일 2026.09.24</p>', "", "2026-09-24T00:00:00+09:00"),
    ("<span>작성일 : 2026. 9. 24. 14:20</span>", "", "2026-09-24T14:20:00+09:00"),
    ("<span>작성일 : 2026. 9. 24.</span>", "", "2026-09-24T00:00:00+09:00"),
    ("<dl><dt>게시일</dt><dd>2026.09.24 14:20:31</dd></dl>", "", "2026-09-24T14:20:31+09:00"),
    ("<ul><li>Date : 2026-09-24 14:20</li></ul>", "", "2026-09-24T14:20:00+09:00"),
    ("<ul><li>등록일시 2026년 9월 24일 오후 2:20</li></ul>", "", "2026-09-24T14:20:00+09:00"),
    ('<p>등록일 <time datetime="2026-09-24T14:20:00+09:00">2026. 9. 24.</time></p>', "", "2026-09-24T14:20:00+09:00"),
    ('<p><time datetime="2026-09-24T05:20:00Z">2026. 9. 24.</time></p>', "", "2026-09-24T14:20:00+09:00"),
    ('<p><time datetime="2026-09-24">2026. 9. 24.</time></p>', "", "2026-09-24T00:00:00+09:00"),
    ("", '<meta property="article:published_time" content="2026-09-24T14:20:00+09:00">', "2026-09-24T14:20:00+09:00"),
    ('<span class="date">2026.09.24</span>', "", "2026-09-24T00:00:00+09:00"),  # no label: the date outside the body
    ("<ul><li>수정일 2026. 9. 25.</li><li>2026. 9. 24.</li></ul>", "", "2026-09-24T00:00:00+09:00"),
])
def test_merged_city_date_is_found_the_ways_such_skins_write_it(info, head, published):
    article = extract(MERGED_URL, merged_page(info, head))
    assert article.recognised and article.published_at == published
    assert "no date found" not in article.problems


def test_merged_city_edit_date_and_dates_inside_the_text():
    info = "<dl><dt>등록일</dt><dd>2026. 9. 24.</dd><dt>최종수정일</dt><dd>2026. 9. 25. 오전 9:05</dd></dl>"
    body = "오는 2026. 10. 15.까지 의견을 받는다. &lt;끝&gt;"
    article = extract(MERGED_URL, merged_page(info, body=body))
    assert (article.published_at, article.updated_at) == ("2026-09-24T00:00:00+09:00", "2026-09-25T09:05:00+09:00")
    # a date only in the text is an event's, not the release's: no date rather than a wrong one
    undated = extract(MERGED_URL, merged_page("", body=body))
    assert undated.recognised and undated.published_at is None
    assert undated.problems == ["read with the merged-city fallback (article.board_view)", "no date found"]


def test_mock_merged_board_serves_its_own_skin_with_a_findable_date():
    from newswatch.mocksite import gwangju_pages
    from newswatch.mocksite.content import default_gwangju

    merged = [r for r in default_gwangju() if r.board == "JG_0000000003"]
    assert merged, "the mock catalogue has releases on the merged board"
    for release in merged:
        page = gwangju_pages.detail_page(release, None, None)
        assert '<article class="board_view">' in page and "board_view_head" not in page
        assert gwangju_pages.merged_date(release.published) in page  # "2026. 9. 24. 14:20"
        article = extract(f"http://127.0.0.1:8802/boardView.do?pageId=jngj22&boardId=JG_0000000003&seq={release.seq}",
                          page.encode())
        assert article.recognised and article.published_at == release.published.isoformat()
        assert article.problems == ["read with the merged-city fallback (article.board_view)"]
        assert [a.name for a in article.attachments] == [name for name, _ in release.attachments]
        assert len(article.images) == len(release.photos)


def test_a_release_listed_twice_on_a_board_page_is_one_entry_at_its_first_place():
    url = list_url("https://www.gwangju.go.kr", "www789", "BD_0000000027", 1)
    rows = "".join(f'<div class="body_row"><div class="subject"><a href="/boardView.do?pageId=www789&amp;'
                   f'boardId=BD_0000000027&amp;seq={seq}" title="t{seq}">t</a></div>'
                   f'<div class="date">2026-06-2{i}</div></div>' for i, seq in enumerate([22205, 22204, 22205]))
    page = gwangju.parse_list(url, f'<html><body><div class="board_list_body">{rows}</div></body></html>'.encode())
    assert [e.source_id.rsplit("/", 1)[1] for e in page.entries] == ["22205", "22204"]
