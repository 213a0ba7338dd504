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


def iso(dt: datetime) -> str:
    """ISO 8601 in KST, second precision: the one timestamp format of the store."""
    return dt.astimezone(KST).isoformat(timespec="seconds")
