"""SLA clocks: hand-computed cases (cases/clock.yaml) and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentctl.lifecycle import TRANSITIONS
from incidentctl.model.common import parse_duration
from incidentctl.model.incident import Incident, Status
from incidentctl.model.policy import ServicesPolicy, SlaPolicy
from incidentctl.sla.calendar import to_seconds
from incidentctl.sla.clock import (
    ClockKind,
    ClockPlan,
    ClockResult,
    ClockState,
    NoTarget,
    clocks,
    plan,
    results,
)
from incidentctl.sla.policy import SlaPolicies, SlaPolicyError

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "clock.yaml").read_text())
SLA = SlaPolicy.model_validate(CASES["sla"])
SERVICES = ServicesPolicy.model_validate(CASES["services"])
POLICIES = SlaPolicies.build(SLA, SERVICES)


def make_incident(
    reported_at: str | datetime,
    timeline: list[dict[str, Any]],
    *,
    service: str = "email",
    priority: str = "P3",
    hold_reason: str | None = None,
    incident_id: str = "INC-2026-0001",
) -> Incident:
    """An incident from shorthand steps: ``{at, to[, reason]}`` and ``{at, priority, from}``."""
    reported = reported_at if isinstance(reported_at, str) else reported_at.isoformat()
    entries: list[dict[str, Any]] = [{"at": reported, "by": "dana", "kind": "reported"}]
    status = "new"
    for step in timeline:
        at = step["at"] if isinstance(step["at"], str) else step["at"].isoformat()
        if "priority" in step:
            entries.append(
                {
                    "at": at,
                    "by": "bob",
                    "kind": "priority",
                    "from": step["from"],
                    "to": step["priority"],
                }
            )
            continue
        entry = {"at": at, "by": "bob", "kind": "status", "from": status, "to": step["to"]}
        if step.get("reason"):
            entry["reason"] = step["reason"]
        entries.append(entry)
        status = step["to"]
    return Incident.model_validate(
        {
            "id": incident_id,
            "title": "Something broke",
            "description": "It does not work.",
            "reported_by": "dana",
            "reported_at": reported,
            "channel": "portal",
            "service": service,
            "category": "application",
            "subcategory": "error",
            "impact": "medium",
            "urgency": "medium",
            "priority": priority,
            "status": status,
            "hold_reason": hold_reason,
            "timeline": entries,
        }
    )


def _by_kind(results: list[ClockResult]) -> dict[str, ClockResult]:
    return {r.clock.value: r for r in results}


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_hand_computed(case: dict[str, Any]) -> None:
    inc = case["incident"]
    incident = make_incident(
        inc["reported_at"], inc["timeline"], service=inc["service"], priority=inc["priority"]
    )
    results = clocks(incident, POLICIES, datetime.fromisoformat(case["now"]))
    if case["expect"] == "none":
        assert results == []
        return
    got = _by_kind(results)
    assert set(got) == {"respond", "resolve"}
    for kind, want in case["expect"].items():
        clock = got[kind]
        assert clock.state.value == want["state"], kind
        assert clock.elapsed_seconds == parse_duration(want["elapsed"]).total_seconds(), kind
        assert clock.target_seconds == parse_duration(want["target"]).total_seconds(), kind
        assert clock.deadline.isoformat() == want["deadline"], kind
        assert clock.paused is want["paused"], kind
        if "percent" in want:
            assert clock.percent == want["percent"], kind
        if "threshold" in want:
            assert clock.threshold is not None and clock.threshold.at == want["threshold"], kind


def test_warning_names_the_highest_threshold_and_its_action() -> None:
    incident = make_incident("2026-11-23T09:00:00+00:00", [], service="email", priority="P2")
    clock = _by_kind(clocks(incident, POLICIES, datetime(2026, 11, 23, 15, 0, tzinfo=UTC)))
    resolve = clock["resolve"]  # 6 h of 8 h: 75 %
    assert resolve.state is ClockState.WARNING
    assert resolve.threshold is not None
    assert (resolve.threshold.at, resolve.threshold.action.value) == (75, "escalate")


def test_current_hold_reason_can_come_from_the_record() -> None:
    steps = [
        {"at": "2026-06-01T08:10:00+00:00", "to": "in_progress"},
        {"at": "2026-06-01T09:00:00+00:00", "to": "on_hold"},
    ]
    incident = make_incident(
        "2026-06-01T08:00:00+00:00", steps, priority="P2", hold_reason="awaiting_caller"
    )
    resolve = _by_kind(clocks(incident, POLICIES, datetime(2026, 6, 1, 12, 0, tzinfo=UTC)))[
        "resolve"
    ]
    assert resolve.paused
    assert resolve.elapsed_seconds == 3600
    assert resolve.deadline.isoformat() == "2026-06-01T19:00:00+00:00"  # 7 h from now


def test_closed_incident_keeps_its_stopped_clocks() -> None:
    steps = [
        {"at": "2026-06-01T08:10:00+00:00", "to": "in_progress"},
        {"at": "2026-06-01T10:00:00+00:00", "to": "resolved"},
        {"at": "2026-06-04T10:00:00+00:00", "to": "closed"},
    ]
    incident = make_incident("2026-06-01T08:00:00+00:00", steps, priority="P2")
    resolve = _by_kind(clocks(incident, POLICIES, datetime(2026, 6, 9, tzinfo=UTC)))["resolve"]
    assert resolve.state is ClockState.MET
    assert resolve.status is Status.CLOSED
    assert resolve.stopped_at is not None and resolve.stopped_at.isoformat() == (
        "2026-06-01T10:00:00+00:00"
    )


def test_first_contact_resolution_stops_both_clocks() -> None:
    steps = [{"at": "2026-06-01T08:05:00+00:00", "to": "resolved"}]
    incident = make_incident("2026-06-01T08:00:00+00:00", steps, priority="P2")
    got = _by_kind(clocks(incident, POLICIES, datetime(2026, 6, 2, tzinfo=UTC)))
    assert got["respond"].state is got["resolve"].state is ClockState.MET
    assert got["respond"].elapsed_seconds == got["resolve"].elapsed_seconds == 300


def test_priority_without_target_raises() -> None:
    incident = make_incident("2026-06-01T08:00:00+00:00", [], priority="P9")
    with pytest.raises(NoTarget, match="no SLA target for priority P9"):
        clocks(incident, POLICIES, datetime(2026, 6, 2, tzinfo=UTC))


def test_unknown_calendar_in_policy_is_an_error() -> None:
    data = dict(CASES["sla"], overrides={"email": {"P1": {"calendar": "moon"}}})
    with pytest.raises(SlaPolicyError, match=r'overrides\.email\.P1: unknown calendar "moon"'):
        SlaPolicies.build(SlaPolicy.model_validate(data), SERVICES)


# --- properties -------------------------------------------------------------------------------

REASONS = ["awaiting_caller", "awaiting_change", "awaiting_vendor"]
START = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    """A valid random life: transitions from the state machine, gaps up to three days."""
    reported = START + timedelta(seconds=draw(st.integers(0, 360 * 86400)))
    at, status, steps = reported, Status.NEW, []
    for _ in range(draw(st.integers(0, 8))):
        choices = sorted(TRANSITIONS[status] - {Status.CANCELLED}, key=lambda s: s.value)
        if not choices:
            break
        status = draw(st.sampled_from(choices))
        at += timedelta(seconds=draw(st.integers(0, 3 * 86400)))
        reason = draw(st.sampled_from(REASONS)) if status is Status.ON_HOLD else None
        steps.append({"at": at, "to": status.value, "reason": reason})
    return make_incident(
        reported,
        steps,
        service=draw(st.sampled_from(["email", "payroll", "crm", "vpn"])),
        priority=draw(st.sampled_from(["P1", "P2", "P3", "P4"])),
    )


offsets = st.integers(-86400, 40 * 86400)
NO_PAUSE = SlaPolicies.build(SLA.model_copy(update={"pause_on_hold": []}), SERVICES)


def _at(incident: Incident, offset: int) -> datetime:
    return incident.reported_at + timedelta(seconds=offset)


@settings(max_examples=300, deadline=None)
@given(incidents(), offsets, offsets)
def test_elapsed_and_deadline_are_monotone_in_now(incident: Incident, a: int, b: int) -> None:
    early, late = (_at(incident, x) for x in sorted((a, b)))
    first, second = clocks(incident, POLICIES, early), clocks(incident, POLICIES, late)
    if not first:
        return
    for kind in ClockKind:
        before, after = _by_kind(first)[kind.value], _by_kind(second)[kind.value]
        assert before.elapsed_seconds <= after.elapsed_seconds
        assert before.deadline <= after.deadline  # a pause moves it later, nothing earlier


@settings(max_examples=300, deadline=None)
@given(incidents(), offsets)
def test_elapsed_never_exceeds_wall_time(incident: Incident, offset: int) -> None:
    now = _at(incident, offset)
    for clock in clocks(incident, POLICIES, now):
        assert 0 <= clock.elapsed_seconds <= (now - incident.reported_at).total_seconds()


@settings(max_examples=300, deadline=None)
@given(incidents(), offsets)
def test_a_pause_never_moves_a_deadline_earlier(incident: Incident, offset: int) -> None:
    now = _at(incident, offset)
    paused, unpaused = clocks(incident, POLICIES, now), clocks(incident, NO_PAUSE, now)
    for kind in ClockKind:
        if not paused:
            break
        with_pause, without = _by_kind(paused)[kind.value], _by_kind(unpaused)[kind.value]
        assert with_pause.elapsed_seconds <= without.elapsed_seconds
        assert with_pause.deadline >= without.deadline


@settings(max_examples=300, deadline=None)
@given(incidents(), offsets)
def test_states_agree_with_deadlines(incident: Incident, offset: int) -> None:
    now = _at(incident, offset)
    for clock in clocks(incident, POLICIES, now):
        if clock.stopped_at is not None:
            assert (clock.state is ClockState.MET) == (clock.stopped_at <= clock.deadline)
            assert not clock.paused
        else:
            assert (clock.state is ClockState.BREACHED) == (now > clock.deadline)
            if clock.elapsed_seconds < clock.target_seconds:
                assert clock.deadline > now


@settings(max_examples=300, deadline=None)
@given(incidents(), st.integers(0, 40 * 86400), st.integers(0, 40 * 86400))
def test_a_plan_made_after_the_last_entry_serves_any_later_now(
    incident: Incident, later: int, more: int
) -> None:
    """What ``sla status`` keeps in the index: a plan made at any instant after the
    record's last entry (and read back from JSON) gives, at any later ``now``, the
    clocks computed afresh."""
    last = max([incident.reported_at, *(e.at for e in incident.timeline)])
    made_at = to_seconds(last) + later
    now = made_at + more
    made = plan(incident, POLICIES, made_at)
    assert made == plan(incident, POLICIES, now)
    if made is None:
        assert clocks(incident, POLICIES, datetime.fromtimestamp(now, UTC)) == []
        return
    kept = ClockPlan.from_json(made.to_json())
    assert kept == made
    fresh = clocks(incident, POLICIES, datetime.fromtimestamp(now, UTC))
    assert results(kept, POLICIES, now) == fresh
