"""Command line of ``history`` and ``audit`` (only click at import time)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.command()
@click.argument("incident_id", metavar="ID")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--until", metavar="REF", help="Read the history up to REF (default: HEAD).")
@click.pass_obj
def history(repo: Path | None, incident_id: str, fmt: str, until: str | None) -> None:
    """Every commit that changed the record ID, with what each one changed.

    Follows the record across year folders. For each commit on the branch:
    author, committer, dates, signature, the pull request a merge or squash
    commit names, the status step, the fields changed (old -> new), the
    timeline entries appended, and any audit finding.
    """
    from incidentctl.commands.common import open_repository
    from incidentctl.commands.history import HistoryRequest, execute

    request = HistoryRequest(open_repository(repo, Path.cwd()), incident_id, fmt, until)
    sys.exit(execute(request))


@click.command()
@click.option("--since", metavar="REF", help="Audit only the commits after REF.")
@click.option("--until", metavar="REF", help="Audit up to REF (default: HEAD).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv", "sarif"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--record",
    is_flag=True,
    help="Store an audit point (the commit and a digest of its records) in"
    " refs/notes/incidentctl, checked by later audits.",
)
@click.option("--now", metavar="TIMESTAMP", help="The time written into an audit point.")
@click.pass_obj
def audit(
    repo: Path | None,
    since: str | None,
    until: str | None,
    fmt: str,
    record: bool,
    now: str | None,
) -> None:
    """Replay the history of every record and report what broke the rules.

    Walks the branch's first-parent history once: illegal transitions, rewritten
    timelines, changed immutable fields, deleted or renamed records, timestamps
    far from their commit, back-filled records, direct pushes and unsigned
    commits (when incidentctl.yaml asks for them), and audit points recorded
    earlier that are no longer in the history. Exit code 0: no unexplained
    errors; 1: errors; 2: usage or environment problem (a shallow clone).
    """
    from incidentctl.commands.audit import AuditRequest, execute
    from incidentctl.commands.common import open_repository, parse_now

    request = AuditRequest(
        repo=open_repository(repo, Path.cwd()),
        since=since,
        until=until,
        format=fmt,
        record=record,
        now=parse_now(now),
        env=dict(os.environ),
        progress=sys.stderr,
    )
    sys.exit(execute(request))


COMMANDS = (history, audit)
