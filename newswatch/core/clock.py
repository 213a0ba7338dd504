"""The one clock of the project: every timestamp the store, crawler and scheduler write comes from here.

Tests swap in a FixedClock instead of sleeping or patching ``datetime``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

KST = timezone(timedelta(hours=9), "KST")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(KST)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


system_clock = SystemClock()


def read_time(value: str | None) -> datetime | None:
    """A stored or site time stamp as an aware datetime (a naive one, or a bare date, is KST); None when it is
    missing or unreadable: stamps come from the sites, and one odd stamp must not break a page, feed or email."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=KST)


def iso(dt: datetime) -> str:
    """ISO 8601 in KST, second precision: the one timestamp format of the store."""
    return dt.astimezone(KST).isoformat(timespec="seconds")
