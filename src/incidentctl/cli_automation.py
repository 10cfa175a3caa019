"""Command line of ``intake`` and ``autoclose`` (only click at import time)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

NOW_HELP = "The current time (ISO 8601 with offset), for reproducible runs."


@click.command()
@click.option(
    "--event-file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The GitHub `issues` event payload (in a workflow: $GITHUB_EVENT_PATH).",
)
@click.option(
    "--pull-request",
    is_flag=True,
    help="Commit the incident on the branch intake/issue-N, push it and open a pull request.",
)
@click.option("--dry-run", is_flag=True, help="Print the record it would create; write nothing.")
@click.option("--now", metavar="TIMESTAMP", help=NOW_HELP)
@click.pass_obj
def intake(
    repo: Path | None, event_file: Path, pull_request: bool, dry_run: bool, now: str | None
) -> None:
    """Record an incident from an issue opened with the incident form.

    Exit code 0: recorded, or already recorded (the record links the issue);
    1: the form's answers need fixing (the comment says what); 2: usage or
    environment problem.
    """
    from incidentctl.commands.common import open_repository, parse_now
    from incidentctl.commands.intake import (
        IntakeRequest,
        branch_only,
        execute,
        on_tracker,
        summary_writer,
    )
    from incidentctl.errors import UsageError
    from incidentctl.intake.parse import read_event

    if pull_request and dry_run:
        raise UsageError("--pull-request and --dry-run exclude each other")
    event = read_event(event_file)
    env = dict(os.environ)
    summary = env.get("GITHUB_STEP_SUMMARY")
    out = sys.stdout
    repository = open_repository(repo, Path.cwd())
    comment = summary_writer(out, Path(summary) if summary else None, event.number)
    open_pull_request = branch_only(out)
    tracker = None
    if not dry_run and env.get("GITHUB_TOKEN"):
        from incidentctl.escalation.github import GitHubTracker, Settings
        from incidentctl.escalation.http import Policy, Redactor, SystemClock

        settings = Settings.load(env, repository.config.tracker, option="intake")
        tracker = GitHubTracker(
            settings, clock=SystemClock(), policy=Policy(), redact=Redactor(), budget=[0.0]
        )
        comment, open_pull_request = on_tracker(
            tracker, event.number, repository.config.default_branch, comment
        )
    elif not dry_run:
        click.echo(
            "incidentctl: warning: $GITHUB_TOKEN is not set, so nothing is posted on issue"
            f" #{event.number}: the comment is printed instead",
            err=True,
        )
    request = IntakeRequest(
        repository,
        event,
        parse_now(now),
        comment=comment,
        open_pull_request=open_pull_request,
        pull_request=pull_request,
        dry_run=dry_run,
    )
    try:
        code = execute(request, out)
    finally:
        if tracker is not None:
            tracker.close()
    sys.exit(code)


@click.command()
@click.option("--now", metavar="TIMESTAMP", help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help="Say what would be closed; write nothing.")
@click.option(
    "--by", metavar="WHO", help="Who closes (the timeline's `by`); default: incidentctl-autoclose."
)
@click.option("--branch", metavar="NAME", help="Create this branch and commit the closes on it.")
@click.option("--push", is_flag=True, help="With --branch: push it to origin.")
@click.pass_obj
def autoclose(
    repo: Path | None,
    now: str | None,
    dry_run: bool,
    by: str | None,
    branch: str | None,
    push: bool,
) -> None:
    """Close resolved incidents older than auto_close_after (policies/sla.yaml).

    Major incidents and incidents whose survey window is open stay resolved.
    With --branch, nothing is created when nothing is due. Exit code 0; 2 when
    the policies are missing or an option is wrong.
    """
    from incidentctl.commands.autoclose import ACTOR, AutocloseRequest, execute
    from incidentctl.commands.common import open_repository, parse_now

    request = AutocloseRequest(
        open_repository(repo, Path.cwd()),
        parse_now(now).replace(microsecond=0),
        by=by or ACTOR,
        dry_run=dry_run,
        branch=branch,
        push=push,
    )
    sys.exit(execute(request))


COMMANDS = (intake, autoclose)
