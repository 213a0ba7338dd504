"""A loaded topic: ``Topic.classify`` turns an article into a ``Verdict``.

The pipeline per article: cut it into units (the article, or each briefing item) → scan each unit's text for
every term of the topic in one pass → confirm ambiguous glued matches with Kiwi → resolve the shared place name
and the sense of ambiguous subject words → score centrality → keep the best unit. Kiwi is loaded on the first
article that needs it, never on import.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newswatch.topics.errors import TopicError
from newswatch.topics.evidence import Analyst, build_scanner, firm_sides
from newswatch.topics.features import Scored, score
from newswatch.topics.segments import split_units
from newswatch.topics.spec import TopicSpec, read_topic
from newswatch.topics.verdict import Verdict, build_verdict

if TYPE_CHECKING:
    from newswatch.core.article import Article

SHIPPED = Path(__file__).resolve().parent


def publication_day(published_at: str | date | None) -> date | None:
    """The article's date from an ISO 8601 string (or a date); None when absent or unreadable."""
    if published_at is None or published_at == "":
        return None
    if isinstance(published_at, datetime):
        return published_at.date()
    if isinstance(published_at, date):
        return published_at
    try:
        return datetime.fromisoformat(str(published_at).strip()).date()
    except ValueError:
        try:
            return date.fromisoformat(str(published_at).strip()[:10])
        except ValueError:
            return None


class Topic:
    def __init__(self, spec: TopicSpec) -> None:
        self.spec = spec
        self._analyst = Analyst(spec, build_scanner(spec))

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def threshold(self) -> float:
        return self.spec.threshold

    def score_units(self, title: str, body: str, subtitle: str | None = None,
                    published_at: str | date | None = None) -> tuple[list[Scored], bool]:
        """Every unit's features and score (what ``classify`` decides from; the training script reads it)."""
        units, briefing = split_units(title or "", subtitle, body or "", self.spec.segments)
        day = publication_day(published_at)
        evidence = [self._analyst.analyse(u, day) for u in units]
        if briefing and len(units) > 1:  # a district digest: items without a firm name share the others' place
            shared = firm_sides(evidence)
            if shared:
                evidence = [self._analyst.analyse(u, day, shared) for u in units]
        scored = [score(self.spec, ev) for ev in evidence]
        if not scored:  # an empty article: judge the title alone
            units, _ = split_units(title or "", subtitle, "", self.spec.segments)
            scored = [score(self.spec, self._analyst.analyse(u, day)) for u in units]
        return scored, briefing

    def classify(self, title: str, body: str, subtitle: str | None = None,
                 published_at: str | date | None = None) -> Verdict:
        """Is this article about the topic? ``body``: paragraphs separated by blank lines."""
        scored, briefing = self.score_units(title, body, subtitle, published_at)
        best = max(range(len(scored)), key=lambda i: scored[i].score)
        return build_verdict(self.spec, scored, best, briefing)

    def classify_article(self, article: Article) -> Verdict:
        return self.classify(article.title, article.body_text, article.subtitle, article.published_at)

    def __repr__(self) -> str:
        return f"Topic({self.spec.name!r}, {self.spec.path!r})"


_loaded: dict[tuple[str, float], Topic] = {}


def shipped_topics() -> list[str]:
    return sorted(p.stem.replace("_", "-") for p in SHIPPED.glob("*.toml"))


def topic_path(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        return Path(name_or_path)
    path = SHIPPED / f"{text.replace('-', '_')}.toml"
    if not path.exists():
        raise TopicError(f"unknown topic {text!r}: shipped topics are {', '.join(shipped_topics())}; "
                         "or give the path of a .toml topic file")
    return path


def load_topic(name_or_path: str | Path) -> Topic:
    """A shipped topic by name ("gwangju-ai") or a topic file by path; reloaded when the file changes."""
    path = topic_path(name_or_path)
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError as exc:
        raise TopicError(f"{path}: cannot read topic file: {exc.strerror or exc}") from None
    topic = _loaded.get(key)
    if topic is None:
        topic = _loaded[key] = Topic(read_topic(path))
    return topic
