"""``incidentctl autoclose``: close resolved incidents once the policy's period has passed.

An incident is closed when it is ``resolved``, its last resolution is at least
``auto_close_after`` (``policies/sla.yaml``) before ``now``, it is not a major
incident (those are closed by a person, after the review), and its survey
window is not open. The survey window is ``survey_window`` after the last
resolution, when the policy sets one: while it runs and the caller has not
answered (no ``satisfaction``), the incident stays resolved so that the survey
is taken on a resolved incident. Each close is the ``close`` command's edit (a
status entry ``resolved -> closed`` at ``now``), spliced in and checked like
any other; with ``--branch`` all of them are one commit on a new branch.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from incidentctl import edits
from incidentctl.commands.authoring import apply_edit, load_record, record_errors, write_checked
from incidentctl.edits import Actor, Refused
from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.lifecycle import facts
from incidentctl.model.common import format_duration
from incidentctl.model.incident import Incident, Status
from incidentctl.model.policy import SlaPolicy
from incidentctl.store import git, yamlread
from incidentctl.store.repo import Repository
from incidentctl.store.source import Source

ACTOR = "incidentctl-autoclose"


@dataclass(frozen=True)
class AutocloseRequest:
    """Which repository, the clock, and what to do with the result."""

    repo: Repository
    now: datetime
    by: str = ACTOR
    dry_run: bool = False
    branch: str | None = None
    push: bool = False


@dataclass(frozen=True)
class Decision:
    """What autoclose does with one resolved incident, and why."""

    incident_id: str
    rel: str
    close: bool
    reason: str


def decide(repo: Repository, now: datetime) -> list[Decision]:
    """Every resolved incident with the decision for it, in ID order (pure: no writes)."""
    sla, priority = repo.policies.sla, repo.policies.priority
    if sla is None:
        raise UsageError(
            "policies/sla.yaml is missing or invalid: auto_close_after is unknown",
            "run incidentctl validate",
        )
    major = set(priority.major) if priority else set()
    decisions = []
    for record in repo.load_incidents():
        inc = record.model
        resolved_at = facts(inc).resolved_at
        if inc.status is not Status.RESOLVED or resolved_at is None:
            continue
        close, reason = _verdict(inc, now - resolved_at, major, sla)
        decisions.append(Decision(inc.id, record.source.rel, close, reason))
    return sorted(decisions, key=lambda d: d.incident_id)


def _verdict(inc: Incident, age: timedelta, major: set[str], sla: SlaPolicy) -> tuple[bool, str]:
    after, window = sla.auto_close_after, sla.survey_window
    if age < timedelta(0):
        return False, "resolved after --now"
    if age < after:
        return False, f"resolved {format_duration(age)} ago; closes after {format_duration(after)}"
    if inc.major or inc.priority in major:
        return False, "a major incident: closed by a person after the review"
    if window is not None and inc.satisfaction is None and age < window:
        return False, f"survey window open ({format_duration(window)} after resolution)"
    return True, f"resolved {format_duration(age)} ago"


def _close(request: AutocloseRequest, decision: Decision) -> None:
    """Close one record through the ``close`` command's edit; refuses a new error."""
    repo = request.repo
    path = repo.root / decision.rel
    before = path.read_bytes()
    text, model = load_record(repo, decision.rel)
    # a resolution entered after now would put the close before it: take the later time
    at = max(request.now, model.timeline[-1].at)
    edit = edits.close(model, Actor(at, request.by), repo.policies)
    new_text = apply_edit(text, edit)
    new_model = Incident.model_validate(yamlread.load(new_text))
    added = sorted(
        record_errors(repo, request.now, Source(decision.rel, new_text), new_model)
        - record_errors(repo, request.now, Source(decision.rel, text), model)
    )
    if added:
        raise Refused(f"{model.id}: closing would make the record invalid: " + "; ".join(added))
    write_checked(path, new_text, hashlib.sha256(before).hexdigest())


def execute(request: AutocloseRequest, out: TextIO | None = None) -> int:
    """Close what is due; returns the exit code (0, also when nothing is due)."""
    out = sys.stdout if out is None else out
    repo = request.repo
    if request.push and request.branch is None:
        raise UsageError("--push needs --branch NAME")
    decisions = decide(repo, request.now)
    due = [d for d in decisions if d.close]
    verb = "would close" if request.dry_run else "closed"
    for decision in decisions:
        label = verb if decision.close else "kept resolved"
        out.write(f"{decision.incident_id}: {label}: {decision.reason}\n")
    if not due or request.dry_run:
        out.write(f"{len(due)} of {len(decisions)} resolved incidents {verb}\n")
        return EXIT_CLEAN
    if request.branch is not None:
        git.require_repository(repo.root, "--branch")
        git.create_branch(repo.root, request.branch)
    for decision in due:
        _close(request, decision)
    out.write(f"{len(due)} of {len(decisions)} resolved incidents {verb}\n")
    if request.branch is not None:
        ids = ", ".join(d.incident_id for d in due)
        message = f"autoclose: close {ids}"
        sha = git.commit_files(repo.root, [d.rel for d in due], message)
        out.write(f"committed {sha[:12]} on {request.branch}: {message}\n")
        if request.push:
            git.push(repo.root, request.branch)
            out.write(f"pushed {request.branch} to origin; open a pull request from it\n")
    return EXIT_CLEAN
