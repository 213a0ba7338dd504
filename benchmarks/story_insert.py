"""Story assignment cost: does saving an article get slower as the store grows? (issue 4)

Builds two stores of synthetic Korean articles at the same density (270 articles a day, so the story window
holds the same number of articles in both): 10,000 articles (37 days) and 1,000,000 (about ten years), with
their FTS rows, real LSH band keys and specifics keys (each article carries 4–8 amounts, counts and dates, as
news does). Then saves the same kind of batch into each through ``Store.save_article``, one save into each
store in turn (so the machine's load falls on both alike) — half of them fresh, a quarter light rewrites of an
article from the last days (a paragraph dropped, words changed, a dateline added), a quarter heavy rewrites (two
sentences in five kept, reordered, the rest new, every figure kept: the second stage, Kiwi included, decides
those) — timing every save, and counts how the rewrites were grouped. With ``--stages both`` (the default) the
first stage alone is timed the same way first, for comparison. Each run first removes what earlier runs saved,
so every run measures the store as built. Kiwi is loaded before timing (its first analysis in a process costs
about 3 s, reported apart).

    .venv/bin/python benchmarks/story_insert.py [--dir bench-data] [--new 400] [--backfill]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

from newswatch.core.article import Article
from newswatch.core.tokens import index_text
from storage import Store, storymatch
from storage.articles import content_hash, text_hash
from storage.stories import story_text, term_keys, week
from storage.storytext import band_keys, shingles

PER_DAY = 270
FIRST_DAY = date(2016, 1, 1)
SYLLABLES = ("가각간갈감강개거건걸검게격견결경계고곡공과관광교구국군권규균그극근금기긴길김나낙난남내녀년노논농뇌"
             "누능다단달담당대더도독동두드득등라락란람랑래량러려력련령례로록론료루류률리린림마막만말망매맥면명모목"
             "몽무문물미민바박반발방배백번범법변별병보복본봉부북분불비빈사산살삼상새색생서석선설섬성세소속손송수숙순"
             "술시식신실심아악안알암압앙애액야약양어억언업에여역연열염영예오옥온완왕외요욕용우운원월위유육윤은을음")
COMMON = ["밝혔다", "광주시는", "관계자는", "계획이다", "예정이다", "지원한다", "추진한다", "것으로", "이번", "올해",
          "지역", "기업", "사업", "시민", "정부", "국비", "협약을", "체결했다", "말했다", "강조했다"]


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4)))) for _ in range(size)]


def sentence(rng: random.Random, words: list[str]) -> str:
    parts = []
    for _ in range(rng.randint(8, 14)):
        if rng.random() < 0.25:
            parts.append(rng.choice(COMMON))
        else:  # Zipf-like: a few words are everywhere, most are rare
            parts.append(words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)] if rng.random() < 0.5
                         else rng.choice(words))
    return " ".join(parts) + "."


FACT_UNITS = ("억원", "만원", "명", "곳", "개사", "㎞", "㎡", "대", "가구", "건", "%")


def fact(rng: random.Random, day: date) -> str:
    """A figure as news writes it: '1,250억원', '340명', '5월 12일' (small numbers are the common ones)."""
    if rng.random() < 0.25:
        when = day + timedelta(days=rng.randint(-10, 40))
        return f"{when.month}월 {when.day}일"
    number = min(int(rng.paretovariate(0.6)), 99_999)
    return f"{number:,}{rng.choice(FACT_UNITS)}"


def with_facts(sentences: list[str], rng: random.Random, day: date) -> list[str]:
    """Put 4–8 figures into the sentences (at random places), as a report has its amounts, counts and dates."""
    out = list(sentences)
    for _ in range(rng.randint(4, 8)):
        i = rng.randrange(len(out))
        words = out[i].split(" ")
        words.insert(rng.randrange(1, len(words)), fact(rng, day))
        out[i] = " ".join(words)
    return out


def synthetic(i: int, rng: random.Random, words: list[str], day: date) -> Article:
    shape = [rng.randint(1, 3) for _ in range(rng.randint(4, 8))]
    flat = with_facts([sentence(rng, words) for _ in range(sum(shape))], rng, day)
    paragraphs, at = [], 0
    for n in shape:
        paragraphs.append(" ".join(flat[at : at + n]))
        at += n
    body = "\n\n".join(paragraphs)
    source = "gwangju_city" if i % 10 == 0 else "newsprime"
    return Article(source=source, source_id=f"b{i}", canonical_url=f"https://bench.invalid/{i}",
                   url=f"https://bench.invalid/{i}", title=sentence(rng, words)[:40], body_text=body,
                   published_at=f"{day.isoformat()}T{9 + i % 9:02d}:00:00+09:00")


def rewrite(original: Article, rng: random.Random, words: list[str], n: int) -> Article:
    """Another outlet's rewrite: dateline, one paragraph dropped, a few words replaced."""
    paragraphs = original.body_text.split("\n\n")
    if len(paragraphs) > 3:
        paragraphs.pop(rng.randrange(1, len(paragraphs)))
    edited = []
    for p in paragraphs:
        tokens = p.split(" ")
        for _ in range(max(1, len(tokens) // 12)):
            tokens[rng.randrange(len(tokens))] = rng.choice(words)
        edited.append(" ".join(tokens))
    other = "gwangju_city" if original.source == "newsprime" else "newsprime"
    return Article(source=other, source_id=f"r{n}", canonical_url=f"https://bench.invalid/r{n}",
                   url=f"https://bench.invalid/r{n}", title="[단독] " + original.title,
                   body_text="[프라임경제] " + "\n\n".join(edited), published_at=original.published_at)


def heavy_rewrite(original: Article, rng: random.Random, words: list[str], n: int) -> Article:
    """A next-morning analysis: two sentences in five of the original kept, reordered, as many new ones around
    them, and every figure of the original repeated (the second stage's case)."""
    sentences = [s.strip() + "." for s in original.body_text.replace("\n\n", " ").split(".") if s.strip()]
    kept = rng.sample(sentences, max(2, (2 * len(sentences)) // 5))
    new = [sentence(rng, words) for _ in range(len(kept) + 2)]
    figures = " ".join(storymatch.specifics(original.body_text).values())
    body = kept + new + [f"{sentence(rng, words)[:-1]} {figures}."]
    rng.shuffle(body)
    other = "gwangju_city" if original.source == "newsprime" else "newsprime"
    return Article(source=other, source_id=f"h{n}", canonical_url=f"https://bench.invalid/h{n}",
                   url=f"https://bench.invalid/h{n}", title="[분석] " + " ".join(original.title.split(" ")[:3]),
                   body_text="\n\n".join(" ".join(body[i : i + 3]) for i in range(0, len(body), 3)),
                   published_at=original.published_at)


def build(path: Path, count: int, words: list[str]) -> None:
    """Bulk-load ``count`` unrelated articles (each its own story) with their FTS rows and band keys."""
    with Store(path) as store:
        have = store.article_count()
        db = store.db
        db.execute("PRAGMA cache_size = -4000000")  # 4 GB: the band keys are random, so their b-tree wants RAM
        db.execute("PRAGMA synchronous = OFF")  # a benchmark build: rebuilt if the machine dies
        rng = random.Random(count * 7 + have)
        batch = 10_000
        for start in range(have, count, batch):
            rows, fts, bands, terms = [], [], [], []
            for i in range(start, min(start + batch, count)):
                day = FIRST_DAY + timedelta(days=i // PER_DAY)
                a = synthetic(i, rng, words, day)
                row = Store._row(a, content_hash(a), text_hash(a.body_text))
                rows.append(row | {"id": i + 1, "revision": 1, "story_id": i + 1,
                                   "first_seen_at": f"{day.isoformat()}T23:00:00+09:00",
                                   "last_changed_at": f"{day.isoformat()}T23:00:00+09:00"})
                fts.append((i + 1, index_text(a.title), index_text(a.body_text)))
                ordinal = day.toordinal()
                bands += [(week(ordinal), key, ordinal, i + 1) for key in band_keys(shingles(story_text(a)))]
                terms += [(week(ordinal), key, ordinal, i + 1)
                          for key in term_keys(storymatch.specifics(story_text(a)))]
            with db.atomic():
                db["articles"].insert_all(rows, batch_size=2000)
                db.conn.executemany("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)", fts)
                db.conn.executemany(
                    "INSERT OR IGNORE INTO story_bands (week, key, day, article_id) VALUES (?, ?, ?, ?)", bands)
                db.conn.executemany(
                    "INSERT OR IGNORE INTO story_terms (week, key, day, article_id) VALUES (?, ?, ?, ?)", terms)
            print(f"  {path.name}: {min(start + batch, count):,} articles", flush=True)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def reset(store: Store, count: int) -> None:
    """Remove the articles earlier runs saved (ids past ``count``, all in the last weeks of the store)."""
    since = week((FIRST_DAY + timedelta(days=(count - 1) // PER_DAY - 14)).toordinal())
    store.db.execute("PRAGMA foreign_keys = OFF")  # duplicate_of is not indexed: each check would scan the store
    with store.db.atomic():
        store.db.execute("DELETE FROM articles_fts WHERE rowid > ?", [count])
        store.db.execute("DELETE FROM story_bands WHERE week >= ? AND article_id > ?", [since, count])
        store.db.execute("DELETE FROM story_terms WHERE week >= ? AND article_id > ?", [since, count])
        store.db.execute("UPDATE articles SET story_id = id WHERE id <= ? AND story_id != id", [count])  # merges
        for table in ("article_urls", "revisions", "story_links"):
            store.db.execute(f"DELETE FROM {table} WHERE article_id > ?", [count])
        store.db.execute("DELETE FROM articles WHERE id > ?", [count])
    store.db.execute("PRAGMA foreign_keys = ON")


def warm_kiwi() -> float:
    """Load the analyser and MinHash before timing (a process pays this once, at its first save that needs them)."""
    started = time.perf_counter()
    storymatch.analyse(storymatch.profile("광주시 인공지능", "광주시는 23일 센터를 열었다.", None),
                       storymatch.profile("광주시", "광주시는 24일 밝혔다.", None))
    band_keys(shingles("광주시는 23일 센터를 열었다."))  # and datasketch (numpy, scipy): 0.6 s on first use
    return time.perf_counter() - started


def measure(stores: list[tuple[Path, int]], new: int, words: list[str], run: str, second_stage: bool = True
            ) -> list[dict[str, object]]:
    """Save the same kind of batch into each store, one save into each in turn: the machine's load (other jobs,
    checkpoints) falls on every store alike, so their rates compare within the run."""
    state = []
    with ExitStack() as stack:
        for path, count in stores:
            store = stack.enter_context(Store(path))
            reset(store, count)
            store.stories.second_stage = second_stage
            recent = [store.article(i) for i in range(count - 3 * PER_DAY, count + 1, 7)]
            state.append({"store": store, "count": count, "recent": recent, "rng": random.Random(run),
                          "last_day": FIRST_DAY + timedelta(days=(count - 1) // PER_DAY),
                          "times": {"fresh": [], "light": [], "heavy": []}, "grouped": {"light": 0, "heavy": 0},
                          "false": 0})
        for n in range(new):
            kind = ("fresh", "light", "fresh", "heavy")[n % 4]
            for s in state:
                rng = s["rng"]
                original = rng.choice(s["recent"])
                assert original is not None
                if kind == "light":
                    article = rewrite(original.article, rng, words, n)
                elif kind == "heavy":
                    article = heavy_rewrite(original.article, rng, words, n)
                else:
                    article = synthetic(10**9 + n, rng, words, s["last_day"])
                article.source_id += run
                started = time.perf_counter()
                result = s["store"].save_article(article)
                s["times"][kind].append((time.perf_counter() - started) * 1000)
                joined = result.story_id != result.article_id
                if kind == "fresh":
                    s["false"] += joined
                else:
                    s["grouped"][kind] += result.story_id == (original.id if joined else -1)
    out = []
    for s in state:
        times, grouped = s["times"], s["grouped"]
        every = sorted(t for ts in times.values() for t in ts)
        out.append({
            "articles": s["count"], "stages": 2 if second_stage else 1, "saves": new,
            "median_ms": statistics.median(every), "p95_ms": every[int(0.95 * (len(every) - 1))],
            "saves_per_s": 1000 * len(every) / sum(every),
            "median_ms_by_kind": {k: round(statistics.median(v), 2) for k, v in times.items() if v},
            "p95_ms_by_kind": {k: round(sorted(v)[int(0.95 * (len(v) - 1))], 2) for k, v in times.items() if v},
            "rewrites_grouped": grouped["light"], "rewrites": len(times["light"]),
            "heavy_grouped": grouped["heavy"], "heavy": len(times["heavy"]),
            "fresh_wrongly_grouped": s["false"], "fresh": len(times["fresh"])})
    return out


def measure_backfill(path: Path) -> dict[str, float]:
    """What upgrading costs, on a copy of the store: giving a pre-story store its stories (the v5 step: first
    stage) and indexing every article's specifics (the v6 step)."""
    copy = path.with_name(path.stem + "_backfill.db")
    shutil.copyfile(path, copy)
    try:
        with Store(copy) as store:
            with store.db.atomic():
                store.db.execute("DELETE FROM story_bands")
                store.db.execute("DELETE FROM story_terms")
                store.db.execute("UPDATE articles SET story_id = NULL")
            store.stories.second_stage = False
            started = time.perf_counter()
            with store.db.atomic():
                done = store.stories.backfill()
            seconds = time.perf_counter() - started
            store.stories.second_stage = True
            started = time.perf_counter()
            with store.db.atomic():
                indexed = store.stories.index_terms()
            terms = time.perf_counter() - started
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return {"articles": done, "seconds": seconds, "ms_per_article": 1000 * seconds / done,
            "v6_terms_seconds": terms, "v6_ms_per_article": 1000 * terms / indexed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="bench-data")
    parser.add_argument("--new", type=int, default=400)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--build-only", action="store_true", help="build the stores, measure nothing")
    parser.add_argument("--stages", choices=("both", "two"), default="both",
                        help="both: time the first stage alone too (the grouping before the second stage), same run")
    parser.add_argument("--backfill", action="store_true", help="also time giving the first store's articles "
                        "their stories from scratch (what upgrading a store made before stories costs)")
    args = parser.parse_args()
    words = vocabulary(random.Random(1))
    run = f"-{int(time.time())}"
    print(f"Kiwi and MinHash loaded in {warm_kiwi():.1f} s (once per process; not in the timings)", flush=True)
    results: list[dict[str, object]] = []
    stores = []
    for count in (int(s) for s in args.sizes.split(",")):
        path = Path(args.dir) / f"stories_{count}.db"
        started = time.perf_counter()
        build(path, count, words)
        print(f"{path}: ready in {time.perf_counter() - started:,.0f} s", flush=True)
        stores.append((path, count))
    if args.build_only:
        return
    for second in ([False, True] if args.stages == "both" else [True]):
        for result in measure(stores, args.new, words, run, second):
            results.append(result)
            print(json.dumps(result), flush=True)
    print("| store | stages | saves | median ms | p95 ms | saves/s | light rewrites grouped | heavy rewrites grouped "
          "| fresh wrongly grouped |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['articles']:,} | {r['stages']} | {r['saves']} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} "
              f"| {r['saves_per_s']:.0f} "
              f"| {r['rewrites_grouped']}/{r['rewrites']} | {r['heavy_grouped']}/{r['heavy']} "
              f"| {r['fresh_wrongly_grouped']}/{r['fresh']} |")
    for stages in (1, 2):
        pair = [r for r in results if r["stages"] == stages]
        if len(pair) == 2:
            small, large = pair
            assert isinstance(small["median_ms"], float) and isinstance(large["median_ms"], float)
            assert isinstance(small["saves_per_s"], float) and isinstance(large["saves_per_s"], float)
            print(f"{stages} stage(s), 1,000,000 / 10,000: median time {large['median_ms'] / small['median_ms']:.2f}×"
                  f", saves/s {large['saves_per_s'] / small['saves_per_s']:.2f}×")
    if args.backfill:
        first = Path(args.dir) / f"stories_{args.sizes.split(',')[0]}.db"
        print("backfill:", json.dumps(measure_backfill(first)))
    Path(args.dir, "story_insert.results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
