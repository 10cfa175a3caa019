"""What each incident's clock asks for at ``now``: crossed steps, labels, assignees. Pure.

A *step* is a crossing that happens once in a clock's life: a threshold of the
policy (``notify@50``, ``escalate@75``...) or the deadline itself (``breach``).
The steps already taken are recorded on the tracker issue, so a step is acted on
once however often ``sla check`` runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from incidentctl.model.incident import OPEN_STATES, Incident, Status
from incidentctl.model.policy import BREACH, Action, PageRule, ServicesPolicy, Threshold
from incidentctl.sla.clock import ClockKind, ClockResult, ClockState
from incidentctl.sla.report import local_deadline

LABEL_ALL = "incidentctl"  # every issue the tool opens carries it: one filtered listing
LABEL_WARNING = "sla-warning"
LABEL_BREACH = "sla-breach"
MAX_ASSIGNEES = 10  # GitHub refuses more


@dataclass(frozen=True)
class Step:
    """One crossing: ``name`` is its stable identity on the tracker."""

    name: str
    action: str  # a threshold action, or "breach"
    at: float  # percent of the target; 100 for the breach
    page: bool  # the paging policy pages for it
    chat: bool  # a ``notify`` step, announced on the chat webhook


@dataclass(frozen=True)
class Target:
    """The wanted state of the issue of one incident and clock."""

    incident_id: str
    clock: str  # respond | resolve
    title: str  # the incident's title (user text: escape where it is rendered)
    path: str  # the record, relative to the repository root
    priority: str
    service: str
    status: str  # the incident's status at now
    open: bool  # the incident is open: its issues should be open
    state: str  # the clock's state, or "cancelled"
    deadline: str  # in the calendar's zone, for people
    deadline_iso: str
    percent: float
    steps: tuple[Step, ...]  # crossed, in order
    assignees: tuple[str, ...]
    labels: tuple[str, ...]

    @property
    def key(self) -> str:
        """``INC-2026-0042:resolve``: the issue marker and the paging ``dedup_key``."""
        return f"{self.incident_id}:{self.clock}"

    @property
    def breached(self) -> bool:
        """Past its deadline: running and breached, or missed while the incident is open."""
        return self.state == ClockState.BREACHED.value or (
            self.state == ClockState.MISSED.value and self.open
        )


def number(value: float) -> str:
    """``50`` for 50.0, ``62.5`` for 62.5."""
    return str(int(value)) if float(value).is_integer() else str(value)


def step_name(threshold: Threshold) -> str:
    return f"{threshold.action.value}@{number(threshold.at)}"


def pages(rules: Sequence[PageRule], priority: str, action: str) -> bool:
    """Whether a step of ``action`` on a ``priority`` clock pages under ``rules``."""
    return any(priority in r.priorities and action in r.steps for r in rules)


def crossed(
    result: ClockResult, thresholds: Sequence[Threshold], rules: Sequence[PageRule]
) -> tuple[Step, ...]:
    """The steps a clock has crossed, thresholds in order then the breach.

    A running clock's, and a missed clock's while its incident is open: a respond
    target missed and acknowledged between two runs is still escalated (and paged,
    as the policy says), never passed over in silence.
    """
    missed_open = result.state is ClockState.MISSED and result.status in OPEN_STATES
    if not (result.running or missed_open):
        return ()
    steps = [
        Step(
            step_name(t),
            t.action.value,
            t.at,
            pages(rules, result.priority, t.action.value),
            t.action is Action.NOTIFY,
        )
        for t in thresholds
        if t.at <= result.percent
    ]
    if result.state is ClockState.BREACHED or missed_open:
        steps.append(Step(BREACH, BREACH, 100.0, pages(rules, result.priority, BREACH), False))
    return tuple(steps)


def assignees(
    incident: Incident, steps: Sequence[Step], services: ServicesPolicy | None
) -> tuple[str, ...]:
    """Who the issue is assigned to after ``steps``.

    The tier the incident is with (its assignment group, else the first line) owns
    the issue; each functional escalation moves it one tier up (capped at the last);
    a hierarchical escalation adds the incident manager.
    """
    service = services.services.get(incident.service) if services else None
    if services is None or service is None:
        return ()
    tiers = service.tiers
    level = tiers.index(incident.assignment_group) if incident.assignment_group in tiers else 0
    level = min(level + sum(s.action == Action.ESCALATE.value for s in steps), len(tiers) - 1)
    team = services.teams.get(tiers[level])
    people = list(team.assignees) if team else []
    if any(s.action == Action.ESCALATE_MANAGER.value for s in steps):
        people.append(service.incident_manager)
    return tuple(dict.fromkeys(people))[:MAX_ASSIGNEES]


def labels(priority: str, service: str, breached: bool) -> tuple[str, ...]:
    """The labels the tool owns on an issue (others, added by people, are kept)."""
    level = LABEL_BREACH if breached else LABEL_WARNING
    return (LABEL_ALL, f"priority/{priority}", f"service/{service}", level)


def build(
    results: Iterable[ClockResult],
    incidents: Mapping[str, tuple[str, Incident]],
    thresholds: Sequence[Threshold],
    rules: Sequence[PageRule],
    services: ServicesPolicy | None,
) -> list[Target]:
    """One target per incident and clock: from the clocks, and closed ones for cancellations.

    ``incidents`` maps an ID to (relative path, record); cancelled incidents have no
    clocks, so both of theirs get a target that only closes what is open.
    """
    targets: list[Target] = []
    seen: set[str] = set()
    for r in results:
        rel, incident = incidents[r.incident_id]
        seen.add(r.incident_id)
        steps = crossed(r, thresholds, rules)
        breached = r.state is ClockState.BREACHED or (
            r.state is ClockState.MISSED and r.status in OPEN_STATES
        )
        targets.append(
            Target(
                incident_id=r.incident_id,
                clock=r.clock.value,
                title=incident.title,
                path=rel,
                priority=r.priority,
                service=r.service,
                status=r.status.value,
                open=r.status in OPEN_STATES,
                state=r.state.value,
                deadline=local_deadline(r),
                deadline_iso=r.deadline.isoformat(),
                percent=r.percent,
                steps=steps,
                assignees=assignees(incident, steps, services),
                labels=labels(r.priority, r.service, breached),
            )
        )
    for incident_id, (rel, incident) in sorted(incidents.items()):
        if incident_id in seen or incident.status is not Status.CANCELLED:
            continue
        for kind in ClockKind:
            targets.append(
                Target(
                    incident_id=incident_id,
                    clock=kind.value,
                    title=incident.title,
                    path=rel,
                    priority=incident.priority,
                    service=incident.service,
                    status=Status.CANCELLED.value,
                    open=False,
                    state=Status.CANCELLED.value,
                    deadline="",
                    deadline_iso="",
                    percent=0.0,
                    steps=(),
                    assignees=(),
                    labels=labels(incident.priority, incident.service, False),
                )
            )
    return targets
