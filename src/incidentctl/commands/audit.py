"""``incidentctl audit``: replay the history of every record and report what broke the rules."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from incidentctl.audit import report, seal
from incidentctl.audit.findings import AuditResult
from incidentctl.audit.replay import replay
from incidentctl.errors import EXIT_CLEAN, EXIT_FINDINGS, UsageError
from incidentctl.store.repo import Repository


@dataclass(frozen=True)
class AuditRequest:
    repo: Repository
    since: str | None
    until: str | None
    format: str
    record: bool
    now: datetime
    env: Mapping[str, str]
    progress: TextIO | None = None  # where to show progress, when it is a terminal


def audit(
    repo: Repository,
    since: str | None = None,
    until: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> AuditResult:
    """The audit of ``since..until`` as data, audit points included (for reports and pages)."""
    config = repo.config
    limit = config.limits.max_file_bytes
    result = replay(repo.root, config.audit, since, until, limit, progress)
    result.findings.extend(seal.verify(repo.root, result.until))
    return result


def execute(request: AuditRequest, out: TextIO | None = None) -> int:
    """Run the audit, render it; exit 1 when an unexplained error was found."""
    out = sys.stdout if out is None else out
    render = report.FORMATS.get(request.format)
    if render is None:
        raise UsageError(f"--format: unknown format {request.format!r}")
    stream = request.progress
    if stream is not None and stream.isatty() and not request.env.get("CI"):
        shown = stream

        def progress(commits: int) -> None:
            shown.write(f"\raudited {commits} commits...")
            shown.flush()

        result = audit(request.repo, request.since, request.until, progress)
        shown.write("\r\x1b[K")  # clear the progress line
    else:
        result = audit(request.repo, request.since, request.until)
    if request.record:
        from incidentctl.commands.common import default_actor

        by = default_actor(request.repo.root, request.env)
        result.recorded = seal.record(request.repo.root, result, request.now, by)
    render(result, out)
    return EXIT_FINDINGS if result.failed else EXIT_CLEAN
