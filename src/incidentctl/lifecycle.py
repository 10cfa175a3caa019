"""The ITIL state machine (SPEC 2.2) as data, and facts derived from a timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from incidentctl.model.incident import (
    Escalated,
    EscalationType,
    Incident,
    Status,
    StatusChange,
    TimelineEntry,
)

S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.RESOLVED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.RESOLVED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CANCELLED}),
    S.RESOLVED: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL = frozenset({S.CLOSED, S.CANCELLED})


def transition_problem(current: Status, target: Status) -> str | None:
    """Why ``current -> target`` is illegal, or None when it is allowed."""
    if target in TRANSITIONS[current]:
        return None
    if current == target:
        return f"the incident is already {current.value}"
    if current in FINAL:
        return f"a {current.value} incident is final and cannot change state"
    allowed = ", ".join(s.value for s in sorted(TRANSITIONS[current], key=list(S).index))
    return f"{current.value} -> {target.value} is not allowed (from {current.value}: {allowed})"


def status_steps(timeline: Sequence[TimelineEntry]) -> list[tuple[int, StatusChange]]:
    return [(i, e) for i, e in enumerate(timeline) if isinstance(e, StatusChange)]


def current_status(timeline: Sequence[TimelineEntry]) -> Status:
    steps = status_steps(timeline)
    return steps[-1][1].to if steps else S.NEW


@dataclass(frozen=True)
class Facts:
    """What the timeline says, derived once: never stored in separate fields."""

    acknowledged_at: datetime | None
    resolved_at: datetime | None  # the last resolution
    first_resolved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    reopen_count: int
    escalations: tuple[Escalated, ...]

    @property
    def functional_escalations(self) -> int:
        return sum(1 for e in self.escalations if e.type is EscalationType.FUNCTIONAL)


def facts(incident: Incident) -> Facts:
    ack = resolved = first_resolved = closed = cancelled = None
    reopens = 0
    for _, step in status_steps(incident.timeline):
        if ack is None and step.from_ is S.NEW and step.to is not S.CANCELLED:
            ack = step.at
        if step.to is S.RESOLVED:
            resolved = step.at
            first_resolved = first_resolved or step.at
        elif step.to is S.CLOSED:
            closed = step.at
        elif step.to is S.CANCELLED:
            cancelled = step.at
        if step.from_ is S.RESOLVED and step.to is S.IN_PROGRESS:
            reopens += 1
    escalations = tuple(e for e in incident.timeline if isinstance(e, Escalated))
    return Facts(ack, resolved, first_resolved, closed, cancelled, reopens, escalations)
