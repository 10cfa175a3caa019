"""``incidentctl site build`` / ``site serve``: options into requests; nothing else."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

ENGINES = ["mkdocs", "zensical"]


def _request(repo: Path | None, now: str | None, out: Path | None, engine: str | None) -> object:
    from incidentctl.commands.common import open_repository, parse_now
    from incidentctl.commands.site import SiteBuildRequest

    # progress only on a terminal, and never in CI (the environment is read here, at the edge)
    progress = sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("true", "1")
    return SiteBuildRequest(
        repo=open_repository(repo, Path.cwd()),
        now=parse_now(now),
        out=out,
        engine=engine,
        progress=progress,
    )


@click.group()
def site() -> None:
    """The published site: KB, SLA policy, incident register and user guide."""


_now = click.option("--now", metavar="TIMESTAMP", help="The current time (ISO 8601 with offset).")
_engine = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=None,
    help="The site engine (default: site.engine in incidentctl.yaml, else mkdocs).",
)


@site.command("build")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: site-build/ in the repository; it is replaced).",
)
@_engine
@_now
@click.pass_obj
def site_build(repo: Path | None, out: Path | None, engine: str | None, now: str | None) -> None:
    """Build the static site with MkDocs (Material) or Zensical.

    Pages are generated from the repository into a temporary folder, then built
    with the configuration in site/ (mkdocs.yml, overrides, assets). Exit code 0;
    2 for a bad option or configuration.
    """
    from incidentctl.commands.site import SiteBuildRequest, execute

    request = _request(repo, now, out, engine)
    assert isinstance(request, SiteBuildRequest)
    sys.exit(execute(request))


@site.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Build into this folder (default: a temporary one).",
)
@_engine
@_now
@click.pass_obj
def site_serve(
    repo: Path | None, port: int, out: Path | None, engine: str | None, now: str | None
) -> None:
    """Build the site and serve it on http://127.0.0.1:PORT/ until Ctrl-C."""
    from incidentctl.commands.site import SiteBuildRequest, SiteServeRequest, serve

    request = _request(repo, now, out, engine)
    assert isinstance(request, SiteBuildRequest)
    sys.exit(serve(SiteServeRequest(request, port)))


COMMANDS = [site]
