"""Business calendars: hand-computed cases (cases/calendar.yaml) and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentctl.model.common import parse_duration
from incidentctl.model.policy import CalendarSpec
from incidentctl.sla.calendar import BusinessCalendar, CalendarError, holiday_dates

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "calendar.yaml").read_text())
CALENDARS = {
    name: BusinessCalendar(CalendarSpec.model_validate(spec), name)
    for name, spec in CASES["calendars"].items()
}
WEEK = ["mon", "tue", "wed", "thu", "fri"]


def _seconds(text: str) -> int:
    return int(parse_duration(text).total_seconds())


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_hand_computed(case: dict[str, Any]) -> None:
    cal = CALENDARS[case["calendar"]]
    start = datetime.fromisoformat(case["start"])
    if "add" in case:
        deadline = cal.add_working(start, _seconds(case["add"]))
        assert deadline.isoformat() == case["expect"]
        assert cal.working_seconds(start, deadline) == _seconds(case["add"])
    else:
        end = datetime.fromisoformat(case["end"])
        assert cal.working_seconds(start, end) == _seconds(case["expect"])


def test_boxing_day_observed_comes_from_the_library() -> None:
    # 26 Dec 2026 is a Saturday: England observes Boxing Day on Monday 28 Dec.
    assert date(2026, 12, 28) in holiday_dates("GB", "ENG", 2026)
    cal = CALENDARS["london"]
    assert cal.is_closed(date(2026, 12, 28))
    assert cal.day_intervals(date(2026, 12, 28)) == ()
    assert not cal.is_closed(date(2026, 12, 29))


def test_intervals_are_real_instants_in_the_calendar_zone() -> None:
    cal = CALENDARS["new-york"]
    start = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # Fri 07:00 EST
    end = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # Mon 12:00 EDT
    got = [(a.isoformat(), b.isoformat()) for a, b in cal.intervals(start, end)]
    assert got == [
        ("2026-03-06T08:00:00-05:00", "2026-03-06T12:00:00-05:00"),
        ("2026-03-06T13:00:00-05:00", "2026-03-06T18:00:00-05:00"),
        ("2026-03-09T08:00:00-04:00", "2026-03-09T12:00:00-04:00"),
    ]


def test_a_range_ending_at_24_00_ends_at_next_midnight() -> None:
    spec = CalendarSpec(timezone="Europe/London", hours={"sat": ["22:00-24:00"]})  # type: ignore[dict-item]
    cal = BusinessCalendar(spec)
    start = datetime(2026, 10, 24, 21, 0, tzinfo=UTC)  # Sat 22:00 BST
    assert cal.add_working(start, 7200).isoformat() == "2026-10-25T00:00:00+01:00"


def test_overlapping_ranges_count_once() -> None:
    spec = CalendarSpec(timezone="UTC", hours={"mon": ["09:00-12:00", "11:00-13:00"]})  # type: ignore[dict-item]
    cal = BusinessCalendar(spec)
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    assert cal.working_seconds(monday, monday + timedelta(days=1)) == 4 * 3600


def test_a_week_without_hours_is_an_error() -> None:
    with pytest.raises(CalendarError, match="no working hours"):
        BusinessCalendar(CalendarSpec(timezone="UTC", hours={"mon": []}), "empty")  # type: ignore[dict-item]


def test_unknown_zone_and_holidays_are_errors() -> None:
    with pytest.raises(CalendarError, match="unknown time zone"):
        BusinessCalendar(CalendarSpec(timezone="Mars/Olympus", hours="24x7"))
    with pytest.raises(CalendarError, match="does not know GB/XX"):
        BusinessCalendar(
            CalendarSpec.model_validate(
                {"timezone": "UTC", "hours": "24x7", "holidays": {"country": "GB", "subdiv": "XX"}}
            )
        )


def test_a_year_without_working_time_is_an_error_not_a_hang() -> None:
    mondays = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(60)]
    spec = CalendarSpec(timezone="UTC", hours={"mon": ["09:00-17:00"]}, closed=mondays)  # type: ignore[dict-item]
    cal = BusinessCalendar(spec, "shut")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(CalendarError, match="calendar shut has no working time in the 366 days"):
        cal.add_working(start, 60)
    # Measuring a bounded span is fine: it is just zero.
    assert cal.working_seconds(start, start + timedelta(days=400)) == 0
    # After the closed run ends, time counts again.
    assert cal.add_working(datetime(2027, 3, 1, tzinfo=UTC), 60).isoformat() == (
        "2027-03-01T09:01:00+00:00"
    )


# --- properties -------------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # half-hour DST
    "America/Santiago",  # changes at midnight: some days start at 01:00
    "Europe/Dublin",  # "negative" DST in the tz database
    "Asia/Kolkata",
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@st.composite
def ranges(draw: st.DrawFn) -> list[str]:
    quarters = sorted(set(draw(st.lists(st.integers(0, 96), min_size=0, max_size=4))))
    out = []
    for a, b in zip(quarters[::2], quarters[1::2], strict=False):
        out.append(f"{a // 4:02d}:{a % 4 * 15:02d}-{b // 4:02d}:{b % 4 * 15:02d}")
    return out


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    if draw(st.booleans()):
        hours: Any = "24x7"
    else:
        hours = {day: draw(ranges()) for day in DAYS}
        if not any(hours.values()):
            hours["wed"] = ["00:30-02:30"]
    spec: dict[str, Any] = {"timezone": zone, "hours": hours}
    if draw(st.booleans()):
        spec["holidays"] = draw(
            st.sampled_from([{"country": "GB", "subdiv": "ENG"}, {"country": "US", "subdiv": "NY"}])
        )
    spec["closed"] = draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=5))
    return BusinessCalendar(CalendarSpec.model_validate(spec), "generated")


instants = st.integers(
    int(datetime(2025, 6, 1, tzinfo=UTC).timestamp()),
    int(datetime(2028, 6, 1, tzinfo=UTC).timestamp()),
).map(lambda s: datetime.fromtimestamp(s, UTC))
durations = st.integers(0, 120 * 3600)


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations)
def test_add_then_measure_round_trips(cal: BusinessCalendar, start: datetime, d: int) -> None:
    deadline = cal.add_working(start, d)
    assert deadline >= start
    assert cal.working_seconds(start, deadline) == d


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, st.integers(1, 120 * 3600))
def test_add_returns_the_earliest_instant(cal: BusinessCalendar, start: datetime, d: int) -> None:
    deadline = cal.add_working(start, d)
    # one second earlier as an instant: arithmetic on the local time would step over
    # the hour that repeats when the clocks go back (fold=1)
    before = deadline.astimezone(UTC) - timedelta(seconds=1)
    assert cal.working_seconds(start, before) == d - 1


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, instants, instants)
def test_measure_is_additive_and_below_wall_time(
    cal: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc = cal.working_seconds(a, b), cal.working_seconds(b, c)
    assert ab + bc == cal.working_seconds(a, c)
    assert 0 <= ab <= (b - a).total_seconds()


@settings(max_examples=200, deadline=None)
@given(calendars(), st.dates(date(2025, 6, 1), date(2028, 6, 1)))
def test_day_intervals_are_ordered_and_inside_the_local_day(
    cal: BusinessCalendar, day: date
) -> None:
    previous_end = None
    for a, b in cal.day_intervals(day):
        assert a < b
        assert previous_end is None or previous_end < a
        previous_end = b
        assert cal.local_date(a) == day
        assert cal.local_date(b - 1) == day
