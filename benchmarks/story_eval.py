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
    def read(name: str) -> list[dict[str, Any]]:
        lines = (PAIRS / part / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

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


def traced(articles: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, float], float]]:
    """Every second-stage comparison the store makes while saving these articles (none of them joining by it)."""
    from storage import storymatch

    ordered = sorted(articles, key=lambda a: (a["published_at"], a["id"]))
    saved_threshold = storymatch.THRESHOLD
    storymatch.THRESHOLD = 2.0  # score everything, join nothing by the second stage
    try:
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "fit.db") as store:
            store.stories.trace = []
            name = {store.save_article(to_article(item)).article_id: item["id"] for item in ordered}
            return [(name[a], name[b], values, s) for a, b, values, s in store.stories.trace]
    finally:
        storymatch.THRESHOLD = saved_threshold


def logistic(x: Any, y: Any, l2: float) -> tuple[Any, float]:
    """Weights and intercept of an L2-regularised logistic regression (Newton steps; x standardised inside)."""
    import numpy as np

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2
    penalty[0, 0] = 0
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + penalty @ w
        hess = z.T @ (z * (p * (1 - p))[:, None]) + penalty
        w -= np.linalg.solve(hess, grad)
    weights = w[1:] / scale
    return weights, float(w[0] - (weights * mean).sum())


def fit(articles: list[dict[str, Any]], pairs: list[dict[str, Any]], l2: float) -> None:
    """Fit the second stage's model on dev comparisons and show how it separates (leave-one-event-out too)."""
    import numpy as np

    from storage import storymatch
    from storage.stories import story_text
    from storage.storytext import shingles

    event = {a["id"]: a["event"] for a in articles}
    rows = traced(articles)
    # labelled different-event pairs of two sources the store did not compare (published weeks apart) are what
    # the model most needs to learn: compare them as the store would if they met in one window. Pairs of one
    # source are left out: the second stage never compares them (a source's own articles: first stage only)
    compared = {frozenset(r[:2]) for r in rows}
    by_id = {a["id"]: a for a in articles}
    extra = 0
    for p in pairs:
        if p["same"] or frozenset((p["a"], p["b"])) in compared or by_id[p["a"]]["source"] == by_id[p["b"]]["source"]:
            continue
        a, b = to_article(by_id[p["a"]]), to_article(by_id[p["b"]])
        mine = storymatch.profile(a.title, story_text(a), a.published_at)
        theirs = storymatch.profile(b.title, story_text(b), b.published_at)
        mine_grams, their_grams = shingles(story_text(a)), shingles(story_text(b))
        share = len(mine_grams & their_grams) / max(min(len(mine_grams), len(their_grams)), 1)
        values = storymatch.features(share, mine, theirs)
        rows.append((p["a"], p["b"], values, storymatch.score(values)))
        extra += 1
    print(f"{extra} labelled different-event pairs the store did not compare added")
    names = list(storymatch.WEIGHTS)
    x = np.array([[r[2][n] for n in names] for r in rows])
    y = np.array([float(event[r[0]] == event[r[1]]) for r in rows])
    print(f"{len(rows)} second-stage comparisons on dev: {int(y.sum())} same event, {int(len(y) - y.sum())} not")
    # evidence counts for, conflicts against: a feature whose fitted sign says otherwise is left out (weight 0)
    against = {"title_conflict", "date_conflict", "opinion"}
    used = list(range(len(names)))
    while True:
        w, intercept = logistic(x[:, used], y, l2)
        wrong = [i for i, wi in zip(used, w, strict=True) if (wi > 0) == (names[i] in against) and abs(wi) > 1e-9]
        if not wrong:
            break
        used.remove(max(wrong, key=lambda i: abs(w[used.index(i)])))
    weights = np.zeros(len(names))
    weights[used] = w
    print("WEIGHTS = {" + ", ".join(f'"{n}": {w:.3f}' for n, w in zip(names, weights, strict=True)) + "}")
    print(f"INTERCEPT = {intercept:.3f}")
    scores = 1 / (1 + np.exp(-(x @ weights + intercept)))
    held = np.zeros(len(rows))
    groups = sorted({event[r[0]] for r in rows} | {event[r[1]] for r in rows})
    for g in groups:  # leave one event out: neither article of a pair from it in the fit
        out = np.array([event[r[0]] == g or event[r[1]] == g for r in rows])
        if out.all() or not out.any() or y[~out].min() == y[~out].max():
            continue
        w, b = logistic(x[~out][:, used], y[~out], l2)
        held[out] = np.maximum(held[out], 1 / (1 + np.exp(-(x[out][:, used] @ w + b))))
    for i in np.argsort(-scores * (y == 0))[:4]:
        print(f"  top different-event pair {rows[i][0]} ~ {rows[i][1]}: {scores[i]:.3f}")
    for i in np.argsort(scores + (y == 0) * 9)[:4]:
        print(f"  lowest same-event pair {rows[i][0]} ~ {rows[i][1]}: {scores[i]:.3f} "
              + " ".join(f"{n}={x[i, j]:.2f}" for j, n in enumerate(names)))
    for label, s in (("fitted", scores), ("left out", held)):
        neg, pos = np.sort(s[y == 0])[::-1], np.sort(s[y == 1])
        print(f"{label}: highest 5 different-event scores {np.round(neg[:5], 3).tolist()}; "
              f"lowest 5 same-event {np.round(pos[:5], 3).tolist()}")


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
    parser.add_argument("--fit", action="store_true", help="fit the second stage's model on dev and print it")
    parser.add_argument("--l2", type=float, default=1.0)
    args = parser.parse_args()
    if args.errors and args.part != "dev":
        parser.error("--errors is for dev only: held-out errors are never looked at")
    articles, pairs = load(args.part)
    if args.fit:
        if args.part != "dev":
            parser.error("--fit is for dev only")
        fit(articles, pairs, args.l2)
        return
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
