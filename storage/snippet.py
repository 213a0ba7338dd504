"""Highlighted snippets cut from the original text (the index holds bigrams, not readable text)."""

from __future__ import annotations

import re

_LATIN = re.compile(r"^[0-9A-Za-z\u00c0-\u024f]+$")


def _word_pattern(word: str) -> str:
    """Latin words match whole words only, as in the index (AI is not highlighted inside MAIL)."""
    if _LATIN.match(word):
        return rf"(?<![0-9A-Za-z\u00c0-\u024f]){re.escape(word)}(?![0-9A-Za-z\u00c0-\u024f])"
    return re.escape(word)


def snippet(text: str, terms: list[str], *, width: int = 120, start: str = "[", end: str = "]") -> str:
    """A window of about ``width`` characters around the first match, every match wrapped in the markers."""
    flat = " ".join(text.split())
    words = sorted({t.strip() for term in terms for t in term.split() if t.strip()}, key=len, reverse=True)
    if not words:
        return flat[:width] + ("…" if len(flat) > width else "")
    pattern = re.compile("|".join(_word_pattern(w) for w in words), re.IGNORECASE)
    first = pattern.search(flat)
    lo = max(0, (first.start() if first else 0) - width // 3)
    hi = min(len(flat), lo + width)
    window = flat[lo:hi]
    marked = pattern.sub(lambda m: f"{start}{m.group(0)}{end}", window)
    return ("…" if lo > 0 else "") + marked + ("…" if hi < len(flat) else "")
