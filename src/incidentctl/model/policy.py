"""Policy files (SPEC 2.3): priority matrix, SLA, services and teams, categories."""

from __future__ import annotations

import functools
import re
from datetime import date, time
from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from incidentctl.model.common import Duration, Strict

Name = Annotated[str, StringConstraints(min_length=1)]


class PriorityPolicy(Strict):
    """``policies/priority.yaml``: impact x urgency -> priority."""

    impact: Annotated[list[Name], Field(min_length=1)]
    urgency: Annotated[list[Name], Field(min_length=1)]
    matrix: dict[Name, dict[Name, Name]]
    major: list[Name] = []

    def priorities(self) -> list[str]:
        """Every priority the matrix can produce, most severe first (P1 < P2 ...)."""
        return list(self._ordered)

    @functools.cached_property
    def _ordered(self) -> tuple[str, ...]:  # once per policy, not once per record checked
        found = {p for row in self.matrix.values() for p in row.values()}
        return tuple(sorted(found, key=_natural))

    def derive(self, impact: str, urgency: str) -> str | None:
        return self.matrix.get(impact, {}).get(urgency)


def _natural(text: str) -> tuple[str, int]:
    m = re.match(r"(\D*)(\d+)", text)
    return (m.group(1), int(m.group(2))) if m else (text, 0)


_RANGE = re.compile(r"([0-2]\d):([0-5]\d)-([0-2]\d):([0-5]\d)\Z")


def parse_range(text: str) -> tuple[time, time | None]:
    """``"09:00-17:30"`` -> (09:00, 17:30); an end of ``24:00`` is returned as None."""
    m = _RANGE.match(text)
    if not m:
        raise ValueError(f'"{text}" is not a range of hours; write e.g. "09:00-17:30"')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f'"{text}" is not a valid range of hours')
    start = time(h1, m1)
    end = None if h2 == 24 else time(h2, m2)
    if end is not None and end <= start:
        raise ValueError(f'"{text}" ends before it starts; split ranges that cross midnight')
    return start, end


def _check_range(text: str) -> str:
    parse_range(text)
    return text


HourRange = Annotated[str, AfterValidator(_check_range)]


class Weekday(str, Enum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS = [d.value for d in Weekday]


class HolidaySource(Strict):
    country: Annotated[str, StringConstraints(min_length=2, max_length=3)]
    subdiv: Name | None = None


class CalendarSpec(Strict):
    timezone: Name
    hours: Literal["24x7"] | dict[Weekday, list[HourRange]]
    holidays: HolidaySource | None = None
    closed: list[date] = []


class Target(Strict):
    respond: Duration
    resolve: Duration
    calendar: Name


class TargetOverride(Strict):
    respond: Duration | None = None
    resolve: Duration | None = None
    calendar: Name | None = None


class Action(str, Enum):
    NOTIFY = "notify"
    ESCALATE = "escalate"
    ESCALATE_MANAGER = "escalate_manager"
    OPEN_ISSUE = "open_issue"


class Threshold(Strict):
    at: Annotated[float, Field(gt=0, le=1000)]
    action: Action


BREACH = "breach"  # the crossing of the deadline itself, besides the threshold actions


class PageRule(Strict):
    """Which crossings page the on-call: ``{priorities: [P1, P2], steps: [breach]}``.

    A step is ``breach`` or the action of a threshold (``escalate_manager``...).
    """

    priorities: Annotated[list[Name], Field(min_length=1)]
    steps: Annotated[list[Name], Field(min_length=1)]


DEFAULT_PAGING = (PageRule(priorities=["P1", "P2"], steps=[BREACH]),)


class SlaPolicy(Strict):
    """``policies/sla.yaml``: calendars, targets, pauses, thresholds, overrides, paging."""

    calendars: Annotated[dict[Name, CalendarSpec], Field(min_length=1)]
    targets: Annotated[dict[Name, Target], Field(min_length=1)]
    pause_on_hold: list[Name] = []
    hold_reasons: list[Name] = []
    thresholds: list[Threshold] = []
    reopen_window: Duration
    auto_close_after: Duration
    # wall-clock time after resolution in which the caller is asked for a survey;
    # autoclose leaves an unsurveyed incident resolved until it ends
    survey_window: Duration | None = None
    overrides: dict[Name, dict[Name, TargetOverride]] = {}
    # None: the default (the breach of a P1 or P2 clock pages); []: nothing pages
    paging: list[PageRule] | None = None

    def page_rules(self) -> tuple[PageRule, ...]:
        """The paging rules in force: the declared ones, else the default."""
        return DEFAULT_PAGING if self.paging is None else tuple(self.paging)


class Team(Strict):
    assignees: list[Name] = []
    mention: Name | None = None


class ImpactWindow(Strict):
    name: Name
    days_of_month: list[Annotated[int, Field(ge=1, le=31)]] = []
    weekdays: list[Weekday] = []
    months: list[Annotated[int, Field(ge=1, le=12)]] = []
    impact: Name


class Service(Strict):
    name: Name
    owner: Name
    tiers: Annotated[list[Name], Field(min_length=1)]
    incident_manager: Name
    calendar: Name | None = None
    impact_windows: list[ImpactWindow] = []


class ServicesPolicy(Strict):
    """``policies/services.yaml``: teams and the service catalog."""

    teams: dict[Name, Team]
    services: Annotated[dict[Name, Service], Field(min_length=1)]


class Category(Strict):
    subcategories: list[Name] = []
    assignment_group: Name | None = None


class CategoriesPolicy(Strict):
    """``policies/categories.yaml``: the category -> subcategory tree."""

    categories: Annotated[dict[Name, Category], Field(min_length=1)]
