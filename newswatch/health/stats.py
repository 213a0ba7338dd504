"""Small statistics for the monitors: binomial tails (is this drop chance?), windows over recent crawls."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def _log_pmf(i: int, n: int, p: float) -> float:
    return (math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
            + i * math.log(p) + (n - i) * math.log1p(-p))


def lower_tail(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p): how likely so few successes are if nothing changed."""
    if k >= n:
        return 1.0
    p = min(max(p, 1e-12), 1 - 1e-12)
    return min(1.0, sum(math.exp(_log_pmf(i, n, p)) for i in range(0, k + 1)))


def upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): how likely so many failures are if nothing changed."""
    if k <= 0:
        return 1.0
    p = min(max(p, 1e-12), 1 - 1e-12)
    return min(1.0, sum(math.exp(_log_pmf(i, n, p)) for i in range(k, n + 1)))


def smoothed(k: int, n: int) -> float:
    """The baseline rate with one success and one failure added: never exactly 0 or 1."""
    return (k + 1) / (n + 2)


def needed(p: float, alpha: float, low: int, high: int) -> int:
    """How many trials a window needs for a total loss of a p-frequent thing to be significant at alpha."""
    if p >= 1:
        return low
    if p <= 0:
        return high
    return max(low, min(high, math.ceil(math.log(alpha) / math.log1p(-p))))


def newest_until(samples: Sequence[T], size: Callable[[T], int], need: int) -> tuple[list[T], list[T]]:
    """(window, rest): the newest samples (``samples`` are newest first) until their sizes reach ``need``;
    the window is empty if all of them together do not."""
    total = 0
    for i, sample in enumerate(samples):
        total += size(sample)
        if total >= need:
            return list(samples[: i + 1]), list(samples[i + 1 :])
    return [], list(samples)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percent(k: int, n: int) -> str:
    return f"{100 * k / n:.0f}%" if n else "-"
