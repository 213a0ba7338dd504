"""How a rule decides which new articles it alerts on, and says why: a topic (newswatch.topics) or a query."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from newswatch.core.config import RuleConfig
from newswatch.core.query import compile_query

if TYPE_CHECKING:
    from newswatch.topics import Topic
    from storage import Store


@dataclass
class Match:
    why: str  # one line a reader understands
    terms: list[str] = field(default_factory=list)  # what to highlight in the title and snippet


class Matcher(Protocol):
    def match(self, store: Store, article_ids: list[int]) -> dict[int, Match]: ...

    def explain(self, store: Store, article_id: int) -> tuple[bool, str]: ...


class QueryMatcher:
    """A plain keyword rule: the store's full-text query decides."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.terms = compile_query(query).terms

    def match(self, store: Store, article_ids: list[int]) -> dict[int, Match]:
        return {i: Match(self._why(store, i), self.terms) for i in sorted(store.matches(self.query, article_ids))}

    def _why(self, store: Store, article_id: int) -> str:
        stored = store.article(article_id)
        text = f"{stored.article.title}\n{stored.article.body_text}".lower() if stored else ""
        found = [t for t in self.terms if t.lower() in text]
        return f"검색어 「{self.query}」: {', '.join(found) or '일치'}"

    def explain(self, store: Store, article_id: int) -> tuple[bool, str]:
        matched = bool(store.matches(self.query, [article_id]))
        verdict = "맞음" if matched else "맞지 않음"
        return matched, f"검색어 규칙 「{self.query}」: {verdict}\n{self._why(store, article_id) if matched else ''}"


class TopicMatcher:
    """A topic rule: the topic engine judges each article and gives its why-line."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic

    def match(self, store: Store, article_ids: list[int]) -> dict[int, Match]:
        found: dict[int, Match] = {}
        for article_id in article_ids:
            stored = store.article(article_id)
            if stored is None:
                continue
            verdict = self.topic.classify_article(stored.article)
            if verdict.relevant:
                terms = list(dict.fromkeys(e.text for e in (*verdict.place, *verdict.subject)))
                found[article_id] = Match(verdict.why(), terms)
        return found

    def explain(self, store: Store, article_id: int) -> tuple[bool, str]:
        stored = store.article(article_id)
        if stored is None:
            return False, f"no article {article_id}"
        verdict = self.topic.classify_article(stored.article)
        return verdict.relevant, verdict.explain()


def matcher_for(rule: RuleConfig) -> Matcher:
    if rule.query:
        return QueryMatcher(rule.query)
    from newswatch.topics import load_topic

    return TopicMatcher(load_topic(rule.topic))
