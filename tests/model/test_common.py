"""Durations and the priority matrix, by example and by property."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidentctl.model.common import format_duration, parse_duration
from incidentctl.model.policy import PriorityPolicy, parse_range


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900),
        ("4h", 14400),
        ("1h30m", 5400),
        ("168h", 604800),
        ("180d", 15552000),
        ("90s", 90),
        ("1d2h3m4s", 93784),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("bad", ["", "15", "m", "1x", "1h 30m", "-5m", "30m1h", 15, None])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


@given(st.integers(min_value=0, max_value=10**8))
def test_format_then_parse_round_trips(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


@given(st.integers(0, 400), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
def test_parse_is_the_sum_of_its_parts(d: int, h: int, m: int, s: int) -> None:
    text = "".join(f"{v}{u}" for v, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if v) or "0m"
    assert parse_duration(text) == timedelta(days=d, hours=h, minutes=m, seconds=s)


levels = st.lists(st.text("abcdefgh", min_size=1, max_size=4), min_size=1, max_size=4, unique=True)


@given(levels, levels, st.data())
def test_matrix_derivation(impacts: list[str], urgencies: list[str], data: st.DataObject) -> None:
    matrix = {
        i: {u: data.draw(st.sampled_from(["P1", "P2", "P3", "P4", "P10"])) for u in urgencies}
        for i in impacts
    }
    policy = PriorityPolicy(impact=impacts, urgency=urgencies, matrix=matrix)
    for i in impacts:
        for u in urgencies:
            assert policy.derive(i, u) == matrix[i][u]
            assert matrix[i][u] in policy.priorities()
    assert policy.derive("zzz", urgencies[0]) is None
    numbers = [int(p[1:]) for p in policy.priorities()]
    assert numbers == sorted(numbers)


@pytest.mark.parametrize("bad", ["9-17", "17:30-09:00", "25:00-26:00", "09:00-24:30"])
def test_bad_hour_ranges(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_range(bad)


def test_range_to_midnight() -> None:
    assert parse_range("18:00-24:00")[1] is None
