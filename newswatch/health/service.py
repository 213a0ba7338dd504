"""Evaluate the monitors of a source, keep incidents, and queue operator notices in the alert outbox.

Called by the daemon after every crawl and every ``health.interval`` (staleness, overdue crawls and reminders
need no crawl to change), at the end of `newswatch crawl`, and read-only by `newswatch status`.
Never one notice per crawl: an incident opens once per source and monitor (a unique index), and each of its
notices has a key, queued once per recipient in the transaction that changes the incident.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from newswatch.core.clock import Clock, iso, system_clock
from newswatch.core.config import Config, parse_schedule
from newswatch.health import notice
from newswatch.health.monitors import RANK, Context, Finding, evaluate
from storage import Store
from storage.health import HealthLedger, Incident, Notice

logger = logging.getLogger("newswatch.health")


@dataclass
class SourceHealth:
    source: str
    findings: list[Finding]
    incidents: list[Incident]  # open ones

    @property
    def severity(self) -> str:
        worst = max((f.rank for f in self.findings), default=0)
        return {0: "ok", 1: "warning", 2: "critical"}[worst]

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity,
                "monitors": {f.monitor: f.to_dict() for f in self.findings},
                "incidents": [i.to_dict() for i in self.incidents]}


@dataclass
class CheckReport:
    sources: dict[str, SourceHealth] = field(default_factory=dict)
    queued: int = 0  # notices queued (one per recipient)
    events: list[str] = field(default_factory=list)  # "opened newsprime field:date (critical)", …

    @property
    def severity(self) -> str:
        worst = max((RANK[s.severity] for s in self.sources.values()), default=0)
        return {0: "ok", 1: "warning", 2: "critical"}[worst]


def schedule_gap(config: Config, source: str, now: datetime) -> float:
    """Seconds between two scheduled crawls of the source (for a cron schedule, the next two)."""
    schedule = parse_schedule(config.sources[source].schedule, f"sources.{source}.schedule",
                              config.scheduler.timezone)
    if schedule.kind == "interval":
        return float(schedule.seconds)
    trigger = schedule.trigger(config.scheduler.timezone)
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    return (second - first).total_seconds() if first and second else 86400.0


class HealthService:
    def __init__(self, config: Config, db_path: str | Path, *, clock: Clock = system_clock) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.clock = clock

    def open_store(self, *, must_exist: bool = False) -> Store:
        return Store(self.db_path, clock=self.clock, timeout=self.config.store.timeout, must_exist=must_exist)

    def sources(self) -> list[str]:
        return [name for name, source in self.config.sources.items() if source.enabled]

    # --- reading ------------------------------------------------------------------------------------------------

    def context(self, store: Store, source: str) -> Context:
        cfg = self.config.health
        now = self.clock.now()
        ledger = HealthLedger(store)
        since = iso(now - timedelta(days=cfg.baseline_days))
        excluded: dict[str, list[tuple[int, int | None]]] = {}
        for incident in ledger.incidents(source, since=since):
            if incident.first_crawl_id is not None:
                end = None if incident.resolved_at is None else incident.last_crawl_id
                excluded.setdefault(incident.monitor, []).append((incident.first_crawl_id, end))
        return Context(
            source, cfg, now, ledger.history(source, since=since),
            ledger.publication_times(source, since=iso(now - timedelta(days=cfg.stale_history_days))),
            ledger.last_started(source), schedule_gap(self.config, source, now), self.config.scheduler.crawl_timeout,
            excluded)

    def evaluate(self, store: Store, source: str) -> SourceHealth:
        """The source's findings and open incidents; writes nothing."""
        findings = evaluate(self.context(store, source))
        return SourceHealth(source, findings, HealthLedger(store).incidents(source, open_only=True))

    def status(self, sources: list[str] | None = None) -> CheckReport:
        """What `newswatch status` shows: every source evaluated now, nothing recorded."""
        report = CheckReport()
        with self.open_store(must_exist=True) as store:
            for source in sources or self.sources():
                report.sources[source] = self.evaluate(store, source)
        return report

    # --- recording ----------------------------------------------------------------------------------------------

    def check(self, sources: list[str] | None = None) -> CheckReport:
        """Evaluate the sources, open, update and resolve incidents, and queue their notices."""
        report = CheckReport()
        if not self.config.health.enabled:
            return report
        with self.open_store() as store:
            for source in sources or self.sources():
                health = self.evaluate(store, source)
                self._record(store, health, report)
                health.incidents = HealthLedger(store).incidents(source, open_only=True)
                report.sources[source] = health
        return report

    def _record(self, store: Store, health: SourceHealth, report: CheckReport) -> None:
        ledger = HealthLedger(store)
        open_by_monitor = {i.monitor: i for i in health.incidents}
        findings = {f.monitor: f for f in health.findings}
        for monitor, finding in findings.items():
            incident = open_by_monitor.pop(monitor, None)
            if finding.severity in ("warning", "critical"):
                if incident is None:
                    self._open(store, ledger, finding, report)
                else:
                    self._ongoing(store, ledger, incident, finding, report)
            elif finding.severity == "ok" and incident is not None:
                self._resolve(store, ledger, incident, finding, report)
            elif incident is not None:  # not enough data to judge: it lasts
                self._ongoing(store, ledger, incident, None, report)
        for incident in open_by_monitor.values():  # a monitor with no finding now (an error kind gone for good)
            if incident.monitor.startswith("errors:"):
                gone = Finding(incident.source, incident.monitor, "ok",
                               f"{incident.monitor.split(':', 1)[1]}: no longer seen")
                self._resolve(store, ledger, incident, gone, report)
            else:
                self._ongoing(store, ledger, incident, None, report)

    def _evidence(self, finding: Finding) -> dict[str, Any]:
        return {**finding.evidence, "summary": finding.summary, "details": finding.details}

    def _open(self, store: Store, ledger: HealthLedger, finding: Finding, report: CheckReport) -> None:
        with store.transaction(f"opening a health incident of {finding.source}"):
            incident_id = ledger.open_incident(finding.source, finding.monitor, finding.severity, finding.summary,
                                               self._evidence(finding), finding.first_crawl_id,
                                               finding.last_crawl_id)
            if incident_id is None:
                return  # another evaluator opened it a moment ago, with its notice
            self._queue(ledger, notice.opened(incident_id, finding, iso(self.clock.now()),
                                                   self.config.health.remind_hours), report)
        report.events.append(f"opened {finding.source} {finding.monitor} ({finding.severity})")
        log = logger.error if finding.severity == "critical" else logger.warning
        log("health incident %d opened: %s %s %s — %s", incident_id, finding.source, finding.monitor,
            finding.severity.upper(), finding.summary)

    def _ongoing(self, store: Store, ledger: HealthLedger, incident: Incident, finding: Finding | None,
                 report: CheckReport) -> None:
        now = self.clock.now()
        with store.transaction(f"updating health incident {incident.id}"):
            if finding is not None:
                ledger.update_incident(incident.id, finding.severity, finding.summary, self._evidence(finding),
                                       finding.last_crawl_id)
                incident.severity = finding.severity
            if finding is not None and RANK[finding.severity] > RANK.get(incident.notified_severity or "ok", 0):
                if ledger.mark_noticed(incident, severity=finding.severity):
                    self._queue(ledger, notice.escalated(incident, finding), report)
                    report.events.append(f"escalated {incident.source} {incident.monitor} (critical)")
                return
            last = datetime.fromisoformat(incident.last_notice_at or incident.opened_at)
            if now - last >= timedelta(hours=self.config.health.remind_hours) and ledger.mark_noticed(incident):
                self._queue(ledger, notice.reminder(incident, finding, now), report)
                report.events.append(f"reminded {incident.source} {incident.monitor} ({incident.severity})")

    def _resolve(self, store: Store, ledger: HealthLedger, incident: Incident, finding: Finding,
                 report: CheckReport) -> None:
        with store.transaction(f"resolving health incident {incident.id}"):
            if not ledger.resolve_incident(incident.id, finding.summary, self._evidence(finding),
                                           finding.last_crawl_id):
                return
            self._queue(ledger, notice.resolved(incident, finding, self.clock.now()), report)
        report.events.append(f"resolved {incident.source} {incident.monitor}")
        logger.info("health incident %d resolved: %s %s — %s", incident.id, incident.source, incident.monitor,
                    finding.summary)

    def _queue(self, ledger: HealthLedger, message: Notice, report: CheckReport) -> None:
        """The notice to every configured recipient and channel, each its own outbox row."""
        cfg = self.config.health
        targets = [(address, None) for address in cfg.recipients] + [(url, "apprise") for url in cfg.channels]
        for recipient, channel in targets:
            if ledger.queue_notice(message, recipient, channel) is not None:
                report.queued += 1
