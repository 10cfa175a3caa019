"""Links between generated pages, and the small formats every page shares."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from datetime import datetime

from incidentctl.site import markup
from incidentctl.site.context import Brief, SiteContext, incident_page
from incidentctl.sla.clock import ClockResult
from incidentctl.sla.report import local_deadline, relative


def href(source: str, target: str) -> str:
    """The relative link from page ``source`` to page ``target`` (both docs-relative)."""
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def link(source: str, target: str, label: str) -> str:
    """A Markdown link with an escaped label."""
    return f"[{markup.text(label)}]({href(source, target)})"


def incident_ref(ctx: SiteContext, source: str, incident: Brief) -> str:
    """The incident's ID, linked to its page when the register is published."""
    if ctx.register:
        return link(source, incident_page(incident), incident.id)
    return markup.text(incident.id)


def incident_title(ctx: SiteContext, incident: Brief) -> str:
    return markup.cell(incident.title) if ctx.public("title") else "—"


def when(instant: datetime) -> str:
    """``2026-11-20 16:05 UTC``: minutes are enough to read; the zone stays explicit."""
    return f"{instant:%Y-%m-%d %H:%M} {instant.tzname() or ''}".strip()


STATE_BADGE = {
    "ok": "ok",
    "warning": "warning",
    "breached": "breached",
    "met": "met",
    "missed": "missed",
}


def state(result: ClockResult) -> str:
    """The clock state as a coloured badge (classes in the site's extra CSS)."""
    name = STATE_BADGE[result.state.value]
    label = "paused" if result.paused and result.running else name
    return f'<span class="ic-badge ic-{name}">{label}</span>'


def clock_cells(
    result: ClockResult, now: datetime, escaped: Callable[[object], str] = markup.text
) -> list[str]:
    """Clock, state, deadline, where it stands, percentage used (``escaped`` for a
    Markdown table, or ``markup.html_text`` for an HTML one)."""
    return [
        result.clock.value,
        state(result),
        escaped(local_deadline(result)),
        escaped(relative(result, now)),
        f"{result.percent:.0f} %",
    ]
