"""A topic file read into typed, validated settings.

A topic is data, not code: gazetteers, term lists, weights, patterns and the threshold all live in the TOML file,
so a user can copy the shipped Gwangju-AI topic into, say, a 부산-반도체 topic without touching Python. Every
problem is reported as ``TopicError("<file>: line <n>: <what is wrong>")``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path as FilePath
from typing import Any

from newswatch.topics.errors import TopicError
from newswatch.topics.linemap import LineMap, Path

FEATURES = ("place", "rival", "subject", "other_sense", "head", "cooccur", "subject_spread", "place_spread",
            "elsewhere", "elsewhere_head", "against", "actor")
"""The scorer's features, in the order of ``[model.weights]`` (see features.py for what each measures)."""


@dataclass(frozen=True)
class TermGroup:
    """Terms that count alike: one weight, one label for why-lines, an optional period of validity."""

    key: str  # where it is written, e.g. "place.target.officials"
    label: str
    weight: float
    terms: tuple[str, ...]
    since: date | None = None
    until: date | None = None
    outside_factor: float = 0.0  # weight multiplier for articles published outside [since, until]
    verify: bool = False  # check glued matches with the morphological analyser
    supporting: bool = False  # counts only beside a firm name of the same side (a district: 동구, 북구)

    def factor_on(self, day: date | None) -> float:
        if day is None:
            return 1.0
        if (self.since and day < self.since) or (self.until and day > self.until):
            return self.outside_factor
        return 1.0


@dataclass(frozen=True)
class Side:
    """One named set of term groups: the target place, one rival place, other places, the subject, against."""

    key: str
    label: str
    groups: tuple[TermGroup, ...]


@dataclass(frozen=True)
class Role:
    """A way of naming the place that makes it marginal ("광주처럼", "광주 출신"): its mentions count less."""

    label: str
    factor: float
    after: re.Pattern[str] | None
    before: re.Pattern[str] | None
    sentence: re.Pattern[str] | None


@dataclass(frozen=True)
class ActorSpec:
    """Whose story is it: the place named first where a reporter names the story's main actor (the title's first
    clause, the lead's first sentence, the wire dateline), quotes skipped. Each gives a weighted vote."""

    title: float  # the first place named in the title's first clause
    title_later: float  # ... failing that, in a later clause ("…광주시 '감염 경로 예측' 착수")
    lead: float  # the places named in the subject of the lead's first sentence
    dateline: float  # the wire office: "(대전=뉴스원)"
    clause_break: re.Pattern[str] | None  # ends the title's first clause ("…")
    quote: re.Pattern[str] | None  # quoted speech: someone's words, not the reporter's actor
    not_after: re.Pattern[str] | None  # a place followed by this is not the actor ("미국을 방문 중인 …")
    secondary_factor: float  # what mentions of a place other than the actor count for

    @property
    def total(self) -> float:
        return self.title + self.lead + self.dateline


@dataclass(frozen=True)
class Sense:
    """A competing meaning of some subject terms (AI = avian influenza), decided per mention from its context."""

    label: str
    terms: frozenset[str]
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    adjacent_weight: float
    paragraph_factor: float
    strong: TermGroup | None
    cues: TermGroup | None
    counter: TermGroup | None  # cues that neutralise ``cues`` (방역 for human disease is not the avian sense)
    main: TermGroup | None  # cues for the topic's own sense
    sticky: bool  # once defined next to a mention ("국제앰네스티(AI)"), the unit's other mentions follow
    sticky_margin: float  # ... unless their own sentence has at least this much main-sense evidence


@dataclass(frozen=True)
class Segments:
    item_markers: tuple[str, ...]
    item_patterns: tuple[re.Pattern[str], ...]
    digest_titles: tuple[re.Pattern[str], ...]
    dateline: re.Pattern[str] | None
    min_items: int
    position: dict[str, float]


@dataclass(frozen=True)
class PlaceSpec:
    anchors: tuple[str, ...]
    anchor_label: str
    anchor_weight: float
    anchor_prior: float
    resolve_slope: float
    suffixes: tuple[str, ...]
    not_place: tuple[str, ...]
    list_separator: re.Pattern[str]
    list_min: int
    list_factor: float
    list_tail: re.Pattern[str] | None
    list_gap_letters: int  # places apart by figures and a comma are a list too ("경기 2,140억원, 광주 1,520억원")
    target: Side
    rivals: tuple[Side, ...]
    elsewhere: Side
    partners: TermGroup | None
    roles: tuple[Role, ...]
    actor: ActorSpec | None


@dataclass(frozen=True)
class TopicSpec:
    name: str
    title: str
    description: str
    threshold: float
    path: str
    segments: Segments
    place: PlaceSpec
    subject: Side
    senses: tuple[Sense, ...]
    against: Side
    bias: float
    weights: dict[str, float]


_POSITIONS = ("title", "subtitle", "lead", "body", "dateline", "context")


class _Reader:
    """Typed access to the parsed TOML that reports the file and line of anything wrong."""

    def __init__(self, path: str, lines: LineMap) -> None:
        self.path = path
        self.lines = lines

    def fail(self, where: Path, message: str, element: object = None) -> TopicError:
        line = self.lines.element_line(where, element) if element is not None else self.lines.line(where)
        dotted = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in where).replace(".[", "[")
        at = f"line {line}: " if line else ""
        return TopicError(f"{self.path}: {at}{dotted}: {message}")

    def table(self, data: Any, where: Path, known: set[str] | None = None, required: bool = True) -> dict[str, Any]:
        if data is None:
            if required:
                raise self.fail(where, "missing table")
            return {}
        if not isinstance(data, dict):
            raise self.fail(where, f"expected a table, got {type(data).__name__}")
        if known is not None:
            for key in data:
                if key not in known:
                    raise self.fail((*where, key), f"unknown key {key!r} (known: {', '.join(sorted(known))})")
        return data

    def value(self, table: dict[str, Any], where: Path, key: str, kind: type | tuple[type, ...],
              default: Any = ..., ) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail(where, f"missing key {key!r}")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(k.__name__ for k in kinds)
            raise self.fail((*where, key), f"expected {names}, got {type(value).__name__} {value!r}")
        return value

    def strings(self, table: dict[str, Any], where: Path, key: str, default: Any = ...) -> tuple[str, ...]:
        values = self.value(table, where, key, list, default)
        if values is default and default is not ...:
            return tuple(default)
        if not values:
            raise self.fail((*where, key), "empty list")
        for v in values:
            if not isinstance(v, str) or not v.strip():
                raise self.fail((*where, key), f"expected non-empty strings, got {v!r}", element=v)
        return tuple(values)

    def regex(self, table: dict[str, Any], where: Path, key: str, required: bool = False) -> re.Pattern[str] | None:
        text = self.value(table, where, key, str, ... if required else None)
        if text is None:
            return None
        return self.compile(text, (*where, key))

    def compile(self, text: str, where: Path) -> re.Pattern[str]:
        try:
            return re.compile(text)
        except re.error as exc:
            raise self.fail(where, f"bad regular expression {text!r}: {exc}", element=text) from None

    def group(self, data: Any, where: Path) -> TermGroup:
        t = self.table(data, where, {"label", "weight", "terms", "since", "until", "outside_factor", "verify",
                                     "supporting"})
        since = self.value(t, where, "since", date, None)
        until = self.value(t, where, "until", date, None)
        weight = self.value(t, where, "weight", float)
        if weight < 0:
            raise self.fail((*where, "weight"), f"weight must be >= 0, got {weight}")
        return TermGroup(
            key=".".join(str(p) for p in where),
            label=self.value(t, where, "label", str, str(where[-1])),
            weight=weight,
            terms=self.strings(t, where, "terms"),
            since=since,
            until=until,
            outside_factor=self.value(t, where, "outside_factor", float, 0.0),
            verify=self.value(t, where, "verify", bool, False),
            supporting=self.value(t, where, "supporting", bool, False),
        )

    def side(self, data: Any, where: Path) -> Side:
        t = self.table(data, where)
        label = self.value(t, where, "label", str)
        groups = tuple(self.group(v, (*where, k)) for k, v in t.items() if k != "label")
        if not groups:
            raise self.fail(where, "no term groups (add a sub-table with weight and terms)")
        return Side(".".join(str(p) for p in where), label, groups)


def _segments(r: _Reader, data: Any) -> Segments:
    w: Path = ("segments",)
    t = r.table(data, w, {"item_markers", "item_patterns", "digest_titles", "dateline", "min_items", "position"})
    pos_where: Path = (*w, "position")
    pos = r.table(t.get("position"), pos_where, set(_POSITIONS))
    position = {k: r.value(pos, pos_where, k, float) for k in _POSITIONS}
    return Segments(
        item_markers=r.strings(t, w, "item_markers"),
        item_patterns=tuple(r.compile(p, (*w, "item_patterns")) for p in r.strings(t, w, "item_patterns", ())),
        digest_titles=tuple(r.compile(p, (*w, "digest_titles")) for p in r.strings(t, w, "digest_titles", ())),
        dateline=r.regex(t, w, "dateline"),
        min_items=r.value(t, w, "min_items", int, 2),
        position=position,
    )


def _roles(r: _Reader, data: Any) -> tuple[Role, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise r.fail(("place", "roles"), "expected an array of tables [[place.roles]]")
    roles = []
    for i, item in enumerate(data):
        w: Path = ("place", "roles", i)
        t = r.table(item, w, {"label", "factor", "after", "before", "sentence"})
        role = Role(r.value(t, w, "label", str), r.value(t, w, "factor", float), r.regex(t, w, "after"),
                    r.regex(t, w, "before"), r.regex(t, w, "sentence"))
        if not (role.after or role.before or role.sentence):
            raise r.fail(w, "a role needs at least one of after, before, sentence")
        roles.append(role)
    return tuple(roles)


def _actor(r: _Reader, data: Any) -> ActorSpec | None:
    if data is None:
        return None
    w: Path = ("place", "actor")
    t = r.table(data, w, {"title", "title_later", "lead", "dateline", "clause_break", "quote", "not_after",
                          "secondary_factor"})
    actor = ActorSpec(
        title=r.value(t, w, "title", float, 2.0),
        title_later=r.value(t, w, "title_later", float, 1.0),
        lead=r.value(t, w, "lead", float, 1.5),
        dateline=r.value(t, w, "dateline", float, 0.5),
        clause_break=r.regex(t, w, "clause_break"),
        quote=r.regex(t, w, "quote"),
        not_after=r.regex(t, w, "not_after"),
        secondary_factor=r.value(t, w, "secondary_factor", float, 1.0),
    )
    for key in ("title", "title_later", "lead", "dateline", "secondary_factor"):
        if getattr(actor, key) < 0:
            raise r.fail((*w, key), f"must be >= 0, got {getattr(actor, key)}")
    if actor.total <= 0:
        raise r.fail(w, "title, lead and dateline votes are all 0")
    return actor


def _place(r: _Reader, data: Any) -> PlaceSpec:
    w: Path = ("place",)
    known = {"anchors", "anchor_label", "anchor_weight", "anchor_prior", "resolve_slope", "suffixes", "not_place",
             "list_separator", "list_min", "list_factor", "list_tail", "list_gap_letters", "target", "rivals",
             "elsewhere", "partners", "roles", "actor"}
    t = r.table(data, w, known)
    rivals = r.value(t, w, "rivals", list, [])
    return PlaceSpec(
        anchors=r.strings(t, w, "anchors"),
        anchor_label=r.value(t, w, "anchor_label", str, "지명"),
        anchor_weight=r.value(t, w, "anchor_weight", float, 1.0),
        anchor_prior=r.value(t, w, "anchor_prior", float, 1.0),
        resolve_slope=r.value(t, w, "resolve_slope", float, 2.0),
        suffixes=r.strings(t, w, "suffixes", ()),
        not_place=r.strings(t, w, "not_place", ()),
        list_separator=r.regex(t, w, "list_separator") or re.compile(r"[·ㆍ,、/]"),
        list_min=r.value(t, w, "list_min", int, 3),
        list_factor=r.value(t, w, "list_factor", float, 0.2),
        list_tail=r.regex(t, w, "list_tail"),
        list_gap_letters=r.value(t, w, "list_gap_letters", int, 0),
        target=r.side(t.get("target"), (*w, "target")),
        rivals=tuple(r.side(v, (*w, "rivals", i)) for i, v in enumerate(rivals)),
        elsewhere=r.side(t.get("elsewhere"), (*w, "elsewhere")),
        partners=r.group(t["partners"], (*w, "partners")) if "partners" in t else None,
        roles=_roles(r, t.get("roles")),
        actor=_actor(r, t.get("actor")),
    )


def _senses(r: _Reader, data: Any) -> tuple[Sense, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise r.fail(("subject", "senses"), "expected an array of tables [[subject.senses]]")
    senses = []
    for i, item in enumerate(data):
        w: Path = ("subject", "senses", i)
        known = {"label", "terms", "before", "after", "adjacent_weight", "paragraph_factor", "strong", "cues",
                 "counter", "main", "sticky", "sticky_margin"}
        t = r.table(item, w, known)
        groups = {k: r.group(t[k], (*w, k)) if k in t else None for k in ("strong", "cues", "counter", "main")}
        senses.append(Sense(
            label=r.value(t, w, "label", str),
            terms=frozenset(r.strings(t, w, "terms")),
            before=r.regex(t, w, "before"),
            after=r.regex(t, w, "after"),
            adjacent_weight=r.value(t, w, "adjacent_weight", float, 3.0),
            paragraph_factor=r.value(t, w, "paragraph_factor", float, 0.3),
            strong=groups["strong"],
            cues=groups["cues"],
            counter=groups["counter"],
            main=groups["main"],
            sticky=r.value(t, w, "sticky", bool, False),
            sticky_margin=r.value(t, w, "sticky_margin", float, 1.0),
        ))
        if senses[-1].before is None and senses[-1].after is None and senses[-1].strong is None:
            raise r.fail(w, "a sense needs before, after or strong cues to be ever chosen")
    return tuple(senses)


def _model(r: _Reader, data: Any) -> tuple[float, dict[str, float]]:
    w: Path = ("model",)
    t = r.table(data, w, {"bias", "weights"})
    ww: Path = (*w, "weights")
    weights = r.table(t.get("weights"), ww, set(FEATURES))
    return r.value(t, w, "bias", float), {k: r.value(weights, ww, k, float, 0.0) for k in FEATURES}


def parse_topic(text: str, path: str) -> TopicSpec:
    """Read and validate a topic file's text; ``path`` is only used to name the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"line {m.group(1)}, column {m.group(2)}: " if m else ""
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise TopicError(f"{path}: {where}bad TOML: {reason}") from None
    r = _Reader(path, LineMap(text))
    r.table(data, (), {"topic", "segments", "place", "subject", "against", "model"})
    w: Path = ("topic",)
    topic = r.table(data.get("topic"), w, {"name", "title", "description", "threshold"})
    threshold = r.value(topic, w, "threshold", float)
    if not 0.0 < threshold < 1.0:
        raise r.fail((*w, "threshold"), f"threshold must be between 0 and 1, got {threshold}")
    subject = r.table(data.get("subject"), ("subject",))
    bias, weights = _model(r, data.get("model"))
    return TopicSpec(
        name=r.value(topic, w, "name", str),
        title=r.value(topic, w, "title", str),
        description=r.value(topic, w, "description", str, ""),
        threshold=threshold,
        path=path,
        segments=_segments(r, data.get("segments")),
        place=_place(r, data.get("place")),
        subject=r.side({k: v for k, v in subject.items() if k != "senses"}, ("subject",)),
        senses=_senses(r, subject.get("senses")),
        against=r.side(data.get("against"), ("against",)),
        bias=bias,
        weights=weights,
    )


def read_topic(path: str | FilePath) -> TopicSpec:
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TopicError(f"{path}: cannot read topic file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise TopicError(f"{path}: not UTF-8 text: {exc}") from None
    return parse_topic(text, str(path))
