"""How far a poll walks one list: the decisions of the list walk, apart from Scrapy so they can be read and tested.

A list is walked newest first. With a frontier (the newest entry of the last complete walk), the walk goes down to
it — not to the first stored article, so articles a failed or interrupted crawl left behind are still found — and
at most ``catchup`` pages. Without one (the first walk, or incremental crawling off), it goes ``max_pages`` deep.
A backfill walks ``backfill`` pages and counts as complete only if it reached the frontier.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extract.listing import ListEntry, ListPage
from crawler.extract.site import ListSpec
from storage.frontier import Frontier


@dataclass
class ListWalk:
    spec: ListSpec
    frontier: Frontier | None
    max_pages: int  # how deep a walk without a frontier goes
    catchup: int  # how deep a walk with one may go to reach it
    backfill: int = 0
    top: ListEntry | None = None  # page 1's newest entry: the next frontier
    etag: str | None = None  # page 1's validators, kept with the next frontier
    last_modified: str | None = None
    complete: bool = False
    gap: bool = False  # the frontier was not reached within ``catchup`` pages

    def reached(self, entries: list[ListEntry]) -> bool:
        """Does this page show the frontier (its entry, or an entry from an earlier day)?"""
        if self.frontier is None:
            return False
        mark_day = (self.frontier.mark_published or "")[:10]
        return any(e.source_id == self.frontier.mark_id or (mark_day and e.published and e.published[:10] < mark_day)
                   for e in entries)

    def after_page(self, page: int, listing: ListPage) -> bool:
        """Record what page ``page`` showed; True if the walk goes on to the next page."""
        if page == 1 and listing.entries:
            self.top = listing.entries[0]
        last_page = listing.total_pages is not None and page >= listing.total_pages
        if not listing.entries or last_page:
            self.complete = True  # the end of the list
            return False
        if self.reached(listing.entries):
            self.complete = True
            return False
        if self.backfill:
            if page < self.backfill:
                return True
            self.complete = self.frontier is None  # with a frontier, only reaching it completes the walk
            return False
        limit = self.catchup if self.frontier is not None else self.max_pages
        if page >= limit:
            self.complete = True
            self.gap = self.frontier is not None
            return False
        return True
