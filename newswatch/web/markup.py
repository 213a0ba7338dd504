"""Turning untrusted article text into safe HTML: escaped text, highlighted terms, http(s) links only, diffs.

Everything here returns ``markupsafe.Markup`` built from escaped pieces; templates never mark article text safe.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from storage.snippet import snippet

MARK_START, MARK_END = "\ue000", "\ue001"  # private-use characters: highlight markers that escaping leaves alone
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL (article data never yields javascript:, data: or relative links)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in url for c in "\r\n\t"):
        return None
    return url


def marked(text: str) -> Markup:
    """Escape text whose highlights are wrapped in MARK_START/MARK_END, turning those into <mark>."""
    escaped = str(escape(text))
    html = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return Markup(html.replace(MARK_START, "").replace(MARK_END, ""))


def highlight(text: str, terms: list[str]) -> Markup:
    """The whole text (whitespace runs made single spaces), escaped, every term highlighted as search does."""
    if not terms:
        return Markup(escape(" ".join(text.split())))
    # a window three times the text's length starts at its beginning and ends past its end: the whole text
    return marked(snippet(text, terms, width=3 * len(text) + 3, start=MARK_START, end=MARK_END))


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (the store separates them by a blank line)."""
    return [p.strip() for p in re.split(r"\n\s*\n", body or "") if p.strip()]


@dataclass
class DiffLine:
    kind: str  # "same" | "added" | "removed"
    text: str


def diff(old: list[str], new: list[str]) -> list[DiffLine]:
    """Paragraph-level differences between two versions (unchanged paragraphs around a change kept as context)."""
    out: list[DiffLine] = []
    for group in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_grouped_opcodes(1):
        if out:
            out.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(DiffLine("same", p) for p in old[i1:i2])
                continue
            out.extend(DiffLine("removed", p) for p in old[i1:i2])
            out.extend(DiffLine("added", p) for p in new[j1:j2])
    return out
