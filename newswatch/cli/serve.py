"""`newswatch serve`: browse and search the store in a browser (Datasette with the newswatch plugin), read-only."""

from __future__ import annotations

import argparse
import sys

from newswatch.cli.common import db_path
from newswatch.core.config import Config


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", parents=parents,
                       help="browse the store in a browser: Korean search, article and story pages, Atom feeds")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; anything else is public)")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--allow-sql", action="store_true",
                   help="let visitors run their own SELECT queries (off by default; canned queries always work)")
    p.set_defaults(func=serve)


def serve(args: argparse.Namespace, config: Config) -> int:
    from newswatch.web.app import LOCAL_HOSTS, make_datasette

    path = db_path(args, config)
    datasette = make_datasette(path, config, allow_sql=args.allow_sql)
    if args.host not in LOCAL_HOSTS:
        print(f"warning: serving on {args.host}: anyone who can reach this address can read the whole store "
              f"(there is no login){' and run SQL on it' if args.allow_sql else ''}", file=sys.stderr)
    import uvicorn

    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"newswatch: serving {path} at http://{host}:{args.port}/{path.stem} — search: "
          f"http://{host}:{args.port}/-/search (Ctrl-C stops)", file=sys.stderr, flush=True)
    uvicorn.run(datasette.app(), host=args.host, port=args.port, log_level="warning", lifespan="on")
    return 0
