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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newswatch.core.clock import iso, read_time
from storage.idlist import IN_IDS, id_list
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
    """Where a rule stands per source: the last article id considered, or None while it waits for a first crawl.

    ``backfill``: per source, (since, cutoff) of a rule with backfill days: an article stored before the rule
    started there (``first_seen_at`` up to ``since``) is new to it only if it was published at ``cutoff`` or later.
    """

    marks: dict[str, int | None]
    backfill: dict[str, tuple[str, str]] = field(default_factory=dict)

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
            rows = self._marks(rule)
            for source in sources:
                mark, since = rows.get(source, (None, None))
                if mark is None:
                    mark, since = self._settle(source, new_rule, since or now, backfill_days)
                    self.conn.execute(
                        "INSERT INTO alert_marks (rule, source, mark, since) VALUES (?, ?, ?, ?) ON CONFLICT "
                        "(rule, source) DO UPDATE SET mark = excluded.mark, since = excluded.since",
                        [rule, source, mark, since])
            return self.current(rule, sources, backfill_days=backfill_days)

    def current(self, rule: str, sources: list[str], *, backfill_days: int = 0) -> RuleStart:
        """Where the rule stands, read only (a source it has no mark for is left out): for previews."""
        rows = self._marks(rule)
        marks = {source: rows[source][0] for source in sources if source in rows}
        backfill = {}
        if backfill_days > 0:
            for source in marks:
                since = rows[source][1]
                if marks[source] is not None and since:
                    backfill[source] = (since, _days_before(since, backfill_days))
        return RuleStart(marks, backfill)

    def _marks(self, rule: str) -> dict[str, tuple[int | None, str | None]]:
        return {src: (mark, since) for src, mark, since in self.conn.execute(
            "SELECT source, mark, since FROM alert_marks WHERE rule = ?", [rule])}

    def _settle(self, source: str, new_rule: bool, since: str, backfill_days: int) -> tuple[int | None, str]:
        """(mark, since) for a source the rule has no mark for yet."""
        if new_rule and self.store.first_complete_crawl(source) is not None:
            now = iso(self.store.clock.now())
            newest = self.conn.execute("SELECT coalesce(max(id), 0) FROM articles WHERE source = ?",
                                       [source]).fetchone()[0]
            return self._backfilled(source, newest, now, backfill_days), now  # crawled before: start at its newest
        first = self.store.first_complete_crawl(source, finished_after=since)
        if first is None:
            return None, since  # wait for the first complete crawl of this source
        return self._backfilled(source, first[0], first[1], backfill_days), first[1]

    def _backfilled(self, source: str, mark: int, since: str, backfill_days: int) -> int:
        """With a backfill, the mark just below the oldest-stored article published in the days before ``since``.

        By publication, not by when it was stored: a first crawl stores years of old news within minutes, and
        none of it may alert. new_articles() skips what lies past this mark but was published earlier.
        """
        if backfill_days <= 0:
            return mark
        cutoff = _days_before(since, backfill_days)
        rows = self.conn.execute("SELECT id, published_at FROM articles WHERE source = ? AND id <= ? ORDER BY id",
                                 [source, mark])
        return next((article_id - 1 for article_id, published in rows if _published_since(published, cutoff)), mark)

    def new_articles(self, start: RuleStart) -> list[int]:
        """Articles past the rule's marks that are not copies of an earlier article's text, oldest first."""
        ids: list[int] = []
        for source, mark in start.marks.items():
            if mark is None:
                continue
            rows = self.conn.execute("SELECT id, first_seen_at, published_at FROM articles "
                                     "WHERE source = ? AND id > ? AND duplicate_of IS NULL", [source, mark])
            window = start.backfill.get(source)
            ids += [article_id for article_id, seen, published in rows
                    if window is None or seen > window[0] or _published_since(published, window[1])]
        return sorted(ids)

    def advance(self, rule: str, article_ids: list[int]) -> None:
        """The rule has considered these articles: move each source's mark past them."""
        highs = dict(self.conn.execute(f"SELECT source, max(id) FROM articles WHERE id {IN_IDS} GROUP BY source",
                                       [id_list(article_ids)]).fetchall())
        if not highs:
            return
        with self.store.transaction(f"advancing alert rule {rule}"):
            for source, high in highs.items():
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

    def due(self, now: datetime | None = None) -> list[OutboxMessage]:
        """The messages claim() would hand out now, in its order: what a delivery would send."""
        when = iso(now or self.store.clock.now())
        return [self._message(r) for r in self.store.rows(
            "SELECT * FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR "
            "claimed_until < ?) ORDER BY id", [when, when])]

    def pending(self) -> list[OutboxMessage]:
        return [self._message(r) for r in self.store.rows("SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id")]

    def sent(self) -> list[OutboxMessage]:
        return [self._message(r) for r in self.store.rows(
            "SELECT * FROM outbox WHERE sent_at IS NOT NULL ORDER BY id")]

    def mark_sent(self, message_id: int, owner: str) -> bool:
        """Record that the server accepted the message; False if ``owner``'s claim had expired and been taken.

        Sent is a fact whoever holds the claim, so it is recorded either way; but another deliverer's claim is
        left alone (it finds the row sent, or is already sending a second copy nothing here can stop).
        """
        now = iso(self.store.clock.now())
        with self.store.transaction(f"marking alert {message_id} sent"):
            ours = self.conn.execute(
                "UPDATE outbox SET sent_at = coalesce(sent_at, ?), last_error = NULL, claimed_by = NULL, "
                "claimed_until = NULL WHERE id = ? AND claimed_by = ?", [now, message_id, owner]).rowcount
            if not ours:
                self.conn.execute("UPDATE outbox SET sent_at = coalesce(sent_at, ?) WHERE id = ?", [now, message_id])
        return bool(ours)

    def mark_failed(self, message: OutboxMessage, error: str, owner: str) -> datetime | None:
        """Keep the message queued and push its next attempt back: 1, 2, 4 … minutes, at most an hour.

        None if ``owner``'s claim had expired and been taken: the new owner's attempt decides, untouched.
        """
        attempts = message.attempts + 1
        delay = min(BACKOFF_START * 2 ** (attempts - 1), BACKOFF_MAX)
        next_at = self.store.clock.now() + delay
        with self.store.transaction(f"recording a failed send of alert {message.id}"):
            ours = self.conn.execute(
                "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, claimed_by = NULL, "
                "claimed_until = NULL WHERE id = ? AND claimed_by = ?",
                [attempts, error[:1000], iso(next_at), message.id, owner]).rowcount
        return next_at if ours else None

    @staticmethod
    def _message(r: dict) -> OutboxMessage:
        return OutboxMessage(r["id"], r["rule"], r["recipient"], r["subject"], r["body_text"], r["body_html"],
                             json.loads(r["article_ids"]), r["attempts"], r["sent_at"], r["last_error"],
                             r["created_at"], r.get("channel"), r.get("kind"))


def _days_before(moment: str, days: int) -> str:
    return iso(datetime.fromisoformat(moment) - timedelta(days=days))


def _published_since(published_at: str | None, cutoff: str) -> bool:
    """Whether a stored publication time is at or after ``cutoff``; an unknown or unreadable one is not."""
    moment = read_time(published_at)
    return moment is not None and moment >= datetime.fromisoformat(cutoff)
