"""Search latency on a store of 1,000,000 synthetic Korean articles (issue: search must stay fast).

Builds the store once (same schema, same tokeniser as the real store; bulk inserts in big transactions) at the
given path, then times representative queries: median and p95 over several runs each.

    .venv/bin/python benchmarks/search_1m.py [--db bench-data/search_1m.db] [--articles 1000000] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

from newswatch.core.article import Article
from newswatch.core.tokens import index_text
from storage import Store
from storage.articles import content_hash, text_hash

PLACES = ["광주", "광주광역시", "전남", "나주", "목포", "부산", "대구", "서울", "경기 광주시", "포항", "울산", "여수"]
TOPICS = ["인공지능", "AI", "데이터센터", "반도체", "자율주행", "조류인플루엔자", "방역", "교통", "청년 창업", "관광",
          "일자리", "도시철도", "에너지", "헬스케어", "로봇", "교육", "문화", "환경"]
VERBS = ["추진한다", "발표했다", "확대한다", "착수했다", "협약을 맺었다", "지원한다", "개최했다", "점검했다"]
FILLER = ["시는 관련 예산을 확보했다", "전문가들은 긍정적으로 평가했다", "주민 설명회도 열린다",
          "사업은 내년까지 이어진다", "관계 기관과 협력한다", "기업 유치에 속도를 낸다",
          "세부 계획은 다음 달 공개된다", "참석자들은 의견을 나눴다"]


def synthetic(i: int, rng: random.Random) -> Article:
    place, topic = rng.choice(PLACES), rng.choice(TOPICS)
    title = f"{place}, {topic} {rng.choice(['사업', '정책', '포럼', '센터'])} {rng.choice(VERBS)}"
    sentences = [f"{place}가 {topic} 분야 사업을 {rng.choice(VERBS)}."]
    sentences += [f"{rng.choice(FILLER)}. {rng.choice(PLACES)} {rng.choice(TOPICS)} 관련 {rng.choice(FILLER)}."
                  for _ in range(rng.randint(4, 8))]
    published = f"20{16 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}T09:00:00+09:00"
    return Article(source="newsprime" if i % 3 else "gwangju_city", source_id=str(i),
                   canonical_url=f"https://bench.invalid/{i}", url=f"https://bench.invalid/{i}", title=title,
                   body_text="\n\n".join(sentences), published_at=published)


def build(path: Path, count: int) -> None:
    rng = random.Random(20261125)
    with Store(path) as store:
        have = store.article_count()
        db = store.db
        batch = 20_000
        for start in range(have, count, batch):
            rows, fts = [], []
            for i in range(start, min(start + batch, count)):
                a = synthetic(i, rng)
                row = Store._row(a, content_hash(a), text_hash(a.body_text + str(i)))
                rows.append(row | {"id": i + 1, "revision": 1, "first_seen_at": "2026-11-25T00:00:00+09:00",
                                   "last_changed_at": "2026-11-25T00:00:00+09:00"})
                fts.append((i + 1, index_text(a.title), index_text(a.body_text)))
            with db.atomic():
                db["articles"].insert_all(rows, batch_size=5000)
                db.conn.executemany("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)", fts)
            print(f"  {min(start + batch, count):,} articles", flush=True)
        db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


QUERIES = [
    ("rare term", "헬스케어 로봇", {}),
    ("common 2-char term", "광주", {}),
    ("Latin term", "AI", {}),
    ("AND of two", "광주 인공지능", {}),
    ("phrase", '"인공지능 분야"', {}),
    ("OR", "반도체 OR 자율주행", {}),
    ("NOT", "AI NOT 조류인플루엔자", {}),
    ("source filter", "광주 인공지능", {"source": "gwangju_city"}),
    ("since filter", "광주 인공지능", {"since": "2025-01-01"}),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="bench-data/search_1m.db")
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    path = Path(args.db)
    started = time.perf_counter()
    build(path, args.articles)
    print(f"store ready in {time.perf_counter() - started:,.0f} s")
    results = []
    with Store(path) as store:
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        print(f"{store.article_count():,} articles, {size / 1e9:.2f} GB")
        print("| query | kind | hits (limit 20) | median ms | p95 ms |\n|---|---|---|---|---|")
        for kind, query, kw in QUERIES:
            times, hits = [], 0
            for _ in range(args.runs):
                t = time.perf_counter()
                hits = len(store.search(query, limit=20, **kw))
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            results.append({"kind": kind, "query": query, "median_ms": statistics.median(times), "p95_ms": p95})
            print(f"| `{query}` {kw or ''} | {kind} | {hits} | {statistics.median(times):,.0f} | {p95:,.0f} |",
                  flush=True)
    Path(str(path) + ".results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
