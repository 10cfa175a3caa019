"""``incidentctl init --refresh-workflows``: set what the workflows of a repository install.

Kept apart from ``init``'s scaffolding so that it imports neither the models nor
the policies: it reads and edits nothing but ``.github/workflows``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.store.atomic import write_atomic
from incidentctl.workflows.edit import ENV, WORKFLOWS, quoted, set_install
from incidentctl.workflows.spec import install_warnings, parse_install


def refresh_workflows_in(
    root: Path, install: str | None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Set the install value of every workflow under ``root`` (None: keep each one's).

    Every file is edited in memory first, so a file that is not YAML stops the
    command before any file is written; then each changed file is replaced
    atomically. Files that do not exist are not written.
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    spec = parse_install(install) if install is not None else None
    folder = root / WORKFLOWS
    if not folder.is_dir():
        raise UsageError(
            f"{folder} does not exist: there is no workflow to refresh",
            "incidentctl init DIR writes the workflows into a new repository; copy them from"
            " there, or adopt the action (docs/automation.md)",
        )
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    edits = []
    for path in paths:
        rel = f"{WORKFLOWS}/{path.name}"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"{rel}: cannot be read as UTF-8 text ({exc})", "fix or remove the file"
            ) from None
        edit = set_install(text, install, rel)
        edits.append((path, rel, edit))
    installing = [e for e in edits if e[2].values]
    if not installing:
        out.write(f"no workflow in {WORKFLOWS} installs incidentctl (no {ENV} in a job's env)\n")
        return EXIT_CLEAN
    changed = 0
    for path, rel, edit in installing:
        if not edit.jobs:
            out.write(f"{rel}: up to date\n")
            continue
        write_atomic(path, edit.text)
        changed += 1
        values = sorted(set(edit.values.values()) if install is None else {install})
        shown = ", ".join(quoted(v) for v in values)  # escaped: the text came from a file
        out.write(f"{rel}: updated (jobs {', '.join(edit.jobs)}): {shown}\n")
    out.write(f"{changed} of {len(installing)} workflows updated\n")
    for warning in install_warnings(spec, root) if spec else []:
        err.write(f"incidentctl: warning: {warning}\n")
    return EXIT_CLEAN
