"""Polling cost against a busy mock site: requests per poll, counted from the mock server's log (issue 9).

newsprime's mock carries 1,500 articles published over 15 days (100 a day, every 14.4 minutes, all in section
64; three more come due for a re-check while the polls run) and the Gwangju boards 300 releases (20 a day).
After a first crawl (max_pages 3) and one poll that finds the lists' frontiers, each measured poll runs
`newswatch crawl` in a child process, as the daemon does:
- no-change polls (nothing published since the last poll);
- polls after k new articles on newsprime (k = 1, 3, 10) and one new release on each board.
The claim: ≤ 3 requests per source when nothing changed (robots.txt included), and ≤ 3 + k + the re-checks due
after k new articles. Re-checks due are read from the crawl's stats.

    .venv/bin/python benchmarks/polling_cost.py [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswatch.core.clock import KST  # noqa: E402
from newswatch.mocksite import MockArticle, MockRelease, MockSites  # noqa: E402
from storage import Store  # noqa: E402

PER_DAY, DAYS = 100, 15


def catalogue(now: datetime) -> tuple[list[MockArticle], list[MockRelease]]:
    step = timedelta(days=1) / PER_DAY
    articles = [MockArticle(700000 + i, f"지역 소식 {i}호: 광주 남구 생활 정보",
                            [f"[프라임경제] {i}번째 기사의 본문이다. 내용 {i * 31}."],
                            now - step * (PER_DAY * DAYS - i), section=110 + i % 8)
                for i in range(PER_DAY * DAYS)]
    # three articles whose 1 h and 3 h re-checks come due while the polls run (they count in the bound)
    articles += [MockArticle(699990 + i, f"곧 다시 볼 기사 {i}", [f"[프라임경제] 재확인 대상 {i}."],
                             now - timedelta(hours=hours) + timedelta(seconds=8 + 4 * i), section=111)
                 for i, hours in enumerate((1, 1, 3))]
    release_step = timedelta(days=1) / 20
    releases = [MockRelease(30000 + i, f"보도자료 {i}호", [f"광주광역시는 {i}번째 보도자료를 냈다. <끝>"],
                            now - release_step * (20 * DAYS - i), board="BD_0000000027" if i % 4 else "JG_0000000003")
                for i in range(20 * DAYS)]
    return articles, releases


def crawl(config: Path, db: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "newswatch.cli", "--config", str(config), "crawl", "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    if done.returncode != 0:
        raise SystemExit(f"crawl failed: {done.stderr[-2000:]}")
    with Store(db) as store:
        return {s: store.crawl_stats(store.crawls(s, limit=1)[0].id) for s in ("newsprime", "gwangju_city")}


def counts(sites: MockSites) -> dict[str, Counter]:
    out: dict[str, Counter] = {"newsprime": Counter(), "gwangju": Counter()}
    for r in sites.requests():
        kind = ("robots" if r.path == "/robots.txt" else "feed" if "rss" in r.path else
                "list" if "list" in r.path.lower() else "article")
        out[r.site][kind] += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="newswatch-polling-"))
    work.mkdir(parents=True, exist_ok=True)
    now = datetime.now(KST)
    articles, releases = catalogue(now)
    rows = []
    with MockSites(newsprime=articles, gwangju=releases, faulty_links=False, slow_seconds=0.1) as sites:
        db, config = work / "poll.db", work / "newswatch.toml"
        config.write_text(sites.config_toml(str(db), max_pages=3), encoding="utf-8")
        crawl(config, db)
        first = counts(sites)
        rows.append(("first crawl (empty store)", first, {}, 0))
        sites.clear_log()
        crawl(config, db)  # finds the frontiers and remembers the feed
        sites.clear_log()
        next_no, next_seq = 700000 + PER_DAY * DAYS, 30000 + 20 * DAYS
        for label, k in [("no change", 0), ("no change", 0), ("1 new article", 1), ("no change", 0),
                         ("3 new articles", 3), ("10 new articles", 10), ("no change", 0)]:
            published = datetime.now(KST)
            for i in range(k):
                sites.publish_newsprime(MockArticle(next_no, f"새 기사 {next_no}", [f"[프라임경제] 새 기사 {next_no}."],
                                                    published + timedelta(seconds=i), section=111))
                next_no += 1
            if k:
                for board in ("BD_0000000027", "JG_0000000003"):
                    sites.publish_gwangju(MockRelease(next_seq, f"새 보도자료 {next_seq}", ["새 보도자료다. <끝>"],
                                                      published, board=board))
                    next_seq += 1
            stats = crawl(config, db)
            rows.append((label, counts(sites), stats, k))
            sites.clear_log()
    print("| poll | newsprime requests (robots / feed / list / article) | re-checks due | bound 3 + k + due "
          "| gwangju requests (robots / list / article) | bound |")
    print("|---|---|---|---|---|---|")
    for label, c, stats, k in rows:
        n, g = c["newsprime"], c["gwangju"]
        due = int((stats.get("newsprime") or {}).get("newswatch/rechecks_due", 0))
        g_new = 2 if k else 0
        print(f"| {label} | {sum(n.values())} ({n['robots']} / {n['feed']} / {n['list']} / {n['article']}) | {due} | "
              f"{'-' if not stats else 3 + k + due} | {sum(g.values())} ({g['robots']} / {g['list']} / {g['article']}) "
              f"| {'-' if not stats else 3 + g_new} |")
    (work / "polling.json").write_text(json.dumps([(r[0], {s: dict(c) for s, c in r[1].items()}, r[3]) for r in rows],
                                                  ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
