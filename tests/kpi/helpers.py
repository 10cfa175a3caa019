"""The hand-computed KPI fixture (tests/kpi/repo) loaded as facts, at a fixed instant.

The repository's incidents, at NOW (Monday 2026-11-23 12:00 UTC); "office" is UTC
Monday-Friday 09:00-17:00:

- A INC-2026-0001 P2 payroll, Nov 2 10:00; ack 10:20; resolved 14:00; closed; survey 5;
  KB-0001; assigned service-desk, no escalation; started 09:30, detected 09:50.
- B INC-2026-0002 P3 vpn, Fri Nov 6 16:00; ack Mon Nov 9 09:30; functional escalation
  to network-ops; resolved Tue 12:00; reopened Wed Nov 11 09:00; resolved 11:00; KB-0002.
- C INC-2026-0003 P1 payroll, major, Nov 16 08:00; ack 08:30; assigned hr-systems;
  hierarchical escalation; resolved 13:00; closed; survey 2.
- D INC-2026-0004 P4 vpn, Nov 18 09:00; still new.
- E INC-2026-0005 P3 payroll, Fri Nov 20 10:00; ack 10:10; on hold (awaiting_vendor).
- F INC-2026-0006 P4 vpn, Nov 10 09:00; cancelled 09:30.
- G INC-2026-0007 P2 payroll, Oct 15 12:00; ack 12:05; resolved 13:00; closed; survey 4;
  KB-0001; never assigned.
- H INC-2026-0008 reported Nov 24, after NOW: in no figure.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from incidentctl.commands.kpi import build_report, collect_facts, kpi_policies
from incidentctl.kpi.compute import KpiReport, Period
from incidentctl.kpi.facts import IncidentFacts
from incidentctl.store.repo import Repository, load_repository

REPO = Path(__file__).parent / "repo"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def load() -> Repository:
    return load_repository(REPO)


def facts_at(now: datetime = NOW, repo: Repository | None = None) -> list[IncidentFacts]:
    repo = repo or load()
    return collect_facts(repo, kpi_policies(repo), now, io.StringIO())


def report(
    by: Sequence[str] = (),
    now: datetime = NOW,
    since: datetime | None = None,
    until: datetime | None = None,
) -> KpiReport:
    repo = load()
    return build_report(repo, facts_at(now, repo), Period(since, until or now, now), by)
