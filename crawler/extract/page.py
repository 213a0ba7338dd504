"""The page-object bases: one class per site and page kind, one method per field, and the verdict in one place.

A site's page object declares its selectors as class constants and implements a method for each field it can
read (``title``, ``published_at``, …); a field it does not implement reads as absent. Whether a page is an
article at all and which problems it shows is decided here, from the fields and what the site declares (its
error marks and the notices it serves instead of a page), so that every site reports a drifted, blocked or
error page the same way — and such a page is never stored.

    class MobileArticle(NewsprimePage):  # NewsprimePage: SOURCE, identity(), ERROR_MARKS, NOTICES
        TITLE = "div.hd p.tit"

        def matches(self) -> bool:
            return bool(self.sel.css(self.TITLE)) and not self.sel.css("div.viewsubject")

        def title(self) -> str:
            return first_text(self.sel, self.TITLE)

    NewsprimePage.KINDS = (MobileArticle, DesktopArticle)  # tried in order: the first whose matches() says yes
    NewsprimePage.extract(url, body, content_type)  # -> Article
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from parsel import Selector

from crawler.extract.common import decode_html, open_page, unrecognised
from crawler.extract.listing import ListEntry, ListPage
from newswatch.core.article import Article, Attachment, Image

# Article fields that say which page this is or what was made of it, rather than what the page says.
IDENTITY = ("source", "source_id", "canonical_url", "url", "problems", "recognised")
# What a page object reads, in Article order: one method each.
FIELDS = tuple(f.name for f in fields(Article) if f.name not in IDENTITY)


@dataclass(frozen=True)
class Notice:
    """A page a site serves (with HTTP 200) instead of the one asked for: a rate-limit notice, a firewall block."""

    mark: str  # text that identifies it
    what: str  # the problem reads "<what> instead of the <item>"
    within: int | None = None  # look for the mark only in the first N characters
    unless: str | None = None  # not this notice when the selector matches (a real page that quotes the mark)
    rate_limit: bool = False  # the site asks us to slow down: the crawl backs off rather than insisting

    def seen(self, text: str, sel: Selector) -> bool:
        head = text if self.within is None else text[: self.within]
        return self.mark in head and not (self.unless and sel.css(self.unless))


class ArticlePage:
    """An article page of one site; subclasses per page kind read the fields."""

    SOURCE: ClassVar[str] = ""
    ITEM: ClassVar[str] = "article"  # what the site's pages hold, in problem texts ("no such release")
    WHAT: ClassVar[str] = "article page"  # "no title found: not a recognised <WHAT>"
    ERROR_MARKS: ClassVar[tuple[str, ...]] = ()  # text of the site's error pages served with HTTP 200
    NOTICES: ClassVar[tuple[Notice, ...]] = ()
    # Fields an article of the site normally has: a recognised article without one gets the problem.
    EXPECTED: ClassVar[tuple[tuple[str, str], ...]] = (("published_at", "no date found"),)
    NOTE: ClassVar[str | None] = None  # a problem every page of this kind reports (a skin read on assumptions)
    KINDS: ClassVar[tuple[type[ArticlePage], ...]] = ()  # the site's page kinds, tried in order; () = this class

    def __init__(self, url: str, text: str, sel: Selector, problems: list[str]) -> None:
        self.url, self.text, self.sel = url, text, sel
        self.problems = problems  # field methods append what they had to work around

    @classmethod
    def identity(cls, url: str, sel: Selector) -> tuple[str, str]:
        """(source_id, canonical URL) of the page; ValueError when neither URL nor page names an article."""
        raise NotImplementedError

    def matches(self) -> bool:
        """Is the page of this kind (desktop, mobile, another skin)? The last of a site's ``KINDS`` says yes."""
        return True

    @classmethod
    def extract(cls, url: str, body: bytes, content_type: str | None = None) -> Article:
        """The Article of a page: recognised with its fields, or not recognised with the reason in problems."""
        text, sel, article = open_page(url, body, content_type, cls.SOURCE, cls.identity)
        if not text.strip():
            return unrecognised(article, "empty page")
        for notice in cls.NOTICES:
            if notice.seen(text, sel):
                return unrecognised(article, f"{notice.what} instead of the {cls.ITEM}")
        candidates = (kind(url, text, sel, article.problems) for kind in cls.KINDS or (cls,))
        page = next((candidate for candidate in candidates if candidate.matches()), None)
        page = page or cls(url, text, sel, article.problems)  # no kind: the site class, which reads nothing
        for name in FIELDS:
            setattr(article, name, getattr(page, name)())
        if page.NOTE:
            page.problems.append(page.NOTE)
        return page.verdict(article)

    def verdict(self, article: Article) -> Article:
        """Not an article without a title and a body (an error page, drift); otherwise note what is missing."""
        if not article.title or not article.body_text:
            if any(mark in self.text for mark in self.ERROR_MARKS):
                return unrecognised(article, f"error page served with HTTP 200 (no such {self.ITEM})")
            if not article.title:
                return unrecognised(article, f"no title found: not a recognised {self.WHAT}")
            return unrecognised(article, "no body text found")
        for name, why in self.EXPECTED:
            if not getattr(article, name):
                article.problems.append(why)
        return article

    # The fields, absent unless the page kind reads them.
    def title(self) -> str:
        return ""

    def subtitle(self) -> str | None:
        return None

    def authors(self) -> list[str]:
        return []

    def emails(self) -> list[str]:
        return []

    def published_at(self) -> str | None:
        return None

    def updated_at(self) -> str | None:
        return None

    def section(self) -> str | None:
        return None

    def department(self) -> str | None:
        return None

    def contact(self) -> str | None:
        return None

    def body_text(self) -> str:
        return ""

    def images(self) -> list[Image]:
        return []

    def attachments(self) -> list[Attachment]:
        return []


class IndexPage:
    """A page that lists articles (a section list, a board, a feed); ``parse`` makes its ListPage."""

    NOTICES: ClassVar[tuple[Notice, ...]] = ()
    KINDS: ClassVar[tuple[type[IndexPage], ...]] = ()  # the site's list kinds, tried in order; () = this class
    UNRECOGNISED: ClassVar[str] = "not a recognised list page"  # the problem when no kind matches
    MARKUP: ClassVar[str] = "html"  # "xml" for feeds

    def __init__(self, url: str, text: str, sel: Selector, problems: list[str]) -> None:
        self.url, self.text, self.sel = url, text, sel
        self.problems = problems  # e.g. a row without a usable link

    def matches(self) -> bool:
        """Is the page of this kind? (Checked on an instance, so what it finds is kept for ``entries``.)"""
        return True

    @classmethod
    def parse(cls, url: str, body: bytes, content_type: str | None = None) -> ListPage:
        """The entries of a list page; a page that is no list (a notice, drift, nothing) is unrecognised, never
        an empty list — an empty list would mean "no articles" to the crawler."""
        text, _, problems = decode_html(body, content_type)
        page = ListPage(url=url, problems=problems)
        sel = Selector(text=text or "<html></html>", type=cls.MARKUP, base_url=url)
        reader = None
        if not text.strip():
            page.problems.append("empty page")
        elif notice := next((n for n in cls.NOTICES if n.seen(text, sel)), None):
            page.rate_limited = notice.rate_limit
            page.problems.append(f"{notice.what} instead of the list")
        else:
            candidates = (kind(url, text, sel, page.problems) for kind in cls.KINDS or (cls,))
            reader = next((candidate for candidate in candidates if candidate.matches()), None)
            if reader is None:
                page.problems.append(cls.UNRECOGNISED)
        if reader is None:
            page.recognised = False
            return page
        page.entries = reader.entries()
        page.total_pages = reader.total_pages()
        return page

    def entries(self) -> list[ListEntry]:
        return []

    def total_pages(self) -> int | None:
        return None


def add_entry(entries: list[ListEntry], entry: ListEntry) -> None:
    """Each article once per list, at its first (newest) place."""
    if all(e.source_id != entry.source_id for e in entries):
        entries.append(entry)

