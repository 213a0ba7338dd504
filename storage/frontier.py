"""What polls need to be cheap without missing anything: each list's frontier, list-page validators, due
re-checks of stored articles, and list entries to retry.

A poll pages each list down to its frontier (the newest entry of the last complete walk), fetches what is not
stored, re-checks stored articles only when a re-check age has passed since their last fetch (1 h, 3 h, 12 h,
36 h after publication by default) or the list shows a changed title, and retries entries that failed, up to a
cap. The frontier moves only when a crawl walked the list completely and did not fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from newswatch.core.clock import iso


@dataclass(frozen=True)
class Frontier:
    list_key: str
    label: str
    mark_id: str
    mark_published: str | None
    walked_at: str


@dataclass(frozen=True)
class Recheck:
    source_id: str
    url: str
    etag: str | None
    last_modified: str | None
    due_since: str  # the re-check age that passed


@dataclass(frozen=True)
class RetryEntry:
    source_id: str
    url: str
    attempts: int
    last_error: str | None


def due_since(published: datetime, checked: datetime, now: datetime, ages_hours: list[float]) -> datetime | None:
    """The latest re-check point (publication + age) that has passed since the last check, if any."""
    due = None
    for age in ages_hours:
        point = published + timedelta(hours=age)
        if checked < point <= now:
            due = point
    return due


def next_due(published: datetime, checked: datetime, ages_hours: list[float]) -> datetime | None:
    """The next re-check point after the last check (for `newswatch status`)."""
    points = [published + timedelta(hours=age) for age in sorted(ages_hours)]
    return next((p for p in points if p > checked), None)


class CrawlFrontier:
    """The polling seam of Store (a mixin over the Store's connection, clock and transaction)."""

    def frontiers(self, source: str) -> dict[str, Frontier]:
        return {r[0]: Frontier(*r) for r in self.conn.execute(
            "SELECT list_key, label, mark_id, mark_published, walked_at FROM frontier WHERE source = ?", [source])}

    def set_frontier(self, source: str, list_key: str, label: str, mark_id: str, mark_published: str | None,
                     *, etag: str | None = None, last_modified: str | None = None) -> None:
        """A complete walk of the list: its newest entry is the new mark, its page 1 validators the new ones."""
        now = iso(self.clock.now())
        with self.transaction(f"moving the frontier of {source} {label}"):
            self.conn.execute(
                "INSERT INTO frontier (source, list_key, label, mark_id, mark_published, walked_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, list_key) DO UPDATE SET label = excluded.label, "
                "mark_id = excluded.mark_id, mark_published = excluded.mark_published, walked_at = excluded.walked_at",
                [source, list_key, label, mark_id, mark_published, now])
            if etag or last_modified:
                self.conn.execute(
                    "INSERT INTO list_validators (source, list_key, etag, last_modified, fetched_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, list_key) DO UPDATE SET etag = excluded.etag, "
                    "last_modified = excluded.last_modified, fetched_at = excluded.fetched_at",
                    [source, list_key, etag, last_modified, now])
            else:
                self.conn.execute("DELETE FROM list_validators WHERE source = ? AND list_key = ?", [source, list_key])

    def list_validators(self, source: str, list_key: str) -> tuple[str | None, str | None]:
        row = self.conn.execute("SELECT etag, last_modified FROM list_validators WHERE source = ? AND list_key = ?",
                                [source, list_key]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def mark_checked(self, source: str, source_id: str) -> None:
        """The page was fetched and found unchanged (304): record when, for the re-check schedule."""
        with self.transaction(f"recording a check of {source_id}"):
            self.conn.execute(
                "INSERT INTO validators (source, source_id, fetched_at) VALUES (?, ?, ?) ON CONFLICT "
                "(source, source_id) DO UPDATE SET fetched_at = excluded.fetched_at",
                [source, source_id, iso(self.clock.now())])

    def _recent(self, source: str, now: datetime, ages_hours: list[float]) -> list[tuple]:
        since = iso(now - timedelta(hours=max(ages_hours, default=0)))
        return self.conn.execute(
            "SELECT a.source_id, a.canonical_url, v.etag, v.last_modified, coalesce(a.published_at, a.first_seen_at), "
            "coalesce(v.fetched_at, a.last_changed_at) FROM articles a LEFT JOIN validators v "
            "ON v.source = a.source AND v.source_id = a.source_id "
            "WHERE a.source = ? AND coalesce(a.published_at, a.first_seen_at) >= ? AND a.duplicate_of IS NULL",
            [source, since]).fetchall()

    def due_rechecks(self, source: str, ages_hours: list[float]) -> list[Recheck]:
        """Stored articles a re-check age has come due for since they were last fetched (an undated article counts
        from when it was first seen, so it is never re-fetched on every poll)."""
        now = self.clock.now()
        out = []
        for source_id, url, etag, last_modified, published, checked in self._recent(source, now, ages_hours):
            due = due_since(datetime.fromisoformat(published), datetime.fromisoformat(checked), now, ages_hours)
            if due is not None:
                out.append(Recheck(source_id, url, etag, last_modified, iso(due)))
        return out

    def upcoming_rechecks(self, source: str, ages_hours: list[float]) -> list[tuple[str, str]]:
        """(when, source_id) of the next re-checks, soonest first (for `newswatch status`)."""
        now = self.clock.now()
        out = []
        for source_id, _, _, _, published, checked in self._recent(source, now, ages_hours):
            when = next_due(datetime.fromisoformat(published), datetime.fromisoformat(checked), ages_hours)
            if when is not None:
                out.append((iso(max(when, now)), source_id))
        return sorted(out)

    def feed_seen(self, source: str) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT source_id FROM feed_seen WHERE source = ?", [source])}

    def set_feed_seen(self, source: str, source_ids: list[str]) -> None:
        with self.transaction(f"remembering the feed of {source}"):
            self.conn.execute("DELETE FROM feed_seen WHERE source = ?", [source])
            self.conn.executemany("INSERT OR IGNORE INTO feed_seen (source, source_id) VALUES (?, ?)",
                                  [(source, i) for i in source_ids])

    # --- entries to retry ---------------------------------------------------------------------------------

    def retries(self, source: str) -> list[RetryEntry]:
        return [RetryEntry(*r) for r in self.conn.execute(
            "SELECT source_id, url, attempts, last_error FROM retries WHERE source = ? AND gave_up_at IS NULL "
            "ORDER BY first_failed_at", [source])]

    def record_fetch_failure(self, source: str, source_id: str, url: str, error: str, *, cap: int) -> bool:
        """One more failed attempt at a list entry; True only for the attempt that reached the cap and gave it up
        (a given-up entry fetched again later, say by a backfill, is not reported as given up again)."""
        now = iso(self.clock.now())
        with self.transaction(f"recording a failed fetch of {source_id}"):
            self.conn.execute(
                "INSERT INTO retries (source, source_id, url, attempts, first_failed_at, last_error) "
                "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (source, source_id) DO UPDATE SET attempts = attempts + 1, "
                "url = excluded.url, last_error = excluded.last_error", [source, source_id, url, now, error[:500]])
            gave_up = self.conn.execute(
                "UPDATE retries SET gave_up_at = ? WHERE source = ? AND source_id = ? AND attempts >= ? "
                "AND gave_up_at IS NULL", [now, source, source_id, cap])
        return gave_up.rowcount == 1

    def clear_retry(self, source: str, source_id: str) -> None:
        if self.conn.execute("SELECT 1 FROM retries WHERE source = ? AND source_id = ?",
                             [source, source_id]).fetchone():
            with self.transaction(f"clearing the retry of {source_id}"):
                self.conn.execute("DELETE FROM retries WHERE source = ? AND source_id = ?", [source, source_id])

    def given_up(self, source: str, source_ids: list[str]) -> set[str]:
        """Which of these entries were given up (never fetched again on their own)."""
        if not source_ids:
            return set()
        marks = ",".join("?" * len(source_ids))
        return {r[0] for r in self.conn.execute(
            f"SELECT source_id FROM retries WHERE source = ? AND gave_up_at IS NOT NULL AND source_id IN ({marks})",
            [source, *source_ids])}
