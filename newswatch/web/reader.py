"""Reading the store over one of Datasette's read-only connections.

``Reader`` is the store's own read API (``storage``'s article and search seams: ``search``, ``search_stories``,
``article``, ``revisions``, ``matches``, ``stories.members``) bound to a connection the web server opened
read-only, so pages run exactly the code `newswatch search` runs and can never write. What the store has no API
for (facet counts, story sizes, month ranges, the latest articles, crawl summaries) is plain SQL here, read-only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from newswatch.core.query import compile_query
from storage.articles import ArticleStore
from storage.search import RANK_CANDIDATES, SearchIndex, since_bound
from storage.stories import StoryIndex

# an article's story size (a store made before stories has no story_id: each article is a story of one)
_STORY_SIZE = "max(1, (SELECT count(*) FROM articles b WHERE b.story_id = coalesce(a.story_id, a.id)))"
SIZE_BUCKETS = ("1", "2", "3", "4", "5+")  # story sizes as the story-size facet shows them


def size_bucket(size: int) -> str:
    return str(size) if size < 5 else "5+"


def size_range(bucket: str) -> tuple[int, int]:
    """The (lowest, highest) story size of a facet bucket."""
    return (5, 1 << 30) if bucket == "5+" else (int(bucket), int(bucket))


def month_bounds(month: str) -> tuple[str, str]:
    """[start, end) of a YYYY-MM month as store timestamps (KST), for published_at comparisons."""
    year, mon = (int(p) for p in month.split("-"))
    start = date(year, mon, 1)
    end = date(year + mon // 12, mon % 12 + 1, 1)
    return since_bound(start) or "", since_bound(end) or ""


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

    def _matching(self, query: str, source: str | None, since: str | None) -> tuple[str, list[Any]]:
        """FROM/WHERE of the articles a search matches (as Store.search filters them), newest RANK_CANDIDATES."""
        match = compile_query(query).match
        floor = self._rank_floor(match)
        where = ["articles_fts MATCH ?", "articles_fts.rowid >= ?", "a.duplicate_of IS NULL"]
        params: list[Any] = [match, floor]
        if source:
            where.append("a.source = ?")
            params.append(source)
        if (start := since_bound(since)) is not None:
            where.append("a.published_at >= ?")
            params.append(start)
        return (f"FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid WHERE {' AND '.join(where)}",
                params)

    def facets(self, query: str, source: str | None, since: str | None,
               month: str | None = None, size: str | None = None) -> dict[str, list[Facet]]:
        """Counts of a search's matches by source, month and story size (over its newest RANK_CANDIDATES)."""
        base, params = self._matching(query, source, since)
        extra, extra_params = self._narrow(month, size)
        sized = _STORY_SIZE
        rows = self.conn.execute(
            f"SELECT a.source, substr(a.published_at, 1, 7), {sized} {base}{extra}", [*params, *extra_params])
        by_source: dict[str, int] = {}
        by_month: dict[str, int] = {}
        by_size: dict[str, int] = {}
        for src, mon, n in rows:
            by_source[src] = by_source.get(src, 0) + 1
            if mon:
                by_month[mon] = by_month.get(mon, 0) + 1
            bucket = size_bucket(n)
            by_size[bucket] = by_size.get(bucket, 0) + 1
        return {
            "source": [Facet(k, v) for k, v in sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))],
            "month": [Facet(k, v) for k, v in sorted(by_month.items(), reverse=True)],
            "size": [Facet(k, by_size[k]) for k in SIZE_BUCKETS if k in by_size],
        }

    @staticmethod
    def _narrow(month: str | None, size: str | None) -> tuple[str, list[Any]]:
        sql, params = "", []
        if month:
            start, end = month_bounds(month)
            sql += " AND a.published_at >= ? AND a.published_at < ?"
            params += [start, end]
        if size:
            low, high = size_range(size)
            sql += f" AND {_STORY_SIZE} BETWEEN ? AND ?"
            params += [low, high]
        return sql, params

    def narrowed_ids(self, query: str, source: str | None, since: str | None, month: str | None,
                     size: str | None) -> list[int]:
        """The newest matches in a month or of a story size: the ``only_ids`` that narrow Store.search to them."""
        base, params = self._matching(query, source, since)
        extra, extra_params = self._narrow(month, size)
        return [r[0] for r in self.conn.execute(
            f"SELECT a.id {base}{extra} ORDER BY a.id DESC LIMIT ?", [*params, *extra_params, RANK_CANDIDATES])]

    def story_sizes(self, story_ids: Iterable[int]) -> dict[int, int]:
        ids = list(dict.fromkeys(story_ids))
        out: dict[int, int] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            out |= dict(self.conn.execute(
                f"SELECT story_id, count(*) FROM articles WHERE story_id IN ({','.join('?' * len(chunk))}) "
                f"GROUP BY story_id", chunk).fetchall())
        return out

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
        wanted = list(ids)
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for row in self.rows(
                    f"SELECT id, source, source_id, title, canonical_url, published_at, first_seen_at, body_text, "
                    f"coalesce(story_id, id) AS story_id FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk):
                out[row["id"]] = row
        return out

    def sources(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT source FROM articles ORDER BY source")]
