"""``incidentctl init DIR``: scaffold a new incident repository that validates clean.

The templates live in ``incidentctl/templates/init`` (package data). Names that
start with ``dot-`` become dot files (``dot-github`` -> ``.github``), because
packaging tools skip dot files; ``@ID@``, ``@T0@`` ... are filled from ``now`` so
that the example incident is in the past and the KB article freshly reviewed.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TextIO

from incidentctl.commands.schema import KINDS, schema_for
from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.ids import format_id
from incidentctl.intake.form import FORM_PATH, refresh
from incidentctl.store.atomic import write_atomic
from incidentctl.store.repo import Repository
from incidentctl.workflows.edit import WORKFLOWS, set_install
from incidentctl.workflows.spec import DEFAULT_INSTALL, install_warnings, parse_install

EXAMPLE_INCIDENT = "incidents/INCIDENT.yaml"


def _templates() -> Traversable:
    return resources.files("incidentctl").joinpath("templates", "init")


def _walk(folder: Traversable, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        name = "." + item.name[4:] if item.name.startswith("dot-") else item.name
        if item.is_dir():
            found += _walk(item, f"{prefix}{name}/")
        else:
            found.append((f"{prefix}{name}", item.read_text(encoding="utf-8")))
    return found


def substitutions(now: datetime) -> dict[str, str]:
    """The values of the placeholders: an incident reported two days before ``now``."""
    start = (now - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    times = [start + timedelta(minutes=m) for m in (0, 12, 40, 190, 60 * 24)]
    values = {f"@T{i}@": t.isoformat() for i, t in enumerate(times)}
    values["@ID@"] = format_id(start.year, 1)
    values["@TODAY@"] = now.date().isoformat()
    return values


def scaffold(now: datetime, install: str = DEFAULT_INSTALL) -> dict[str, str]:
    """Every file of a new repository, by relative path; the workflows install ``install``."""
    values = substitutions(now)
    files: dict[str, str] = {}
    for rel, text in _walk(_templates()):
        for key, value in values.items():
            text = text.replace(key, value)
        if rel.startswith(f"{WORKFLOWS}/"):
            # the same edit as --refresh-workflows, so both always write the same value
            text = set_install(text, install, rel).text
        if rel == EXAMPLE_INCIDENT:
            incident_id = values["@ID@"]
            rel = f"incidents/{incident_id.split('-')[1]}/{incident_id}.yaml"
        files[rel] = text
    # the site's look: the configuration a repository without site/ is built with, to edit
    for rel, text in _walk(resources.files("incidentctl").joinpath("site", "default")):
        files[f"site/{rel}"] = text
    for kind in KINDS:
        files[f"schemas/{kind}.schema.json"] = json.dumps(schema_for(kind), indent=2) + "\n"
    return files


def execute(
    target: Path,
    now: datetime,
    install: str = DEFAULT_INSTALL,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Write the scaffold into ``target``, which must be empty or not exist."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    spec = parse_install(install)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    if target.is_dir() and any(p.name != ".git" for p in target.iterdir()):
        raise UsageError(f"{target} is not empty", "init writes into a new or empty folder")
    files = scaffold(now, spec.text)
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    out.write(f"created an incident repository in {target} ({len(files)} files)\n")
    out.write(
        "next: cd into it, edit policies/*.yaml for your services and teams, then\n"
        "  git init -b main && git add . && git commit -m 'Incident repository'\n"
        "  incidentctl validate\n"
    )
    for warning in install_warnings(spec, target):
        err.write(f"incidentctl: warning: {warning}\n")
    return EXIT_CLEAN


def refresh_forms_in(repo: Repository, out: TextIO | None = None) -> int:
    """Regenerate the issue form's dropdowns from the policies (the scaffold's form if none)."""
    out = sys.stdout if out is None else out
    path = repo.root / FORM_PATH
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    else:
        text = (
            _templates()
            .joinpath("dot-github", "ISSUE_TEMPLATE", "incident.yml")
            .read_text(encoding="utf-8")
        )
    new_text = refresh(text, repo.policies, FORM_PATH)
    if path.is_file() and new_text == text:
        out.write(f"{FORM_PATH} is up to date\n")
        return EXIT_CLEAN
    existed = path.is_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, new_text)
    out.write(f"{FORM_PATH} {'updated' if existed else 'written'} from policies/\n")
    return EXIT_CLEAN
