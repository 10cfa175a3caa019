"""Each incident's contribution, derived by hand (see tests/kpi/helpers.py for the fixture)."""

from __future__ import annotations

from datetime import UTC, datetime

from incidentctl.kpi.facts import IncidentFacts
from incidentctl.model.incident import Status
from tests.kpi.helpers import facts_at


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
