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

from bisect import bisect_left
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidentctl.errors import IncidentctlError
from incidentctl.model.policy import WEEKDAYS, CalendarSpec, parse_range
from incidentctl.sla.holidays_book import holiday_dates, supported

Interval = tuple[int, int]  # [start, end) in POSIX seconds
MAX_CLOSED_DAYS = 366  # this many days in a row without working time: unusable
_MIDNIGHT = time(0, 0)


class CalendarError(IncidentctlError):
    """A calendar that cannot be computed with (unknown zone, no working time)."""


def to_seconds(instant: datetime) -> int:
    """An aware datetime as whole POSIX seconds (rounded down)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()}: an offset is required")
    return int(instant.timestamp() // 1)


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
            known = supported()
            if country not in known or (subdiv and subdiv not in known[country]):
                where = country + (f"/{subdiv}" if subdiv else "")
                raise CalendarError(
                    f"calendar {name}: the holidays library does not know {where}",
                    "run `incidentctl validate` for the policy findings",
                )
        self._closed = frozenset(spec.closed)
        # Without holidays or closed days, 24x7 time is wall time: a fast path.
        self.continuous = spec.hours == "24x7" and spec.holidays is None and not spec.closed
        self._days: dict[int, tuple[Interval, ...]] = {}
        self._cum: list[int] = []
        self._positions: dict[int, int] = {}
        self._base = 0

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
    #
    # ``_cum[i]`` is the working time of every day before ordinal ``_base + i`` (relative
    # to an arbitrary origin), extended lazily in both directions. The working position
    # of an instant is then one lookup plus the part of its day (and, for zones that
    # repeat an hour across midnight, its neighbours) before it, so measuring is O(1)
    # and adding is a bisection, however long the span.

    def _day(self, ordinal: int) -> tuple[Interval, ...]:
        cached = self._days.get(ordinal)
        return cached if cached is not None else self.day_intervals(date.fromordinal(ordinal))

    def _work(self, ordinal: int) -> int:
        return sum(b - a for a, b in self._day(ordinal))

    def _cover(self, first: int, last: int) -> None:
        """Extend the cumulative table to cover ordinals first..last."""
        cum = self._cum
        if not cum:
            self._base = first
            cum.append(0)
        if first < self._base:
            lo = min(first, self._base - 32)
            before = [0] * (self._base - lo)
            total = cum[0]
            for ordinal in range(self._base - 1, lo - 1, -1):
                total -= self._work(ordinal)
                before[ordinal - lo] = total
            self._cum = cum = before + cum
            self._base = lo
        while self._base + len(cum) - 1 <= last:
            cum.append(cum[-1] + self._work(self._base + len(cum) - 1))

    def position(self, seconds: int) -> int:
        """Working time from the calendar's (arbitrary) origin to an instant (memoised)."""
        found = self._positions.get(seconds)
        if found is None:
            if len(self._positions) > 200_000:  # bound the memory of a long-lived process
                self._positions.clear()
            found = self._positions[seconds] = self._position(seconds)
        return found

    def _position(self, seconds: int) -> int:
        ordinal = self.local_date(seconds).toordinal()
        self._cover(ordinal - 1, ordinal + 2)
        total = self._cum[ordinal - 1 - self._base]
        for day in (ordinal - 1, ordinal, ordinal + 1):
            for a, b in self._day(day):
                if a >= seconds:
                    break
                total += min(b, seconds) - a
        return total

    def working_between(self, start: int, end: int) -> int:
        """Working seconds in [start, end); 0 when end <= start."""
        if end <= start:
            return 0
        if self.continuous:
            return end - start
        return self.position(end) - self.position(start)

    def add(self, start: int, seconds: int) -> int:
        """The earliest instant at which ``seconds`` of working time from ``start`` are reached.

        Raises CalendarError when it meets a run of MAX_CLOSED_DAYS days without
        working time, so an unusable calendar is an error and never an endless loop.
        """
        if seconds < 0:
            raise ValueError("a working duration cannot be negative")
        if seconds == 0 or self.continuous:
            return start + seconds
        goal = self.position(start) + seconds
        first = self.local_date(start).toordinal() - 1
        while self._cum[-1] < goal:
            self._cover(first, self._base + len(self._cum) + 30)
            self._check_idle(first)
        index = bisect_left(self._cum, goal, lo=first - self._base)
        remaining = goal - self._cum[index - 1]
        for a, b in self._day(self._base + index - 1):
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
        raise AssertionError("unreachable: the day's work reaches the goal")

    def _check_idle(self, first: int) -> None:
        cum, span = self._cum, MAX_CLOSED_DAYS
        if len(cum) > span and cum[-1] == cum[-1 - span]:  # the last `span` days are idle
            idle_from = self._base + len(cum) - 1 - span
            while idle_from - 1 >= self._base and cum[idle_from - 1 - self._base] == cum[-1]:
                idle_from -= 1
            raise CalendarError(
                f"calendar {self.name} has no working time in the {span} days"
                f" from {date.fromordinal(max(idle_from, first + 1))}",
                "holidays, closed dates and weekly hours leave no working day;"
                " fix the calendar in policies/sla.yaml",
            )

    def iter_intervals(self, start: int, end: int) -> Iterator[Interval]:
        """Working intervals clipped to [start, end), in order."""
        # One day on each side: zones that fall back at midnight repeat a wall-clock
        # hour of one date after the next date has begun.
        last = self.local_date(end).toordinal() + 1
        for ordinal in range(self.local_date(start).toordinal() - 1, last + 1):
            for a, b in self._day(ordinal):
                a, b = max(a, start), min(b, end)
                if a < b:
                    yield a, b

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


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
    """Sort and merge overlapping or touching intervals (ranges may be listed in any order)."""
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)
