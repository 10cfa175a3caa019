"""The plan (steps, assignees, paging) and the operations that reconcile it. Pure."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from incidentctl.commands.sla import collect, policies_of
from incidentctl.escalation import plan
from incidentctl.escalation.reconcile import Kind, operations
from incidentctl.escalation.state import Issue, Record, marker
from incidentctl.model.policy import PageRule
from incidentctl.store.repo import load_repository
from tests.escalation.scenario import RUN1, RUN2, RUN3, ack, build_repository, p1, resolve_p1, write


def targets(root: Path, now: datetime, rules: list[PageRule] | None = None) -> list[plan.Target]:
    repo = load_repository(root)
    policies = policies_of(repo)
    assert policies.sla is not None
    results = collect(repo, policies, now, None)  # type: ignore[arg-type]
    incidents = {}
    for rel in repo.incident_paths():
        record = repo.load_incident(rel)
        assert record is not None
        incidents[record.model.id] = (rel, record.model)
    page_rules = policies.sla.page_rules() if rules is None else tuple(rules)
    return plan.build(results, incidents, policies.thresholds, page_rules, policies.services)


@pytest.fixture
def planned(scenario_repo: Path) -> dict[str, plan.Target]:
    return {t.key: t for t in targets(scenario_repo, RUN1)}


def test_steps_and_paging_by_default(planned: dict[str, plan.Target]) -> None:
    p1 = planned["INC-2026-0050:respond"]
    assert [s.name for s in p1.steps] == [
        "notify@50",
        "escalate@75",
        "escalate_manager@100",
        "breach",
    ]
    assert [s.name for s in p1.steps if s.page] == ["breach"]  # default: P1/P2 breach
    assert [s.name for s in p1.steps if s.chat] == ["notify@50"]
    assert p1.breached and "sla-breach" in p1.labels
    assert [s.name for s in planned["INC-2026-0051:resolve"].steps] == ["notify@50"]
    assert planned["INC-2026-0051:respond"].steps == ()  # stopped: acknowledged in time
    assert not planned["INC-2026-0042:resolve"].open


def test_paging_policy_decides_which_steps_page(tmp_path: Path) -> None:
    root = build_repository(tmp_path / "repo")
    rules = [PageRule(priorities=["P3"], steps=["notify"])]
    found = {t.key: t for t in targets(root, RUN1, rules)}
    assert not any(s.page for s in found["INC-2026-0050:respond"].steps)
    assert [s.name for s in found["INC-2026-0051:resolve"].steps if s.page] == ["notify@50"]
    assert not any(s.page for t in targets(root, RUN1, []) for s in t.steps)


def test_escalations_move_up_the_tiers_and_add_the_manager(
    planned: dict[str, plan.Target],
) -> None:
    assert planned["INC-2026-0051:resolve"].assignees == ("bob", "carol")  # first line
    assert planned["INC-2026-0050:respond"].assignees == ("erin", "alice")  # tier 2 + manager


def issue(target: plan.Target, record: Record, open_: bool = True) -> Issue:
    body = f"{marker(target.key)}\n{record.render()}"
    return Issue(1, "t", body, open_, (), (), "")


def test_reconcile_is_idempotent(planned: dict[str, plan.Target]) -> None:
    target = planned["INC-2026-0050:respond"]
    ops = operations([target], {}, paging=True, chat=True)
    assert [(o.kind, len(o.pages), len(o.chats)) for o in ops] == [(Kind.OPEN, 1, 1)]
    done = Record([s.name for s in target.steps], ["breach"], ["notify@50"])
    assert operations([target], {target.key: issue(target, done)}, paging=True, chat=True) == []
    # paging switched on later pages what was not paged yet
    unpaged = Record([s.name for s in target.steps], [], ["notify@50"])
    ops = operations([target], {target.key: issue(target, unpaged)}, paging=True, chat=True)
    assert [(o.kind, [s.name for s in o.pages], o.steps) for o in ops] == [
        (Kind.UPDATE, ["breach"], ())
    ]


def test_reconcile_closes_reopens_and_resolves_pages(planned: dict[str, plan.Target]) -> None:
    closed_target = planned["INC-2026-0042:resolve"]
    paged = Record(["breach"], ["breach"], [])
    ops = operations(
        [closed_target], {closed_target.key: issue(closed_target, paged)}, paging=True, chat=False
    )
    assert [(o.kind, o.resolve_page) for o in ops] == [(Kind.CLOSE, True)]
    # closed by hand: only the page is resolved; without paging nothing is to do
    by_hand = {closed_target.key: issue(closed_target, paged, open_=False)}
    assert [
        o.resolve_page for o in operations([closed_target], by_hand, paging=True, chat=False)
    ] == [True]
    assert operations([closed_target], by_hand, paging=False, chat=False) == []
    quiet = planned["INC-2026-0051:respond"]  # open incident, stopped clock, closed issue
    ops = operations(
        [quiet], {quiet.key: issue(quiet, Record(), open_=False)}, paging=False, chat=False
    )
    assert [o.kind for o in ops] == [Kind.REOPEN]
    assert operations([quiet], {}, paging=True, chat=True) == []  # nothing crossed: no issue


def test_a_target_missed_between_two_runs_is_still_escalated(tmp_path: Path) -> None:
    # the P1's respond clock breached, and it was acknowledged late, before RUN2: the
    # clock is stopped (missed) but the incident is open, so the breach is not silent
    root = build_repository(tmp_path / "repo")
    write(root, "INC-2026-0050", p1("in_progress", ack("2026-11-23T11:40:00+00:00")))
    found = {t.key: t for t in targets(root, RUN2)}
    respond = found["INC-2026-0050:respond"]
    assert respond.state == "missed" and respond.open
    assert [s.name for s in respond.steps] == [
        "notify@50",
        "escalate@75",
        "escalate_manager@100",
        "breach",
    ]
    assert [s.name for s in respond.steps if s.page] == ["breach"]
    assert respond.breached and "sla-breach" in respond.labels
    # once the incident is resolved, a missed clock asks for nothing new
    resolve_p1(root)
    found = {t.key: t for t in targets(root, RUN3)}
    assert found["INC-2026-0050:respond"].steps == ()
