"""The health ledger: what the monitors read (crawl history, errors, publication times) and what they keep
(incidents, and the notices they queue in the alert outbox).

Exactly once, the outbox's way: an incident's state change and its notices are one transaction, and each notice
has a key (``incident:<id>:opened`` …) that is unique per recipient, so two evaluators at once (the daemon and a
manual ``newswatch crawl``) queue one notice; delivery then claims it under a lease like any alert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from newswatch.core.clock import iso
from storage.store import Store


@dataclass
class CrawlSample:
    """One finished crawl as the monitors see it."""

    id: int
    started_at: str
    finished_at: str | None
    status: str
    pages_fetched: int
    recognised: int  # new + updated + unchanged + duplicate articles (304s included)
    errors: int
    reason: str | None
    stats: dict[str, Any]
    coverage: dict[str, Any] | None  # None: a crawl from before coverage was kept
    error_rows: list[dict[str, Any]]  # kind, url, message of each failure


@dataclass
class Incident:
    id: int
    source: str
    monitor: str
    severity: str
    notified_severity: str | None
    opened_at: str
    updated_at: str | None
    resolved_at: str | None
    last_notice_at: str | None
    first_crawl_id: int | None
    last_crawl_id: int | None
    summary: str
    evidence: dict[str, Any]
    opened_evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "opened_evidence"}


@dataclass(frozen=True)
class Notice:
    """An operator notice as queued: one per recipient (an address or an Apprise URL)."""

    key: str
    subject: str
    text: str
    html: str


class HealthLedger:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # --- what the monitors read ----------------------------------------------------------------------------

    def history(self, source: str, *, since: str, limit: int = 2000) -> list[CrawlSample]:
        """The source's finished crawls started since ``since``, newest first, with their failures."""
        rows = self.store.rows(
            "SELECT id, started_at, finished_at, status, pages_fetched, new + updated + unchanged + duplicates "
            "AS recognised, errors, reason, stats, coverage FROM crawls WHERE source = ? AND status != 'running' "
            "AND started_at >= ? ORDER BY id DESC LIMIT ?", [source, since, limit])
        if not rows:
            return []
        errors: dict[int, list[dict[str, Any]]] = {}
        for crawl_id, kind, url, message in self.conn.execute(
                "SELECT e.crawl_id, e.kind, e.url, e.message FROM crawl_errors e JOIN crawls c ON c.id = e.crawl_id "
                "WHERE c.source = ? AND c.id >= ? ORDER BY e.id", [source, rows[-1]["id"]]):
            errors.setdefault(crawl_id, []).append({"kind": kind, "url": url, "message": message or ""})
        return [CrawlSample(r["id"], r["started_at"], r["finished_at"], r["status"], r["pages_fetched"] or 0,
                            r["recognised"] or 0, r["errors"] or 0, r["reason"], _json(r["stats"]) or {},
                            _json(r["coverage"]), errors.get(r["id"], [])) for r in rows]

    def last_started(self, source: str) -> str | None:
        row = self.conn.execute("SELECT max(started_at) FROM crawls WHERE source = ?", [source]).fetchone()
        return row[0] if row else None

    def publication_times(self, source: str, *, since: str) -> list[str]:
        """When the source's articles of the period appeared (publication time, else first seen), oldest first."""
        return sorted(r[0] for r in self.conn.execute(  # two index ranges on (source, published_at)
            "SELECT published_at FROM articles WHERE source = ? AND published_at >= ? AND duplicate_of IS NULL "
            "UNION ALL SELECT first_seen_at FROM articles WHERE source = ? AND published_at IS NULL "
            "AND first_seen_at >= ? AND duplicate_of IS NULL", [source, since, source, since]))

    # --- incidents --------------------------------------------------------------------------------------------

    def incidents(self, source: str | None = None, *, open_only: bool = False, since: str = "") -> list[Incident]:
        where, params = ["(resolved_at IS NULL OR resolved_at >= ?)"], [since]
        if source:
            where.append("source = ?")
            params.append(source)
        if open_only:
            where.append("resolved_at IS NULL")
        return [_incident(r) for r in self.store.rows(
            f"SELECT * FROM health_incidents WHERE {' AND '.join(where)} ORDER BY id", params)]

    def incident(self, incident_id: int) -> Incident:
        return _incident(self.store.rows("SELECT * FROM health_incidents WHERE id = ?", [incident_id])[0])

    def open_incident(self, source: str, monitor: str, severity: str, summary: str, evidence: dict[str, Any],
                      first_crawl_id: int | None, last_crawl_id: int | None) -> int | None:
        """A new incident, or None if one is open already (another evaluator was first)."""
        now = iso(self.store.clock.now())
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO health_incidents (source, monitor, severity, notified_severity, opened_at, "
            "updated_at, last_notice_at, first_crawl_id, last_crawl_id, summary, evidence, opened_evidence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [source, monitor, severity, severity, now, now, now, first_crawl_id, last_crawl_id, summary,
             _dump(evidence), _dump(evidence)])
        return cursor.lastrowid if cursor.rowcount else None

    def update_incident(self, incident_id: int, severity: str, summary: str, evidence: dict[str, Any],
                        last_crawl_id: int | None) -> None:
        self.conn.execute(
            "UPDATE health_incidents SET severity = ?, summary = ?, evidence = ?, updated_at = ?, "
            "last_crawl_id = coalesce(?, last_crawl_id) WHERE id = ? AND resolved_at IS NULL",
            [severity, summary, _dump(evidence), iso(self.store.clock.now()), last_crawl_id, incident_id])

    def mark_noticed(self, incident: Incident, *, severity: str | None = None) -> bool:
        """Record a notice about the incident unless another evaluator recorded one since we read it."""
        cursor = self.conn.execute(
            "UPDATE health_incidents SET last_notice_at = ?, notified_severity = coalesce(?, notified_severity) "
            "WHERE id = ? AND resolved_at IS NULL AND last_notice_at IS ? AND notified_severity IS ?",
            [iso(self.store.clock.now()), severity, incident.id, incident.last_notice_at,
             incident.notified_severity])
        return cursor.rowcount == 1

    def resolve_incident(self, incident_id: int, summary: str, evidence: dict[str, Any],
                         last_crawl_id: int | None) -> bool:
        """Close the incident; False if it was closed already."""
        now = iso(self.store.clock.now())
        cursor = self.conn.execute(
            "UPDATE health_incidents SET resolved_at = ?, updated_at = ?, summary = ?, evidence = ?, "
            "last_crawl_id = coalesce(?, last_crawl_id) WHERE id = ? AND resolved_at IS NULL",
            [now, now, summary, _dump(evidence), last_crawl_id, incident_id])
        return cursor.rowcount == 1

    # --- notices -----------------------------------------------------------------------------------------------

    def queue_notice(self, notice: Notice, recipient: str, channel: str | None) -> int | None:
        """Queue the notice for one recipient once ever (by its key); None if it was queued before."""
        now = iso(self.store.clock.now())
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO outbox (rule, recipient, subject, body_text, body_html, article_ids, created_at, "
            "attempts, next_attempt_at, channel, kind, notice_key) VALUES ('health', ?, ?, ?, ?, '[]', ?, 0, ?, ?, "
            "'notice', ?)", [recipient, notice.subject, notice.text, notice.html, now, now, channel, notice.key])
        return cursor.lastrowid if cursor.rowcount else None

    def notices(self) -> list[dict[str, Any]]:
        return self.store.rows("SELECT id, recipient, channel, subject, body_text, notice_key, sent_at FROM outbox "
                               "WHERE kind = 'notice' ORDER BY id")


def _json(text: str | None) -> Any:
    return json.loads(text) if text else None


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _incident(r: dict[str, Any]) -> Incident:
    return Incident(r["id"], r["source"], r["monitor"], r["severity"], r["notified_severity"], r["opened_at"],
                    r["updated_at"], r["resolved_at"], r["last_notice_at"], r["first_crawl_id"], r["last_crawl_id"],
                    r["summary"] or "", _json(r["evidence"]) or {}, _json(r["opened_evidence"]) or {})
