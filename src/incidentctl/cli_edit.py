"""The lifecycle commands' command line: options in, ``commands.authoring.execute`` out.

Only click is imported at module level, so ``incidentctl --help`` stays fast;
``cli.py`` registers ``COMMANDS`` on the main group.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

F = Callable[..., Any]


def edit_options(function: F) -> F:
    """The ID argument and the options every lifecycle command shares."""
    decorators: list[Callable[[F], F]] = [
        click.argument("incident_id", metavar="ID"),
        click.option(
            "--at",
            metavar="TIMESTAMP",
            help="When it happened (ISO 8601 with offset); default: now.",
        ),
        click.option(
            "--now",
            metavar="TIMESTAMP",
            help="The current time (ISO 8601 with offset), for reproducible runs.",
        ),
        click.option(
            "--by", metavar="WHO", help="Who acts; default: git user.email, else $GITHUB_ACTOR."
        ),
        click.option(
            "--branch", metavar="NAME", help="Create this branch and commit the change on it."
        ),
        click.option("--push", is_flag=True, help="With --branch: push it to origin."),
        click.pass_obj,
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def run_edit(
    repo: Path | None, verb: str, options: dict[str, Any], plan: F, **plan_options: Any
) -> None:
    """Build the request from the shared options and run the command."""
    from incidentctl.commands.authoring import EditRequest, execute, planner
    from incidentctl.commands.common import default_actor, open_repository, parse_now
    from incidentctl.edits import Actor

    repository = open_repository(repo, Path.cwd())
    now = parse_now(options["now"])
    at = parse_now(options["at"], "--at") if options["at"] else now.replace(microsecond=0)
    by = options["by"] or default_actor(repository.root, os.environ)
    request = EditRequest(
        repository, options["incident_id"], now, Actor(at, by), options["branch"], options["push"]
    )
    sys.exit(execute(request, planner(plan, **plan_options), verb))


@click.command()
@edit_options
def ack(repo: Path | None, **options: Any) -> None:
    """Acknowledge a new incident (new -> in_progress)."""
    from incidentctl import edits

    run_edit(repo, "ack", options, edits.ack)


@click.command()
@edit_options
@click.option("--group", "-g", required=True, help="The team (a key of teams: in services.yaml).")
@click.option("--assignee", "-a", help="A member of the team.")
def assign(repo: Path | None, group: str, assignee: str | None, **options: Any) -> None:
    """Assign the incident to a team, and optionally a person."""
    from incidentctl import edits

    run_edit(repo, "assign", options, edits.assign, group=group, assignee=assignee)


@click.command()
@edit_options
@click.option(
    "--functional",
    metavar="[TEAM]",
    is_flag=False,
    flag_value="",
    default=None,
    help="To TEAM, or by default to the service's next support tier.",
)
@click.option("--hierarchical", is_flag=True, help="To the service's incident manager.")
def escalate(repo: Path | None, functional: str | None, hierarchical: bool, **options: Any) -> None:
    """Escalate functionally (next support tier) or hierarchically (incident manager)."""
    from incidentctl import edits

    run_edit(
        repo, "escalate", options, edits.escalate, functional=functional, hierarchical=hierarchical
    )


@click.command()
@edit_options
@click.option(
    "--reason",
    "-r",
    required=True,
    help="awaiting_caller, awaiting_change, awaiting_problem, awaiting_vendor, or a"
    " reason policies/sla.yaml adds.",
)
def hold(repo: Path | None, reason: str, **options: Any) -> None:
    """Put the incident on hold, with a reason."""
    from incidentctl import edits

    run_edit(repo, "hold", options, edits.hold, reason=reason)


@click.command()
@edit_options
def resume(repo: Path | None, **options: Any) -> None:
    """Take the incident off hold (on_hold -> in_progress)."""
    from incidentctl import edits

    run_edit(repo, "resume", options, edits.resume)


@click.command()
@edit_options
@click.option(
    "--code",
    "-c",
    required=True,
    help="workaround, permanent_fix, known_error, duplicate, no_fault_found,"
    " user_error or third_party.",
)
@click.option("--summary", "-s", required=True, help="What fixed it.")
@click.option("--kb", multiple=True, metavar="KB-ID", help="A KB article used or written.")
@click.option("--duplicate-of", metavar="ID", help="With --code duplicate: the original.")
def resolve(
    repo: Path | None,
    code: str,
    summary: str,
    kb: tuple[str, ...],
    duplicate_of: str | None,
    **options: Any,
) -> None:
    """Resolve the incident and write its resolution block."""
    from incidentctl import edits

    run_edit(
        repo,
        "resolve",
        options,
        edits.resolve,
        code=code,
        summary=summary,
        kb=kb,
        duplicate_of=duplicate_of,
    )


@click.command()
@edit_options
def close(repo: Path | None, **options: Any) -> None:
    """Close a resolved incident (resolved -> closed)."""
    from incidentctl import edits

    run_edit(repo, "close", options, edits.close)


@click.command()
@edit_options
def reopen(repo: Path | None, **options: Any) -> None:
    """Reopen a resolved incident, inside the policy's reopen window."""
    from incidentctl import edits

    run_edit(repo, "reopen", options, edits.reopen)


@click.command()
@edit_options
@click.option("--reason", "-r", help="Why (free text).")
def cancel(repo: Path | None, reason: str | None, **options: Any) -> None:
    """Cancel an open incident."""
    from incidentctl import edits

    run_edit(repo, "cancel", options, edits.cancel, reason=reason)


@click.command()
@edit_options
@click.option("--text", "-t", required=True, help="The note.")
def note(repo: Path | None, text: str, **options: Any) -> None:
    """Append a note to the timeline."""
    from incidentctl import edits

    run_edit(repo, "note", options, edits.note, text=text)


@click.command()
@edit_options
@click.option("--score", type=click.IntRange(1, 5), required=True, help="1 (bad) to 5 (good).")
@click.option("--comment", help="The caller's words.")
def survey(repo: Path | None, score: int, comment: str | None, **options: Any) -> None:
    """Record the caller's satisfaction after resolution."""
    from incidentctl import edits

    run_edit(repo, "survey", options, edits.survey, score=score, comment=comment)


@click.command()
@edit_options
@click.option("--impact", help="The new impact level.")
@click.option("--urgency", help="The new urgency level.")
@click.option("--reason", help="Why the priority changes.")
def reprioritize(
    repo: Path | None, impact: str | None, urgency: str | None, reason: str | None, **options: Any
) -> None:
    """Change impact and/or urgency; the priority is re-derived from the matrix."""
    from incidentctl import edits

    run_edit(
        repo,
        "reprioritize",
        options,
        edits.reprioritize,
        impact=impact,
        urgency=urgency,
        reason=reason,
    )


COMMANDS = (
    ack,
    assign,
    escalate,
    hold,
    resume,
    resolve,
    close,
    reopen,
    cancel,
    note,
    survey,
    reprioritize,
)
