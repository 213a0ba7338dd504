"""Board list pages (``boardList.do``) of the siiru boards: releases newest first and the board's page count.

The row's anchor text is cut short ("…"), so the title comes from its ``title`` attribute; the pager is drawn by
JavaScript, so the page count comes from "전체게시글 : N / 전체페이지 : M" (sites.md 2.4).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from parsel import Selector, SelectorList

from crawler.extract.common import clean_line
from crawler.extract.dates import parse_kst
from crawler.extract.listing import ListEntry
from crawler.extract.page import IndexPage, Notice, add_entry
from crawler.sites.gwangju_city.articles import BLOCKED_MARK
from crawler.sites.gwangju_city.urls import canonical as gwangju_canonical


class BoardList(IndexPage):
    """``/boardList.do?pageId=…&boardId=…&movePage=N``: ``div.board_list_body > div.body_row`` rows."""

    NOTICES = (Notice(BLOCKED_MARK, "the site's firewall answered 'Request Blocked'", within=5000,
                      unless="div.board_list_body"),)
    UNRECOGNISED = "no div.board_list_body: not a recognised board list page"
    CONTAINER: ClassVar[str] = "div.board_list_body"
    ROW: ClassVar[str] = "div.body_row"
    LINK: ClassVar[str] = "div.subject a"
    DATE: ClassVar[str] = "div.date::text"  # the text after the blind label 작성일: "2026-06-26"
    TOTAL: ClassVar[str] = "p.total_num ::text"
    TOTAL_PAGES: ClassVar[re.Pattern[str]] = re.compile(r"전체페이지\s*:\s*([\d,]+)")

    def matches(self) -> bool:
        return bool(self._container)

    @cached_property
    def _container(self) -> SelectorList[Selector]:
        return self.sel.css(self.CONTAINER)

    def entries(self) -> list[ListEntry]:
        entries: list[ListEntry] = []
        for row in self._container.css(self.ROW):
            link = row.css(self.LINK)
            if not link:
                continue
            url = self._release_url(link[0])
            try:
                source_id, _ = gwangju_canonical(url)
            except ValueError:
                self.problems.append(f"a row without a release link: {clean_line(row.css('::text').get())}")
                continue
            title = clean_line(link[0].attrib.get("title")) or clean_line(" ".join(link[0].css("::text").getall()))
            day = parse_kst(" ".join(row.css(self.DATE).getall()))
            add_entry(entries, ListEntry(url, source_id, title or None, day[:10] if day else None))
        return entries

    def _release_url(self, link: Selector) -> str:
        """The row's link, or one made from its ``data-seq`` and the list's own board when the href is a script."""
        href = link.attrib.get("href", "")
        if "boardView.do" in href:
            return urljoin(self.url, href)
        seq = link.attrib.get("data-seq") or parse_qs(urlsplit(href).query).get("seq", [""])[0]
        if not seq.isdigit():
            return ""
        board = parse_qs(urlsplit(self.url).query)
        return urljoin(self.url, "boardView.do?" + urlencode({
            "pageId": board.get("pageId", [""])[0], "boardId": board.get("boardId", [""])[0], "seq": seq}))

    def total_pages(self) -> int | None:
        total = self.TOTAL_PAGES.search(" ".join(self.sel.css(self.TOTAL).getall()))
        return int(total.group(1).replace(",", "")) if total else None
