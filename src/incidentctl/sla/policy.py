"""The SLA policy compiled for computation: calendars built once, targets resolved per key."""

from __future__ import annotations

from dataclasses import dataclass, field

from incidentctl.errors import IncidentctlError
from incidentctl.model.policy import ServicesPolicy, SlaPolicy, Threshold
from incidentctl.sla.calendar import BusinessCalendar

VALIDATE_HINT = "run `incidentctl validate` for the policy findings"


class SlaPolicyError(IncidentctlError):
    """The SLA policy cannot be used to compute clocks."""


@dataclass(frozen=True)
class ResolvedTarget:
    """What applies to one priority of one service: working-time targets and the calendar."""

    priority: str
    respond_seconds: int
    resolve_seconds: int
    calendar_name: str
    calendar: BusinessCalendar


@dataclass
class SlaPolicies:
    """``sla.yaml`` and the service catalog, ready for clock computation.

    Build it once (``SlaPolicies.build``) and reuse it: calendars cache their
    holidays and working days, and targets are resolved once per (priority, service).
    """

    sla: SlaPolicy
    services: ServicesPolicy | None
    calendars: dict[str, BusinessCalendar]
    pausing: frozenset[str]
    thresholds: tuple[Threshold, ...]  # ascending by percent
    _targets: dict[tuple[str, str], ResolvedTarget | None] = field(default_factory=dict)

    @classmethod
    def build(cls, sla: SlaPolicy, services: ServicesPolicy | None = None) -> SlaPolicies:
        """Compile the policy; raises SlaPolicyError (or CalendarError) when it is unusable."""
        calendars = {name: BusinessCalendar(spec, name) for name, spec in sla.calendars.items()}
        refs = [(f"targets.{p}", t.calendar) for p, t in sla.targets.items()]
        refs += [
            (f"overrides.{s}.{p}", o.calendar)
            for s, per in sla.overrides.items()
            for p, o in per.items()
            if o.calendar
        ]
        if services is not None:
            refs += [
                (f"service {n}", s.calendar) for n, s in services.services.items() if s.calendar
            ]
        for where, name in refs:
            if name not in calendars:
                raise SlaPolicyError(f'{where}: unknown calendar "{name}"', VALIDATE_HINT)
        ordered = tuple(sorted(sla.thresholds, key=lambda t: t.at))
        return cls(sla, services, calendars, frozenset(sla.pause_on_hold), ordered)

    def target(self, priority: str, service: str) -> ResolvedTarget | None:
        """The target of ``priority`` for ``service``, or None if the priority has none.

        The service's calendar replaces the priority's; a per-service override
        replaces any of respond, resolve and calendar (its calendar wins over both).
        """
        key = (priority, service)
        if key not in self._targets:
            self._targets[key] = self._resolve(priority, service)
        return self._targets[key]

    def _resolve(self, priority: str, service: str) -> ResolvedTarget | None:
        base = self.sla.targets.get(priority)
        if base is None:
            return None
        respond, resolve, calendar = base.respond, base.resolve, base.calendar
        svc = self.services.services.get(service) if self.services else None
        if svc is not None and svc.calendar:
            calendar = svc.calendar
        override = self.sla.overrides.get(service, {}).get(priority)
        if override is not None:
            respond = override.respond if override.respond is not None else respond
            resolve = override.resolve if override.resolve is not None else resolve
            calendar = override.calendar or calendar
        return ResolvedTarget(
            priority,
            int(respond.total_seconds()),
            int(resolve.total_seconds()),
            calendar,
            self.calendars[calendar],
        )

    def threshold_passed(self, percent: float) -> Threshold | None:
        """The highest threshold at or below ``percent`` (the last listed on a tie)."""
        passed = None
        for threshold in self.thresholds:
            if threshold.at <= percent:
                passed = threshold
        return passed
