"""Business calendars: working time between instants, and deadlines, by interval arithmetic.

A calendar is a time zone, weekly working hours (several ranges a day), public
holidays from the ``holidays`` library (observed substitute days included) and
extra closed dates; ``hours: 24x7`` is every day from midnight to midnight.

Each local calendar day is turned once into working intervals of aware instants
(kept as integer POSIX seconds and cached), so that a 23- or 25-hour day is exact:
a range boundary is the first instant at which the wall clock shows that time,
or, when the clocks jump over it (spring forward), the instant of the jump. A
range end of ``24:00`` is the start of the next day. Instants are taken to the
second. Nothing here steps minute by minute.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from incidentctl.errors import IncidentctlError
from incidentctl.model.policy import WEEKDAYS, CalendarSpec, parse_range

Interval = tuple[int, int]  # [start, end) in POSIX seconds
MAX_CLOSED_DAYS = 366  # this many days in a row without working time: unusable
_MIDNIGHT = time(0, 0)


class CalendarError(IncidentctlError):
    """A calendar that cannot be computed with (unknown zone, no working time)."""


@functools.cache
def _supported() -> dict[str, list[str]]:
    return dict(holidays.list_supported_countries())


@functools.cache
def holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    """The public holidays (observed days included) of one country/subdivision and year."""
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


def to_seconds(instant: datetime) -> int:
    """An aware datetime as whole POSIX seconds (rounded down)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()}: an offset is required")
    return int(instant.timestamp() // 1)


def from_seconds(seconds: int) -> datetime:
    """POSIX seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


class BusinessCalendar:
    """Working time of one calendar of ``policies/sla.yaml``.

    Raises CalendarError when the zone is unknown or the week has no working hours.
    """

    def __init__(self, spec: CalendarSpec, name: str = "calendar") -> None:
        self.name = name
        try:
            self.zone = ZoneInfo(spec.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(
                f'calendar {name}: unknown time zone "{spec.timezone}"',
                "use an IANA name such as Europe/London or America/New_York",
            ) from None
        self._weekly: tuple[tuple[tuple[time, time | None], ...], ...]
        if spec.hours == "24x7":
            self._weekly = (((_MIDNIGHT, None),),) * 7
        else:
            by_day = {d.value: [parse_range(r) for r in ranges] for d, ranges in spec.hours.items()}
            self._weekly = tuple(tuple(by_day.get(d, [])) for d in WEEKDAYS)
        if not any(self._weekly):
            raise CalendarError(
                f"calendar {name} has no working hours on any weekday",
                'list working hours, or use "hours: 24x7"',
            )
        self._holidays = spec.holidays
        if spec.holidays is not None:
            country, subdiv = spec.holidays.country, spec.holidays.subdiv
            if country not in _supported() or (subdiv and subdiv not in _supported()[country]):
                where = country + (f"/{subdiv}" if subdiv else "")
                raise CalendarError(
                    f"calendar {name}: the holidays library does not know {where}",
                    "run `incidentctl validate` for the policy findings",
                )
        self._closed = frozenset(spec.closed)
        # Without holidays or closed days, 24x7 time is wall time: a fast path.
        self.continuous = spec.hours == "24x7" and spec.holidays is None and not spec.closed
        self._days: dict[int, tuple[Interval, ...]] = {}

    # -- days ---------------------------------------------------------------------------

    def is_closed(self, day: date) -> bool:
        """Whether a whole local day is closed (an extra closed date or a public holiday)."""
        if day in self._closed:
            return True
        src = self._holidays
        return src is not None and day in holiday_dates(src.country, src.subdiv, day.year)

    def day_intervals(self, day: date) -> tuple[Interval, ...]:
        """The working intervals of one local day, as sorted disjoint [start, end) seconds."""
        key = day.toordinal()
        cached = self._days.get(key)
        if cached is not None:
            return cached
        found: list[Interval] = []
        if not self.is_closed(day):
            for start, end in self._weekly[day.weekday()]:
                a = self._instant(day, start)
                if end is None:
                    b = self._instant(day + timedelta(days=1), _MIDNIGHT)
                else:
                    b = self._instant(day, end)
                if a < b:
                    found.append((a, b))
        result = _merge(found)
        self._days[key] = result
        return result

    def _instant(self, day: date, wall: time) -> int:
        """The first instant at which the wall clock shows ``wall`` on ``day`` (see module)."""
        naive = datetime.combine(day, wall)
        first = int(naive.replace(tzinfo=self.zone).timestamp())
        second = int(naive.replace(tzinfo=self.zone, fold=1).timestamp())
        if first <= second:  # an ordinary time, or the first of a repeated one
            return first
        # A skipped wall time: fold=1 lies before the jump, fold=0 after it. Find the
        # jump, the first second whose offset is the later one.
        after = self._offset(first)
        lo, hi = second, first
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._offset(mid) == after:
                hi = mid
            else:
                lo = mid
        return hi

    def _offset(self, seconds: int) -> timedelta | None:
        return datetime.fromtimestamp(seconds, self.zone).utcoffset()

    def local_date(self, seconds: int) -> date:
        """The local calendar date of an instant."""
        return datetime.fromtimestamp(seconds, self.zone).date()

    # -- arithmetic on seconds -----------------------------------------------------------

    def iter_intervals(self, start: int, end: int | None = None) -> Iterator[Interval]:
        """Working intervals clipped to [start, end) (end None: without end), in order.

        Raises CalendarError after a year without any working time, so an unusable
        calendar is an error and never an endless loop.
        """
        ordinal = self.local_date(start).toordinal()
        # One day more than end's date: zones that fall back at midnight repeat a
        # wall-clock hour of the previous date after the next date has begun.
        last = None if end is None else self.local_date(end).toordinal() + 1
        idle = 0
        while last is None or ordinal <= last:
            intervals = self.day_intervals(date.fromordinal(ordinal))
            ordinal += 1
            if not intervals:
                idle += 1
                if idle >= MAX_CLOSED_DAYS:
                    raise CalendarError(
                        f"calendar {self.name} has no working time in the"
                        f" {MAX_CLOSED_DAYS} days from {date.fromordinal(ordinal - idle)}",
                        "holidays, closed dates and weekly hours leave no working day;"
                        " fix the calendar in policies/sla.yaml",
                    )
                continue
            idle = 0
            for a, b in intervals:
                a = max(a, start)
                if end is not None:
                    b = min(b, end)
                if a < b:
                    yield a, b

    def working_between(self, start: int, end: int) -> int:
        """Working seconds in [start, end); 0 when end <= start."""
        if end <= start:
            return 0
        if self.continuous:
            return end - start
        return sum(b - a for a, b in self.iter_intervals(start, end))

    def add(self, start: int, seconds: int) -> int:
        """The earliest instant at which ``seconds`` of working time from ``start`` are reached."""
        if seconds < 0:
            raise ValueError("a working duration cannot be negative")
        if seconds == 0 or self.continuous:
            return start + seconds
        remaining = seconds
        for a, b in self.iter_intervals(start):
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
        raise AssertionError("unreachable: iter_intervals without end never stops")

    # -- the datetime interface --------------------------------------------------------------

    def working_seconds(self, start: datetime, end: datetime) -> int:
        """Working seconds between two aware instants (0 when end is not after start)."""
        return self.working_between(to_seconds(start), to_seconds(end))

    def add_working(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant (in the calendar's zone) at which ``seconds`` of work are done.

        A target reached exactly at the end of a working range is reached then
        (17:30), not at the start of the next one.
        """
        return datetime.fromtimestamp(self.add(to_seconds(start), seconds), self.zone)

    def intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working intervals between two aware instants, in the calendar's zone."""
        for a, b in self.iter_intervals(to_seconds(start), to_seconds(end)):
            yield datetime.fromtimestamp(a, self.zone), datetime.fromtimestamp(b, self.zone)

    def closed_run(self, first: date, last: date) -> tuple[date, int]:
        """The longest run of days without working time in [first, last]: (start, length)."""
        best_start, best, run_start, run = first, 0, first, 0
        day = first
        while day <= last:
            if self.day_intervals(day):
                run = 0
            else:
                if run == 0:
                    run_start = day
                run += 1
                if run > best:
                    best_start, best = run_start, run
            day += timedelta(days=1)
        return best_start, best


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    """Sort and merge overlapping or touching intervals (ranges may be listed in any order)."""
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)
