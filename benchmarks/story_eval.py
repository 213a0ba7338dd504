"""Story grouping quality on labelled pairs: does the store put one event's articles in one story, and only them?

Each part of the labelled set (``benchmarks/story_pairs/{dev,heldout}``: articles.jsonl, pairs.jsonl) is saved
into a fresh real Store (``Store.save_article``) in publication order, then every labelled pair is checked: did
both articles end in the same story? Pair precision and recall are reported overall and per rewrite level, and
for each kind of hard negative how many pairs were wrongly joined. ``--stage`` picks the first stage alone
(shingles only, the grouping before the second stage existed), the full two-stage grouping, or both.

The held-out part is for the final figures only: tune on dev. For held-out the script prints aggregate figures,
never items or per-pair errors, and appends a line to ``benchmarks/story_pairs/heldout_runs.txt`` so the number of
held-out runs stays on record.

    .venv/bin/python benchmarks/story_eval.py --part dev [--stage both] [--errors]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from newswatch.core.article import Article
from newswatch.core.clock import KST, FixedClock
from storage import Store

PAIRS = Path(__file__).parent / "story_pairs"
POSITIVE = ("light", "medium", "heavy", "republish")


def load(part: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    folder = PAIRS / part
    read = lambda name: [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()
                         if line.strip()]  # noqa: E731
    return read("articles.jsonl"), read("pairs.jsonl")


def to_article(item: dict[str, Any]) -> Article:
    url = f"https://eval.invalid/{item['source']}/{item['id']}"
    return Article(source=item["source"], source_id=item["id"], canonical_url=url, url=url, title=item["title"],
                   subtitle=item.get("subtitle"), body_text=item["body"], published_at=item["published_at"])


def group(articles: list[dict[str, Any]], *, second_stage: bool) -> tuple[dict[str, int], list[float]]:
    """Save the articles in publication order into a fresh store; each article's final story id and save times."""
    ordered = sorted(articles, key=lambda a: (a["published_at"], a["id"]))
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(datetime(2027, 1, 1, tzinfo=KST))
        with Store(Path(tmp) / "eval.db", clock=clock) as store:
            store.stories.second_stage = second_stage
            ids, times = {}, []
            for item in ordered:
                started = time.perf_counter()
                ids[item["id"]] = store.save_article(to_article(item)).article_id
                times.append((time.perf_counter() - started) * 1000)
            story = dict(store.conn.execute("SELECT id, coalesce(story_id, id) FROM articles").fetchall())
            return {name: story[i] for name, i in ids.items()}, times


def score(pairs: list[dict[str, Any]], story: dict[str, int]) -> dict[str, Any]:
    """Pair precision/recall overall, recall per positive level, false joins per negative kind."""
    levels: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # level: [joined, pairs]
    tp = fp = fn = 0
    errors = []
    for p in pairs:
        joined = story[p["a"]] == story[p["b"]]
        levels[p["level"]][0] += joined
        levels[p["level"]][1] += 1
        if p["same"] and joined:
            tp += 1
        elif p["same"]:
            fn += 1
            errors.append(("missed", p))
        elif joined:
            fp += 1
            errors.append(("false join", p))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn,
            "levels": {k: tuple(v) for k, v in sorted(levels.items())}, "errors": errors}


def report(name: str, result: dict[str, Any], times: list[float]) -> str:
    times = sorted(times)
    lines = [f"## {name}: precision {result['precision']:.3f} ({result['tp']}/{result['tp'] + result['fp']}), "
             f"recall {result['recall']:.3f} ({result['tp']}/{result['tp'] + result['fn']}); "
             f"save median {times[len(times) // 2]:.1f} ms, p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms"]
    for level, (joined, total) in result["levels"].items():
        what = "recall" if level in POSITIVE else "wrongly joined"
        lines.append(f"  {level:16s} {what:15s} {joined}/{total}" + (f" = {joined / total:.2f}" if total else ""))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("dev", "heldout"), default="dev")
    parser.add_argument("--stage", choices=("first", "full", "both"), default="both")
    parser.add_argument("--errors", action="store_true", help="list the wrong pairs (dev only)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.errors and args.part != "dev":
        parser.error("--errors is for dev only: held-out errors are never looked at")
    articles, pairs = load(args.part)
    print(f"{args.part}: {len(articles)} articles, {len(pairs)} pairs "
          f"({sum(p['same'] for p in pairs)} same event, {sum(not p['same'] for p in pairs)} different)")
    out = {}
    stages = {"first": [False], "full": [True], "both": [False, True]}[args.stage]
    for second in stages:
        name = "two stages" if second else "first stage only"
        story, times = group(articles, second_stage=second)
        result = score(pairs, story)
        print(report(name, result, times))
        if args.errors:
            for kind, p in result["errors"]:
                print(f"    {kind}: {p['a']} ~ {p['b']} [{p['level']}, kept {p['kept']}] {p['note']}")
        out[name] = {k: v for k, v in result.items() if k != "errors"}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    if args.part == "heldout":
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        summary = "; ".join(f"{k}: P {v['precision']:.3f} R {v['recall']:.3f}" for k, v in out.items())
        with (PAIRS / "heldout_runs.txt").open("a", encoding="utf-8") as log:
            log.write(f"{datetime.now(KST).isoformat(timespec='seconds')} commit {commit} stage {args.stage}: "
                      f"{summary}\n")


if __name__ == "__main__":
    main()
