"""The state machine against the table of SPEC 2.2, and the facts derived from a timeline."""

from __future__ import annotations

import io
import itertools
import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentctl import edits
from incidentctl.commands import validate
from incidentctl.commands.authoring import EditRequest, Planner, execute, planner
from incidentctl.commands.validate import ValidateRequest
from incidentctl.edits import Actor, Refused
from incidentctl.lifecycle import FINAL, TRANSITIONS, facts, transition_problem
from incidentctl.model.incident import Incident, Status
from incidentctl.store import yamlread
from incidentctl.store.repo import load_repository
from tests.conftest import FIXTURES
from tests.gitrepo import GIT_ENV, GitRepo, incident_text

S = Status
# SPEC 2.2, row by row: from -> the states it may go to
SPEC = {
    "new": {"in_progress", "on_hold", "resolved", "cancelled"},
    "in_progress": {"on_hold", "resolved", "cancelled"},
    "on_hold": {"in_progress", "resolved", "cancelled"},
    "resolved": {"in_progress", "closed"},
    "closed": set(),
    "cancelled": set(),
}


@pytest.mark.parametrize(("a", "b"), list(itertools.product(list(S), list(S))))
def test_transition_table_matches_the_spec(a: Status, b: Status) -> None:
    allowed = b.value in SPEC[a.value]
    assert (b in TRANSITIONS[a]) is allowed
    problem = transition_problem(a, b)
    assert (problem is None) is allowed
    if a == b:
        assert problem == f"the incident is already {a.value}"
    elif a in FINAL:
        assert problem == f"a {a.value} incident is final and cannot change state"
    elif not allowed:
        assert problem is not None and problem.startswith(f"{a.value} -> {b.value} is not allowed")


def test_facts_of_the_normative_example() -> None:
    data = yamlread.load((FIXTURES / "base/incidents/2026/INC-2026-0042.yaml").read_text())
    derived = facts(Incident.model_validate(data))
    assert derived.acknowledged_at is not None
    assert derived.acknowledged_at.isoformat() == "2026-11-20T16:20:00+00:00"
    assert derived.resolved_at is not None
    assert derived.resolved_at.isoformat() == "2026-11-21T10:30:00+00:00"
    assert derived.closed_at is None
    assert derived.reopen_count == 0
    assert derived.functional_escalations == 1


def test_reopens_count_and_the_last_resolution_wins() -> None:
    data = yamlread.load((FIXTURES / "base/incidents/2026/INC-2026-0042.yaml").read_text())
    base = data["timeline"][-1]["at"]
    data["timeline"] += [
        {"at": base, "by": "x", "kind": "status", "from": "resolved", "to": "in_progress"},
        {
            "at": base.replace(hour=12),
            "by": "x",
            "kind": "status",
            "from": "in_progress",
            "to": "resolved",
        },
    ]
    derived = facts(Incident.model_validate(data))
    assert derived.reopen_count == 1
    assert derived.first_resolved_at == base
    assert derived.resolved_at == base.replace(hour=12)


# --- properties: the commands and `validate --base` agree with the spec -------------------

BASE_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2027, 6, 1, tzinfo=UTC)  # --now: every generated time is in the past
OPEN_ID = "INC-2026-0050"
OPEN_REL = f"incidents/2026/{OPEN_ID}.yaml"
COMMANDS = (
    "ack",
    "hold",
    "resume",
    "resolve",
    "close",
    "reopen",
    "cancel",
    "note",
    "survey",
    "escalate",
    "assign",
    "reprioritize",
)
GAPS = st.sampled_from([timedelta(minutes=5), timedelta(hours=3), timedelta(days=8)])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A git repository: main holds an open incident in ``new``; HEAD is branch ``work``."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        repo = GitRepo.create(tmp_path_factory.mktemp("lifecycle") / "repo")
        repo.write(OPEN_REL, incident_text(OPEN_ID, BASE_AT.isoformat()))
        repo.commit("open")
        repo.git("switch", "--quiet", "-c", "work")
        yield repo.root


def _expected(cmd: str, state: dict[str, object], at: datetime) -> bool:
    """The spec, written out independently of the code under test."""
    status = state["status"]
    final = status in ("closed", "cancelled")
    open_ = status in ("new", "in_progress", "on_hold")
    resolved_at = state["resolved_at"]
    return {
        "ack": status == "new",
        "hold": status in ("new", "in_progress"),
        "resume": status == "on_hold",
        "resolve": open_,
        "close": status == "resolved",
        "reopen": status == "resolved"
        and isinstance(resolved_at, datetime)
        and at - resolved_at <= timedelta(hours=168),
        "cancel": open_,
        "note": not final,
        "survey": status in ("resolved", "closed"),
        "escalate": open_ and state["group"] != "hr-systems",
        "assign": not final and state["group"] != "service-desk",
        "reprioritize": not final,
    }[cmd]


def _plan(cmd: str, state: dict[str, object]) -> Planner:
    impact = "high" if state["impact"] == "medium" else "medium"
    options: dict[str, dict[str, object]] = {
        "hold": {"reason": "awaiting_caller"},
        "resolve": {"code": "workaround", "summary": "Restarted the job"},
        "note": {"text": "Checked the logs: nothing unusual"},
        "survey": {"score": 4, "comment": "Fine"},
        "escalate": {"functional": "", "hierarchical": False},
        "assign": {"group": "service-desk"},
        "reprioritize": {"impact": impact},
    }
    return planner(getattr(edits, cmd), **options.get(cmd, {}))


def _apply(state: dict[str, object], cmd: str, at: datetime) -> None:
    moves = {
        "ack": "in_progress",
        "hold": "on_hold",
        "resume": "in_progress",
        "resolve": "resolved",
        "close": "closed",
        "reopen": "in_progress",
        "cancel": "cancelled",
    }
    if cmd in moves:
        state["status"] = moves[cmd]
    if cmd == "resolve":
        state["resolved_at"] = at
    if cmd == "escalate":
        state["group"] = "hr-systems"
    if cmd == "assign":
        state["group"] = "service-desk"
    if cmd == "reprioritize":
        state["impact"] = "high" if state["impact"] == "medium" else "medium"


def _validate_base(root: Path) -> tuple[int, list[str]]:
    repo = load_repository(root)
    request = ValidateRequest(repo, (), LATER, "json", root, {}, base="main")
    out = io.StringIO()
    code = validate.execute(request, out)
    return code, [d["code"] for d in json.loads(out.getvalue())["diagnostics"]]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(st.sampled_from(COMMANDS), GAPS), max_size=8))
def test_commands_refuse_exactly_the_illegal_steps_and_validate_accepts_the_rest(
    template: Path, steps: list[tuple[str, timedelta]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        root = Path(tmp) / "repo"
        shutil.copytree(template, root)
        state: dict[str, object] = {
            "status": "new",
            "resolved_at": None,
            "group": None,
            "impact": "medium",
        }
        at = BASE_AT
        for cmd, gap in steps:
            at += gap
            request = EditRequest(load_repository(root), OPEN_ID, LATER, Actor(at, "bob"))
            try:
                done = execute(request, _plan(cmd, state), cmd, io.StringIO()) == 0
            except Refused:
                done = False
            assert done == _expected(cmd, state, at), (cmd, state)
            if done:
                _apply(state, cmd, at)
        GitRepo(root).commit("work")
        assert _validate_base(root) == (0, [])


STATES = [s.value for s in Status]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(targets=st.lists(st.sampled_from(STATES), min_size=1, max_size=6))
def test_validate_base_accepts_exactly_the_legal_histories(
    template: Path, targets: list[str]
) -> None:
    """Hand-appended status steps: accepted if and only if each one is legal in sequence."""
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        root = Path(tmp) / "repo"
        shutil.copytree(template, root)
        repo = GitRepo(root)
        state, at, lines, legal, reason = "new", BASE_AT, [], True, None
        for target in targets:
            at += timedelta(minutes=10)
            legal = legal and target in SPEC[state]
            hold = ", reason: awaiting_caller" if target == "on_hold" else ""
            lines.append(
                f"  - {{at: {at.isoformat()}, by: bob, kind: status, from: {state},"
                f" to: {target}{hold}}}\n"
            )
            reason = "awaiting_caller" if target == "on_hold" else None
            state = target
        text = repo.read(OPEN_REL).replace(
            "status: new", f"status: {state}" + (f"\nhold_reason: {reason}" if reason else "")
        )
        text += "".join(lines)
        if state in ("resolved", "closed"):
            text += "resolution: {code: workaround, summary: Restarted, resolved_by: bob}\n"
        repo.write(OPEN_REL, text)
        repo.commit("hand-edited")
        code, found = _validate_base(root)
        assert (code == 0) is legal, found
        assert ("CHG001" in found) is not legal
