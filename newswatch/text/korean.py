"""One shared Korean morphological analyser (Kiwi, from kiwipiepy), loaded on first use.

Kiwi ships its model as a package (kiwipiepy_model), so nothing is downloaded at run time. Loading takes about a
second and analysing costs about 10 µs a character (a 2,400-character article: ~23 ms), so callers analyse only
the sentences they need, and importing this module stays free: the analyser is built by ``analyser()``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

_lock = threading.Lock()
_kiwi: Kiwi | None = None

# Content-word tags: common and proper nouns, Latin words (AI, GPU), Chinese characters; numbers are separate.
NOUN_TAGS = frozenset({"NNG", "NNP", "SL", "SH"})


@dataclass(frozen=True)
class Morpheme:
    form: str
    tag: str  # Sejong-style tag as Kiwi gives it (NNG, NNP, SL, SN, JKS, ...)
    start: int  # character offsets in the analysed text
    end: int


def analyser() -> Kiwi:
    """The process-wide Kiwi instance (thread-safe to build; Kiwi's own calls are thread-safe)."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def morphemes(text: str) -> list[Morpheme]:
    return [Morpheme(t.form, t.tag, t.start, t.start + t.len) for t in analyser().tokenize(text)]


def nouns(text: str) -> list[str]:
    """Content nouns in order of appearance (particles, endings and punctuation dropped)."""
    return [m.form for m in morphemes(text) if m.tag in NOUN_TAGS]


# Sentence analyses are cached: a topic verifies a handful of glued words per article, often in the same sentence,
# and the same article is classified again by `alerts test` and `alerts explain`.
_CACHE_SIZE = 2048
_cache: dict[str, list[Morpheme]] = {}


def cached_morphemes(text: str) -> list[Morpheme]:
    """``morphemes(text)`` with a small bounded cache (oldest entries dropped first)."""
    found = _cache.get(text)
    if found is None:
        found = morphemes(text)
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[text] = found
    return found


def token_at(text: str, offset: int) -> Morpheme | None:
    """The morpheme of ``text`` that covers character ``offset`` (None inside spaces).

    This is how a surface match is checked: "광주" at the start of "광주리" lies inside the common noun 광주리
    (a basket), while in "광주리그" it is the proper noun 광주 followed by 리그.
    """
    for m in cached_morphemes(text):
        if m.start <= offset < m.end:
            return m
        if m.start > offset:
            break
    return None


# Case and topic markers that close a sentence's subject: 이/가 (JKS), 은/는 and the like (JX).
_SUBJECT_TAGS = frozenset({"JKS", "JX"})


def subject_end(text: str) -> int | None:
    """Where the first subject or topic marker of ``text`` starts (the end of its subject phrase), or None.

    "광주 첨단3지구의 의료 AI 기업 딥솔이 부산과 대구의 병원에 …" → the offset of 이: the subject phrase is
    "광주 첨단3지구의 의료 AI 기업 딥솔", so 부산 and 대구 are not where the sentence's actor is named.
    """
    for m in cached_morphemes(text):
        if m.tag in _SUBJECT_TAGS and m.start > 0:
            return m.start
    return None
