"""Mean, median and nearest-rank p90, and rates that never divide by zero."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from incidentctl.kpi.stats import Stats, mean, rate, summarize


def test_no_data_is_null() -> None:
    assert summarize([]) == Stats(None, None, None)
    assert summarize([]).as_json() == {"mean": None, "median": None, "p90": None}
    assert rate(0, 0) is None
    assert mean([]) is None


def test_odd_count() -> None:
    # sorted 10, 20, 30, 40, 1000: mean 1100 / 5 = 220; median the 3rd = 30;
    # p90: ceil(0.9 * 5) = 5th = 1000
    s = summarize([40, 10, 1000, 30, 20])
    assert (s.mean, s.median, s.p90, s.count, s.max) == (220, 30, 1000, 5, 1000)


def test_even_count_median_is_the_mean_of_the_middle_two() -> None:
    # sorted 1, 2, 3, 10: median (2 + 3) / 2 = 2.5; mean 16 / 4 = 4; p90: ceil(3.6) = 4th = 10
    s = summarize([10, 3, 1, 2])
    assert (s.mean, s.median, s.p90) == (4, 2.5, 10)


def test_p90_nearest_rank_at_ten_and_seventy_values() -> None:
    # n = 10: ceil(9.0) = 9th value; n = 70: ceil(63.0) = 63rd (float 0.9 * 70 is 63.000...01)
    assert summarize(list(range(1, 11))).p90 == 9
    assert summarize(list(range(1, 71))).p90 == 63


def test_mean_rounded_to_milliseconds() -> None:
    # (1 + 1 + 2) / 3 = 1.3333...
    assert summarize([1, 1, 2]).mean == 1.333
    assert mean([5, 2, 4]) == 3.667


def test_rate() -> None:
    assert rate(1, 4) == 0.25
    assert rate(3, 3) == 1.0


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1))
def test_properties(values: list[int]) -> None:
    s = summarize(values)
    assert s.p90 in values
    assert s.median is not None and s.mean is not None
    assert min(values) <= s.median <= max(values)
    assert min(values) - 0.001 <= s.mean <= max(values) + 0.001
    # at least 90 % of the values are at or below p90, and p90 is the least such value
    assert sum(v <= s.p90 for v in values) * 10 >= 9 * len(values)
    assert sum(v < s.p90 for v in values) * 10 < 9 * len(values)
