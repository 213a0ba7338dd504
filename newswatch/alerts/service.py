"""Alert work: match new articles against rules, queue one email per rule and recipient, deliver the outbox.

Used by the daemon (immediate rules after crawls settle, digest rules on their schedules, the outbox on its
interval) and by `newswatch alerts`. Every queue, send and failure is one log line.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

from crawler.sites import label as source_name
from newswatch.alerts import channels
from newswatch.alerts.entries import clean, when, without_dateline
from newswatch.alerts.matching import Match, Matcher, matcher_for
from newswatch.alerts.message import (
    MARK_END,
    MARK_START,
    AlertCopy,
    AlertItem,
    Preview,
    build_message,
    list_headers,
    readable,
    render,
    sender_for,
)
from newswatch.alerts.smtp import SendError, send
from newswatch.core.clock import Clock, system_clock
from newswatch.core.config import Config, RuleConfig
from newswatch.core.errors import UsageError
from storage import Store, StoreError
from storage.alerts import AlertLedger, OutboxMessage, Rendered, deliverer_id
from storage.snippet import snippet

logger = logging.getLogger("newswatch.alerts")

# After the server accepted a message, how long recording it as sent keeps retrying a busy store: giving up means
# the message is sent again once its claim expires.
SENT_RECORD_SECONDS = 30.0
SENT_RECORD_FIRST_DELAY = 0.5


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class RecentMatches:
    """The newest stored articles a rule matches: what `alerts test` lists and a preview shows as an example."""

    shown: list[int]  # newest first, at most the limit
    matches: dict[int, Match]  # every match among the scanned articles
    scanned: int


class _Undo(Exception):
    """Raised inside a dry run's transaction so that everything it wrote is rolled back."""


class AlertService:
    def __init__(self, config: Config, db_path: str | Path, *, clock: Clock = system_clock) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.clock = clock
        self._matchers: dict[str, Matcher] = {}
        self._delivering = threading.Lock()  # one delivery at a time in this process
        self._waiting_logged: set[tuple[str, tuple[str, ...]]] = set()

    def rule(self, name: str) -> RuleConfig:
        for rule in self.config.alerts.rules:
            if rule.name == name:
                return rule
        raise UsageError(f"no alert rule named {name!r}; rules: {', '.join(r.name for r in self.config.alerts.rules)}")

    def matcher(self, rule: RuleConfig) -> Matcher:
        """The rule's matcher (a topic file is read once; TopicError names a broken file and line)."""
        if rule.name not in self._matchers:
            self._matchers[rule.name] = matcher_for(rule)
        return self._matchers[rule.name]

    def sources(self, rule: RuleConfig) -> list[str]:
        """The sources a rule covers: its own, or every enabled one."""
        return [rule.source] if rule.source else [n for n, s in self.config.sources.items() if s.enabled]

    def open_store(self) -> Store:
        return Store(self.db_path, clock=self.clock, timeout=self.config.store.timeout)

    # --- queueing -----------------------------------------------------------------------------------------

    def collect(self, rules: Iterable[RuleConfig]) -> int:
        """Queue emails for new matches of these rules; returns the number of messages queued."""
        with self.open_store() as store:
            return self._collect(store, rules)

    def _collect(self, store: Store, rules: Iterable[RuleConfig], *, log: bool = True) -> int:
        queued = 0
        ledger = AlertLedger(store)
        for rule in rules:
            start = ledger.start(rule.name, self.sources(rule), backfill_days=rule.backfill_days)
            if log:
                self._log_waiting(rule, start.waiting)
            candidates = ledger.new_articles(start)
            if not candidates:
                continue
            matches = self.matcher(rule).match(store, candidates)
            targets = [(r, None) for r in rule.recipients] + [(c, "apprise") for c in rule.channels]
            for recipient, channel in targets:
                outbox_id = ledger.queue(rule.name, recipient, sorted(matches),
                                         lambda fresh, r=rule, m=matches: self.render(store, r, fresh, m),
                                         channel=channel)
                if outbox_id is not None:
                    queued += 1
                    if log:
                        logger.info("alert queued: rule %s → %s, %d article(s), outbox %d", rule.name,
                                    target_label(recipient, channel), len(ledger.message(outbox_id).article_ids),
                                    outbox_id)
            ledger.advance(rule.name, candidates)
        return queued

    def dry_run(self, rules: Iterable[RuleConfig], out=None) -> int:  # type: ignore[no-untyped-def]
        """Print (decoded) every message a delivery would send now, including what collecting these rules would
        queue; returns how many. The store is left exactly as it was: the queueing runs in one transaction that
        is rolled back, so no outbox row, "alerted" record or rule mark survives for the daemon to act on."""
        out = out or sys.stdout
        shown = 0
        with self.open_store() as store:
            try:
                with store.transaction("a dry run of alert delivery"):
                    self._collect(store, rules, log=False)
                    shown = self._print_due(AlertLedger(store), out)
                    raise _Undo
            except _Undo:
                pass
        return shown

    def _print_due(self, ledger: AlertLedger, out) -> int:  # type: ignore[no-untyped-def]
        due = ledger.due()
        for message in due:
            if message.channel == "apprise":
                print(f"To: {channels.label(message.recipient)}\nSubject: {message.subject}\n\n"
                      f"{message.body_text}", file=out)
            else:
                print(readable(self.email(message)), file=out)
        waiting = len(ledger.pending()) - len(due)
        if waiting:
            print(f"({waiting} more queued message(s) not due yet or being sent by another deliverer)", file=out)
        return len(due)

    def announce(self) -> None:
        """Register every rule and say when each begins (the daemon's first lines)."""
        with self.open_store() as store:
            ledger = AlertLedger(store)
            for rule in self.config.alerts.rules:
                start = ledger.start(rule.name, self.sources(rule), backfill_days=rule.backfill_days)
                what = f"query {rule.query!r}" if rule.query else f"topic {rule.topic}"
                to = ", ".join(rule.recipients) or "no recipients"
                if start.waiting:
                    self._log_waiting(rule, start.waiting)
                else:
                    logger.info("alert rule %s (%s, %s → %s): active; articles stored from now on alert",
                                rule.name, what, rule.mode, to)

    def _log_waiting(self, rule: RuleConfig, waiting: list[str]) -> None:
        key = (rule.name, tuple(waiting))
        if waiting and key not in self._waiting_logged:
            self._waiting_logged.add(key)
            logger.info("alert rule %s starts after the first complete crawl of %s: what those crawls find is "
                        "already published and is not sent", rule.name, ", ".join(waiting))

    def items(self, store: Store, article_ids: list[int], matches: dict[int, Match], *,
              story_why: bool = False) -> list[AlertItem]:
        """One item per story: its earliest matching new article (often the city's release), with the story's
        other articles as copies; the title and a snippet (without the outlet's dateline) highlighted."""
        def earliest(stored):  # type: ignore[no-untyped-def]  # publication time, else first seen; then id
            moment = when(stored.article.published_at, stored.first_seen_at)
            return (moment.isoformat() if moment else "9999", stored.id)

        leads = {}
        for article_id in sorted(article_ids):
            stored = store.article(article_id)
            if stored is None:
                continue
            story = stored.story_id or article_id
            if story not in leads or earliest(stored) < earliest(leads[story]):
                leads[story] = stored
        members = store.stories.members(list(leads))
        items = []
        for story, stored in leads.items():
            a, match = stored.article, matches[stored.id]
            title = clean(a.title)
            body = without_dateline(clean(a.body_text), a.source)
            items.append(AlertItem(
                a.title, a.source, a.published_at, a.canonical_url,
                snippet(body, match.terms, start=MARK_START, end=MARK_END),
                [AlertCopy(m.title, m.source, m.published_at, m.canonical_url,
                           store.stories.why(m.article_id, source_name) if story_why else "")
                 for m in members.get(story, []) if m.article_id != stored.id],
                why=match.why, terms=match.terms,
                # the whole title: a window three times its length never cuts it
                title_marked=snippet(title, match.terms, width=3 * len(title) + 3, start=MARK_START, end=MARK_END),
                seen_at=stored.first_seen_at, article_id=stored.id))
        return items

    def render(self, store: Store, rule: RuleConfig, article_ids: list[int], matches: dict[int, Match]) -> Rendered:
        """The email as queued, its entries in reading order (newest story first)."""
        return Rendered(*render(sender_for(self.config, rule, socket.gethostname()),
                                self.items(store, article_ids, matches, story_why=rule.story_why)))

    def newest_matches(self, store: Store, rule: RuleConfig, *, scan: int, limit: int) -> RecentMatches:
        """The rule's matches among the ``scan`` newest stored articles, the newest ``limit`` of them shown."""
        recent = store.recent_article_ids(self.sources(rule), scan)
        matches = self.matcher(rule).match(store, recent)
        return RecentMatches([i for i in recent if i in matches][:limit], matches, len(recent))

    def preview(self, rule_name: str, *, scan: int = 2000, limit: int = 20) -> Preview:
        """What the rule's next email would look like, from stored articles; nothing is queued or recorded.

        The articles are those past the rule's marks that it matches and its first recipient has not had (the
        newest ``limit`` of them); when there are none (or the rule never ran), the newest stored matches, to
        show the form."""
        rule = self.rule(rule_name)
        with self.open_store() as store:
            ledger = AlertLedger(store)
            start = ledger.current(rule.name, self.sources(rule), backfill_days=rule.backfill_days)  # read only
            matches = self.matcher(rule).match(store, ledger.new_articles(start)) if start.marks else {}
            ids = sorted(matches)
            if ids and rule.recipients:
                ids = ledger.unsent(rule.name, rule.recipients[0], ids)
            ids = ids[-limit:] if limit > 0 else []
            basis = "next"
            if not ids:
                basis = "recent"
                recent = self.newest_matches(store, rule, scan=scan, limit=limit)
                ids, matches = recent.shown, recent.matches
            if not ids:
                return Preview(rule.name, basis, [], None)
            rendered = self.render(store, rule, ids, matches)
        recipient = rule.recipients[0] if rule.recipients else "undisclosed-recipients:;"
        message = build_message(self.config.smtp.sender, recipient, rendered.subject, rendered.text, rendered.html,
                                headers=list_headers(sender_for(self.config, rule), self.config.smtp.sender))
        return Preview(rule.name, basis, ids, message)

    def immediate(self) -> None:
        """The daemon's alert step once crawls have settled: immediate rules, then delivery."""
        self.collect([r for r in self.config.alerts.rules if r.mode == "immediate"])
        self.deliver()

    def digest(self, rule_name: str) -> None:
        self.collect([self.rule(rule_name)])
        self.deliver()

    def explain(self, rule: RuleConfig, article_id: int) -> tuple[bool, str]:
        with self.open_store() as store:
            return self.matcher(rule).explain(store, article_id)

    # --- delivery -----------------------------------------------------------------------------------------

    def message_id(self, message: OutboxMessage) -> str:
        """The same Message-ID for every attempt of one outbox message, so a retry never looks like new mail."""
        domain = parseaddr(self.config.smtp.sender)[1].rpartition("@")[2] or "newswatch.invalid"
        stamp = datetime.fromisoformat(message.created_at).strftime("%Y%m%d%H%M%S") if message.created_at else "0"
        return f"<newswatch.{stamp}.{message.id}@{domain}>"

    def deliver(self) -> DeliveryReport:
        """Send every due message once; a failure keeps it queued with backoff (nothing if a delivery of this
        process is running already)."""
        report = DeliveryReport()
        if not self._delivering.acquire(blocking=False):
            return report
        try:
            lease = timedelta(seconds=60 + 4 * self.config.smtp.timeout)
            owner = deliverer_id()
            with self.open_store() as store:
                ledger = AlertLedger(store)
                while (message := ledger.claim(owner, lease)) is not None:
                    self._send_one(ledger, message, owner, report)
        finally:
            self._delivering.release()
        return report

    def email(self, message: OutboxMessage):  # type: ignore[no-untyped-def]
        """The outbox message as sent; the List-* headers from the rule as configured now (a removed rule's
        queued mail still gets its List-Id)."""
        if message.kind == "notice":  # an operator notice: no list to unsubscribe from
            return build_message(self.config.smtp.sender, message.recipient, message.subject, message.body_text,
                                 message.body_html, self.message_id(message), {"Auto-Submitted": "auto-generated"})
        rule = next((r for r in self.config.alerts.rules if r.name == message.rule), RuleConfig(name=message.rule))
        headers = list_headers(sender_for(self.config, rule), self.config.smtp.sender)
        return build_message(self.config.smtp.sender, message.recipient, message.subject, message.body_text,
                             message.body_html, self.message_id(message), headers)

    def _send_one(self, ledger: AlertLedger, message: OutboxMessage, owner: str, report: DeliveryReport) -> None:
        """One claimed message. Any failure, a bug included, is recorded on its row with backoff: a row that
        cannot be sent must not stay claimed and be claimed first again, blocking every row after it."""
        try:
            if message.channel == "apprise":
                channels.send(message.recipient, message.subject, message.body_text)
            else:
                send(self.config.smtp, self.email(message))
        except Exception as exc:  # noqa: BLE001 (recorded and logged with its traceback below)
            self._failed(ledger, message, owner, exc, report)
            return
        self._record_sent(ledger, message, owner)
        report.sent += 1
        to = target_label(message.recipient, message.channel)
        if message.kind == "notice":
            logger.info("notice sent: outbox %d → %s: %s", message.id, to, message.subject)
        else:
            logger.info("alert sent: outbox %d, rule %s → %s, %d article(s)", message.id, message.rule, to,
                        len(message.article_ids))

    def _failed(self, ledger: AlertLedger, message: OutboxMessage, owner: str, exc: Exception,
                report: DeliveryReport) -> None:
        """A send failure (one line) or a bug (with its traceback), kept queued with backoff either way."""
        error = str(exc) if isinstance(exc, SendError) else f"{type(exc).__name__}: {exc}"
        report.failed += 1
        report.errors.append(error)
        next_at = ledger.mark_failed(message, error, owner)
        what = "notice" if message.kind == "notice" else "alert"
        to = target_label(message.recipient, message.channel)
        retry = f"next try {next_at.isoformat(timespec='seconds')}" if next_at else "its claim had expired: left as is"
        log = logger.warning if isinstance(exc, SendError) else logger.error
        log("%s not sent: outbox %d (attempt %d), rule %s → %s (%s); %s", what, message.id, message.attempts + 1,
            message.rule, to, error, retry, exc_info=not isinstance(exc, SendError))

    def _record_sent(self, ledger: AlertLedger, message: OutboxMessage, owner: str) -> None:
        """Mark the accepted message sent, retrying a busy store for a while: an unrecorded send is sent again
        when its claim expires."""
        deadline = time.monotonic() + SENT_RECORD_SECONDS
        delay = SENT_RECORD_FIRST_DELAY
        while True:
            try:
                if not ledger.mark_sent(message.id, owner):
                    logger.warning("outbox %d was sent, but its claim had expired and another deliverer took it: "
                                   "it may arrive twice", message.id)
                return
            except StoreError as exc:
                if time.monotonic() + delay > deadline:
                    logger.error("outbox %d was SENT but could not be recorded as sent (%s): it will be sent AGAIN "
                                 "when its claim expires", message.id, exc)
                    return
                logger.warning("outbox %d was sent; recording it failed (%s), retrying in %.1f s", message.id, exc,
                               delay)
                time.sleep(delay)
                delay = min(delay * 2, 8.0)


def target_label(recipient: str, channel: str | None) -> str:
    """An e-mail address as it is; an Apprise URL without its secrets."""
    return channels.label(recipient) if channel == "apprise" else recipient
