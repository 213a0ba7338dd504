"""Stories: near-duplicate articles (a release and its rewrites, a re-published article) grouped under one id.

An article's ``story_id`` is the id of the story's first article. A new article looks up candidates by its LSH
band keys among articles published within WINDOW_DAYS of it, then verifies each candidate exactly: the share of
the shorter text's shingles that the other text has too, after removing boilerplate — shingles the new article
shares with candidates of two or more different stories (a department's standard paragraph, a recurring closing
line). It joins the best story whose share is at least MIN_SHARE for another source's article,
MIN_SHARE_SAME_SOURCE for its own source's (a short release and an earlier one sharing a department's boilerplate
paragraph must not group); otherwise it starts a story of its own. Stories are never merged or split later: an
edit updates the article's band keys but keeps its story.

``story_bands`` is keyed by (week, key, day, article_id), week = day // 7. Band keys are random, so keyed by
``key`` first every insert would dirty pages all over a table that grows with the store (40 rows an article);
week first keeps a week's rows together, so inserts touch the same few recent pages and a lookup is an index seek
per (week, key) in the window's three weeks: neither grows with the store (docs/benchmarks.md).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from newswatch.core.article import Article
from storage.storytext import band_keys, shingles

WINDOW_DAYS = 7
MIN_SHARE = 0.5  # another outlet's rewrite keeps at least half of the shorter text
MIN_SHARE_SAME_SOURCE = 0.8  # a source does not rewrite itself: its copies are re-publications, nearly identical
MIN_SHINGLES = 20  # below this (a line or two), texts are too short to call copies unless identical
_TEXT_SQL = "coalesce(a.subtitle || char(10), '') || a.body_text"  # story_text() of a stored article


@dataclass
class Candidate:
    story: int
    source: str
    grams: set[str]


@dataclass
class StoryMember:
    article_id: int
    story_id: int
    source: str
    title: str
    canonical_url: str
    published_at: str | None


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


def choose_story(grams: set[str], source: str, found: list[Candidate]) -> int | None:
    """The story these shingles belong to among the candidates, or None: the verification step, pure."""
    stories_having: dict[str, set[int]] = defaultdict(set)
    for candidate in found:
        for gram in grams & candidate.grams:
            stories_having[gram].add(candidate.story)
    boilerplate = {gram for gram, stories in stories_having.items() if len(stories) > 1}
    mine = grams - boilerplate
    best: tuple[float, int] | None = None
    for candidate in found:
        theirs = candidate.grams - boilerplate
        shorter = min(len(mine), len(theirs))
        if shorter < MIN_SHINGLES:
            continue
        share = len(mine & theirs) / shorter
        needed = MIN_SHARE_SAME_SOURCE if candidate.source == source else MIN_SHARE
        if share >= needed and (best is None or (share, -candidate.story) > (best[0], -best[1])):
            best = (share, candidate.story)
    return best[1] if best else None


def story_text(article: Article) -> str:
    """What is compared: the subtitle (a release's summary lines often become the news subtitle) and the body."""
    return "\n".join(p for p in (article.subtitle or "", article.body_text) if p)


class StoryIndex:
    """The story tables' one owner; called by the store inside its write transactions."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.db = conn
        self.second_stage = True  # False: shingles only, as before the second stage (benchmarks compare both)

    def assign(self, article_id: int, source: str, text: str, day: int, *, copy_of: int | None = None) -> int:
        """Put a newly stored article into a story (its exact copy's, a near-duplicate's, or a new one)."""
        if copy_of is not None:  # the same text as an earlier article: same story, same band keys
            story = self.db.execute("SELECT coalesce(story_id, id) FROM articles WHERE id = ?", [copy_of]).fetchone()[0]
        else:
            grams = shingles(text)
            keys = band_keys(grams)
            story = choose_story(grams, source, self.candidates(article_id, keys, day)) or article_id
            self._add_keys(article_id, keys, day)
        self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story, article_id])
        return story

    def update(self, article_id: int, old_text: str, new_text: str, day: int, old_day: int) -> None:
        """An edited article keeps its story; its band keys follow the new text."""
        if self.db.execute("SELECT duplicate_of FROM articles WHERE id = ?", [article_id]).fetchone()[0] is not None:
            return
        self.db.executemany(
            "DELETE FROM story_bands WHERE week = ? AND key = ? AND day = ? AND article_id = ?",
            [(week(old_day), key, old_day, article_id) for key in band_keys(shingles(old_text))])
        self._add_keys(article_id, band_keys(shingles(new_text)), day)

    def _add_keys(self, article_id: int, keys: list[int], day: int) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO story_bands (week, key, day, article_id) VALUES (?, ?, ?, ?)",
            [(week(day), key, day, article_id) for key in keys])

    def candidates(self, article_id: int, keys: list[int], day: int) -> list[Candidate]:
        """Articles sharing a band key with these keys, published within the window of ``day``."""
        if not keys:
            return []
        weeks = list(range(week(day - WINDOW_DAYS), week(day + WINDOW_DAYS) + 1))
        rows = self.db.execute(
            f"SELECT coalesce(a.story_id, a.id), a.source, {_TEXT_SQL} FROM articles a "
            f"WHERE a.id IN (SELECT DISTINCT article_id FROM story_bands "
            f"WHERE week IN ({','.join('?' * len(weeks))}) AND key IN ({','.join('?' * len(keys))}) "
            f"AND day BETWEEN ? AND ?) AND a.id != ?",
            [*weeks, *keys, day - WINDOW_DAYS, day + WINDOW_DAYS, article_id]).fetchall()
        return [Candidate(story, source, shingles(text)) for story, source, text in rows]

    def members(self, story_ids: list[int]) -> dict[int, list[StoryMember]]:
        """Every article of these stories, oldest first (exact copies included)."""
        out: dict[int, list[StoryMember]] = defaultdict(list)
        for i in range(0, len(story_ids), 500):
            chunk = story_ids[i : i + 500]
            rows = self.db.execute(
                f"SELECT id, story_id, source, title, canonical_url, published_at FROM articles "
                f"WHERE story_id IN ({','.join('?' * len(chunk))}) ORDER BY coalesce(published_at, first_seen_at), id",
                chunk).fetchall()
            for row in rows:
                out[row[1]].append(StoryMember(*row))
        return dict(out)

    def backfill(self) -> int:
        """Give every article stored before stories existed its story, oldest first."""
        rows = self.db.execute("SELECT id, source, duplicate_of, published_at, first_seen_at FROM articles "
                               "WHERE story_id IS NULL ORDER BY id").fetchall()
        for article_id, source, duplicate_of, published_at, first_seen_at in rows:
            text = self.db.execute(f"SELECT {_TEXT_SQL} FROM articles a WHERE id = ?", [article_id]).fetchone()[0]
            self.assign(article_id, source, text, story_day(published_at, first_seen_at), copy_of=duplicate_of)
        return len(rows)
