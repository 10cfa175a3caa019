"""The KPI report page: tables and the six charts, inlined so they follow the site's theme.

The charts are drawn by ``kpi.page`` as SVG files. They are inlined in the page
rather than linked as ``<img>``: an image cannot inherit the page's colours, so
its text would follow the reader's system preference instead of the light/dark
toggle of the site. Inlined, their ``currentColor`` is the page's text colour
(``.incidentctl-chart`` in the site's extra CSS). The files are published too,
for readers who want to paste a chart into a report.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from incidentctl.kpi.charts import Chart
from incidentctl.kpi.compute import Figures
from incidentctl.kpi.page import Dashboard, page_markdown
from incidentctl.kpi.render import duration, percent
from incidentctl.site import markup
from incidentctl.site.context import SiteContext
from incidentctl.site.links import link
from incidentctl.site.pages import Page, Section, front
from incidentctl.store.repo import Repository

PATH = "kpi/index.md"
HOME = "index.md"
CHARTS = "kpi/charts"
_REFERENCE = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def inline(chart: Chart, link_prefix: str) -> str:
    """The chart as a raw HTML block: its ``<svg>`` element, scoped, and a link to its file.

    matplotlib names elements ``figure_1``, ``axes_1``... in every chart, and
    reuses clip-path and marker IDs between charts of the same shape: in one
    page these must be unique, so each ID is prefixed with the chart's name.
    Its global ``*{stroke-...}`` style is scoped to the chart.
    """
    svg = chart.svg[chart.svg.index("<svg ") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = svg.replace(
        '<style type="text/css">*{', '<style type="text/css">.incidentctl-chart *{', 1
    )

    def prefixed(m: re.Match[str]) -> str:
        name = m.group(2)
        return m.group(1) + (name if name.startswith("chart-") else f"{chart.name}-{name}")

    svg = _REFERENCE.sub(prefixed, svg)
    # no blank line inside: Markdown would end the raw HTML block there
    svg = "\n".join(line for line in svg.splitlines() if line.strip())
    download = f"{link_prefix}{chart.name}.svg"
    return (
        f'<figure class="ic-chart" data-search-exclude>\n{svg}\n'
        f'<figcaption><a href="{download}" download>Download the chart (SVG)</a>'
        "</figcaption>\n</figure>"
    )


def compute(repo: Repository, now: datetime) -> Dashboard | None:
    """The KPI reports, or None when the SLA policy is unusable (the context says why).

    ``site build`` computes them before it loads the records: the facts of every
    incident are then let go before the records come.
    """
    from incidentctl.commands.kpi import kpi_dashboard
    from incidentctl.sla.policy import SlaPolicyError

    try:
        # its warnings (invalid records, incidents without a target) repeat the context's
        return kpi_dashboard(repo, now, err=io.StringIO())
    except SlaPolicyError:
        return None


def remember(ctx: SiteContext, found: Dashboard | None) -> None:
    if found is not None and ctx.policies is not None:
        ctx.memo["kpi"] = found


def dashboard(ctx: SiteContext) -> Dashboard | None:
    """Every KPI report of the site (all incidents up to ``now``); None without an SLA policy.

    Computed once for the KPI page and the home page.
    """
    if ctx.policies is None:
        return None  # the KPIs measure SLA targets: the context has said why it has none
    if "kpi" not in ctx.memo:
        ctx.memo["kpi"] = compute(ctx.repo, ctx.now)
    found: Dashboard | None = ctx.memo["kpi"]
    return found


def _month_before(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def latest(ctx: SiteContext) -> str | None:
    """The home block: last full month and this month so far, and the backlog now."""
    d = dashboard(ctx)
    if d is None:
        return None
    this = f"{ctx.now.astimezone(UTC):%Y-%m}"  # months are UTC months, as in `kpi --by month`
    months = {g.keys["month"]: g.figures for g in d.by_month.groups}
    shown = [(m, months.get(m)) for m in (_month_before(this), this)]

    def row(label: str, value: Callable[[Figures], str], none: str = "—") -> list[str]:
        # a month with no incident reported is not in the report: nothing to measure
        return [label, *(markup.cell(value(f)) if f else none for _, f in shown)]

    def csat(f: Figures) -> str:
        mean = "–" if f.csat_mean is None else f"{f.csat_mean:.2f}"
        return f"{mean} ({f.survey_count} survey{'s' * (f.survey_count != 1)})"

    rows = [
        row("Incidents reported", lambda f: str(f.count), "0"),
        row("MTTA, median", lambda f: duration(f.mtta.median)),
        row("MTTR, median", lambda f: duration(f.mttr.median)),
        row("Response within target", lambda f: percent(f.respond_met_rate)),
        row("Resolution within target", lambda f: percent(f.resolve_met_rate)),
        row("CSAT, mean of 5", csat),
    ]
    heads = ["", f"{markup.text(shown[0][0])}", f"{markup.text(shown[1][0])} (so far)"]
    total = d.overall.total
    backlog = (
        f"Backlog now: **{total.open_count}** open, median age"
        f" {markup.text(duration(total.backlog_age.median))},"
        f" oldest {markup.text(duration(total.backlog_age.max))}."
    )
    more = link(HOME, PATH, "KPI report")
    return (
        f"## Latest KPIs\n\n{backlog}\n\n{markup.table(heads, rows)}\n"
        f"Trends, charts and definitions: the {more}.\n"
    )


def section(ctx: SiteContext) -> Section | None:
    """``kpi/index.md`` and ``kpi/charts/*.svg``; None without a usable SLA policy."""
    d = dashboard(ctx)
    if d is None:
        return None
    with tempfile.TemporaryDirectory(prefix="incidentctl-kpi-") as tmp:
        folder = Path(tmp)
        text = page_markdown(d, folder, "charts/", cell=markup.text, figure=inline)
        files = sorted(folder.glob("*.svg"))
        charts = [Page(f"{CHARTS}/{f.name}", f.read_text(encoding="utf-8")) for f in files]
    if (ctx.repo.root / "docs" / "kpi.md").is_file():  # the guide has the definitions
        more = link(PATH, "guide/kpi.md", "KPI definitions")
        text = text.replace(
            "# KPI report\n", f"# KPI report\n\nHow each figure is measured: {more}.\n", 1
        )
    pages = [Page(PATH, front("navigation") + text), *charts]
    return Section(pages, [{"KPI report": PATH}])
