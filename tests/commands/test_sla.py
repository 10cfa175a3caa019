"""``incidentctl sla status`` end to end on a small repository built in tmp_path."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from textwrap import dedent
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from incidentctl import halves
from incidentctl.cli import main
from incidentctl.commands import sla as sla_command
from incidentctl.model.incident import Incident, Status
from incidentctl.sla.clock import ClockKind, ClockResult, ClockState
from incidentctl.sla.report import relative, span

NOW = "2026-11-24T12:00:00+00:00"  # a Tuesday
CONTRACT = [
    "id",
    "clock",
    "state",
    "deadline",
    "elapsed_seconds",
    "target_seconds",
    "percent",
    "paused",
]

POLICIES = {
    "priority.yaml": """
        impact: [high, medium, low]
        urgency: [high, medium, low]
        matrix:
          high:   {high: P1, medium: P2, low: P3}
          medium: {high: P2, medium: P3, low: P4}
          low:    {high: P3, medium: P4, low: P4}
        major: [P1]
    """,
    "sla.yaml": """
        calendars:
          always: {timezone: UTC, hours: 24x7}
          london-office:
            timezone: Europe/London
            hours: {mon: ["09:00-17:30"], tue: ["09:00-17:30"], wed: ["09:00-17:30"],
                    thu: ["09:00-17:30"], fri: ["09:00-17:30"]}
            holidays: {country: GB, subdiv: ENG}
            closed: [2026-12-24]
        targets:
          P1: {respond: 15m, resolve: 4h, calendar: always}
          P2: {respond: 30m, resolve: 8h, calendar: always}
          P3: {respond: 4h, resolve: 16h, calendar: london-office}
          P4: {respond: 8h, resolve: 40h, calendar: london-office}
        pause_on_hold: [awaiting_caller, awaiting_vendor]
        thresholds:
          - {at: 50, action: notify}
          - {at: 75, action: escalate}
          - {at: 100, action: escalate_manager}
        reopen_window: 168h
        auto_close_after: 72h
    """,
    "services.yaml": """
        teams:
          service-desk: {assignees: [bob]}
        services:
          email: {name: Email, owner: service-desk, tiers: [service-desk], incident_manager: alice}
          payroll: {name: Payroll, owner: service-desk, tiers: [service-desk],
                    incident_manager: alice, calendar: london-office}
    """,
    "categories.yaml": """
        categories:
          application: {subcategories: [error]}
    """,
}


def incident(num: int, service: str, priority: str, reported: str, steps: list[str]) -> str:
    """An incident file; ``steps`` are "at from to [reason]" status lines."""
    lines = [f"  - {{at: {reported}, by: dana, kind: reported}}"]
    status = "new"
    for step in steps:
        at, from_, to, *reason = step.split()
        extra = f", reason: {reason[0]}" if reason else ""
        lines.append(f"  - {{at: {at}, by: bob, kind: status, from: {from_}, to: {to}{extra}}}")
        status = to
    body = f"""\
        id: INC-2026-{num:04d}
        title: Incident {num}
        description: Something does not work.
        reported_by: dana
        reported_at: {reported}
        channel: portal
        service: {service}
        category: application
        subcategory: error
        impact: medium
        urgency: medium
        priority: {priority}
        status: {status}
        """
    if status == "on_hold":
        body += "hold_reason: awaiting_caller\n"
    if status == "resolved":
        body += "resolution: {code: workaround, summary: Restarted., resolved_by: bob}\n"
    return dedent(body) + "timeline:\n" + "\n".join(lines) + "\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "policies").mkdir()
    for name, text in POLICIES.items():
        (tmp_path / "policies" / name).write_text(dedent(text))
    folder = tmp_path / "incidents" / "2026"
    folder.mkdir(parents=True)
    files = {
        # P2 on 24x7: 8 h from 03:25 ended at 11:25, 35 minutes before now.
        1: incident(
            1,
            "email",
            "P2",
            "2026-11-24T03:25:00+00:00",
            ["2026-11-24T03:40:00+00:00 new in_progress"],
        ),
        # P3 payroll in London hours: respond 4 h from 10:10 -> 14:10, in 2 h 10 m.
        2: incident(2, "payroll", "P3", "2026-11-24T10:10:00+00:00", []),
        # P4 on hold for the caller since Monday noon: paused, 37 working hours left.
        3: incident(
            3,
            "email",
            "P4",
            "2026-11-23T09:00:00+00:00",
            [
                "2026-11-23T09:30:00+00:00 new in_progress",
                "2026-11-23T12:00:00+00:00 in_progress on_hold awaiting_caller",
            ],
        ),
        # Resolved on Monday within its P2 target: only with --all.
        4: incident(
            4,
            "email",
            "P2",
            "2026-11-23T08:00:00+00:00",
            [
                "2026-11-23T08:10:00+00:00 new in_progress",
                "2026-11-23T10:00:00+00:00 in_progress resolved",
            ],
        ),
        # Cancelled: no clocks.
        5: incident(
            5,
            "email",
            "P2",
            "2026-11-23T08:00:00+00:00",
            ["2026-11-23T08:10:00+00:00 new cancelled"],
        ),
    }
    for num, text in files.items():
        (folder / f"INC-2026-{num:04d}.yaml").write_text(text)
    # Not a valid record: no title. Skipped with a warning.
    (folder / "INC-2026-0006.yaml").write_text(
        files[2].replace("0002", "0006").replace("title: Incident 2\n", "")
    )
    return tmp_path


def run(repo: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["--repo", str(repo), "sla", "status", "--now", NOW, *args], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_json_contract(repo: Path) -> None:
    code, out, err = run(repo, "--format", "json")
    assert code == 0
    data = json.loads(out)
    for item in data:
        assert list(item)[: len(CONTRACT)] == CONTRACT
    assert [(d["id"], d["clock"]) for d in data] == [
        ("INC-2026-0001", "resolve"),  # breached first
        ("INC-2026-0002", "respond"),  # then running clocks by deadline
        ("INC-2026-0002", "resolve"),
        ("INC-2026-0003", "resolve"),  # paused: deadline as if resumed now
        ("INC-2026-0003", "respond"),  # stopped clocks of open incidents last
        ("INC-2026-0001", "respond"),
    ]
    assert data[0] == {
        "id": "INC-2026-0001",
        "clock": "resolve",
        "state": "breached",
        "deadline": "2026-11-24T11:25:00+00:00",
        "elapsed_seconds": 30900,
        "target_seconds": 28800,
        "percent": 107.29,
        "paused": False,
        "priority": "P2",
        "service": "email",
        "calendar": "always",
        "status": "in_progress",
        "remaining_seconds": -2100,
        "threshold": 100,
        "action": "escalate_manager",
        "stopped_at": None,
    }
    paused = data[3]
    assert paused["state"] == "ok" and paused["paused"] is True
    assert paused["elapsed_seconds"] == 3 * 3600
    assert paused["deadline"] == "2026-11-30T15:00:00+00:00"
    met = data[4]
    assert (met["state"], met["stopped_at"]) == ("met", "2026-11-23T09:30:00+00:00")
    assert "skipped incidents/2026/INC-2026-0006.yaml" in err
    assert "incidentctl validate" in err
    assert len(err.strip().splitlines()) == 1


def test_all_adds_resolved_incidents_and_never_cancelled_ones(repo: Path) -> None:
    code, out, _ = run(repo, "--format", "json", "--all")
    assert code == 0
    data = json.loads(out)
    ids = {d["id"] for d in data}
    assert ids == {"INC-2026-0001", "INC-2026-0002", "INC-2026-0003", "INC-2026-0004"}
    resolved = [d for d in data if d["id"] == "INC-2026-0004"]
    assert [(d["clock"], d["state"], d["elapsed_seconds"]) for d in resolved] == [
        ("respond", "met", 600),
        ("resolve", "met", 7200),
    ]


def test_text_output(repo: Path) -> None:
    code, out, _ = run(repo)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "CLOCK",
        "STATE",
        "DEADLINE",
        "WHEN",
        "ELAPSED",
        "TARGET",
        "USED",
        "PRIO",
        "SERVICE",
    ]
    assert "2026-11-24 11:25 UTC" in lines[1] and "breached 35 m ago" in lines[1]
    assert "2026-11-24 14:10 GMT" in lines[2] and "in 2 h 10 m" in lines[2]
    assert "ok (paused)" in lines[4] and "paused, 37 h left" in lines[4]
    assert "met, 7 h 30 m to spare" in lines[5]


def test_markdown_output(repo: Path) -> None:
    code, out, _ = run(repo, "--format", "markdown")
    assert code == 0
    assert out.startswith("| ID | Clock | State | Deadline |")
    assert "| INC-2026-0001 | resolve | breached |" in out


def test_now_before_everything_shows_nothing(repo: Path) -> None:
    result = CliRunner().invoke(
        main, ["--repo", str(repo), "sla", "status", "--now", "2026-01-01T00:00:00+00:00"]
    )
    assert result.exit_code == 0
    assert result.stdout == "No SLA clocks to show.\n"


def test_missing_policy_is_exit_2(repo: Path) -> None:
    (repo / "policies" / "sla.yaml").unlink()
    code, out, err = run(repo)
    assert code == 2
    assert out == ""
    assert "policies/sla.yaml is missing" in err


def test_broken_policy_is_exit_2_with_its_line(repo: Path) -> None:
    path = repo / "policies" / "sla.yaml"
    path.write_text(path.read_text().replace("resolve: 4h", "resolve: soon"))
    code, _, err = run(repo)
    assert code == 2
    assert "policies/sla.yaml:" in err and "not valid" in err
    assert "incidentctl validate" in err


def _close_always_for_a_year(repo: Path) -> None:
    """Make the 24x7 calendar Saturday mornings only, with 60 Saturdays closed."""
    saturdays = [(date(2026, 11, 7) + timedelta(weeks=i)).isoformat() for i in range(60)]
    path = repo / "policies" / "sla.yaml"
    path.write_text(
        path.read_text().replace(
            "timezone: UTC, hours: 24x7",
            "timezone: UTC, hours: {sat: ['09:00-10:00']}, closed: [" + ", ".join(saturdays) + "]",
        )
    )


def test_calendar_closed_for_a_year_is_exit_2(repo: Path) -> None:
    _close_always_for_a_year(repo)
    code, _, err = run(repo)
    assert code == 2
    assert "calendar always has no working time in the 366 days from 2026-11-24" in err


def test_validate_reports_the_closed_calendar(repo: Path) -> None:
    _close_always_for_a_year(repo)
    result = CliRunner().invoke(
        main, ["--repo", str(repo), "validate", "--format", "json", "--now", NOW]
    )
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "POL011"]
    assert len(found) == 1
    assert found[0]["path"] == "policies/sla.yaml"
    assert found[0]["line"] == 3
    assert "calendar always has no working time for 426 days from 2026-11-01" in found[0]["message"]


def test_bad_now_is_exit_2(repo: Path) -> None:
    result = CliRunner().invoke(main, ["--repo", str(repo), "sla", "status", "--now", "noon"])
    assert result.exit_code == 2
    assert "not an ISO 8601 timestamp" in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_a_report_rendered_on_two_cores_is_the_same(
    repo: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    start = halves._Child.start

    def spy(work: object, items: object) -> object:
        child = start(work, items)  # type: ignore[arg-type]
        started.append(child)
        return child

    monkeypatch.setattr(halves._Child, "start", spy)
    one_core = run(repo, "--format", fmt, "--all")
    assert not started
    monkeypatch.setattr(halves, "HALVES_AFTER", 2)
    two_cores = run(repo, "--format", fmt, "--all")
    if halves.may_fork():
        assert started and all(child is not None for child in started)
    assert two_cores == one_core
    assert one_core[1].count("INC-2026-") >= 8


def test_where_a_deadline_stands_is_exact_at_any_instant() -> None:
    zone = ZoneInfo("Europe/London")
    deadline = datetime(2026, 11, 24, 14, 10, tzinfo=zone)
    for now in (
        datetime(2026, 11, 24, 14, 9, 59, 999_999, tzinfo=UTC),
        datetime(2026, 11, 24, 14, 10, 0, 1, tzinfo=UTC),
        datetime(2026, 11, 24, 12, 0, 0, 654_321, tzinfo=UTC),
        datetime(2026, 11, 24, 16, 0, 0, 500_000, tzinfo=UTC),
    ):
        for state in (ClockState.OK, ClockState.BREACHED):
            result = _clock(deadline, state)
            wall = int((deadline - now).total_seconds())
            expected = (
                f"breached {span(-wall)} ago"
                if state is ClockState.BREACHED
                else (f"in {span(wall)}" if wall > 0 else "due now")
            )
            assert relative(result, now) == expected


def _clock(deadline: datetime, state: ClockState) -> ClockResult:
    return ClockResult(
        incident_id="INC-2026-0001",
        clock=ClockKind.RESOLVE,
        state=state,
        deadline=deadline,
        elapsed_seconds=0,
        target_seconds=3600,
        percent=0.0,
        paused=False,
        priority="P2",
        service="email",
        calendar="london-office",
        status=Status.IN_PROGRESS,
        threshold=None,
        stopped_at=None,
        deadline_at=int(deadline.timestamp()),
    )


def test_only_the_clocks_asked_for_are_planned(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an index every file is read, but a resolved record's clocks are planned
    only for ``--all`` (a cold run at 100,000 records: 41 s -> 28 s)."""
    planned: list[str] = []
    real = sla_command.plan

    def spy(incident: Incident, *args: object) -> object:
        planned.append(incident.id)
        return real(incident, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(sla_command, "plan", spy)
    assert run(repo)[0] == 0
    assert planned and "INC-2026-0004" not in planned  # resolved
    planned.clear()
    assert run(repo, "--all")[0] == 0
    assert "INC-2026-0004" in planned
