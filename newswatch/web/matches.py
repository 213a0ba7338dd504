"""Which articles a rule or a saved search matches, and why: the alert matchers (newswatch.alerts.matching) run
over the newest articles, one entry per story, as feeds and rule pages show them.

A feed entry is a story's first matching article: copies of the story that arrive later are listed under it, never
a new entry, and an entry's id comes from its article's (source, source_id), so it is the same on every fetch.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from newswatch.alerts.matching import Match, Matcher, QueryMatcher, matcher_for
from newswatch.core.config import RuleConfig
from newswatch.web.reader import Reader
from storage.stories import StoryMember

TOPIC_WINDOW = 500  # a topic rule judges the newest this many articles of its sources (verdicts are cached)
QUERY_WINDOW = 200  # a query looks at its newest this many matches
FEED_ENTRIES = 50
VERDICTS_PER_RULE = 4 * TOPIC_WINDOW  # verdicts kept: a few windows' worth per rule, the least recently used go
_MISSING = object()


class VerdictCache:
    """A bounded LRU of verdicts by (rule, article id, revision): the server runs for months, articles keep coming."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self._items: OrderedDict[tuple[str, int, int], Match | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int]) -> Any:
        """The verdict (None: no match), or _MISSING if not judged or forgotten."""
        with self._lock:
            if key not in self._items:
                return _MISSING
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: tuple[str, int, int], verdict: Match | None) -> None:
        with self._lock:
            self._items[key] = verdict
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Entry:
    article: dict[str, Any]  # Reader.summaries row
    match: Match
    copies: list[StoryMember] = field(default_factory=list)  # the story's other articles, oldest first


class Rules:
    """The configured alert rules, each rule's matcher built once, verdicts cached per article revision."""

    def __init__(self, rules: list[RuleConfig]) -> None:
        self.rules = {r.name: r for r in rules}
        self._matchers: dict[str, Matcher] = {}
        self._verdicts = VerdictCache(VERDICTS_PER_RULE * max(1, len(self.rules)))
        self._lock = threading.Lock()

    def get(self, name: str) -> RuleConfig | None:
        return self.rules.get(name)

    def match(self, reader: Reader, rule: RuleConfig, ids: list[int]) -> dict[int, Match]:
        """The rule's verdicts on these articles (a rule restricted to a source matches nothing elsewhere)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        revisions = dict(reader.conn.execute(
            f"SELECT id, revision FROM articles WHERE id IN ({marks})"
            + (" AND source = ?" if rule.source else ""), [*ids, *([rule.source] if rule.source else [])]))
        known = {i: self._verdicts.get((rule.name, i, rev)) for i, rev in revisions.items()}
        todo = [i for i, verdict in known.items() if verdict is _MISSING]
        if todo:
            with self._lock:  # built once per rule; topic engines are not assumed thread-safe
                if rule.name not in self._matchers:
                    self._matchers[rule.name] = matcher_for(rule)
                matcher = self._matchers[rule.name]
                verdicts = matcher.match(reader, todo)
            for i in todo:
                known[i] = verdicts.get(i)
                self._verdicts.put((rule.name, i, revisions[i]), known[i])
        return {i: verdict for i, verdict in known.items() if verdict is not None}

    def entries(self, reader: Reader, rule: RuleConfig, limit: int = FEED_ENTRIES) -> list[Entry]:
        sources = [rule.source] if rule.source else None
        if rule.query:
            ids = newest_matches(reader, rule.query, sources, QUERY_WINDOW)
        else:
            ids = reader.recent_ids(sources, TOPIC_WINDOW)
        return entries(reader, self.match(reader, rule, ids), limit)


def newest_matches(reader: Reader, query: str, sources: list[str] | None, limit: int,
                   since: str | None = None) -> list[int]:
    """The newest articles (by arrival) a query matches, exact copies left out."""
    from newswatch.core.query import compile_query
    from storage.search import since_bound

    where, params = ["articles_fts MATCH ?", "a.duplicate_of IS NULL"], [compile_query(query).match]
    if sources:
        where.append(f"a.source IN ({','.join('?' * len(sources))})")
        params.extend(sources)
    if (start := since_bound(since)) is not None:
        where.append("a.published_at >= ?")
        params.append(start)
    return [r[0] for r in reader.conn.execute(
        f"SELECT a.id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid WHERE {' AND '.join(where)} "
        f"ORDER BY a.id DESC LIMIT ?", [*params, limit])]


def search_entries(reader: Reader, query: str, source: str | None, since: str | None,
                   limit: int = FEED_ENTRIES, ids: list[int] | None = None) -> list[Entry]:
    """A saved search as a feed: its newest matches (or the given ones, already filtered further), why-lines from
    the alert query matcher."""
    if ids is None:
        ids = newest_matches(reader, query, [source] if source else None, QUERY_WINDOW, since)
    return entries(reader, QueryMatcher(query).match(reader, ids), limit)


def entries(reader: Reader, found: dict[int, Match], limit: int) -> list[Entry]:
    """One entry per story: its first matching article (lowest id), the story's other articles as copies."""
    rows = reader.summaries(found)
    first: dict[int, int] = {}
    for article_id in sorted(rows):
        first.setdefault(rows[article_id]["story_id"], article_id)
    chosen = sorted(first.values(), reverse=True)[:limit]
    members = reader.stories.members([rows[i]["story_id"] for i in chosen])
    return [Entry(rows[i], found[i], [m for m in members.get(rows[i]["story_id"], []) if m.article_id != i])
            for i in chosen]
