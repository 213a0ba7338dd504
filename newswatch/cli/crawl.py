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
    Store(db).close()  # an unusable store fails here, in one line, before Scrapy starts
    locks, running = [], []
    for source in sources:
        lock = CrawlLock(db, source)
        try:
            lock.acquire()
        except CrawlLocked as exc:
            print(f"{source}: skipped — {exc}", file=sys.stderr)
            continue
        locks.append(lock)
        running.append(source)
    try:
        if not running:
            return CrawlLocked.exit_code
        outcomes = run_crawl(config, db, running, log_level=args.log_level or "WARNING", backfill=args.backfill,
                             log_file=args.log_file, progress=True)
    finally:
        for lock in locks:
            lock.release()
    return report(db, outcomes)


def report(db, outcomes) -> int:  # type: ignore[no-untyped-def]
    """This run's result line per source (never an earlier crawl's); 1 if any failed."""
    from storage import Store

    failed = False
    with Store(db) as store:
        for outcome in outcomes:
            if outcome.crawl_id is None:
                print(f"{outcome.source}: failed — no crawl record: {outcome.error or 'the crawl did not start'}",
                      file=sys.stderr)
                failed = True
                continue
            record = store.crawl(outcome.crawl_id)
            print(f"{outcome.source}: {record.summary()}")
            failed |= record.status in ("failed", "killed", "running")
    return 1 if failed else 0
