"""The incident record (SPEC 2.1) and its timeline entries."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from incidentctl.model.common import INCIDENT_ID, KB_ID, PROBLEM_ID, Strict

IncidentId = Annotated[str, StringConstraints(pattern=INCIDENT_ID)]
KbId = Annotated[str, StringConstraints(pattern=KB_ID)]
Text = Annotated[str, StringConstraints(min_length=1)]


class Status(str, Enum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_STATES = frozenset({Status.NEW, Status.IN_PROGRESS, Status.ON_HOLD})


class Channel(str, Enum):
    SERVICE_DESK = "service_desk"
    EMAIL = "email"
    PHONE = "phone"
    PORTAL = "portal"
    MONITORING = "monitoring"
    STAFF = "staff"


class ResolutionCode(str, Enum):
    WORKAROUND = "workaround"
    PERMANENT_FIX = "permanent_fix"
    KNOWN_ERROR = "known_error"
    DUPLICATE = "duplicate"
    NO_FAULT_FOUND = "no_fault_found"
    USER_ERROR = "user_error"
    THIRD_PARTY = "third_party"


class EscalationType(str, Enum):
    FUNCTIONAL = "functional"
    HIERARCHICAL = "hierarchical"


BUILTIN_HOLD_REASONS = ("awaiting_caller", "awaiting_change", "awaiting_problem", "awaiting_vendor")


class _Entry(Strict):
    at: AwareDatetime
    by: Text


class Reported(_Entry):
    kind: Literal["reported"]


class StatusChange(_Entry):
    kind: Literal["status"]
    from_: Status = Field(alias="from")
    to: Status
    reason: Text | None = None


class Assigned(_Entry):
    kind: Literal["assigned"]
    group: Text | None = None
    assignee: Text | None = None


class Escalated(_Entry):
    kind: Literal["escalated"]
    type: EscalationType
    to: Text


class PriorityChange(_Entry):
    kind: Literal["priority"]
    from_: Text = Field(alias="from")
    to: Text
    impact: Text | None = None
    urgency: Text | None = None
    reason: Text | None = None


class Note(_Entry):
    kind: Literal["note"]
    text: Text


class ResolutionEntry(_Entry):
    kind: Literal["resolution"]
    code: ResolutionCode
    summary: Text | None = None


class Survey(_Entry):
    kind: Literal["survey"]
    score: int = Field(ge=1, le=5)
    comment: str | None = None


TimelineEntry = Annotated[
    Reported
    | StatusChange
    | Assigned
    | Escalated
    | PriorityChange
    | Note
    | ResolutionEntry
    | Survey,
    Field(discriminator="kind"),
]


class Resolution(Strict):
    code: ResolutionCode
    summary: Text
    resolved_by: Text
    kb: list[KbId] = []


class Satisfaction(Strict):
    score: int = Field(ge=1, le=5)
    comment: str | None = None
    at: AwareDatetime


class Incident(Strict):
    """One incident file, ``incidents/<year>/<ID>.yaml``."""

    id: IncidentId
    title: Text
    description: Text
    reported_by: Text
    reported_at: AwareDatetime
    channel: Channel
    source_issue: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    service: Text
    configuration_item: Text | None = None
    category: Text
    subcategory: Text
    impact: Text
    urgency: Text
    priority: Text
    priority_override_reason: Text | None = None
    status: Status
    major: bool = False
    hold_reason: Text | None = None
    assignment_group: Text | None = None
    assignee: Text | None = None
    started_at: AwareDatetime | None = None
    detected_at: AwareDatetime | None = None
    parent: IncidentId | None = None
    problem: Annotated[str, StringConstraints(pattern=PROBLEM_ID)] | None = None
    related: list[IncidentId] = []
    duplicate_of: IncidentId | None = None
    resolution: Resolution | None = None
    satisfaction: Satisfaction | None = None
    tags: list[Text] = []
    timeline: Annotated[list[TimelineEntry], Field(min_length=1)]
