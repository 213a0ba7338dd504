"""What a list page yields: the article links on it, read by the same per-site page objects as articles."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ListEntry:
    url: str  # absolute article URL as linked (not canonicalised)
    source_id: str  # the same key the article's canonical form gives
    title: str | None = None
    published: str | None = None  # ISO 8601 date or date-time (+09:00) as the list shows it


@dataclass
class ListPage:
    url: str
    entries: list[ListEntry] = field(default_factory=list)
    total_pages: int | None = None
    problems: list[str] = field(default_factory=list)
    # False for pages that are not a list of this site: a rate-limit notice or block page served with 200,
    # selector drift. Such a page must never be read as "no articles".
    recognised: bool = True
    rate_limited: bool = False
