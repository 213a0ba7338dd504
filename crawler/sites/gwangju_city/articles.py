"""Press-release detail pages (``boardView.do``) of the siiru boards: the city hall's skin and the merged city's.

Selectors follow shared/sites.md Part 2 (a real 2025-12 detail page). The site-wide "자료관리 담당자 · 담당부서"
box, the KOGL licence box (which also has class ``add_file``), prev/next links and the satisfaction survey are
chrome. The merged city's skin (sites.md 2.7) is not confirmed: its page object reads it tolerantly and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar
from urllib.parse import urljoin

from parsel import Selector

from crawler.extract.common import (
    blank_line_paragraphs,
    clean_line,
    detached_copy,
    file_type,
    join_paragraphs,
    text_lines,
)
from crawler.extract.dates import iso_kst, labelled_date, parse_kst, unlabelled_date
from crawler.extract.page import ArticlePage, Notice
from crawler.sites.gwangju_city.urls import canonical as gwangju_canonical
from newswatch.core.article import Attachment, Image

BLOCKED_MARK = "Request Blocked"


@dataclass(frozen=True)
class Body:
    text: str = ""
    images: list[Image] = field(default_factory=list)
    contact: str | None = None
    department: str | None = None


class GwangjuPage(ArticlePage):
    """What every release page shares: identity, the body with its trailing contact lines, photos and files.

    ``KINDS`` (set below) are the skins, tried in order; a page of neither is read by this class itself, which
    reads nothing, so the verdict reports the page.
    """

    SOURCE = "gwangju_city"
    ITEM = "release"
    WHAT = "press-release page"
    ERROR_MARKS = ("존재하지 않는 게시물", "삭제된 게시물", "잘못된 접근", "요청하신 페이지를 찾을 수 없습니다",
                   "시스템 오류")
    NOTICES = (Notice(BLOCKED_MARK, "the site's firewall answered 'Request Blocked'", within=5000,
                      unless="div.board_view_head"),)

    TITLE_META: ClassVar[str] = 'meta[property="og:title"]::attr(content)'
    SITE_SUFFIX: ClassVar[re.Pattern[str]] = re.compile(
        r"\s*[|:-]\s*(?:전남광주통합특별시\s*)?(?:\(구\))?\s*광주광역시(?:청)?\s*$|\s*[|:-]\s*전남광주통합특별시(?:청)?\s*$")
    BODY: ClassVar[str] = ""  # the body element, looked up in ``scope``
    BODY_CHROME: ClassVar[str] = (
        "div.view_image, ul.thumb_list, script, style, form, .koglSeView, .add_file, .viewimg_comment")
    PHOTO_BLOCK: ClassVar[str] = "div.view_image"
    PHOTO_CAPTION: ClassVar[str] = "div.viewimg_comment ::text"
    FILES: ClassVar[str] = ""  # attachment links, looked up in the whole page
    CONTACT_LINE: ClassVar[re.Pattern[str]] = re.compile(
        r"^(?:담당부서|담당자|문의|연락처|전화)\s*[:：]|(?:^|\s)0\d{1,2}[-)\s]\d{3,4}-\d{4}(?:\s|$)")

    @classmethod
    def identity(cls, url: str, sel: Selector) -> tuple[str, str]:
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

    @property
    def scope(self) -> Selector:
        """Where the body is looked up: the whole page, or the skin's article view."""
        return self.sel

    def title_from_meta(self) -> str:
        return self.SITE_SUFFIX.sub("", clean_line(self.sel.css(self.TITLE_META).get()))

    def department(self) -> str | None:
        return self._body.department

    def contact(self) -> str | None:
        return self._body.contact

    def body_text(self) -> str:
        return self._body.text

    def images(self) -> list[Image]:
        return self._body.images

    def attachments(self) -> list[Attachment]:
        """Downloads only: not previews (filePreView.do), the zip of all files or the KOGL licence link."""
        out: list[Attachment] = []
        if not self.FILES:
            return out
        base = self.sel.root.base_url or ""
        for link in self.sel.css(self.FILES):
            href = link.attrib.get("href", "")
            if "fileDownload.do" not in href or "fileSn=" not in href or "action=zip" in href:
                continue
            name = clean_line(" ".join(link.css("::text").getall()))
            if name and all(a.url != urljoin(base, href) for a in out):
                out.append(Attachment(name, urljoin(base, href), file_type(name)))
        return out

    @cached_property
    def _body(self) -> Body:
        found = self.scope.css(self.BODY) if self.BODY else []
        if not found:
            return Body()
        images = self._photos(found[0])
        paragraphs = blank_line_paragraphs(detached_copy(found[0].root, self.BODY_CHROME))
        # Trailing 담당부서/담당자/연락처 lines are the release's contact, not its text (never "<끝>" itself).
        contact: list[str] = []
        while paragraphs and self.CONTACT_LINE.search(paragraphs[-1]) and "<끝>" not in paragraphs[-1]:
            contact.insert(0, paragraphs.pop())
        department = None
        for line in contact:
            key, _, value = line.partition(":") if ":" in line else line.partition("：")
            if key.strip() == "담당부서" and value.strip():
                department = value.strip().split("/")[0].strip()
        return Body(join_paragraphs(paragraphs), images, " / ".join(contact) or None, department)

    def _photos(self, body: Selector) -> list[Image]:
        """The photo block's image(s) with the caption under it; more photos only as thumbnail backgrounds."""
        images: list[Image] = []
        base = self.sel.root.base_url or ""
        for block in body.css(self.PHOTO_BLOCK):
            caption = clean_line(" ".join(block.css(self.PHOTO_CAPTION).getall()))
            for img in block.css("img"):
                src = img.attrib.get("src", "")
                images.append(Image(urljoin(base, src), caption or clean_line(img.attrib.get("alt")) or None))
            for thumb in block.css("ul.thumb_list li a"):
                found = re.search(r"url\(['\"]?([^'\")]+)", thumb.attrib.get("style", ""))
                if found and all(i.url != urljoin(base, found.group(1)) for i in images):
                    images.append(Image(urljoin(base, found.group(1)), None))
        return images


class SiiruArticle(GwangjuPage):
    """The city hall's board skin (``div.board_view.bodo_board``), as on the real page of 2025-12."""

    HEAD: ClassVar[str] = "div.board_view_head"
    TITLE: ClassVar[str] = "div.board_view_head h6 ::text"
    SUBTITLE: ClassVar[tuple[str, str]] = ("div.board_view_head p.tc.mt10", "div.board_view_head p")
    INFO: ClassVar[str] = "div.board_view_info span ::text"  # "작성일 : 2025-12-05 17:09", then the view count
    CATEGORY: ClassVar[str] = "div.board_view_info .category::text, div.board_view_head .category::text"
    BODY = "div.board_view_body"
    FILES = "div.add_file:not(.koglSeView) ul li a"

    def matches(self) -> bool:
        return bool(self.sel.css(self.HEAD) or self.sel.css(self.BODY))

    def title(self) -> str:
        return clean_line(" ".join(self.sel.css(self.TITLE).getall())) or self.title_from_meta()

    def subtitle(self) -> str | None:
        """Lines under the title ("- …"), one per <br>; many releases have none."""
        found = self.sel.css(self.SUBTITLE[0]) or self.sel.css(self.SUBTITLE[1])
        if not found:
            return None
        return "\n".join(text_lines(found[0].root)) or None

    def authors(self) -> list[str]:
        writer = next((line.split(":", 1)[1].strip() for line in self._info
                       if re.match(r"(작성자|담당자)\s*:", line)), None)
        return [writer] if writer else []

    def published_at(self) -> str | None:
        line = next((line for line in self._info if "작성일" in line or re.search(r"\d{4}-\d{2}-\d{2}", line)), None)
        return parse_kst(line) if line else None

    def updated_at(self) -> str | None:
        modified = next((line for line in self._info if "수정일" in line), None)
        return parse_kst(modified) if modified else None

    def section(self) -> str | None:
        return clean_line(self.sel.css(self.CATEGORY).get()) or None

    @cached_property
    def _info(self) -> list[str]:
        return [clean_line(t) for t in self.sel.css(self.INFO).getall()]


class MergedCityArticle(GwangjuPage):
    """The merged city's board skin (www.jeonnam-gwangju.go.kr, since 2026-07): an ``article.board_view`` whose
    inner class names are not confirmed (sites.md 2.7), so each field is looked for the ways such skins write it.

    The date above all: without one a release is re-checked on every poll. It is taken from the page's
    ``article:published_time``, a ``<time datetime>``, a label (등록일, 작성일, 게시일, date …) or else the first
    date outside the body — never from the body, where dates are those of events.
    """

    NOTE = "read with the merged-city fallback (article.board_view)"
    VIEW: ClassVar[str] = "article.board_view"
    HEADINGS: ClassVar[str] = "h1, h2, h3, h4, h5, h6"
    BODY = ".board_view_body, .view_cont, .view_content, .content"
    BODY_CHROME = GwangjuPage.BODY_CHROME + ", figure, figcaption"
    FILES = "div.file_list a"
    FILE_BOX: ClassVar[str] = "div.file_list"
    PUBLISHED_META: ClassVar[str] = 'meta[property="article:published_time"]::attr(content)'
    MODIFIED_META: ClassVar[str] = 'meta[property="article:modified_time"]::attr(content)'
    PUBLISHED_LABELS: ClassVar[tuple[str, ...]] = ("등록일", "작성일", "게시일", "날짜", "date", "등록", "작성")
    MODIFIED_LABELS: ClassVar[tuple[str, ...]] = ("최종수정일", "수정일", "수정")
    # images of the site's own chrome (slogan, card news, notices) that may sit next to the view
    CHROME_IMAGES: ClassVar[re.Pattern[str]] = re.compile(r"/home/jngj/images/|/imageView/cardnews|/upload/co/")

    def matches(self) -> bool:
        return bool(self.scope_list)

    @cached_property
    def scope_list(self) -> list[Selector]:
        return list(self.sel.css(self.VIEW))

    @property
    def scope(self) -> Selector:
        return self.scope_list[0]

    def title(self) -> str:
        for heading in self.scope.css(self.HEADINGS):
            if text := clean_line(" ".join(heading.css("::text").getall())):
                return text
        return self.title_from_meta()

    def published_at(self) -> str | None:
        return (iso_kst(self.sel.css(self.PUBLISHED_META).get())
                or iso_kst(self._outside_body.css("time[datetime]::attr(datetime)").get())
                or labelled_date(self._outside_body_text, self.PUBLISHED_LABELS)
                or unlabelled_date(self._outside_body_text, not_after=self.MODIFIED_LABELS))

    def updated_at(self) -> str | None:
        return (iso_kst(self.sel.css(self.MODIFIED_META).get())
                or labelled_date(self._outside_body_text, self.MODIFIED_LABELS))

    def _photos(self, body: Selector) -> list[Image]:
        """The siiru photo block if the skin kept it, else the body's own images (a figure's caption or alt)."""
        images = super()._photos(body)
        if images:
            return images
        base = self.sel.root.base_url or ""
        for img in body.css("img"):
            src = img.attrib.get("src", "")
            if not src or self.CHROME_IMAGES.search(src):
                continue
            figure = img.xpath("ancestor::figure[1]")
            caption = clean_line(" ".join(figure.css("figcaption ::text").getall())) if figure else ""
            images.append(Image(urljoin(base, src), caption or clean_line(img.attrib.get("alt")) or None))
        return images

    @cached_property
    def _outside_body(self) -> Selector:
        """The view without its body, files and headings: where a skin writes its date line."""
        root = detached_copy(self.scope.root, f"{self.BODY}, {self.FILE_BOX}, {self.HEADINGS}")
        return Selector(root=root)

    @cached_property
    def _outside_body_text(self) -> str:
        return clean_line(" ".join(self._outside_body.css("::text").getall()))


GwangjuPage.KINDS = (SiiruArticle, MergedCityArticle, GwangjuPage)
