"""`newswatch run` (the monitor daemon) and `newswatch status` (what it did and will do)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from newswatch.cli.common import db_path, open_store
from newswatch.core.config import Config


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", parents=parents,
                       help="the monitor daemon: scheduled crawls and alerts (foreground; stop with SIGTERM)")
    p.set_defaults(func=run)
    p = sub.add_parser("status", parents=parents, help="each source's last and next run and its last result")
    p.set_defaults(func=status)


def run(args: argparse.Namespace, config: Config) -> int:
    from newswatch.alerts.service import AlertService
    from newswatch.monitor.daemon import Monitor

    config.check_schedules()
    os.environ["TZ"] = config.scheduler.timezone  # every line, ours and the crawls', in the scheduler's zone
    time.tzset()
    logging.basicConfig(level=args.log_level or "INFO", stream=sys.stderr, datefmt="%Y-%m-%d %H:%M:%S%z",
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    db = db_path(args, config)
    service = AlertService(config, db)
    for rule in config.alerts.rules:
        service.matcher(rule)  # a broken topic file stops the daemon at start, in one line
    monitor = Monitor(config, db, alerts=service)
    monitor.add_alert_jobs(service)
    monitor.run_forever()
    return 0


def status(args: argparse.Namespace, config: Config) -> int:
    from datetime import datetime

    from newswatch.core.clock import system_clock
    from newswatch.crawl import enabled_sources
    from newswatch.monitor.daemon import next_run, source_schedule
    from newswatch.monitor.locks import CrawlLock

    config.check_schedules()
    now = system_clock.now()
    db = db_path(args, config)
    with open_store(args, config) as store:
        for source in enabled_sources(config):
            schedule = source_schedule(config, source)
            records = store.crawls(source, limit=1)
            last = records[0] if records else None
            last_start = datetime.fromisoformat(last.started_at) if last else None
            upcoming = next_run(schedule, last_start, now, config.scheduler.timezone)
            running = CrawlLock(db, source).held_elsewhere()
            print(f"{source}:")
            print(f"  schedule:  {config.sources[source].schedule}")
            if last:
                print(f"  last run:  {last.started_at} → {last.finished_at or '…'}  {last.status}: "
                      f"{last.new} new, {last.updated} updated, {last.errors} errors")
            else:
                print("  last run:  never")
            print(f"  next run:  {'running now' if running else upcoming.isoformat(timespec='seconds')}")
            print_polling(store, config, source)
    return 0


def print_polling(store, config: Config, source: str) -> None:  # type: ignore[no-untyped-def]
    """Each list's frontier (how far it has been walked completely) and the re-checks coming due."""
    from crawler.sites import site

    frontiers = store.frontiers(source)
    for spec in site(source).lists(config.sources[source]):
        mark = frontiers.get(spec.key)
        where = (f"down to {mark.mark_id} ({mark.mark_published or 'undated'}), walked {mark.walked_at}"
                 if mark else "not walked completely yet")
        print(f"  list {spec.label}: {where}")
    upcoming = store.upcoming_rechecks(source, config.crawler.recheck_ages)
    if upcoming:
        first = ", ".join(f"{source_id} at {when}" for when, source_id in upcoming[:3])
        print(f"  re-checks: {len(upcoming)} article(s) have re-checks ahead; next: {first}")
    else:
        print("  re-checks: none ahead")
    retries = store.retries(source)
    if retries:
        print(f"  retries:   {len(retries)} article(s) to fetch again: "
              + ", ".join(f"{r.source_id} ({r.attempts}×: {r.last_error})" for r in retries[:3]))
