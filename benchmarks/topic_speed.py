"""How long a topic takes to classify one article: median and p95 ms per article over the development items,
after a warm-up pass; loading the topic file and loading Kiwi are timed separately (both happen once per process).

    .venv/bin/python benchmarks/topic_speed.py --corpus /path/to/topic_corpus [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswatch.text import korean  # noqa: E402
from newswatch.topics import load_topic  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--topic", default="gwangju-ai")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    items = []
    for name in ("dev_a.jsonl", "dev_b.jsonl", "dev_e.jsonl"):
        with open(args.corpus / name, encoding="utf-8") as f:
            items += [json.loads(line) for line in f if line.strip()]

    t0 = time.perf_counter()
    topic = load_topic(args.topic)
    topic_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    korean.analyser()
    kiwi_ms = (time.perf_counter() - t0) * 1000

    def classify(it: dict) -> None:
        topic.classify(it["title"], it["body"], it.get("subtitle"), it.get("published_at"))

    for it in items:  # warm-up
        classify(it)
    times = []
    for _ in range(args.rounds):
        korean._cache.clear()  # measure the analyser's real work each round, not the sentence cache
        for it in items:
            t0 = time.perf_counter()
            classify(it)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    chars = statistics.median(len(it["title"]) + len(it["body"]) for it in items)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{platform.python_implementation()} {platform.python_version()}, {len(items)} articles × {args.rounds} "
          f"rounds, median article {chars:.0f} characters")
    print(f"load topic file: {topic_ms:.0f} ms; load Kiwi: {kiwi_ms:.0f} ms (once per process)")
    print(f"classify: median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms per article")

    # Real newsprime articles run to ~2,400 characters; the corpus items are shorter. Long articles made by
    # joining six consecutive dev bodies under the first title show how the cost grows with length.
    long_items = [{"title": items[i]["title"], "body": "\n\n".join(it["body"] for it in items[i:i + 6])}
                  for i in range(0, len(items) - 6, 6)]
    long_times = []
    for _ in range(args.rounds):
        korean._cache.clear()
        for it in long_items:
            t0 = time.perf_counter()
            classify(it)
            long_times.append((time.perf_counter() - t0) * 1000)
    long_times.sort()
    long_chars = statistics.median(len(it["body"]) for it in long_items)
    print(f"long articles (median {long_chars:.0f} characters): median {statistics.median(long_times):.2f} ms, "
          f"p95 {long_times[int(0.95 * (len(long_times) - 1))]:.2f} ms")


if __name__ == "__main__":
    main()
