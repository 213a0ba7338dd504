"""Centrality: is the topic the unit's subject, or a passing mention? Measured as a few explainable numbers,
combined by a logistic scorer whose weights live in the topic file.

Each feature is something a reader can check in the article:
  place          how much evidence for the target place (title counts 3×, a listed or hometown mention little)
  rival          evidence for a rival place of the same name (경기도 광주시)
  subject        how much evidence for the subject in its topic sense
  other_sense    mentions of the subject word in a competing sense (AI = avian influenza)
  head           do the title / subtitle / lead carry both the place and the subject
  cooccur        sentences and paragraphs naming both the place and the subject
  subject_spread share of paragraphs that are about the subject (one AI line in a festival story is low)
  place_spread   share of paragraphs naming the target place
  elsewhere      evidence for other places (서울, 대전, 실리콘밸리 …)
  elsewhere_head how much other places outweigh the target in the title and lead (another city's story)
  against        cues of incidental mentions (a site notice, a ball game, a festival's photo booth)
  actor          whose story it is: +1 the target's, -1 another place's (votes of the title's first clause, the
                 lead's first sentence and the dateline), 0 nobody's
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from newswatch.topics.evidence import Mention, UnitEvidence
from newswatch.topics.spec import FEATURES, TopicSpec

_HEAD = ("title", "subtitle", "lead")
_PARAGRAPH = ("lead", "body")
PRESENT = 0.3  # evidence weight from which a sentence or paragraph counts as naming something


@dataclass
class Scored:
    evidence: UnitEvidence
    features: dict[str, float]
    logit: float
    score: float
    deciding: int  # segment index that best shows the verdict


def _sum(mentions: list[Mention], side: str, segs: set[int] | None = None) -> float:
    return sum(m.weight for m in mentions if m.side == side and (segs is None or m.seg in segs))


def features(ev: UnitEvidence) -> tuple[dict[str, float], int]:
    """The feature values of one unit and the index of its deciding segment."""
    segs = ev.unit.segments
    ms = ev.mentions
    head = {i for i, s in enumerate(segs) if s.kind in _HEAD}
    paras = [i for i, s in enumerate(segs) if s.kind in _PARAGRAPH]
    if not paras:  # a one-paragraph briefing item is all header: spread is measured over it
        paras = [i for i, s in enumerate(segs) if s.kind != "context"]
    per_seg_target = [_sum(ms, "target", {i}) for i in range(len(segs))]
    per_seg_subject = [_sum(ms, "subject", {i}) for i in range(len(segs))]
    per_sentence: dict[tuple[int, int], list[float]] = {}
    for m in ms:
        if segs[m.seg].kind == "context" or m.side not in ("target", "subject"):
            continue
        slot = per_sentence.setdefault((m.seg, m.sent), [0.0, 0.0])
        slot[0 if m.side == "target" else 1] += m.weight / m.position
    both_sentences = sum(1 for t, s in per_sentence.values() if t >= PRESENT and s >= PRESENT)
    both_segments = sum(1 for i, s in enumerate(segs) if s.kind != "context"
                        and per_seg_target[i] >= PRESENT and per_seg_subject[i] >= PRESENT)
    head_place = sum(per_seg_target[i] for i in head)
    head_subject = sum(per_seg_subject[i] for i in head)
    head_elsewhere = _sum(ms, "elsewhere", head)
    values = {
        "place": math.log1p(_sum(ms, "target")),
        "rival": math.log1p(_sum(ms, "rival")),
        "subject": math.log1p(_sum(ms, "subject")),
        "other_sense": math.log1p(sum(1 for m in ms if m.kind == "other_sense")),
        "head": math.sqrt(min(head_place, 3.0) / 3.0 * min(head_subject, 3.0) / 3.0),
        "cooccur": math.log1p(both_sentences + 0.5 * both_segments),
        "subject_spread": (sum(per_seg_subject[i] >= PRESENT for i in paras) / len(paras)) if paras else 0.0,
        "place_spread": (sum(per_seg_target[i] >= PRESENT for i in paras) / len(paras)) if paras else 0.0,
        "elsewhere": math.log1p(_sum(ms, "elsewhere")),
        "elsewhere_head": math.log1p(max(0.0, head_elsewhere - head_place)),
        "against": math.log1p(_sum(ms, "against")),
        "actor": ev.actor.vote,
    }
    assert tuple(values) == FEATURES
    candidates = [i for i, s in enumerate(segs) if s.kind != "context"] or [0]
    deciding = max(candidates, key=lambda i: (min(per_seg_target[i], per_seg_subject[i]),
                                              per_seg_target[i] + per_seg_subject[i], -i))
    return values, deciding


def score(spec: TopicSpec, ev: UnitEvidence) -> Scored:
    values, deciding = features(ev)
    logit = spec.bias + sum(spec.weights[k] * v for k, v in values.items())
    return Scored(ev, values, logit, 1.0 / (1.0 + math.exp(-logit)), deciding)
