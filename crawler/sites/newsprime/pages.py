"""newsprime.co.kr (프라임경제) page object: article pages (desktop and mobile) and section list pages.

Selectors follow shared/sites.md Part 1: the known selector first, sensible fallbacks, and a page that matches
none of them is reported (recognised=False), never passed off as an article.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import html as lxml_html
from parsel import Selector

from crawler.extract.common import (
    clean_line,
    decode_html,
    join_paragraphs,
    open_page,
    parse_kst,
    text_lines,
    unrecognised,
)
from crawler.extract.listing import ListEntry, ListPage
from crawler.sites.newsprime.urls import canonical as newsprime_canonical
from newswatch.core.article import Article, Image

SOURCE = "newsprime"
RATE_LIMIT_MARK = "1분이내 접근 횟수를 초과"
ERROR_MARKS = ("존재하지 않는 기사", "삭제된 기사", "없는 기사입니다", "잘못된 접근", "페이지를 찾을 수 없습니다")

# Chrome that may sit inside the fallback containers (sites.md 1.6); #news_body_area itself is clean.
CHROME = (".util, .util2, .bottom_byline, .btn_top, .viewsubject, .arvdate, [id*='banner_base_'], "
          "[id*='banner_contents_'], .section_h3_v2, .left-wing-banner, .right-wing-banner, .btn_allarticle, "
          "#commentPane, script, style, noscript, iframe, form, button")
CHROME_LINE = re.compile(
    r"^(?:ⓒ\s*프라임경제.*(?:무단전재|재배포).*|.*무단전재\s*및\s*재배포\s*금지.*|이 기사를 공유해보세요|맨 위로|"
    r"글자크기|프린트|메일|스크랩|크게|작게|facebook|twitter|kakao|관련기사 보기.*|기자 다른기사 보기)$",
    re.IGNORECASE,
)
CAPTION_LINE = re.compile(r"(?:ⓒ\s*\S.{0,40}$|=\s*\S{1,10}\s*기자$|^▲)")
BODY_CONTAINERS = ("#news_body_area", ".cnt_view.news_body_area", ".section_0")
NAME_SEPARATORS = re.compile(r"[・∙·,/、]+")
EMAIL = re.compile(r"([0-9A-Za-z._\-∙・·]+)@([0-9A-Za-z.\-]+\.[A-Za-z]{2,})")


def is_rate_limit_page(text: str) -> bool:
    return RATE_LIMIT_MARK in text


def extract(url: str, body: bytes, content_type: str | None = None) -> Article:
    """The Article of a newsprime article page (desktop, mobile or old form)."""
    text, sel, article = open_page(url, body, content_type, SOURCE, _identity)
    if not text.strip():
        return unrecognised(article, "empty page")
    if is_rate_limit_page(text):
        return unrecognised(article, "rate-limit notice served instead of the article")
    section = parse_qs(urlsplit(url).query).get("sec_no", [None])[0]
    article.section = section if section and section.isdigit() else None
    if sel.css("div.hd p.tit") and not sel.css("div.viewsubject"):
        _read_mobile(sel, article)
    else:
        _read_desktop(sel, article)
    if not article.title or not article.body_text:
        if any(mark in text for mark in ERROR_MARKS):
            return unrecognised(article, "error page served with HTTP 200 (no such article)")
        if not article.title:
            return unrecognised(article, "no title found: not a recognised newsprime article page")
        return unrecognised(article, "no body text found")
    if article.published_at is None:
        article.problems.append("no date found")
    if not article.authors:
        article.problems.append("no author found")
    return article


def _identity(url: str, sel: Selector) -> tuple[str, str]:
    try:
        return newsprime_canonical(url)
    except ValueError:
        og_url = sel.css('meta[property="og:url"]::attr(content)').get()
        if og_url:
            return newsprime_canonical(og_url)
        raise ValueError(f"no newsprime article number in the URL or the page: {url}") from None


def _first_text(sel: Selector, *queries: str) -> str:
    for query in queries:
        found = sel.css(query)
        if found:
            value = clean_line(" ".join(found[0].css("::text").getall()) if "::" not in query else found[0].get())
            if value:
                return value
    return ""


def _read_desktop(sel: Selector, article: Article) -> None:
    # text of the title outside any subtitle nested in it (libxml2 nests an unclosed <h2> around the <h3>)
    own_text = "descendant-or-self::text()[not(ancestor::*[contains(concat(' ', @class, ' '), ' subtitle ')])]"
    heading = sel.css("div.viewsubject h2.title") or sel.css(".title")
    title = clean_line(" ".join(heading[0].xpath(own_text).getall())) if heading else ""
    if not title:
        title = clean_line(sel.css('meta[property="og:title"]::attr(content)').get())
    if not title:
        title = re.sub(r"\s*[-|]?\s*프라임경제\s*$", "", clean_line(sel.css("title::text").get()))
    article.title = title
    subtitle_lines = [clean_line(t) for t in sel.css(".subtitle ::text").getall()]
    article.subtitle = "\n".join(t for t in subtitle_lines if t) or None
    _read_byline(sel.css("div.arvdate"), article)
    for container in BODY_CONTAINERS:
        found = sel.css(container)
        if found:
            if container != BODY_CONTAINERS[0]:
                article.problems.append(f"body found only by fallback selector {container}")
            _read_body(found[0].root, article, sel)
            if article.body_text:
                break


def _read_mobile(sel: Selector, article: Article) -> None:
    """Mobile page form (m.newsprime.co.kr/section_view.html); modelled from sites.md 1.5, not confirmed."""
    article.title = _first_text(sel, "div.hd p.tit")
    data = clean_line(" ".join(sel.css("div.hd p.data ::text").getall()))
    article.published_at = parse_kst(data)
    names = re.findall(r"([가-힣]{2,4}(?:[・∙·,/][가-힣]{2,4})*)\s*기자", data)
    if names:
        article.authors = _split_names(names[0])
    article.emails = _emails(data)
    for container in ("div.stit2", "#cnt_veiw"):
        found = sel.css(container)
        if found:
            _read_body(found[0].root, article, sel)
            if article.body_text:
                break


def _split_names(text: str) -> list[str]:
    text = re.sub(r"\s*기자\s*$", "", clean_line(text))
    return [n.strip() for n in NAME_SEPARATORS.split(text) if n.strip()]


def _emails(text: str) -> list[str]:
    out: list[str] = []
    for local, domain in EMAIL.findall(text):
        out += [f"{part}@{domain}" for part in re.split(r"[∙・·]", local) if part]
    return list(dict.fromkeys(out))


def _read_byline(arvdate: Selector, article: Article) -> None:
    if not arvdate:
        return
    box = arvdate[0]
    names = clean_line(" ".join(box.css("a span::text").getall())) or clean_line(box.css("a::text").get())
    if names and "@" not in names:
        article.authors = _split_names(names)
    mails = " ".join(box.css("::text").getall() + box.css("a::attr(href)").getall())
    article.emails = _emails(mails)
    texts = [clean_line(t) for t in box.xpath("./text()").getall() if clean_line(t).strip("| ")]
    candidates = texts[::-1] + [clean_line(" ".join(box.css("::text").getall()))]
    for candidate in candidates:
        if found := parse_kst(candidate.split("|")[-1]) or parse_kst(candidate):
            article.published_at = found
            break
    modified = re.search(r"수정\s*[:：]?\s*([\d.\-: ]+)", " ".join(box.css("::text").getall()))
    article.updated_at = parse_kst(modified.group(1)) if modified else None


def _read_body(root: lxml_html.HtmlElement, article: Article, sel: Selector) -> None:
    """Paragraphs and photos of the body element: captions become image captions, chrome is dropped."""
    root = lxml_html.fromstring(lxml_html.tostring(root, encoding="unicode"))  # work on a copy
    for element in root.cssselect(CHROME):
        if element is not root:
            element.drop_tree()
    article.images = _take_images(root, sel)
    lines = text_lines(root)
    paragraphs: list[str] = []
    for line in lines:
        if CHROME_LINE.match(line):
            continue
        if len(line) < 200 and CAPTION_LINE.search(line) and not line.startswith("[프라임경제]"):
            _attach_caption(article.images, line)
            continue
        paragraphs.append(line)
    article.body_text = join_paragraphs(paragraphs)


def _take_images(root: lxml_html.HtmlElement, sel: Selector) -> list[Image]:
    images: list[Image] = []
    for img in list(root.iter("img")):
        src = img.get("src") or img.get("data-src") or ""
        caption, holder = _caption_of(img)
        images.append(Image(urljoin(sel.root.base_url or "", src) if src else "", caption or None))
        if holder is not None and holder is not root:
            holder.drop_tree()
        elif img.getparent() is not None:
            img.drop_tree()
    return images


def _caption_of(img: lxml_html.HtmlElement) -> tuple[str, lxml_html.HtmlElement | None]:
    """(caption, the element holding photo and caption, to be removed from the body)."""
    table = next((a for a in img.iterancestors() if a.tag == "table"), None)
    if table is not None:
        return clean_line(table.text_content()), table
    figure = next((a for a in img.iterancestors() if a.tag == "figure"), None)
    if figure is not None:
        caps = figure.findall(".//figcaption")
        return (clean_line(caps[0].text_content()) if caps else clean_line(img.get("alt"))), figure
    # <img> (or a wrapper holding only it) followed by a short caption element
    anchor = img
    while anchor.getparent() is not None and clean_line(anchor.getparent().text_content()) == "" \
            and len(anchor.getparent()) == 1 and anchor.getparent().tag in ("div", "span", "a", "p", "center"):
        anchor = anchor.getparent()
    following = anchor.getnext()
    if following is not None and following.tag in ("p", "div", "span", "figcaption", "em", "small"):
        text = clean_line(following.text_content())
        if text and len(text) < 200 and not (anchor.tail or "").strip():
            following.drop_tree()
            return text, anchor
    return "", anchor


def _attach_caption(images: list[Image], caption: str) -> None:
    for i, image in enumerate(images):
        if not image.caption:
            images[i] = Image(image.url, caption)
            return
    images.append(Image("", caption))


def parse_list(url: str, body: bytes, content_type: str | None = None) -> ListPage:
    """Article links of a desktop section list (td.news1) or a mobile list page."""
    text, _, problems = decode_html(body, content_type)
    page = ListPage(url=url, problems=problems)
    if is_rate_limit_page(text):
        page.recognised, page.rate_limited = False, True
        page.problems.append("rate-limit notice served instead of the list")
        return page
    sel = Selector(text=text or "<html></html>", base_url=url)
    rows = sel.css("td.news1")
    if rows:
        for cell in rows:
            href = cell.css("a::attr(href)").get()
            if not href:
                continue
            table = cell.xpath("ancestor::table[1]")
            stamp = " ".join(table.css("span.font11blue2 ::text").getall()) if table else ""
            _add_entry(page, urljoin(url, href), clean_line(" ".join(cell.css("a ::text").getall())),
                       parse_kst(stamp.rsplit("]", 1)[-1]))
    elif sel.css("div.box01_0610_section, div.article_box_sl_section, div.article_box_sl_none"):
        for link in sel.css("div.title_text a, div.title_text_none a"):
            title = clean_line(" ".join(link.css("::text").getall()))
            _add_entry(page, urljoin(url, link.attrib.get("href", "")), title, None)
    elif sel.css("div.section_h12"):
        pass  # the list skeleton with no rows: a page past the end
    else:
        page.recognised = False
        page.problems.append("no list rows (td.news1) and no list container: not a recognised list page")
        return page
    numbers = [int(n) for href in sel.css("a::attr(href)").getall()
               for n in parse_qs(urlsplit(href).query).get("page", []) if n.isdigit()]
    page.total_pages = max(numbers) if numbers else None
    return page


def _add_entry(page: ListPage, link: str, title: str, published: str | None) -> None:
    try:
        source_id, _ = newsprime_canonical(link)
    except ValueError:
        return  # a link that is not an article (print view, banner)
    if all(e.source_id != source_id for e in page.entries):
        page.entries.append(ListEntry(link, source_id, title or None, published))
