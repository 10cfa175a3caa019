"""Policy rules: the four policy files are consistent with each other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidentctl.checks.context import Context
from incidentctl.diagnostics import Diagnostic, Rule, Severity, define
from incidentctl.model.incident import BUILTIN_HOLD_REASONS
from incidentctl.sla.calendar import MAX_CLOSED_DAYS, BusinessCalendar, CalendarError
from incidentctl.sla.holidays_book import supported
from incidentctl.store.repo import Policies

E = Severity.ERROR

MISSING_TARGET = define(
    "POL001",
    "missing-target",
    E,
    """
    A priority that the matrix produces has no SLA target, or a target names an unknown priority.

    Every priority in `policies/priority.yaml` needs `respond` and `resolve`
    targets under `targets:` in `policies/sla.yaml`.
    """,
)
UNKNOWN_CALENDAR = define(
    "POL002",
    "unknown-calendar",
    E,
    """
    A target, override or service names a calendar that `policies/sla.yaml` does not define.
    """,
)
POLICY_TEAM = define(
    "POL003",
    "policy-unknown-team",
    E,
    """
    A service's owner or tier, or a category's assignment group, is not a team in
    `policies/services.yaml`.
    """,
)
MATRIX = define(
    "POL004",
    "incomplete-matrix",
    E,
    """
    The priority matrix lacks a cell, uses a level that is not declared, or `major` names an
    unknown priority.

    `matrix` maps every impact level to every urgency level.
    """,
)
NO_WORKING_TIME = define(
    "POL005",
    "calendar-without-working-time",
    E,
    """
    A calendar has no working hours on any weekday.

    SLA clocks on such a calendar would never advance; use `hours: 24x7` or
    list the working hours.
    """,
)
TIMEZONE = define(
    "POL006",
    "unknown-timezone",
    E,
    """
    A calendar's timezone is not an IANA time zone name (such as `Europe/London`).
    """,
)
HOLIDAYS = define(
    "POL007",
    "unknown-holidays",
    E,
    """
    A calendar's public holidays name a country or subdivision that the `holidays` library
    does not know.

    Countries are ISO 3166 codes (`GB`, `US`); subdivisions are the library's
    codes (`ENG`, `NY`).
    """,
)
OVERRIDE = define(
    "POL008",
    "unknown-override",
    E,
    """
    An SLA override names a service or a priority that does not exist.
    """,
)
POLICY_HOLD = define(
    "POL009",
    "policy-unknown-hold-reason",
    E,
    """
    `pause_on_hold` names a hold reason that is neither built in nor listed under `hold_reasons`.
    """,
)
WINDOW_LEVEL = define(
    "POL010",
    "unknown-window-impact",
    E,
    """
    An impact window raises impact to a level that `policies/priority.yaml` does not declare.
    """,
)


def valid_timezone(name: str) -> bool:
    """Whether zoneinfo can load the zone (not listing every zone: that reads the
    whole tz database, ~17 ms, for an answer one look-up gives)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _at(
    rule: Rule, pol: Policies, kind: str, loc: tuple[Any, ...], msg: str, hint: str | None = None
) -> Diagnostic:
    src = pol.sources[kind]
    line, col = src.locate(loc)
    return rule.at(src.rel, line, col, msg, hint)


def check_policies(ctx: Context) -> Iterator[Diagnostic]:
    pol = ctx.repo.policies
    if pol.priority is not None:
        yield from _matrix(pol)
    if pol.sla is not None:
        yield from _sla(pol)
        yield from _closed_calendars(pol)
    if pol.services is not None:
        yield from _services(pol)
    if pol.categories is not None and pol.services is not None:
        for name, cat in pol.categories.categories.items():
            if cat.assignment_group and cat.assignment_group not in pol.services.teams:
                yield _at(
                    POLICY_TEAM,
                    pol,
                    "categories",
                    ("categories", name, "assignment_group"),
                    f'unknown team "{cat.assignment_group}"',
                )


def _matrix(pol: Policies) -> Iterator[Diagnostic]:
    prio = pol.priority
    assert prio is not None
    for impact in prio.impact:
        row = prio.matrix.get(impact)
        if row is None:
            yield _at(MATRIX, pol, "priority", ("matrix",), f"no matrix row for impact {impact}")
            continue
        for urgency in prio.urgency:
            if urgency not in row:
                yield _at(
                    MATRIX,
                    pol,
                    "priority",
                    ("matrix", impact),
                    f"no priority for impact {impact} x urgency {urgency}",
                )
        for urgency in row:
            if urgency not in prio.urgency:
                yield _at(
                    MATRIX,
                    pol,
                    "priority",
                    ("matrix", impact, urgency),
                    f'"{urgency}" is not an urgency level',
                )
    for impact in prio.matrix:
        if impact not in prio.impact:
            yield _at(
                MATRIX, pol, "priority", ("matrix", impact), f'"{impact}" is not an impact level'
            )
    for i, p in enumerate(prio.major):
        if p not in prio.priorities():
            yield _at(
                MATRIX, pol, "priority", ("major", i), f'"{p}" is not a priority of the matrix'
            )


def _sla(pol: Policies) -> Iterator[Diagnostic]:
    sla = pol.sla
    assert sla is not None
    countries = supported()
    for name, cal in sla.calendars.items():
        loc = ("calendars", name)
        if not valid_timezone(cal.timezone):
            yield _at(
                TIMEZONE,
                pol,
                "sla",
                (*loc, "timezone"),
                f'unknown time zone "{cal.timezone}"',
                "use an IANA name such as Europe/London or America/New_York",
            )
        if cal.hours != "24x7" and not any(cal.hours.values()):
            yield _at(
                NO_WORKING_TIME,
                pol,
                "sla",
                (*loc, "hours"),
                f"calendar {name} has no working hours",
            )
        if cal.holidays is not None:
            country, subdiv = cal.holidays.country, cal.holidays.subdiv
            if country not in countries:
                yield _at(
                    HOLIDAYS,
                    pol,
                    "sla",
                    (*loc, "holidays", "country"),
                    f'unknown holiday country "{country}"',
                )
            elif subdiv is not None and subdiv not in countries[country]:
                yield _at(
                    HOLIDAYS,
                    pol,
                    "sla",
                    (*loc, "holidays", "subdiv"),
                    f'unknown subdivision "{subdiv}" of {country}',
                    "known: " + ", ".join(countries[country][:20]),
                )
    priorities = pol.priority.priorities() if pol.priority else list(sla.targets)
    for p in priorities:
        if p not in sla.targets:
            yield _at(MISSING_TARGET, pol, "sla", ("targets",), f"no SLA target for priority {p}")
    for p, target in sla.targets.items():
        if p not in priorities:
            yield _at(MISSING_TARGET, pol, "sla", ("targets", p), f'"{p}" is not a priority')
        if target.calendar not in sla.calendars:
            yield _at(
                UNKNOWN_CALENDAR,
                pol,
                "sla",
                ("targets", p, "calendar"),
                f'unknown calendar "{target.calendar}"',
            )
    services = pol.services.services if pol.services else None
    for service, per_priority in sla.overrides.items():
        if services is not None and service not in services:
            yield _at(OVERRIDE, pol, "sla", ("overrides", service), f'unknown service "{service}"')
        for p, override in per_priority.items():
            if p not in priorities:
                yield _at(
                    OVERRIDE, pol, "sla", ("overrides", service, p), f'"{p}" is not a priority'
                )
            if override.calendar and override.calendar not in sla.calendars:
                yield _at(
                    UNKNOWN_CALENDAR,
                    pol,
                    "sla",
                    ("overrides", service, p, "calendar"),
                    f'unknown calendar "{override.calendar}"',
                )
    reasons = set(BUILTIN_HOLD_REASONS) | set(sla.hold_reasons)
    for i, reason in enumerate(sla.pause_on_hold):
        if reason not in reasons:
            yield _at(
                POLICY_HOLD, pol, "sla", ("pause_on_hold", i), f'unknown hold reason "{reason}"'
            )


def _services(pol: Policies) -> Iterator[Diagnostic]:
    svc = pol.services
    assert svc is not None
    for name, service in svc.services.items():
        loc = ("services", name)
        for field, team in [("owner", service.owner)] + [
            (i, t) for i, t in enumerate(service.tiers)
        ]:
            if team not in svc.teams:
                where = (*loc, "owner") if field == "owner" else (*loc, "tiers", field)
                yield _at(POLICY_TEAM, pol, "services", where, f'unknown team "{team}"')
        if service.calendar and pol.sla and service.calendar not in pol.sla.calendars:
            yield _at(
                UNKNOWN_CALENDAR,
                pol,
                "services",
                (*loc, "calendar"),
                f'unknown calendar "{service.calendar}"',
            )
        if pol.priority:
            for i, window in enumerate(service.impact_windows):
                if window.impact not in pol.priority.impact:
                    yield _at(
                        WINDOW_LEVEL,
                        pol,
                        "services",
                        (*loc, "impact_windows", i, "impact"),
                        f'"{window.impact}" is not an impact level',
                    )


CLOSED_CALENDAR = define(
    "POL011",
    "calendar-closed-for-a-year",
    E,
    """
    A calendar's closed dates, public holidays and weekly hours leave no working time for a
    whole year.

    SLA deadlines on such a calendar cannot be computed: the clock would never
    reach its target. Remove closed dates, or add working hours. Example of the
    anti-pattern: `hours: {mon: ["09:00-17:00"]}` with every Monday of 2026
    listed under `closed`.
    """,
)


def _closed_calendars(pol: Policies) -> Iterator[Diagnostic]:
    """POL011: a run of MAX_CLOSED_DAYS days without working time around the closed dates."""
    sla = pol.sla
    assert sla is not None
    for name, spec in sla.calendars.items():
        if not spec.closed:  # weekends and holidays alone never close a whole year
            continue
        try:
            calendar = BusinessCalendar(spec, name)
        except CalendarError:  # no hours, unknown zone or holidays: POL005-POL007 report it
            continue
        pad = timedelta(days=31)
        start, length = _closed_run(calendar, min(spec.closed) - pad, max(spec.closed) + pad)
        if length >= MAX_CLOSED_DAYS:
            yield _at(
                CLOSED_CALENDAR,
                pol,
                "sla",
                ("calendars", name, "closed"),
                f"calendar {name} has no working time for {length} days from {start}",
                "closed dates, holidays and weekly hours must leave some working time in every"
                " year; remove closed dates or add working hours",
            )


def _closed_run(calendar: BusinessCalendar, first: date, last: date) -> tuple[date, int]:
    """The longest run of days without working time in [first, last]: (start, length)."""
    best_start, best, run_start, run = first, 0, first, 0
    day = first
    while day <= last:
        if calendar.day_intervals(day):
            run = 0
        else:
            if run == 0:
                run_start = day
            run += 1
            if run > best:
                best_start, best = run_start, run
        day += timedelta(days=1)
    return best_start, best
