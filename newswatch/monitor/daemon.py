"""The monitor daemon: each source crawled on its own schedule, each crawl in a child process.

A child per crawl (as Scrapyd does) because Twisted's reactor cannot be restarted, and so that a crawl that
crashes or hangs is killed and recorded without taking the daemon down. Overlap is prevented twice: APScheduler
runs at most one instance of a source's job, and the child takes the source's lock file beside the store, which
also keeps a manual ``newswatch crawl`` from running alongside.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from newswatch.alerts.service import AlertService
from newswatch.core.clock import Clock, system_clock
from newswatch.core.config import Config, Schedule, parse_schedule
from newswatch.core.errors import NewswatchError
from newswatch.crawl import enabled_sources
from newswatch.health.service import HealthService
from newswatch.monitor.locks import CrawlLock, CrawlLocked

logger = logging.getLogger("newswatch.monitor.daemon")

EXIT_LOCKED = 3  # `newswatch crawl` exit code when another process holds the source's lock
EXIT_REPORTED = 2  # ... when it stopped on a failure it explained in one line (a busy store, a broken config)


@dataclass
class CrawlOutcome:
    source: str
    status: str  # "ok", "failed", "skipped", "timeout", "crashed"
    returncode: int | None
    detail: str = ""


def source_schedule(config: Config, source: str) -> Schedule:
    key = f"sources.{source}.schedule"
    return parse_schedule(config.sources[source].schedule, key, config.scheduler.timezone)


def is_due(schedule: Schedule, last_start: datetime | None, now: datetime, timezone: str) -> bool:
    """True if a run was missed since ``last_start`` (or there never was one): crawl at once on start-up."""
    if last_start is None:
        return True
    if schedule.kind == "interval":
        return (now - last_start).total_seconds() >= schedule.seconds
    following = schedule.trigger(timezone).get_next_fire_time(None, last_start)
    return following is not None and following <= now


def next_run(schedule: Schedule, last_start: datetime | None, now: datetime, timezone: str) -> datetime:
    """When the daemon will next crawl a source (for `newswatch status`)."""
    if is_due(schedule, last_start, now, timezone):
        return now
    if schedule.kind == "interval":
        assert last_start is not None
        return last_start + timedelta(seconds=schedule.seconds)
    return schedule.trigger(timezone).get_next_fire_time(None, now)


class Monitor:
    """Schedules crawls and alert work, and runs each crawl in a child process.

    Alert work after crawls waits until crawls have settled: a crawl that finishes schedules it ``alerts.grace``
    seconds later, and another crawl finishing (or still running) then pushes it back, so crawls finishing close
    together make one email per rule and recipient. Crawls that never pause hold it back at most ten graces.
    One delivery runs at a time.
    """

    ALERTS_JOB = "alerts:immediate"

    def __init__(self, config: Config, db_path: str | os.PathLike[str], *, clock: Clock = system_clock,
                 scheduler: BaseScheduler | None = None, alerts: AlertService | None = None,
                 crawl_argv: Callable[[str], list[str]] | None = None,
                 health: HealthService | None = None) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.clock = clock
        self.alerts = alerts
        self.health = health
        self.crawl_argv = crawl_argv or self._default_argv
        self.sources = enabled_sources(config)
        self.scheduler = scheduler or BlockingScheduler(timezone=config.scheduler.timezone)
        self.scheduler.configure(executors={"default": ThreadPoolExecutor(max(4, len(self.sources) + 3))},
                                 job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self._alerts_wanted_since: datetime | None = None
        self.stopping = threading.Event()

    def _default_argv(self, source: str) -> list[str]:
        argv = [sys.executable, "-m", "newswatch.cli"]
        if self.config.path is not None:
            argv += ["--config", str(self.config.path)]
        return argv + ["crawl", "--source", source, "--db", str(self.db_path), "--quiet", "--no-health"]

    def store(self):  # type: ignore[no-untyped-def]
        from storage import Store

        return Store(self.db_path, clock=self.clock, timeout=self.config.store.timeout)

    def add_job(self, job_id: str, schedule: Schedule, func: Callable[[], object], *, run_now: bool = False) -> None:
        kwargs = {"next_run_time": self.clock.now()} if run_now else {}
        self.scheduler.add_job(func, schedule.trigger(self.config.scheduler.timezone), id=job_id,
                               name=job_id, replace_existing=True, **kwargs)

    def guarded(self, what: str, work: Callable[[], object]) -> None:
        """Run a job's work: a known failure (a locked or full store, a dead SMTP server) is one line and the
        work is retried on its next run; anything else is a bug and keeps its traceback."""
        try:
            work()
        except NewswatchError as exc:
            logger.warning("%s failed, retried on its next run: %s", what, exc)
        except Exception:
            logger.exception("%s failed, retried on its next run", what)

    def plan(self) -> None:
        """Close what dead crawls left, announce the rules, then one job per enabled source, due at once if its
        last crawl is older than its schedule allows (or if the store cannot tell: a busy store at start-up
        does not stop the daemon)."""
        self.guarded("closing dead crawls' records", lambda: self._with_store(self.close_abandoned))
        if self.alerts is not None:  # rules start now: what the coming first crawls find is not news
            self.guarded("announcing the alert rules", self.alerts.announce)
        last_starts: dict[str, datetime | None] = {}

        def read(store) -> None:  # type: ignore[no-untyped-def]
            for source in self.sources:
                last = store.crawls(source, limit=1)
                last_starts[source] = datetime.fromisoformat(last[0].started_at) if last else None

        self.guarded("reading the last crawls", lambda: self._with_store(read))
        for source in self.sources:
            schedule = source_schedule(self.config, source)
            due = is_due(schedule, last_starts.get(source), self.clock.now(), self.config.scheduler.timezone)
            self.add_job(f"crawl:{source}", schedule, lambda s=source: self.crawl(s), run_now=due)

    def _with_store(self, work: Callable[..., object]) -> None:
        with self.store() as store:
            work(store)

    def close_abandoned(self, store) -> list[int]:  # type: ignore[no-untyped-def]
        """Crawl records still 'running' whose source nobody is crawling (its lock is free) are closed."""
        closed: list[int] = []
        for source in store.running_sources():
            if not CrawlLock(self.db_path, source).held_elsewhere():
                ids = store.abandon_running_crawls(source, reason="the crawl process is gone (closed at start-up)")
                logger.warning("closed %d crawl record(s) of %s left running by a process that is gone: %s",
                               len(ids), source, ", ".join(map(str, ids)))
                closed += ids
        return closed

    def crawl(self, source: str) -> CrawlOutcome:
        """Run one crawl of ``source`` in a child process, within the configured time limit."""
        if self.stopping.is_set():
            return CrawlOutcome(source, "skipped", None, "daemon stopping")
        timeout = self.config.scheduler.crawl_timeout
        logger.info("crawl of %s starting", source)
        env = {**os.environ, "TZ": self.config.scheduler.timezone}  # the child logs in the daemon's zone
        child = subprocess.Popen(self.crawl_argv(source), start_new_session=True, env=env,
                                 stdout=subprocess.DEVNULL, stderr=None)
        with self._lock:
            self._children[source] = child
        try:
            returncode = child.wait(timeout=timeout)
            outcome = self._outcome(source, returncode)
        except subprocess.TimeoutExpired:
            self._stop_child(child)
            outcome = CrawlOutcome(source, "timeout", child.returncode, f"killed after {timeout:g} s")
        finally:
            with self._lock:
                self._children.pop(source, None)
        self.guarded(f"closing the record of the {outcome.status} crawl of {source}",
                     lambda: self._close_records(outcome))
        self._log_crawl(outcome, child.pid)
        if outcome.status != "skipped":
            self.check_health([source])
            self.crawl_finished()
        elif self._alerts_wanted_since is not None:
            self.crawl_finished()  # alert work held back while this child ran must not wait for the next crawl
        return outcome

    def check_health(self, sources: list[str] | None = None) -> None:
        """The health monitors after a crawl (and every health.interval); their notices are sent at once."""
        if self.health is None or not self.config.health.enabled:
            return
        found: list = []
        self.guarded(f"the health check of {', '.join(sources or self.sources)}",
                     lambda: found.append(self.health.check(sources)))  # type: ignore[union-attr]
        if found and found[0].queued and self.alerts is not None:
            self.guarded("sending health notices", self.alerts.deliver)  # busy: the outbox job sends them

    def _log_crawl(self, outcome: CrawlOutcome, pid: int) -> None:
        """One line per crawl with its counts (from the record the child wrote)."""
        try:
            with self.store() as store:
                record = next((r for r in store.crawls(outcome.source, limit=5) if r.pid == pid), None)
        except Exception as exc:  # the line must be written even if the store cannot be read
            record, outcome.detail = None, f"{outcome.detail}; store unreadable: {exc}".strip("; ")
        counts = f"crawl {record.id}: {record.summary()}" if record else "no crawl record"
        log = logger.info if outcome.status == "ok" else logger.warning
        log("crawl of %s: %s — %s%s", outcome.source, outcome.status, counts,
            f" ({outcome.detail})" if outcome.detail else "")

    def crawl_finished(self) -> None:
        """Alert work once crawls settle (see the class docstring)."""
        if self.alerts is None or self.stopping.is_set():
            return
        with self._lock:
            self._alerts_wanted_since = self._alerts_wanted_since or self.clock.now()
        run_at = self.clock.now() + timedelta(seconds=self.config.alerts.grace)
        self.scheduler.add_job(self._settled_alerts, "date", run_date=run_at, id=self.ALERTS_JOB,
                               name=self.ALERTS_JOB, replace_existing=True)

    def _settled_alerts(self) -> None:
        patience = timedelta(seconds=10 * self.config.alerts.grace)
        with self._lock:
            waited = self.clock.now() - (self._alerts_wanted_since or self.clock.now())
            if self._children and waited < patience:
                return  # the crawl still running schedules the alert work again when it finishes
            self._alerts_wanted_since = None
        assert self.alerts is not None
        self.guarded("alert work after crawls", self.alerts.immediate)

    def _outcome(self, source: str, returncode: int) -> CrawlOutcome:
        if returncode == 0:
            return CrawlOutcome(source, "ok", 0)
        if returncode == EXIT_LOCKED:
            return CrawlOutcome(source, "skipped", returncode, "another crawl of this source is running")
        if returncode == 1:
            return CrawlOutcome(source, "failed", 1, "the crawl recorded a failure")
        if returncode == EXIT_REPORTED:
            return CrawlOutcome(source, "failed", returncode, "the crawl stopped on an error it reported above")
        return CrawlOutcome(source, "crashed", returncode, f"child exited with {returncode}")

    def _close_records(self, outcome: CrawlOutcome) -> None:
        """A child that was killed, crashed or stopped on an error may leave its crawl record 'running': close it
        — unless the source's lock is held, since then the running record is another process's live crawl (a
        child that could not open a busy store never took the lock)."""
        if outcome.status not in ("timeout", "crashed", "failed") or outcome.returncode == 1:
            return
        lock = CrawlLock(self.db_path, outcome.source)
        try:
            lock.acquire()  # held while closing, so no crawl can start in between
        except CrawlLocked:
            return
        try:
            with self.store() as store:
                store.abandon_running_crawls(outcome.source, status="failed",
                                             reason=f"{outcome.status}: {outcome.detail}")
        finally:
            lock.release()

    @staticmethod
    def _stop_child(child: subprocess.Popen[bytes], grace: float = 10.0) -> None:
        """SIGTERM lets Scrapy close the spider and its crawl record; SIGKILL if it does not within ``grace``."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(child.pid, sig)
            except ProcessLookupError:
                return
            try:
                child.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop(self, *_: object) -> None:
        """Stop scheduling, ask running crawls to finish their records, and let start() return."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        logger.info("stopping: no new crawls; asking running crawls to close")
        with self._lock:
            children = list(self._children.values())
        for child in children:
            threading.Thread(target=self._stop_child, args=(child,), daemon=True).start()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def add_alert_jobs(self, service: AlertService) -> None:
        """The alert work of `newswatch run`: each digest rule on its schedule, and the outbox."""
        tz = self.config.scheduler.timezone
        for rule in self.config.alerts.rules:
            if rule.mode == "digest":
                schedule = parse_schedule(rule.schedule or self.config.alerts.digest_schedule, "schedule", tz)
                self.add_job(f"digest:{rule.name}", schedule, lambda name=rule.name: self.guarded(
                    f"the digest of {name}", lambda: service.digest(name)))
        self.add_job("outbox", parse_schedule(self.config.scheduler.outbox_interval, "outbox_interval", tz),
                     lambda: self.guarded("delivering the outbox", service.deliver))
        if self.health is not None and self.config.health.enabled:  # staleness, overdue crawls, reminders
            self.add_job("health", parse_schedule(self.config.health.interval, "health.interval", tz),
                         self.check_health)  # guarded inside
        if self.alerts is None:
            self.alerts = service

    def run_forever(self) -> None:
        """Foreground daemon for systemd: logs to stderr, exits cleanly on SIGTERM/SIGINT."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.plan()
        self.scheduler.start()
        # BlockingScheduler returns after shutdown; wait for in-flight crawls to close their records.
        with self._lock:
            children = list(self._children.values())
        for child in children:
            child.wait()
