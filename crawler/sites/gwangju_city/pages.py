"""Gwangju city hall press releases (siiru board CMS) page object: detail pages and board list pages.

Selectors follow shared/sites.md Part 2 (a real 2025-12 detail page). The site-wide "자료관리 담당자 · 담당부서"
box, the KOGL licence box (which also has class ``add_file``), prev/next links and the satisfaction survey are
chrome. The merged city's host is assumed to use the same skin, with a tolerant fallback (modelled, not confirmed).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from lxml import html as lxml_html
from parsel import Selector

from crawler.extract.common import (
    clean_line,
    decode_html,
    file_type,
    join_paragraphs,
    open_page,
    parse_kst,
    text_lines,
    unrecognised,
)
from crawler.extract.listing import ListEntry, ListPage
from crawler.sites.gwangju_city.urls import canonical as gwangju_canonical
from newswatch.core.article import Article, Attachment, Image

SOURCE = "gwangju_city"
BLOCKED_MARK = "Request Blocked"
ERROR_MARKS = ("존재하지 않는 게시물", "삭제된 게시물", "잘못된 접근", "요청하신 페이지를 찾을 수 없습니다",
               "시스템 오류")
SITE_SUFFIX = re.compile(
    r"\s*[|:-]\s*(?:전남광주통합특별시\s*)?(?:\(구\))?\s*광주광역시(?:청)?\s*$|\s*[|:-]\s*전남광주통합특별시(?:청)?\s*$"
)
CONTACT_LINE = re.compile(
    r"^(?:담당부서|담당자|문의|연락처|전화)\s*[:：]|(?:^|\s)0\d{1,2}[-)\s]\d{3,4}-\d{4}(?:\s|$)"
)
PHONE = re.compile(r"0\d{1,2}[-)\s]\d{3,4}-\d{4}")
BODY_CHROME = "div.view_image, ul.thumb_list, script, style, form, .koglSeView, .add_file, .viewimg_comment"


def extract(url: str, body: bytes, content_type: str | None = None) -> Article:
    """The Article of a press-release detail page (boardView.do)."""
    text, sel, article = open_page(url, body, content_type, SOURCE, _identity)
    if not text.strip():
        return unrecognised(article, "empty page")
    if BLOCKED_MARK in text[:5000] and not sel.css("div.board_view_head"):
        return unrecognised(article, "the site's firewall answered 'Request Blocked' instead of the release")
    head = sel.css("div.board_view_head")
    body_el = sel.css("div.board_view_body")
    if head or body_el:
        _read_siiru(sel, article)
    elif sel.css("article.board_view"):
        _read_merged_city(sel, article)
        article.problems.append("read with the merged-city fallback (article.board_view)")
    if not article.title or not article.body_text:
        if any(mark in text for mark in ERROR_MARKS):
            return unrecognised(article, "error page served with HTTP 200 (no such release)")
        if not article.title:
            return unrecognised(article, "no title found: not a recognised press-release page")
        return unrecognised(article, "no body text found")
    if article.published_at is None:
        article.problems.append("no date found")
    return article


def _identity(url: str, sel: Selector) -> tuple[str, str]:
    page_id = sel.css("input[name=pageId]::attr(value)").get()
    try:
        return gwangju_canonical(url, page_id=page_id)
    except ValueError:
        seq = sel.css("input#seq::attr(value), input[name=seq]::attr(value)").get()
        board = sel.css("input#boardId::attr(value), input[name=boardId]::attr(value)").get()
        if seq and board and "boardView.do" in url:
            return gwangju_canonical(f"{url}&boardId={board}&seq={seq}", page_id=page_id)
        og_url = sel.css('meta[property="og:url"]::attr(content)').get()
        if og_url:
            return gwangju_canonical(og_url, page_id=page_id)
        raise ValueError(f"no board id and seq in the URL or the page: {url}") from None


def _read_siiru(sel: Selector, article: Article) -> None:
    article.title = clean_line(" ".join(sel.css("div.board_view_head h6 ::text").getall()))
    if not article.title:
        og = clean_line(sel.css('meta[property="og:title"]::attr(content)').get())
        article.title = SITE_SUFFIX.sub("", og)
    sub = sel.css("div.board_view_head p.tc.mt10") or sel.css("div.board_view_head p")
    if sub:
        lines = text_lines(sub[0].root)
        article.subtitle = "\n".join(lines) or None
    info = [clean_line(t) for t in sel.css("div.board_view_info span ::text").getall()]
    for line in info:
        if "작성일" in line or re.search(r"\d{4}-\d{2}-\d{2}", line):
            article.published_at = parse_kst(line)
            break
    modified = next((line for line in info if "수정일" in line), None)
    article.updated_at = parse_kst(modified) if modified else None
    writer = next((line.split(":", 1)[1].strip() for line in info if re.match(r"(작성자|담당자)\s*:", line)), None)
    article.authors = [writer] if writer else []
    category = clean_line(sel.css("div.board_view_info .category::text, div.board_view_head .category::text").get())
    article.section = category or None
    body = sel.css("div.board_view_body")
    if body:
        article.images = _images(body[0], sel)
        _read_body(body[0].root, article)
    article.attachments = _attachments(sel, "div.add_file:not(.koglSeView) ul li a")


def _read_merged_city(sel: Selector, article: Article) -> None:
    """Tolerant reading of the merged city's board skin (sites.md 2.7: class names there are not confirmed)."""
    view = sel.css("article.board_view")[0]
    article.title = clean_line(" ".join(view.css("h1 ::text, h2 ::text, h3 ::text, h4 ::text, h6 ::text").getall()[:1]))
    dates = [parse_kst(t) for t in view.css("::text").getall() if re.search(r"\d{4}-\d{2}-\d{2}", t)]
    article.published_at = next((d for d in dates if d), None)
    content = view.css(".board_view_body, .view_cont, .view_content, .content")
    if content:
        article.images = _images(content[0], sel)
        _read_body(content[0].root, article)
    article.attachments = _attachments(sel, "div.file_list a")


def _images(body: Selector, sel: Selector) -> list[Image]:
    images = []
    base = sel.root.base_url or ""
    for block in body.css("div.view_image"):
        caption = clean_line(" ".join(block.css("div.viewimg_comment ::text").getall()))
        for img in block.css("img"):
            src = img.attrib.get("src", "")
            images.append(Image(urljoin(base, src), caption or clean_line(img.attrib.get("alt")) or None))
        for thumb in block.css("ul.thumb_list li a"):
            style = thumb.attrib.get("style", "")
            found = re.search(r"url\(['\"]?([^'\")]+)", style)
            if found and all(i.url != urljoin(base, found.group(1)) for i in images):
                images.append(Image(urljoin(base, found.group(1)), None))
    return images


def _attachments(sel: Selector, query: str) -> list[Attachment]:
    out: list[Attachment] = []
    base = sel.root.base_url or ""
    for link in sel.css(query):
        href = link.attrib.get("href", "")
        if "fileDownload.do" not in href or "fileSn=" not in href or "action=zip" in href:
            continue  # previews (filePreView.do), the zip of all files, the KOGL licence link
        name = clean_line(" ".join(link.css("::text").getall()))
        if name and all(a.url != urljoin(base, href) for a in out):
            out.append(Attachment(name, urljoin(base, href), file_type(name)))
    return out


def _read_body(root: lxml_html.HtmlElement, article: Article) -> None:
    root = lxml_html.fromstring(lxml_html.tostring(root, encoding="unicode"))
    for element in root.cssselect(BODY_CHROME):
        if element is not root:
            element.drop_tree()
    paragraphs = _paragraphs(root)
    contact: list[str] = []
    while paragraphs and CONTACT_LINE.search(paragraphs[-1]) and "<끝>" not in paragraphs[-1]:
        contact.insert(0, paragraphs.pop())
    for line in contact:
        key, _, value = line.partition(":") if ":" in line else line.partition("：")
        if key.strip() == "담당부서" and value.strip():
            article.department = value.strip().split("/")[0].strip()
    if contact:
        article.contact = " / ".join(contact)
    article.body_text = join_paragraphs(paragraphs)


def _paragraphs(root: lxml_html.HtmlElement) -> list[str]:
    """Paragraphs of a siiru body: separated by blank lines (<br /><br />); single <br> joins lines."""
    lines = text_lines(root, keep_blank=True)
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def parse_list(url: str, body: bytes, content_type: str | None = None) -> ListPage:
    """Releases on a board list page, newest first, with the board's page count."""
    text, _, problems = decode_html(body, content_type)
    page = ListPage(url=url, problems=problems)
    sel = Selector(text=text or "<html></html>", base_url=url)
    if BLOCKED_MARK in text[:5000] and not sel.css("div.board_list_body"):
        page.recognised = False
        page.problems.append("the site's firewall answered 'Request Blocked' instead of the list")
        return page
    container = sel.css("div.board_list_body")
    if not container:
        page.recognised = False
        page.problems.append("no div.board_list_body: not a recognised board list page")
        return page
    for row in container.css("div.body_row"):
        link = row.css("div.subject a")
        if not link:
            continue
        href = link[0].attrib.get("href", "")
        seq = link[0].attrib.get("data-seq") or parse_qs(urlsplit(href).query).get("seq", [""])[0]
        absolute = urljoin(url, href) if "boardView.do" in href else ""
        if not absolute and seq.isdigit():
            board = parse_qs(urlsplit(url).query)
            absolute = urljoin(url, "boardView.do?" + urlencode({
                "pageId": board.get("pageId", [""])[0], "boardId": board.get("boardId", [""])[0], "seq": seq}))
        try:
            source_id, _ = gwangju_canonical(absolute)
        except ValueError:
            page.problems.append(f"a row without a release link: {clean_line(row.css('::text').get())}")
            continue
        title = clean_line(link[0].attrib.get("title")) or clean_line(" ".join(link[0].css("::text").getall()))
        date_text = " ".join(t for t in row.css("div.date::text").getall())
        day = parse_kst(date_text)
        page.entries.append(ListEntry(absolute, source_id, title or None, day[:10] if day else None))
    total = re.search(r"전체페이지\s*:\s*([\d,]+)", " ".join(sel.css("p.total_num ::text").getall()))
    page.total_pages = int(total.group(1).replace(",", "")) if total else None
    return page
