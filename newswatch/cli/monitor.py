"""`newswatch run` (the monitor daemon) and `newswatch status` (what it did and will do)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from newswatch.cli import health
from newswatch.cli.common import db_path, open_store
from newswatch.core.config import Config


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", parents=parents,
                       help="the monitor daemon: scheduled crawls and alerts (foreground; stop with SIGTERM)")
    p.set_defaults(func=run)
    p = sub.add_parser("status", parents=parents,
                       help="each source's last and next run, its health and open incidents "
                            "(exit 0 ok, 1 warning, 2 critical)")
    health.add_options(p)
    p.set_defaults(func=status)


def run(args: argparse.Namespace, config: Config) -> int:
    from newswatch.alerts.service import AlertService
    from newswatch.health.service import HealthService
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
    monitor = Monitor(config, db, alerts=service, health=HealthService(config, db))
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
    shown: dict[str, dict] = {}  # per source, for --json and the health section
    with open_store(args, config) as store:
        for source in enabled_sources(config):
            schedule = source_schedule(config, source)
            records = store.crawls(source, limit=1)
            last = records[0] if records else None
            last_start = datetime.fromisoformat(last.started_at) if last else None
            upcoming = next_run(schedule, last_start, now, config.scheduler.timezone)
            running = CrawlLock(db, source).held_elsewhere()
            shown[source] = {"schedule": config.sources[source].schedule,
                             "last_run": last.to_dict() if last else None,
                             "last_started_epoch": last_start.timestamp() if last_start else None,
                             "next_run": None if running else upcoming.isoformat(timespec="seconds"),
                             "running": running, "polling": polling(store, config, source)}
            if args.json:  # only the JSON on stdout
                continue
            print(f"{source}:")
            print(f"  schedule:  {config.sources[source].schedule}")
            if last:
                print(f"  last run:  {last.started_at} → {last.finished_at or '…'}  {last.status}: "
                      f"{last.new} new, {last.updated} updated, {last.errors} errors")
            else:
                print("  last run:  never")
            print(f"  next run:  {'running now' if running else upcoming.isoformat(timespec='seconds')}")
            print_polling(shown[source]["polling"])
    return health.health_section(args, config, db, shown)


def polling(store, config: Config, source: str) -> dict:  # type: ignore[no-untyped-def]
    """Each list's frontier (how far it has been walked completely), the re-checks ahead, entries to retry."""
    from crawler.sites import site

    frontiers = store.frontiers(source)
    return {
        "lists": {spec.label: (frontiers[spec.key].__dict__ if spec.key in frontiers else None)
                  for spec in site(source).lists(config.sources[source])},
        "rechecks": [{"at": when, "source_id": source_id}
                     for when, source_id in store.upcoming_rechecks(source, config.crawler.recheck_ages)],
        "retries": [r.__dict__ for r in store.retries(source)],
    }


def print_polling(state: dict) -> None:
    for label, mark in state["lists"].items():
        where = (f"down to {mark['mark_id']} ({mark['mark_published'] or 'undated'}), walked {mark['walked_at']}"
                 if mark else "not walked completely yet")
        print(f"  list {label}: {where}")
    upcoming = state["rechecks"]
    if upcoming:
        first = ", ".join(f"{r['source_id']} at {r['at']}" for r in upcoming[:3])
        print(f"  re-checks: {len(upcoming)} article(s) have re-checks ahead; next: {first}")
    else:
        print("  re-checks: none ahead")
    if state["retries"]:
        print(f"  retries:   {len(state['retries'])} article(s) to fetch again: "
              + ", ".join(f"{r['source_id']} ({r['attempts']}×: {r['last_error']})" for r in state["retries"][:3]))
