"""The newswatch command: crawl, search, stats, extract, the monitor daemon, alerts and an offline demo.

Each command lives in its own module with an ``add_parser``; heavy imports (Scrapy, sqlite-utils, Kiwi) happen
inside the commands, so ``newswatch --help`` and ``newswatch search`` start fast. Known failures (the
NewswatchError family) become one line on stderr with their exit code; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from newswatch.cli import alerts, crawl, demo, extract, monitor, search, serve
from newswatch.cli.common import store_option
from newswatch.core.errors import NewswatchError

COMMANDS = (crawl, search, extract, monitor, alerts, demo, serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newswatch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="config file (default: $NEWSWATCH_CONFIG or ./newswatch.toml)")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="logging to stderr (default: INFO for run, WARNING otherwise; Scrapy's own at WARNING)")
    sub = parser.add_subparsers(dest="command", required=True)
    parents = [store_option()]
    for command in COMMANDS:
        command.add_parser(sub, parents)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `newswatch search … | head` ends quietly, as Unix tools do
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    try:
        from crawler.sites import load_config

        config = load_config(args.config)
        return args.func(args, config)
    except NewswatchError as exc:
        print(f"error: {exc.label}: {exc}", file=sys.stderr)
        return exc.exit_code
