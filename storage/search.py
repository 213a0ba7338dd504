"""Search: the query language over the FTS index, ranked and highlighted, per article or per story."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from newswatch.core.clock import KST, iso
from newswatch.core.errors import UsageError
from newswatch.core.query import compile_query
from storage.idlist import IN_IDS, id_list
from storage.snippet import snippet
from storage.stories import StoryMember

RANK_CANDIDATES = 20_000


@dataclass
class SearchHit:
    article_id: int
    source: str
    title: str
    canonical_url: str
    published_at: str | None
    score: float
    snippet: str
    matched_terms: list[str]
    story_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StoryHit:
    """A search result standing for its story: the story's best-ranked article and its other copies."""

    hit: SearchHit
    copies: list[StoryMember]  # oldest first

    def to_dict(self) -> dict[str, Any]:
        return self.hit.to_dict() | {"copies": [asdict(c) for c in self.copies]}


def since_bound(value: str | date | None) -> str | None:
    """The lower bound of a --since filter as a store timestamp (a bare date means its midnight in KST)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return iso(value if value.tzinfo else value.replace(tzinfo=KST))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=KST).isoformat()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since: expected YYYY-MM-DD or an ISO date-time, got {value!r}") from None
    return iso(parsed if parsed.tzinfo else parsed.replace(tzinfo=KST))


class SearchIndex:
    """The search seam of Store (a mixin over the Store's connection)."""

    def search(self, query: str, *, source: str | None = None, since: str | date | None = None, limit: int = 20,
               include_duplicates: bool = False, marks: tuple[str, str] = ("[", "]"),
               only_ids: Iterable[int] | None = None) -> list[SearchHit]:
        """Ranked matches: bm25 with the title weighted 5:1 over the body, then newest first."""
        compiled = compile_query(query)
        where, params = ["articles_fts MATCH ?"], [compiled.match]
        if not include_duplicates:
            where.append("a.duplicate_of IS NULL")
        if source:
            where.append("a.source = ?")
            params.append(source)
        if (start := since_bound(since)) is not None:
            where.append("a.published_at >= ?")
            params.append(start)
        if only_ids is not None:
            where.append(f"a.id {IN_IDS}")
            params.append(id_list(only_ids))
        sql = (f"SELECT a.id, a.source, a.title, a.canonical_url, a.published_at, a.body_text, "
               f"bm25(articles_fts, 5.0, 1.0) AS score, coalesce(a.story_id, a.id) "
               f"FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
               f"WHERE {' AND '.join(where)} AND articles_fts.rowid >= ? ORDER BY score, a.published_at DESC LIMIT ?")
        floor = self._rank_floor(compiled.match)
        rows = None
        if len(where) == 1 + (not include_duplicates):  # no source, date or id filter
            rows = self._best_in_index(compiled.match, floor, limit, include_duplicates)
        if rows is None:
            rows = self.conn.execute(sql, [*params, floor, limit]).fetchall()
        if floor > 0 and len(rows) < limit:  # filters left too few among the newest candidates: rank them all
            rows = self.conn.execute(sql, [*params, 0, limit]).fetchall()
        return [SearchHit(r[0], r[1], r[2], r[3], r[4], -r[6],
                          snippet(r[5], compiled.terms, start=marks[0], end=marks[1]), compiled.terms, r[7])
                for r in rows]

    def search_stories(self, query: str, *, source: str | None = None, since: str | date | None = None,
                       limit: int = 20, marks: tuple[str, str] = ("[", "]")) -> list[StoryHit]:
        """Like search, but one result per story (its best-ranked article), listing the story's other copies."""
        fetch = limit * 4
        while True:
            hits = self.search(query, source=source, since=since, limit=fetch, marks=marks)
            best: dict[int, SearchHit] = {}
            for hit in hits:
                best.setdefault(hit.story_id or hit.article_id, hit)
            if len(best) >= limit or len(hits) < fetch:
                break
            fetch *= 4
        chosen = list(best.items())[:limit]
        members = self.stories.members([story for story, _ in chosen])
        return [StoryHit(hit, [m for m in members.get(story, []) if m.article_id != hit.article_id])
                for story, hit in chosen]

    def _best_in_index(self, match: str, floor: int, limit: int, include_duplicates: bool) -> list[Any] | None:
        """The search's rows ranked inside the FTS index first, joining only the best few to ``articles`` (the
        join per candidate is half of a common query's time); None when that could differ from ranking every
        candidate: too few left after dropping copies, or ties at the edge of the pool."""
        pool = max(4 * limit, 50)
        copies = "" if include_duplicates else "WHERE a.duplicate_of IS NULL"
        rows = self.conn.execute(
            "WITH top AS (SELECT rowid AS id, bm25(articles_fts, 5.0, 1.0) AS score FROM articles_fts "
            "WHERE articles_fts MATCH ? AND rowid >= ? ORDER BY score LIMIT ?) "
            "SELECT a.id, a.source, a.title, a.canonical_url, a.published_at, a.body_text, top.score, "
            "coalesce(a.story_id, a.id), (SELECT max(score) FROM top), (SELECT count(*) FROM top) "
            f"FROM top JOIN articles a ON a.id = top.id {copies} ORDER BY top.score, a.published_at DESC LIMIT ?",
            [match, floor, pool, limit]).fetchall()
        if not rows:
            return None  # nothing, or only copies, in the pool: the full ranking says which (cheaply, then)
        edge, pooled = rows[0][8], rows[0][9]
        whole = pooled < pool  # every candidate was in the pool
        if not whole and (len(rows) < limit or rows[-1][6] >= edge):
            return None
        return [row[:8] for row in rows]

    def _rank_floor(self, match: str) -> int:
        """Lowest rowid among the newest RANK_CANDIDATES matches (0 if fewer match).

        Matching is cheap, scoring is not: a term in 40% of a million articles costs about a second to rank
        in full. Ranking only the newest 20,000 matches keeps every query near 0.1 s; for such common queries the
        best-scoring older articles are left out, which suits a monitor that reads recent coverage.
        """
        row = self.conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC "
                                "LIMIT 1 OFFSET ?", [match, RANK_CANDIDATES - 1]).fetchone()
        return row[0] if row else 0

    def matches(self, query: str, article_ids: Iterable[int]) -> set[int]:
        """Which of these articles the query matches (how alert rules test new articles)."""
        ids = list(article_ids)
        if not ids:
            return set()
        compiled = compile_query(query)
        return {r[0] for r in self.conn.execute(
            f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid {IN_IDS}",
            [compiled.match, id_list(ids)])}
