"""`newswatch search` and `newswatch stats`: reading the store (never creating one)."""

from __future__ import annotations

import argparse
import json
import sys

from newswatch.cli.common import highlight_markers, open_store
from newswatch.core.config import Config


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    from crawler.sites import SITE_NAMES

    p = sub.add_parser("search", parents=parents, help="full-text search of the store")
    p.add_argument("query", help='terms (AND), "phrases", OR, NOT / -term, parentheses')
    p.add_argument("--source", choices=SITE_NAMES)
    p.add_argument("--since", help="YYYY-MM-DD or ISO date-time (KST)")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--stories", action="store_true",
                   help="one result per story (a release and its rewrites), listing its other copies")
    p.add_argument("--why", action="store_true", help="with --stories: why each copy is in the story")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=search)

    p = sub.add_parser("stats", parents=parents, help="summarise the store")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=stats)


def search(args: argparse.Namespace, config: Config) -> int:
    from crawler.sites import label

    with open_store(args, config) as store:
        if args.stories:
            stories = store.search_stories(args.query, source=args.source, since=args.since, limit=args.limit)
            hits = [s.hit for s in stories]
        else:
            hits = store.search(args.query, source=args.source, since=args.since, limit=args.limit)
        if args.json:
            rows = [h.to_dict() for h in (stories if args.stories else hits)]
            if args.stories and args.why:
                for row, story in zip(rows, stories, strict=True):
                    for copy, member in zip(row["copies"], story.copies, strict=True):
                        copy["why"] = store.stories.why(member.article_id, label)
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return 0
        start, end = highlight_markers()
        for i, hit in enumerate(hits, 1):
            snippet = hit.snippet.replace("[", start).replace("]", end) if start != "[" else hit.snippet
            print(f"{i:>3}. {hit.title}\n     {label(hit.source)} · {hit.published_at or '-'} · {hit.canonical_url}\n"
                  f"     {snippet}")
            for copy in stories[i - 1].copies if args.stories else []:
                print(f"     + {label(copy.source)} · {copy.published_at or '-'} · {copy.title} · {copy.canonical_url}")
                if args.why:
                    print(f"       ({store.stories.why(copy.article_id, label)})")
            print()
        nouns = ("story", "stories") if args.stories else ("result", "results")
        print(f"{len(hits)} {nouns[len(hits) != 1]}", file=sys.stderr)
    return 0


def stats(args: argparse.Namespace, config: Config) -> int:
    with open_store(args, config) as store:
        summary = store.stats()
    print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) if args.json else summary.render())
    return 0
