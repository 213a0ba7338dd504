"""Stories: articles reporting one event (a release, its rewrites, a re-published article) grouped under one id.

An article's ``story_id`` is the id of the story's first article. A new article finds its story in two stages.

First stage, copies (unchanged since v4): candidates are the articles published within WINDOW_DAYS of it that
share an LSH band key with it; each is verified exactly: the share of the shorter text's shingles that the other
text has too, after removing boilerplate — shingles the new article shares with candidates of two or more
different stories (a department's standard paragraph, a recurring closing line). A candidate of another source
passes at MIN_SHARE, one of its own source at MIN_SHARE_SAME_SOURCE (a short release and an earlier one sharing a
department's boilerplate paragraph must not group).

Second stage, events (storage.storymatch): a heavy rewrite keeps a third to a half of the release's text and
shares few band keys with it, so the net is widened: articles of the window sharing at least MIN_SHARED_TERMS of
its specifics (amounts with units, dates, short quoted names; their keys are in ``story_terms``) are candidates
too (distinctive ones: a specific in more than COMMON_TERM articles of the window is not counted). Another
source's candidate the first stage did not accept, and that shares enough to be worth it (GATE_TEXT of its text,
or MIN_SHARED_TERMS specifics), is scored by a small logistic model on what the two report; at
storymatch.THRESHOLD or more it joins. Kiwi runs only there, on a batch, and analyses are cached. A source's
own articles are compared by the first stage alone (a source does not rewrite itself: its copies are
re-publications).

Every story the article passes is joined: when it passes two (a late rewrite bridging a release's story and a
story of an earlier rewrite that had been missed), they are merged into the oldest — the others' articles take
its id, so search and the alert ledger (which asks "has this story alerted?" by ``articles.story_id``) follow.
Why each article is in its story is recorded in ``story_links`` and said in words by ``why``.

``story_bands`` and ``story_terms`` are keyed by (week, key, day, article_id), week = day // 7. Keys are random, so
keyed by ``key`` first every insert would dirty pages all over a table that grows with the store; week first
keeps a week's rows together, so inserts touch the same few recent pages and a lookup is an index seek per
(week, key) in the window's three weeks: neither grows with the store (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from newswatch.core.article import Article
from storage import storymatch
from storage.idlist import IN_IDS, id_list
from storage.storymatch import Profile, ProfileCache
from storage.storytext import band_keys, shingles

WINDOW_DAYS = 7
MIN_SHARE = 0.5  # another outlet's rewrite keeps at least half of the shorter text
MIN_SHARE_SAME_SOURCE = 0.8  # a source does not rewrite itself: its copies are re-publications, nearly identical
MIN_SHINGLES = 20  # below this (a line or two), texts are too short to call copies unless identical
MIN_SHARED_TERMS = 3  # distinctive specifics shared with the new article that make an article a candidate
COMMON_TERM = 40  # a specific in more articles of the window is common ("1명", this week's dates): not counted
MAX_TERM_CANDIDATES = 30  # at most this many, those sharing the most distinctive specifics first
GATE_TEXT = 0.2  # a candidate sharing less text, and fewer than MIN_SHARED_TERMS specifics: Kiwi is not run
_TEXT_SQL = "coalesce(a.subtitle || char(10), '') || a.body_text"  # story_text() of a stored article


@dataclass
class Candidate:
    story: int
    source: str
    grams: set[str]
    article_id: int = 0
    title: str = ""
    text: str = ""
    published_at: str | None = None
    terms: int = 0  # distinctive specifics it shares with the new article
    terms_enough: bool = False  # as many as the net asks (MIN_SHARED_TERMS, fewer if the article has fewer)


@dataclass
class StoryMember:
    article_id: int
    story_id: int
    source: str
    title: str
    canonical_url: str
    published_at: str | None


@dataclass
class Link:
    """Why an article is in a story: the member it matched, how (copy / text / event), the score and threshold."""

    member: int
    story: int
    how: str
    score: float
    threshold: float
    shared: list[str] = field(default_factory=list)


def week(day: int) -> int:
    """The story_bands bucket of an ordinal day (SQL: ``day / 7``, integer division of a positive integer)."""
    return day // 7


def story_day(published_at: str | None, first_seen_at: str) -> int:
    """The day (ordinal) an article belongs to for the story window: its publication date, else when first seen."""
    when = published_at or first_seen_at
    try:
        return datetime.fromisoformat(when).date().toordinal()
    except ValueError:
        return date.fromisoformat(first_seen_at[:10]).toordinal()


def shares(grams: set[str], found: list[Candidate]) -> list[float]:
    """Each candidate's share of shingles with ``grams``, boilerplate (shingles in 2+ stories' candidates) left out;
    -1 where the texts are too short to compare."""
    stories_having: dict[str, set[int]] = defaultdict(set)
    for candidate in found:
        for gram in grams & candidate.grams:
            stories_having[gram].add(candidate.story)
    boilerplate = {gram for gram, stories in stories_having.items() if len(stories) > 1}
    mine = grams - boilerplate
    out = []
    for candidate in found:
        theirs = candidate.grams - boilerplate
        shorter = min(len(mine), len(theirs))
        out.append(len(mine & theirs) / shorter if shorter >= MIN_SHINGLES else -1.0)
    return out


def passes_first(share: float, same_source: bool) -> bool:
    return share >= (MIN_SHARE_SAME_SOURCE if same_source else MIN_SHARE)


def choose_story(grams: set[str], source: str, found: list[Candidate]) -> int | None:
    """The story these shingles belong to among the candidates by the first stage alone, or None (pure)."""
    best: tuple[float, int] | None = None
    for candidate, share in zip(found, shares(grams, found), strict=True):
        if passes_first(share, candidate.source == source) and (
                best is None or (share, -candidate.story) > (best[0], -best[1])):
            best = (share, candidate.story)
    return best[1] if best else None


def story_text(article: Article) -> str:
    """What is compared: the subtitle (a release's summary lines often become the news subtitle) and the body."""
    return "\n".join(p for p in (article.subtitle or "", article.body_text) if p)


def term_keys(terms: dict[str, str] | set[str]) -> list[int]:
    """One signed 64-bit key per specific ('800억원' written out, '5월12일'); a different space from band keys."""
    return [int.from_bytes(hashlib.blake2b(b"t" + t.encode(), digest_size=8).digest(), "big", signed=True)
            for t in sorted(terms)]


class StoryIndex:
    """The story tables' one owner; called by the store inside its write transactions.

    ``second_stage`` False gives the grouping as it was before it (copies only; no specifics indexed, nothing
    recorded): the schema's v5 step runs that way, before the v9 tables (story_terms, story_links) exist, and
    benchmarks compare both.
    """

    profiles = ProfileCache()  # shared by the stores of a process: a crawl's spider and pipeline, alerts

    def __init__(self, conn: sqlite3.Connection, *, second_stage: bool = True) -> None:
        self.db = conn
        self.second_stage = second_stage
        self.trace: list[tuple[int, int, dict[str, float], float]] | None = None  # (new, candidate, features, score)

    # --- assigning ---------------------------------------------------------------------------------------------

    def assign(self, article_id: int, source: str, text: str, day: int, *, copy_of: int | None = None) -> int:
        """Put a newly stored article into a story (its exact copy's, a near-duplicate's, an event's, or a new one)."""
        if copy_of is not None:  # the same text as an earlier article: same story, same band keys
            story = self.db.execute("SELECT coalesce(story_id, id) FROM articles WHERE id = ?", [copy_of]).fetchone()[0]
            self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story, article_id])
            if self.second_stage:
                self._record(article_id, [Link(copy_of, story, "copy", 1.0, 1.0)])
            return story
        grams = shingles(text)
        keys = band_keys(grams)
        if not self.second_stage:
            story = choose_story(grams, source, self.candidates(article_id, keys, day)) or article_id
            self._add_keys(article_id, keys, day)
            self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story, article_id])
            return story
        title, published_at = self.db.execute("SELECT title, published_at FROM articles WHERE id = ?",
                                              [article_id]).fetchone()

        def mine() -> Profile:  # the article's profile, made only if a candidate needs the second stage
            return self.profiles.get(article_id, title, text, published_at)

        terms = term_keys(storymatch.specifics(text))
        found = self.candidates(article_id, keys, day, terms)  # the text's terms: an edit can take them out
        links = self.match(article_id, grams, source, mine, found)
        story = min((link.story for link in links), default=article_id)
        self._add_keys(article_id, keys, day)
        self._add_terms(article_id, terms, day)
        self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story, article_id])
        merged = sorted({link.story for link in links} - {story})
        if merged:  # a bridge: the other stories become this one (ids of older stories are smaller)
            marks = ",".join("?" * len(merged))
            self.db.execute(f"UPDATE articles SET story_id = ? WHERE story_id IN ({marks})", [story, *merged])
        self._record(article_id, links)
        return story

    def match(self, article_id: int, grams: set[str], source: str, mine: Callable[[], Profile],
              found: list[Candidate]) -> list[Link]:
        """The best link into each story this article belongs to, best story first.

        The first stage decides for copies; the second compares events with another source's candidates of the
        stories the first did not join (so a bridge to a second story is found), when they share enough text or
        specifics to be worth analysing.
        """
        best: dict[int, Link] = {}
        later: list[Candidate] = []
        for candidate, share in zip(found, shares(grams, found), strict=True):
            same_source = candidate.source == source
            if passes_first(share, same_source):
                link = Link(candidate.article_id, candidate.story, "text", share,
                            MIN_SHARE_SAME_SOURCE if same_source else MIN_SHARE)
                if candidate.story not in best or link.score > best[candidate.story].score:
                    best[candidate.story] = link
            elif not same_source:
                later.append(candidate)
        worth: list[tuple[Candidate, float, Profile]] = []
        for candidate in later:
            held = best.get(candidate.story)
            if held is not None and held.how == "text":
                continue
            raw = len(grams & candidate.grams) / max(min(len(grams), len(candidate.grams)), 1)
            if raw < GATE_TEXT and not candidate.terms_enough:
                continue  # nothing in common worth analysing: Kiwi is not run
            theirs = self.profiles.get(candidate.article_id, candidate.title, candidate.text, candidate.published_at)
            if storymatch.facts_disagree(mine(), theirs):
                continue  # two events told in one department's words: not worth Kiwi's time
            worth.append((candidate, raw, theirs))
        if not worth:
            return sorted(best.values(), key=lambda link: (link.how != "text", -link.score, link.story))
        me = mine()
        storymatch.analyse(me, *(theirs for _, _, theirs in worth))  # one Kiwi batch
        for candidate, raw, theirs in worth:
            held = best.get(candidate.story)
            values = storymatch.features(raw, me, theirs)
            score = storymatch.score(values)
            if self.trace is not None:
                self.trace.append((article_id, candidate.article_id, values, score))
            if score >= storymatch.THRESHOLD and (held is None or score > held.score):
                best[candidate.story] = Link(candidate.article_id, candidate.story, "event", score,
                                             storymatch.THRESHOLD, storymatch.shared_specifics(me, theirs))
        return sorted(best.values(), key=lambda link: (link.how != "text", -link.score, link.story))

    def _record(self, article_id: int, links: list[Link]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO story_links (article_id, member_id, how, score, threshold, shared, merged) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(article_id, link.member, link.how, round(link.score, 3), link.threshold,
              json.dumps(link.shared, ensure_ascii=False) if link.shared else None, int(i > 0))
             for i, link in enumerate(links)])

    def update(self, article_id: int, old_text: str, new_text: str, day: int, old_day: int) -> None:
        """An edited article keeps its story; its band and specifics keys follow the new text."""
        if self.db.execute("SELECT duplicate_of FROM articles WHERE id = ?", [article_id]).fetchone()[0] is not None:
            return
        self.db.executemany(
            "DELETE FROM story_bands WHERE week = ? AND key = ? AND day = ? AND article_id = ?",
            [(week(old_day), key, old_day, article_id) for key in band_keys(shingles(old_text))])
        self._add_keys(article_id, band_keys(shingles(new_text)), day)
        if self.second_stage:
            self.db.executemany(
                "DELETE FROM story_terms WHERE week = ? AND key = ? AND day = ? AND article_id = ?",
                [(week(old_day), key, old_day, article_id) for key in term_keys(storymatch.specifics(old_text))])
            self._add_terms(article_id, term_keys(storymatch.specifics(new_text)), day)

    def _add_keys(self, article_id: int, keys: list[int], day: int) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO story_bands (week, key, day, article_id) VALUES (?, ?, ?, ?)",
            [(week(day), key, day, article_id) for key in keys])

    def _add_terms(self, article_id: int, keys: list[int], day: int) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO story_terms (week, key, day, article_id) VALUES (?, ?, ?, ?)",
            [(week(day), key, day, article_id) for key in keys])

    def candidates(self, article_id: int, keys: list[int], day: int, terms: list[int] | None = None
                   ) -> list[Candidate]:
        """Articles within the window of ``day`` sharing a band key, or MIN_SHARED_TERMS distinctive specifics
        keys (a key in more than COMMON_TERM articles of the window is common: "1명", this week's dates)."""
        weeks = list(range(week(day - WINDOW_DAYS), week(day + WINDOW_DAYS) + 1))
        in_weeks = f"week IN ({','.join('?' * len(weeks))})"
        ids: set[int] = set()
        shared: dict[int, int] = defaultdict(int)
        needed = MIN_SHARED_TERMS
        if keys:
            ids.update(r[0] for r in self.db.execute(
                f"SELECT DISTINCT article_id FROM story_bands WHERE {in_weeks} "
                f"AND key IN ({','.join('?' * len(keys))}) AND day BETWEEN ? AND ?",
                [*weeks, *keys, day - WINDOW_DAYS, day + WINDOW_DAYS]))
        if terms:
            having: dict[int, list[int]] = defaultdict(list)
            for key, other in self.db.execute(
                    f"SELECT key, article_id FROM story_terms WHERE {in_weeks} "
                    f"AND key IN ({','.join('?' * len(terms))}) AND day BETWEEN ? AND ?",
                    [*weeks, *terms, day - WINDOW_DAYS, day + WINDOW_DAYS]):
                having[key].append(other)
            distinctive = 0
            for others in having.values():
                if len(others) > COMMON_TERM:
                    continue
                distinctive += 1
                for other in others:
                    shared[other] += 1
            # an article with few distinctive figures (two) is found by both; one figure alone proves nothing
            needed = max(2, min(MIN_SHARED_TERMS, distinctive))
            ranked = sorted((n, other) for other, n in shared.items() if n >= needed)
            ids.update(other for _, other in ranked[-MAX_TERM_CANDIDATES:])
        ids.discard(article_id)
        if not ids:
            return []
        rows = self.db.execute(
            f"SELECT coalesce(a.story_id, a.id), a.source, {_TEXT_SQL}, a.id, a.title, a.published_at "
            f"FROM articles a WHERE a.id IN ({','.join('?' * len(ids))}) ORDER BY a.id", sorted(ids)).fetchall()
        return [Candidate(story, source, shingles(text), i, title, text, published_at, shared.get(i, 0),
                          shared.get(i, 0) >= needed) for story, source, text, i, title, published_at in rows]

    # --- reading -----------------------------------------------------------------------------------------------

    def members(self, story_ids: list[int]) -> dict[int, list[StoryMember]]:
        """Every article of these stories, oldest first (exact copies included)."""
        out: dict[int, list[StoryMember]] = defaultdict(list)
        for row in self.db.execute(
                f"SELECT id, story_id, source, title, canonical_url, published_at FROM articles "
                f"WHERE story_id {IN_IDS} ORDER BY coalesce(published_at, first_seen_at), id", [id_list(story_ids)]):
            out[row[1]].append(StoryMember(*row))
        return dict(out)

    def why(self, article_id: int, label: Callable[[str], str] = str) -> str:
        """Why this article is in its story, in one short Korean line (for `search --stories --why` and alerts).

        ``label`` names a source for readers (the CLI and alerts pass ``crawler.sites.label``: "프라임경제").
        """
        from storage.storywhy import explain

        return explain(self.db, article_id, label)

    def backfill(self) -> int:
        """Give every article stored before stories existed its story, oldest first."""
        rows = self.db.execute("SELECT id, source, duplicate_of, published_at, first_seen_at FROM articles "
                               "WHERE story_id IS NULL ORDER BY id").fetchall()
        for article_id, source, duplicate_of, published_at, first_seen_at in rows:
            text = self.db.execute(f"SELECT {_TEXT_SQL} FROM articles a WHERE id = ?", [article_id]).fetchone()[0]
            self.assign(article_id, source, text, story_day(published_at, first_seen_at), copy_of=duplicate_of)
        return len(rows)

    def index_terms(self) -> int:
        """Index the specifics of every stored article that is not an exact copy (the v9 upgrade)."""
        count = 0
        for article_id, text, published_at, first_seen_at in self.db.execute(
                f"SELECT a.id, {_TEXT_SQL}, a.published_at, a.first_seen_at FROM articles a "
                f"WHERE a.duplicate_of IS NULL ORDER BY a.id"):
            self._add_terms(article_id, term_keys(storymatch.specifics(text)), story_day(published_at, first_seen_at))
            count += 1
        return count
