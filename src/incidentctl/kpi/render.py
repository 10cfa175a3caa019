"""Rendering a KPI report: JSON (the SPEC 9 contract), text, CSV and Markdown. Only rendering."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from incidentctl.kpi.compute import Figures, Group, KpiReport
from incidentctl.kpi.stats import Stats
from incidentctl.report.table import aligned
from incidentctl.sla.report import span

Renderer = Callable[[KpiReport], str]
Escape = Callable[[str], str]  # how a Markdown cell or line escapes text (the site's is stricter)

STATS_FIELDS = (
    ("mtta_seconds", "mtta"),
    ("mttr_seconds", "mttr"),
    ("mtta_working_seconds", "mtta_working"),
    ("mttr_working_seconds", "mttr_working"),
    ("mttd_seconds", "mttd"),
    ("backlog_age_seconds", "backlog_age"),
)
RATE_FIELDS = (
    "fcr_rate",
    "respond_met_rate",
    "resolve_met_rate",
    "reopen_rate",
    "escalation_rate",
    "csat_response_rate",
)
COUNT_FIELDS = (
    "cancelled_count",
    "acknowledged_count",
    "resolved_count",
    "survey_count",
)


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def figures_json(fig: Figures) -> dict[str, Any]:
    """The SPEC 9 figures in contract order, then the optional extras."""
    out: dict[str, Any] = {
        "count": fig.count,
        "mtta_seconds": fig.mtta.as_json(),
        "mttr_seconds": fig.mttr.as_json(),
        "fcr_rate": fig.fcr_rate,
        "respond_met_rate": fig.respond_met_rate,
        "resolve_met_rate": fig.resolve_met_rate,
        "reopen_rate": fig.reopen_rate,
        "escalation_rate": fig.escalation_rate,
        "major_count": fig.major_count,
        "open_count": fig.open_count,
        "csat_mean": fig.csat_mean,
        "csat_response_rate": fig.csat_response_rate,
    }
    for name in COUNT_FIELDS:
        out[name] = getattr(fig, name)
    for name, attr in STATS_FIELDS[2:]:
        out[name] = getattr(fig, attr).as_json()
    out["backlog_age_seconds"]["max"] = fig.backlog_age.max
    return out


def group_json(group: Group) -> dict[str, Any]:
    return {"key": group.key, "keys": group.keys, **figures_json(group.figures)}


def report_json(report: KpiReport) -> dict[str, Any]:
    """The whole report as the SPEC 9 object: ``period`` and ``groups``, then extras."""
    period = report.period
    return {
        "period": {
            "since": _iso(period.since),
            "until": _iso(period.until),
            "now": _iso(period.now),
            "as_of": period.as_of,
            "by": list(report.by),
        },
        "groups": [group_json(g) for g in report.groups],
        "total": figures_json(report.total),
        "backlog": {
            "open_count": report.total.open_count,
            "age_seconds": figures_json(report.total)["backlog_age_seconds"],
            "buckets": [{"age": label, "count": n} for label, n in report.backlog_buckets],
        },
        "kb_usage": [{"id": u.id, "title": u.title, "count": u.count} for u in report.kb_usage],
    }


def render_json(report: KpiReport) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


# -- text and Markdown ---------------------------------------------------------------------

TABLE_HEAD = (
    "INCIDENTS",
    "OPEN",
    "MTTA MEDIAN",
    "MTTA P90",
    "MTTR MEDIAN",
    "MTTR P90",
    "FCR",
    "RESPOND MET",
    "RESOLVE MET",
    "REOPEN",
    "ESCALATED",
    "MAJOR",
    "CSAT",
)

MD_HEAD = (
    "Incidents",
    "Open",
    "MTTA median",
    "MTTA p90",
    "MTTR median",
    "MTTR p90",
    "FCR",
    "Respond met",
    "Resolve met",
    "Reopened",
    "Escalated",
    "Major",
    "CSAT",
)


def duration(value: float | None) -> str:
    """A duration for people (``2 d 3 h``), or ``–`` without data."""
    return "–" if value is None else span(round(value))


def percent(value: float | None) -> str:
    """A rate as a percentage with one decimal, or ``–`` without data."""
    return "–" if value is None else f"{100 * value:.1f} %"


def _row(label: str, fig: Figures) -> list[str]:
    csat = "–" if fig.csat_mean is None else f"{fig.csat_mean:.2f}"
    return [
        label,
        str(fig.count),
        str(fig.open_count),
        duration(fig.mtta.median),
        duration(fig.mtta.p90),
        duration(fig.mttr.median),
        duration(fig.mttr.p90),
        percent(fig.fcr_rate),
        percent(fig.respond_met_rate),
        percent(fig.resolve_met_rate),
        percent(fig.reopen_rate),
        percent(fig.escalation_rate),
        str(fig.major_count),
        csat,
    ]


def table_rows(report: KpiReport) -> list[list[str]]:
    """Header, one row per group, then the total (the only row when not grouped)."""
    head = ["/".join(report.by).upper() if report.by else "PERIOD", *TABLE_HEAD]
    rows = [_row(g.key or "all", g.figures) for g in report.groups]
    return [head, *rows, _row("total", report.total)] if report.by else [head, *rows]


def _plural(n: int, word: str = "incident") -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _summary_lines(report: KpiReport) -> list[str]:
    t = report.total
    period = report.period
    since = period.since.isoformat() if period.since else "the first incident"
    lines = [
        f"Incidents reported from {since} until {period.until.isoformat()}, measured at"
        f" {period.now.isoformat()}" + (f" (as of {period.as_of})" if period.as_of else "") + ".",
        f"Working time (SLA calendars): MTTA median {duration(t.mtta_working.median)},"
        f" p90 {duration(t.mtta_working.p90)}; MTTR median {duration(t.mttr_working.median)},"
        f" p90 {duration(t.mttr_working.p90)}.",
        f"MTTD (where started_at and detected_at are recorded, {_plural(t.mttd.count)}):"
        f" median {duration(t.mttd.median)}.",
        f"Backlog: {t.open_count} open, age median {duration(t.backlog_age.median)},"
        f" oldest {duration(t.backlog_age.max)} ("
        + ", ".join(f"{label}: {n}" for label, n in report.backlog_buckets)
        + ").",
        f"CSAT: {t.survey_count} surveys of {t.resolved_count} resolved incidents.",
    ]
    return lines


def render_text(report: KpiReport) -> str:
    """An aligned table, then the working-time, backlog, CSAT and KB figures."""
    lines = aligned(table_rows(report))
    lines += ["", *_summary_lines(report)]
    if report.kb_usage:
        lines += ["", "KB articles by incidents resolved:"]
        lines += [f"  {u.count:>4}  {u.id}  {u.title or ''}".rstrip() for u in report.kb_usage]
    return "\n".join(lines) + "\n"


def md_cell(text: str) -> str:
    """Escape a table cell for Markdown: pipes, HTML and line breaks."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def md_table(rows: list[list[str]], cell: Escape = md_cell) -> str:
    """A GitHub-flavoured Markdown table; the first row is the header."""
    head = rows[0]
    lines = ["| " + " | ".join(cell(c) for c in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows[1:]]
    return "\n".join(lines) + "\n"


def markdown_table(report: KpiReport, cell: Escape = md_cell) -> str:
    """The figures of every group as a Markdown table."""
    rows = table_rows(report)
    rows[0] = [rows[0][0].capitalize(), *MD_HEAD]
    return md_table(rows, cell)


def summary_markdown(report: KpiReport, cell: Escape = md_cell) -> str:
    """The working-time, MTTD, backlog and CSAT lines, then the KB usage, as Markdown."""
    out = "\n".join(f"- {cell(s)}" for s in _summary_lines(report))
    if report.kb_usage:
        kb = [["KB article", "Title", "Incidents resolved"]]
        kb += [[u.id, u.title or "", str(u.count)] for u in report.kb_usage]
        out += "\n\n" + md_table(kb, cell)
    return out + "\n"


def render_markdown(report: KpiReport, cell: Escape = md_cell) -> str:
    """The table, the summary and the KB usage as Markdown."""
    return markdown_table(report, cell) + "\n" + summary_markdown(report, cell)


# -- CSV ------------------------------------------------------------------------------------


def csv_columns(report: KpiReport) -> list[str]:
    """``key``, one column per dimension, then every figure flattened."""
    cols = ["key", *report.by, "count", "open_count", "major_count", *COUNT_FIELDS]
    for name, _ in STATS_FIELDS:
        base = name.removesuffix("_seconds")
        cols += [f"{base}_mean_seconds", f"{base}_median_seconds", f"{base}_p90_seconds"]
    return [*cols, *RATE_FIELDS, "csat_mean"]


def _csv_row(key: str | None, keys: dict[str, str], fig: Figures, by: tuple[str, ...]) -> list[Any]:
    row: list[Any] = [key, *(keys.get(d) for d in by), fig.count, fig.open_count, fig.major_count]
    row += [getattr(fig, n) for n in COUNT_FIELDS]
    for _, attr in STATS_FIELDS:
        stats: Stats = getattr(fig, attr)
        row += [stats.mean, stats.median, stats.p90]
    row += [getattr(fig, n) for n in RATE_FIELDS]
    return [*row, fig.csat_mean]


def render_csv(report: KpiReport) -> str:
    """One row per group (empty cells for no data); the total's key is ``total``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(csv_columns(report))
    for g in report.groups:
        writer.writerow(
            ["" if v is None else v for v in _csv_row(g.key, g.keys, g.figures, report.by)]
        )
    if report.by:
        total = _csv_row("total", {}, report.total, report.by)
        writer.writerow(["" if v is None else v for v in total])
    return buf.getvalue()


def _openmetrics(report: KpiReport) -> str:
    from incidentctl.kpi.openmetrics import render_openmetrics

    return render_openmetrics(report)


RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "csv": render_csv,
    "markdown": render_markdown,
    "openmetrics": _openmetrics,
}
