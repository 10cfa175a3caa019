"""Summary statistics with exact, documented definitions (docs/kpi.md)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """Mean, median and 90th percentile of durations in seconds; all None without data.

    - mean: the arithmetic mean, rounded to the millisecond;
    - median: the middle value, or the mean of the two middle values of an even count;
    - p90: nearest rank, the smallest value with at least 90 % of the values at or
      below it (``sorted[ceil(0.9 n) - 1]``), so always an observed duration.
    """

    mean: float | None
    median: float | None
    p90: int | None
    count: int = 0
    max: int | None = None

    def as_json(self) -> dict[str, float | int | None]:
        """The SPEC 9 object ``{mean, median, p90}``."""
        return {"mean": self.mean, "median": self.median, "p90": self.p90}


def _number(value: float) -> float:
    # 1800.0 -> 1800 in JSON and text: whole seconds stay whole
    return int(value) if float(value).is_integer() else value


def summarize(values: Sequence[int]) -> Stats:
    """The statistics of ``values`` (durations in whole seconds)."""
    if not values:
        return Stats(None, None, None)
    ordered = sorted(values)
    n = len(ordered)
    mean = _number(round(math.fsum(ordered) / n, 3))
    mid = n // 2
    median = ordered[mid] if n % 2 else _number((ordered[mid - 1] + ordered[mid]) / 2)
    p90 = ordered[(9 * n + 9) // 10 - 1]  # ceil(0.9 n) in integers: no rounding error
    return Stats(mean, median, p90, n, ordered[-1])


def rate(numerator: int, denominator: int) -> float | None:
    """A fraction 0..1, or None when the denominator is zero (never a division by zero)."""
    return numerator / denominator if denominator else None


def mean(values: Sequence[int]) -> float | None:
    """The arithmetic mean rounded to three decimals, None without values."""
    return _number(round(math.fsum(values) / len(values), 3)) if values else None
