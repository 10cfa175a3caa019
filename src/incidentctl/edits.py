"""What each authoring command does to a record, as data: pure, no I/O, no clock.

A planner takes the record, who acts and when, and the policies, and returns an
``Edit`` (the timeline entry to append, the fields to set or remove) or raises
``Refused`` with the same words the validator would use.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from incidentctl.errors import EXIT_FINDINGS, IncidentctlError, UsageError
from incidentctl.lifecycle import FINAL, facts, transition_problem
from incidentctl.model.common import format_duration
from incidentctl.model.incident import BUILTIN_HOLD_REASONS, Incident, ResolutionCode, Status
from incidentctl.routing import next_tier
from incidentctl.store.repo import Policies

S = Status

# The order of top-level keys in a record; a key an edit adds goes in its place.
_KEYS = """id title description reported_by reported_at channel source_issue service
    configuration_item category subcategory impact urgency priority priority_override_reason
    status hold_reason
    major assignment_group assignee started_at detected_at parent problem related duplicate_of
    tags timeline resolution satisfaction"""
KEY_ORDER = tuple(_KEYS.split())

# Commands that move to in_progress name the state they start from.
VERB_SOURCES = {"ack": S.NEW, "resume": S.ON_HOLD, "reopen": S.RESOLVED}
VERB_FOR = {state: verb for verb, state in VERB_SOURCES.items()}


class Refused(IncidentctlError):
    """The lifecycle or a policy forbids the step (exit 1, like a finding)."""

    exit_code = EXIT_FINDINGS


@dataclass(frozen=True)
class Actor:
    """Who acts, and when (``at`` comes from ``--at``/``--now`` in the CLI)."""

    at: datetime
    by: str


@dataclass(frozen=True)
class Edit:
    """An entry to append to the timeline and the fields to set or remove."""

    summary: str
    entry: dict[str, Any]
    set: dict[str, Any] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    block: frozenset[str] = frozenset({"resolution"})  # written as block mappings


def suggest(value: str, known: Iterable[str]) -> str:
    """``did you mean ...?`` for a near miss, else the list of known values."""
    known = sorted(known)
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(close) + "?"
    return "one of: " + ", ".join(known)


def _entry(actor: Actor, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "at": actor.at,
        "by": actor.by,
        "kind": kind,
        **{k: v for k, v in extra.items() if v is not None},
    }


def _open(inc: Incident, what: str) -> None:
    if inc.status in FINAL:
        raise Refused(
            f"{inc.id} is {inc.status.value}: a {inc.status.value} incident is final"
            f" and takes no {what}"
        )


def _status(inc: Incident, target: Status, actor: Actor, verb: str, **extra: Any) -> Edit:
    problem = transition_problem(inc.status, target)
    if problem is None and target is S.IN_PROGRESS and VERB_SOURCES[verb] is not inc.status:
        other = VERB_FOR.get(inc.status)
        problem = f"`{verb}` is for a {VERB_SOURCES[verb].value} incident"
        if other:
            raise Refused(
                f"{inc.id} is {inc.status.value}: {problem}", f"use `incidentctl {other} {inc.id}`"
            )
    if problem is not None:
        raise Refused(f"{inc.id}: {problem}")
    entry = _entry(actor, "status", **{"from": inc.status.value, "to": target.value}, **extra)
    remove = ("hold_reason",) if inc.status is S.ON_HOLD else ()
    return Edit(f"{inc.status.value} -> {target.value}", entry, {"status": target.value}, remove)


def ack(inc: Incident, actor: Actor, policies: Policies) -> Edit:
    """Acknowledge a new incident: new -> in_progress."""
    return _status(inc, S.IN_PROGRESS, actor, "ack")


def resume(inc: Incident, actor: Actor, policies: Policies) -> Edit:
    """Take an incident off hold: on_hold -> in_progress."""
    return _status(inc, S.IN_PROGRESS, actor, "resume")


def close(inc: Incident, actor: Actor, policies: Policies) -> Edit:
    """Close a resolved incident: resolved -> closed."""
    return _status(inc, S.CLOSED, actor, "close")


def hold_reasons(policies: Policies) -> list[str]:
    """The built-in hold reasons plus those ``policies/sla.yaml`` adds."""
    extra = policies.sla.hold_reasons if policies.sla else []
    return [*BUILTIN_HOLD_REASONS, *(r for r in extra if r not in BUILTIN_HOLD_REASONS)]


def hold(inc: Incident, actor: Actor, policies: Policies, reason: str) -> Edit:
    """Put an incident on hold for a reason of the policy's list."""
    known = hold_reasons(policies)
    if reason not in known:
        raise UsageError(f"--reason: unknown hold reason {reason!r}", suggest(reason, known))
    edit = _status(inc, S.ON_HOLD, actor, "hold", reason=reason)
    return Edit(f"{edit.summary} ({reason})", edit.entry, {**edit.set, "hold_reason": reason})


def reopen(inc: Incident, actor: Actor, policies: Policies) -> Edit:
    """Reopen a resolved incident inside the policy's reopen window."""
    edit = _status(inc, S.IN_PROGRESS, actor, "reopen")
    resolved_at = facts(inc).resolved_at
    window = policies.sla.reopen_window if policies.sla else None
    if window is not None and resolved_at is not None and actor.at - resolved_at > window:
        raise Refused(
            f"{inc.id} was resolved {format_duration(actor.at - resolved_at)} ago, outside the"
            f" reopen window of {format_duration(window)}",
            f"open a new incident and link it: incidentctl new --related {inc.id} ...",
        )
    return Edit(f"reopened: {edit.summary}", edit.entry, edit.set)


def cancel(inc: Incident, actor: Actor, policies: Policies, reason: str | None = None) -> Edit:
    """Cancel an open incident (opened by mistake, a duplicate report, ...)."""
    return _status(inc, S.CANCELLED, actor, "cancel", reason=reason)


def resolve(
    inc: Incident,
    actor: Actor,
    policies: Policies,
    code: str,
    summary: str,
    kb: Iterable[str] = (),
    duplicate_of: str | None = None,
) -> Edit:
    """Resolve with a resolution code and summary (written to the resolution block)."""
    codes = [c.value for c in ResolutionCode]
    if code not in codes:
        raise UsageError(f"--code: unknown resolution code {code!r}", suggest(code, codes))
    if not summary.strip():
        raise UsageError("--summary: the resolution summary is empty")
    edit = _status(inc, S.RESOLVED, actor, "resolve")
    resolution: dict[str, Any] = {"code": code, "summary": summary, "resolved_by": actor.by}
    if kb:
        resolution["kb"] = list(kb)
    changes = {**edit.set, "resolution": resolution}
    if duplicate_of:
        changes["duplicate_of"] = duplicate_of
    return Edit(f"{edit.summary} ({code})", edit.entry, changes, edit.remove)


def note(inc: Incident, actor: Actor, policies: Policies, text: str) -> Edit:
    """Append a note."""
    _open(inc, "notes")
    if not text.strip():
        raise UsageError("--text: the note is empty")
    return Edit("note added", _entry(actor, "note", text=text))


def assign(
    inc: Incident, actor: Actor, policies: Policies, group: str, assignee: str | None = None
) -> Edit:
    """Assign to a team (and a person of it)."""
    _open(inc, "assignment")
    teams = policies.services.teams if policies.services else {}
    if teams and group not in teams:
        raise UsageError(f"--group: unknown team {group!r}", suggest(group, teams))
    members = teams[group].assignees if group in teams else []
    if assignee is not None and members and assignee not in members:
        raise UsageError(
            f"--assignee: {assignee!r} is not a member of {group}", suggest(assignee, members)
        )
    if (inc.assignment_group, inc.assignee) == (group, assignee):
        raise Refused(
            f"{inc.id} is already assigned to {group}" + (f" / {assignee}" if assignee else "")
        )
    changes: dict[str, Any] = {"assignment_group": group}
    if assignee is not None:
        changes["assignee"] = assignee
    remove = ("assignee",) if assignee is None and inc.assignee is not None else ()
    entry = _entry(actor, "assigned", group=group, assignee=assignee)
    return Edit(
        f"assigned to {group}" + (f" / {assignee}" if assignee else ""), entry, changes, remove
    )


def escalate(
    inc: Incident, actor: Actor, policies: Policies, functional: str | None, hierarchical: bool
) -> Edit:
    """Escalate functionally (next support tier, or TEAM) or hierarchically (incident manager)."""
    _open(inc, "escalation")
    if inc.status is S.RESOLVED:
        raise Refused(
            f"{inc.id} is resolved: only an open incident is escalated",
            f"reopen it first: incidentctl reopen {inc.id}",
        )
    if (functional is None) == (not hierarchical):
        raise UsageError("give exactly one of --functional [TEAM] and --hierarchical")
    catalog = policies.services
    service = catalog.services.get(inc.service) if catalog else None
    if hierarchical:
        if service is None:
            raise Refused(f"{inc.id}: service {inc.service!r} is not in the catalog")
        entry = _entry(actor, "escalated", type="hierarchical", to=service.incident_manager)
        return Edit(f"escalated to the incident manager {service.incident_manager}", entry)
    team = functional or (next_tier(service, inc.assignment_group) if service else None)
    if not team:
        raise Refused(
            f"{inc.id} is already with the last support tier of {inc.service}",
            "escalate hierarchically: --hierarchical",
        )
    teams = catalog.teams if catalog else {}
    if teams and team not in teams:
        raise UsageError(f"--functional: unknown team {team!r}", suggest(team, teams))
    if team == inc.assignment_group:
        raise Refused(f"{inc.id} is already assigned to {team}")
    entry = _entry(actor, "escalated", type="functional", to=team)
    remove = ("assignee",) if inc.assignee is not None else ()
    return Edit(f"escalated to {team}", entry, {"assignment_group": team}, remove)


def survey(
    inc: Incident, actor: Actor, policies: Policies, score: int, comment: str | None = None
) -> Edit:
    """Record the caller's satisfaction (1-5) after resolution."""
    if inc.status not in (S.RESOLVED, S.CLOSED):
        raise Refused(
            f"{inc.id} is {inc.status.value}: a survey is taken once the incident is"
            " resolved or closed"
        )
    if not 1 <= score <= 5:
        raise UsageError(f"--score: {score} is not between 1 and 5")
    satisfaction: dict[str, Any] = {"score": score}
    if comment:
        satisfaction["comment"] = comment
    satisfaction["at"] = actor.at
    entry = _entry(actor, "survey", score=score, comment=comment or None)
    return Edit(f"survey: {score}/5", entry, {"satisfaction": satisfaction})


def reprioritize(
    inc: Incident,
    actor: Actor,
    policies: Policies,
    impact: str | None = None,
    urgency: str | None = None,
    reason: str | None = None,
) -> Edit:
    """Change impact and/or urgency; the priority is re-derived from the matrix."""
    _open(inc, "change of priority")
    prio = policies.priority
    if prio is None:
        raise Refused("policies/priority.yaml is missing or invalid")
    if impact is None and urgency is None:
        raise UsageError("give --impact and/or --urgency")
    impact, urgency = impact or inc.impact, urgency or inc.urgency
    for option, value, levels in (
        ("--impact", impact, prio.impact),
        ("--urgency", urgency, prio.urgency),
    ):
        if value not in levels:
            raise UsageError(f"{option}: unknown level {value!r}", suggest(value, levels))
    if (impact, urgency) == (inc.impact, inc.urgency):
        raise Refused(f"{inc.id} already has impact {impact} and urgency {urgency}")
    priority = prio.derive(impact, urgency) or inc.priority
    entry = _entry(
        actor,
        "priority",
        **{"from": inc.priority, "to": priority},
        impact=impact,
        urgency=urgency,
        reason=reason,
    )
    changes: dict[str, Any] = {"impact": impact, "urgency": urgency, "priority": priority}
    if priority in prio.major and not inc.major:
        changes["major"] = True
    remove = ("priority_override_reason",) if inc.priority_override_reason else ()
    return Edit(f"priority {inc.priority} -> {priority}", entry, changes, remove)
