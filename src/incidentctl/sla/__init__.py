"""SLA engine: business calendars, clocks from timelines, and their reports (SPEC 3).

Pure: every computation takes ``now`` as a parameter.
"""

from incidentctl.sla.calendar import BusinessCalendar, CalendarError
from incidentctl.sla.clock import ClockKind, ClockResult, ClockState, NoTarget, clocks
from incidentctl.sla.policy import ResolvedTarget, SlaPolicies, SlaPolicyError

__all__ = [
    "BusinessCalendar",
    "CalendarError",
    "ClockKind",
    "ClockResult",
    "ClockState",
    "NoTarget",
    "ResolvedTarget",
    "SlaPolicies",
    "SlaPolicyError",
    "clocks",
]
