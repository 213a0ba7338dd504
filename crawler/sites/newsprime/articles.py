"""newsprime.co.kr (프라임경제) article pages: the desktop page and the mobile one (sites.md 1.5–1.7).

The known selector first, then the fallbacks the same CMS family uses; a body found only by a fallback is
reported. Photo captions inside the body become image captions, never paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import html as lxml_html
from parsel import Selector

from crawler.extract.common import clean_line, detached_copy, first_text, join_paragraphs, text_lines
from crawler.extract.dates import parse_kst
from crawler.extract.page import ArticlePage, Notice
from crawler.sites.newsprime.urls import canonical as newsprime_canonical
from newswatch.core.article import Image

RATE_LIMIT_MARK = "1분이내 접근 횟수를 초과"
RATE_LIMIT = Notice(RATE_LIMIT_MARK, "rate-limit notice served", rate_limit=True)

NAME_SEPARATORS = re.compile(r"[・∙·,/、]+")
EMAIL = re.compile(r"([0-9A-Za-z._\-∙・·]+)@([0-9A-Za-z.\-]+\.[A-Za-z]{2,})")


@dataclass(frozen=True)
class Body:
    text: str
    images: list[Image]


class NewsprimePage(ArticlePage):
    """What every newsprime article page shares: identity, section, the body reading; ``KINDS`` (set below) are
    the forms, tried in order."""

    SOURCE = "newsprime"
    WHAT = "newsprime article page"
    ERROR_MARKS = ("존재하지 않는 기사", "삭제된 기사", "없는 기사입니다", "잘못된 접근", "페이지를 찾을 수 없습니다")
    NOTICES = (RATE_LIMIT,)
    EXPECTED = (("published_at", "no date found"), ("authors", "no author found"))

    # Chrome that may sit inside the fallback containers (sites.md 1.6); #news_body_area itself is clean.
    CHROME: ClassVar[str] = (
        ".util, .util2, .bottom_byline, .btn_top, .viewsubject, .arvdate, [id*='banner_base_'], "
        "[id*='banner_contents_'], .section_h3_v2, .left-wing-banner, .right-wing-banner, .btn_allarticle, "
        "#commentPane, script, style, noscript, iframe, form, button")
    CHROME_LINE: ClassVar[re.Pattern[str]] = re.compile(
        r"^(?:ⓒ\s*프라임경제.*(?:무단전재|재배포).*|.*무단전재\s*및\s*재배포\s*금지.*|이 기사를 공유해보세요|맨 위로|"
        r"글자크기|프린트|메일|스크랩|크게|작게|facebook|twitter|kakao|관련기사 보기.*|기자 다른기사 보기)$",
        re.IGNORECASE,
    )
    CAPTION_LINE: ClassVar[re.Pattern[str]] = re.compile(r"(?:ⓒ\s*\S.{0,40}$|=\s*\S{1,10}\s*기자$|^▲)")
    DATELINE: ClassVar[str] = "[프라임경제]"
    BODY: ClassVar[tuple[str, ...]] = ()  # body containers, the known one first
    BODY_FALLBACK_NOTED: ClassVar[bool] = False  # report a body found only by a later container

    @classmethod
    def identity(cls, url: str, sel: Selector) -> tuple[str, str]:
        try:
            return newsprime_canonical(url)
        except ValueError:
            og_url = sel.css('meta[property="og:url"]::attr(content)').get()
            if og_url:
                return newsprime_canonical(og_url)
            raise ValueError(f"no newsprime article number in the URL or the page: {url}") from None

    def section(self) -> str | None:
        """The sec_no a link carried (list pages link articles with it); the page itself does not say."""
        value = parse_qs(urlsplit(self.url).query).get("sec_no", [None])[0]
        return value if value and value.isdigit() else None

    def body_text(self) -> str:
        return self._body.text

    def images(self) -> list[Image]:
        return self._body.images

    @cached_property
    def _body(self) -> Body:
        body = Body("", [])
        for container in self.BODY:
            found = self.sel.css(container)
            if found:
                if container != self.BODY[0] and self.BODY_FALLBACK_NOTED:
                    self.problems.append(f"body found only by fallback selector {container}")
                body = self._read_body(found[0].root)
                if body.text:
                    break
        return body

    def _read_body(self, element: lxml_html.HtmlElement) -> Body:
        """Paragraphs and photos of the body element: captions become image captions, chrome is dropped."""
        root = detached_copy(element, self.CHROME)
        images = _take_images(root, self.sel.root.base_url or "")
        paragraphs: list[str] = []
        for line in text_lines(root):
            if self.CHROME_LINE.match(line):
                continue
            if len(line) < 200 and self.CAPTION_LINE.search(line) and not line.startswith(self.DATELINE):
                _attach_caption(images, line)
                continue
            paragraphs.append(line)
        return Body(join_paragraphs(paragraphs), images)


class DesktopArticle(NewsprimePage):
    """``/news/article.html?no=N`` (also ``/news/article/?no=N`` and the old ezview form)."""

    HEADING: ClassVar[str] = "div.viewsubject"
    TITLE: ClassVar[tuple[str, ...]] = ("div.viewsubject h2.title", ".title")
    TITLE_META: ClassVar[str] = 'meta[property="og:title"]::attr(content)'
    TITLE_SUFFIX: ClassVar[re.Pattern[str]] = re.compile(r"\s*[-|]?\s*프라임경제\s*$")
    # the title's own text: libxml2 nests an unclosed <h2> around the subtitle's <h3>
    TITLE_OWN_TEXT: ClassVar[str] = (
        "descendant-or-self::text()[not(ancestor::*[contains(concat(' ', @class, ' '), ' subtitle ')])]")
    SUBTITLE: ClassVar[str] = ".subtitle ::text"
    BYLINE: ClassVar[str] = "div.arvdate"
    REPORTERS: ClassVar[tuple[str, str]] = ("a span::text", "a::text")
    MODIFIED: ClassVar[re.Pattern[str]] = re.compile(r"수정\s*[:：]?\s*([\d.\-: ]+)")
    BODY = ("#news_body_area", ".cnt_view.news_body_area", ".section_0")
    BODY_FALLBACK_NOTED = True

    def title(self) -> str:
        heading = self.sel.css(self.TITLE[0]) or self.sel.css(self.TITLE[1])
        title = clean_line(" ".join(heading[0].xpath(self.TITLE_OWN_TEXT).getall())) if heading else ""
        if not title:
            title = clean_line(self.sel.css(self.TITLE_META).get())
        if not title:
            title = self.TITLE_SUFFIX.sub("", clean_line(self.sel.css("title::text").get()))
        return title

    def subtitle(self) -> str | None:
        lines = [clean_line(t) for t in self.sel.css(self.SUBTITLE).getall()]
        return "\n".join(t for t in lines if t) or None

    def authors(self) -> list[str]:
        if self._byline is None:
            return []
        names = (clean_line(" ".join(self._byline.css(self.REPORTERS[0]).getall()))
                 or clean_line(self._byline.css(self.REPORTERS[1]).get()))
        return split_names(names) if names and "@" not in names else []

    def emails(self) -> list[str]:
        if self._byline is None:
            return []
        return emails_in(" ".join(self._byline_texts + self._byline.css("a::attr(href)").getall()))

    def published_at(self) -> str | None:
        """The last text node after the last ``|`` (``2020.06.29 17:40:29``), else any date in the byline."""
        if self._byline is None:
            return None
        texts = [clean_line(t) for t in self._byline.xpath("./text()").getall() if clean_line(t).strip("| ")]
        for candidate in texts[::-1] + [clean_line(" ".join(self._byline_texts))]:
            if found := parse_kst(candidate.split("|")[-1]) or parse_kst(candidate):
                return found
        return None

    def updated_at(self) -> str | None:
        if self._byline is None:
            return None
        modified = self.MODIFIED.search(" ".join(self._byline_texts))
        return parse_kst(modified.group(1)) if modified else None

    @cached_property
    def _byline(self) -> Selector | None:
        found = self.sel.css(self.BYLINE)
        return found[0] if found else None

    @cached_property
    def _byline_texts(self) -> list[str]:
        return self._byline.css("::text").getall() if self._byline is not None else []


class MobileArticle(NewsprimePage):
    """``m.newsprime.co.kr/section_view.html?no=N``; modelled from sites.md 1.5, not confirmed."""

    TITLE: ClassVar[str] = "div.hd p.tit"
    DATELINE_BOX: ClassVar[str] = "div.hd p.data ::text"  # "김성태 기자 | 2024.05.14 16:30:00"
    REPORTER: ClassVar[re.Pattern[str]] = re.compile(r"([가-힣]{2,4}(?:[・∙·,/][가-힣]{2,4})*)\s*기자")
    BODY = ("div.stit2", "#cnt_veiw")

    def matches(self) -> bool:
        return bool(self.sel.css(self.TITLE)) and not self.sel.css(DesktopArticle.HEADING)

    def title(self) -> str:
        return first_text(self.sel, self.TITLE)

    def authors(self) -> list[str]:
        names = self.REPORTER.findall(self._data)
        return split_names(names[0]) if names else []

    def emails(self) -> list[str]:
        return emails_in(self._data)

    def published_at(self) -> str | None:
        return parse_kst(self._data)

    @cached_property
    def _data(self) -> str:
        return clean_line(" ".join(self.sel.css(self.DATELINE_BOX).getall()))


NewsprimePage.KINDS = (MobileArticle, DesktopArticle)  # any other page is read as desktop, then judged


def split_names(text: str) -> list[str]:
    """Reporters of a byline: "김성태・강경식 기자" → ["김성태", "강경식"]."""
    text = re.sub(r"\s*기자\s*$", "", clean_line(text))
    return [n.strip() for n in NAME_SEPARATORS.split(text) if n.strip()]


def emails_in(text: str) -> list[str]:
    """Addresses in a byline, a joint one ("kst∙kks@newsprime.co.kr") split into each reporter's."""
    out: list[str] = []
    for local, domain in EMAIL.findall(text):
        out += [f"{part}@{domain}" for part in re.split(r"[∙・·]", local) if part]
    return list(dict.fromkeys(out))


def _take_images(root: lxml_html.HtmlElement, base_url: str) -> list[Image]:
    """Each photo with its caption, removed from ``root`` (with the table, figure or block holding them)."""
    images: list[Image] = []
    for img in list(root.iter("img")):
        src = img.get("src") or img.get("data-src") or ""
        caption, holder = _caption_of(img)
        images.append(Image(urljoin(base_url, src) if src else "", caption or None))
        if holder is not None and holder is not root:
            holder.drop_tree()
        elif img.getparent() is not None:
            img.drop_tree()
    return images


def _caption_of(img: lxml_html.HtmlElement) -> tuple[str, lxml_html.HtmlElement | None]:
    """(caption, the element holding photo and caption): a table row, a figcaption, or a short block after it."""
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
    """A caption met as text (a credit line) goes to the first photo without one, else stands alone."""
    for i, image in enumerate(images):
        if not image.caption:
            images[i] = Image(image.url, caption)
            return
    images.append(Image("", caption))
