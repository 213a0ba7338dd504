"""From surface hits to weighed evidence for one unit (an article or one briefing item).

Three decisions are made here, each from the unit's own text:
- is a glued or ambiguous match really the name (광주 in 광주리? 대전 in 대전환?) — asked of the analyser;
- which place a shared name means (광주: the target city or a rival such as 경기도 광주시), like named-entity
  disambiguation: specific evidence for each side (districts, officials, landmarks, explicit "경기 광주")
  against a prior for the target;
- which sense an ambiguous subject term has (AI: intelligence or avian influenza), per mention, from cues in its
  own sentence and more weakly its paragraph — so one avian item does not veto a whole briefing.
It also marks marginal ways of naming the place (in a list of cities, as a model to copy, as a hometown), and
decides whose story the unit is: the place named where a reporter names the main actor (the title's first clause,
the lead's first sentence, the dateline). Mentions of the other places then count as secondary, so a Busan story
that compares itself with Gwangju at length stays Busan's, and a Gwangju story naming Seoul stays Gwangju's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

from newswatch.text import korean
from newswatch.topics.scanner import Hit, Scanner
from newswatch.topics.segments import Segment, Unit
from newswatch.topics.spec import ActorSpec, Sense, TermGroup, TopicSpec

# Korean particles and copula forms that may follow a name without changing what it names.
_PARTICLES = frozenset({
    "은", "는", "이", "가", "을", "를", "의", "에", "에서", "에게", "와", "과", "도", "로",
    "으로", "만", "까지", "부터", "처럼", "보다", "이나", "나", "랑", "이랑", "께서", "란", "이란",
    "엔", "에선", "에는", "에도", "과의", "와의", "에서도", "에서는", "으로는", "로는", "이다", "이며",
    "이고", "에서의", "으로의", "로의", "만의", "까지의", "에만", "이라", "라", "야", "이라는", "라는",
    "와는", "과는", "와도", "과도", "뿐", "마저", "조차", "같이", "이었다", "였다",
})
_HANGUL = re.compile(r"[가-힣]+")
_LIST_MARK = re.compile(r"[,·ㆍ/、]")


@dataclass(frozen=True)
class Meaning:
    """What a term stands for in a topic."""

    kind: str  # anchor | place | subject | against | not_place | sense_strong | sense_cue | sense_counter | sense_main
    side: str = ""  # for places: target | rival | elsewhere | partner
    rival: int = -1  # which rival side
    group: TermGroup | None = None
    sense: int = -1  # which competing sense, for sense_* kinds


@dataclass(frozen=True)
class SenseCue:
    seg: int
    sent: int
    meaning: Meaning


@dataclass
class Mention:
    """One piece of evidence, with the words a reader needs to check it."""

    surface: str  # as written in the article
    kind: str  # place | subject | other_sense | against
    side: str  # target | rival | elsewhere | partner | subject | against | <sense label>
    label: str  # group label, e.g. "인물", "모델·학습"
    seg: int
    sent: int
    start: int
    end: int
    base: float
    position: float
    factor: float = 1.0
    notes: list[str] = field(default_factory=list)
    rival: int = -1
    supporting: bool = False  # counts only beside other evidence of its side (a bare 동구 may be any city's)
    chain_end: int = 0  # end of the run of places it is listed in ("광주·대구")
    role: str = ""  # a marginal way of naming the place ("여러 지역 목록 속 언급", "본보기로만 언급")

    @property
    def weight(self) -> float:
        return self.base * self.position * self.factor


@dataclass(frozen=True)
class Vote:
    """One place where a reporter names the story's actor, and the place named there."""

    where: str  # "제목", "제목 뒷부분", "첫 문장", "발신지"
    surface: str
    side: str  # target | other
    label: str  # the place's side label, e.g. "광주광역시", "다른 시도"
    weight: float


@dataclass
class Actor:
    """Whose story the unit is: +1 the target's, -1 another place's, 0 nobody's (a national story)."""

    vote: float
    votes: list[Vote]

    @property
    def side(self) -> str:
        return "target" if self.vote > 0 else "other" if self.vote < 0 else ""

    def strongest(self, side: str) -> Vote | None:
        found = [v for v in self.votes if v.side == side]
        return max(found, key=lambda v: v.weight) if found else None


def firm_sides(evidence: list[UnitEvidence]) -> frozenset[str]:
    """The one side that a briefing's items name firmly, if only one is ("target" when they are all the
    target's: its other items' districts are the target's too); empty when none or several."""
    sums = {"target": 0.0, "rival": 0.0, "elsewhere": 0.0}
    for ev in evidence:
        for m in ev.mentions:
            if m.kind == "place" and not m.supporting and m.side in sums and not m.role:
                sums[m.side] += m.base * m.factor
    if sums["target"] > 0 and sums["rival"] == 0 and sums["elsewhere"] < sums["target"]:
        return frozenset({"target"})
    return frozenset()


@dataclass
class UnitEvidence:
    unit: Unit
    mentions: list[Mention]
    target_probability: float  # that the unit's shared names (광주) mean the target
    rival_label: str
    actor: Actor = field(default_factory=lambda: Actor(0.0, []))


def build_scanner(spec: TopicSpec) -> Scanner:
    pairs: list[tuple[str, Meaning]] = []
    place = spec.place
    for term in place.anchors:
        pairs.append((term, Meaning("anchor", "target")))
    for term in place.not_place:
        pairs.append((term, Meaning("not_place")))
    for group in place.target.groups:
        pairs += [(t, Meaning("place", "target", group=group)) for t in group.terms]
    for i, side in enumerate(place.rivals):
        for group in side.groups:
            pairs += [(t, Meaning("place", "rival", rival=i, group=group)) for t in group.terms]
    for group in place.elsewhere.groups:
        pairs += [(t, Meaning("place", "elsewhere", group=group)) for t in group.terms]
    if place.partners:
        pairs += [(t, Meaning("place", "partner", group=place.partners)) for t in place.partners.terms]
    for group in spec.subject.groups:
        pairs += [(t, Meaning("subject", group=group)) for t in group.terms]
    for group in spec.against.groups:
        pairs += [(t, Meaning("against", group=group)) for t in group.terms]
    for i, sense in enumerate(spec.senses):
        for kind, group in (("sense_strong", sense.strong), ("sense_cue", sense.cues),
                            ("sense_counter", sense.counter), ("sense_main", sense.main)):
            if group is not None:
                pairs += [(t, Meaning(kind, group=group, sense=i)) for t in group.terms]
    terms: dict[str, list[Meaning]] = {}
    for term, meaning in pairs:
        terms.setdefault(term, []).append(meaning)
    return Scanner(terms)


class Analyst:
    """Turns a unit's text into mentions; one per topic, stateless between calls."""

    def __init__(self, spec: TopicSpec, scanner: Scanner) -> None:
        self.spec = spec
        self.scanner = scanner
        self.suffixes = tuple(sorted(spec.place.suffixes, key=len, reverse=True))

    # --- is the match the name? ------------------------------------------------------------------------------

    def _plain_tail(self, tail: str) -> bool:
        """A glued tail that needs no analysis: nothing, a particle, or a known suffix plus a particle."""
        if not tail or tail in _PARTICLES:
            return True
        for suffix in self.suffixes:
            if tail.startswith(suffix) and (len(tail) == len(suffix) or tail[len(suffix):] in _PARTICLES):
                return True
        return False

    def _confirmed(self, seg: Segment, hit: Hit) -> bool:
        """Is this short or ambiguous match really the name? Kiwi decides when letters are glued to it."""
        tail_m = _HANGUL.match(seg.text, hit.end)
        tail = tail_m.group() if tail_m else ""
        glued_left = hit.start > 0 and bool(_HANGUL.match(seg.text[hit.start - 1]))
        if not glued_left and self._plain_tail(tail):
            return True
        s_start, s_end = seg.sentences[seg.sentence_of(hit.start)]
        token = korean.token_at(seg.text[s_start:s_end], hit.start - s_start)
        if token is None or token.start != hit.start - s_start:  # inside a longer word: 강서구, not 서구
            return False
        return token.tag == "NNP" or token.form == hit.key

    def _anchor_inside(self, seg: Segment, hit: Hit) -> Hit | None:
        """A not-place word (광주리) that the analyser reads as the name plus more (광주 + 리그)."""
        s_start, s_end = seg.sentences[seg.sentence_of(hit.start)]
        token = korean.token_at(seg.text[s_start:s_end], hit.start - s_start)
        if token is None or token.tag != "NNP":
            return None
        for anchor in self.spec.place.anchors:
            if token.form.startswith(anchor):
                return Hit(anchor, hit.start, hit.start + len(anchor), (Meaning("anchor", "target"),))
        return None

    # --- hits to mentions -------------------------------------------------------------------------------------

    def mentions(self, unit: Unit, day: date | None) -> tuple[list[Mention], list[SenseCue]]:
        """The unit's evidence, and the sense cues found (kept apart: they only matter next to an AI)."""
        position = self.spec.segments.position
        out: list[Mention] = []
        cues: list[SenseCue] = []
        for si, seg in enumerate(unit.segments):
            for hit in self.scanner.scan(seg.text):
                meanings = hit.meanings
                if any(m.kind == "not_place" for m in meanings):
                    replaced = self._anchor_inside(seg, hit)
                    if replaced is None:
                        continue
                    hit, meanings = replaced, replaced.meanings
                needs_check = any(m.kind == "anchor" or (m.group is not None and m.group.verify) for m in meanings)
                if needs_check and not self._confirmed(seg, hit):
                    continue
                pos = position["dateline"] if hit.start < seg.dateline_end else position[seg.kind]
                surface = seg.text[hit.start:hit.end]
                sent = seg.sentence_of(hit.start)
                for m in meanings:
                    if m.kind.startswith("sense_"):
                        cues.append(SenseCue(si, sent, m))
                        continue
                    if seg.kind == "context" and m.kind not in ("anchor", "place"):
                        continue  # a digest title places its items; its subject words belong to one item only
                    if m.kind == "anchor":
                        out.append(Mention(surface, "place", "anchor", self.spec.place.anchor_label, si, sent,
                                           hit.start, hit.end, self.spec.place.anchor_weight, pos))
                        continue
                    assert m.group is not None
                    base = m.group.weight * m.group.factor_on(day)
                    if base <= 0 and m.side != "partner":
                        continue
                    kind = "place" if m.kind == "place" else m.kind
                    side = m.side if m.kind == "place" else m.kind
                    mention = Mention(surface, kind, side, m.group.label, si, sent, hit.start, hit.end, base, pos,
                                      rival=m.rival, supporting=m.group.supporting)
                    if m.group.factor_on(day) != 1.0:
                        mention.notes.append(f"발행일 기준 {m.group.factor_on(day):g}배")
                    out.append(mention)
        return out, cues

    # --- marginal ways of naming the place --------------------------------------------------------------------

    def _figure_gap(self, between: str) -> bool:
        """Only figures, a short label and a comma between two places: a ranking or a table, read as a list
        ("서울 2,870억원, 경기 2,140억원", "대구(로봇), 대전(원천기술)", "서울 1위, 경기·광주")."""
        limit = self.spec.place.list_gap_letters
        return bool(limit) and len(between) <= 24 and _LIST_MARK.search(between) is not None \
            and sum(len(h) for h in _HANGUL.findall(between)) <= limit

    def _strip_suffix(self, text: str) -> str:
        for suffix in self.suffixes:
            if text.startswith(suffix):
                return text[len(suffix):]
        return text

    def drop_lone_supporting(self, unit: Unit, mentions: list[Mention],
                             shared: frozenset[str] = frozenset()) -> list[Mention]:
        """Supporting names (a district such as 동구) count only in a sentence with a firm name of the same side,
        or in a unit whose title or lead has one: 대구 동구 is not 광주 동구. ``shared``: sides that the rest of
        a briefing names firmly (a district digest whose other items are all the target's)."""
        firm = [m for m in mentions if m.kind == "place" and not m.supporting and m.side in ("target", "anchor",
                                                                                               "rival")]
        head_sides = {("target" if m.side == "anchor" else m.side) for m in firm
                      if unit.segments[m.seg].kind in ("title", "subtitle", "lead", "context")}
        sentences = {(m.seg, m.sent, "target" if m.side == "anchor" else m.side) for m in firm}
        keep = []
        for m in mentions:
            if m.supporting and m.side not in head_sides and (m.seg, m.sent, m.side) not in sentences:
                if m.side not in shared:
                    continue
                m.notes.append("브리핑의 다른 항목이 같은 지역")
            keep.append(m)
        return keep

    def mark_roles(self, unit: Unit, mentions: list[Mention]) -> None:
        place = self.spec.place
        places = [m for m in mentions if m.kind == "place"]
        by_sentence: dict[tuple[int, int], list[Mention]] = {}
        for m in places:
            by_sentence.setdefault((m.seg, m.sent), []).append(m)
        for (si, _), group in by_sentence.items():
            text = unit.segments[si].text
            group.sort(key=lambda m: m.start)
            chain = [group[0]]
            chains = []
            for prev, cur in zip(group, group[1:], strict=False):
                between = self._strip_suffix(text[prev.end:cur.start])
                if place.list_separator.match(between) or self._figure_gap(between):
                    chain.append(cur)
                else:
                    chains.append(chain)
                    chain = [cur]
            chains.append(chain)
            for chain in chains:
                for m in chain:
                    m.chain_end = chain[-1].end
                after = self._strip_suffix(text[chain[-1].end:chain[-1].end + 16]).lstrip()
                tail = bool(place.list_tail and place.list_tail.match(after))
                listed = (len(chain) >= place.list_min and any(m.side == "elsewhere" for m in chain)) or (
                    len(chain) >= 2 and after.startswith("등") and any(m.side == "elsewhere" for m in chain)) or tail
                if listed:
                    for m in chain:
                        m.role = m.role or "여러 지역 목록 속 언급"
                        if m.side in ("target", "anchor"):
                            m.factor *= place.list_factor
                            m.notes.append("여러 지역 목록 속 언급")
        for m in places:
            if m.side not in ("target", "anchor"):
                continue
            seg = unit.segments[m.seg]
            s_start, s_end = seg.sentences[m.sent]
            end = max(m.end, m.chain_end)  # "광주·대구 사례 벤치마킹": the role is said of the whole run
            after, before = seg.text[end:end + 30], seg.text[max(0, m.start - 30):m.start]
            sentence = seg.text[s_start:s_end]
            for role in place.roles:
                if ((role.after and role.after.search(after)) or (role.before and role.before.search(before))
                        or (role.sentence and role.sentence.search(sentence))):
                    m.factor *= role.factor
                    m.notes.append(role.label)
                    m.role = m.role or role.label
                    break

    # --- which place a shared name means -----------------------------------------------------------------------

    def resolve_places(self, mentions: list[Mention]) -> tuple[float, str]:
        place = self.spec.place
        target = sum(m.base * m.factor for m in mentions if m.side == "target")
        rival_sums = [0.0] * len(place.rivals)
        for m in mentions:
            if m.side == "rival":
                rival_sums[m.rival] += m.base * m.factor
        best = max(range(len(rival_sums)), key=rival_sums.__getitem__) if rival_sums else -1
        rival = rival_sums[best] if best >= 0 else 0.0
        margin = target + place.anchor_prior - rival
        p = 1.0 / (1.0 + math.exp(-place.resolve_slope * margin))
        rival_label = place.rivals[best].label if best >= 0 else ""
        for m in mentions:
            if m.side != "anchor":
                continue
            if p >= 0.5 or best < 0:
                m.side = "target"
                m.factor *= p
                if p < 0.95:
                    m.notes.append(f"{place.target.label}일 확률 {p:.2f}")
            else:
                m.side, m.rival = "rival", best
                m.factor *= 1.0 - p
                m.notes.append(f"{rival_label}로 판단 (확률 {1 - p:.2f})")
        return p, rival_label

    # --- which sense an ambiguous subject term has --------------------------------------------------------------

    def resolve_senses(self, unit: Unit, mentions: list[Mention], cues: list[SenseCue]) -> None:
        if not self.spec.senses:
            return
        cues_by_seg: dict[int, list[tuple[int, Meaning]]] = {}
        for cue in cues:
            cues_by_seg.setdefault(cue.seg, []).append((cue.sent, cue.meaning))
        defined: set[int] = set()  # senses fixed by a definition such as "국제앰네스티(AI)" in this unit
        undecided: list[tuple[Mention, int, float]] = []
        for m in mentions:
            if m.kind != "subject":
                continue
            for i, sense in enumerate(self.spec.senses):
                if m.surface.replace(" ", "") not in sense.terms:
                    continue
                other, main, adjacent = self._sense_scores(unit, m, i, sense, cues_by_seg.get(m.seg, []), mentions)
                if other > main:
                    m.kind, m.side = "other_sense", sense.label
                    m.notes.append(f"{sense.label} 뜻 (문맥 {other:.1f} 대 {main:.1f})")
                    if adjacent and sense.sticky:
                        defined.add(i)
                    break
                undecided.append((m, i, main))
        for m, i, main in undecided:
            sense = self.spec.senses[i]
            if i in defined and m.kind == "subject" and main < sense.sticky_margin:
                m.kind, m.side = "other_sense", sense.label
                m.notes.append(f"{sense.label} 뜻 (같은 글에서 그 뜻으로 쓰임)")

    def _sense_scores(self, unit: Unit, m: Mention, index: int, sense: Sense,
                      cues: list[tuple[int, Meaning]], mentions: list[Mention]) -> tuple[float, float, bool]:
        """Evidence for the competing sense and for the main one; and whether the words next to it decided."""
        seg = unit.segments[m.seg]
        before, after = seg.text[max(0, m.start - 30):m.start], seg.text[m.end:m.end + 20]
        other = 0.0
        adjacent = bool((sense.before and sense.before.search(before)) or (sense.after and sense.after.search(after)))
        if adjacent:
            other += sense.adjacent_weight
        near: dict[str, float] = {"sense_strong": 0.0, "sense_cue": 0.0, "sense_counter": 0.0, "sense_main": 0.0}
        far = dict(near)
        for sent, meaning in cues:
            if meaning.sense != index or meaning.group is None:
                continue
            bucket = near if sent == m.sent else far
            bucket[meaning.kind] += meaning.group.weight
        for other_m in mentions:  # unambiguous subject terms are cues for the main sense
            if other_m is m or other_m.kind != "subject" or other_m.seg != m.seg:
                continue
            if other_m.surface.replace(" ", "") in sense.terms:
                continue
            bucket = near if other_m.sent == m.sent else far
            bucket["sense_main"] += other_m.base
        f = sense.paragraph_factor
        other += near["sense_strong"] + max(0.0, near["sense_cue"] - near["sense_counter"])
        other += f * (far["sense_strong"] + max(0.0, far["sense_cue"] - far["sense_counter"]))
        main = near["sense_main"] + f * far["sense_main"]
        return other, main, adjacent

    # --- whose story is it ---------------------------------------------------------------------------------------

    def _places_in(self, actor: ActorSpec, seg: Segment, mentions: list[Mention], start: int,
                   end: int) -> list[Mention]:
        """The places named in seg.text[start:end] outside quotes, not marginal, not an object, in text order."""
        quoted = [q.span() for q in actor.quote.finditer(seg.text)] if actor.quote else []
        # A partner ("전남") named beside the target ("전남·광주") is the target's pair; alone it is another actor.
        paired = {m.chain_end for m in mentions if m.side == "target"}
        found = []
        for m in mentions:
            if not start <= m.start < end or m.role or m.side not in ("target", "rival", "elsewhere", "partner"):
                continue
            if m.side == "partner" and m.chain_end in paired:
                continue
            if any(a <= m.start < b for a, b in quoted):
                continue
            after = self._strip_suffix(seg.text[m.end:m.end + 12])
            if actor.not_after and actor.not_after.match(after):
                continue
            found.append(m)
        return found

    def find_actor(self, unit: Unit, mentions: list[Mention]) -> Actor:
        """Votes from the title's first clause (or a later one), the lead's first sentence and the dateline.

        Within one of these the place named first leads; when the target and another place are both named there
        ("서울 AI 기업 30곳, 광주 첨단3지구로 이전"), the vote is split by their evidence, the first counting twice."""
        actor = self.spec.place.actor
        if actor is None:
            return Actor(0.0, [])
        places = sorted((m for m in mentions if m.kind == "place"), key=lambda m: (m.seg, m.start))
        votes: list[Vote] = []

        def vote(where: str, found: list[Mention], weight: float) -> bool:
            if not found or weight <= 0:
                return False
            sums = {"target": 0.0, "other": 0.0}
            for i, m in enumerate(found):
                base = m.base if m.side != "partner" else 1.0  # partners weigh nothing as evidence, but do act
                sums["target" if m.side == "target" else "other"] += base * (2.0 if i == 0 else 1.0)
            value = (sums["target"] - sums["other"]) / (sums["target"] + sums["other"] or 1.0)
            if value:
                side = "target" if value > 0 else "other"
                first = next(m for m in found if (m.side == "target") == (side == "target"))
                votes.append(Vote(where, first.surface, side, self._side_label(first), weight * abs(value)))
            return True

        title_done = lead_done = False
        for si, seg in enumerate(unit.segments):
            own = [m for m in places if m.seg == si]
            if seg.kind == "title" and not title_done:
                title_done = True
                text = seg.text
                if actor.quote:  # a clause break inside a quote does not end the title's first clause
                    text = actor.quote.sub(lambda q: " " * len(q.group()), text)
                cut = actor.clause_break.search(text) if actor.clause_break else None
                first_end = cut.start() if cut else len(text)
                if not vote("제목", self._places_in(actor, seg, own, 0, first_end), actor.title):
                    vote("제목 뒷부분", self._places_in(actor, seg, own, first_end, len(text)), actor.title_later)
            elif seg.kind == "lead" and not lead_done:
                lead_done = True
                start = seg.dateline_end
                if start:
                    vote("발신지", self._places_in(actor, seg, own, 0, start)[:1], actor.dateline)
                end = next((b for a, b in seg.sentences if b > start), len(seg.text))
                found = self._places_in(actor, seg, own, start, end)
                # When the target and another place are both named, the subject phrase tells the actor from the
                # rest ("광주 첨단3지구의 AI 기업 딥솔이 부산 병원에 …"); the analyser is asked only then.
                cut = korean.subject_end(seg.text[start:end]) \
                    if len({m.side == "target" for m in found}) == 2 else None
                if cut is not None:
                    vote("첫 문장 주어", [m for m in found if m.start < start + cut], actor.lead)
                else:
                    vote("첫 문장", found, actor.lead)
        total = sum(v.weight if v.side == "target" else -v.weight for v in votes)
        return Actor(max(-1.0, min(1.0, total / actor.total)), votes)

    def _side_label(self, m: Mention) -> str:
        place = self.spec.place
        if m.side == "target":
            return place.target.label
        if m.side == "rival":
            return place.rivals[m.rival].label if m.rival >= 0 else "동명 지역"
        if m.side == "partner" and place.partners is not None:
            return place.partners.label
        return place.elsewhere.label

    def mark_secondary(self, actor: Actor, mentions: list[Mention]) -> None:
        """Places other than the actor count less, the more clearly the story is the actor's."""
        spec = self.spec.place.actor
        if spec is None or not actor.vote or spec.secondary_factor == 1.0:
            return
        factor = 1.0 - (1.0 - spec.secondary_factor) * abs(actor.vote)
        lead = actor.strongest(actor.side)
        assert lead is not None
        if actor.side == "target":
            secondary, note = ("elsewhere",), f"{lead.label} 기사 속 다른 지역"
        else:
            secondary, note = ("target",), f"다른 지역({lead.surface}) 기사 속 언급"
        for m in mentions:
            if m.kind == "place" and m.side in secondary:
                m.factor *= factor
                m.notes.append(note)

    def analyse(self, unit: Unit, day: date | None, shared: frozenset[str] = frozenset()) -> UnitEvidence:
        mentions, cues = self.mentions(unit, day)
        mentions = self.drop_lone_supporting(unit, mentions, shared)
        self.mark_roles(unit, mentions)
        p, rival_label = self.resolve_places(mentions)
        actor = self.find_actor(unit, mentions)
        self.mark_secondary(actor, mentions)
        self.resolve_senses(unit, mentions, cues)
        return UnitEvidence(unit, mentions, p, rival_label, actor)
