"""The second story stage: do two articles report one event? Compares what the event is, not how it is written.

The first stage (storage.stories) joins copies: texts sharing at least half their shingles. A heavy rewrite —
a next-morning analysis, a Q&A, a guide — keeps only a third to a half of the release's text, while two releases
of one department (successive rounds, similar agreements, stages of one project) share as much through its
standard paragraphs. What tells them apart is the event's specifics: a rewrite repeats the release's amounts,
counts, dates and names (800억원, 130명, 5월 12일, 에코셀); a release of the next round has its own. So for a
candidate the first stage did not accept, this module compares

- specifics: numbers with their units and amounts, dates and times, short quoted names ('타랑께'),
  found by regular expressions (cheap, no analyser);
- names and content nouns from the Korean analyser (newswatch.text.korean, Kiwi), computed only for such
  candidates and cached, since Kiwi costs about 10 µs a character;
- title similarity, specifics the titles disagree on (6기 vs 5기, 800억 vs 350억), opinion pieces ([사설]) and
  the time gap,

and combines them with a logistic model fitted on the development pairs (``benchmarks/story_eval.py --fit``);
the threshold was chosen on the same pairs. The result says why, in words (``Match.reason``).
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from newswatch.core.clock import read_time
from storage.storytext import normalise

# --- specifics: numbers with units, dates, times, short quoted names --------------------------------------------

_UNITS = ("억달러|만달러|달러|조원|억원|천만원|백만원|만원|천원|원|개사|개소|개교|개국|개월|개|명|곳|건|가구|세대|대|"
          "톤|t|㎞|km|킬로미터|㎡|m|ha|%|퍼센트|주년|년|주|시간|분|기|차|회|단계|호선|층|편성|배|위|석|마리|그루|종|"
          "점|세|권|편|팀|학급|학교|병원|노선|정거장|장|회차|호|명분")
_MAGNITUDE = {"조": 10**12, "억": 10**8, "만": 10**4, "천": 10**3}
_UNIT_SAME = {"km": "㎞", "킬로미터": "㎞", "퍼센트": "%", "톤": "t"}
_DATE = re.compile(r"(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_YEAR_MONTH = re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월(?!\s*\d)")
_TIME = re.compile(r"(오전|오후|밤|새벽|낮)?\s*(\d{1,2})\s*시(?:\s*(\d{1,2})\s*분)?"
                   r"(?!간|민|장|청|의회|설|공|행|범|내|도|군)")  # not 시간, 시민, 시장, 시청 …
# an amount: "800억원", "2조 8,000억원", "3만 1,000㎡", "6천가구", "1,100여 명", "41.8㎞"
_AMOUNT = re.compile(r"(?<![\d.,])(\d[\d,]*(?:\.\d+)?)\s*(?:여\s*)?(조|억|만|천)?"
                     r"(?:\s*(\d[\d,]*)\s*(?:여\s*)?(억|만|천)?)?\s*(?:여\s*)?(" + _UNITS + ")?")
_QUOTES = {"'": "'", "‘": "’", '"': '"', "“": "”", "「": "」", "『": "』"}
_OPINION = re.compile(r"^\s*[\[【<(]\s*[^\]】>)]{0,6}(사설|칼럼|기자수첩|시론|시평|기고|논단|데스크|오피니언|취재수첩|"
                      r"취재후기|수첩|옴부즈맨|만평|독자투고|사람과\s*사람)[^\]】>)]{0,6}[\]】>)]")
_AFTERNOON = {"오후", "밤"}
LEAD_CHARS = 150
OPINION_UNMARKED = 1.0  # an unmarked piece that argues counts as marked
FACTS_TO_DISAGREE = 4  # specifics each article must state before sharing none of them rules a pair out
ANALYSED_CHARS = 600  # of the text, after the title, given to Kiwi (~10 µs a character: ~10 ms at most)


def amounts(text: str) -> list[tuple[str, str, str]]:
    """Counted things as (value, unit, as written): "2조 8,000억원" → ("2800000000000", "원", "2조 8,000억원").

    Values are written out, so "6천가구" and "6,000가구", "800억" (won, in a title) and "800억원" are the same.
    """
    out = []
    for m in _AMOUNT.finditer(text):
        first, magnitude, second, magnitude2, unit = m.groups()
        if not magnitude and not unit:
            continue
        try:
            value = float(first.replace(",", "")) * _MAGNITUDE.get(magnitude or "", 1)
            if second and magnitude:
                rest, scale = float(second.replace(",", "")), _MAGNITUDE.get(magnitude2 or "", 1)
                if scale > _MAGNITUDE[magnitude]:  # "1천200억": (1천 + 200) 억
                    value = (value + rest) * scale
                else:  # "2조 8,000억", "3만 1,000"
                    value += rest * scale
        except ValueError:
            continue
        unit = unit or ""
        if unit == "분" and text[m.end():m.end() + 1] in ("기", "의"):
            continue  # "3분기" is a quarter, "3분의 1" a fraction: not minutes
        for prefix, scale in (("조", 10**12), ("억", 10**8), ("천만", 10**7), ("백만", 10**6), ("만", 10**4),
                              ("천", 10**3)):
            if unit.startswith(prefix) and len(unit) > len(prefix):  # "억원", "만달러": magnitude in the unit
                value, unit = value * scale, unit[len(prefix):]
                break
        if not unit and magnitude in ("조", "억"):
            unit = "원"  # "800억 투자": won, as news titles write it
        unit = _UNIT_SAME.get(unit, unit)
        if not unit or (unit == "년" and not magnitude):
            continue  # a bare magnitude ("3만") or a bare year ("2027년") says nothing alone
        out.append((f"{value:.0f}" if value == int(value) else f"{value:g}", unit, m[0].strip()))
    return out


def quoted(text: str) -> list[str]:
    """Short quoted names ('타랑께', "기업 연계 프로젝트"), quotes paired in order within each paragraph."""
    out = []
    for line in text.splitlines():
        i = 0
        while i < len(line):
            close = _QUOTES.get(line[i])
            if close is None:
                i += 1
                continue
            j = line.find(close, i + 1)
            if j < 0:
                break
            inner = normalise(line[i + 1 : j])
            if 2 <= len(inner) <= 20:
                out.append(inner)
            i = j + 1
    return out


def specifics(text: str) -> dict[str, str]:
    """The event's facts a rewrite repeats — amounts with units, dates, times, short quoted names — each normalised
    (the key) with the form first written (the value, for explanations).

    Bare numbers, bare years and bare days (the dateline's "12일") are left out: they say nothing alone.
    """
    found: dict[str, str] = {}
    for m in _DATE.finditer(text):
        found.setdefault(f"{int(m[2])}월{int(m[3])}일", f"{int(m[2])}월 {int(m[3])}일")
    rest = _DATE.sub(" ", text)
    for m in _YEAR_MONTH.finditer(rest):
        found.setdefault(f"{m[1]}년{int(m[2])}월", f"{m[1]}년 {int(m[2])}월")
    rest = _YEAR_MONTH.sub(" ", rest)
    for m in _TIME.finditer(rest):
        hour = int(m[2]) + (12 if m[1] in _AFTERNOON and int(m[2]) < 12 else 0)
        if hour <= 24:
            found.setdefault(f"{hour}시" + (f"{int(m[3])}분" if m[3] else ""), m[0].strip())
    rest = _TIME.sub(" ", rest)
    for value, unit, written in amounts(rest):
        found.setdefault(value + unit, written)
    for q in quoted(text):
        found.setdefault(f"'{q}'", f"'{q}'")
    return found


_QUOTED = re.compile(r"[\"“][^\"“”\n]*[\"”]")
_SENTENCE = re.compile(r"[^.?!\n]+[.?!]")
_NORMATIVE = re.compile(r"(야\s*한다|필요하다|바란다|않은가|는가|을까|일까|할\s*일이다|말아야\s*한다|낫다|마땅하다|"
                        r"안\s*된다|아니다)[.?!]$")


def is_opinion(title: str) -> bool:
    """An editorial or column ([사설], [칼럼], [기자수첩] …) comments on an event; it does not report it."""
    return bool(_OPINION.match(title))


def opinion(title: str, text: str) -> float:
    """1 for a piece marked as opinion, or unmarked but arguing: three or more of its own sentences (quotes
    aside), at least 15 %, end "…해야 한다", "…바란다", "…아닌가" (dev reports have at most two — eligibility
    rules such as "…이하여야 한다" — dev editorials three to five). A mildly arguing unmarked column is missed."""
    if is_opinion(title):
        return 1.0
    sentences = [s.strip() for s in _SENTENCE.findall(_QUOTED.sub('""', text))]
    arguing = sum(bool(_NORMATIVE.search(s)) for s in sentences)
    return OPINION_UNMARKED if arguing >= 3 and arguing >= 0.15 * len(sentences) else 0.0


def _bigrams(text: str) -> set[str]:
    norm = normalise(text)
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def title_numbers(title: str) -> dict[str, set[str]]:
    """Counted things in a title by unit: {'기': {'6'}, '명': {'200'}} (a title disagreeing on one is another event)."""
    out: dict[str, set[str]] = {}
    for value, unit, _ in amounts(title):
        out.setdefault(unit, set()).add(value)
    return out


# --- per-article profiles ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class Profile:
    """What the second stage compares of one article; ``nouns``/``names`` filled on demand (Kiwi)."""

    title: str
    text: str
    when: datetime | None
    specifics: dict[str, str]
    title_grams: set[str]
    title_numbers: dict[str, set[str]]
    numbers: dict[str, set[str]]  # every amount of title and text by unit
    lead: set[str]  # the specifics of the title and the first paragraphs: the event's own facts
    opinion: float
    nouns: set[str] | None = None
    names: set[str] | None = None
    extra: dict[str, object] = field(default_factory=dict)


def profile(title: str, text: str, published_at: str | None) -> Profile:
    """The cheap part of an article's profile (regular expressions only)."""
    when = read_time(published_at)
    numbers: dict[str, set[str]] = {}
    for value, unit, _ in amounts(title + "\n" + text):
        numbers.setdefault(unit, set()).add(value)
    return Profile(title, text, when, specifics(title + "\n" + text), _bigrams(title), title_numbers(title), numbers,
                   set(specifics(title + "\n" + lead_text(text))), opinion(title, text))


def lead_text(text: str, at_least: int = LEAD_CHARS) -> str:
    """The first paragraphs, at least ``at_least`` characters: where a report puts what happened."""
    kept, size = [], 0
    for paragraph in text.split("\n"):
        if paragraph.strip():
            kept.append(paragraph)
            size += len(paragraph)
            if size >= at_least:
                break
    return "\n".join(kept)


def analyse(*profiles: Profile) -> None:
    """Fill in content nouns and names with Kiwi — the costly part, so only for pairs that need it — analysing
    the texts not done yet in one call (Kiwi spreads a batch over its worker threads)."""
    from newswatch.text.korean import NOUN_TAGS, analyser

    todo = [p for p in dict.fromkeys(profiles) if p.nouns is None]
    if not todo:
        return
    texts = [p.title + "\n" + p.text[:ANALYSED_CHARS] for p in todo]
    results = analyser().tokenize(texts) if len(texts) > 1 else [analyser().tokenize(texts[0])]
    for p, tokens in zip(todo, results, strict=True):
        nouns = {t.form for t in tokens if t.tag in NOUN_TAGS and len(t.form) >= 2}
        p.nouns, p.names = nouns, {t.form for t in tokens if t.tag in ("NNP", "SL") and len(t.form) >= 2}


class ProfileCache:
    """Recent articles' profiles by id, so a candidate is analysed once while it stays in the window (one per
    process: the stores of a crawl's spider and pipeline share it; a lock keeps it whole across threads)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int], Profile] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, article_id: int, title: str, text: str, published_at: str | None) -> Profile:
        key = (article_id, hash((title, text, published_at)))
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        made = profile(title, text, published_at)
        with self._lock:
            found = self._items.setdefault(key, made)
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return found


# The model: fitted on the dev pairs by benchmarks/story_eval.py --fit (weights for the features() names)
WEIGHTS: dict[str, float] = {"text": 4.087, "specifics": 1.864, "specifics_cover": 5.089, "nouns": 7.031,
                              "names": 4.648, "title": 0.000, "lead": 0.621, "title_conflict": -1.013,
                              "date_conflict": -5.937, "opinion": -5.939}
INTERCEPT = -8.217
# dev: different-event comparisons score at most 0.43 (0.59 with their event left out of the fit), a release and
# its heavy rewrite at least 0.96, two heavy rewrites of one release down to 0.69 (they join through the
# release). The threshold sits between, nearer the rewrites: a false join costs more than a missed one
THRESHOLD = 0.7


# --- features and the model -------------------------------------------------------------------------------------


def _containment(a: set[str], b: set[str], floor: int = 1) -> float:
    return len(a & b) / max(min(len(a), len(b)), floor)


def title_conflict(a: Profile, b: Profile) -> float:
    """1 when the titles count one thing differently (6기 vs 5기, 800억 vs 350억) and neither text has the other's
    figure: a rewrite's title may pick another figure of the release (300대 of its 3,000대), another event's cannot.
    """
    for unit in a.title_numbers.keys() & b.title_numbers.keys():
        mine, theirs = a.title_numbers[unit], b.title_numbers[unit]
        if not mine & theirs and not (mine <= b.numbers.get(unit, set()) or theirs <= a.numbers.get(unit, set())):
            return 1.0
    return 0.0


def features(share: float, a: Profile, b: Profile) -> dict[str, float]:
    """The second stage's evidence for one pair (``share``: the shorter text's shingles found in the other)."""
    analyse(a, b)
    assert a.nouns is not None and b.nouns is not None and a.names is not None and b.names is not None
    gap = abs((a.when - b.when).total_seconds()) / 86400 if a.when and b.when else 3.0
    shared = a.specifics.keys() & b.specifics.keys()
    return {
        "text": share,
        "specifics": specifics_share(a, b),
        "specifics_cover": len(shared) / max(len(a.specifics), len(b.specifics), 4),
        "specifics_n": math.log1p(len(shared)),
        "nouns": len(a.nouns & b.nouns) / max(len(a.nouns | b.nouns), 1),
        "names": _containment(a.names, b.names, floor=3),
        "title": len(a.title_grams & b.title_grams) / max(len(a.title_grams | b.title_grams), 1),
        "title_conflict": title_conflict(a, b),
        "lead": lead_cover(a, b),
        "date_conflict": date_conflict(a, b),
        "opinion": max(a.opinion, b.opinion),
        "gap_days": min(gap, 7.0),
    }


_DAY = re.compile(r"^\d+월\d+일$")


def date_conflict(a: Profile, b: Profile) -> float:
    """1 when both name calendar days and none is the same: one event has one date (its day, its deadline)."""
    days_a = {k for k in a.specifics if _DAY.match(k)}
    days_b = {k for k in b.specifics if _DAY.match(k)}
    return float(bool(days_a) and bool(days_b) and not days_a & days_b)


def lead_cover(a: Profile, b: Profile) -> float:
    """How much of one article's lead facts the other has (the better direction: the release's lead is the
    event, a rewrite's lead may be an opening without figures); 0.5 when neither lead has any."""
    found = [len(x.lead & y.specifics.keys()) / max(len(x.lead), 2) for x, y in ((a, b), (b, a)) if x.lead]
    return max(found) if found else 0.5


def specifics_share(a: Profile, b: Profile) -> float:
    """Shared specifics over the smaller set (at least 4: two or three numbers in common prove little)."""
    return len(a.specifics.keys() & b.specifics.keys()) / max(min(len(a.specifics), len(b.specifics)), 4)


def facts_disagree(a: Profile, b: Profile) -> bool:
    """Both state several facts and not one is the same: two events, however alike their wording (a department's
    releases share its vocabulary and names; a rewrite of one repeats at least one of its figures)."""
    return (min(len(a.specifics), len(b.specifics)) >= FACTS_TO_DISAGREE
            and not a.specifics.keys() & b.specifics.keys())


def shared_specifics(a: Profile, b: Profile, limit: int = 6) -> list[str]:
    """What the two have in common, as written in ``b`` (the earlier article): specifics first, then names."""
    out = [b.specifics[k] for k in b.specifics if k in a.specifics]
    if a.names is not None and b.names is not None:
        out += sorted(a.names & b.names, key=len, reverse=True)
    return out[:limit]


def score(values: dict[str, float]) -> float:
    """The model's probability that the two articles report one event."""
    z = INTERCEPT + sum(WEIGHTS[name] * values[name] for name in WEIGHTS)
    return 1 / (1 + math.exp(-z))
