"""HTML of the mock newsprime: desktop article, mobile article, section lists, RSS (sites.md Part 1)."""

from __future__ import annotations

from email.utils import format_datetime
from html import escape

from newswatch.mocksite.content import MockArticle

LIST_SIZE = 15
SECTION_CHILDREN = {64: set(range(110, 118)) | {64}}
RATE_LIMIT_TEXT = "1분이내 접근 횟수를 초과 하였습니다. 브라우저를 완전 종료후 다시 실해해 주세요."

HEADER = """<div id="header"><ul class="gnb">
<li><a href="/news/section_list_all/?sec_no=56">자본시장</a></li><li><a href="/news/section_list_all/?sec_no=57">산업</a></li>
<li><a href="/news/section_list_all/?sec_no=60">정치사회</a></li><li><a href="/news/section_list_all/?sec_no=64">지역</a></li>
<li><a href="/news/review_list_all.html/?rvw_no=53">AI 뉴스룸</a></li></ul>
<form action="/news/search.html"><input type="text" name="q"><button>검색</button></form>
<a href="/member/login.html">로그인</a></div>
<div id="banner_base_1" class="left-wing-banner"><a href="/banner_click.php?no=11"><img src="/data/banner/wing.jpg" alt="광고"></a></div>"""
FOOTER = """<div id="footer"><p>프라임경제 | 서울특별시 영등포구 | 청소년보호책임자</p>
<p>Copyright ⓒ 프라임경제 All rights reserved.</p></div>"""


def in_section(article: MockArticle, sec_no: int) -> bool:
    return article.section in SECTION_CHILDREN.get(sec_no, {sec_no})


def _photo(path: str, caption: str, style: str) -> str:
    if style == "div":
        return (f'<div class="photo"><img src="{escape(path)}"></div>\n'
                f'<div class="caption">{escape(caption)}</div>\n')
    return (f'<table class="photo_table" align="center"><tr><td><img src="{escape(path)}" width="600"></td></tr>'
            f'<tr><td class="caption">{escape(caption)}</td></tr></table>\n<br>\n')


def _body(a: MockArticle) -> str:
    parts: list[str] = []
    photos = list(a.photos)
    for i, paragraph in enumerate(a.paragraphs):
        parts.append(escape(paragraph, quote=False) + "<br><br>\n")
        if i == 1 and photos:  # the first photo after the second paragraph, as in the seed article
            parts.append(_photo(*photos.pop(0), a.photo_style))
    for path, caption in photos:
        parts.append(_photo(path, caption, a.photo_style))
    return "".join(parts)


def article_page(a: MockArticle, meta_charset: str | None) -> str:
    names = "・".join(a.reporters) + " 기자"
    emails = " ".join(f'<a href="mailto:{escape(e)}">{escape(e)}</a>' for e in a.emails)
    head_charset = f'<meta charset="{meta_charset}">' if meta_charset else ""
    subtitle = f'<h3 class="subtitle">{escape(a.subtitle)}</h3>' if a.subtitle else ""
    return f"""<!doctype html>
<html lang="ko"><head>{head_charset}
<title>{escape(a.title)} - 프라임경제</title>
<meta property="og:title" content="{escape(a.title)}">
<meta property="og:url" content="http://www.newsprime.co.kr/news/article.html?no={a.no}">
<link rel="alternate" type="application/rss+xml" href="/data/rss/news.xml">
<script>function fontSize(n) {{ return n; }}</script></head>
<body>
{HEADER}
<div class="section_0"><div class="c011_arv"><div class="cnt_view news_body_area">
<ul class="util"><li><a href="#">프린트</a></li><li><a href="#">메일</a></li><li><a href="#">스크랩</a></li>
<li>글자크기</li><li><a href="#">크게</a></li><li><a href="#">작게</a></li></ul>
<div class="viewsubject"><h2 class="title">{escape(a.title)}</h2>{subtitle}</div>
<div class="arvdate"><a href="/news/section_list_writer.html?name={escape(names)}"><span>{escape(names)}</span></a> | {emails}
{"| " + a.published.strftime("%Y.%m.%d %H:%M:%S") if a.show_date else ""}</div>
<div id="news_body_area" class="smartOutput">
{_body(a)}</div>
<ul class="util2"><li>이 기사를 공유해보세요</li><li><a href="#" class="facebook">facebook</a></li>
<li><a href="#" class="twitter">twitter</a></li><li><a href="#" class="kakao">kakao</a></li></ul>
<div class="bottom_byline"><a class="btn_allarticle" href="#">기자 다른기사 보기</a></div>
<a href="#header" class="btn_top">맨 위로</a>
<div class="copyright">ⓒ 프라임경제(http://www.newsprime.co.kr) 무단전재 및 재배포금지</div>
</div>
<div id="banner_contents_3"><a href="/banner_click.php?no=31"><img src="/data/banner/c3.jpg" alt="광고"></a></div>
<div class="section_h3_v2"><h4>많이 본 뉴스</h4><ul><li><a href="/news/article.html?no=746580">광주시, AI 집적단지 2단계 예비타당성조사 통과</a></li></ul></div>
</div></div>
{FOOTER}
</body></html>"""


def drifted_article_page(a: MockArticle, meta_charset: str | None) -> str:
    """The desktop page after a redesign: byline and body containers renamed, the date moved below the body
    without its byline (what a site change does to selectors: the page still answers 200)."""
    page = article_page(a, meta_charset)
    names = "・".join(a.reporters) + " 기자"
    byline_start = page.index('<div class="arvdate">')
    byline_end = page.index("</div>", byline_start) + len("</div>")
    page = page[:byline_start] + f'<div class="writer_info"><span class="name">{escape(names)}</span></div>' + \
        page[byline_end:]
    page = page.replace('<div id="news_body_area" class="smartOutput">', '<div class="article_txt">')
    page = page.replace('<div class="cnt_view news_body_area">', '<div class="article_wrap">')
    return page.replace('<ul class="util2">', f'<p class="reg_info">등록 {a.published:%Y-%m-%d %H:%M}</p>\n'
                        '<ul class="util2">', 1)


def mobile_article_page(a: MockArticle) -> str:
    paragraphs = "<br><br>".join(escape(p, quote=False) for p in a.paragraphs)
    return f"""<!doctype html><html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{escape(a.title)}</title></head><body>
<div id="m_header"><a href="/">프라임경제</a></div>
<div class="hd"><p class="tit">{escape(a.title)}</p><p class="data">{escape("・".join(a.reporters))} 기자 | {a.published.strftime("%Y.%m.%d %H:%M:%S")}</p></div>
<div class="stit2">{paragraphs}</div>
<div class="m_share">이 기사를 공유해보세요</div>
<div class="m_footer">ⓒ 프라임경제(http://www.newsprime.co.kr) 무단전재 및 재배포금지</div>
</body></html>"""


def list_page(sec_no: int, page: int, rows: list[tuple[str, MockArticle]], total_pages: int) -> str:
    """Nested tables with td.news1 links, as on the real section lists; ``rows`` are (href, article)."""
    pager = "".join(f'<a href="/news/section_list_all/?sec_no={sec_no}&amp;page={n}">{n}</a>'
                    for n in range(1, total_pages + 1))
    items = []
    for href, a in rows:
        stamp = f"[{escape('・'.join(a.reporters))} 기자] {a.published.strftime('%Y.%m.%d %H:%M')}"
        items.append(f"""<table><tbody><tr><td><table><tbody>
<tr><td class="news1"><a href="{escape(href)}">{escape(a.title)}</a></td></tr>
<tr><td>{escape(a.paragraphs[0][:60], quote=False)} … <span class="font11blue2">{stamp}</span></td></tr>
</tbody></table></td></tr></tbody></table>
<div class="line"></div>""")
    return f"""<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>지역 - 프라임경제</title></head><body>
{HEADER}
<div id="container"><div><div><div>
<div><div><div><div><a href="/news/section_list_all/?sec_no={sec_no}&amp;page=1">«</a>{pager}</div></div></div></div>
<div class="section_h12"><div><div>
{"".join(items)}
</div></div></div>
</div></div></div></div>
{FOOTER}
</body></html>"""


def extra_rows(rows: list[tuple[str, str, str]]) -> str:
    """Rows for links that are not catalogue articles (a 404, a robots-disallowed, an offsite one)."""
    return "".join(f"""<table><tbody><tr><td><table><tbody>
<tr><td class="news1"><a href="{escape(href)}">{escape(title)}</a></td></tr>
<tr><td><span class="font11blue2">[편집국] {stamp}</span></td></tr></tbody></table></td></tr></tbody></table>""" for href, title, stamp in rows)


def mobile_list_page(rows: list[tuple[str, MockArticle]]) -> str:
    items = "".join(f'<div class="article_box_sl_none"><div class="title_text_none"><a href="{escape(h)}">'
                    f"{escape(a.title)}</a></div></div>" for h, a in rows)
    return f"""<!doctype html><html lang="ko"><head><meta charset="utf-8"></head><body>
<div class="box01_0610_section">{items}</div></body></html>"""


def rate_limit_page() -> str:
    return f"""<html><head><meta charset="utf-8"></head><body><script>alert('{RATE_LIMIT_TEXT}');</script>
{RATE_LIMIT_TEXT}</body></html>"""


def not_found_page() -> str:
    return """<html><head><meta charset="utf-8"><title>프라임경제</title></head><body>
<div class="error">요청하신 페이지를 찾을 수 없습니다.</div></body></html>"""


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rss(base_url: str, articles: list[MockArticle]) -> str:
    """``/data/rss/news.xml``: RSS 2.0, the 25 newest articles of all sections, newest first (sites.md 1.9).

    Evidenced: the path, 25 items, all sections, UTF-8. Assumed as in other Korean news CMS feeds ([G], no
    item sample is public): ``.html`` article links, RFC 822 dates in +0900, CDATA titles and descriptions.
    """
    newest = sorted(articles, key=lambda a: (a.published, a.no), reverse=True)[:25]
    items = "".join(f"""<item>
<title>{_cdata(a.title)}</title>
<link>{base_url}/news/article.html?no={a.no}</link>
<description>{_cdata(a.paragraphs[0][:120])}</description>
<dc:creator>{escape("・".join(a.reporters))} 기자</dc:creator>
<guid isPermaLink="true">{base_url}/news/article.html?no={a.no}</guid>
<pubDate>{format_datetime(a.published)}</pubDate>
</item>
""" for a in newest)
    built = format_datetime(newest[0].published) if newest else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>프라임경제 - 전체기사</title>
<link>{base_url}</link>
<description>프라임경제 전체기사</description>
<language>ko</language>
<lastBuildDate>{built}</lastBuildDate>
{items}</channel></rss>"""
