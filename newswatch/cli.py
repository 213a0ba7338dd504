"""The ``newswatch`` command: crawl, extract, search, stats and an offline demo."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from crawler.sites import SITE_NAMES, load_config
from newswatch.core.config import Config, ConfigError
from newswatch.locks import CrawlLock, CrawlLocked
from storage import StoreError


def _db_path(args: argparse.Namespace, config: Config) -> Path:
    return Path(args.db or config.store.path)


def _open_store(args: argparse.Namespace, config: Config):  # type: ignore[no-untyped-def]
    from storage import Store

    return Store(_db_path(args, config))


def cmd_crawl(args: argparse.Namespace, config: Config) -> int:
    from newswatch.crawl import enabled_sources, run_crawl

    sources = enabled_sources(config, args.source)
    if not sources:
        print("no source enabled in the config", file=sys.stderr)
        return 2
    db = _db_path(args, config)
    locks, skipped = [], []
    for source in sources:
        lock = CrawlLock(db, source)
        try:
            lock.acquire()
            locks.append(lock)
        except CrawlLocked as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            skipped.append(source)
    try:
        running = [s for s in sources if s not in skipped]
        if not running:
            return 3
        run_crawl(config, db, running, log_level=args.log_level, backfill=args.backfill)
        return _report_crawls(db, running)
    finally:
        for lock in locks:
            lock.release()


def _report_crawls(db: Path, sources: list[str]) -> int:
    from storage import Store

    failed = False
    with Store(db) as store:
        for source in sources:
            records = store.crawls(source, limit=1)
            if not records:
                print(f"{source}: no crawl recorded", file=sys.stderr)
                failed = True
                continue
            r = records[0]
            print(f"{source}: {r.status} — {r.pages_fetched} pages, {r.new} new, {r.updated} updated, "
                  f"{r.unchanged} unchanged, {r.duplicates} duplicates, {r.errors} errors")
            failed |= r.status in ("failed", "killed")
    return 1 if failed else 0


def cmd_extract(args: argparse.Namespace, config: Config) -> int:
    from crawler.extract import extract

    body = Path(args.file).read_bytes()
    try:
        article = extract(args.url, body, args.content_type)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(article.to_json(indent=2))
    return 0 if article.recognised else 1


def _highlight_markers() -> tuple[str, str]:
    return ("\033[1;33m", "\033[0m") if sys.stdout.isatty() else ("[", "]")


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    from storage import QueryError

    with _open_store(args, config) as store:
        try:
            if args.stories:
                stories = store.search_stories(args.query, source=args.source, since=args.since, limit=args.limit)
                hits = [s.hit for s in stories]
            else:
                hits = store.search(args.query, source=args.source, since=args.since, limit=args.limit)
        except QueryError as exc:
            print(f"error: bad query: {exc}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps([h.to_dict() for h in (stories if args.stories else hits)], ensure_ascii=False, indent=2))
            return 0
        start, end = _highlight_markers()
        for i, hit in enumerate(hits, 1):
            snippet = hit.snippet.replace("[", start).replace("]", end) if start != "[" else hit.snippet
            print(f"{i:>3}. {hit.title}\n     {hit.source} · {hit.published_at or '-'} · {hit.canonical_url}\n"
                  f"     {snippet}")
            copies = stories[i - 1].copies if args.stories else []
            for copy in copies:
                print(f"     + {copy.source} · {copy.published_at or '-'} · "
                      f"{copy.title} · {copy.canonical_url}")
            print()
        nouns = ("story", "stories") if args.stories else ("result", "results")
        print(f"{len(hits)} {nouns[len(hits) != 1]}", file=sys.stderr)
    return 0


def cmd_stats(args: argparse.Namespace, config: Config) -> int:
    with _open_store(args, config) as store:
        stats = store.stats()
    if args.json:
        print(json.dumps(stats.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(stats.render())
    return 0


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from newswatch.crawl import run_crawl
    from newswatch.mocksite import MockSites
    from storage import Store

    workdir = Path(args.dir or tempfile.mkdtemp(prefix="newswatch-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "demo.db"
    config_path = workdir / "newswatch.toml"
    with MockSites(slow_seconds=1.0) as sites:
        config_path.write_text(sites.config_toml(str(db)), encoding="utf-8")
        demo_config = load_config(config_path)
        print(f"mock sites: newsprime {sites.newsprime_url}, gwangju {sites.gwangju_url}")
        print(f"crawling both into {db} ...", flush=True)
        run_crawl(demo_config, db, demo_config.source_names(), log_level=args.log_level)
    status = _report_crawls(db, demo_config.source_names())
    with Store(db) as store:
        print()
        print(store.stats().render())
        query = "광주 인공지능"
        print(f"\nsearch: {query}")
        for hit in store.search(query, limit=5):
            print(f"  - {hit.title} ({hit.source}, {hit.published_at})\n    {hit.snippet}")
    print(f"\nconfig: {config_path}\nstore:  {db}\n(try: newswatch search AI --db {db}\n"
          f"  or: newswatch search --stories 국제포럼 --db {db})")
    return status


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    import logging

    from newswatch.scheduler import Monitor

    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    monitor = Monitor(config, _db_path(args, config), after_crawl=_alert_hook(config, _db_path(args, config)))
    _add_alert_jobs(monitor, config, _db_path(args, config))
    monitor.run_forever()
    return 0


def _alert_hook(config: Config, db: Path):  # type: ignore[no-untyped-def]
    """Alert work after each crawl: immediate rules, then the outbox."""
    from newswatch.alerts.service import AlertService

    return AlertService(config, db).after_crawl


def _add_alert_jobs(monitor, config: Config, db: Path) -> None:  # type: ignore[no-untyped-def]
    from newswatch.alerts.service import AlertService
    from newswatch.core.config import parse_schedule

    service = AlertService(config, db)
    tz = config.scheduler.timezone
    for rule in config.alerts.rules:
        if rule.mode == "digest":
            schedule = parse_schedule(rule.schedule or config.alerts.digest_schedule, "schedule", tz)
            monitor.add_job(f"digest:{rule.name}", schedule, lambda name=rule.name: service.digest(name))
    monitor.add_job("outbox", parse_schedule(config.scheduler.outbox_interval, "outbox_interval", tz),
                    service.deliver)


def cmd_alerts(args: argparse.Namespace, config: Config) -> int:
    from newswatch.alerts.service import AlertService

    service = AlertService(config, _db_path(args, config))
    if args.action == "list":
        for rule in config.alerts.rules:
            print(f"{rule.name}  [{rule.mode}{', ' + rule.source if rule.source else ''}]  "
                  f"→ {', '.join(rule.recipients) or '(no recipients)'}\n    {rule.query}")
        return 0
    if args.action == "test":
        rule = service.rule(args.rule)
        with _open_store(args, config) as store:
            hits = store.search(rule.query, source=rule.source or None, limit=args.limit)
        for hit in hits:
            print(f"- {hit.title} ({hit.source}, {hit.published_at})\n  {hit.canonical_url}\n  {hit.snippet}")
        print(f"{len(hits)} stored article(s) match {rule.name!r}; nothing was sent", file=sys.stderr)
        return 0
    if args.action == "deliver":
        service.collect(config.alerts.rules)
        report = service.deliver(dry_run=args.dry_run)
        if not args.dry_run:
            print(f"sent {report.sent}, failed {report.failed} (kept queued)")
        return 0 if not report.failed else 1
    return _edit_rules(args, config)


def _edit_rules(args: argparse.Namespace, config: Config) -> int:
    """`alerts add/remove` edit the config file in place (tomlkit keeps the user's comments and layout)."""
    import tomlkit

    path = config.path or Path("newswatch.toml")
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    alerts = document.setdefault("alerts", tomlkit.table())
    rules = alerts.setdefault("rules", tomlkit.aot())
    if args.action == "remove":
        kept = [r for r in rules if r.get("name") != args.rule]
        if len(kept) == len(rules):
            print(f"error: no rule named {args.rule!r} in {path}", file=sys.stderr)
            return 2
        alerts["rules"] = tomlkit.aot()
        for r in kept:
            alerts["rules"].append(r)
    else:
        if any(r.get("name") == args.rule for r in rules):
            print(f"error: a rule named {args.rule!r} exists already in {path}", file=sys.stderr)
            return 2
        rule = tomlkit.table()
        rule["name"], rule["query"], rule["recipients"], rule["mode"] = args.rule, args.query, args.to, args.mode
        if args.source:
            rule["source"] = args.source
        rules.append(rule)
    text = tomlkit.dumps(document)
    path.with_suffix(".toml.tmp").write_text(text, encoding="utf-8")
    try:
        load_config(path.with_suffix(".toml.tmp"))  # refuse to write a config that would not load
    except ConfigError as exc:
        path.with_suffix(".toml.tmp").unlink()
        print(f"error: not saved: {exc}", file=sys.stderr)
        return 2
    path.with_suffix(".toml.tmp").replace(path)
    print(f"{'removed' if args.action == 'remove' else 'added'} rule {args.rule!r} in {path}")
    return 0


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    from datetime import datetime

    from newswatch.core.clock import system_clock
    from newswatch.crawl import enabled_sources
    from newswatch.scheduler import next_run, source_schedule

    now = system_clock.now()
    db = _db_path(args, config)
    with _open_store(args, config) as store:
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
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newswatch", description=__doc__)
    parser.add_argument("--config", help="config file (default: $NEWSWATCH_CONFIG or ./newswatch.toml)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="default: INFO for crawl and run, WARNING for demo")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("crawl", help="crawl the sources into the store")
    p.add_argument("--source", action="append", help="newsprime or gwangju_city (repeatable; default: all enabled)")
    p.add_argument("--db", help="SQLite store (default: the config's store.path)")
    p.add_argument("--backfill", type=int, default=0, metavar="N",
                   help="walk N list pages and fetch every article, ignoring what is stored")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("extract", help="print the Article of a saved page as JSON")
    p.add_argument("--url", required=True, help="the URL the page was fetched from")
    p.add_argument("--content-type", help="the Content-Type header it came with, if known")
    p.add_argument("file")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("search", help="full-text search of the store")
    p.add_argument("query", help='terms (AND), "phrases", OR, NOT / -term, parentheses')
    p.add_argument("--source")
    p.add_argument("--since", help="YYYY-MM-DD or ISO date-time (KST)")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--stories", action="store_true",
                   help="one result per story (a release and its rewrites), listing its other copies")
    p.add_argument("--json", action="store_true")
    p.add_argument("--db")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("stats", help="summarise the store")
    p.add_argument("--json", action="store_true")
    p.add_argument("--db")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("run", help="the monitor daemon: scheduled crawls and alerts (foreground; stop with SIGTERM)")
    p.add_argument("--db")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("status", help="each source's last and next run and its last result")
    p.add_argument("--db")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("alerts", help="alert rules: list, add, remove, test; deliver queued emails")
    p.add_argument("--db")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the configured rules")
    a = actions.add_parser("test", help="which stored articles a rule matches (sends nothing)")
    a.add_argument("rule")
    a.add_argument("--limit", type=int, default=50)
    a = actions.add_parser("add", help="add a rule to the config file")
    a.add_argument("rule")
    a.add_argument("--query", required=True)
    a.add_argument("--to", action="append", required=True, help="recipient (repeatable)")
    a.add_argument("--mode", choices=["immediate", "digest"], default="immediate")
    a.add_argument("--source", choices=SITE_NAMES)
    a = actions.add_parser("remove", help="remove a rule from the config file")
    a.add_argument("rule")
    a = actions.add_parser("deliver", help="queue new matches of every rule and send the outbox")
    a.add_argument("--dry-run", action="store_true", help="print the queued messages instead of sending")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser("demo", help="start the mock sites, crawl them into a fresh store, show what was stored")
    p.add_argument("--dir", help="where to put the demo store and config (default: a new temp dir)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.log_level = args.log_level or ("WARNING" if args.command == "demo" else "INFO")
    try:
        config = load_config(args.config)
        return args.func(args, config)
    except ConfigError as exc:
        print(f"error: config: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"error: store: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
