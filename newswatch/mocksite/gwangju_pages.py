"""HTML of the mock Gwangju city hall boards: list and detail pages of the siiru CMS (sites.md Part 2).

The merged city's board (JG_0000000003) answers detail pages in its own skin (sites.md 2.7): an
``article.board_view`` inside ``main``, a date written "2026. 9. 24. 14:20" after a 등록일 label, photos as
figures, files in ``div.file_list`` — so crawls exercise the merged-city page object, not the old skin.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import quote

from newswatch.mocksite.content import MockRelease

BOARDS = {"BD_0000000027": ("www789", "보도자료"), "JG_0000000003": ("jngj22", "전남광주통합특별시청 보도자료")}
MERGED_BOARDS = {"JG_0000000003"}  # boards of www.jeonnam-gwangju.go.kr, served in its skin
LIST_SIZE = 10

HEADER = """<div id="skiptoContent"><a href="#content_wrap">본문 바로가기</a></div>
<header id="header_area">
<div class="header_egov_area"><div class="topinfo_egov">이 누리집은 대한민국 공식 전자정부 누리집입니다.</div></div>
<div class="tnb_wrap"><a href="#">나만의 메뉴</a> <a href="#">로그인</a> <a href="#">Language</a></div>
<div class="gnb_wrap"><nav class="gnb"><ul><li><a href="#">분야별정보</a></li><li><a href="#">시정소식</a></li></ul></nav></div>
</header>"""
FOOTER = """<footer id="footer_area"><div class="banner_list">배너모음</div>
<p>[61945] 광주광역시 서구 내방로 111(치평동) 대표전화 062)120</p><p>Copyright ⓒ 2020 Gwangju Metropolitan City.</p></footer>"""


def _text(value: str) -> str:
    """Body text as the CMS writes it: HTML entities for quotes and the middle dot."""
    value = escape(value, quote=False)
    for plain, entity in (("‘", "&lsquo;"), ("’", "&rsquo;"), ("“", "&ldquo;"), ("”", "&rdquo;"), ("·", "&middot;")):
        value = value.replace(plain, entity)
    return value


def file_url(r: MockRelease, n: int, preview: bool = False) -> str:
    endpoint = "filePreView.do" if preview else "fileDownload.do"
    return f"/{endpoint}?fileSe=BB&amp;fileKey={r.board}%7C{r.seq}&amp;fileSn={n}&amp;boardId={r.board}&amp;seq={r.seq}"


def detail_page(r: MockRelease, newer: MockRelease | None, older: MockRelease | None) -> str:
    if r.board in MERGED_BOARDS:
        return merged_detail_page(r, newer, older)
    page_id, board_name = BOARDS[r.board]
    subtitle = ("<p class=\"tc mt10\">" + "<br>".join(_text(s) for s in r.subtitle_lines) + "</p>"
                if r.subtitle_lines else "")
    image = ""
    if r.photos:
        token, caption = r.photos[0]
        thumbs = ""
        if len(r.photos) > 1:
            thumbs = "<ul class=\"thumb_list\">" + "".join(
                f'<li><a href="#{escape(t)}" style="background-image:url(\'/imageView/{escape(t)}\')">{i}_썸네일</a></li>'
                for i, (t, _) in enumerate(r.photos, 1)) + "</ul>"
        image = (f'<div class="view_image"><img src="/imageView/{escape(token)}" class="baseImg" alt="{escape(caption)}">'
                 f'<div class="viewimg_comment"><small>{escape(caption)}</small></div>{thumbs}</div>')
    paragraphs = "<br />\n<br />\n".join(_text(p) for p in r.paragraphs + r.contact_lines)
    files = "".join(f'<li><a href="{file_url(r, n)}">{escape(name)}</a> '
                    f'<a href="{file_url(r, n, True)}" class="filePreview no_fileicon" target="_blank">미리보기</a></li>'
                    for n, (name, _) in enumerate(r.attachments, 1))
    attachments = (f'<div class="add_file"><span>첨부파일</span><ul>{files}</ul><a href="/fileDownload.do?action=zip&amp;'
                   f'fileSe=BB&amp;boardId={r.board}&amp;seq={r.seq}" class="file_down">첨부파일 전체(압축) 다운로드</a></div>'
                   if r.attachments else "")
    nxt = (f'<a href="/boardView.do?pageId={page_id}&amp;boardId={r.board}&amp;seq={newer.seq}">{escape(newer.title)}</a>'
           if newer else "다음글이 존재하지 않습니다.")
    prv = (f'<a href="/boardView.do?pageId={page_id}&amp;boardId={r.board}&amp;seq={older.seq}">{escape(older.title)}</a>'
           if older else "이전글이 존재하지 않습니다.")
    og_url = f"https://www.gwangju.go.kr/boardView.do?pageId={page_id}&amp;boardId={r.board}&amp;seq={r.seq}"
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8">
<meta name="application-name" content="광주광역시청"><meta name="siiru-context" content="/">
<meta name="robots" content="noindex, nofollow">
<meta property="og:type" content="article"><meta property="og:site_name" content="광주광역시청">
<meta property="og:url" content="{og_url}"><meta property="og:title" content="{escape(r.title)}">
<title>{board_name} | 광주광역시청</title><link rel="canonical" href="https://www.gwangju.go.kr"></head>
<body>
{HEADER}
<section id="content_area"><div class="container">
<nav class="left_menu"><h2>시정소식</h2><ul><li><a href="#">공지사항</a></li><li><a href="#">보도자료</a></li></ul></nav>
<div class="content_warp" id="content_wrap">
<div class="content_top"><h3>{board_name}</h3>
<div class="share_box"><ul class="list_subetc"><li class="print"><a href="#" title="인쇄">print</a></li>
<li class="sns_share"><a href="#">페이스북</a><a href="#">카카오톡</a></li></ul></div>
<div class="breadcrumb"><ul><li>홈</li><li>시정소식</li><li>{board_name}</li></ul></div></div>
<div class="content">
<form id="boardSearchForm" method="post"><input type="hidden" name="pageId" value="{page_id}"><input type="hidden" name="boardId" value="{r.board}"></form>
<div class="board_view bodo_board"><form id="boardForm" name="boardForm" method="post">
<input type="hidden" id="seq" name="seq" value="{r.seq}">
<div class="board_view_head bodo_view"><h6 class="tc">
{escape(r.title)}</h6>{subtitle}</div>
<div class="board_view_info"><span>작성일 : {r.published.strftime("%Y-%m-%d %H:%M")}</span><span>{r.seq % 97}</span></div>
<div class="board_view_body">{image}
{paragraphs}
</div>
{attachments}
<div class="koglSeView siiru-clr add_file"><span>공공누리</span><a href="https://www.kogl.or.kr/info/licenseType1.do"><img alt="1유형 : 출처표시"></a>
<span class="open_type">1유형 : 출처표시 (상업적 이용 및 변경 가능)</span></div>
</form>
<div class="btn_set tr"><a href="/boardList.do?pageId={page_id}&amp;boardId={r.board}" class="btn_con btn_list">목록</a></div>
<div class="siiruBoardList"><ul><li><span>다음글</span> {nxt}</li><li><span>이전글</span> {prv}</li></ul></div>
</div>
<div class="satisfy"><div class="charger"><span>자료관리 담당자</span><dl><dt>담당부서 : </dt><dd>대변인</dd></dl></div>
<div class="research"><form>만족도조사 <button>평점주기</button></form></div></div>
</div></div></div></section>
{FOOTER}
</body></html>"""


MERGED_HEADER = """<div id="skip"><a href="#contents">본문 바로가기</a></div>
<header id="header">
<div class="top_banner"><img src="/home/jngj/images/main/top_slogan.png" alt="압도적 성장 함께 사는 특별시"></div>
<h1 class="logo"><a href="/main.do">전남광주통합특별시</a></h1>
<nav id="gnb"><ul><li><a href="#">소식</a></li><li><a href="#">정보공개</a></li><li><a href="#">참여</a></li></ul></nav>
</header>"""
MERGED_FOOTER = """<footer id="footer"><p>전남광주통합특별시 임시 홈페이지</p>
<p>Copyright ⓒ 2026 Jeonnam-Gwangju Special Metropolitan City. All rights reserved.</p></footer>"""


def merged_date(when: datetime) -> str:
    """How the merged skin prints a date: "2026. 9. 24. 14:20" (no zero padding, a dot after the day)."""
    return f"{when.year}. {when.month}. {when.day}. {when:%H:%M}"


def merged_detail_page(r: MockRelease, newer: MockRelease | None, older: MockRelease | None) -> str:
    """A release in the merged city's skin; previews are filePreView.do?action=H (documents) or I (images)."""
    page_id, board_name = BOARDS[r.board]
    figures = "".join(f'<figure class="view_img"><img src="/imageView/{escape(token)}" alt="{escape(caption)}">'
                      f"<figcaption>{escape(caption)}</figcaption></figure>\n" for token, caption in r.photos)
    paragraphs = "<br />\n<br />\n".join(_text(p) for p in r.paragraphs + r.contact_lines)
    files = "".join(
        f'<li><a href="{file_url(r, n)}" class="file_name">{escape(name)}</a> '
        f'<a href="{file_url(r, n, True).replace("filePreView.do?", "filePreView.do?action=" + ("I" if name.lower().endswith((".jpg", ".png")) else "H") + "&amp;")}" '
        f'class="btn_preview" target="_blank" title="새창열림">미리보기</a></li>'
        for n, (name, _) in enumerate(r.attachments, 1))
    file_list = (f'<div class="file_list"><p class="tit">첨부파일 <span>{len(r.attachments)}</span></p><ul>{files}</ul></div>'
                 if r.attachments else "")
    nav = []
    for label, other in (("이전글", older), ("다음글", newer)):
        link = (f'<a href="/boardView.do?pageId={page_id}&amp;boardId={r.board}&amp;seq={other.seq}">{escape(other.title)}</a>'
                f' <span class="date">{merged_date(other.published)}</span>' if other else "글이 없습니다.")
        nav.append(f"<li><strong>{label}</strong> {link}</li>")
    og_url = f"https://www.jeonnam-gwangju.go.kr/boardView.do?pageId={page_id}&amp;boardId={r.board}&amp;seq={r.seq}"
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:type" content="article"><meta property="og:site_name" content="전남광주통합특별시">
<meta property="og:url" content="{og_url}"><meta property="og:title" content="{escape(r.title)}">
<title>{board_name} | 전남광주통합특별시</title></head>
<body>
{MERGED_HEADER}
<main id="contents">
<div class="sub_top"><h2>{board_name}</h2>
<ol class="location"><li>홈</li><li>소식</li><li>{board_name}</li></ol>
<div class="util"><button type="button" class="btn_print">인쇄</button><button type="button" class="btn_share">공유</button></div></div>
<article class="board_view">
<div class="view_head">
<h3 class="view_title">{escape(r.title)}</h3>
<ul class="view_info">
<li><strong>작성자</strong> <span>대변인실</span></li>
<li><strong>등록일</strong> <span>{merged_date(r.published)}</span></li>
<li><strong>조회수</strong> <span>{r.seq % 97}</span></li>
</ul>
</div>
<div class="view_cont">
{figures}{paragraphs}
</div>
{file_list}
<div class="kogl"><img src="/home/jngj/images/common/kogl_type1.png" alt="공공누리 제1유형: 출처표시"> 본 공공저작물은 공공누리 "출처표시" 조건에 따라 이용할 수 있습니다.</div>
</article>
<ul class="view_nav">{"".join(nav)}</ul>
<div class="btn_area"><a href="/boardList.do?pageId={page_id}&amp;boardId={r.board}" class="btn_list">목록</a></div>
<section class="cardnews"><h2>카드뉴스</h2><a href="#"><img src="/imageView/cardnews0924" alt="카드뉴스: 통합특별시 100일"></a></section>
<div class="notice_banner"><img src="/upload/co/banner_2026_09.png" alt="알림: 임시 홈페이지 운영 안내"></div>
</main>
{MERGED_FOOTER}
</body></html>"""


def drifted_detail_page(r: MockRelease, newer: MockRelease | None, older: MockRelease | None) -> str:
    """A release after a redesign: the city skin's info line renamed with the date moved below the body;
    the merged skin's article view renamed (its pages are then not recognised at all)."""
    page = detail_page(r, newer, older)
    if r.board in MERGED_BOARDS:
        return page.replace('<article class="board_view">', '<article class="bbs_view_v2">')
    info_start = page.index('<div class="board_view_info">')
    info_end = page.index("</div>", info_start) + len("</div>")
    page = page[:info_start] + page[info_end:]
    return page.replace('<div class="koglSeView', f'<p class="regist">{r.published:%Y.%m.%d}</p>\n<div class="koglSeView', 1)


def list_page(board: str, page: int, rows: list[MockRelease], total: int, record_cnt: int, newest_seqs: set[int]) -> str:
    page_id, board_name = BOARDS[board]
    pages = max(1, -(-total // record_cnt))
    body = []
    for i, r in enumerate(rows):
        short = r.title if len(r.title) <= 24 else r.title[:24] + "..."
        new = ' class="new"' if r.seq in newest_seqs else ""
        file_icon = (f'<a href="{file_url(r, 1)}" title="파일"><i class="far fa-save"></i></a>' if r.attachments else "")
        body.append(f"""<div class="body_row">
<div class="num"><span class="blind">번호</span>{total - (page - 1) * record_cnt - i}</div>
<div class="category"><span class="blind">분류</span>{escape(r.category)}</div>
<div class="subject"><a href="/boardView.do?pageId={page_id}&amp;boardId={board}&amp;seq={r.seq}&amp;movePage={page}&amp;recordCnt={record_cnt}" data-view="L" data-seq="{r.seq}" title="{escape(r.title)}"{new}>{escape(short)}</a></div>
<div class="date"><span class="blind">작성일</span>{r.published.strftime("%Y-%m-%d")}</div>
<div class="file">{file_icon}</div>
<div class="hit"><span class="blind">조회</span>{r.seq % 97}</div>
</div>""")
    site_name = "전남광주통합특별시" if board in MERGED_BOARDS else "광주광역시청"
    return f"""<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>{board_name} | {site_name}</title></head>
<body>{HEADER}
<div class="content">
<form id="boardSearchForm" name="boardSearchForm" method="post" action="/boardList.do">
<input type="hidden" name="pageId" value="{page_id}"><input type="hidden" id="movePage" name="movePage" value="{page}">
<input type="hidden" id="boardId" name="boardId" value="{board}"><input type="hidden" id="recordCnt" name="recordCnt" value=""></form>
<div class="board_list"><p class="total_num">전체게시글 : {total:,} / 전체페이지 : {pages:,}</p>
<div class="board_list_head"><div class="num">번호</div><div class="subject">제목</div><div class="date">작성일</div></div>
<div class="board_list_body">
{"".join(body)}
</div></div>
<div id="boardPage"><div class="pagination"></div></div>
</div>
{FOOTER}
</body></html>"""


def main_page() -> str:
    return f"<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>광주광역시청</title></head><body>{HEADER}{FOOTER}</body></html>"


def error_page(message: str) -> str:
    return f"""<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>광주광역시청</title></head><body>{HEADER}
<div class="content"><script>alert('{message}');</script><p>{message}</p></div>{FOOTER}</body></html>"""


def content_disposition(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name)}"


TINY_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                         "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
