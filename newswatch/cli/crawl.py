"""`newswatch crawl`: crawl sources into the store in this process, one result line per source."""

from __future__ import annotations

import argparse
import sys

from newswatch.cli.common import db_path
from newswatch.core.config import Config


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    from crawler.sites import SITE_NAMES

    p = sub.add_parser("crawl", parents=parents, help="crawl the sources into the store")
    p.add_argument("--source", action="append", choices=SITE_NAMES,
                   help="a source to crawl (repeatable; default: every enabled one)")
    p.add_argument("--backfill", type=int, default=0, metavar="N",
                   help="walk N list pages and fetch every article, ignoring what is stored")
    p.add_argument("--log-file", metavar="PATH", help="write Scrapy's full log (INFO) to this file")
    p.add_argument("--quiet", action="store_true", help="no progress lines (the daemon logs its own)")
    p.add_argument("--no-health", action="store_true",
                   help="skip the health monitors after the crawl (the daemon runs them itself)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    """Exit 0 when every crawl finished ok or partial, 1 if one failed, 3 if every source was locked."""
    from newswatch.crawl import enabled_sources, run_crawl
    from newswatch.monitor.locks import CrawlLock, CrawlLocked
    from storage import Store

    sources = enabled_sources(config, args.source)
    if not sources:
        print("no source enabled in the config", file=sys.stderr)
        return 2
    db = db_path(args, config)
    locks: list[CrawlLock] = []
    try:
        with Store(db, timeout=config.store.timeout) as store:  # an unusable store fails here, in one line
            for source in sources:
                lock = CrawlLock(db, source)
                try:
                    lock.acquire()
                except CrawlLocked as exc:
                    print(f"{source}: skipped — {exc}", file=sys.stderr)
                    continue
                locks.append(lock)
                # We hold the source's lock: a record of it still 'running' was left by a process that died.
                if closed := store.abandon_running_crawls(source, reason="the crawl process is gone"):
                    print(f"{source}: closed {len(closed)} crawl record(s) left running by a process that is gone",
                          file=sys.stderr)
        if not locks:
            return CrawlLocked.exit_code
        outcomes = run_crawl(config, db, [lock.source for lock in locks], log_level=args.log_level or "WARNING",
                             backfill=args.backfill, log_file=args.log_file, progress=not args.quiet)
        close_unfinished(config, db, outcomes)
    finally:
        for lock in locks:
            lock.release()
    code = report(outcomes)
    if config.health.enabled and not args.no_health:
        check_health(config, db, [o.source for o in outcomes])
    return code


def close_unfinished(config: Config, db, outcomes) -> None:  # type: ignore[no-untyped-def]
    """A crawl stopped before Scrapy opened its spider (a SIGTERM at start-up) never closes the record it began.
    While this process holds the source's lock, a record of it still 'running' can only be that one: close it now,
    so it is not left for the next crawl (or a health monitor) to find."""
    from storage import Store, StoreError

    unfinished = [o for o in outcomes if o.status is None]
    if not unfinished:
        return
    try:
        with Store(db, timeout=config.store.timeout) as store:
            for outcome in unfinished:
                why = "stopped before the crawl could close its record"
                if store.abandon_running_crawls(outcome.source, status="killed", reason=why):
                    outcome.status, outcome.reason = "killed", why
    except StoreError as exc:
        print(f"crawl records left running (the next crawl closes them): {exc}", file=sys.stderr)


def check_health(config: Config, db, sources: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Run the health monitors on what was crawled: incidents and notices as the daemon records them (the
    notices are sent by the daemon's outbox or `newswatch alerts deliver`); one line per finding not ok."""
    from newswatch.health.service import HealthService
    from storage import StoreError

    try:
        checked = HealthService(config, db).check(sources)
    except StoreError as exc:
        print(f"health: not checked: {exc}", file=sys.stderr)
        return
    for source, health in checked.sources.items():
        for finding in health.findings:
            if finding.severity in ("warning", "critical"):
                print(f"{source}: health {finding.severity} — {finding.monitor}: {finding.summary}", file=sys.stderr)
    for event in checked.events:
        print(f"health: incident {event}", file=sys.stderr)


def report(outcomes) -> int:  # type: ignore[no-untyped-def]
    """This run's result line per source (never an earlier crawl's), as the crawl itself counted and judged it,
    so the line is true even when the store could not take the crawl's record; 1 if any failed or was killed."""
    failed = False
    for outcome in outcomes:
        status = outcome.status or "failed"
        line = f"{outcome.source}: {status}"
        if outcome.counts:
            line += f" — {outcome.counts}"
        why = outcome.reason or ("the crawl ended without a verdict" if outcome.status is None else None)
        if why:
            line += f" ({why})"
        bad = status in ("failed", "killed")
        print(line, file=sys.stderr if bad else sys.stdout)
        failed |= bad
    return 1 if failed else 0
