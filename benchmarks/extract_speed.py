"""Extraction speed and quality per site: newswatch's page objects next to trafilatura, same pages, same run.

Pages: the saved fixture pages under tests/fixtures/<site>/ whose hand-written expected output says they are
articles (drafts saved by `newswatch extract --save-fixture` count once a person has checked them). Speed is
pages/second over several rounds (best round, to damp noise); quality is the share of the expected body
paragraphs found in the output and the number of chrome strings that leaked into it.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/extract_speed.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import trafilatura

from crawler.sites import extract

ROOT = Path(__file__).resolve().parent.parent
SITES = {"newsprime": "newsprime", "gwangju": "gwangju_city"}
CHROME = ["맨 위로", "무단전재", "이 기사를 공유", "글자크기", "프린트", "공공누리", "만족도", "이전글", "다음글",
          "자료관리 담당자", "본문 바로가기", "미리보기"]


def load_pages(folder: str) -> list[tuple[str, bytes, dict]]:
    pages = []
    for expected_file in sorted((ROOT / "tests" / "fixtures" / folder).glob("*.expected.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        html = expected_file.with_name(expected_file.name.replace(".expected.json", ".html"))
        checked = expected.get("checked", True) is True
        if checked and expected.get("recognised", True) and expected.get("body_text") and html.exists():
            pages.append((expected["url"], html.read_bytes(), expected))
    return pages


def best_rate(fn, pages, rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for url, body, _ in pages:
            fn(url, body)
        best = max(best, len(pages) / (time.perf_counter() - start))
    return best


def ours(url: str, body: bytes) -> str:
    return extract(url, body).body_text


def theirs(url: str, body: bytes) -> str:
    return trafilatura.extract(body, url=url, include_comments=False, include_tables=True) or ""


def quality(fn, pages) -> tuple[float, int]:
    found = total = leaks = 0
    for url, body, expected in pages:
        out = fn(url, body)
        paragraphs = [p for p in expected["body_text"].split("\n\n") if p.strip()]
        total += len(paragraphs)
        found += sum(1 for p in paragraphs if " ".join(p.split()) in " ".join(out.split()))
        leaks += sum(out.count(c) for c in CHROME)
    return (found / total if total else 0.0), leaks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, trafilatura {trafilatura.__version__}, rounds {args.rounds}")
    print("| site | pages | newswatch pages/s | trafilatura pages/s | speed ratio | body recall (nw / traf) "
          "| chrome leaks (nw / traf) |")
    print("|---|---|---|---|---|---|---|")
    for folder, site in SITES.items():
        pages = load_pages(folder)
        if not pages:
            print(f"| {site} | 0 | - | - | - | - | - |")
            continue
        nw, tr = best_rate(ours, pages, args.rounds), best_rate(theirs, pages, args.rounds)
        (nw_recall, nw_leaks), (tr_recall, tr_leaks) = quality(ours, pages), quality(theirs, pages)
        print(f"| {site} | {len(pages)} | {nw:,.0f} | {tr:,.0f} | {nw / tr:.1f}× | "
              f"{nw_recall:.0%} / {tr_recall:.0%} | {nw_leaks} / {tr_leaks} |")


if __name__ == "__main__":
    main()
