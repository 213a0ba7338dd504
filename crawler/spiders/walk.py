"""How far a poll walks one list: the decisions of the list walk, apart from Scrapy so they can be read and tested.

A list is walked newest first. With a frontier (the newest entry of the last complete walk), the walk goes down to
it — not to the first stored article, so articles a failed or interrupted crawl left behind are still found — and
at most ``catchup`` pages. Without one (the first walk, or incremental crawling off), it goes ``max_pages`` deep.
A backfill walks ``backfill`` pages (past the frontier too: it fetches every article again) and counts as
complete only if one of its pages reached the stored frontier, so a shallow backfill after an outage does not move
the frontier above pages it never fetched (the spider passes the stored frontier to a backfill's walks too).

Lists may pin old entries above the new ones (notices, the mock's faulty links), so the frontier is page 1's
newest entry by date, not its first row, and a page reaches the frontier only when its *last* entry is no newer
than the frontier: a pinned frontier at the top of page 1 does not end a walk that has new entries below it.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extract.listing import ListEntry, ListPage
from crawler.extract.site import ListSpec
from storage.frontier import Frontier


def newest(entries: list[ListEntry]) -> ListEntry | None:
    """The entry published last (the first of equals; the first row when none is dated)."""
    if not entries:
        return None
    return max(entries, key=lambda e: (e.published or "", -entries.index(e)))


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
    got_there: bool = False  # a page reached the frontier (a backfill walks on past it)

    def reached(self, entries: list[ListEntry]) -> bool:
        """Has the walk come down to the frontier: this page shows it and ends no newer than it, or this page
        ends on an earlier day than the frontier's (its entry is gone from the list)?"""
        if self.frontier is None or not entries:
            return False
        mark_id, mark_at = self.frontier.mark_id, self.frontier.mark_published or ""
        last = entries[-1].published or ""
        if mark_at and last and last[:10] < mark_at[:10]:
            return True
        if any(e.source_id == mark_id for e in entries):
            return not (last and mark_at and comparable(last, mark_at) > comparable(mark_at, last))
        return False

    def after_page(self, page: int, listing: ListPage) -> bool:
        """Record what page ``page`` showed; True if the walk goes on to the next page."""
        if page == 1 and listing.entries:
            self.top = newest(listing.entries)
        last_page = listing.total_pages is not None and page >= listing.total_pages
        if not listing.entries or last_page:
            self.complete = True  # the end of the list
            return False
        self.got_there = self.got_there or self.reached(listing.entries)
        if self.backfill:
            if page < self.backfill:
                return True
            self.complete = self.frontier is None or self.got_there  # only reaching it completes the walk
            return False
        if self.got_there:
            self.complete = True
            return False
        limit = self.catchup if self.frontier is not None else self.max_pages
        if page >= limit:
            self.complete = True
            self.gap = self.frontier is not None
            return False
        return True


def comparable(stamp: str, other: str) -> str:
    """A time stamp cut to the precision both have (a list may show dates only), to compare like with like."""
    return stamp[: min(len(stamp), len(other), 19)]
