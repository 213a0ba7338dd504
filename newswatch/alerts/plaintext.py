"""The plain-text part: 72 columns (Hangul counts two), URLs and commands never broken, highlights as *별표*.

Articles use brackets of their own ("[광주]", "「…」", "<끝>"), so highlights are marked with asterisks, the
plain-text emphasis mail readers know, and any asterisk in article text becomes a full-width one (＊): a pair
of ASCII asterisks in this part is always ours.
"""

from __future__ import annotations

import re

from crawler.sites import label as source_name
from newswatch.alerts.entries import (
    MARK_END,
    MARK_START,
    AlertItem,
    Sender,
    by_day,
    clean,
    clip,
    copies_in_order,
    day_heading,
    graphemes,
    kst,
    reason,
    width,
)
from newswatch.alerts.footer import footer_rows

COLUMNS = 72
STAR = "*"
_URL = re.compile(r"^(?:https?|mailto):\S+$")


def untrusted(text: str, *, marked: bool = False) -> str:
    """Article text for this part: one line, its own asterisks made full-width, our markers made asterisks."""
    line = clean(text, keep_marks=marked).replace(STAR, "＊")
    return line.replace(MARK_START, STAR).replace(MARK_END, STAR)


def wrap(text: str, indent: str = "", hang: str | None = None, columns: int = COLUMNS) -> list[str]:
    """Lines of at most ``columns`` columns, broken at spaces. A URL is never broken: it goes on a line of its
    own when it does not fit (and that line may be longer). A word longer than a line is cut between syllables."""
    hang = indent if hang is None else hang
    lines: list[str] = []
    line, prefix = "", indent
    for word in text.split(" "):
        if not word:
            continue
        candidate = f"{line} {word}" if line else word
        if width(prefix + candidate) <= columns:
            line = candidate
            continue
        if line:
            lines.append(prefix + line)
            prefix, line = hang, ""
        if _URL.match(word) or width(prefix + word) <= columns:
            line = word
            continue
        for g in graphemes(word):  # an overlong word: fill lines syllable by syllable
            if line and width(prefix + line + g) > columns:
                lines.append(prefix + line)
                prefix, line = hang, ""
            line += g
    if line:
        lines.append(prefix + line)
    return lines


def render_text(sender: Sender, items: list[AlertItem], summary: str) -> str:
    """The whole plain-text part; ``items`` already in order, ``summary`` the first line (one line)."""
    lines = [clip(summary, COLUMNS), ""]
    lines += wrap(f"최신 소식부터 · {STAR}별표{STAR} 사이는 규칙이 찾은 낱말 · 알림 규칙 {sender.title}")
    number = 0
    groups = by_day(items) if sender.mode == "digest" else [(None, items)]
    for day, group in groups:
        if sender.mode == "digest":
            lines += ["", f"{day_heading(day)} · {len(group)}건", "-" * COLUMNS]
        else:
            lines += ["", "=" * COLUMNS]
        for item in group:
            number += 1
            lines += ["", *_entry(number, item)]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join([*lines, "", *footer_lines(sender)]) + "\n"


def _entry(number: int, item: AlertItem) -> list[str]:
    pad = " " * len(f"{number}. ")
    title = untrusted(item.title_marked or item.title, marked=bool(item.title_marked))
    lines = wrap(f"{number}. {title}", "", pad)
    lines += wrap(f"{source_name(item.source)} · {kst(item.published_at)}"
                  + (f" · 같은 소식 {len(item.copies)}건" if item.copies else ""), pad)
    snippet = untrusted(item.snippet, marked=True)
    if snippet:
        lines += wrap(snippet, pad)
    if item.url.startswith(("http://", "https://")):
        lines += wrap(clean(item.url), pad)
    why = reason(item.why)
    if why is not None:
        evidence = " · ".join(f"{what}: {untrusted(text)}" if what else untrusted(text) for what, text in why.points)
        lines += wrap(f"왜 골랐나 — {evidence}", pad, pad + "  ")
        if why.quote:
            lines += wrap(f"근거: {untrusted(why.passage)} 「{untrusted(why.quote)}」", pad + "  ")
        if why.note:
            lines += wrap(f"({why.note})", pad + "  ")
    if item.copies:
        lines.append(f"{pad}같은 소식:")
        for copy in copies_in_order(item.copies):
            lines += wrap(f"- {source_name(copy.source)} · {kst(copy.published_at)}", pad)
            lines += wrap(untrusted(copy.title), pad + "  ")
            if copy.url.startswith(("http://", "https://")):
                lines += wrap(clean(copy.url), pad + "  ")
            if copy.why:
                lines += wrap(f"({untrusted(copy.why)})", pad + "  ")
    return lines


def footer_lines(sender: Sender) -> list[str]:
    """The footer after the "-- " signature line (mail readers dim or fold what follows it); commands whole."""
    lines = ["-- "]
    for row in footer_rows(sender):
        head = f"{row.label}: " if row.label else ""
        if row.kind == "command" or (row.kind == "path" and width(head + row.value) > COLUMNS):
            lines += [head.rstrip(), f"  {row.value}"]  # whole, on a line of its own
        else:
            lines += wrap(head + row.value, "", "  ")
    return lines
