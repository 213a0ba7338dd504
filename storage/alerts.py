"""The alert ledger: where each rule starts, what it has considered, what was sent to whom, and the outbox.

Exactly once, as far as SMTP allows:
- Queuing re-checks "already alerted?" and records the articles as alerted in the same transaction that inserts
  the message, so concurrent collectors cannot queue one article twice for a recipient.
- Delivery claims a message (one UPDATE in one transaction, with a lease that expires if the deliverer dies)
  before sending it, so any number of concurrent deliverers send it once; it is marked sent only after the
  server accepted it (SMTP: DATA answered 250; an Apprise channel: the service accepted it, HTTP 2xx).
  Each recipient, e-mail address or channel, is its own row with its own retries; operator notices
  (storage.health) use the same rows. The one remaining window: a deliverer that dies after the server accepted
  the message and before marking it sent; the message is sent again when its lease expires, with the same
  Message-ID.

Where a rule starts, per source (storage.schema, ``alert_marks``): at the source's newest article if the source
has been crawled completely before, else at the end of its first complete crawl. Articles a first crawl finds
are old news, not alerts.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
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
    created_at: str = ""
    channel: str | None = None  # None: e-mail to ``recipient``; "apprise": ``recipient`` is an Apprise URL
    kind: str | None = None  # None: an alert; "notice": an operator notice (newswatch.health)


@dataclass(frozen=True)
class Rendered:
    """An email as queued: subject line, plain text and HTML."""

    subject: str
    text: str
    html: str


@dataclass
class RuleStart:
    """Where a rule stands per source: the last article id considered, or None while it waits for a first crawl."""

    marks: dict[str, int | None]

    @property
    def waiting(self) -> list[str]:
        return [source for source, mark in self.marks.items() if mark is None]


def deliverer_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class AlertLedger:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # --- where rules start and what they have considered ------------------------------------------------

    def start(self, rule: str, sources: list[str], *, backfill_days: int = 0) -> RuleStart:
        """The rule's mark per source, settling the waiting ones a complete crawl has settled since."""
        now = iso(self.store.clock.now())
        with self.store.transaction(f"starting alert rule {rule}"):
            new_rule = self.conn.execute("SELECT 1 FROM alert_rules WHERE name = ?", [rule]).fetchone() is None
            if new_rule:
                self.conn.execute("INSERT INTO alert_rules (name, created_at, watermark) VALUES (?, ?, 0)", [rule, now])
            rows = {src: (mark, since) for src, mark, since in self.conn.execute(
                "SELECT source, mark, since FROM alert_marks WHERE rule = ?", [rule])}
            marks: dict[str, int | None] = {}
            for source in sources:
                mark, since = rows.get(source, (None, None))
                if mark is None:
                    mark, since = self._settle(source, new_rule, since or now, backfill_days)
                    self.conn.execute(
                        "INSERT INTO alert_marks (rule, source, mark, since) VALUES (?, ?, ?, ?) ON CONFLICT "
                        "(rule, source) DO UPDATE SET mark = excluded.mark, since = excluded.since",
                        [rule, source, mark, since])
                marks[source] = mark
        return RuleStart(marks)

    def _settle(self, source: str, new_rule: bool, since: str, backfill_days: int) -> tuple[int | None, str]:
        """(mark, since) for a source the rule has no mark for yet."""
        if new_rule and self.store.first_complete_crawl(source) is not None:
            mark = self._newest(source, backfill_days)  # crawled before: start at its newest article
            return mark, iso(self.store.clock.now())
        first = self.store.first_complete_crawl(source, finished_after=since)
        if first is None:
            return None, since  # wait for the first complete crawl of this source
        return min(first[0], self._newest(source, backfill_days)) if backfill_days else first[0], first[1]

    def _newest(self, source: str, backfill_days: int) -> int:
        """The source's newest article id, or with a backfill, the newest first seen before that many days."""
        if backfill_days <= 0:
            return self.conn.execute("SELECT coalesce(max(id), 0) FROM articles WHERE source = ?",
                                     [source]).fetchone()[0]
        since = iso(self.store.clock.now() - timedelta(days=backfill_days))
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM articles WHERE source = ? AND first_seen_at < ?",
                                 [source, since]).fetchone()[0]

    def new_articles(self, start: RuleStart) -> list[int]:
        """Articles past the rule's marks that are not copies of an earlier article's text, oldest first."""
        ids: list[int] = []
        for source, mark in start.marks.items():
            if mark is not None:
                ids += [r[0] for r in self.conn.execute(
                    "SELECT id FROM articles WHERE source = ? AND id > ? AND duplicate_of IS NULL", [source, mark])]
        return sorted(ids)

    def advance(self, rule: str, article_ids: list[int]) -> None:
        """The rule has considered these articles: move each source's mark past them."""
        if not article_ids:
            return
        marks = ",".join("?" * len(article_ids))
        with self.store.transaction(f"advancing alert rule {rule}"):
            highs = self.conn.execute(
                f"SELECT source, max(id) FROM articles WHERE id IN ({marks}) GROUP BY source", article_ids).fetchall()
            for source, high in highs:
                self.conn.execute("UPDATE alert_marks SET mark = max(mark, ?) WHERE rule = ? AND source = ?",
                                  [high, rule, source])

    def _unsent(self, rule: str, recipient: str, article_ids: list[int]) -> list[int]:
        out = []
        for article_id in article_ids:
            text_hash, story = self.conn.execute(
                "SELECT text_hash, coalesce(story_id, id) FROM articles WHERE id = ?", [article_id]).fetchone()
            seen = self.conn.execute(
                "SELECT 1 FROM alert_sent WHERE rule = ? AND recipient = ? AND text_hash = ? UNION ALL "
                "SELECT 1 FROM alert_sent s JOIN articles a ON a.id = s.article_id "
                "WHERE s.rule = ? AND s.recipient = ? AND a.story_id = ? LIMIT 1",
                [rule, recipient, text_hash, rule, recipient, story]).fetchone()
            if not seen:
                out.append(article_id)
        return out

    def unsent(self, rule: str, recipient: str, article_ids: list[int]) -> list[int]:
        """Those of the articles whose text, and whose story, this recipient has not been alerted about by this rule.

        A later copy of a story already alerted (a newspaper's rewrite of yesterday's release) does not alert
        again; it is in the store and in ``search --stories``.
        """
        return self._unsent(rule, recipient, article_ids)

    def queue(self, rule: str, recipient: str, article_ids: list[int],
              render: Callable[[list[int]], Rendered], *, channel: str | None = None) -> int | None:
        """Queue one message of those articles not yet alerted to this recipient; None if there are none.

        The check, the message and the "alerted" records are one transaction: two collectors at once queue an
        article once. ``render`` builds the message from the articles left. A channel (an Apprise URL as
        configured, its secrets still ``{env:NAME}``) is a recipient of its own: its own row, ledger and retries.
        """
        now = iso(self.store.clock.now())
        with self.store.transaction(f"queueing an alert of {rule}"):
            fresh = self._unsent(rule, recipient, article_ids)
            if not fresh:
                return None
            email = render(fresh)
            outbox_id = self.conn.execute(
                "INSERT INTO outbox (rule, recipient, subject, body_text, body_html, article_ids, created_at, "
                "attempts, next_attempt_at, channel) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                [rule, recipient, email.subject, email.text, email.html, json.dumps(fresh), now, now,
                 channel]).lastrowid
            for article_id in fresh:
                self.conn.execute(
                    "INSERT OR IGNORE INTO alert_sent (rule, recipient, text_hash, article_id, outbox_id, at) "
                    "SELECT ?, ?, text_hash, id, ?, ? FROM articles WHERE id = ?",
                    [rule, recipient, outbox_id, now, article_id])
        return outbox_id

    # --- the outbox ---------------------------------------------------------------------------------------

    def claim(self, owner: str, lease: timedelta, now: datetime | None = None) -> OutboxMessage | None:
        """Take the oldest due message for ``owner`` until the lease ends; None when nothing is due."""
        when = now or self.store.clock.now()
        with self.store.transaction("claiming an alert to send"):
            row = self.conn.execute(
                "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = (SELECT id FROM outbox "
                "WHERE sent_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?) "
                "ORDER BY id LIMIT 1) RETURNING id", [owner, iso(when + lease), iso(when), iso(when)]).fetchone()
        return self.message(row[0]) if row else None

    def message(self, message_id: int) -> OutboxMessage:
        return self._message(self.store.rows("SELECT * FROM outbox WHERE id = ?", [message_id])[0])

    def pending(self) -> list[OutboxMessage]:
        return [self._message(r) for r in self.store.rows("SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id")]

    def sent(self) -> list[OutboxMessage]:
        return [self._message(r) for r in self.store.rows(
            "SELECT * FROM outbox WHERE sent_at IS NOT NULL ORDER BY id")]

    def mark_sent(self, message_id: int) -> None:
        with self.store.transaction(f"marking alert {message_id} sent"):
            self.conn.execute("UPDATE outbox SET sent_at = ?, last_error = NULL, claimed_by = NULL, "
                              "claimed_until = NULL WHERE id = ?", [iso(self.store.clock.now()), message_id])

    def mark_failed(self, message: OutboxMessage, error: str) -> datetime:
        """Keep the message queued and push its next attempt back: 1, 2, 4 … minutes, at most an hour."""
        attempts = message.attempts + 1
        delay = min(BACKOFF_START * 2 ** (attempts - 1), BACKOFF_MAX)
        next_at = self.store.clock.now() + delay
        with self.store.transaction(f"recording a failed send of alert {message.id}"):
            self.conn.execute("UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, claimed_by = NULL, "
                              "claimed_until = NULL WHERE id = ?", [attempts, error[:1000], iso(next_at), message.id])
        return next_at

    @staticmethod
    def _message(r: dict) -> OutboxMessage:
        return OutboxMessage(r["id"], r["rule"], r["recipient"], r["subject"], r["body_text"], r["body_html"],
                             json.loads(r["article_ids"]), r["attempts"], r["sent_at"], r["last_error"],
                             r["created_at"], r.get("channel"), r.get("kind"))
