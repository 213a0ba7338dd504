"""Reading the store over one of Datasette's read-only connections.

``Reader`` is the store's own read API (``storage``'s article and search seams: ``search``, ``search_stories``,
``article``, ``revisions``, ``matches``, ``stories.members``) bound to a connection the web server opened
read-only, so pages run exactly the code `newswatch search` runs and can never write. What the store has no API
for (facet counts, story sizes, month ranges, the latest articles, crawl summaries) is plain SQL here, read-only.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from newswatch.core.query import compile_query
from newswatch.web.attrs import ArticleAttrs, epoch, month_code, month_text
from storage.articles import ArticleStore
from storage.idlist import IN_IDS, id_list
from storage.search import RANK_CANDIDATES, SearchIndex, since_bound
from storage.stories import StoryIndex

SIZE_BUCKETS = ("1", "2", "3", "4", "5+")  # story sizes as the story-size facet shows them


def size_bucket(size: int) -> str:
    return str(size) if size < 5 else "5+"


def size_range(bucket: str) -> tuple[int, int]:
    """The (lowest, highest) story size of a facet bucket."""
    return (5, 1 << 30) if bucket == "5+" else (int(bucket), int(bucket))


def check_month(month: str) -> None:
    """ValueError unless YYYY-MM."""
    year, mon = month.split("-")
    date(int(year), int(mon), 1)


@dataclass
class Facet:
    value: str
    count: int


class Reader(ArticleStore, SearchIndex):
    """The store's read API over a connection that cannot write (Datasette opens it with mode=ro)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.stories = StoryIndex(conn)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # --- what the web pages add -------------------------------------------------------------------------------

    def matching_ids(self, query: str) -> list[int]:
        """The newest RANK_CANDIDATES articles the query matches (the ones Store.search ranks), newest first."""
        match = compile_query(query).match
        return [r[0] for r in self.conn.execute(
            "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            [match, RANK_CANDIDATES])]

    def filtered_ids(self, attrs: ArticleAttrs, query: str, source: str | None, since: str | None,
                     month: str | None = None, size: str | None = None) -> list[int]:
        """The matches that pass the page's filters, exact copies left out (as search leaves them out)."""
        attrs.refresh(self.conn)
        start = since_bound(since)
        return attrs.select(self.matching_ids(query), source=source, since=epoch(start) if start else None,
                            month=month_code(month) if month else None, sizes=size_range(size) if size else None)

    def facets(self, attrs: ArticleAttrs, query: str, source: str | None, since: str | None,
               month: str | None = None, size: str | None = None) -> dict[str, list[Facet]]:
        """Counts of a search's matches by source, month and story size (over its newest RANK_CANDIDATES)."""
        ids = self.filtered_ids(attrs, query, source, since, month, size)
        by_source = Counter(attrs.sources[attrs.source[i]] for i in ids)
        by_month = Counter(attrs.month[i] for i in ids)
        by_size = Counter(size_bucket(max(1, attrs.story_size[attrs.story[i]])) for i in ids)
        return {
            "source": [Facet(k, v) for k, v in sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))],
            "month": [Facet(month_text(k), v) for k, v in sorted(by_month.items(), reverse=True) if k >= 0],
            "size": [Facet(k, by_size[k]) for k in SIZE_BUCKETS if k in by_size],
        }

    def story_sizes(self, story_ids: Iterable[int]) -> dict[int, int]:
        return dict(self.conn.execute(f"SELECT story_id, count(*) FROM articles WHERE story_id {IN_IDS} "
                                      f"GROUP BY story_id", [id_list(dict.fromkeys(story_ids))]).fetchall())

    def recent_ids(self, sources: list[str] | None, limit: int) -> list[int]:
        """The newest articles by arrival (id), exact copies left out: what feeds look at."""
        if sources is None:
            return [r[0] for r in self.conn.execute(
                "SELECT id FROM articles WHERE duplicate_of IS NULL ORDER BY id DESC LIMIT ?", [limit])]
        marks = ",".join("?" * len(sources))
        return [r[0] for r in self.conn.execute(
            f"SELECT id FROM articles WHERE duplicate_of IS NULL AND source IN ({marks}) ORDER BY id DESC LIMIT ?",
            [*sources, limit])]

    def summaries(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Listing fields of these articles, by id."""
        return {row["id"]: row for row in self.rows(
            f"SELECT id, source, source_id, title, canonical_url, published_at, first_seen_at, body_text, "
            f"coalesce(story_id, id) AS story_id FROM articles WHERE id {IN_IDS}", [id_list(ids)])}
