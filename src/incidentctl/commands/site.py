"""``incidentctl site build`` and ``site serve``: the published site from the repository."""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TextIO

from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.site import audit, engine, kpi, register
from incidentctl.site.context import build_context
from incidentctl.site.engine import SiteBuildError
from incidentctl.site.pages import generate
from incidentctl.site.serve import HOST, external_resources, server
from incidentctl.store.repo import Repository, load_repository

DEFAULT_OUT = "site-build"
# Zensical reads, renders and holds every page at once: about 90 KB a page (1.7 GB
# of resident memory for a register of 20,000 incidents). Above this many pages a
# build with it is warned about before it starts; MkDocs streams the register.
ZENSICAL_HELD_PAGES = 5000
ZENSICAL_KB_PER_PAGE = 90
MARKER = ".incidentctl-site"  # marks a folder as ours, so a rebuild may empty it


@dataclass(frozen=True)
class SiteBuildRequest:
    repo: Repository
    now: datetime
    out: Path | None = None  # default: <repo>/site-build
    engine: str | None = None  # default: site.engine of incidentctl.yaml
    progress: bool = False  # a progress line on stderr (a terminal, not CI)


@dataclass(frozen=True)
class SiteServeRequest:
    build: SiteBuildRequest
    port: int = 8000


def check_out(out: Path, root: Path) -> None:
    """Refuse to build into a folder that holds other files: the engine empties it first."""
    out = out.resolve()
    if out == root or out in root.parents:
        raise UsageError(f"--out: {out} is the repository or above it", "choose a new folder")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise UsageError(
            f"--out: {out} exists and is not an earlier site build",
            "choose a new or empty folder (a build replaces the folder's contents)",
        )


def build(request: SiteBuildRequest, err: TextIO) -> tuple[Path, int, list[str]]:
    """Generate and build; returns the output folder, the page count and the warnings.

    Notes (a part left out for a reason that is not a problem) are written to ``err``
    once the build has succeeded.
    """
    repo = request.repo
    out = request.out if request.out is not None else repo.root / DEFAULT_OUT
    check_out(out, repo.root)
    name = request.engine or repo.config.site.engine
    if name not in engine.ENGINES:
        raise UsageError(f"--engine: unknown engine {name!r}", "use mkdocs or zensical")
    show = _progress(err, name) if request.progress else None
    if show:
        err.write("incidentctl: reading the repository, generating pages\r")
    with tempfile.TemporaryDirectory(prefix="incidentctl-site-") as work:
        made = _generate_apart(repo, request.now, Path(work), out)
        if name == "zensical" and made.pages > ZENSICAL_HELD_PAGES:
            # now, not with the other warnings: the build may not live to the end
            held = made.pages * ZENSICAL_KB_PER_PAGE / 1024
            err.write(
                f"incidentctl: warning: zensical holds all {made.pages} pages in memory at"
                f" once, about {held:,.0f} MiB; the mkdocs engine streams the incident"
                " pages (--engine mkdocs), or leave the register out"
                " (site: {register: false} in incidentctl.yaml)\n"
            )
            err.flush()
        if show:
            err.write(f"\rincidentctl: {name}: building {made.pages} pages              ")
            err.flush()
        warnings = made.warnings + engine.build(
            made.config, name, made.pages, show, register.is_incident_page
        )
    (out / MARKER).write_text("built by incidentctl site build\n", encoding="utf-8")
    warnings += [f"{page}: loads {url} from the network" for page, url in external_resources(out)]
    if show:
        err.write("\n")
    for note in made.notes:  # after the build: a failed build shows only its error
        print(f"incidentctl: note: {note}", file=err)
    return out, made.pages, warnings


@dataclass(frozen=True)
class Generated:
    """The MkDocs project written in the work folder, and what its generation said."""

    config: Path
    pages: int
    warnings: list[str]
    notes: list[str]


def generate_project(repo: Repository, now: datetime, work: Path, out: Path) -> Generated:
    """Every page and the configuration into ``work``: audit, KPIs, register, KB."""
    # the audit and the KPIs first: what they hold while computing is free again
    # before the records are loaded
    digest, note = audit.compute(repo)
    reports = kpi.compute(repo, now)
    ctx = build_context(repo, now)
    audit.remember(ctx, digest, note)
    kpi.remember(ctx, reports)
    del digest, reports
    config, pages = engine.write_project(
        generate(ctx), repo.root, repo.config.site.title, work, out
    )
    return Generated(config, pages, ctx.warnings, ctx.notes)


def _generate_in_child(
    root: Path, use_cache: bool, now: datetime, work: Path, out: Path
) -> Generated:
    return generate_project(load_repository(root, use_cache), now, work, out)


def _generate_apart(repo: Repository, now: datetime, work: Path, out: Path) -> Generated:
    """``generate_project`` in a process of its own, then the engine in this one.

    A process keeps what it has freed (Python's and the C library's allocators hand
    little back), so MkDocs here would start on top of everything the generation once
    held: at 100,000 incidents about 350 MiB. A child's memory is all returned when it
    ends. Where no process can be started (a sandbox), the generation runs here.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        pool = ProcessPoolExecutor(max_workers=1)
    except (OSError, ImportError, NotImplementedError):
        return generate_project(repo, now, work, out)
    use_cache = repo.cache.path is not None
    with pool:
        try:
            return pool.submit(_generate_in_child, repo.root, use_cache, now, work, out).result()
        except BrokenProcessPool:
            raise SiteBuildError(
                "the process generating the pages stopped before it finished",
                "it was killed, probably for lack of memory; see docs/performance.md for"
                " what a site build needs",
            ) from None


def _progress(err: TextIO, name: str) -> engine.Progress:
    def show(done: int, total: int) -> None:
        err.write(f"\rincidentctl: {name}: {done}/{total} page steps ")
        err.flush()

    return show


def execute(request: SiteBuildRequest, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Build the site; print where it is. Exit code 0 (warnings go to stderr)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    start = time.monotonic()
    folder, pages, warnings = build(request, err)
    for warning in warnings:
        print(f"incidentctl: warning: {warning}", file=err)
    elapsed = time.monotonic() - start
    shown = folder.resolve()
    if shown.is_relative_to(request.repo.root.resolve()):
        shown = shown.relative_to(request.repo.root.resolve())  # e.g. site-build
    print(f"site built: {pages} pages in {elapsed:.1f} s -> {shown}", file=out)
    return EXIT_CLEAN


def serve(
    request: SiteServeRequest,
    out: TextIO | None = None,
    err: TextIO | None = None,
    ready: Callable[[ThreadingHTTPServer], None] | None = None,
) -> int:
    """Build into a temporary folder (or ``--out``) and serve it on 127.0.0.1 until Ctrl-C.

    ``ready`` is called with the listening server (tests use it to stop the server).
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    with tempfile.TemporaryDirectory(prefix="incidentctl-serve-") as tmp:
        base = request.build
        target = base.out if base.out is not None else Path(tmp) / "site"
        folder, _, warnings = build(
            SiteBuildRequest(base.repo, base.now, target, base.engine, base.progress), err
        )
        for warning in warnings:
            print(f"incidentctl: warning: {warning}", file=err)
        try:
            httpd = server(folder, request.port)
        except OSError as exc:
            raise UsageError(
                f"--port: cannot listen on {HOST}:{request.port}: {exc.strerror}",
                "choose another port, or --port 0 for any free one",
            ) from None
        with httpd:
            print(f"serving on http://{HOST}:{httpd.server_address[1]}/ (Ctrl-C stops)", file=out)
            out.flush()
            if ready is not None:
                ready(httpd)
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the way to stop
                httpd.serve_forever()
    return EXIT_CLEAN
