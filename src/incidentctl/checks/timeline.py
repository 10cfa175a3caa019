"""Timeline rules: order, the clock, the status history and priority derivation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from incidentctl.checks.context import Context, at
from incidentctl.diagnostics import Diagnostic, Severity, define
from incidentctl.lifecycle import status_steps, transition_problem
from incidentctl.model.incident import (
    BUILTIN_HOLD_REASONS,
    Incident,
    PriorityChange,
    Reported,
    Status,
)
from incidentctl.store.repo import IncidentRecord

E, W = Severity.ERROR, Severity.WARNING

ORDER = define(
    "INC020",
    "timeline-order",
    E,
    """
    Timeline entries are not in time order.

    The timeline is append-only and each entry's `at` is not earlier than the
    previous one's. An out-of-order entry usually means an entry was inserted
    in the middle, or a timestamp has the wrong offset.
    """,
)
FUTURE = define(
    "INC021",
    "future-timestamp",
    E,
    """
    A timestamp is later than now (or `--now`).

    Nothing in a record can have happened in the future; the usual cause is a
    wrong UTC offset.
    """,
)
STATUS_MISMATCH = define(
    "INC022",
    "status-mismatch",
    E,
    """
    `status` is not the `to` of the last status entry of the timeline.

    The timeline is the source of truth; `status` is a convenience copy of its
    last state (`new` when there is no status entry). Change state by appending
    a status entry (`incidentctl ack`, `hold`, `resolve`, ...).
    """,
)
HOLD_REASON = define(
    "INC023",
    "hold-reason",
    E,
    """
    A hold without a reason, a reason on a step that is not a hold, or a
    `hold_reason` that differs from the last hold's reason.

    `hold_reason` is present exactly while the incident is `on_hold` and equals
    the `reason` of the status entry that put it on hold; it decides whether
    the SLA clock pauses.
    """,
)
TRANSITION = define(
    "INC024",
    "invalid-transition",
    E,
    """
    A status step that the lifecycle does not allow, or whose `from` is not the current state.

    Allowed: new -> in_progress | on_hold | resolved | cancelled;
    in_progress -> on_hold | resolved | cancelled; on_hold -> in_progress |
    resolved | cancelled; resolved -> in_progress (reopen) | closed. closed
    and cancelled are final.
    """,
)
FIRST_ENTRY = define(
    "INC025",
    "first-entry-reported",
    E,
    """
    The timeline does not start with one `reported` entry matching `reported_at` and `reported_by`.

    **Best practice**: `- {at: <reported_at>, by: <reported_by>, kind: reported}`
    as the first entry, and no other `reported` entry.
    """,
)
UNKNOWN_HOLD = define(
    "INC026",
    "unknown-hold-reason",
    E,
    """
    A hold reason outside the vocabulary.

    The built-in reasons are awaiting_caller, awaiting_change,
    awaiting_problem and awaiting_vendor; `hold_reasons` in `policies/sla.yaml`
    may add more.
    """,
)
PRIORITY_MISMATCH = define(
    "INC010",
    "priority-mismatch",
    E,
    """
    `priority` is not what the matrix gives for `impact` x `urgency`.

    Priority is derived, not chosen. To deviate on purpose, give a
    `priority_override_reason`. After a `priority` timeline entry, `priority`,
    `impact` and `urgency` equal that entry's values.
    """,
)
MAJOR_PRIORITY = define(
    "INC011",
    "major-priority",
    W,
    """
    `major: true` on an incident whose priority is not a major priority.

    The major-incident procedure is for the priorities listed under `major`
    in `policies/priority.yaml`; check the priority or the flag.
    """,
)


DATED_FIELDS = ("reported_at", "started_at", "detected_at")


def latest(inc: Incident) -> datetime:
    """The latest time the future rule compares with ``now``: once ``now`` is past it,
    the record's verdict no longer depends on ``now``."""
    times = [e.at for e in inc.timeline]
    times += [t for t in (getattr(inc, f) for f in DATED_FIELDS) if t is not None]
    return max(times)


def check_timeline(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    inc, src = rec.model, rec.source
    first = inc.timeline[0]
    if not isinstance(first, Reported):
        yield at(FIRST_ENTRY, src, ("timeline", 0), "the first timeline entry is not `reported`")
    elif first.at != inc.reported_at or first.by != inc.reported_by:
        yield at(
            FIRST_ENTRY,
            src,
            ("timeline", 0),
            "the reported entry does not match reported_at / reported_by",
        )
    previous = None
    for i, entry in enumerate(inc.timeline):
        if i and isinstance(entry, Reported):
            yield at(FIRST_ENTRY, src, ("timeline", i), "only the first entry may be `reported`")
        if previous is not None and entry.at < previous:
            yield at(
                ORDER,
                src,
                ("timeline", i, "at"),
                f"entry {i} at {entry.at.isoformat()} is earlier than the entry before it",
                "append entries in time order; check the UTC offset",
            )
        previous = entry.at
        if entry.at > ctx.now:
            yield at(FUTURE, src, ("timeline", i, "at"), f"{entry.at.isoformat()} is in the future")
    for field in DATED_FIELDS:
        value = getattr(inc, field)
        if value is not None and value > ctx.now:
            yield at(FUTURE, src, (field,), f"{field} {value.isoformat()} is in the future")
    yield from _check_status(ctx, rec)
    yield from _check_priority(ctx, rec)


def _check_status(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    inc, src = rec.model, rec.source
    sla = ctx.repo.policies.sla
    known = set(BUILTIN_HOLD_REASONS) | set(sla.hold_reasons if sla else ())
    state = Status.NEW
    last_reason = None
    for i, step in status_steps(inc.timeline):
        loc = ("timeline", i)
        if step.from_ is not state:
            yield at(
                TRANSITION,
                src,
                (*loc, "from"),
                f"step from {step.from_.value}, but the incident was {state.value}",
            )
        problem = transition_problem(state, step.to)
        if problem:
            yield at(TRANSITION, src, (*loc, "to"), problem)
        if step.to is Status.ON_HOLD:
            if step.reason is None:
                yield at(
                    HOLD_REASON,
                    src,
                    loc,
                    "a hold needs a reason",
                    "add reason: awaiting_caller (or another hold reason)",
                )
            elif step.reason not in known:
                yield at(
                    UNKNOWN_HOLD,
                    src,
                    (*loc, "reason"),
                    f'unknown hold reason "{step.reason}"',
                    "one of: " + ", ".join(sorted(known)),
                )
            last_reason = step.reason
        elif step.reason is not None and step.to is not Status.CANCELLED:
            yield at(HOLD_REASON, src, (*loc, "reason"), "only a step to on_hold takes a reason")
        state = step.to
    if inc.status is not state:
        yield at(
            STATUS_MISMATCH,
            src,
            ("status",),
            f"status is {inc.status.value} but the timeline ends in {state.value}",
            "append a status entry instead of editing status",
        )
    if state is Status.ON_HOLD and inc.hold_reason != last_reason:
        loc2 = ("hold_reason",) if inc.hold_reason else ("status",)
        yield at(
            HOLD_REASON,
            src,
            loc2,
            f"hold_reason must be {last_reason}, the reason of the last hold",
        )
    elif state is not Status.ON_HOLD and inc.hold_reason is not None:
        yield at(
            HOLD_REASON,
            src,
            ("hold_reason",),
            "hold_reason is set but the incident is not on hold",
            "remove hold_reason",
        )


def _check_priority(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    inc, src = rec.model, rec.source
    prio = ctx.repo.policies.priority
    if prio is None:
        return
    changes = [(i, e) for i, e in enumerate(inc.timeline) if isinstance(e, PriorityChange)]
    if changes:
        _i, last = changes[-1]
        for field in ("impact", "urgency"):
            value = getattr(last, field)
            if value is not None and value != getattr(inc, field):
                yield at(
                    PRIORITY_MISMATCH,
                    src,
                    (field,),
                    f"{field} is {getattr(inc, field)} but the last priority entry set {value}",
                )
        if last.to != inc.priority:
            yield at(
                PRIORITY_MISMATCH,
                src,
                ("priority",),
                f"priority is {inc.priority} but the last priority entry set {last.to}",
            )
    expected = prio.derive(inc.impact, inc.urgency)
    if expected is not None and expected != inc.priority and inc.priority_override_reason is None:
        yield at(
            PRIORITY_MISMATCH,
            src,
            ("priority",),
            f"impact {inc.impact} x urgency {inc.urgency} gives {expected}, not {inc.priority}",
            f"set priority: {expected}, or explain with priority_override_reason",
        )
    if inc.major and inc.priority not in prio.major:
        yield at(
            MAJOR_PRIORITY,
            src,
            ("major",),
            f"major incident with priority {inc.priority}; major priorities: "
            + ", ".join(prio.major),
        )
