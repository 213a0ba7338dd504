"""The cheap first pass: every gazetteer and term-list entry found in a text in one regex scan.

All terms of a topic are compiled into one trie-shaped regular expression, so a 2,400-character article is
scanned in well under a millisecond and the analyser only sees the few places where the surface is ambiguous.
At each position the longest term wins ("경기광주역" over "광주", "조류인플루엔자" over "인플루엔자"). A space
inside a term is optional in the text ("언어 모델" finds "언어모델"), and Latin terms only match whole Latin words
("AI" is not found inside "KIA" or "OpenAI").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_END = ""


def squeeze(term: str) -> str:
    """A term's key: the term without spaces (how matched text is looked up)."""
    return re.sub(r"\s+", "", term)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


@dataclass(frozen=True)
class Hit:
    """One found term: ``key`` is the squeezed term, ``meanings`` what the topic says it stands for."""

    key: str
    start: int
    end: int
    meanings: tuple[Any, ...]


class Scanner:
    def __init__(self, terms: dict[str, list[Any]]) -> None:
        """``terms`` maps each term (as written, spaces allowed) to what it means; equal keys are merged."""
        self.meanings: dict[str, tuple[Any, ...]] = {}
        # A trie over the squeezed terms; an edge remembers whether some term writes a space before its letter.
        # (Spaces as edges of their own would make "인공 지능" shadow the longer "인공지능 집적단지": a regex
        # alternation takes the first branch that matches, not the longest.)
        trie: dict[str, Any] = {}
        spaced: set[tuple[int, str]] = set()
        for term, meanings in terms.items():
            key = squeeze(term)
            if not key:
                continue
            known = self.meanings.get(key, ())
            self.meanings[key] = known + tuple(m for m in meanings if m not in known)
            node = trie
            space = False
            for ch in term.strip():
                if ch.isspace():
                    space = True
                    continue
                if space:
                    spaced.add((id(node), ch))
                    space = False
                node = node.setdefault(ch, {})
            node[_END] = True
        self._spaced = spaced
        self.pattern = re.compile(self._regex(trie))

    def _regex(self, node: dict[str, Any]) -> str:
        branches = []
        for ch in sorted(k for k in node if k != _END):
            step = (r"\s?" if (id(node), ch) in self._spaced else "") + re.escape(ch)
            branches.append(step + self._regex(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if _END in node else body

    def scan(self, text: str) -> list[Hit]:
        hits = []
        for m in self.pattern.finditer(text):
            start, end = m.span()
            if start == end:
                continue
            key = squeeze(m.group())
            meanings = self.meanings.get(key)
            if meanings is None:
                continue
            if _is_latin(key[0]) and start > 0 and _is_latin(text[start - 1]):
                continue
            if _is_latin(key[-1]) and end < len(text) and _is_latin(text[end]):
                continue
            hits.append(Hit(key, start, end, meanings))
        return hits
