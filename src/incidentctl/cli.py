"""The command line: parse options into requests, call a command, exit with its code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from incidentctl import __version__
from incidentctl.errors import EXIT_CRASH, IncidentctlError

FORMATS = ["auto", "text", "json", "github", "sarif"]


class Group(click.Group):
    """Turns expected errors into one clear message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except IncidentctlError as exc:
            click.echo(f"incidentctl: error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("incidentctl: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # the reader went away (`incidentctl export | head`): stop quietly, as a
            # command killed by SIGPIPE does, and keep Python from complaining at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)
        except Exception as exc:  # a bug, not a user error
            if os.environ.get("INCIDENTCTL_DEBUG"):
                raise
            click.echo(
                f"incidentctl: internal error: {type(exc).__name__}: {exc}\n"
                "hint: this is a bug; rerun with INCIDENTCTL_DEBUG=1 for the traceback and"
                " report it",
                err=True,
            )
            ctx.exit(EXIT_CRASH)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="incidentctl")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The incident repository (default: found from the working directory upwards).",
)
@click.pass_context
def main(ctx: click.Context, repo: Path | None) -> None:
    """A git repository as an ITIL incident-management system."""
    ctx.obj = repo


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--now", metavar="TIMESTAMP", help="The current time (ISO 8601 with offset).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="Output format; auto is github under GitHub Actions, text elsewhere.",
)
@click.option(
    "--base",
    metavar="REF",
    help="Pull-request check: only the files changed since the merge base of REF and HEAD,"
    " plus the lifecycle and append-only rules between the two versions.",
)
@click.option(
    "--include-uncommitted",
    is_flag=True,
    help="With --base: compare the working tree (uncommitted and untracked files) too.",
)
@click.pass_obj
def validate(
    repo: Path | None,
    paths: tuple[Path, ...],
    now: str | None,
    fmt: str,
    base: str | None,
    include_uncommitted: bool,
) -> None:
    """Check files against the schema, the policies and the lifecycle.

    With PATHS, only those files (or folders) are reported on; references are
    still resolved against the whole repository. With --base REF (a branch, tag
    or SHA), only the files changed since the merge base of REF and HEAD, and
    the changes themselves: legal status steps, an append-only timeline,
    unchanged IDs, final records, no deleted records, no ID taken on REF.
    Exit code 0: no errors (warnings allowed); 1: errors; 2: usage or
    environment problem.
    """
    from incidentctl.commands.common import open_repository, parse_now
    from incidentctl.commands.validate import ValidateRequest, execute

    request = ValidateRequest(
        repo=open_repository(repo, Path.cwd()),
        paths=paths,
        now=parse_now(now),
        format=fmt,
        cwd=Path.cwd(),
        env=dict(os.environ),
        base=base,
        include_uncommitted=include_uncommitted,
    )
    sys.exit(execute(request))


@main.command()
@click.argument("kind", required=False)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every schema (or KIND's) into this folder.",
)
def schema(kind: str | None, out_dir: Path | None) -> None:
    """Print or write the JSON Schema of a file kind.

    Kinds: incident, priority, sla, services, categories, kb, config.
    """
    from incidentctl.commands.schema import execute

    sys.exit(execute(kind, out_dir))


@main.command()
@click.option("--markdown", is_flag=True, help="Print the full rules reference page.")
def rules(markdown: bool) -> None:
    """List every rule: code, name, severity and what it checks."""
    from incidentctl import rulesdoc

    if markdown:
        click.echo(rulesdoc.markdown(), nl=False)
        return
    for rule in rulesdoc.all_rules():
        click.echo(f"{rule.code}  {rule.name:32} {rule.severity.value:8} {rule.summary}")


# --- sla (SLA engine) -------------------------------------------------------------------


@main.group()
def sla() -> None:
    """SLA clocks: business-time deadlines, pauses and thresholds."""


@sla.command("status")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--now", metavar="TIMESTAMP", help="The current time (ISO 8601 with offset).")
@click.option(
    "--all", "show_all", is_flag=True, help="Include resolved and closed incidents (met / missed)."
)
@click.pass_obj
def sla_status(repo: Path | None, fmt: str, now: str | None, show_all: bool) -> None:
    """Show every SLA clock of open incidents, most urgent first.

    Breached clocks come first, then the others by deadline. Deadlines are shown
    in the calendar's time zone. Exit code 0; 2 when the policies are missing or
    broken.
    """
    from incidentctl.commands.common import open_repository, parse_now
    from incidentctl.commands.sla import SlaStatusRequest, execute

    request = SlaStatusRequest(
        repo=open_repository(repo, Path.cwd()), now=parse_now(now), format=fmt, all=show_all
    )
    sys.exit(execute(request))


# --- sla check (escalation to the tracker, paging) --------------------------------------


@sla.command("check")
@click.option(
    "--open-issues",
    is_flag=True,
    help="Apply the plan to the tracker (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL).",
)
@click.option(
    "--page",
    is_flag=True,
    help="Page the on-call as the policy says (INCIDENTCTL_PAGER_ROUTING_KEY); needs"
    " --open-issues.",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the plan and change nothing (reads the tracker)."
)
@click.option("--now", metavar="TIMESTAMP", help="The current time (ISO 8601 with offset).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--max-wait",
    type=click.FloatRange(min=0),
    default=600.0,
    show_default=True,
    metavar="SECONDS",
    help="Give up when rate limits and retries would make the run wait longer than this.",
)
@click.pass_obj
def sla_check(
    repo: Path | None,
    open_issues: bool,
    page: bool,
    dry_run: bool,
    now: str | None,
    fmt: str,
    max_wait: float,
) -> None:
    """Escalate SLA thresholds: open, update and close tracker issues, and page.

    Every running clock's crossed thresholds (notify, escalate, escalate_manager)
    and breaches become a plan. Without --open-issues the plan is printed; with
    it, one issue per incident and clock is opened or updated, and closed when
    the incident is resolved. Markdown is appended to $GITHUB_STEP_SUMMARY when
    set. Exit code 0: done; 1: done and a clock is breached; 2: configuration,
    permission or service problem.
    """
    from incidentctl.commands.common import open_repository, parse_now
    from incidentctl.commands.sla_check import SlaCheckRequest, execute

    request = SlaCheckRequest(
        repo=open_repository(repo, Path.cwd()),
        now=parse_now(now),
        env=dict(os.environ),
        format=fmt,
        open_issues=open_issues,
        page=page,
        dry_run=dry_run,
        max_wait=max_wait,
    )
    sys.exit(execute(request))


def _add_commands() -> None:
    """Register the commands defined in the ``cli_*`` modules (each imports only click)."""
    from incidentctl import cli_audit, cli_automation, cli_edit, cli_kpi, cli_records, cli_site

    for module in (cli_records, cli_edit, cli_automation, cli_kpi, cli_audit, cli_site):
        for command in module.COMMANDS:
            main.add_command(command)


_add_commands()
