"""The alert ledger: what each rule has considered, what was sent to whom, and the outbox of emails.

Queuing an email and recording its articles as sent happen in one transaction; delivery is separate and marks a
message sent only after the SMTP server accepted it. So an alert is never dropped, and a crash between sending
and marking can at worst send one message twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from newswatch.core.clock import iso
from storage.store import Store

BACKOFF_START = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


@dataclass
class OutboxMessage:
    id: int
    rule: str
    recipient: str
    subject: str
    body_text: str
    body_html: str
    article_ids: list[int]
    attempts: int
    sent_at: str | None
    last_error: str | None


class AlertLedger:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def watermark(self, rule: str, *, backfill_days: int = 0) -> int:
        """The last article id the rule has considered; a new rule starts at the end of the store."""
        row = self.db.execute("SELECT watermark FROM alert_rules WHERE name = ?", [rule]).fetchone()
        if row:
            return row[0]
        now = self.store.clock.now()
        if backfill_days > 0:
            since = iso(now - timedelta(days=backfill_days))
            start = self.db.execute("SELECT coalesce(max(id), 0) FROM articles WHERE first_seen_at < ?",
                                    [since]).fetchone()[0]
        else:
            start = self.db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
        with self.store.transaction(f"registering alert rule {rule}"):
            self.db["alert_rules"].insert({"name": rule, "created_at": iso(now), "watermark": start})
        return start

    def advance(self, rule: str, article_id: int) -> None:
        with self.store.transaction(f"advancing alert rule {rule}"):
            self.db.execute("UPDATE alert_rules SET watermark = max(watermark, ?) WHERE name = ?", [article_id, rule])

    def new_articles(self, after_id: int, source: str | None = None) -> list[int]:
        """Articles stored after ``after_id`` that are not copies of an earlier article's text."""
        sql = "SELECT id FROM articles WHERE id > ? AND duplicate_of IS NULL"
        params: list[object] = [after_id]
        if source:
            sql += " AND source = ?"
            params.append(source)
        return [r[0] for r in self.db.execute(sql + " ORDER BY id", params)]

    def latest_id(self) -> int:
        return self.db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]

    def unsent(self, rule: str, recipient: str, article_ids: list[int]) -> list[int]:
        """Those of the articles whose text, and whose story, this recipient has not been alerted about by this rule.

        A later copy of a story already alerted (a newspaper's rewrite of yesterday's release) does not alert
        again; it is in the store and in ``search --stories``.
        """
        out = []
        for article_id in article_ids:
            text_hash, story = self.db.execute("SELECT text_hash, coalesce(story_id, id) FROM articles WHERE id = ?",
                                               [article_id]).fetchone()
            seen = self.db.execute(
                "SELECT 1 FROM alert_sent WHERE rule = ? AND recipient = ? AND text_hash = ? UNION ALL "
                "SELECT 1 FROM alert_sent s JOIN articles a ON a.id = s.article_id "
                "WHERE s.rule = ? AND s.recipient = ? AND a.story_id = ? LIMIT 1",
                [rule, recipient, text_hash, rule, recipient, story]).fetchone()
            if not seen:
                out.append(article_id)
        return out

    def queue(self, rule: str, recipient: str, subject: str, body_text: str, body_html: str,
              article_ids: list[int]) -> int:
        now = iso(self.store.clock.now())
        with self.store.transaction(f"queueing an alert of {rule}"):
            outbox_id = self.db["outbox"].insert({
                "rule": rule, "recipient": recipient, "subject": subject, "body_text": body_text,
                "body_html": body_html, "article_ids": json.dumps(article_ids), "created_at": now, "attempts": 0,
                "next_attempt_at": now}).last_pk
            for article_id in article_ids:
                text_hash = self.db.execute("SELECT text_hash FROM articles WHERE id = ?", [article_id]).fetchone()[0]
                self.db.execute(
                    "INSERT OR IGNORE INTO alert_sent (rule, recipient, text_hash, article_id, outbox_id, at)"
                    " VALUES (?, ?, ?, ?, ?, ?)", [rule, recipient, text_hash, article_id, outbox_id, now])
        return outbox_id

    def due(self, now: datetime | None = None) -> list[OutboxMessage]:
        when = iso(now or self.store.clock.now())
        return [self._message(r) for r in self.db.query(
            "SELECT * FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ? ORDER BY id", [when])]

    def pending(self) -> list[OutboxMessage]:
        return [self._message(r) for r in self.db.query("SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id")]

    def sent(self) -> list[OutboxMessage]:
        return [self._message(r) for r in self.db.query("SELECT * FROM outbox WHERE sent_at IS NOT NULL ORDER BY id")]

    def mark_sent(self, message_id: int) -> None:
        with self.store.transaction(f"marking alert {message_id} sent"):
            self.db["outbox"].update(message_id, {"sent_at": iso(self.store.clock.now()), "last_error": None})

    def mark_failed(self, message: OutboxMessage, error: str) -> datetime:
        """Keep the message queued and push its next attempt back: 1, 2, 4 … minutes, at most an hour."""
        attempts = message.attempts + 1
        delay = min(BACKOFF_START * 2 ** (attempts - 1), BACKOFF_MAX)
        next_at = self.store.clock.now() + delay
        with self.store.transaction(f"recording a failed send of alert {message.id}"):
            self.db["outbox"].update(message.id, {"attempts": attempts, "last_error": error[:1000],
                                                  "next_attempt_at": iso(next_at)})
        return next_at

    @staticmethod
    def _message(r: dict) -> OutboxMessage:
        return OutboxMessage(r["id"], r["rule"], r["recipient"], r["subject"], r["body_text"], r["body_html"],
                             json.loads(r["article_ids"]), r["attempts"], r["sent_at"], r["last_error"])
