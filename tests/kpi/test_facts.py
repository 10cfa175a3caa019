"""Each incident's contribution, derived by hand (see tests/kpi/helpers.py for the fixture)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from incidentctl.commands.kpi import kpi_policies
from incidentctl.kpi.facts import IncidentFacts, incident_facts, settled_at
from incidentctl.lifecycle import TRANSITIONS
from incidentctl.model.incident import Incident, Status
from incidentctl.sla.calendar import to_seconds
from tests.kpi.helpers import facts_at, load


def by_id(now: datetime | None = None) -> dict[str, IncidentFacts]:
    return {f.id: f for f in (facts_at(now) if now else facts_at())}


def test_reported_after_now_is_left_out() -> None:
    assert "INC-2026-0008" not in by_id()
    assert len(by_id()) == 7


def test_a_first_contact_resolution() -> None:
    a = by_id()["INC-2026-0001"]
    assert a.status is Status.CLOSED
    assert a.tta_seconds == 1200  # 10:00 -> 10:20
    assert a.ttr_seconds == 14400  # 10:00 -> 14:00
    # P2 runs on the 24x7 calendar: working time equals wall time
    assert (a.tta_working_seconds, a.ttr_working_seconds) == (1200, 14400)
    assert a.fcr is True  # service-desk is payroll's first tier, no functional escalation
    assert (a.respond_met, a.resolve_met) == (True, True)  # 20 m <= 30 m, 4 h <= 8 h
    assert a.csat == 5
    assert a.ttd_seconds == 1200  # started 09:30, detected 09:50
    assert a.kb == ("KB-0001",)
    assert a.team == "service-desk"


def test_b_weekend_escalation_and_reopen() -> None:
    b = by_id()["INC-2026-0002"]
    # Fri 16:00 -> Mon 09:30 is 65 h 30 m of wall time
    assert b.tta_seconds == 65 * 3600 + 1800
    # office hours: Fri 16:00-17:00 and Mon 09:00-09:30
    assert b.tta_working_seconds == 5400
    # the last resolution counts: Fri 16:00 -> Wed 11:00 is 4 d 19 h = 115 h
    assert b.ttr_seconds == 115 * 3600
    # Fri 1 h + Mon 8 h + Tue 8 h + Wed 09:00-11:00 2 h (the time resolved is included)
    assert b.ttr_working_seconds == 19 * 3600
    # the SLA clock excludes the time resolved: 1 + 8 + 3 + 2 = 14 h <= 16 h
    assert b.resolve_met is True
    assert b.respond_met is True  # 1 h 30 m <= 4 h
    assert b.fcr is False  # functional escalation
    assert b.reopened is True
    assert b.escalated is True
    assert b.team == "network-ops"  # the escalation moved it
    assert b.csat is None


def test_c_major_late_on_both_clocks() -> None:
    c = by_id()["INC-2026-0003"]
    assert c.major is True
    assert (c.tta_seconds, c.ttr_seconds) == (1800, 18000)
    assert (c.respond_met, c.resolve_met) == (False, False)  # 30 m > 15 m, 5 h > 4 h
    # no functional escalation, but resolved while assigned to hr-systems, the second tier
    assert c.fcr is False
    assert c.escalated is True  # hierarchical counts as an escalation
    assert c.csat == 2


def test_open_and_cancelled() -> None:
    f = by_id()
    assert f["INC-2026-0004"].open and f["INC-2026-0004"].acknowledged_at is None
    e = f["INC-2026-0005"]
    assert e.open and e.status is Status.ON_HOLD
    assert e.tta_seconds == 600 and e.respond_met is True
    assert e.ttr_seconds is None and e.fcr is None
    assert f["INC-2026-0006"].cancelled
    assert f["INC-2026-0006"].respond_met is None  # cancelled: no clocks


def test_g_never_assigned_is_first_contact() -> None:
    g = by_id()["INC-2026-0007"]
    assert g.team is None
    assert g.fcr is True  # no group at all counts as the first tier
    assert (g.tta_seconds, g.ttr_seconds, g.csat) == (300, 3600, 4)


def test_now_in_the_past_replays_the_timeline() -> None:
    # Nov 2 12:00: A is acknowledged (10:20) but not yet resolved (14:00); only A and G exist
    early = by_id(datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    assert set(early) == {"INC-2026-0001", "INC-2026-0007"}
    a = early["INC-2026-0001"]
    assert a.status is Status.IN_PROGRESS and a.open
    assert a.tta_seconds == 1200 and a.ttr_seconds is None and a.csat is None and a.kb == ()
    # Nov 10 13:00: B is resolved for the first time (Tue 12:00), not yet reopened
    mid = by_id(datetime(2026, 11, 10, 13, 0, tzinfo=UTC))["INC-2026-0002"]
    assert mid.ttr_seconds == 92 * 3600  # Fri 16:00 -> Tue 12:00
    assert mid.reopened is False


# --- settled facts do not depend on now (what the facts cache relies on) --------------

POLICIES = kpi_policies(load())
START = datetime(2026, 1, 1, tzinfo=UTC)
REASONS = ["awaiting_caller", "awaiting_change", "awaiting_vendor"]
OFFSETS = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]


@st.composite
def lives(draw: st.DrawFn) -> Incident:
    """A random valid life: every kind of entry that a figure reads, in time order."""
    zone = draw(st.sampled_from(OFFSETS))
    at = START + timedelta(seconds=draw(st.integers(0, 300 * 86400)))
    reported = at
    entries: list[dict[str, Any]] = [{"at": at, "by": "dana", "kind": "reported"}]
    status, priority = Status.NEW, draw(st.sampled_from(["P1", "P2", "P3", "P4", "P9"]))
    for _ in range(draw(st.integers(0, 10))):
        at += timedelta(seconds=draw(st.integers(0, 3 * 86400)))
        kind = draw(st.sampled_from(["status", "status", "assigned", "escalated", "priority"]))
        entry: dict[str, Any] = {"at": at, "by": "bob", "kind": kind}
        if kind == "status":
            choices = sorted(TRANSITIONS[status], key=lambda s: s.value)
            if not choices:
                continue
            to = draw(st.sampled_from(choices))
            entry.update({"from": status.value, "to": to.value})
            if to is Status.ON_HOLD:
                entry["reason"] = draw(st.sampled_from(REASONS))
            status = to
        elif kind == "assigned":
            entry["group"] = draw(st.sampled_from(["service-desk", "hr-systems", "network-ops"]))
        elif kind == "escalated":
            entry.update(
                type=draw(st.sampled_from(["functional", "hierarchical"])),
                to=draw(st.sampled_from(["hr-systems", "network-ops", "alice"])),
            )
        else:
            to_priority = draw(st.sampled_from(["P1", "P2", "P3", "P4"]))
            entry.update({"from": priority, "to": to_priority})
            priority = to_priority
        entries.append(entry)
    if status in (Status.RESOLVED, Status.CLOSED) and draw(st.booleans()):
        at += timedelta(seconds=draw(st.integers(0, 86400)))
        entries.append({"at": at, "by": "dana", "kind": "survey", "score": draw(st.integers(1, 5))})
    data: dict[str, Any] = {
        "id": "INC-2026-0100",
        "title": "t",
        "description": "d",
        "reported_by": "dana",
        "reported_at": reported,
        "channel": "portal",
        "service": draw(st.sampled_from(["payroll", "vpn", "unknown"])),
        "category": "application",
        "subcategory": "error",
        "impact": "low",
        "urgency": "low",
        "priority": priority,
        "status": status.value,
        "major": draw(st.booleans()),
        "assignment_group": draw(st.sampled_from([None, "service-desk", "hr-systems"])),
        "timeline": [{**e, "at": e["at"].astimezone(zone)} for e in entries],
    }
    if status is Status.ON_HOLD:
        data["hold_reason"] = "awaiting_caller"
    if status in (Status.RESOLVED, Status.CLOSED):
        data["resolution"] = {"code": "workaround", "summary": "s", "resolved_by": "bob"}
        data["resolution"]["kb"] = draw(st.sampled_from([[], ["KB-0001"], ["KB-0001", "KB-0002"]]))
        if draw(st.booleans()):
            sat_at = at + timedelta(seconds=draw(st.integers(0, 86400)))
            data["satisfaction"] = {"score": draw(st.integers(1, 5)), "at": sat_at}
    if draw(st.booleans()):
        data["started_at"] = reported - timedelta(seconds=draw(st.integers(0, 7200)))
        data["detected_at"] = reported - timedelta(seconds=draw(st.integers(0, 3600)))
    return Incident.model_validate(data)


def _without_clocks(item: IncidentFacts | None) -> IncidentFacts | None:
    return None if item is None else replace(item, clocks=())


@settings(max_examples=300, deadline=None)
@given(lives(), st.integers(0, 400 * 86400), st.integers(0, 400 * 86400))
def test_facts_are_the_same_at_any_now_once_settled(
    incident: Incident, later_a: int, later_b: int
) -> None:
    settled = datetime.fromtimestamp(settled_at(incident), UTC)
    first = incident_facts(incident, POLICIES, settled + timedelta(seconds=later_a))
    second = incident_facts(incident, POLICIES, settled + timedelta(seconds=later_b))
    assert first is not None
    assert _without_clocks(first) == _without_clocks(second)


@settings(max_examples=100, deadline=None)
@given(lives())
def test_settled_at_is_the_latest_instant_a_figure_reads(incident: Incident) -> None:
    # the control: a second before it, the facts may differ, and for a record whose last
    # entry is a status change (or that is reported then) they always do
    settled = settled_at(incident)
    last = incident.timeline[-1]
    before = datetime.fromtimestamp(settled - 1, UTC)
    at = datetime.fromtimestamp(settled, UTC)
    steps = [e for e in incident.timeline if e.kind == "status" and to_seconds(e.at) == settled]
    # (not when the steps of that second end where they began: resolved and reopened)
    if last.kind == "status" and steps and steps[0].from_ != last.to:
        earlier = incident_facts(incident, POLICIES, before)
        later = incident_facts(incident, POLICIES, at)
        assert earlier is None or later is None or earlier.status != later.status
