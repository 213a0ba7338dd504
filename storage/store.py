"""The store: the one API over the SQLite file that the pipeline, CLI, scheduler and alerts all use.

``Store`` joins the seams of the store (articles, crawl records, the polling frontier, search, stories; the alert
ledger in storage.alerts) over one connection and one clock, with one public ``transaction``. Reads use the plain
sqlite3 connection; sqlite-utils (which imports numpy, a quarter of a second) is loaded for the first write, so a
`newswatch search` stays fast.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newswatch.core.clock import Clock, system_clock
from newswatch.core.errors import NewswatchError
from storage.articles import ArticleStore
from storage.crawls import CrawlLog, CrawlRecord
from storage.frontier import CrawlFrontier
from storage.schema import SCHEMA_VERSION, migrate
from storage.search import SearchIndex
from storage.stories import StoryIndex

if TYPE_CHECKING:
    import sqlite_utils


class StoreError(NewswatchError, RuntimeError):
    """The database cannot be used as asked (missing, locked, full, corrupt, not a store), in words."""

    label = "store"


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
        return asdict(self)

    def render(self) -> str:
        lines = [f"store {self.path} ({self.size_bytes / 1e6:.1f} MB)"]
        total = sum(self.articles.values())
        lines.append(f"articles: {total} ({', '.join(f'{k} {v}' for k, v in sorted(self.articles.items())) or '-'}), "
                     f"{self.duplicates} duplicates of others, {self.revisions} earlier revisions kept")
        lines.append(f"stories: {self.stories} ({self.stories_with_copies} with more than one article)")
        for source, r in sorted(self.last_crawls.items()):
            lines.append(f"last crawl of {source}: {r.started_at} {r.summary()}")
            for e in self.errors_last_crawls.get(source, [])[:10]:
                lines.append(f"    {e['kind']}: {e['url'] or '-'} {e['message']}")
        lines.append(f"errors recorded in all crawls: {self.total_errors}")
        return "\n".join(lines)


def explain(exc: sqlite3.Error | OSError, what: str) -> str:
    """A database failure in words a user can act on."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"{what}: the database is locked by another process (waited past the busy timeout)"
    if "disk is full" in text or "database or disk is full" in text or getattr(exc, "errno", None) == 28:
        return f"{what}: out of disk space ({text})"
    if "not a database" in text or "malformed" in text or "disk image" in text:
        return f"{what}: the file is not a SQLite database or is damaged ({text})"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"{what}: the database file cannot be written or opened ({text})"
    return f"{what}: {text}"


class Store(ArticleStore, CrawlLog, CrawlFrontier, SearchIndex):
    def __init__(self, path: str | os.PathLike[str], *, clock: Clock = system_clock, timeout: float = 30.0,
                 must_exist: bool = False) -> None:
        """Open (or, unless ``must_exist``, create) the store; StoreError in words if it cannot be used."""
        self.path = Path(path)
        self.clock = clock
        self._counts: dict[int, Counter[str]] = {}
        if must_exist and not self.path.is_file():
            raise StoreError(f"no store at {self.path} (check --db or store.path; `newswatch crawl` creates one)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.conn.execute("PRAGMA journal_mode = WAL")
            # WAL with NORMAL: a crashed process loses no commit; a power cut may lose the last few, in order (an
            # article's commit before the frontier that counts on it), and the next poll fetches them again.
            self.conn.execute("PRAGMA synchronous = NORMAL")
            # Checkpoint every 4,000 pages (16 MB of WAL) rather than 1,000: a checkpoint stalls the commit that
            # triggers it, and at the default one save in twenty-five paid for one (the p95 of saving).
            self.conn.execute("PRAGMA wal_autocheckpoint = 4000")
            if self.conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                migrate(self.db)
            self.stories = StoryIndex(self.conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(explain(exc, f"cannot open the store {self.path}")) from exc
        except OSError as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc.strerror or exc}") from exc
        except RuntimeError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, for table creation and row inserts and updates."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @contextmanager
    def transaction(self, what: str) -> Iterator[None]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so a busy store waits, then fails in words.

        Nested use joins the outer transaction, so a caller can make several store calls one commit.
        """
        if self.conn.in_transaction:
            yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(explain(exc, what)) from exc
        try:
            yield
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(explain(exc, what)) from exc
        except BaseException:
            self._rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:  # disk full and I/O errors often surface only here
            self._rollback()
            raise StoreError(explain(exc, what)) from exc

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Query results as dicts keyed by column name."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> StoreStats:
        articles = {r[0]: r[1] for r in self.conn.execute("SELECT source, count(*) FROM articles GROUP BY source")}
        duplicates = self.conn.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0]
        revisions = self.conn.execute("SELECT count(*) FROM revisions").fetchone()[0]
        stories, with_copies = self.conn.execute(
            "SELECT count(*), coalesce(sum(n > 1), 0) FROM (SELECT count(*) AS n FROM articles GROUP BY story_id)"
        ).fetchone()
        last: dict[str, CrawlRecord] = {}
        errors: dict[str, list[dict[str, Any]]] = {}
        for (source,) in self.conn.execute("SELECT DISTINCT source FROM crawls").fetchall():
            record = self.crawls(source, limit=1)[0]
            last[source] = record
            errors[source] = self.crawl_errors(record.id)
        total_errors = self.conn.execute("SELECT count(*) FROM crawl_errors").fetchone()[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return StoreStats(str(self.path), size, articles, duplicates, stories, with_copies, revisions, last, errors,
                          total_errors)
