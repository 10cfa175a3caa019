"""Flat tables of the facts behind the KPIs: incidents, timeline events, SLA clocks. Pure.

Every row of a table has the same columns, in the order of its ``*_COLUMNS``
tuple (docs/kpi.md lists them, and a test checks that it does). Timestamps are
ISO 8601 with their offset; lists are joined with ``;``; missing values are None.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from incidentctl.kpi.facts import IncidentFacts
from incidentctl.lifecycle import facts
from incidentctl.model.incident import (
    Assigned,
    Escalated,
    EscalationType,
    Incident,
    Note,
    PriorityChange,
    ResolutionEntry,
    StatusChange,
    Survey,
    TimelineEntry,
)
from incidentctl.sla.clock import ClockResult

Row = dict[str, Any]

INCIDENT_COLUMNS = (
    "id",
    "title",
    "status",
    "reported_at",
    "reported_by",
    "channel",
    "service",
    "configuration_item",
    "category",
    "subcategory",
    "impact",
    "urgency",
    "priority",
    "major",
    "assignment_group",
    "assignee",
    "team",
    "parent",
    "problem",
    "duplicate_of",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "first_resolved_at",
    "resolved_at",
    "closed_at",
    "cancelled_at",
    "reopen_count",
    "escalation_count",
    "functional_escalation_count",
    "tta_seconds",
    "tta_working_seconds",
    "ttr_seconds",
    "ttr_working_seconds",
    "ttd_seconds",
    "fcr",
    "respond_met",
    "resolve_met",
    "resolution_code",
    "kb",
    "csat_score",
    "csat_at",
    "tags",
    "path",
)
EVENT_COLUMNS = (
    "incident_id",
    "seq",
    "at",
    "by",
    "kind",
    "from",
    "to",
    "reason",
    "type",
    "group",
    "assignee",
    "impact",
    "urgency",
    "code",
    "score",
    "text",
)
CLOCK_COLUMNS = (
    "incident_id",
    "clock",
    "state",
    "priority",
    "service",
    "calendar",
    "target_seconds",
    "elapsed_seconds",
    "remaining_seconds",
    "percent",
    "deadline",
    "stopped_at",
    "paused",
    "met",
)
TABLES = {"incidents": INCIDENT_COLUMNS, "events": EVENT_COLUMNS, "clocks": CLOCK_COLUMNS}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def incident_row(incident: Incident, fact: IncidentFacts, path: str) -> Row:
    """One incident as a flat row; ``incident`` is its timeline as it stood at now."""
    life = facts(incident)
    res, sat = incident.resolution, incident.satisfaction
    row: Row = {
        "id": incident.id,
        "title": incident.title,
        "status": fact.status.value,
        "reported_at": _iso(incident.reported_at),
        "reported_by": incident.reported_by,
        "channel": incident.channel.value,
        "service": incident.service,
        "configuration_item": incident.configuration_item,
        "category": incident.category,
        "subcategory": incident.subcategory,
        "impact": incident.impact,
        "urgency": incident.urgency,
        "priority": fact.priority,
        "major": fact.major,
        "assignment_group": incident.assignment_group,
        "assignee": incident.assignee,
        "team": fact.team,
        "parent": incident.parent,
        "problem": incident.problem,
        "duplicate_of": incident.duplicate_of,
        "started_at": _iso(incident.started_at),
        "detected_at": _iso(incident.detected_at),
        "acknowledged_at": _iso(life.acknowledged_at),
        "first_resolved_at": _iso(life.first_resolved_at),
        "resolved_at": _iso(life.resolved_at),
        "closed_at": _iso(life.closed_at),
        "cancelled_at": _iso(life.cancelled_at),
        "reopen_count": life.reopen_count,
        "escalation_count": len(life.escalations),
        "functional_escalation_count": sum(
            1 for e in life.escalations if e.type is EscalationType.FUNCTIONAL
        ),
    }
    for name in (
        "tta_seconds",
        "tta_working_seconds",
        "ttr_seconds",
        "ttr_working_seconds",
        "ttd_seconds",
        "fcr",
        "respond_met",
        "resolve_met",
    ):
        row[name] = getattr(fact, name)
    row.update(
        resolution_code=res.code.value if res else None,
        kb=";".join(res.kb) if res and res.kb else None,
        csat_score=sat.score if sat else None,
        csat_at=_iso(sat.at) if sat else None,
        tags=";".join(incident.tags) if incident.tags else None,
        path=path,
    )
    return row


def _event_detail(entry: TimelineEntry) -> Row:
    if isinstance(entry, StatusChange):
        return {"from": entry.from_.value, "to": entry.to.value, "reason": entry.reason}
    if isinstance(entry, Assigned):
        return {"group": entry.group, "assignee": entry.assignee}
    if isinstance(entry, Escalated):
        return {"type": entry.type.value, "to": entry.to}
    if isinstance(entry, PriorityChange):
        return {
            "from": entry.from_,
            "to": entry.to,
            "impact": entry.impact,
            "urgency": entry.urgency,
            "reason": entry.reason,
        }
    if isinstance(entry, Note):
        return {"text": entry.text}
    if isinstance(entry, ResolutionEntry):
        return {"code": entry.code.value, "text": entry.summary}
    if isinstance(entry, Survey):
        return {"score": entry.score, "text": entry.comment}
    return {}


def event_rows(incident: Incident) -> Iterator[Row]:
    """One row per timeline entry; ``seq`` is its position (0 = reported)."""
    for seq, entry in enumerate(incident.timeline):
        row: Row = dict.fromkeys(EVENT_COLUMNS)
        row.update(
            incident_id=incident.id, seq=seq, at=_iso(entry.at), by=entry.by, kind=entry.kind
        )
        row.update(_event_detail(entry))
        yield row


def clock_rows(results: Sequence[ClockResult]) -> Iterator[Row]:
    """One row per SLA clock; ``met`` is set for stopped clocks only."""
    for r in results:
        yield {
            "incident_id": r.incident_id,
            "clock": r.clock.value,
            "state": r.state.value,
            "priority": r.priority,
            "service": r.service,
            "calendar": r.calendar,
            "target_seconds": r.target_seconds,
            "elapsed_seconds": r.elapsed_seconds,
            "remaining_seconds": r.remaining_seconds,
            "percent": r.percent,
            "deadline": _iso(r.deadline),
            "stopped_at": _iso(r.stopped_at),
            "paused": r.paused,
            "met": None if r.running else r.state.value == "met",
        }
