"""newsprime.co.kr (프라임경제) pages that list articles: desktop section lists, mobile lists, the RSS feed.

Rate-limited list pages answer HTTP 200 with a notice (sites.md 1.4): that is "slow down", never "no articles".
"""

from __future__ import annotations

from functools import cached_property
from html import unescape
from typing import ClassVar
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector, SelectorList

from crawler.extract.common import clean_line
from crawler.extract.dates import parse_kst, rfc822_kst
from crawler.extract.listing import ListEntry
from crawler.extract.page import IndexPage, add_entry
from crawler.sites.newsprime.articles import RATE_LIMIT
from crawler.sites.newsprime.urls import canonical as newsprime_canonical


def _entry(link: str, title: str, published: str | None) -> ListEntry | None:
    """The entry of an article link; None for links that are not articles (a print view, a banner)."""
    try:
        source_id, _ = newsprime_canonical(link)
    except ValueError:
        return None
    return ListEntry(link, source_id, title or None, published)


class NewsprimeList(IndexPage):
    """A section list page, desktop or mobile: ``KINDS`` (set below) are tried in order."""

    NOTICES = (RATE_LIMIT,)
    UNRECOGNISED = "no list rows (td.news1) and no list container: not a recognised list page"

    def total_pages(self) -> int | None:
        """The highest ``page=`` any link on the page names (the pager shows every page of the section)."""
        numbers = [int(n) for href in self.sel.css("a::attr(href)").getall()
                   for n in parse_qs(urlsplit(href).query).get("page", []) if n.isdigit()]
        return max(numbers) if numbers else None


class SectionList(NewsprimeList):
    """``/news/section_list_all/?sec_no=N&page=P``: nested tables, one per article (sites.md 1.4)."""

    CONTAINER: ClassVar[str] = "div.section_h12"
    ROW: ClassVar[str] = "td.news1"
    LINK: ClassVar[str] = "a::attr(href)"
    STAMP: ClassVar[str] = "span.font11blue2 ::text"  # "[김성태 기자] 2026.09.20 10:30": the date after "]"

    def matches(self) -> bool:
        return bool(self._rows)

    @cached_property
    def _rows(self) -> SelectorList[Selector]:
        return self.sel.css(self.ROW)

    def entries(self) -> list[ListEntry]:
        entries: list[ListEntry] = []
        for cell in self._rows:
            href = cell.css(self.LINK).get()
            if not href:
                continue
            table = cell.xpath("ancestor::table[1]")
            stamp = " ".join(table.css(self.STAMP).getall()) if table else ""
            entry = _entry(urljoin(self.url, href), clean_line(" ".join(cell.css("a ::text").getall())),
                           parse_kst(stamp.rsplit("]", 1)[-1]))
            if entry is not None:
                add_entry(entries, entry)
        return entries


class MobileList(NewsprimeList):
    """``m.newsprime.co.kr/section_list.html?sec_no=N``: rows with and without a photo (sites.md 1.5)."""

    CONTAINER: ClassVar[str] = "div.box01_0610_section, div.article_box_sl_section, div.article_box_sl_none"
    LINK: ClassVar[str] = "div.title_text a, div.title_text_none a"

    def matches(self) -> bool:
        return bool(self.sel.css(self.CONTAINER))

    def entries(self) -> list[ListEntry]:
        entries: list[ListEntry] = []
        for link in self.sel.css(self.LINK):
            title = clean_line(" ".join(link.css("::text").getall()))
            entry = _entry(urljoin(self.url, link.attrib.get("href", "")), title, None)
            if entry is not None:
                add_entry(entries, entry)
        return entries


class PastTheEnd(SectionList):
    """A section list page past the last one: the list skeleton without rows (no articles, truly)."""

    def matches(self) -> bool:
        return bool(self.sel.css(self.CONTAINER))


NewsprimeList.KINDS = (SectionList, MobileList, PastTheEnd)


class RssFeed(IndexPage):
    """``/data/rss/news.xml``: RSS 2.0, the 25 newest articles of all sections (sites.md 1.9).

    ``/rss/allArticle.xml`` answers 200 with an empty body: unrecognised, not "no articles".
    """

    MARKUP = "xml"
    NOTICES = (RATE_LIMIT,)  # not seen on the feed, but the same notice must never read as an empty feed
    UNRECOGNISED = "not an RSS 2.0 feed (no rss > channel)"
    CHANNEL: ClassVar[str] = "rss > channel"
    ITEM: ClassVar[str] = "rss > channel > item"

    def matches(self) -> bool:
        return bool(self.sel.css(self.CHANNEL))

    def entries(self) -> list[ListEntry]:
        entries: list[ListEntry] = []
        for item in self.sel.css(self.ITEM):
            link = clean_line(item.css("link::text").get()) or clean_line(item.css("guid::text").get())
            # titles often come as CDATA holding entities (&quot;): unescaped, they read as the article page's
            title = clean_line(unescape(" ".join(item.css("title::text").getall())))
            entry = _entry(urljoin(self.url, link), title, rfc822_kst(item.css("pubDate::text").get()))
            if entry is None:
                self.problems.append(f"an item whose link is not an article: {link or '(none)'}")
                continue
            add_entry(entries, entry)
        return entries
