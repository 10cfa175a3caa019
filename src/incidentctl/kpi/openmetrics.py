"""A KPI report as OpenMetrics text, for Prometheus (a textfile collector) and Grafana.

Every figure is a gauge family; each group of the report is one sample per
family, labelled by the dimensions of ``--by`` (``month="2026-11"``,
``priority="P1"``); an ungrouped report has unlabelled samples. A figure without
data (null in JSON) has no sample. No timestamps: the scrape time is the time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from incidentctl.kpi.compute import Figures, KpiReport

PREFIX = "incidentctl_kpi_"
Value = float | int | None

# name, unit, help, value of a group's figures
COUNTS: tuple[tuple[str, str, Callable[[Figures], Value]], ...] = (
    (
        "incidents",
        "Incidents reported in the period (volume; cancelled included).",
        lambda f: f.count,
    ),
    ("cancelled_incidents", "Incidents cancelled.", lambda f: f.cancelled_count),
    (
        "open_incidents",
        "Incidents open (new, in progress, on hold) at the report time.",
        lambda f: f.open_count,
    ),
    ("major_incidents", "Major incidents.", lambda f: f.major_count),
    ("resolved_incidents", "Incidents resolved or closed.", lambda f: f.resolved_count),
    ("surveys", "Satisfaction surveys of resolved incidents.", lambda f: f.survey_count),
    ("csat_score", "Mean satisfaction score (1-5).", lambda f: f.csat_mean),
)
RATIOS: tuple[tuple[str, str, Callable[[Figures], Value]], ...] = (
    ("fcr_ratio", "First-contact resolution rate.", lambda f: f.fcr_rate),
    (
        "respond_met_ratio",
        "Share of acknowledged incidents that met the response target.",
        lambda f: f.respond_met_rate,
    ),
    (
        "resolve_met_ratio",
        "Share of resolved incidents that met the resolution target.",
        lambda f: f.resolve_met_rate,
    ),
    (
        "reopen_ratio",
        "Share of resolved incidents reopened at least once.",
        lambda f: f.reopen_rate,
    ),
    (
        "escalation_ratio",
        "Share of incidents escalated at least once.",
        lambda f: f.escalation_rate,
    ),
    ("csat_response_ratio", "Surveys per resolved incident.", lambda f: f.csat_response_rate),
)
DURATIONS = (
    ("mtta_seconds", "Time to acknowledge.", ("mtta", "mtta_working")),
    ("mttr_seconds", "Time to resolve (the last resolution).", ("mttr", "mttr_working")),
    ("mttd_seconds", "Time to detect (detected_at - started_at).", ("mttd",)),
    ("backlog_age_seconds", "Age of the open incidents at the report time.", ("backlog_age",)),
)


def escape(value: str) -> str:
    """A label value escaped as OpenMetrics requires: backslash, double quote, newline."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{escape(v)}"' for k, v in pairs) + "}"


def _number(value: float | int) -> str:
    return repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))


def _family(name: str, help_text: str, unit: str | None) -> Iterator[str]:
    yield f"# TYPE {PREFIX}{name} gauge"
    if unit:
        yield f"# UNIT {PREFIX}{name} {unit}"
    yield f"# HELP {PREFIX}{name} {help_text}"


def render_openmetrics(report: KpiReport) -> str:
    """The report as OpenMetrics text, ending with ``# EOF``."""
    groups = [(list(g.keys.items()), g.figures) for g in report.groups]
    lines: list[str] = []
    for families, unit in ((COUNTS, None), (RATIOS, "ratio")):
        for name, help_text, get in families:
            lines += _family(name, help_text, unit)
            for labels, fig in groups:
                value = get(fig)
                if value is not None:
                    lines.append(f"{PREFIX}{name}{_labels(labels)} {_number(value)}")
    for name, help_text, attrs in DURATIONS:
        lines += _family(name, help_text, "seconds")
        for labels, fig in groups:
            for attr in attrs:
                stats = getattr(fig, attr)
                clock = [("time", "working" if attr.endswith("_working") else "wall")]
                for stat in ("mean", "median", "p90"):
                    value = getattr(stats, stat)
                    if value is not None:
                        sample = _labels([*labels, *clock, ("stat", stat)])
                        lines.append(f"{PREFIX}{name}{sample} {_number(value)}")
    lines += _family("backlog_incidents", "Open incidents by age at the report time.", None)
    for label, count in report.backlog_buckets:
        lines.append(f"{PREFIX}backlog_incidents{_labels([('age', label)])} {count}")
    lines += _family("kb_resolved_incidents", "Resolved incidents citing each KB article.", None)
    for use in report.kb_usage:
        lines.append(f"{PREFIX}kb_resolved_incidents{_labels([('kb', use.id)])} {use.count}")
    return "\n".join([*lines, "# EOF"]) + "\n"
