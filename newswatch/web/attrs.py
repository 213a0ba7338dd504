"""What the search page's facets need of every article, kept in memory: source, publication time and month,
story, whether it is an exact copy.

Reading those columns from ``articles`` for the up to 20,000 matches of a common query costs 100–200 ms on a
store of 100,000 articles (each row sits beside its body text), as long as the search itself; the store has no
covering index for them and this package does not change the schema. So the first search loads them once
(about half a second per 100,000 articles) into arrays indexed by article id, and every later search first
brings them up to date with two cheap queries: articles with a higher id than seen (new ones) and revisions with
a higher id than seen (edited ones, whose publication time may have changed). Stories are assigned when an
article is inserted and never change, so story sizes follow from the same arrays.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from array import array
from collections import Counter
from collections.abc import Iterable

from newswatch.core.clock import read_time
from storage.idlist import IN_IDS, id_list

NO_TIME = -(1 << 62)
_COLUMNS = "id, source, published_at, coalesce(story_id, id), duplicate_of IS NOT NULL"


def epoch(stamp: str | None) -> int:
    parsed = read_time(stamp)
    return int(parsed.timestamp()) if parsed else NO_TIME


def month_code(stamp: str | None) -> int:
    """YYYY-MM as year * 12 + month - 1 (-1 without a date), as the store writes the date (KST)."""
    if not stamp or len(stamp) < 7 or not stamp[:4].isdigit() or not stamp[5:7].isdigit():
        return -1
    return int(stamp[:4]) * 12 + int(stamp[5:7]) - 1


def month_text(code: int) -> str:
    return f"{code // 12:04d}-{code % 12 + 1:02d}"


class ArticleAttrs:
    """Per article id: source code (-1: no article, -2: an exact copy), time, month code, story id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self.sources: list[str] = []
        self.source: array = array("b")
        self.time: array = array("q")
        self.month: array = array("i")
        self.story: array = array("q")
        self.story_size: Counter[int] = Counter()
        self.max_id = 0
        self.max_revision = 0

    def _code(self, source: str) -> int:
        if source not in self.sources:
            self.sources.append(source)
        return self.sources.index(source)

    def _put(self, row: tuple) -> None:
        article_id, source, published_at, story, duplicate = row
        while len(self.source) <= article_id:
            grow = max(1024, len(self.source))
            self.source.extend([-1] * grow)
            self.time.extend([NO_TIME] * grow)
            self.month.extend([-1] * grow)
            self.story.extend([0] * grow)
        if self.source[article_id] == -1 or self.story[article_id] != story:
            if self.source[article_id] != -1:
                self.story_size[self.story[article_id]] -= 1
            self.story_size[story] += 1
        self.source[article_id] = -2 if duplicate else self._code(source)
        self.time[article_id] = epoch(published_at)
        self.month[article_id] = month_code(published_at)
        self.story[article_id] = story

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Take in articles stored and revised since the last call (the first call reads them all)."""
        with self.lock:
            top = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
            top_revision = conn.execute("SELECT coalesce(max(id), 0) FROM revisions").fetchone()[0]
            if top < self.max_id or top_revision < self.max_revision:  # a store rebuilt in place: start over
                self._clear()
            if top > self.max_id:
                for row in conn.execute(f"SELECT {_COLUMNS} FROM articles WHERE id > ? ORDER BY id", [self.max_id]):
                    self._put(row)
                self.max_id = top
            if top_revision > self.max_revision:
                edited = [r[0] for r in conn.execute(
                    "SELECT DISTINCT article_id FROM revisions WHERE id > ?", [self.max_revision])]
                for row in conn.execute(f"SELECT {_COLUMNS} FROM articles WHERE id {IN_IDS}", [id_list(edited)]):
                    self._put(row)
                self.max_revision = top_revision

    def select(self, ids: Iterable[int], *, source: str | None, since: int | None, month: int | None,
               sizes: tuple[int, int] | None) -> list[int]:
        """The ids (of the given ones) that are articles, not exact copies, and pass the filters."""
        code = self.sources.index(source) if source in self.sources else (-3 if source else None)
        out = []
        src, tm, mon, story, size = self.source, self.time, self.month, self.story, self.story_size
        n = len(src)
        for i in ids:
            if i >= n or src[i] < 0:
                continue
            if (code is not None and src[i] != code) or (since is not None and tm[i] < since):
                continue
            if month is not None and mon[i] != month:
                continue
            if sizes is not None and not sizes[0] <= max(1, size[story[i]]) <= sizes[1]:
                continue
            out.append(i)
        return out


_CACHES: dict[tuple[str, int, int], ArticleAttrs] = {}
_CACHES_LOCK = threading.Lock()


def _identity(path: str) -> tuple[str, int, int]:
    """The path and the file it names now: a store rebuilt at the same path is another file."""
    try:
        st = os.stat(path)
    except OSError:
        return (path, 0, 0)
    return (path, st.st_dev, st.st_ino)


def attrs_for(path: str) -> ArticleAttrs:
    """The attrs of the store at path, per file (refresh also starts over if the ids went back)."""
    key = _identity(path)
    with _CACHES_LOCK:
        if key not in _CACHES:
            for stale in [k for k in _CACHES if k[0] == path]:  # the old file's arrays go with it
                del _CACHES[stale]
            _CACHES[key] = ArticleAttrs()
        return _CACHES[key]
