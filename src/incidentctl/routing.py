"""Policy look-ups for authoring: impact windows, default routing, support tiers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidentctl.model.policy import (
    WEEKDAYS,
    CategoriesPolicy,
    ImpactWindow,
    PriorityPolicy,
    Service,
    SlaPolicy,
)


def service_timezone(service: Service, sla: SlaPolicy | None) -> ZoneInfo:
    """The timezone of the service's own calendar, else UTC."""
    if service.calendar and sla is not None and service.calendar in sla.calendars:
        try:
            return ZoneInfo(sla.calendars[service.calendar].timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def window_applies(window: ImpactWindow, local: datetime) -> bool:
    """Whether a local time falls in a window (every criterion given must match)."""
    return (
        (not window.days_of_month or local.day in window.days_of_month)
        and (not window.weekdays or WEEKDAYS[local.weekday()] in {w.value for w in window.weekdays})
        and (not window.months or local.month in window.months)
    )


def raised_impact(
    service: Service, sla: SlaPolicy | None, priority: PriorityPolicy, impact: str, at: datetime
) -> tuple[str, ImpactWindow | None]:
    """The impact after the service's impact windows at ``at``: raised, never lowered."""
    local = at.astimezone(service_timezone(service, sla))
    levels = priority.impact
    best: tuple[str, ImpactWindow | None] = (impact, None)
    for window in service.impact_windows:
        if window.impact not in levels or not window_applies(window, local):
            continue
        current = best[0]
        if current not in levels or levels.index(window.impact) < levels.index(current):
            best = (window.impact, window)
    return best


def default_group(categories: CategoriesPolicy | None, category: str) -> str | None:
    """The category's default assignment group, if the policy routes it."""
    if categories is None or category not in categories.categories:
        return None
    return categories.categories[category].assignment_group


def next_tier(service: Service, group: str | None) -> str | None:
    """The support tier after ``group`` (the second tier when the group is not a tier)."""
    tiers = service.tiers
    if group in tiers:
        i = tiers.index(group)
        return tiers[i + 1] if i + 1 < len(tiers) else None
    return tiers[1] if len(tiers) > 1 else None
