"""The incident register: months, a list per month, and a page per incident.

Off when ``site.register`` is false. Only fields in ``site.public_fields`` (all
when unset) appear; the timeline, and the SLA clocks computed from it, appear only
when ``timeline`` is public. Every value is escaped: incident text is never markup.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from incidentctl.model.incident import (
    Assigned,
    Escalated,
    Incident,
    Note,
    PriorityChange,
    ResolutionEntry,
    StatusChange,
    Survey,
    TimelineEntry,
)
from incidentctl.site import markup
from incidentctl.site.context import Brief, SiteContext, incident_page
from incidentctl.site.links import clock_cells, incident_ref, link, when
from incidentctl.site.pages import Page, Section, front
from incidentctl.sla.clock import ClockResult

INDEX = "incidents/index.md"
FIELDS = [
    "status", "priority", "impact", "urgency", "major", "service", "category", "subcategory",
    "channel", "reported_at", "reported_by", "assignment_group", "assignee",
    "configuration_item", "hold_reason", "started_at", "detected_at", "parent", "related",
    "duplicate_of", "problem", "tags",
]  # fmt: skip
LIST_COLUMNS = [("title", "Title"), ("priority", "Priority"), ("status", "Status"),
                ("service", "Service"), ("reported_at", "Reported")]  # fmt: skip


PAGE_SIZE = 500  # rows per list page: a month of thousands would make a page of megabytes


_INCIDENT_PAGE = re.compile(r"incidents/\d{4}/[^/]+\.md")


def is_incident_page(path: str) -> bool:
    """Whether a docs path is an incident's own page (``context.incident_page``)."""
    return _INCIDENT_PAGE.fullmatch(path) is not None


def month_page(key: str, number: int = 1) -> str:
    """``incidents/2026-11.md``, then ``incidents/2026-11-2.md`` for its second page."""
    return f"incidents/{key}.md" if number == 1 else f"incidents/{key}-{number}.md"


def _value(value: object, escaped: Callable[[object], str] = markup.text) -> str:
    if isinstance(value, datetime):
        return escaped(when(value))
    if hasattr(value, "value"):  # an enum: its YAML spelling
        return escaped(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return markup.cell(value, escaped)


def _entry(entry: TimelineEntry) -> str:
    if isinstance(entry, StatusChange):
        text = f"{entry.from_.value} → {entry.to.value}"
        return text + (f" ({entry.reason})" if entry.reason else "")
    if isinstance(entry, Assigned):
        return "assigned to " + " / ".join(x for x in (entry.group, entry.assignee) if x)
    if isinstance(entry, Escalated):
        return f"{entry.type.value} escalation to {entry.to}"
    if isinstance(entry, PriorityChange):
        return f"priority {entry.from_} → {entry.to}" + (
            f": {entry.reason}" if entry.reason else ""
        )
    if isinstance(entry, Note):
        return entry.text
    if isinstance(entry, ResolutionEntry):
        return f"resolved ({entry.code.value})" + (f": {entry.summary}" if entry.summary else "")
    if isinstance(entry, Survey):
        return f"survey: {entry.score}/5" + (f", {entry.comment}" if entry.comment else "")
    return "reported"


def _heading(title: str) -> str:
    """A section of an incident page, left out of search: the register is found by ID and
    title (its H1); a full-text index of every incident would be downloaded by every
    reader (about 140 MB at 100,000 incidents), and the bodies are the sensitive part."""
    return f"## {title} {{ data-search-exclude }}\n\n"


def incident(
    ctx: SiteContext, inc: Incident, path: str, results: list[ClockResult] | None = None
) -> Page:
    """One incident: its public fields, description, resolution, timeline and clocks
    (``results``; by default those the context holds)."""
    title = inc.title if ctx.public("title") else "Incident"
    parts = [f"# {markup.text(inc.id)}: {markup.text(title)}\n"]
    rows = [
        [name.replace("_", " ").capitalize(), _value(getattr(inc, name), markup.html_text)]
        for name in FIELDS
        if ctx.public(name) and getattr(inc, name) not in (None, [])
    ]
    parts.append(markup.html_table(["Field", "Value"], rows, search=False))
    if ctx.public("description"):
        parts.append(_heading("Description") + markup.paragraphs(inc.description) + "\n")
    if inc.resolution and ctx.public("resolution"):
        res = inc.resolution
        kb = [link(path, p, k) if (p := ctx.article_path(k)) else markup.text(k) for k in res.kb]
        parts.append(
            _heading("Resolution")
            + f"**{markup.text(res.code.value)}** by {markup.text(res.resolved_by)}:"
            f" {markup.text(res.summary)}\n\n"
            + (f"Knowledge base: {', '.join(kb)}\n" if kb else "")
        )
    if inc.satisfaction and ctx.public("satisfaction"):
        sat = inc.satisfaction
        comment = f": {markup.text(sat.comment)}" if sat.comment else ""
        parts.append(_heading("Satisfaction") + f"{sat.score}/5{comment}\n")
    if ctx.public("timeline"):
        if results is None:
            results = ctx.clocks.get(inc.id, [])
        if results:
            rows = [clock_cells(c, ctx.now, markup.html_text) for c in results]
            parts.append(
                _heading("SLA clocks")
                + markup.html_table(
                    ["Clock", "State", "Deadline", "Where it stands", "Used"], rows, search=False
                )
            )
        events = [
            [
                markup.html_text(when(e.at)),
                markup.html_text(e.by),
                markup.html_text(e.kind),
                markup.html_text(_entry(e)),
            ]
            for e in inc.timeline
        ]
        parts.append(
            _heading("Timeline")
            + markup.html_table(["When", "By", "Kind", "What"], events, search=False)
        )
    return Page(path, front("navigation") + "\n".join(parts))


def _month(ctx: SiteContext, key: str, incidents: list[Brief]) -> list[Page]:
    """A month's list, in pages of at most ``PAGE_SIZE`` rows, each linking to the others."""
    columns = [(f, h) for f, h in LIST_COLUMNS if ctx.public(f)]
    chunks = [incidents[i : i + PAGE_SIZE] for i in range(0, len(incidents), PAGE_SIZE)]
    paths = [month_page(key, n) for n in range(1, len(chunks) + 1)]
    pages = []
    for n, (path, chunk) in enumerate(zip(paths, chunks, strict=True), start=1):
        rows = [
            [incident_ref(ctx, path, i), *(_value(getattr(i, f)) for f, _ in columns)]
            for i in chunk
        ]
        body = front("navigation", "toc", search=False) + f"# Incidents reported in {key}\n\n"
        body += f"{len(incidents)} incidents."
        if len(chunks) > 1:
            others = " ".join(
                f"**{m}**" if m == n else link(path, other, str(m))
                for m, other in enumerate(paths, start=1)
            )
            body += f" Page {n} of {len(chunks)}: {others}"
        table = markup.table(["Incident", *(h for _, h in columns)], rows)
        pages.append(Page(path, f"{body}\n\n{table}"))
    return pages


def section(ctx: SiteContext) -> Section | None:
    """The register, or None when ``site.register`` is false."""
    if not ctx.register:
        return None
    months: dict[str, list[Brief]] = defaultdict(list)
    for inc in ctx.incidents:
        months[f"{inc.reported_at:%Y-%m}"].append(inc)
    pages = [page for key, incs in months.items() for page in _month(ctx, key, incs)]
    rows = []
    for key in sorted(months, reverse=True):
        incs = months[key]
        open_ = sum(1 for i in incs if i.status.value in ("new", "in_progress", "on_hold"))
        rows.append([link(INDEX, month_page(key), key), str(len(incs)), str(open_)])
    intro = (
        f"# Incident register\n\n{len(ctx.incidents)} incidents, grouped by the month"
        " they were reported in.\n\n"
    )
    pages.insert(
        0,
        Page(
            INDEX, front(search=False) + intro + markup.table(["Month", "Incidents", "Open"], rows)
        ),
    )
    # a page per incident, made as the pages are written: never all at once
    each = (incident(ctx, inc, incident_page(inc), found) for inc, found in ctx.records())
    return Section(itertools.chain(pages, each), [{"Incident register": INDEX}])
