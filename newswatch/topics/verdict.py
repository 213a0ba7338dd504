"""A topic's decision on one article, with the reasons a reader can check: a one-line why (for an email entry)
and a multi-line explain (for ``newswatch alerts explain``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from newswatch.core.oneline import one_line as clip
from newswatch.topics.evidence import Actor, Mention
from newswatch.topics.features import Scored
from newswatch.topics.spec import FEATURES, TopicSpec

_FEATURE_NAMES = {
    "place": "장소 근거", "rival": "동명 지역 근거", "subject": "주제 근거", "other_sense": "다른 뜻의 주제어",
    "head": "제목·첫 문단에 장소와 주제", "cooccur": "장소와 주제가 한 문장·문단에", "subject_spread": "주제 문단 비율",
    "place_spread": "장소 문단 비율", "elsewhere": "다른 지역 근거", "elsewhere_head": "제목·첫 문단의 다른 지역 우세",
    "against": "부수적 언급 단서", "actor": "기사의 주체",
}


@dataclass(frozen=True)
class Evidence:
    """One term's evidence summed over the unit: what was found, what it was taken for, where, how much."""

    text: str  # as written, e.g. "첨단3지구"
    label: str  # what kind, e.g. "장소"
    side: str  # what it supports, e.g. "광주광역시", "경기도 광주시", "인공지능", "조류인플루엔자"
    where: str  # the first segment it appears in
    count: int
    weight: float
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        times = f" ×{self.count}" if self.count > 1 else ""
        notes = f" — {'; '.join(self.notes)}" if self.notes else ""
        return f"{self.text} ({self.label}, {self.side}){times} · {self.where} · {self.weight:.2f}{notes}"


@dataclass
class UnitScore:
    label: str
    score: float
    heading: str


@dataclass
class Verdict:
    topic: str
    topic_title: str
    relevant: bool
    score: float
    threshold: float
    segment: str  # the deciding segment's text, clipped
    segment_label: str  # e.g. "제목", "2번째 문단", "브리핑 1번째 항목 · 1번째 항목 본문"
    place: list[Evidence]
    subject: list[Evidence]
    against: list[Evidence]
    place_label: str  # the place the article was resolved to ("" when none)
    subject_label: str
    unit_label: str
    briefing: bool
    actor: str = ""  # whose story: "광주광역시 (제목 「광주시」, 첫 문장 「광주시」)", "" when nobody's
    actor_is_target: bool = False
    units: list[UnitScore] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0

    def why(self) -> str:
        """One line: place and subject evidence, the deciding segment, score and threshold."""
        parts = [f"장소: {_summary(self.place_label, self.place)}",
                 f"주제: {_summary(self.subject_label, self.subject)}"]
        against = [_against_word(e) for e in self.against[:3]]
        if self.actor and not self.actor_is_target:
            against.insert(0, f"다른 지역 기사({self.actor.split(' (')[0]})")
        if against:
            parts.append("반대: " + ", ".join(against))
        parts.append(f"근거: {self.segment_label} 「{clip(self.segment, 40)}」")
        mark = "" if self.relevant else " 미달"
        parts.append(f"점수 {self.score:.2f}/{self.threshold:.2f}{mark}")
        return " · ".join(parts)

    def explain(self) -> str:
        """Several lines: the decision, evidence for and against, scores per unit, each feature's share."""
        decision = "관련 있음" if self.relevant else "관련 없음"
        sign = "≥" if self.relevant else "<"
        lines = [f"주제 {self.topic_title} ({self.topic}): {decision} — 점수 {self.score:.2f} {sign} 기준 "
                 f"{self.threshold:.2f}"]
        if self.briefing:
            items = sum("항목" in u.label for u in self.units)
            lines.append(f"브리핑으로 읽음: 항목 {items}개를 따로 판단, 점수가 가장 높은 {self.unit_label}로 결정")
        lines.append(f"근거 구간: {self.segment_label} 「{clip(self.segment, 90)}」")
        lines.append(f"장소 판단: {self.place_label or '없음'}")
        lines.append(f"기사의 주체: {self.actor or '특정 지역 없음'}")
        for title, items in (("장소 근거", self.place), ("주제 근거", self.subject), ("반대 근거", self.against)):
            lines.append(f"{title}:" + ("" if items else " 없음"))
            lines += [f"  - {e}" for e in items[:8]]
            if len(items) > 8:
                lines.append(f"  … 외 {len(items) - 8}건")
        if len(self.units) > 1:
            lines.append("항목별 점수:")
            lines += [f"  - {u.label}: {u.score:.2f} 「{clip(u.heading, 40)}」" for u in self.units]
        lines.append(f"점수 계산 ({self.unit_label}):")
        for k in FEATURES:
            v, w = self.features.get(k, 0.0), self.weights.get(k, 0.0)
            if v or w:
                lines.append(f"  {_FEATURE_NAMES[k]:<18} {v:6.2f} × {w:+.2f} = {v * w:+.2f}")
        logit = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in self.features.items())
        lines.append(f"  {'기본값':<18} {self.bias:+.2f}  → 합계 {logit:+.2f} → 점수 {self.score:.2f}")
        lines.append(f"결정: {decision} ({self.score:.2f} {sign} {self.threshold:.2f})")
        return "\n".join(lines)


def _summary(label: str, items: list[Evidence]) -> str:
    if not label:
        return "없음"
    shown = [e.text for e in items if e.text != label][:3]
    return f"{label}({', '.join(shown)})" if shown else label


def _against_word(e: Evidence) -> str:
    if e.notes:
        return f"{e.notes[0].split(' (')[0]}({e.text})"
    return f"{e.side}({e.text})"


def _gather(mentions: list[Mention], scored: Scored, label_of) -> list[Evidence]:  # noqa: ANN001
    segs = scored.evidence.unit.segments
    groups: dict[tuple[str, str], list[Mention]] = {}
    for m in mentions:
        groups.setdefault((label_of(m), m.surface), []).append(m)
    out = []
    for (side, text), ms in groups.items():
        notes = tuple(dict.fromkeys(n for m in ms for n in m.notes))
        first = min(ms, key=lambda m: (m.seg, m.start))
        out.append(Evidence(text, ms[0].label, side, segs[first.seg].label, len(ms), sum(m.weight for m in ms),
                            notes))
    return sorted(out, key=lambda e: -e.weight)


def describe_actor(actor: Actor) -> str:
    """"부산 (제목 「부산」, 첫 문장 「부산시」)": the place whose story it is and where it is named."""
    if not actor.side:
        return ""
    lead = actor.strongest(actor.side)
    assert lead is not None
    name = lead.label if actor.side == "target" else lead.surface
    where = ", ".join(f"{v.where} 「{v.surface}」" + ("" if v.side == actor.side else " 반대")
                      for v in actor.votes)
    return f"{name} ({where})"


def build_verdict(spec: TopicSpec, scored: list[Scored], best: int, briefing: bool) -> Verdict:
    top = scored[best]
    ev = top.evidence
    ms = ev.mentions
    place = spec.place
    rival_labels = [r.label for r in place.rivals]

    def side_label(m: Mention) -> str:
        if m.side == "target":
            return place.target.label
        if m.side == "rival":
            return rival_labels[m.rival] if m.rival >= 0 else "동명 지역"
        if m.side == "elsewhere":
            return place.elsewhere.label
        if m.side == "subject":
            return spec.subject.label
        if m.side == "against":
            return spec.against.label
        return m.side

    target = [m for m in ms if m.side == "target"]
    rival = [m for m in ms if m.side == "rival"]
    t_sum, r_sum = sum(m.weight for m in target), sum(m.weight for m in rival)
    place_label = ""
    if t_sum or r_sum:
        place_label = place.target.label if t_sum >= r_sum else (ev.rival_label or "동명 지역")
    subjects = [m for m in ms if m.side == "subject"]
    against_ms = rival + [m for m in ms if m.kind in ("other_sense", "against")]
    against_ms += [m for m in target if m.factor < 0.5 and any(n for n in m.notes if "확률" not in n)]
    if top.features.get("elsewhere_head", 0.0) > 0 or top.features.get("elsewhere", 0.0) > 1.0:
        against_ms += [m for m in ms if m.side == "elsewhere"]
    if place_label != place.target.label:
        against_ms = [m for m in against_ms if m.side != "rival"]
    seg = ev.unit.segments[top.deciding]
    label = f"브리핑 {seg.label}" if briefing else seg.label
    units = [UnitScore(s.evidence.unit.label, s.score,
                       next((g.text for g in s.evidence.unit.segments if g.kind != "context"), ""))
             for s in scored]
    return Verdict(
        topic=spec.name, topic_title=spec.title, relevant=top.score >= spec.threshold, score=top.score,
        threshold=spec.threshold, segment=clip(seg.text, 200), segment_label=label,  # noqa: E501
        place=_gather(target + (rival if place_label != place.target.label else []), top, side_label),
        subject=_gather(subjects, top, side_label),
        against=_gather(against_ms, top, side_label),
        place_label=place_label, subject_label=spec.subject.label if subjects else "",
        actor=describe_actor(ev.actor), actor_is_target=ev.actor.side == "target",
        unit_label=ev.unit.label, briefing=briefing, units=units, features=dict(top.features),
        weights=dict(spec.weights), bias=spec.bias,
    )
