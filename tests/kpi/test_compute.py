"""Every figure of SPEC 5 on the hand-computed fixture, every grouping, empty periods.

The fixture and its facts are described in tests/kpi/helpers.py; each expected
number below is derived in the comment next to it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incidentctl.kpi.compute import Figures, Period, compute
from incidentctl.kpi.stats import Stats
from tests.kpi.helpers import NOW, facts_at, report


def stats(s: Stats) -> tuple[float | None, float | None, int | None]:
    return (s.mean, s.median, s.p90)


def test_total_every_definition() -> None:
    t = report().total
    assert t.count == 7  # A-G; H is reported after now; the cancelled F counts in volume
    assert t.cancelled_count == 1
    # MTTA over the 5 acknowledged (D is new, F cancelled): 300 G, 600 E, 1200 A, 1800 C,
    # 235800 B; mean 239700 / 5 = 47940; median the 3rd = 1200; p90 ceil(4.5) = 5th
    assert t.acknowledged_count == 5
    assert stats(t.mtta) == (47940, 1200, 235800)
    # working time: 300 G, 600 E (office 10:00-10:10), 1200 A, 1800 C, 5400 B
    # mean 9300 / 5 = 1860; median 1200; p90 5400
    assert stats(t.mtta_working) == (1860, 1200, 5400)
    # MTTR over the 4 resolved or closed (A, B, C, G): 3600, 14400, 18000, 414000
    # mean 450000 / 4 = 112500; median (14400 + 18000) / 2 = 16200; p90 ceil(3.6) = 4th
    assert t.resolved_count == 4
    assert stats(t.mttr) == (112500, 16200, 414000)
    # working: 3600, 14400, 18000, 68400 (B: 19 h); mean 104400 / 4 = 26100
    assert stats(t.mttr_working) == (26100, 16200, 68400)
    assert t.fcr_rate == 2 / 4  # A and G
    assert t.respond_met_rate == 4 / 5  # C missed
    assert t.resolve_met_rate == 3 / 4  # C missed
    assert t.reopen_rate == 1 / 4  # B
    assert t.escalation_rate == 2 / 6  # B and C of the 6 not cancelled
    assert t.major_count == 1  # C
    assert t.open_count == 2  # D and E
    # backlog ages at now: E Fri 10:00 -> Mon 12:00 = 266400; D Wed 09:00 = 442800
    assert stats(t.backlog_age) == (354600, 354600, 442800)
    assert t.backlog_age.max == 442800
    # surveys of resolved incidents: A 5, C 2, G 4 -> 11 / 3 = 3.667; 3 of 4 resolved
    assert t.csat_mean == 3.667
    assert t.csat_response_rate == 3 / 4
    assert t.survey_count == 3
    assert stats(t.mttd) == (1200, 1200, 1200)  # only A records started/detected


def test_backlog_buckets_and_kb_usage() -> None:
    r = report()
    # D is 5 d 3 h old, E 3 d 2 h: both in 3-7 d
    assert r.backlog_buckets == [
        ("< 1 d", 0),
        ("1–3 d", 0),
        ("3–7 d", 2),
        ("7–30 d", 0),
        ("≥ 30 d", 0),
    ]
    # KB-0001 resolved A and G, KB-0002 resolved B
    assert [(u.id, u.title, u.count) for u in r.kb_usage] == [
        ("KB-0001", "Article 1", 2),
        ("KB-0002", "Article 2", 1),
    ]


def test_ungrouped_is_one_group_with_a_null_key() -> None:
    r = report()
    assert [g.key for g in r.groups] == [None]
    assert r.groups[0].figures == r.total


def counts(by: list[str], **kw: datetime) -> dict[str | None, int]:
    return {g.key: g.figures.count for g in report(by, **kw).groups}


def test_by_month_lists_every_month_of_the_period() -> None:
    # from the first incident (G, October) to now: October has G, November A-F
    assert counts(["month"]) == {"2026-10": 1, "2026-11": 6}


def test_by_week_iso_weeks_with_empty_ones() -> None:
    # G Oct 15 = 2026-W42; A, B W45; F W46; C, D, E W47; W48 starts Mon Nov 23 (now)
    assert counts(["week"]) == {
        "2026-W42": 1,
        "2026-W43": 0,
        "2026-W44": 0,
        "2026-W45": 2,
        "2026-W46": 1,
        "2026-W47": 3,
        "2026-W48": 0,
    }
    empty = next(g for g in report(["week"]).groups if g.key == "2026-W43").figures
    assert empty.mtta == Stats(None, None, None)
    assert empty.fcr_rate is None and empty.csat_mean is None and empty.escalation_rate is None


def test_by_priority_in_policy_order() -> None:
    assert counts(["priority"]) == {"P1": 1, "P2": 2, "P3": 2, "P4": 2}
    p4 = report(["priority"]).groups[3].figures
    # D (new) and F (cancelled): nothing acknowledged or resolved
    assert p4.mtta.mean is None and p4.resolve_met_rate is None and p4.open_count == 1
    assert p4.escalation_rate == 0.0  # D is not escalated; F does not count


def test_by_service_team_category() -> None:
    assert counts(["service"]) == {"payroll": 4, "vpn": 3}
    # A service-desk; B network-ops (escalated); C and E hr-systems; D, F, G none
    assert counts(["team"]) == {
        "hr-systems": 2,
        "network-ops": 1,
        "service-desk": 1,
        "unassigned": 3,
    }
    assert counts(["category"]) == {"application": 4, "network": 3}
    vpn = next(g for g in report(["service"]).groups if g.key == "vpn").figures
    assert vpn.fcr_rate == 0.0 and vpn.reopen_rate == 1.0  # B, the only resolved one


def test_two_dimensions_only_combinations_with_incidents() -> None:
    r = report(["month", "priority"])
    assert {g.key: g.figures.count for g in r.groups} == {
        "2026-10/P2": 1,
        "2026-11/P1": 1,
        "2026-11/P2": 1,
        "2026-11/P3": 2,
        "2026-11/P4": 2,
    }
    assert r.groups[0].keys == {"month": "2026-10", "priority": "P2"}


def test_period_bounds() -> None:
    nov = datetime(2026, 11, 1, tzinfo=UTC)
    # since is inclusive: A (Nov 2) ... F; until is exclusive: Nov 16 leaves out C, D, E
    mid = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    assert report(since=nov, until=mid).total.count == 3  # A, B, F
    assert report(since=nov).total.count == 6


def test_empty_period_gives_nulls_never_a_division_by_zero() -> None:
    since = datetime(2025, 1, 1, tzinfo=UTC)
    until = datetime(2025, 4, 1, tzinfo=UTC)
    r = report(["month"], since=since, until=until)
    assert [g.key for g in r.groups] == ["2025-01", "2025-02", "2025-03"]
    for fig in [*(g.figures for g in r.groups), r.total]:
        assert fig.count == 0
        for name in ("fcr_rate", "respond_met_rate", "resolve_met_rate", "reopen_rate"):
            assert getattr(fig, name) is None
        assert fig.escalation_rate is None and fig.csat_mean is None
        assert fig.csat_response_rate is None and fig.mttr.median is None


def test_no_incidents_at_all() -> None:
    r = compute([], _period(), ["priority"], {"priority": ["P1", "P2"]})
    assert [g.key for g in r.groups] == ["P1", "P2"]
    assert isinstance(r.total, Figures) and r.total.count == 0


def _period() -> Period:
    return Period(None, NOW, NOW)


@pytest.mark.parametrize("dimension", ["month", "week", "priority", "service", "team", "category"])
def test_every_grouping_adds_up_to_the_total(dimension: str) -> None:
    r = report([dimension])
    assert sum(g.figures.count for g in r.groups) == r.total.count == 7
    assert sum(g.figures.open_count for g in r.groups) == r.total.open_count
    assert sum(g.figures.resolved_count for g in r.groups) == r.total.resolved_count


def test_now_in_the_past() -> None:
    # Nov 2 12:00: A (in progress) and G (closed) exist
    t = report(now=datetime(2026, 11, 2, 12, 0, tzinfo=UTC)).total
    assert (t.count, t.open_count, t.resolved_count) == (2, 1, 1)
    assert stats(t.mtta) == (750, 750, 1200)  # 300 G and 1200 A: mean 750, median 750
    assert stats(t.backlog_age) == (7200, 7200, 7200)  # A, 10:00 -> 12:00


def test_facts_are_reused() -> None:
    facts = facts_at()
    one = compute(facts, _period(), ["service"])
    two = compute(facts, _period(), ["service"])
    assert one == two
