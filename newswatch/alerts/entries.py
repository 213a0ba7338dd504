"""What an alert email is made of, before it is text or HTML: its entries, their order, and safe short text.

Article text is untrusted. Everything here that takes article text returns one clean line: control characters
(which could fake our highlight markers or break a terminal) and invisible format characters such as
bidirectional overrides (which could make a title read differently from what it is) are removed, and clipped
text is bounded in characters as well as in columns. Escaping for HTML is the template's job.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from crawler.sites import label as source_name
from newswatch.core.clock import KST, read_time

# Highlight markers around matched terms (storage.snippet inserts them); clean() removes them from article text,
# so only the markers we add can reach the renderers.
MARK_START, MARK_END = "\x02", "\x03"

ZWJ = "\u200d"  # the one format character kept: it joins emoji sequences (👩‍💻)
_LONE_ZWJ = re.compile(r"(?<![^\s\u200d])\u200d|\u200d(?![^\s\u200d])")  # not between two characters
CLUSTER_MAX = 12  # code points one user-perceived character keeps: more is stacked marks, not writing


@dataclass
class AlertCopy:
    """Another article of the same story (a rewrite, a re-publication): listed under the entry as a link."""

    title: str
    source: str
    published_at: str | None
    url: str
    why: str = ""  # why it is the same story, when the rule asks (story_why): shared specifics, score


@dataclass
class AlertItem:
    """One story in an alert: its earliest matching new article, with the story's other articles as copies."""

    title: str
    source: str
    published_at: str | None
    url: str
    snippet: str  # with MARK_START / MARK_END around matched terms, the outlet's own dateline removed
    copies: list[AlertCopy] = field(default_factory=list)
    why: str = ""  # why the rule matched, one line (the topic's why-line or the query's terms)
    terms: list[str] = field(default_factory=list)  # highlighted terms
    title_marked: str = ""  # the title with MARK_START / MARK_END around matched terms ("" = not highlighted)
    seen_at: str = ""  # when first stored: the entry's time when the article has no publication time
    article_id: int = 0


@dataclass
class Sender:
    """Who sends an email and how a reader gets it changed or stopped: the footer, and the List-* headers."""

    rule: str
    label: str = ""  # the rule's display label ("" = its name)
    mode: str = "immediate"
    config_path: str = ""  # "" = built-in defaults, no file
    host: str = ""
    unsubscribe: list[str] = field(default_factory=list)  # mailto: or http(s) URLs, already per rule

    @property
    def title(self) -> str:
        return self.label or self.rule


# --- clean, short text ------------------------------------------------------------------------------------------


def clean(text: str | None, *, keep_marks: bool = False) -> str:
    """One line of untrusted text: no control characters (category Cc: C0, DEL and C1), no invisible format
    characters (Cf: bidi overrides, zero-width spaces, soft hyphens; a zero-width joiner only inside a sequence),
    whitespace collapsed."""
    if not text:
        return ""
    marks = (MARK_START, MARK_END) if keep_marks else ()
    kept = "".join(ch if ch in marks else _visible(ch) for ch in text)
    return " ".join(_LONE_ZWJ.sub("", kept).split())


def _visible(ch: str) -> str:
    """A control character becomes a space (it may separate words); a format character goes."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return " "
    if category == "Cf" and ch != ZWJ:
        return ""
    return ch


def width(text: str) -> int:
    """Columns in a monospaced font: Hangul and other wide characters take two, combining marks none."""
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if ch in (MARK_START, MARK_END) or unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if "\u1160" <= ch <= "\u11ff" or "\ud7b0" <= ch <= "\ud7ff":  # Hangul vowel/final jamo join the syllable
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def graphemes(text: str) -> Iterator[str]:
    """User-perceived characters, near enough for cutting text: a base with its combining marks, joined jamo,
    variation selectors and zero-width-joined sequences stay together."""
    cluster = ""
    for ch in text:
        joins = cluster and (
            unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Mc", "Me")
            or "\u1160" <= ch <= "\u11ff" or "\ud7b0" <= ch <= "\ud7ff"
            or "\ufe00" <= ch <= "\ufe0f" or ch == "\u200d" or cluster.endswith("\u200d"))
        if joins:
            cluster += ch
        else:
            if cluster:
                yield cluster
            cluster = ch
    if cluster:
        yield cluster


def clip(text: str, columns: int) -> str:
    """``text`` in at most ``columns`` columns and twice as many code points (zero-width marks stacked by the
    thousand must not pass as one column): cut at a word if that keeps most of it, never inside a character or
    syllable, marked with "…"."""
    text = clean(text)
    if width(text) <= columns and len(text) <= 2 * columns:
        return text
    kept, used = "", 0
    for g in graphemes(text):
        g = g[:CLUSTER_MAX].rstrip(ZWJ)
        if used + width(g) > columns - 2 or len(kept) + len(g) > 2 * columns - 2:  # room for " …"
            break
        kept, used = kept + g, used + width(g)
    space = kept.rfind(" ")
    if space >= len(kept) * 0.6:
        return kept[:space].rstrip(" ,·") + " …"
    return kept.rstrip() + "…"


# --- dates --------------------------------------------------------------------------------------------------


def when(published_at: str | None, seen_at: str = "") -> datetime | None:
    """The entry's time in KST: publication, else first seen; None if neither reads as a time."""
    for value in (published_at, seen_at):
        if (moment := read_time(value)) is not None:
            return moment.astimezone(KST)
    return None


def kst(published_at: str | None) -> str:
    moment = when(published_at)
    return moment.strftime("%Y-%m-%d %H:%M KST") if moment else "시각 미상"


_WEEKDAYS = "월화수목금토일"


def day_heading(day: date | None) -> str:
    if day is None:
        return "날짜 미상"
    return f"{day.year}년 {day.month}월 {day.day}일 ({_WEEKDAYS[day.weekday()]})"


# --- order ----------------------------------------------------------------------------------------------------


def ordered(items: list[AlertItem]) -> list[AlertItem]:
    """Newest story first (by its lead's time); at equal times the bigger story, then the newer article."""
    oldest = datetime.min.replace(tzinfo=KST)
    return sorted(items, key=lambda i: (when(i.published_at, i.seen_at) or oldest, len(i.copies), i.article_id),
                  reverse=True)


def copies_in_order(copies: list[AlertCopy]) -> list[AlertCopy]:
    """Earliest copy first, then the rewrites outlet by outlet (outlets in the order they first ran it)."""
    latest = datetime.max.replace(tzinfo=KST)
    by_time = sorted(copies, key=lambda c: when(c.published_at) or latest)
    first_of = {}
    for rank, copy in enumerate(by_time):
        first_of.setdefault(copy.source, rank)
    return sorted(by_time, key=lambda c: first_of[c.source])  # stable: time order within an outlet


def by_day(items: list[AlertItem]) -> list[tuple[date | None, list[AlertItem]]]:
    """Entries (already in order) grouped by their KST day, newest day first: how a digest reads."""
    groups: dict[date | None, list[AlertItem]] = {}
    for item in items:
        moment = when(item.published_at, item.seen_at)
        groups.setdefault(moment.date() if moment else None, []).append(item)
    return list(groups.items())


# --- the reader's why ---------------------------------------------------------------------------------------


@dataclass
class Reason:
    """A why-line taken apart for readers: the evidence, the passage that decided, and the score as a note."""

    points: list[tuple[str, str]]  # (what, evidence), e.g. ("장소", "광주광역시(첨단3지구, 강기정)")
    passage: str = ""  # where the deciding passage is, e.g. "첫 문단"
    quote: str = ""  # the passage, clipped by the topic engine
    note: str = ""  # e.g. "관련도 0.99, 기준 0.50"


_TOPIC_WHY = re.compile(r"^(?P<head>.+?) · 근거: (?P<where>[^「」]*?) ?「(?P<quote>.*)」 · "
                        r"점수 (?P<score>\d+(?:\.\d+)?)/(?P<threshold>\d+(?:\.\d+)?)(?P<low> 미달)?$")
_WORDS = {"장소": "장소", "주제": "주제", "반대": "유의"}


def reason(why: str) -> Reason | None:
    """The topic engine's why-line ("장소: … · 주제: … · 근거: … 「…」 · 점수 0.99/0.50") in a reader's terms;
    any other line (a query rule's) is kept whole."""
    why = clean(why)
    if not why:
        return None
    found = _TOPIC_WHY.match(why)
    if found is None:
        return Reason([("", why)])
    points = []
    for part in found["head"].split(" · "):
        what, sep, evidence = part.partition(": ")
        points.append((_WORDS.get(what, what), evidence) if sep else ("", part))
    low = ", 기준 미달" if found["low"] else ""
    return Reason(points, found["where"].strip(), found["quote"],
                  f"관련도 {found['score']}, 기준 {found['threshold']}{low}")


# --- snippets -------------------------------------------------------------------------------------------------

_DATELINE = re.compile(r"^\s*(?:\[(?P<square>[^\]\n]{1,30})\]|【(?P<lenticular>[^】\n]{1,30})】"
                       r"|\((?P<round>[^)\n]{1,30})\))\s*")


_END = re.compile(r"\s*<\s*끝\s*>.*$", re.DOTALL)


def without_dateline(body: str, source: str) -> str:
    """The body without the outlet's own opening tag ("[프라임경제]", "[프라임경제=김기자]", "(광주=뉴시스)"),
    which says nothing a reader does not see in the entry's source line, and without a release's closing "<끝>"
    and the attachment notes after it. Other opening tags ("[단독]") stay."""
    body = _END.sub("", body or "")
    found = _DATELINE.match(body)
    if found is None:
        return body
    tag = (found["square"] or found["lenticular"] or found["round"] or "").strip()
    if tag.startswith(source_name(source)) or "=" in tag:
        return body[found.end():]
    return body
