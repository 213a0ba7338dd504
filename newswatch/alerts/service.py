"""Alert work: match new articles against rules, queue one email per rule and recipient, deliver the outbox.

Used by the daemon after each crawl (immediate rules) and on digest schedules, and by `newswatch alerts`.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from newswatch.alerts.message import (
    MARK_END,
    MARK_START,
    AlertCopy,
    AlertItem,
    build_message,
    readable,
    render_html,
    render_text,
    subject,
)
from newswatch.alerts.smtp import SendError, send
from newswatch.core.clock import Clock, system_clock
from newswatch.core.config import Config, RuleConfig
from storage import SearchHit, Store
from storage.alerts import AlertLedger

logger = logging.getLogger("newswatch.alerts")


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] | None = None


class AlertService:
    def __init__(self, config: Config, db_path: str | Path, *, clock: Clock = system_clock) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.clock = clock

    def rule(self, name: str) -> RuleConfig:
        for rule in self.config.alerts.rules:
            if rule.name == name:
                return rule
        raise ValueError(f"no alert rule named {name!r}; rules: {', '.join(r.name for r in self.config.alerts.rules)}")

    def items(self, store: Store, rule: RuleConfig, article_ids: list[int]) -> list[AlertItem]:
        """One item per story: its first matching new article, the story's other articles as extra links."""
        found = store.search(rule.query, source=rule.source or None, limit=len(article_ids),
                             marks=(MARK_START, MARK_END), only_ids=article_ids)
        hits = {h.article_id: h for h in found}
        by_story: dict[int, SearchHit] = {}
        for article_id in article_ids:
            if article_id in hits:
                by_story.setdefault(hits[article_id].story_id or article_id, hits[article_id])
        members = store.stories.members(list(by_story))
        return [AlertItem(h.title, h.source, h.published_at, h.canonical_url, h.snippet,
                          [AlertCopy(m.title, m.source, m.published_at, m.canonical_url)
                           for m in members.get(story, []) if m.article_id != h.article_id])
                for story, h in by_story.items()]

    def collect(self, rules: list[RuleConfig]) -> int:
        """Queue emails for new matches of these rules; returns the number of messages queued."""
        queued = 0
        with Store(self.db_path, clock=self.clock) as store:
            ledger = AlertLedger(store)
            for rule in rules:
                start = ledger.watermark(rule.name, backfill_days=rule.backfill_days)
                candidates = ledger.new_articles(start, rule.source or None)
                matched = sorted(store.matches(rule.query, candidates)) if candidates else []
                for recipient in rule.recipients:
                    fresh = ledger.unsent(rule.name, recipient, matched)
                    if not fresh:
                        continue
                    items = self.items(store, rule, fresh)
                    ledger.queue(rule.name, recipient, subject(rule.name, len(items)), render_text(rule.name, items),
                                 render_html(rule.name, items), fresh)
                    queued += 1
                if candidates:
                    ledger.advance(rule.name, candidates[-1])
        return queued

    def after_crawl(self, *_: object) -> None:
        """Daemon hook: immediate rules, then delivery."""
        self.collect([r for r in self.config.alerts.rules if r.mode == "immediate"])
        self.deliver()

    def digest(self, rule_name: str) -> None:
        self.collect([self.rule(rule_name)])
        self.deliver()

    def deliver(self, *, dry_run: bool = False, out=None) -> DeliveryReport:  # type: ignore[no-untyped-def]
        """Send every due message; a failure keeps it queued with backoff. Dry run prints instead of sending."""
        report = DeliveryReport(errors=[])
        with Store(self.db_path, clock=self.clock) as store:
            ledger = AlertLedger(store)
            for message in (ledger.pending() if dry_run else ledger.due()):
                email = build_message(self.config.smtp.sender, message.recipient, message.subject,
                                      message.body_text, message.body_html)
                if dry_run:
                    print(readable(email), file=out or sys.stdout)
                    continue
                try:
                    send(self.config.smtp, email)
                except SendError as exc:
                    next_at = ledger.mark_failed(message, str(exc))
                    report.failed += 1
                    report.errors.append(str(exc))
                    logger.warning("alert %s to %s not sent (%s); next try %s", message.id, message.recipient,
                                   exc, next_at.isoformat(timespec="seconds"))
                    continue
                ledger.mark_sent(message.id)
                report.sent += 1
        return report
