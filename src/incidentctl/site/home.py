"""The home page: what is open, by priority, and which SLA clocks are at risk."""

from __future__ import annotations

from collections import Counter

from incidentctl.commands.sla import urgency
from incidentctl.model.incident import OPEN_STATES, Status
from incidentctl.site import audit, kpi, markup
from incidentctl.site.context import SiteContext
from incidentctl.site.links import clock_cells, href, incident_ref, incident_title, when
from incidentctl.site.pages import HomeBlock, Page, Section, front
from incidentctl.sla.clock import ClockState

PATH = "index.md"
AT_RISK = (ClockState.WARNING, ClockState.BREACHED)
LIMIT = 25  # rows of clocks at risk: the most urgent; the register has the rest


def intro(ctx: SiteContext) -> str:
    title = markup.text(ctx.repo.config.site.title)
    return f"# {title}\n\nThe state of the service as of **{when(ctx.now)}**.\n"


def open_by_priority(ctx: SiteContext) -> str:
    open_ = [i for i in ctx.incidents if i.status in OPEN_STATES]
    counts = Counter((i.priority, i.status) for i in open_)
    pol = ctx.repo.policies.priority
    order = pol.priorities() if pol else []
    priorities = order + sorted({p for p, _ in counts} - set(order))
    majors = set(pol.major) if pol else set()
    rows = []
    for p in priorities:
        row = [counts[(p, s)] for s in (Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD)]
        label = f"**{markup.text(p)}** (major)" if p in majors else f"**{markup.text(p)}**"
        rows.append([label, *(str(n) if n else "·" for n in row), f"**{sum(row)}**"])
    table = markup.table(["Priority", "New", "In progress", "On hold", "Open"], rows)
    return f"## Open incidents by priority\n\n{len(open_)} open incidents.\n\n{table}"


def at_risk(ctx: SiteContext) -> str | None:
    if ctx.policies is None:
        return None
    by_id = ctx.by_id
    risky = sorted(
        (c for cs in ctx.clocks.values() for c in cs if c.state in AT_RISK and c.running),
        key=urgency,
    )
    head = "## SLA clocks at risk\n\n"
    if not risky:
        return head + "No running clock has passed a warning threshold.\n"
    breached = sum(1 for c in risky if c.state is ClockState.BREACHED)
    summary = f"{len(risky)} clocks past a threshold, {breached} breached.\n\n"
    if not ctx.register:
        return head + summary
    rows = [
        [
            incident_ref(ctx, PATH, by_id[c.incident_id]),
            incident_title(ctx, by_id[c.incident_id]),
            markup.text(c.priority),
            *clock_cells(c, ctx.now),
        ]
        for c in risky[:LIMIT]
    ]
    if len(risky) > LIMIT:
        summary += f"The {LIMIT} most urgent:\n\n"
    headers = ["Incident", "Title", "Priority", "Clock", "State", "Deadline", "When", "Used"]
    return head + summary + markup.table(headers, rows)


def explore(ctx: SiteContext) -> str:
    cards = [
        ("kb/index.md", "Knowledge base", f"{len(ctx.articles)} published articles"),
        ("kb/known-errors.md", "Known errors", "problems with a documented workaround"),
        ("sla/index.md", "SLA policy", "targets, calendars and the priority matrix"),
    ]
    if kpi.dashboard(ctx) is not None:
        cards.insert(
            0, (kpi.PATH, "KPI report", "volume, response and resolution times, SLA, CSAT")
        )
    if ctx.register:
        cards.append(("incidents/index.md", "Incident register", "every incident, by month"))
    if audit.prepare(ctx) is not None:
        cards.append((audit.PATH, "Audit", "the history of the records, checked"))
    items = "\n".join(
        f'<li><a href="{href(PATH, path).removesuffix(".md")}.html"><strong>{label}</strong></a>'
        f"<br>{desc}</li>"
        for path, label, desc in cards
    )
    return f'## Explore\n\n<div class="grid cards">\n<ul>\n{items}\n</ul>\n</div>\n'


HOME_BLOCKS: list[HomeBlock] = [intro, open_by_priority, at_risk, kpi.latest, explore]


def section(ctx: SiteContext) -> Section:
    """``index.md`` from every home block that has something to say."""
    blocks = [b for b in (block(ctx) for block in HOME_BLOCKS) if b]
    return Section(
        [Page(PATH, front("navigation", "toc", search=False) + "\n".join(blocks))], [{"Home": PATH}]
    )
