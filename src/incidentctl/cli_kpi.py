"""Command line of ``kpi`` and ``export`` (only click at import time)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

NOW_HELP = "The current time (ISO 8601 with offset): figures are measured at this instant."
AS_OF_HELP = (
    "Read the repository as committed at this branch, tag or commit (through git, without"
    " a checkout), so a published report can be rebuilt exactly."
)


@click.command()
@click.option(
    "--since", metavar="WHEN", help="First day of the period: 2026-11, 2026-11-01 or a timestamp."
)
@click.option(
    "--until",
    metavar="WHEN",
    help="Last day of the period (included): 2026-11, 2026-11-30 or a timestamp (excluded);"
    " default: now.",
)
@click.option(
    "--by",
    metavar="KEYS",
    help="Group by month, week, priority, service, team or category; combine with commas:"
    " month,priority.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv", "markdown", "openmetrics"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--now", metavar="TIMESTAMP", help=NOW_HELP)
@click.option("--as-of", "as_of", metavar="REF", help=AS_OF_HELP)
@click.pass_obj
def kpi(
    repo: Path | None,
    since: str | None,
    until: str | None,
    by: str | None,
    fmt: str,
    now: str | None,
    as_of: str | None,
) -> None:
    """Incident KPIs: volume, MTTA, MTTR, FCR, SLA met, reopens, escalations, backlog, CSAT.

    An incident belongs to the period (and to a month or week) by its
    reported_at, in UTC. Definitions: docs/kpi.md. Exit code 0; 2 when an option
    is wrong or the policies are missing or broken.
    """
    from incidentctl.commands.common import parse_now
    from incidentctl.commands.kpi import KpiRequest, execute, open_at, parse_bound, parse_by

    snapshot = open_at(repo, Path.cwd(), as_of)
    request = KpiRequest(
        repo=snapshot,
        now=parse_now(now),
        since=parse_bound(since, "--since", end=False),
        until=parse_bound(until, "--until", end=True),
        by=parse_by(by),
        format=fmt,
        as_of=getattr(snapshot, "commit", None),
    )
    sys.exit(execute(request))


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ndjson", "csv"]),
    default="ndjson",
    show_default=True,
    help="Newline-delimited JSON or CSV.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write incidents, events and clocks (.ndjson or .csv) into this folder.",
)
@click.option(
    "--table",
    type=click.Choice(["incidents", "events", "clocks"]),
    default="incidents",
    show_default=True,
    help="Without --out: the table printed on standard output.",
)
@click.option("--now", metavar="TIMESTAMP", help=NOW_HELP)
@click.option("--as-of", "as_of", metavar="REF", help=AS_OF_HELP)
@click.pass_obj
def export(
    repo: Path | None,
    fmt: str,
    out_dir: Path | None,
    table: str,
    now: str | None,
    as_of: str | None,
) -> None:
    """Export the facts behind the KPIs as flat tables: incidents, events, SLA clocks.

    For a warehouse or a notebook (DuckDB, BigQuery, pandas). Columns: docs/kpi.md.
    """
    from incidentctl.commands.common import parse_now
    from incidentctl.commands.export import ExportRequest, execute
    from incidentctl.commands.kpi import open_at

    request = ExportRequest(
        repo=open_at(repo, Path.cwd(), as_of),
        now=parse_now(now),
        format=fmt,
        out=out_dir,
        table=table,
    )
    sys.exit(execute(request))


COMMANDS = [kpi, export]
