"""Short one-line renderings of free text (titles, passages, subjects) for explanations and notices."""

from __future__ import annotations


def one_line(text: str, limit: int) -> str:
    """``text`` with its white space folded to single spaces, cut to ``limit`` characters and marked "…" if longer.

    (Alert emails need more — display columns, graphemes, hostile marks — and use newswatch.alerts.entries.clip.)
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
