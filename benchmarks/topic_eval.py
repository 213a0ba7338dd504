"""Precision and recall of a topic against a labelled corpus, beside the old boolean alert rule on the same items.

The corpus is a folder of JSON-lines files, one item per line:
{"id", "form", "title", "subtitle", "body", "published_at", "label" (1/0), "class", "note"}.
Parts: ``dev`` = dev_a + dev_b + dev_e (three writers, for tuning; ``dev_a``, ``dev_b``, ``dev_e`` alone too),
``heldout`` = heldout_c.jsonl and ``heldout_d`` = heldout_d.jsonl (two more writers' items, never used for
tuning: only aggregate figures are printed for them, never items).

The old rule is evaluated for real, not re-implemented: the items are saved into a temporary store and the
shipped query (GWANGJU_AI_QUERY) is run through ``Store.matches``, exactly as alert rules test new articles.

    .venv/bin/python benchmarks/topic_eval.py --corpus /path/to/topic_corpus --part dev [--errors]
    .venv/bin/python benchmarks/topic_eval.py --corpus /path/to/topic_corpus --part heldout
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswatch.core.article import Article  # noqa: E402
from newswatch.topics import load_topic  # noqa: E402
from storage import Store  # noqa: E402

PARTS = {
    "dev": ["dev_a.jsonl", "dev_b.jsonl", "dev_e.jsonl"],
    "dev_a": ["dev_a.jsonl"], "dev_b": ["dev_b.jsonl"], "dev_e": ["dev_e.jsonl"],
    "heldout": ["heldout_c.jsonl"], "heldout_d": ["heldout_d.jsonl"],
}
HELD_OUT = frozenset({"heldout", "heldout_d"})  # aggregate figures only, never items


# The boolean query the shipped rule used before topic rules: the baseline. Gwangju (not 경기 광주시) with AI,
# where "AI" alone must not be avian influenza.
GWANGJU_AI_QUERY = (
    '(광주 OR Gwangju) '
    '(인공지능 OR 에이아이 OR "AI 집적단지" OR "AI 사관학교" OR "AI 실증" OR "AI 데이터센터" '
    'OR (AI NOT (조류인플루엔자 OR 고병원성 OR 가금 OR 살처분 OR 철새 OR 방역 OR 산란계 OR 오리농장))) '
    'NOT ("경기 광주" OR "경기도 광주" OR 오포읍 OR 곤지암 OR 태전동)'
)


def load_items(corpus: Path, part: str) -> list[dict]:
    items = []
    for name in PARTS[part]:
        with open(corpus / name, encoding="utf-8") as f:
            items += [json.loads(line) for line in f if line.strip()]
    return items


def old_rule(items: list[dict]) -> list[bool]:
    """The shipped boolean query, run by the store's own full-text matcher."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "eval.db")
        try:
            ids = []
            for it in items:
                article = Article(source="corpus", source_id=it["id"], canonical_url=f"corpus://{it['id']}",
                                  url=f"corpus://{it['id']}", title=it["title"], subtitle=it.get("subtitle"),
                                  body_text=it["body"], published_at=it.get("published_at"))
                ids.append(store.save_article(article).article_id)
            found = store.matches(GWANGJU_AI_QUERY, ids)
        finally:
            store.close()
    return [i in found for i in ids]


def metrics(labels: list[int], predicted: list[bool]) -> dict[str, float]:
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def evaluate(corpus: Path, part: str, topic_name: str) -> dict:
    items = load_items(corpus, part)
    topic = load_topic(topic_name)
    verdicts = [topic.classify(it["title"], it["body"], it.get("subtitle"), it.get("published_at")) for it in items]
    engine = [v.relevant for v in verdicts]
    old = old_rule(items)
    labels = [int(it["label"]) for it in items]
    by_class: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "engine": 0, "old": 0})
    for it, e, o in zip(items, engine, old, strict=True):
        row = by_class[it["class"]]
        row["n"] += 1
        row["engine"] += int(e == bool(it["label"]))
        row["old"] += int(o == bool(it["label"]))
    return {"part": part, "items": len(items), "positives": sum(labels), "engine": metrics(labels, engine),
            "old_rule": metrics(labels, old), "classes": dict(sorted(by_class.items())),
            "_items": items, "_verdicts": verdicts, "_engine": engine}


def report(result: dict) -> str:
    e, o = result["engine"], result["old_rule"]
    lines = [f"part {result['part']}: {result['items']} items, {result['positives']} relevant",
             f"{'':<22}{'precision':>10}{'recall':>8}{'F1':>7}{'TP':>5}{'FP':>5}{'FN':>5}",
             f"{'topic engine':<22}{e['precision']:>10.3f}{e['recall']:>8.3f}{e['f1']:>7.3f}{e['tp']:>5}{e['fp']:>5}"
             f"{e['fn']:>5}",
             f"{'old boolean rule':<22}{o['precision']:>10.3f}{o['recall']:>8.3f}{o['f1']:>7.3f}{o['tp']:>5}"
             f"{o['fp']:>5}{o['fn']:>5}",
             "", "per class (items judged correctly):", f"{'class':<22}{'n':>4}{'engine':>8}{'old rule':>10}"]
    for name, row in result["classes"].items():
        lines.append(f"{name:<22}{row['n']:>4}{row['engine']:>8}{row['old']:>10}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--part", choices=sorted(PARTS), default="dev")
    parser.add_argument("--topic", default="gwangju-ai")
    parser.add_argument("--errors", action="store_true", help="list misjudged items with their why-line (dev only)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = evaluate(args.corpus, args.part, args.topic)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if not k.startswith("_")}, ensure_ascii=False, indent=2))
    else:
        print(report(result))
    if args.errors:
        if args.part in HELD_OUT:
            parser.error("--errors is for the development part only: held-out items are never shown")
        print("\nmisjudged:")
        for it, v in zip(result["_items"], result["_verdicts"], strict=True):
            if v.relevant != bool(it["label"]):
                print(f"- {it['id']} [{it['class']}] label={it['label']} {it['title'][:50]}\n    {v.why()}")


if __name__ == "__main__":
    main()
