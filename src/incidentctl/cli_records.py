"""Command line of ``new``, ``list``, ``show`` and ``init`` (only click at import time)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from incidentctl.cli_edit import F

NOW_HELP = "The current time (ISO 8601 with offset), for reproducible runs."


def _ask(question: str, choices: Sequence[str] | None, default: str | None) -> str:
    kind: Any = click.Choice(list(choices)) if choices else str
    return str(click.prompt(question, type=kind, default=default))


def new_options(function: F) -> F:
    """The fields of a new record, each optional on the command line."""
    fields = [
        ("--title", "One line: what is broken."),
        ("--description", "The symptoms, in the caller's words."),
        ("--service", "A service of policies/services.yaml."),
        ("--category", "A category of policies/categories.yaml."),
        ("--subcategory", "A subcategory of that category."),
        ("--impact", "How widely it hurts (a level of policies/priority.yaml)."),
        ("--urgency", "How soon it must be fixed."),
        ("--channel", "service_desk, email, phone, portal, monitoring or staff."),
        ("--reported-by", "Who reported it (default: --by)."),
        ("--configuration-item", "The configuration item (server, application, ...)."),
        ("--group", "Assignment group (default: the category's routing)."),
        ("--assignee", "A member of the group."),
    ]
    for name, help_text in reversed(fields):
        function = click.option(name, help=help_text)(function)
    function = click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")(function)
    return click.option(
        "--related", multiple=True, metavar="ID", help="A related incident (repeatable)."
    )(function)


@click.command()
@new_options
@click.option("--at", metavar="TIMESTAMP", help="When it was reported; default: now.")
@click.option("--now", metavar="TIMESTAMP", help=NOW_HELP)
@click.option("--by", metavar="WHO", help="Who records it; default: git user.email.")
@click.option("--branch", metavar="NAME", help="Create this branch and commit the new file.")
@click.option("--push", is_flag=True, help="With --branch: push it to origin.")
@click.pass_obj
def new(repo: Path | None, /, **options: Any) -> None:
    """Open a new incident: numbered, prioritised and routed from the policies.

    Missing fields are asked for on a terminal; elsewhere they are an error.
    """
    from incidentctl.commands.common import default_actor, open_repository, parse_now
    from incidentctl.commands.new import REQUIRED, NewRequest, execute

    repository = open_repository(repo, Path.cwd())
    now = parse_now(options["now"])
    at = parse_now(options["at"], "--at") if options["at"] else now.replace(microsecond=0)
    by = options["by"] or options["reported_by"] or default_actor(repository.root, os.environ)
    request = NewRequest(
        repository,
        {k: options[k] for k in REQUIRED},
        at,
        now,
        by,
        group=options["group"],
        assignee=options["assignee"],
        tags=options["tags"],
        related=options["related"],
        branch=options["branch"],
        push=options["push"],
        configuration_item=options["configuration_item"],
        ask=_ask if sys.stdin.isatty() else None,
    )
    sys.exit(execute(request))


@click.command(name="list")
@click.option("--status", multiple=True, help="Only this status (repeatable).")
@click.option("--priority", multiple=True, help="Only this priority (repeatable).")
@click.option("--service", multiple=True, help="Only this service (repeatable).")
@click.option("--team", multiple=True, help="Only this assignment group (repeatable).")
@click.option("--assignee", multiple=True, help="Only this assignee (repeatable).")
@click.option("--open", "open_only", is_flag=True, help="Only new, in_progress and on_hold.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--now", metavar="TIMESTAMP", help=NOW_HELP)
@click.pass_obj
def list_(repo: Path | None, /, fmt: str, now: str | None, **filters: Any) -> None:
    """List incidents, filtered, as a table or JSON."""
    from incidentctl.commands.common import open_repository, parse_now
    from incidentctl.commands.list_show import ListRequest, execute_list

    request = ListRequest(open_repository(repo, Path.cwd()), parse_now(now), format=fmt, **filters)
    sys.exit(execute_list(request))


@click.command()
@click.argument("incident_id", metavar="ID")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--now", metavar="TIMESTAMP", help=NOW_HELP)
@click.pass_obj
def show(repo: Path | None, incident_id: str, fmt: str, now: str | None) -> None:
    """Show one incident with the facts derived from its timeline."""
    from incidentctl.commands.common import open_repository, parse_now
    from incidentctl.commands.list_show import execute_show

    sys.exit(execute_show(open_repository(repo, Path.cwd()), incident_id, parse_now(now), fmt))


@click.command()
@click.argument("directory", type=click.Path(path_type=Path), required=False)
@click.option("--now", metavar="TIMESTAMP", help=NOW_HELP)
@click.option(
    "--refresh-forms",
    is_flag=True,
    help="Regenerate the dropdowns of .github/ISSUE_TEMPLATE/incident.yml from policies/"
    " in the repository (DIRECTORY, --repo or the current one); nothing else is touched.",
)
@click.option(
    "--refresh-workflows",
    is_flag=True,
    help="Set what .github/workflows/*.yml install (--install, or each job's current value)"
    " in the repository (DIRECTORY, --repo or the current one); nothing else is touched.",
)
@click.option(
    "--install",
    metavar="SPEC",
    help="What the workflows pip-install: incidentctl==VERSION (default, the version that"
    " runs init), git+https://HOST/OWNER/incidentctl@COMMIT, or the path of a wheel"
    " committed in the repository (tools/incidentctl-VERSION-py3-none-any.whl), or a folder"
    " holding incidentctl's source (./vendor/incidentctl).",
)
@click.pass_obj
def init(
    repo: Path | None,
    directory: Path | None,
    now: str | None,
    refresh_forms: bool,
    refresh_workflows: bool,
    install: str | None,
) -> None:
    """Scaffold a new incident repository in DIRECTORY (new or empty).

    Commented policies, an example incident and KB article, JSON Schemas, a
    pre-commit configuration, the GitHub Actions workflows, the incident issue
    form and a MkDocs configuration; it validates clean.
    """
    from incidentctl.errors import UsageError

    if refresh_forms or refresh_workflows:
        if install is not None and not refresh_workflows:
            raise UsageError("--install goes with DIRECTORY or --refresh-workflows")
        code = 0
        if refresh_forms:
            from incidentctl.commands.common import open_repository
            from incidentctl.commands.init import refresh_forms_in

            code = refresh_forms_in(open_repository(directory or repo, Path.cwd()))
        if refresh_workflows:
            from incidentctl.commands.workflows import refresh_workflows_in

            code = max(code, refresh_workflows_in(_workflows_root(directory or repo), install))
        sys.exit(code)
    from incidentctl.commands.common import parse_now
    from incidentctl.commands.init import execute
    from incidentctl.workflows.spec import DEFAULT_INSTALL

    if directory is None:
        raise UsageError(
            "missing DIRECTORY", "incidentctl init DIR (or --refresh-forms, --refresh-workflows)"
        )
    sys.exit(execute(directory, parse_now(now), DEFAULT_INSTALL if install is None else install))


def _workflows_root(given: Path | None) -> Path:
    """The repository whose workflows are refreshed: the one named, or the one around us."""
    from incidentctl.errors import UsageError

    if given is None:
        from incidentctl.store.repo import find_root  # loads the models: only when needed

        return find_root(Path.cwd())
    if not given.is_dir():
        raise UsageError(f"{given} is not a directory", "name the incident repository")
    return given.resolve()


COMMANDS = (new, list_, show, init)
