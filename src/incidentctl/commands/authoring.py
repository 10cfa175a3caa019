"""The lifecycle commands (``ack``, ``hold``, ``resolve``, ...): plan, splice, verify, write.

Every command reads one record, asks a planner in ``incidentctl.edits`` for the
edit (which refuses what the lifecycle or the policies forbid), splices it into
the text so that nothing else changes, re-reads the result to prove it holds
exactly the intended data and introduces no new error, and writes it atomically
unless the file changed on disk in the meantime.
"""

from __future__ import annotations

import copy
import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from incidentctl.checks.context import Context
from incidentctl.diagnostics import Diagnostic, Severity
from incidentctl.edits import KEY_ORDER, Actor, Edit, Refused
from incidentctl.errors import EXIT_CLEAN, IncidentctlError, UsageError
from incidentctl.ids import near_ids
from incidentctl.model.incident import Incident
from incidentctl.store import git, yamlread
from incidentctl.store.atomic import write_atomic
from incidentctl.store.reader import Read, parse_yaml, read_text, validate_model
from incidentctl.store.repo import IncidentRecord, Policies, Repository
from incidentctl.store.source import Source
from incidentctl.store.yamlread import comparable

Planner = Callable[[Incident, Actor, Policies], Edit]


@dataclass(frozen=True)
class EditRequest:
    """One lifecycle command on one record."""

    repo: Repository
    incident_id: str
    now: datetime
    actor: Actor
    branch: str | None = None
    push: bool = False


def locate(repo: Repository, incident_id: str) -> str:
    """The file of an incident, or a usage error that suggests the nearest IDs."""
    rels = repo.incident_files.get(incident_id)
    if rels:
        return rels[0]
    close = near_ids(incident_id, repo.incident_files)
    hint = ("did you mean " + ", ".join(close) + "?") if close else "list them: incidentctl list"
    raise UsageError(f"unknown incident {incident_id}", hint)


def _located(diag: Diagnostic) -> str:
    where = diag.path + (f":{diag.line}" if diag.line else "")
    return f"{where}: {diag.message}"


def load_record(repo: Repository, rel: str) -> tuple[str, Incident]:
    """The text and model of one record; refuses files that do not read cleanly."""
    text, diags = read_text(repo.root / rel, rel, repo.config.limits.max_file_bytes)
    source = Source(rel, text or "")
    data = None
    if text is not None:
        data, diags = parse_yaml(text, source)
    model, more = validate_model(Read(source, data, diags), Incident)
    problems = diags + more
    if model is None or text is None:
        hint = "fix the file first (incidentctl validate " + rel + ")"
        if problems and problems[0].code == "FIL009":
            hint = "resolve the merge conflict first, then run the command again"
        raise Refused(_located(problems[0]) if problems else f"{rel}: cannot read", hint)
    return text, model


def apply_edit(text: str, edit: Edit) -> str:
    """The record's text with the edit spliced in; verified by reading it back."""
    from incidentctl.store.yamledit import Document  # ruamel.yaml: 15 ms, for edits only

    doc = Document(text, KEY_ORDER)
    doc.append("timeline", edit.entry)
    for key, value in edit.set.items():
        doc.set(key, value, flow=key not in edit.block)
    for key in edit.remove:
        doc.remove(key)
    expected = copy.deepcopy(yamlread.load(text))
    expected["timeline"].append(edit.entry)
    expected.update(edit.set)
    for key in edit.remove:
        expected.pop(key, None)
    if comparable(yamlread.load(doc.text)) != comparable(expected):
        raise IncidentctlError(
            "internal error: the edit did not read back as intended",
            "this is a bug; please report it with the file",
        )
    return doc.text


def record_errors(repo: Repository, now: datetime, source: Source, model: Incident) -> set[str]:
    """The error messages every incident rule finds in one version of a record."""
    from incidentctl.checks.run import INCIDENT_CHECKS

    ctx = Context(repo, now)
    record = IncidentRecord(source, model)
    return {
        f"{d.code} {d.message}"
        for check in INCIDENT_CHECKS
        for d in check(ctx, record)
        if d.severity is Severity.ERROR
    }


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_checked(path: Path, text: str, digest: str | None) -> None:
    """Write atomically, unless the file changed since it was read (``digest``)."""
    current = _digest(path) if path.exists() else None
    if current != digest:
        raise Refused(
            f"{path.name} changed on disk while the command ran; nothing was written",
            "run the command again",
        )
    write_atomic(path, text)


def commit_change(
    root: Path, rel: str, branch: str | None, push: bool, message: str, out: TextIO
) -> None:
    """With ``--branch``: commit the one file on the new branch (and push it with --push)."""
    if branch is None:
        return
    sha = git.commit_files(root, [rel], message)
    out.write(f"committed {sha[:12]} on {branch}: {message}\n")
    if push:
        git.push(root, branch)
        out.write(f"pushed {branch} to origin; open a pull request from it\n")


def execute(request: EditRequest, plan: Planner, verb: str, out: TextIO | None = None) -> int:
    """Run one lifecycle command; returns the exit code."""
    out = sys.stdout if out is None else out
    repo = request.repo
    if request.push and request.branch is None:
        raise UsageError("--push needs --branch NAME")
    rel = locate(repo, request.incident_id)
    path = repo.root / rel
    digest = _digest(path)
    text, model = load_record(repo, rel)
    last = model.timeline[-1].at
    if request.actor.at < last:
        raise UsageError(
            f"--at {request.actor.at.isoformat()} is before the last timeline entry"
            f" of {model.id} ({last.isoformat()})",
            "entries are appended in time order",
        )
    edit = plan(model, request.actor, repo.policies)
    from incidentctl.store.yamledit import EditError

    try:
        new_text = apply_edit(text, edit)
    except EditError as exc:
        raise Refused(f"{rel}: cannot edit the file in place: {exc}") from None
    new_source = Source(rel, new_text)
    new_model = Incident.model_validate(yamlread.load(new_text))
    added = sorted(
        record_errors(repo, request.now, new_source, new_model)
        - record_errors(repo, request.now, Source(rel, text), model)
    )
    if added:
        raise Refused(f"{model.id}: {verb} would make the record invalid: " + "; ".join(added))
    if request.branch is not None:
        git.require_repository(repo.root, "--branch")
        git.create_branch(repo.root, request.branch)
    write_checked(path, new_text, digest)
    out.write(f"{model.id}: {edit.summary}\n")
    commit_change(
        repo.root, rel, request.branch, request.push, f"{model.id}: {verb} ({edit.summary})", out
    )
    return EXIT_CLEAN


def planner(function: Callable[..., Edit], **options: Any) -> Planner:
    """Bind a planner's command-line options: ``planner(edits.hold, reason=...)``."""

    def bound(inc: Incident, actor: Actor, policies: Policies) -> Edit:
        return function(inc, actor, policies, **options)

    return bound
