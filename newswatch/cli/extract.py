"""`newswatch extract`: the Article of a saved page, as JSON (what the page objects make of it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from newswatch.core.config import Config
from newswatch.core.errors import UsageError


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("extract", help="print the Article of a saved page as JSON")
    p.add_argument("--url", required=True, help="the URL the page was fetched from")
    p.add_argument("--content-type", help="the Content-Type header it came with, if known")
    p.add_argument("file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    """Exit 0 for a recognised article, 1 for a page that is not one (its problems say why)."""
    from crawler.sites import extract

    try:
        body = Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    try:
        article = extract(args.url, body, args.content_type)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(article.to_json(indent=2))
    return 0 if article.recognised else 1
