"""Field coverage of a crawl: which fields its new and changed articles had, kept with the crawl record.

The health monitors (newswatch.health) compare a source's recent coverage with its own history: a page object
whose selector stopped matching shows up as a field that the source's articles normally have and suddenly lack.
Only articles whose extraction is new (new, updated, duplicate) are counted: an unchanged article read the same
fields as when it was first counted, so counting it again on every re-check would only repeat old evidence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from newswatch.core.article import Article

# The fields watched, each with how it reads in a notice. "body" is watched by its length.
FIELDS = {"title": "title", "date": "publication date", "author": "author", "body": "body length",
          "images": "images"}
PRESENCE_FIELDS = ("title", "date", "author", "images")  # present or not; body is judged by its length
SAMPLES = 5  # example URLs kept per missing field and crawl
MAX_LENGTHS = 1000  # body lengths kept per crawl (a first backfill may save thousands)


def present(article: Article) -> dict[str, bool]:
    """Which watched fields the article has."""
    return {"title": bool(article.title.strip()), "date": bool(article.published_at),
            "author": bool(article.authors), "images": bool(article.images)}


@dataclass
class Coverage:
    """Counts of one crawl, built article by article (crawler.pipelines) and stored as JSON."""

    articles: int = 0
    present: Counter[str] = field(default_factory=Counter)
    body_chars: list[int] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # field -> sample URLs lacking it
    problems: Counter[str] = field(default_factory=Counter)  # what the page objects reported
    shortest: list[tuple[int, str]] = field(default_factory=list)  # (body length, URL) of the shortest bodies

    def add(self, article: Article) -> None:
        self.articles += 1
        for name, has in present(article).items():
            if has:
                self.present[name] += 1
            else:
                samples = self.missing.setdefault(name, [])
                if len(samples) < SAMPLES:
                    samples.append(article.url)
        if len(self.body_chars) < MAX_LENGTHS:
            self.body_chars.append(len(article.body_text))
        self.shortest = sorted([*self.shortest, (len(article.body_text), article.url)])[:SAMPLES]
        self.problems.update(article.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "present": {name: self.present[name] for name in PRESENCE_FIELDS},
                "body_chars": self.body_chars, "missing": self.missing, "problems": dict(self.problems),
                "shortest": [list(pair) for pair in self.shortest]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Coverage:
        data = data or {}
        return cls(int(data.get("articles", 0)), Counter(data.get("present") or {}),
                   list(data.get("body_chars") or []), dict(data.get("missing") or {}),
                   Counter(data.get("problems") or {}), [(int(n), str(u)) for n, u in data.get("shortest") or []])
