"""``incidentctl validate``: every rule over the repository or the given paths."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from incidentctl.checks import run as checks
from incidentctl.diagnostics import has_errors
from incidentctl.errors import EXIT_CLEAN, EXIT_FINDINGS, UsageError
from incidentctl.report import ReportInfo, formatters, pick_format
from incidentctl.store.repo import CONFIG_FILE, Repository


@dataclass(frozen=True)
class ValidateRequest:
    repo: Repository
    paths: Sequence[Path]  # empty: everything
    now: datetime
    format: str
    cwd: Path
    env: Mapping[str, str]


def _select(repo: Repository, paths: Sequence[Path], cwd: Path) -> tuple[set[str], list[str]]:
    """The repository-relative files to report on, and the incident files among them."""
    chosen: set[str] = set()
    for path in paths:
        absolute = (cwd / path).resolve()
        try:
            rel = absolute.relative_to(repo.root).as_posix()
        except ValueError:
            raise UsageError(f"{path} is outside the repository {repo.root}") from None
        if not absolute.exists():
            raise UsageError(f"{path}: no such file or directory")
        prefix = "" if rel == "." else rel + "/"
        known = repo.incident_paths() + [r.source.rel for rs in repo.kb.values() for r in rs]
        known += [s.rel for s in repo.policies.sources.values()]
        if absolute.is_dir():
            chosen.update(k for k in known if k.startswith(prefix))
        else:
            chosen.add(rel)
    incidents = sorted(r for r in chosen if r.startswith("incidents/"))
    return chosen, incidents


def execute(request: ValidateRequest, out: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    repo = request.repo
    fmt = pick_format(request.format, request.env)
    render = formatters().get(fmt)
    if render is None:
        raise UsageError(f"--format: unknown format {fmt!r}")
    if request.paths:
        chosen, incidents = _select(repo, request.paths, request.cwd)
        diagnostics = checks.run(repo, request.now, incidents)
        always = {s.rel for s in repo.policies.sources.values()} | {CONFIG_FILE}
        diagnostics = [
            d for d in diagnostics if d.path in chosen or d.path in always or d.code == "FIL011"
        ]
        count = len(chosen)
    else:
        diagnostics = checks.run(repo, request.now)
        count = (
            len(repo.incident_paths())
            + sum(len(v) for v in repo.kb.values())
            + len(repo.policies.sources)
        )
    color = fmt == "text" and out.isatty() and "NO_COLOR" not in request.env
    render(diagnostics, ReportInfo(count, color), out)
    return EXIT_FINDINGS if has_errors(diagnostics) else EXIT_CLEAN
