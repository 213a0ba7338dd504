"""`newswatch demo`: the mock sites on loopback, crawled into a fresh store, and what was stored — offline."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from newswatch.core.config import Config


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="start the mock sites, crawl them into a fresh store, show what was stored")
    p.add_argument("--dir", help="where to put the demo store and config (default: a new temp dir)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from crawler.sites import load_config
    from newswatch.cli.crawl import report
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
        outcomes = run_crawl(demo_config, db, demo_config.source_names(), log_level=args.log_level or "WARNING")
    status = report(outcomes)
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
