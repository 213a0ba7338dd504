"""Learn a topic's scorer weights (logistic regression over its explainable features) on the development corpus.

Only the development parts are read (dev_a, dev_b, dev_e: three writers). Briefings are multiple-instance: a
relevant briefing contributes the item the current weights find most relevant; every item of an irrelevant
briefing is a negative. Regularisation (L2) keeps weights small and readable; it is chosen by leave-one-writer-out
checks (learn on two writers, test on the third, for each writer), which also show whether learning beats the
topic file's current weights at all.

    .venv/bin/python benchmarks/topic_train.py --corpus DIR            # report only
    .venv/bin/python benchmarks/topic_train.py --corpus DIR --write    # store the weights in the topic file
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswatch.topics import load_topic  # noqa: E402
from newswatch.topics.spec import FEATURES  # noqa: E402
from newswatch.topics.topic import Topic, topic_path  # noqa: E402

# Where learning starts (the hand-set weights the topic shipped with before any learning): gradient descent
# from here, with L2 and a fixed number of steps, so rerunning --write gives the same weights.
PRIOR_BIAS = -6.0
PRIOR = {"place": 1.2, "rival": -1.5, "subject": 1.0, "other_sense": -0.5, "head": 2.5, "cooccur": 1.5,
         "subject_spread": 2.5, "place_spread": 1.0, "elsewhere": -0.4, "elsewhere_head": -1.2, "against": -1.5,
         "actor": 1.0}
WRITERS = ("dev_a", "dev_b", "dev_e")


def load(corpus: Path, name: str) -> list[dict]:
    with open(corpus / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def unit_rows(topic: Topic, items: list[dict]) -> list[tuple[np.ndarray, int]]:
    """(features of every unit, label) per item."""
    rows = []
    for it in items:
        scored, _ = topic.score_units(it["title"], it["body"], it.get("subtitle"), it.get("published_at"))
        rows.append((np.array([[s.features[k] for k in FEATURES] for s in scored]), int(it["label"])))
    return rows


def fit(rows: list[tuple[np.ndarray, int]], w: np.ndarray, b: float, l2: float,
        rounds: int = 3, steps: int = 3000, lr: float = 0.1) -> tuple[np.ndarray, float]:
    for _ in range(rounds):  # re-pick each relevant briefing's best item with the current weights
        xs, ys = [], []
        for units, y in rows:
            if y:
                xs.append(units[int(np.argmax(units @ w + b))])
                ys.append(1)
            else:
                xs.extend(units)
                ys.extend([0] * len(units))
        x, t = np.array(xs), np.array(ys, dtype=float)
        pos = t.mean()
        sample = np.where(t == 1, 0.5 / pos, 0.5 / (1 - pos))  # balance the classes
        for _ in range(steps):
            p = 1 / (1 + np.exp(-(x @ w + b)))
            g = (p - t) * sample
            w = w - lr * (x.T @ g / len(t) + l2 * w)
            b = b - lr * g.mean()
    return w, b


def predict(rows: list[tuple[np.ndarray, int]], w: np.ndarray, b: float, threshold: float) -> list[bool]:
    return [bool((1 / (1 + np.exp(-(units @ w + b)))).max() >= threshold) for units, _ in rows]


def pr(rows: list[tuple[np.ndarray, int]], predicted: list[bool]) -> str:
    tp = sum(p and y for (_, y), p in zip(rows, predicted, strict=True))
    fp = sum(p and not y for (_, y), p in zip(rows, predicted, strict=True))
    fn = sum(not p and y for (_, y), p in zip(rows, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return f"P {precision:.3f} R {recall:.3f} (FP {fp}, FN {fn})"


def write_weights(path: Path, w: np.ndarray, b: float) -> None:
    """Rewrite the bias and weights in the topic file's [model] tables, keeping everything else as written."""
    text = path.read_text(encoding="utf-8")
    head, sep, model = text.partition("\n[model]")
    if not sep:
        raise SystemExit(f"{path}: no [model] table")
    model = re.sub(r"(?m)^bias = .*$", f"bias = {b:.3f}", model)
    for k, v in zip(FEATURES, w, strict=True):
        model = re.sub(rf"(?m)^{k} = .*$", f"{k} = {v:.3f}", model)
    path.write_text(head + sep + model, encoding="utf-8")


def errors(rows: list[tuple[np.ndarray, int]], predicted: list[bool]) -> int:
    return sum(p != bool(y) for (_, y), p in zip(rows, predicted, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--topic", default="gwangju-ai")
    parser.add_argument("--l2", type=float, nargs="*", default=[0.001, 0.003, 0.01, 0.03, 0.1])
    parser.add_argument("--write", action="store_true", help="store the weights learned on all of dev")
    args = parser.parse_args()
    topic = load_topic(args.topic)
    current = np.array([topic.spec.weights[k] for k in FEATURES])
    w0, b0, threshold = np.array([PRIOR[k] for k in FEATURES]), PRIOR_BIAS, topic.spec.threshold
    parts = {name: unit_rows(topic, load(args.corpus, f"{name}.jsonl")) for name in WRITERS}
    for name, (w_, b_) in (("prior weights", (w0, b0)), ("topic file's weights", (current, topic.spec.bias))):
        print(f"{name}: " + "; ".join(f"{p} {pr(rows, predict(rows, w_, b_, threshold))}"
                                      for p, rows in parts.items()))
    best = None
    for l2 in args.l2:
        total, cells = 0, []
        for held in WRITERS:
            train = [row for name in WRITERS if name != held for row in parts[name]]
            w, b = fit(train, w0.copy(), b0, l2)
            predicted = predict(parts[held], w, b, threshold)
            total += errors(parts[held], predicted)
            cells.append(f"→ {held}: {pr(parts[held], predicted)}")
        print(f"l2 {l2:<6} leave one writer out " + "; ".join(cells))
        if best is None or total < best[0]:
            best = (total, l2)
    assert best is not None
    everything = [row for rows in parts.values() for row in rows]
    w, bias = fit(everything, w0.copy(), b0, best[1])
    print(f"chosen l2 {best[1]}; on all of dev: {pr(everything, predict(everything, w, bias, threshold))}")
    print("bias", f"{bias:.3f}", " ".join(f"{k}={v:.3f}" for k, v in zip(FEATURES, w, strict=True)))
    if args.write:
        write_weights(topic_path(args.topic), w, bias)
        print(f"written to {topic_path(args.topic)}")


if __name__ == "__main__":
    main()
