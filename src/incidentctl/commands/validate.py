"""``incidentctl validate``: every rule over the repository or the given paths."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from incidentctl.checks import run as checks
from incidentctl.diagnostics import Diagnostic, has_errors
from incidentctl.errors import EXIT_CLEAN, EXIT_FINDINGS, UsageError
from incidentctl.ids import id_from_path
from incidentctl.report import ReportInfo, formatters, pick_format
from incidentctl.store.changeset import ChangeSet
from incidentctl.store.incidentfiles import IncidentFiles, is_incident_path, misplaced
from incidentctl.store.repo import CONFIG_FILE, Repository


@dataclass(frozen=True)
class ValidateRequest:
    repo: Repository
    paths: Sequence[Path]  # empty: everything
    now: datetime
    format: str
    cwd: Path
    env: Mapping[str, str]
    base: str | None = None  # the pull-request check: compare with this ref's merge base
    include_uncommitted: bool = False


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
        if absolute.is_dir():
            # a folder needs the list of every file in it (a file alone does not)
            prefix = "" if rel == "." else rel + "/"
            chosen.update(k for k in _known(repo) if k.startswith(prefix))
        else:
            chosen.add(rel)
            _note_misplaced(repo, rel)
    incidents = sorted(r for r in chosen if r.startswith("incidents/"))
    return chosen, incidents


def _known(repo: Repository) -> list[str]:
    known = repo.incident_paths() + [r.source.rel for rs in repo.kb.values() for r in rs]
    return known + [s.rel for s in repo.policies.sources.values()]


def _note_misplaced(repo: Repository, rel: str) -> None:
    """A file under incidents/ that is not an incident file: what the full walk reports."""
    parts = rel.split("/")
    hidden = any(p.startswith(".") for p in parts[1:])  # the walk skips hidden names
    if parts[0] == "incidents" and not hidden and not is_incident_path(rel):
        repo.diagnostics.append(misplaced(rel))


def _report_on(
    repo: Repository, diagnostics: list[Diagnostic], chosen: set[str]
) -> list[Diagnostic]:
    """The findings about the chosen files, the policies and the configuration."""
    always = {s.rel for s in repo.policies.sources.values()} | {CONFIG_FILE}
    return [d for d in diagnostics if d.path in chosen or d.path in always or d.code == "FIL011"]


def _changed(request: ValidateRequest) -> tuple[list[Diagnostic], int]:
    """``--base``: the normal rules for the changed files, plus the change rules."""
    from incidentctl.checks.changes import check_changes
    from incidentctl.store.changeset import load_changes

    repo = request.repo
    assert request.base is not None
    changes = load_changes(
        repo.root,
        request.base,
        include_uncommitted=request.include_uncommitted,
        max_bytes=repo.config.limits.max_file_bytes,
    )
    chosen = set(changes.paths)
    # the changed incident files that the working tree holds, found by name
    known = [p for p in changes.paths if _in_working_tree(repo, p)]
    diagnostics = checks.run(repo, request.now, known)
    diagnostics = _report_on(repo, diagnostics, chosen)
    diagnostics += check_changes(changes, _head_ids(repo, changes))
    return sorted(set(diagnostics), key=Diagnostic.sort_key), len(chosen)


def _head_ids(repo: Repository, changes: ChangeSet) -> Iterable[str]:
    """The head's IDs the change rules need: those of the added records' years.

    They only serve to name the next free ID, which is one more than the highest of
    its year, so the other year folders are never listed.
    """
    files = repo.incident_files
    if not isinstance(files, IncidentFiles):
        return files
    added = [id_from_path(c.rel) for c in changes.incidents if c.status == "A"]
    years = {int(i.split("-")[1]) for i in added if i}
    return [i for year in sorted(years) for i in files.in_year(year)]


def _in_working_tree(repo: Repository, rel: str) -> bool:
    incident_id = id_from_path(rel)
    return incident_id is not None and rel in repo.incident_files.get(incident_id, [])


def execute(request: ValidateRequest, out: TextIO | None = None) -> int:
    out = sys.stdout if out is None else out
    repo = request.repo
    fmt = pick_format(request.format, request.env)
    render = formatters().get(fmt)
    if render is None:
        raise UsageError(f"--format: unknown format {fmt!r}")
    if request.include_uncommitted and request.base is None:
        raise UsageError("--include-uncommitted only works with --base REF")
    if request.base is not None:
        if request.paths:
            raise UsageError(
                "give PATHS or --base, not both",
                "--base checks exactly the files the branch changes",
            )
        diagnostics, count = _changed(request)
    elif request.paths:
        chosen, incidents = _select(repo, request.paths, request.cwd)
        diagnostics = _report_on(repo, checks.run(repo, request.now, incidents), chosen)
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
