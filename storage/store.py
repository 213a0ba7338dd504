"""The store: the one API over the SQLite file that the pipeline, CLI, scheduler and alerts all use."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from newswatch.core.article import Article
from newswatch.core.clock import KST, Clock, iso, system_clock
from newswatch.core.query import compile_query
from newswatch.core.tokens import index_text
from storage.schema import migrate
from storage.snippet import snippet
from storage.stories import StoryIndex, StoryMember, story_day, story_text


class StoreError(RuntimeError):
    """The database cannot be used as asked (locked, corrupt, not a store), in words."""


@dataclass
class SaveResult:
    status: str  # "new" | "updated" | "unchanged" | "duplicate"
    article_id: int
    duplicate_of: int | None = None
    story_id: int | None = None  # set for new articles: their own id, or the story they joined


@dataclass
class StoredArticle:
    id: int
    article: Article
    revision: int
    duplicate_of: int | None
    first_seen_at: str
    last_changed_at: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class KnownArticle:
    source_id: str
    title: str
    published_at: str | None
    etag: str | None
    last_modified: str | None


@dataclass
class Revision:
    revision: int
    replaced_at: str
    article: Article


@dataclass
class CrawlRecord:
    id: int
    source: str
    started_at: str
    finished_at: str | None
    status: str
    pages_fetched: int
    new: int
    updated: int
    unchanged: int
    duplicates: int
    errors: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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


@dataclass
class StoreStats:
    path: str
    size_bytes: int
    articles: dict[str, int]
    duplicates: int
    stories: int
    stories_with_copies: int
    revisions: int
    last_crawls: dict[str, CrawlRecord]
    errors_last_crawls: dict[str, list[dict[str, Any]]]
    total_errors: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return data

    def render(self) -> str:
        lines = [f"store {self.path} ({self.size_bytes / 1e6:.1f} MB)"]
        total = sum(self.articles.values())
        lines.append(f"articles: {total} ({', '.join(f'{k} {v}' for k, v in sorted(self.articles.items())) or '-'}), "
                     f"{self.duplicates} duplicates of others, {self.revisions} earlier revisions kept")
        lines.append(f"stories: {self.stories} ({self.stories_with_copies} with more than one article)")
        for source, r in sorted(self.last_crawls.items()):
            lines.append(f"last crawl of {source}: {r.started_at} {r.status} — {r.pages_fetched} pages, {r.new} new, "
                         f"{r.updated} updated, {r.unchanged} unchanged, {r.duplicates} duplicates, {r.errors} errors")
            for e in self.errors_last_crawls.get(source, [])[:10]:
                lines.append(f"    {e['kind']}: {e['url'] or '-'} {e['message']}")
        lines.append(f"errors recorded in all crawls: {self.total_errors}")
        return "\n".join(lines)


RANK_CANDIDATES = 20_000
_JSON_FIELDS = ("authors", "emails", "images", "attachments", "problems")
_NON_TEXT = re.compile(r"[\W_]+", re.UNICODE)


def text_hash(body: str) -> str:
    return hashlib.sha256(_NON_TEXT.sub("", body.lower()).encode()).hexdigest()


def content_hash(a: Article) -> str:
    payload = {
        "title": " ".join(a.title.split()), "subtitle": " ".join((a.subtitle or "").split()),
        "body": " ".join(a.body_text.split()),
        "images": [[i.url, i.caption] for i in a.images], "attachments": [[x.name, x.url] for x in a.attachments],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _since(value: str | date | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return iso(value if value.tzinfo else value.replace(tzinfo=KST))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=KST).isoformat()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--since: expected YYYY-MM-DD or an ISO date-time, got {value!r}") from None
    return iso(parsed if parsed.tzinfo else parsed.replace(tzinfo=KST))


class Store:
    def __init__(self, path: str | os.PathLike[str], *, clock: Clock = system_clock, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._counts: dict[int, Counter[str]] = {}
        try:
            conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self.db.execute("PRAGMA foreign_keys = ON")
            if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.db.execute("PRAGMA journal_mode = WAL")
            migrate(self.db)
            self.stories = StoryIndex(self.db)
        except sqlite3.DatabaseError as exc:
            raise StoreError(self._explain(exc, f"cannot open the store {self.path}")) from exc
        except RuntimeError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def _explain(self, exc: sqlite3.Error, what: str) -> str:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return f"{what}: the database is locked by another process (waited past the busy timeout)"
        if "not a database" in text or "malformed" in text or "disk image" in text:
            return f"{what}: the file is not a SQLite database or is damaged ({text})"
        return f"{what}: {text}"

    @contextmanager
    def _write(self, what: str) -> Iterator[None]:
        """One transaction, taken up front (BEGIN IMMEDIATE) so a busy store waits, then fails in words."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(self._explain(exc, what)) from exc
        try:
            yield
        except sqlite3.Error as exc:
            self.db.execute("ROLLBACK")
            raise StoreError(self._explain(exc, what)) from exc
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- articles -------------------------------------------------------------------------------------------

    def save_article(self, article: Article, *, fetched_url: str | None = None,
                     crawl_id: int | None = None) -> SaveResult:
        """Store an article once per (source, source_id); see the module docstring of storage.schema."""
        if not article.recognised or not article.title.strip() or not article.body_text.strip():
            raise ValueError(f"not storing {article.url}: unrecognised or empty ({'; '.join(article.problems)})")
        now = iso(self.clock.now())
        chash, thash = content_hash(article), text_hash(article.body_text)
        with self._write(f"saving {article.url}"):
            row = self.db.execute(
                "SELECT id, content_hash, revision FROM articles WHERE source = ? AND source_id = ?",
                [article.source, article.source_id],
            ).fetchone()
            if row is None:
                first = self.db.execute(
                    "SELECT id FROM articles WHERE text_hash = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1",
                    [thash],
                ).fetchone()
                dup_of = first[0] if first else None
                values = self._row(article, chash, thash) | {
                    "duplicate_of": dup_of, "revision": 1, "first_seen_at": now, "last_changed_at": now}
                article_id = self.db["articles"].insert(values).last_pk
                self._index(article_id, article)
                story = self.stories.assign(article_id, article.source, story_text(article),
                                            story_day(article.published_at, now), copy_of=dup_of)
                result = SaveResult("duplicate" if dup_of else "new", article_id, dup_of, story)
            elif row[1] == chash:
                result = SaveResult("unchanged", row[0])
            else:
                article_id, revision = row[0], row[2]
                old = self._load(article_id)
                assert old is not None
                self.db["revisions"].insert({
                    "article_id": article_id, "revision": revision, "replaced_at": now,
                    "title": old.article.title, "subtitle": old.article.subtitle,
                    "body_text": old.article.body_text, "content_hash": row[1], "data": old.article.to_json(),
                })
                self.db["articles"].update(article_id, self._row(article, chash, thash) | {
                    "revision": revision + 1, "last_changed_at": now})
                self.stories.update(article_id, story_text(old.article), story_text(article),
                                    story_day(article.published_at, old.first_seen_at),
                                    story_day(old.article.published_at, old.first_seen_at))
                self.db.execute("DELETE FROM articles_fts WHERE rowid = ?", [article_id])
                self._index(article_id, article)
                result = SaveResult("updated", article_id)
            for url in dict.fromkeys(u for u in (article.canonical_url, article.url, fetched_url) if u):
                self.db.execute("INSERT OR IGNORE INTO article_urls (url, article_id, first_seen_at) VALUES (?, ?, ?)",
                                [url, result.article_id, now])
        if crawl_id is not None:
            self._counts.setdefault(crawl_id, Counter())[result.status] += 1
        return result

    @staticmethod
    def _row(a: Article, chash: str, thash: str) -> dict[str, Any]:
        data = a.to_dict()
        row = {k: data[k] for k in ("source", "source_id", "canonical_url", "title", "subtitle", "section",
                                    "department", "contact", "published_at", "updated_at", "body_text")}
        row |= {k: json.dumps(data[k], ensure_ascii=False) for k in _JSON_FIELDS}
        return row | {"content_hash": chash, "text_hash": thash}

    def _index(self, article_id: int, a: Article) -> None:
        body = "\n".join(p for p in (a.subtitle or "", a.body_text, *[i.caption or "" for i in a.images]) if p)
        self.db.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                        [article_id, index_text(a.title), index_text(body)])

    def _load(self, article_id: int) -> StoredArticle | None:
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        if not rows:
            return None
        row = rows[0]
        data = {k: (json.loads(row[k]) if k in _JSON_FIELDS and row[k] else row[k]) for k in row}
        aliases = [r[0] for r in self.db.execute(
            "SELECT url FROM article_urls WHERE article_id = ? ORDER BY first_seen_at, url", [article_id])]
        data["url"] = row["canonical_url"]
        return StoredArticle(row["id"], Article.from_dict(data), row["revision"], row["duplicate_of"],
                             row["first_seen_at"], row["last_changed_at"], aliases)

    def article(self, article_id: int) -> StoredArticle | None:
        return self._load(article_id)

    def article_by_url(self, url: str) -> StoredArticle | None:
        row = self.db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
        return self._load(row[0]) if row else None

    def article_by_key(self, source: str, source_id: str) -> StoredArticle | None:
        row = self.db.execute("SELECT id FROM articles WHERE source = ? AND source_id = ?",
                              [source, source_id]).fetchone()
        return self._load(row[0]) if row else None

    def revisions(self, article_id: int) -> list[Revision]:
        return [Revision(r["revision"], r["replaced_at"], Article.from_dict(json.loads(r["data"])))
                for r in self.db.query("SELECT revision, replaced_at, data FROM revisions WHERE article_id = ? "
                                       "ORDER BY revision", [article_id])]

    def article_count(self, source: str | None = None) -> int:
        if source:
            return self.db.execute("SELECT count(*) FROM articles WHERE source = ?", [source]).fetchone()[0]
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    # --- incremental crawling --------------------------------------------------------------------------------

    def known(self, source: str, source_ids: Iterable[str]) -> dict[str, KnownArticle]:
        """What the store knows of these articles: enough to decide whether to fetch them again."""
        ids = list(source_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT a.source_id, a.title, a.published_at, v.etag, v.last_modified FROM articles a "
            f"LEFT JOIN validators v ON v.source = a.source AND v.source_id = a.source_id "
            f"WHERE a.source = ? AND a.source_id IN ({marks})", [source, *ids]).fetchall()
        return {r[0]: KnownArticle(r[0], r[1], r[2], r[3], r[4]) for r in rows}

    def save_validators(self, source: str, source_id: str, etag: str | None, last_modified: str | None) -> None:
        if not etag and not last_modified:
            return
        with self._write(f"saving validators of {source_id}"):
            self.db["validators"].upsert({"source": source, "source_id": source_id, "etag": etag,
                                          "last_modified": last_modified, "fetched_at": iso(self.clock.now())},
                                         pk=("source", "source_id"))

    def count_unchanged(self, crawl_id: int) -> None:
        """An article the server said was not modified (HTTP 304): unchanged, and nothing written."""
        self._counts.setdefault(crawl_id, Counter())["unchanged"] += 1

    # --- crawls ---------------------------------------------------------------------------------------------

    def start_crawl(self, source: str) -> int:
        with self._write(f"starting a crawl of {source}"):
            crawl_id = self.db["crawls"].insert({
                "source": source, "started_at": iso(self.clock.now()), "status": "running", "pages_fetched": 0,
                "new": 0, "updated": 0, "unchanged": 0, "duplicates": 0, "errors": 0}).last_pk
        self._counts[crawl_id] = Counter()
        return crawl_id

    def record_error(self, crawl_id: int, url: str | None, kind: str, message: str) -> None:
        with self._write(f"recording an error of crawl {crawl_id}"):
            self.db["crawl_errors"].insert({"crawl_id": crawl_id, "at": iso(self.clock.now()), "url": url,
                                            "kind": kind, "message": message[:2000]})

    def crawl_error_count(self, crawl_id: int) -> int:
        return self.db.execute("SELECT count(*) FROM crawl_errors WHERE crawl_id = ?", [crawl_id]).fetchone()[0]

    def finish_crawl(self, crawl_id: int, *, status: str = "ok", pages_fetched: int = 0,
                     stats: dict[str, Any] | None = None) -> CrawlRecord:
        counts = self._counts.pop(crawl_id, Counter())
        with self._write(f"finishing crawl {crawl_id}"):
            self.db["crawls"].update(crawl_id, {
                "finished_at": iso(self.clock.now()), "status": status, "pages_fetched": pages_fetched,
                "new": counts["new"], "updated": counts["updated"], "unchanged": counts["unchanged"],
                "duplicates": counts["duplicate"], "errors": self.crawl_error_count(crawl_id),
                "stats": json.dumps(stats or {}, ensure_ascii=False, default=str)})
        return self.crawl(crawl_id)

    def abandon_running_crawls(self, source: str, *, status: str = "failed", reason: str = "") -> int:
        """Close the records of crawls whose process died without closing them."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM crawls WHERE source = ? AND status = 'running'", [source])]
        for crawl_id in ids:
            self.record_error(crawl_id, None, "abandoned", reason or "the crawl process ended without a record")
            with self._write(f"closing crawl {crawl_id}"):
                self.db["crawls"].update(crawl_id, {"finished_at": iso(self.clock.now()), "status": status,
                                                    "errors": self.crawl_error_count(crawl_id)})
        return len(ids)

    def crawl(self, crawl_id: int) -> CrawlRecord:
        return self._crawl_record(self.db["crawls"].get(crawl_id))

    @staticmethod
    def _crawl_record(r: dict[str, Any]) -> CrawlRecord:
        return CrawlRecord(r["id"], r["source"], r["started_at"], r["finished_at"], r["status"], r["pages_fetched"],
                           r["new"], r["updated"], r["unchanged"], r["duplicates"], r["errors"])

    def crawls(self, source: str | None = None, limit: int = 20) -> list[CrawlRecord]:
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        return [self._crawl_record(r) for r in self.db.query(
            f"SELECT * FROM crawls {where} ORDER BY id DESC LIMIT ?", [*params, limit])]

    def crawl_errors(self, crawl_id: int) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT at, url, kind, message FROM crawl_errors WHERE crawl_id = ? ORDER BY id",
                                  [crawl_id]))

    # --- search ---------------------------------------------------------------------------------------------

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
        if (start := _since(since)) is not None:
            where.append("a.published_at >= ?")
            params.append(start)
        if only_ids is not None:
            ids = [int(i) for i in only_ids]
            where.append(f"a.id IN ({','.join('?' * len(ids)) or 'NULL'})")
            params.extend(ids)
        sql = (f"SELECT a.id, a.source, a.title, a.canonical_url, a.published_at, a.body_text, "
               f"bm25(articles_fts, 5.0, 1.0) AS score, coalesce(a.story_id, a.id) "
               f"FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
               f"WHERE {' AND '.join(where)} AND articles_fts.rowid >= ? ORDER BY score, a.published_at DESC LIMIT ?")
        floor = self._rank_floor(compiled.match)
        rows = self.db.execute(sql, [*params, floor, limit]).fetchall()
        if floor > 0 and len(rows) < limit:  # filters left too few among the newest candidates: rank them all
            rows = self.db.execute(sql, [*params, 0, limit]).fetchall()
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

    def _rank_floor(self, match: str) -> int:
        """Lowest rowid among the newest RANK_CANDIDATES matches (0 if fewer match).

        Matching is cheap, scoring is not: a term in 40% of a million articles costs about a second to rank
        in full. Ranking only the newest 20,000 matches keeps every query near 0.1 s; for such common queries the
        best-scoring older articles are left out, which suits a monitor that reads recent coverage.
        """
        row = self.db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC "
                              "LIMIT 1 OFFSET ?", [match, RANK_CANDIDATES - 1]).fetchone()
        return row[0] if row else 0

    def matches(self, query: str, article_ids: Iterable[int]) -> set[int]:
        """Which of these articles the query matches (how alert rules test new articles)."""
        ids = list(article_ids)
        if not ids:
            return set()
        compiled = compile_query(query)
        found: set[int] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found |= {r[0] for r in self.db.execute(
                f"SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({marks})",
                [compiled.match, *chunk])}
        return found

    # --- summary --------------------------------------------------------------------------------------------

    def stats(self) -> StoreStats:
        articles = {r[0]: r[1] for r in self.db.execute("SELECT source, count(*) FROM articles GROUP BY source")}
        duplicates = self.db.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0]
        revisions = self.db.execute("SELECT count(*) FROM revisions").fetchone()[0]
        stories, with_copies = self.db.execute(
            "SELECT count(*), coalesce(sum(n > 1), 0) FROM (SELECT count(*) AS n FROM articles GROUP BY story_id)"
        ).fetchone()
        last: dict[str, CrawlRecord] = {}
        errors: dict[str, list[dict[str, Any]]] = {}
        for (source,) in self.db.execute("SELECT DISTINCT source FROM crawls").fetchall():
            record = self.crawls(source, limit=1)[0]
            last[source] = record
            errors[source] = self.crawl_errors(record.id)
        total_errors = self.db.execute("SELECT count(*) FROM crawl_errors").fetchone()[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return StoreStats(str(self.path), size, articles, duplicates, stories, with_copies, revisions, last, errors,
                          total_errors)
