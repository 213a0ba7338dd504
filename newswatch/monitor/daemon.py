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
from newswatch.crawl import enabled_sources

logger = logging.getLogger("newswatch.monitor.daemon")

EXIT_LOCKED = 3  # `newswatch crawl` exit code when another process holds the source's lock


@dataclass
class CrawlOutcome:
    source: str
    status: str  # "ok", "partial", "failed", "killed", "skipped", "timeout", "crashed"
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
    """Schedules crawls (and, through hooks, alert work) and runs them in child processes."""

    def __init__(self, config: Config, db_path: str | os.PathLike[str], *, clock: Clock = system_clock,
                 scheduler: BaseScheduler | None = None,
                 after_crawl: Callable[[CrawlOutcome], None] | None = None,
                 crawl_argv: Callable[[str], list[str]] | None = None) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.clock = clock
        self.after_crawl = after_crawl
        self.crawl_argv = crawl_argv or self._default_argv
        self.sources = enabled_sources(config)
        self.scheduler = scheduler or BlockingScheduler(timezone=config.scheduler.timezone)
        self.scheduler.configure(executors={"default": ThreadPoolExecutor(max(4, len(self.sources) + 2))},
                                 job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def _default_argv(self, source: str) -> list[str]:
        argv = [sys.executable, "-m", "newswatch.cli"]
        if self.config.path is not None:
            argv += ["--config", str(self.config.path)]
        return argv + ["crawl", "--source", source, "--db", str(self.db_path)]

    def add_job(self, job_id: str, schedule: Schedule, func: Callable[[], object], *, run_now: bool = False) -> None:
        kwargs = {"next_run_time": self.clock.now()} if run_now else {}
        self.scheduler.add_job(func, schedule.trigger(self.config.scheduler.timezone), id=job_id,
                               name=job_id, replace_existing=True, **kwargs)

    def plan(self) -> None:
        """Add one job per enabled source, due at once if its last crawl is older than its schedule allows."""
        from storage import Store

        with Store(self.db_path, clock=self.clock) as store:
            for source in self.sources:
                schedule = source_schedule(self.config, source)
                last = store.crawls(source, limit=1)
                last_start = datetime.fromisoformat(last[0].started_at) if last else None
                due = is_due(schedule, last_start, self.clock.now(), self.config.scheduler.timezone)
                self.add_job(f"crawl:{source}", schedule, lambda s=source: self.crawl(s), run_now=due)

    def crawl(self, source: str) -> CrawlOutcome:
        """Run one crawl of ``source`` in a child process, within the configured time limit."""
        if self.stopping.is_set():
            return CrawlOutcome(source, "skipped", None, "daemon stopping")
        timeout = self.config.scheduler.crawl_timeout
        logger.info("crawl of %s starting", source)
        child = subprocess.Popen(self.crawl_argv(source), start_new_session=True,
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
        self._close_records(outcome)
        logger.info("crawl of %s: %s %s", source, outcome.status, outcome.detail)
        if self.after_crawl is not None and outcome.status not in ("skipped",):
            try:
                self.after_crawl(outcome)
            except Exception:  # the daemon outlives a failing hook; the hook's work is retried next cycle
                logger.exception("after-crawl work for %s failed", source)
        return outcome

    def _outcome(self, source: str, returncode: int) -> CrawlOutcome:
        if returncode == 0:
            return CrawlOutcome(source, "ok", 0)
        if returncode == EXIT_LOCKED:
            return CrawlOutcome(source, "skipped", returncode, "another crawl of this source is running")
        if returncode == 1:
            return CrawlOutcome(source, "failed", 1, "the crawl recorded a failure")
        return CrawlOutcome(source, "crashed", returncode, f"child exited with {returncode}")

    def _close_records(self, outcome: CrawlOutcome) -> None:
        """A child that was killed or crashed may leave its crawl record 'running': close it as failed."""
        if outcome.status not in ("timeout", "crashed", "killed"):
            return
        from storage import Store

        with Store(self.db_path, clock=self.clock) as store:
            store.abandon_running_crawls(outcome.source, status="failed",
                                         reason=f"{outcome.status}: {outcome.detail}")

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
                self.add_job(f"digest:{rule.name}", schedule, lambda name=rule.name: service.digest(name))
        self.add_job("outbox", parse_schedule(self.config.scheduler.outbox_interval, "outbox_interval", tz),
                     service.deliver)

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
