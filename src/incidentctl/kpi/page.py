"""The KPI report page of the site: the reports it shows, its charts, and its Markdown.

``build_dashboard`` is pure; ``page_markdown`` writes the chart SVG files into
the folder it is given (the site build's docs folder) and returns the page. From
a repository, as the site build does::

    dashboard = commands.kpi.kpi_dashboard(repo, now)
    text = page_markdown(dashboard, docs / "kpi" / "charts", "charts/")
    (docs / "kpi" / "index.md").write_text(text, encoding="utf-8")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from incidentctl.kpi import charts
from incidentctl.kpi.charts import Chart
from incidentctl.kpi.compute import KpiReport, Period, compute
from incidentctl.kpi.facts import IncidentFacts
from incidentctl.kpi.render import (
    MD_HEAD,
    Escape,
    duration,
    markdown_table,
    md_cell,
    md_table,
    percent,
    summary_markdown,
    table_rows,
)


@dataclass(frozen=True)
class Dashboard:
    """The reports behind the page: overall, by month, by priority, by month and priority."""

    overall: KpiReport
    by_month: KpiReport
    by_priority: KpiReport
    by_month_priority: KpiReport


def build_dashboard(
    facts: Sequence[IncidentFacts],
    period: Period,
    known: dict[str, list[str]] | None = None,
    titles: dict[str, str] | None = None,
) -> Dashboard:
    """Every report the page needs, from one set of facts."""

    def report(by: Sequence[str]) -> KpiReport:
        return compute(facts, period, by, known, titles)

    return Dashboard(
        report(()), report(["month"]), report(["priority"]), report(["month", "priority"])
    )


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value / 3600, 2)


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value / 60, 1)


def _span(months: Sequence[str]) -> str:
    return f"{months[0]} to {months[-1]}" if months else "no months"


def volume_chart(d: Dashboard) -> Chart:
    months = [g.keys["month"] for g in d.by_month.groups]
    priorities = [g.keys["priority"] for g in d.by_priority.groups]
    counts = {
        (g.keys["month"], g.keys["priority"]): g.figures.count for g in d.by_month_priority.groups
    }
    series = [(p, [float(counts.get((m, p), 0)) for m in months]) for p in priorities]
    table = [["Month", *priorities, "Total"]]
    table += [
        [m, *(str(counts.get((m, p), 0)) for p in priorities), str(g.figures.count)]
        for m, g in zip(months, d.by_month.groups, strict=True)
    ]
    busiest = max(d.by_month.groups, key=lambda g: g.figures.count, default=None)
    alt = (
        f"Incidents reported per month by priority, {_span(months)}: {d.overall.total.count} in all"
    )
    if busiest is not None and busiest.figures.count:
        alt += f"; the busiest month was {busiest.key} with {busiest.figures.count}"
    title = "Incidents per month by priority"
    svg = charts.stacked_bars("volume-by-priority", title, months, series, "incidents", alt + ".")
    return Chart("volume-by-priority", title, alt + ".", table, svg)


def _trend(d: Dashboard, which: str, unit: str) -> Chart:
    months = [g.keys["month"] for g in d.by_month.groups]
    scale = _minutes if unit == "minutes" else _hours
    stats = [getattr(g.figures, which) for g in d.by_month.groups]
    working = [getattr(g.figures, which + "_working") for g in d.by_month.groups]
    series = [
        ("median", [scale(s.median) for s in stats]),
        ("90th percentile", [scale(s.p90) for s in stats]),
        ("median, working time", [scale(s.median) for s in working]),
    ]
    label = "acknowledge" if which == "mtta" else "resolve"
    title = f"Time to {label} per month ({which.upper()})"
    table = [["Month", "Measured", "Median", "90th percentile", "Median, working time"]]
    table += [
        [m, str(s.count), duration(s.median), duration(s.p90), duration(w.median)]
        for m, s, w in zip(months, stats, working, strict=True)
    ]
    total = getattr(d.overall.total, which)
    alt = (
        f"{title}, {_span(months)}, in {unit}: overall median {duration(total.median)},"
        f" 90th percentile {duration(total.p90)}."
    )
    svg = charts.lines(f"{which}-trend", title, months, series, unit, alt)
    return Chart(f"{which}-trend", title, alt, table, svg)


def sla_chart(d: Dashboard) -> Chart:
    groups = d.by_priority.groups
    names = [g.keys["priority"] for g in groups]

    def pct(v: float | None) -> float | None:
        return None if v is None else round(100 * v, 1)

    series = [
        ("response", [pct(g.figures.respond_met_rate) for g in groups]),
        ("resolution", [pct(g.figures.resolve_met_rate) for g in groups]),
    ]
    title = "SLA targets met by priority"
    table = [["Priority", "Response met", "Resolution met"]]
    table += [
        [
            g.keys["priority"],
            percent(g.figures.respond_met_rate),
            percent(g.figures.resolve_met_rate),
        ]
        for g in groups
    ]
    t = d.overall.total
    alt = (
        f"{title}: {percent(t.respond_met_rate)} of responses and"
        f" {percent(t.resolve_met_rate)} of resolutions met their target overall."
    )
    svg = charts.grouped_bars("sla-met", title, names, series, "% met", alt, (0, 105))
    return Chart("sla-met", title, alt, table, svg)


def backlog_chart(d: Dashboard) -> Chart:
    buckets = d.overall.backlog_buckets
    labels = [label for label, _ in buckets]
    title = "Open incidents by age"
    t = d.overall.total
    alt = (
        f"{title}: {t.open_count} open; " + ", ".join(f"{label}: {n}" for label, n in buckets) + "."
    )
    series = [("open incidents", [float(n) for _, n in buckets])]
    svg = charts.grouped_bars("backlog-age", title, labels, series, "incidents", alt, integer=True)
    table = [["Age", "Open incidents"], *([label, str(n)] for label, n in buckets)]
    return Chart("backlog-age", title, alt, table, svg)


def csat_chart(d: Dashboard) -> Chart:
    groups = d.by_month.groups
    months = [g.keys["month"] for g in groups]
    title = "Customer satisfaction per month (CSAT, 1–5)"
    series = [("mean score", [g.figures.csat_mean for g in groups])]
    t = d.overall.total
    mean = "–" if t.csat_mean is None else f"{t.csat_mean:.2f}"
    alt = (
        f"{title}, {_span(months)}: mean {mean} over {t.survey_count} surveys,"
        f" response rate {percent(t.csat_response_rate)}."
    )
    svg = charts.grouped_bars("csat", title, months, series, "mean score", alt, (0, 5))
    table = [["Month", "Surveys", "Mean score", "Response rate"]]
    table += [
        [
            g.keys["month"],
            str(g.figures.survey_count),
            "–" if g.figures.csat_mean is None else f"{g.figures.csat_mean:.2f}",
            percent(g.figures.csat_response_rate),
        ]
        for g in groups
    ]
    return Chart("csat", title, alt, table, svg)


def all_charts(d: Dashboard) -> list[Chart]:
    """The page's charts, in page order."""
    return [
        volume_chart(d),
        _trend(d, "mtta", "minutes"),
        _trend(d, "mttr", "hours"),
        sla_chart(d),
        backlog_chart(d),
        csat_chart(d),
    ]


# The whole period's figures as two tables of columns that fit a page's width
# (indexes into MD_HEAD): volume and times, then rates and CSAT.
OVERVIEW = ((0, 1, 11, 2, 3, 4, 5), (7, 8, 6, 9, 10, 12))


def overview(report: KpiReport, cell: Escape = md_cell) -> str:
    """The figures of the whole period in two tables, then the working-time, backlog and
    CSAT lines and the KB usage: thirteen columns in one table do not fit a page.
    """
    row = table_rows(report)[1][1:]  # [0] is the header; [1][0] the period's label
    tables = [
        md_table([[MD_HEAD[i] for i in part], [row[i] for i in part]], cell) for part in OVERVIEW
    ]
    return "\n".join(tables) + "\n" + summary_markdown(report, cell)


def image(chart: Chart, link_prefix: str) -> str:
    """The chart as a Markdown image of its SVG file, its alt text escaped."""
    alt = md_cell(chart.alt).replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({link_prefix}{chart.name}.svg)"


def page_markdown(
    d: Dashboard,
    out_dir: Path,
    link_prefix: str = "",
    *,
    cell: Escape = md_cell,
    figure: Callable[[Chart, str], str] = image,
) -> str:
    """The KPI report page; writes each chart as ``<out_dir>/<name>.svg``.

    ``link_prefix`` is the path from the page to ``out_dir`` as the page links
    it (e.g. ``"charts/"``). Each chart is followed by its data as a table, the
    text alternative for readers who cannot see it. ``cell`` escapes every text
    the page shows, ``figure`` renders a chart (``(chart, link_prefix)``): the
    site passes its own stricter escaping and inlines the SVGs.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = ["# KPI report", "", overview(d.overall, cell)]
    for chart in all_charts(d):
        (out_dir / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")
        parts += [
            f"## {cell(chart.title)}",
            "",
            figure(chart, link_prefix),
            "",
            md_table(chart.table, cell),
        ]
    parts += ["## By priority", "", markdown_table(d.by_priority, cell)]
    parts += ["## By month", "", markdown_table(d.by_month, cell)]
    return "\n".join(parts)
