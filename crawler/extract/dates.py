"""Reading publication dates the ways Korean pages and feeds write them, always as ISO 8601 in KST (+09:00).

Pages print dates for people (``2020.06.29 17:40:29``, ``2026. 9. 24.``, ``2026년 9월 24일 오후 2:20``, after a
label such as 등록일) and for machines (``<time datetime>``, ``article:published_time``, RSS ``pubDate``).
A value without a zone is Korean time; a value with one is converted to it, so the store holds one form.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

from newswatch.core.clock import KST

_DATE = re.compile(
    r"(?P<y>\d{4})\s*[.\-/년]\s*(?P<m>\d{1,2})\s*[.\-/월]\s*(?P<d>\d{1,2})\s*(?:일|\.(?!\d))?"
    r"(?:\s*\([월화수목금토일]\))?"
    r"(?:\s*(?P<ap>오전|오후|AM|PM|am|pm))?"
    r"(?:\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)


def parse_kst(text: str | None) -> str | None:
    """The first date(-time) in ``text``, as ISO 8601 with +09:00; None when there is none or it is invalid.

    A date alone reads as midnight. The day may end with a dot (``2026. 9. 24. 14:20``) and the time may
    carry 오전/오후 — both common on Korean government boards.
    """
    if not text:
        return None
    m = _DATE.search(text)
    if not m:
        return None
    hour = int(m["H"] or 0)
    if m["H"] and m["ap"] in ("오후", "PM", "pm") and hour < 12:
        hour += 12
    elif m["H"] and m["ap"] in ("오전", "AM", "am") and hour == 12:
        hour = 0
    try:
        dt = datetime(int(m["y"]), int(m["m"]), int(m["d"]), hour, int(m["M"] or 0), int(m["S"] or 0), tzinfo=KST)
    except ValueError:
        return None
    return dt.isoformat(timespec="seconds")


def iso_kst(value: str | None) -> str | None:
    """A machine-readable date (``<time datetime>``, ``article:published_time``: ISO 8601 with or without a
    time and zone) in KST; a printed date is read leniently as by ``parse_kst``."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return parse_kst(value)
    dt = dt.replace(tzinfo=KST) if dt.tzinfo is None else dt.astimezone(KST)
    return dt.isoformat(timespec="seconds")


def rfc822_kst(value: str | None) -> str | None:
    """An RSS ``pubDate`` (RFC 822, e.g. ``Sun, 20 Sep 2026 10:30:00 +0900``) in KST; a feed that writes
    ``2026-09-20 10:30:00`` instead is read leniently."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return parse_kst(value)
    dt = dt.replace(tzinfo=KST) if dt.tzinfo is None else dt.astimezone(KST)
    return dt.isoformat(timespec="seconds")


def labelled_date(text: str, labels: tuple[str, ...]) -> str | None:
    """The date written right after one of ``labels`` (``등록일 : 2026. 9. 24.``, ``<dt>작성일</dt><dd>…``
    once flattened to text), in KST; None when no label is followed by a date."""
    if not text:
        return None
    names = "|".join(re.escape(label) for label in labels)
    for found in re.finditer(rf"(?<![A-Za-z])(?:{names})(?:자|시)?(?![A-Za-z])\s*[:：]?\s*", text, re.IGNORECASE):
        following = text[found.end() : found.end() + 40]
        m = _DATE.match(following)
        if m:
            return parse_kst(m.group(0))
    return None


def unlabelled_date(text: str, not_after: tuple[str, ...] = ()) -> str | None:
    """The first date in ``text`` that does not follow one of ``not_after`` (such as 수정 for an edit date)."""
    for m in _DATE.finditer(text or ""):
        before = text[max(0, m.start() - 12) : m.start()]
        if any(word in before for word in not_after):
            continue
        if found := parse_kst(m.group(0)):
            return found
    return None
