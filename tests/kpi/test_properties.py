"""Properties of the aggregates over arbitrary incident facts (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from incidentctl.kpi.compute import DIMENSIONS, Period, compute
from incidentctl.kpi.facts import IncidentFacts
from incidentctl.model.incident import Status

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
START = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def facts(draw: st.DrawFn, n: int) -> IncidentFacts:
    status = draw(st.sampled_from(list(Status)))
    reported = START + timedelta(seconds=draw(st.integers(0, int((NOW - START).total_seconds()))))
    acked = status is not Status.NEW and status is not Status.CANCELLED and draw(st.booleans())
    resolved = status in (Status.RESOLVED, Status.CLOSED)
    tta = draw(st.integers(0, 10**6)) if acked or resolved else None
    ttr = draw(st.integers(0, 10**7)) if resolved else None
    return IncidentFacts(
        id=f"INC-2026-{n:04d}",
        reported_at=reported,
        status=status,
        priority=draw(st.sampled_from(["P1", "P2", "P3", "P4"])),
        service=draw(st.sampled_from(["payroll", "vpn"])),
        category=draw(st.sampled_from(["application", "network"])),
        team=draw(st.sampled_from([None, "service-desk", "hr-systems"])),
        major=draw(st.booleans()),
        acknowledged_at=None if tta is None else reported + timedelta(seconds=tta),
        resolved_at=None if ttr is None else reported + timedelta(seconds=ttr),
        tta_seconds=tta,
        tta_working_seconds=tta,
        ttr_seconds=ttr,
        ttr_working_seconds=ttr,
        fcr=draw(st.booleans()) if resolved else None,
        respond_met=draw(st.booleans()) if tta is not None else None,
        resolve_met=draw(st.booleans()) if resolved else None,
        reopened=resolved and draw(st.booleans()),
        escalated=draw(st.booleans()),
        csat=draw(st.one_of(st.none(), st.integers(1, 5))) if resolved else None,
        ttd_seconds=None,
        kb=(),
        calendar=None,
    )


@st.composite
def fact_lists(draw: st.DrawFn) -> list[IncidentFacts]:
    return [draw(facts(i)) for i in range(draw(st.integers(0, 25)))]


@settings(max_examples=60, deadline=None)
@given(fact_lists(), st.sampled_from(DIMENSIONS))
def test_groups_partition_the_total(items: list[IncidentFacts], dimension: str) -> None:
    report = compute(items, Period(None, NOW + timedelta(seconds=1), NOW), [dimension])
    for name in ("count", "open_count", "resolved_count", "acknowledged_count", "major_count"):
        assert sum(getattr(g.figures, name) for g in report.groups) == getattr(report.total, name)
    for fig in [report.total, *(g.figures for g in report.groups)]:
        for rate in (
            fig.fcr_rate,
            fig.respond_met_rate,
            fig.resolve_met_rate,
            fig.reopen_rate,
            fig.escalation_rate,
            fig.csat_response_rate,
        ):
            assert rate is None or 0 <= rate <= 1
        assert (fig.mttr.median is None) == (fig.resolved_count == 0)
        assert fig.open_count + fig.resolved_count + fig.cancelled_count == fig.count
