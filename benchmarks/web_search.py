"""The search page of `newswatch serve` over HTTP on a store of 100,000 synthetic Korean articles.

Builds the store with the 1M search benchmark's generator (benchmarks/search_1m.py: same schema and tokeniser,
titles and bodies from a small vocabulary, so common terms match a large share), gives it stories (every tenth
article a copy of the one before, every fiftieth a third copy), starts `newswatch serve` on it in a child
process, and requests /-/search pages (HTML, with facets, as a browser gets them) for the 1M benchmark's queries
plus the page's own options: stories grouping, a source facet and a month facet. Reports median and p95 per
query and the p95 over all requests (one client, sequential: the latency one reader sees).

    .venv/bin/python benchmarks/web_search.py [--db bench-data/web_100k.db] [--articles 100000] [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_1m import QUERIES, build  # noqa: E402  (the sibling benchmark's generator)

from storage import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGE_OPTIONS = [
    ("stories grouping", "광주 인공지능", {"stories": "1"}),
    ("source facet followed", "광주 인공지능", {"source": "gwangju_city"}),
    ("month facet followed", "광주 인공지능", {"month": "2024-05"}),
    ("story-size facet followed", "광주 인공지능", {"size": "2"}),
]


def add_stories(path: Path) -> None:
    """story_id for every article: its own, or (every 10th and 50th) the story of the article before it."""
    import sqlite3

    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE articles SET story_id = id WHERE story_id IS NULL")
        conn.execute("UPDATE articles SET story_id = id - 1 WHERE id % 10 = 0")
        conn.execute("UPDATE articles SET story_id = id - 2 WHERE id % 50 = 1 AND id > 50")
    conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - started) * 1000


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def store_times(store: Store, query: str, options: dict[str, str], runs: int) -> list[float]:
    """The same search through Store.search in this process (what the page reuses), for cases the CLI has."""
    if set(options) - {"source", "since", "stories"}:
        return []
    search = store.search_stories if options.get("stories") else store.search
    kw = {k: v for k, v in options.items() if k != "stories"}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        search(query, limit=20, **kw)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="bench-data/web_100k.db")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    path = Path(args.db)
    started = time.perf_counter()
    build(path, args.articles)
    add_stories(path)
    print(f"store ready in {time.perf_counter() - started:,.0f} s")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "serve", "--db", str(path.resolve()),
                               "--port", str(port)], cwd=path.parent,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    base = f"http://127.0.0.1:{port}/-/search?"
    try:
        for _ in range(100):
            try:
                get(base)
                break
            except OSError:
                time.sleep(0.2)
        cases = [(kind, query, {k: str(v) for k, v in kw.items()}) for kind, query, kw in QUERIES] + PAGE_OPTIONS
        for _, query, kw in cases:  # warm the page cache once, as a running server has it
            get(base + urlencode({"q": query, **kw}))
        every: list[float] = []
        results = []
        print("| query | kind | page median ms | page p95 ms | Store.search alone: median / p95 ms |\n"
              "|---|---|---|---|---|")
        with Store(path, must_exist=True) as store:
            for kind, query, kw in cases:
                times = [get(base + urlencode({"q": query, **kw})) for _ in range(args.runs)]
                every += times
                alone = store_times(store, query, kw, args.runs)
                results.append({"kind": kind, "query": query, "options": kw, "median_ms": statistics.median(times),
                                "p95_ms": p95(times), "store_search_ms": alone})
                print(f"| `{query}` {kw or ''} | {kind} | {statistics.median(times):,.0f} | {p95(times):,.0f} | "
                      + (f"{statistics.median(alone):,.0f} / {p95(alone):,.0f} |" if alone else "– |"), flush=True)
        print(f"all {len(every)} requests: median {statistics.median(every):,.0f} ms, p95 {p95(every):,.0f} ms "
              f"(load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        Path(str(path) + ".web-results.json").write_text(json.dumps(
            {"results": results, "p95_ms": p95(every), "median_ms": statistics.median(every)}, indent=1))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
