"""How fast the CLI starts and answers, and what a crawl costs beyond Scrapy itself (issue 12).

1. `newswatch --help` and `newswatch search QUERY --db STORE` on a store of 100,000 synthetic articles (built by
   benchmarks/search_1m.py's generator), beside the sqlite3 shell running the same FTS query on the same store:
   wall time per run (median and best of N), and CPU (user + sys) per run.
2. Crawl CPU: `newswatch crawl` of the mock sites (a 600-article newsprime catalogue of varied synthetic Korean
   text and the Gwangju boards, every list page up to max_pages and every article) beside a bare Scrapy crawl
   of exactly the same URLs (the mock server's log of the first crawl) that parses nothing and stores nothing,
   in the same run: CPU seconds of each child process and the ratio; then the same for a poll after five new
   articles (the crawl the daemon runs every half hour: `--quiet --no-health`, as the daemon starts it).

    .venv/bin/python benchmarks/cli_speed.py [--store bench-data/cli_100k.db] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from newswatch.core.clock import KST  # noqa: E402
from newswatch.core.query import compile_query  # noqa: E402
from newswatch.mocksite import MockArticle, MockSites  # noqa: E402

QUERY = "광주 인공지능"
ENV = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "")}

BARE_SPIDER = '''
import sys, scrapy
from scrapy.crawler import CrawlerProcess
urls = open(sys.argv[1]).read().split()
class Bare(scrapy.Spider):
    name = "bare"
    async def start(self):
        for url in urls:
            yield scrapy.Request(url, dont_filter=True)
    def parse(self, response):
        pass
process = CrawlerProcess({"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
                          "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "COOKIES_ENABLED": False,
                          "TELNETCONSOLE_ENABLED": False, "RETRY_ENABLED": False})
process.crawl(Bare)
process.start()
'''


def timed(argv: list[str], runs: int) -> tuple[float, float, float]:
    """(median wall s, best wall s, median CPU s) of ``runs`` runs of a command."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def cpu_of(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def cli(store: Path, runs: int) -> None:
    if not store.exists():
        from search_1m import build

        store.parent.mkdir(parents=True, exist_ok=True)
        build(store, 100_000)
    newswatch = [sys.executable, "-m", "newswatch.cli"]
    match = compile_query(QUERY).match.replace("'", "''")
    sql = (f"SELECT a.id, a.title FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
           f"WHERE articles_fts MATCH '{match}' AND a.duplicate_of IS NULL "
           f"ORDER BY bm25(articles_fts, 5.0, 1.0), a.published_at DESC LIMIT 20")
    rows = [("`newswatch --help`", timed([*newswatch, "--help"], runs)),
            (f"`newswatch search '{QUERY}'`", timed([*newswatch, "search", QUERY, "--db", str(store)], runs))]
    if shutil.which("sqlite3"):
        rows.append(("`sqlite3` shell, the same FTS query", timed(["sqlite3", str(store), sql], runs)))
    print(f"\n100,000-article store {store} ({store.stat().st_size / 1e6:.0f} MB), {runs} runs each")
    print("| command | median wall s | best wall s | median CPU s |\n|---|---|---|---|")
    for label, (median, best, cpu) in rows:
        print(f"| {label} | {median:.3f} | {best:.3f} | {cpu:.3f} |")


def crawl_cpu() -> None:
    import random

    from story_insert import sentence, vocabulary  # the story benchmark's Korean-like text generator

    rng = random.Random(20261127)
    words = vocabulary(rng)
    now = datetime.now(KST)
    catalogue = [MockArticle(720000 + i, sentence(rng, words)[:40],
                             ["[프라임경제] " + " ".join(sentence(rng, words) for _ in range(3)) for _ in range(5)],
                             now - timedelta(minutes=15 * (600 - i)), section=110 + i % 8) for i in range(600)]
    work = Path(tempfile.mkdtemp(prefix="newswatch-cpu-"))
    (work / "bare.py").write_text(BARE_SPIDER, encoding="utf-8")
    rows = []
    with MockSites(newsprime=catalogue, faulty_links=False, slow_seconds=0.1) as sites:
        config = work / "newswatch.toml"
        config.write_text(sites.config_toml(str(work / "c.db"), max_pages=20), encoding="utf-8")
        crawl = [sys.executable, "-m", "newswatch.cli", "--config", str(config), "crawl", "--quiet", "--no-health"]
        for label in ("first crawl: every list page and article", "poll after 5 new articles"):
            if label.startswith("poll"):
                subprocess.run(crawl, cwd=ROOT, env=ENV, capture_output=True, check=False)  # frontiers, feed
                for i in range(5):
                    sites.publish_newsprime(MockArticle(721000 + i, sentence(rng, words)[:40],
                                                        ["[프라임경제] " + sentence(rng, words)] * 3,
                                                        datetime.now(KST), section=111))
            sites.clear_log()
            ours = cpu_of(crawl)
            urls = [f"{sites.newsprime_url if r.site == 'newsprime' else sites.gwangju_url}{r.path}"
                    for r in sites.requests() if r.path != "/robots.txt"]
            (work / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
            bare = cpu_of([sys.executable, str(work / "bare.py"), str(work / "urls.txt")])
            rows.append((label, len(urls), bare, ours))
    print("\nCrawl CPU (user + sys of the crawl process), newswatch beside a bare Scrapy crawl of the same URLs")
    print("| crawl | pages | bare Scrapy CPU s | newswatch CPU s | ratio |\n|---|---|---|---|---|")
    for label, pages, bare, ours in rows:
        print(f"| {label} | {pages} | {bare:.2f} | {ours:.2f} | {ours / bare:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "bench-data" / "cli_100k.db")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"measured {datetime.now(KST):%Y-%m-%d %H:%M} KST, load average {os.getloadavg()[0]:.1f}")
    cli(args.store, args.runs)
    crawl_cpu()


if __name__ == "__main__":
    main()
