"""Crawl records: one row per crawl of a source, its counts, and what failed in it."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from newswatch.core.clock import iso


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
    pid: int | None = None  # the process that ran it
    reason: str | None = None  # why it failed, was killed or abandoned

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """The one line a crawl is reported by (CLI, daemon log)."""
        return f"{self.status} — " + counts_line(self.pages_fetched, self.new, self.updated, self.unchanged,
                                                 self.duplicates, self.errors)


def counts_line(pages: int, new: int, updated: int, unchanged: int, duplicates: int, errors: int) -> str:
    return (f"{pages} pages, {new} new, {updated} updated, {unchanged} unchanged, {duplicates} duplicates, "
            f"{errors} errors")


_RECORD_COLUMNS = ("id, source, started_at, finished_at, status, pages_fetched, new, updated, unchanged, "
                   "duplicates, errors, pid, reason")


class CrawlLog:
    """The crawl tables' seam of Store (a mixin: it uses the Store's connection, clock and transaction).

    Counts of saved articles are kept in memory until the crawl finishes: a crawl's record is written twice,
    when it starts and when it ends, not once per article.
    """

    _counts: dict[int, Counter[str]]

    def start_crawl(self, source: str) -> int:
        with self.transaction(f"starting a crawl of {source}"):
            crawl_id = self.db["crawls"].insert({
                "source": source, "started_at": iso(self.clock.now()), "status": "running", "pages_fetched": 0,
                "new": 0, "updated": 0, "unchanged": 0, "duplicates": 0, "errors": 0, "pid": os.getpid()}).last_pk
        self._counts[crawl_id] = Counter()
        return crawl_id

    def count(self, crawl_id: int, status: str) -> None:
        """One more article of this crawl with this save status ("new", "unchanged", ...)."""
        self._counts.setdefault(crawl_id, Counter())[status] += 1

    def crawl_counts(self, crawl_id: int) -> Counter[str]:
        """This process's counts of the crawl so far (new, updated, unchanged, duplicate)."""
        return Counter(self._counts.get(crawl_id, Counter()))

    def count_unchanged(self, crawl_id: int) -> None:
        """An article the server said was not modified (HTTP 304): unchanged, and nothing written."""
        self.count(crawl_id, "unchanged")

    def record_error(self, crawl_id: int, url: str | None, kind: str, message: str) -> None:
        with self.transaction(f"recording an error of crawl {crawl_id}"):
            self.db["crawl_errors"].insert({"crawl_id": crawl_id, "at": iso(self.clock.now()), "url": url,
                                            "kind": kind, "message": message[:2000]})

    def crawl_error_count(self, crawl_id: int) -> int:
        return self.conn.execute("SELECT count(*) FROM crawl_errors WHERE crawl_id = ?", [crawl_id]).fetchone()[0]

    def finish_crawl(self, crawl_id: int, *, status: str = "ok", pages_fetched: int = 0,
                     stats: dict[str, Any] | None = None, reason: str | None = None,
                     coverage: dict[str, Any] | None = None) -> CrawlRecord:
        """Close the record with its counts, and the source's highest article id (where new rules start);
        ``coverage`` is what the crawl's articles had (crawler.pipelines.Coverage), for the health monitors."""
        counts = self._counts.get(crawl_id, Counter())
        with self.transaction(f"finishing crawl {crawl_id}"):
            source = self.conn.execute("SELECT source FROM crawls WHERE id = ?", [crawl_id]).fetchone()[0]
            high = self.conn.execute("SELECT max(id) FROM articles WHERE source = ?", [source]).fetchone()[0]
            self.db["crawls"].update(crawl_id, {
                "finished_at": iso(self.clock.now()), "status": status, "pages_fetched": pages_fetched,
                "new": counts["new"], "updated": counts["updated"], "unchanged": counts["unchanged"],
                "duplicates": counts["duplicate"], "errors": self.crawl_error_count(crawl_id),
                "stats": json.dumps(stats or {}, ensure_ascii=False, default=str), "high_water": high or 0,
                "reason": reason,
                "coverage": json.dumps(coverage, ensure_ascii=False) if coverage is not None else None})
        self._counts.pop(crawl_id, None)
        return self.crawl(crawl_id)

    def abandon_running_crawls(self, source: str, *, status: str = "abandoned", reason: str = "") -> list[int]:
        """Close the records of this source's crawls still marked running: call it only when none can be."""
        rows = self.conn.execute("SELECT id, started_at FROM crawls WHERE source = ? AND status = 'running' "
                                 "ORDER BY id", [source]).fetchall()
        why = reason or "the crawl process ended without closing its record"
        for crawl_id, started_at in rows:
            with self.transaction(f"closing crawl {crawl_id}"):
                self.db["crawl_errors"].insert({"crawl_id": crawl_id, "at": iso(self.clock.now()), "url": None,
                                                "kind": "abandoned", "message": why})
                self.db["crawls"].update(crawl_id, {"finished_at": iso(self.clock.now()), "status": status,
                                                    "errors": self.crawl_error_count(crawl_id), "reason": why,
                                                    **self._counts_since(source, started_at)})
        return [r[0] for r in rows]

    def _counts_since(self, source: str, started_at: str) -> dict[str, int]:
        """What a crawl that died stored, from the store itself (its own counts died with it): the source's
        articles first seen and changed since it started (only one crawl of a source runs at a time)."""
        new, duplicates = self.conn.execute(
            "SELECT coalesce(sum(duplicate_of IS NULL), 0), coalesce(sum(duplicate_of IS NOT NULL), 0) "
            "FROM articles WHERE source = ? AND first_seen_at >= ?", [source, started_at]).fetchone()
        updated = self.conn.execute(
            "SELECT count(DISTINCT r.article_id) FROM revisions r JOIN articles a ON a.id = r.article_id "
            "WHERE a.source = ? AND r.replaced_at >= ?", [source, started_at]).fetchone()[0]
        return {"new": new, "duplicates": duplicates, "updated": updated}

    def running_sources(self) -> list[str]:
        """Sources with a crawl record still marked running (alive, or left by a process that died)."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT source FROM crawls WHERE status = 'running'")]

    def crawl(self, crawl_id: int) -> CrawlRecord:
        row = self.conn.execute(f"SELECT {_RECORD_COLUMNS} FROM crawls WHERE id = ?", [crawl_id]).fetchone()
        if row is None:
            raise KeyError(f"no crawl {crawl_id}")
        return CrawlRecord(*row)

    def first_complete_crawl(self, source: str, *, finished_after: str | None = None) -> tuple[int, str] | None:
        """(high_water, finished_at) of the source's first ok/partial crawl finished after the given time."""
        row = self.conn.execute(
            "SELECT high_water, finished_at FROM crawls WHERE source = ? AND status IN ('ok', 'partial') "
            "AND finished_at >= ? ORDER BY finished_at, id LIMIT 1", [source, finished_after or ""]).fetchone()
        return (row[0] or 0, row[1]) if row else None

    def crawls(self, source: str | None = None, limit: int = 20) -> list[CrawlRecord]:
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        return [CrawlRecord(*r) for r in self.conn.execute(
            f"SELECT {_RECORD_COLUMNS} FROM crawls {where} ORDER BY id DESC LIMIT ?", [*params, limit])]

    def crawl_stats(self, crawl_id: int) -> dict[str, Any]:
        """The Scrapy stats a finished crawl kept."""
        row = self.conn.execute("SELECT stats FROM crawls WHERE id = ?", [crawl_id]).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def crawl_errors(self, crawl_id: int) -> list[dict[str, Any]]:
        return self.rows("SELECT at, url, kind, message FROM crawl_errors WHERE crawl_id = ? ORDER BY id", [crawl_id])
