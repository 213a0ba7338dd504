"""An article cut into the pieces a reader weighs differently: title, subtitle, lead, paragraphs — and, for
briefings and roundups, into items that are each judged alone (one item about the topic is enough; an avian-flu
or 경기 광주 item elsewhere in the digest must not sink it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newswatch.topics.spec import Segments

_DIGEST_LABEL = re.compile(r"^\s*[\[【<〔]([^\]】>〕]{1,24})[\]】>〕]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")


@dataclass
class Segment:
    label: str  # for readers: "제목", "첫 문단", "3번째 문단", "2번째 항목 제목"
    kind: str  # position class: title | subtitle | lead | body | context
    text: str
    dateline_end: int = 0  # mentions before this offset are in the wire dateline "(광주=뉴스원) 기자 ="
    sentences: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.sentences:
            self.sentences = split_sentences(self.text)

    def sentence_of(self, offset: int) -> int:
        for i, (start, end) in enumerate(self.sentences):
            if start <= offset < end:
                return i
        return max(0, len(self.sentences) - 1)


@dataclass
class Unit:
    """What is judged alone: the whole article, or one briefing item (with the digest title as context)."""

    label: str  # "기사 전체" | "브리핑 2번째 항목"
    segments: list[Segment]
    item: int = 0  # 1-based item number in a briefing; 0 for a whole article


def split_sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


def paragraphs(body: str) -> list[str]:
    """Paragraphs separated by blank lines (single newlines stay inside a paragraph)."""
    return [p.strip() for p in re.split(r"\n\s*\n", body.replace("\r\n", "\n")) if p.strip()]


def _dateline_end(text: str, spec: Segments) -> int:
    if spec.dateline is None:
        return 0
    m = spec.dateline.match(text)
    return m.end() if m else 0


def _item_start(paragraph: str, spec: Segments) -> str | None:
    """The paragraph without its item mark when it opens a briefing item, else None."""
    stripped = paragraph.lstrip()
    for mark in spec.item_markers:
        if stripped.startswith(mark):
            return stripped[len(mark):].lstrip()
    for pattern in spec.item_patterns:
        if pattern.match(stripped):
            return stripped
    return None


def _marked_label(title: str, spec: Segments) -> str | None:
    """A digest title that is all label behind an item mark ("◇ 북구 소식", "■ 호남 단신"): the label."""
    stripped = title.strip()
    for mark in spec.item_markers:
        if stripped.startswith(mark):
            rest = stripped[len(mark):].strip()
            return rest if 0 < len(rest) <= 24 else None
    return None


def _article_unit(title: str, subtitle: str | None, paras: list[str], spec: Segments) -> Unit:
    segs = []
    if title.strip():
        segs.append(Segment("제목", "title", title.strip()))
    if subtitle and subtitle.strip():
        segs.append(Segment("부제", "subtitle", subtitle.strip()))
    for i, p in enumerate(paras, 1):
        kind = "lead" if i == 1 else "body"
        segs.append(Segment("첫 문단" if i == 1 else f"{i}번째 문단", kind, p, _dateline_end(p, spec)))
    return Unit("기사 전체", segs)


def split_units(title: str, subtitle: str | None, body: str, spec: Segments) -> tuple[list[Unit], bool]:
    """The units to judge and whether the article was read as a briefing."""
    paras = paragraphs(body)
    starts = [_item_start(p, spec) for p in paras]
    marked = sum(s is not None for s in starts)
    digest_title = any(p.search(title) for p in spec.digest_titles)
    if marked < spec.min_items and not (digest_title and len(paras) >= 3):
        return [_article_unit(title, subtitle, paras, spec)], False
    if marked < spec.min_items:  # a digest without marks: every paragraph is an item
        starts = list(paras)
    # Only the digest's label ("[광주소식]", "[북구 소식]") places every item; the rest of its title is usually
    # one item's headline ("… 경기 광주 남한산성 야간 개방 外") and must not colour the other items.
    label = _DIGEST_LABEL.match(title)
    text = label.group(1) if label else _marked_label(title, spec)
    context = [Segment("브리핑 머리표", "context", text)] if text else []
    units: list[Unit] = []
    current: list[Segment] | None = None
    for p, start in zip(paras, starts, strict=True):
        if start is not None:
            n = len(units) + 1
            head, _, rest = start.partition("\n")
            if not rest.strip():  # "◇ 광주시가 … 설치했습니다. 고려인마을 …": the first sentence is the header
                spans = split_sentences(head)
                if len(spans) > 1:
                    head, rest = head[: spans[0][1]], head[spans[1][0]:]
            current = [*context, Segment(f"{n}번째 항목 제목", "title", head.strip())]
            if rest.strip():
                current.append(Segment(f"{n}번째 항목 본문", "lead", rest.strip(), _dateline_end(rest.strip(), spec)))
            units.append(Unit(f"브리핑 {n}번째 항목", current, item=n))
        elif current is not None:
            body_count = sum(s.kind in ("lead", "body") for s in current)
            kind = "lead" if body_count == 0 else "body"
            current.append(Segment(f"{len(units)}번째 항목 본문", kind, p, _dateline_end(p, spec)))
        else:  # text before the first item: an introduction, judged as its own small unit
            units.append(Unit("브리핑 머리말", [*context, Segment("머리말", "lead", p, _dateline_end(p, spec))]))
    return units, True
