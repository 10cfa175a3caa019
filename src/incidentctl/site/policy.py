"""The SLA policy as readable tables: priority matrix, targets, calendars, services."""

from __future__ import annotations

from datetime import timedelta

from incidentctl.model.policy import WEEKDAYS, CalendarSpec, SlaPolicy
from incidentctl.site import markup
from incidentctl.site.context import SiteContext
from incidentctl.site.pages import Page, Section, front
from incidentctl.sla.report import span

ACTIONS = {
    "notify": "notify the assignee",
    "escalate": "functional escalation to the next support tier",
    "escalate_manager": "hierarchical escalation to the service's incident manager",
    "open_issue": "open an issue on the tracker",
}


def duration(value: timedelta | None, working: bool = True) -> str:
    """A working-time duration in hours and minutes (a working day is not 24 h)."""
    if value is None:
        return "—"
    return span(int(value.total_seconds()), days=not working)


def matrix(ctx: SiteContext) -> str:
    pol = ctx.repo.policies.priority
    if pol is None:
        return ""
    rows = [
        [f"**{markup.text(impact)}**", *(markup.cell(pol.derive(impact, u)) for u in pol.urgency)]
        for impact in pol.impact
    ]
    headers = ["Impact \\ urgency", *(markup.text(u) for u in pol.urgency)]
    major = ", ".join(markup.text(p) for p in pol.major) or "none"
    return (
        "## Priority matrix\n\nPriority follows from impact and urgency."
        f" Major-incident priorities: **{major}**.\n\n" + markup.table(headers, rows)
    )


def targets(sla: SlaPolicy) -> str:
    rows = [
        [f"**{markup.text(p)}**", duration(t.respond), duration(t.resolve), markup.cell(t.calendar)]
        for p, t in sla.targets.items()
    ]
    text = "## Targets\n\nWorking time of the calendar named.\n\n"
    text += markup.table(["Priority", "Respond", "Resolve", "Calendar"], rows)
    if sla.overrides:
        over = [
            [
                markup.cell(svc),
                markup.cell(p),
                duration(o.respond),
                duration(o.resolve),
                markup.cell(o.calendar),
            ]
            for svc, by_p in sla.overrides.items()
            for p, o in by_p.items()
        ]
        text += "\n### Service overrides\n\n" + markup.table(
            ["Service", "Priority", "Respond", "Resolve", "Calendar"], over
        )
    return text


def clock_rules(sla: SlaPolicy) -> str:
    pauses = markup.cell(sla.pause_on_hold)
    rows = [[f"{t.at:g} %", ACTIONS.get(t.action.value, t.action.value)] for t in sla.thresholds]
    return (
        "## Holds, thresholds and windows\n\n"
        f"- Holds that pause the clock: {pauses}\n"
        f"- Reopen window: {duration(sla.reopen_window, working=False)} (wall-clock)\n"
        f"- Automatic close after: {duration(sla.auto_close_after, working=False)}"
        " (wall-clock)\n\n" + markup.table(["Target used", "Action"], rows)
    )


def hours(spec: CalendarSpec) -> str:
    """Working hours in one line, runs of equal days joined: ``Mon–Fri 09:00-17:30``."""
    if spec.hours == "24x7":
        return "24 × 7"
    by_day = {d.value: ", ".join(r) for d, r in spec.hours.items()}
    runs: list[tuple[str, str, str]] = []  # first day, last day, hours
    for day in WEEKDAYS:
        value = by_day.get(day) or ""
        if runs and runs[-1][2] == value and WEEKDAYS.index(runs[-1][1]) + 1 == WEEKDAYS.index(day):
            runs[-1] = (runs[-1][0], day, value)
        else:
            runs.append((day, day, value))
    return "; ".join(
        (first.capitalize() if first == last else f"{first.capitalize()}–{last.capitalize()}")
        + f" {markup.text(value) if value else 'closed'}"
        for first, last, value in runs
    )


def calendars(sla: SlaPolicy) -> str:
    rows = [
        [
            f"**{markup.text(name)}**",
            markup.text(spec.timezone),
            hours(spec),
            markup.text(f"{spec.holidays.country} {spec.holidays.subdiv or ''}".strip())
            if spec.holidays
            else "—",
            markup.cell([d.isoformat() for d in spec.closed]),
        ]
        for name, spec in sla.calendars.items()
    ]
    heads = ["Calendar", "Time zone", "Working hours", "Public holidays", "Also closed"]
    return "## Calendars\n\n" + markup.table(heads, rows)


def services(ctx: SiteContext) -> str:
    pol = ctx.repo.policies.services
    if pol is None:
        return ""
    rows = [
        [
            f"**{markup.text(s.name)}**",
            markup.cell(s.owner),
            " → ".join(markup.text(t) for t in s.tiers),
            markup.cell(s.incident_manager),
            markup.cell(s.calendar),
            markup.cell([w.name for w in s.impact_windows]),
        ]
        for s in pol.services.values()
    ]
    heads = ["Service", "Owner", "Support tiers", "Incident manager", "Calendar", "Impact windows"]
    return "## Services\n\n" + markup.table(heads, rows)


def section(ctx: SiteContext) -> Section | None:
    """``sla/index.md``: the whole policy on one page."""
    sla = ctx.repo.policies.sla
    parts = [front("navigation") + "# SLA policy\n", matrix(ctx)]
    if sla is not None:
        parts += [targets(sla), clock_rules(sla), calendars(sla)]
    parts.append(services(ctx))
    return Section(
        [Page("sla/index.md", "\n".join(p for p in parts if p))], [{"SLA policy": "sla/index.md"}]
    )
