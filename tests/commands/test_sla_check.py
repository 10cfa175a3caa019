"""``incidentctl sla check`` end to end against the fake tracker, pager and chat."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.escalation.state import key_of, record_of
from tests.escalation.fake import ROUTING_KEY, TOKEN, FakeServer, Fault, serve
from tests.escalation.run import check
from tests.escalation.scenario import RUN1, RUN2, RUN3, build_repository, resolve_p1

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    yield from serve()


@pytest.fixture
def scenario_repo(tmp_path: Path) -> Path:
    return build_repository(tmp_path / "repo")


def by_key(fake: FakeServer) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for issue in fake.state.issues.values():
        key = key_of(str(issue["body"]))
        assert key is not None
        assert key not in found, f"two issues for {key}"
        found[key] = issue
    return found


def test_first_run_opens_one_issue_per_clock_and_pages_the_p1_breach(
    scenario_repo: Path, fake: FakeServer
) -> None:
    result = check(scenario_repo, fake, RUN1)
    assert result.code == 1, result.out + result.err  # INC-2026-0050 respond is breached
    issues = by_key(fake)
    assert sorted(issues) == [
        "INC-2026-0050:resolve",
        "INC-2026-0050:respond",
        "INC-2026-0051:resolve",
        "INC-2026-0052:resolve",
    ]
    breach = issues["INC-2026-0050:respond"]
    assert set(breach["labels"]) == {  # type: ignore[arg-type]
        "incidentctl",
        "priority/P1",
        "service/payroll",
        "sla-breach",
    }
    assert breach["assignees"] == ["erin", "alice"]  # next tier, and the incident manager
    assert "sla-warning" in issues["INC-2026-0051:resolve"]["labels"]  # type: ignore[operator]
    assert issues["INC-2026-0051:resolve"]["assignees"] == ["bob", "carol"]
    record = record_of(str(breach["body"]))
    assert record.steps == ["notify@50", "escalate@75", "escalate_manager@100", "breach"]
    assert record.paged == ["breach"]
    assert [(e["event_action"], e["dedup_key"]) for e in fake.state.events] == [
        ("trigger", "INC-2026-0050:respond")
    ]
    assert fake.state.events[0]["payload"]["severity"] == "critical"
    assert len(fake.state.chat) == 4  # one notify@50 per clock
    assert {"sla-breach", "sla-warning", "incidentctl"} <= fake.state.labels
    body = str(breach["body"])
    assert "2026-11-23 09:15 GMT" in body
    assert "https://github.example/acme/incidents/blob/main/incidents/2026/INC-2026-0050.yaml" in (
        body
    )


def test_rerun_with_nothing_new_makes_no_write_call(scenario_repo: Path, fake: FakeServer) -> None:
    check(scenario_repo, fake, RUN1)
    seen = len(fake.state.requests)
    result = check(scenario_repo, fake, RUN1.replace(minute=35))
    assert fake.state.writes(seen) == []
    gets = [r.path for r in fake.state.requests[seen:]]
    assert gets == ["/repos/acme/incidents/issues"]  # one listing, nothing else
    assert "Nothing to do" in result.out
    assert len(fake.state.issues) == 4


def test_a_later_threshold_updates_the_same_issue(scenario_repo: Path, fake: FakeServer) -> None:
    check(scenario_repo, fake, RUN1)
    result = check(scenario_repo, fake, RUN2)
    assert result.code == 1
    issues = by_key(fake)
    assert len(issues) == 4
    p3 = issues["INC-2026-0051:resolve"]
    number = int(p3["number"])  # type: ignore[call-overload]
    assert p3["assignees"] == ["bob", "carol", "erin"]  # functional: the next tier joins
    assert record_of(str(p3["body"])).steps == ["notify@50", "escalate@75"]
    assert "escalate@75" in fake.state.comments[number][-1]
    assert len(fake.state.chat) == 4  # escalate is not a chat step


def test_warning_then_breach_updates_labels_and_pages(
    scenario_repo: Path, fake: FakeServer
) -> None:
    check(scenario_repo, fake, RUN1)
    fake.state.issues[2]["labels"].append("needs-triage")  # a person's label is kept
    check(scenario_repo, fake, RUN1.replace(hour=13, minute=10))  # 0050 resolve breached
    issue = by_key(fake)["INC-2026-0050:resolve"]
    labels = issue["labels"]
    assert "sla-breach" in labels and "sla-warning" not in labels  # type: ignore[operator]
    assert "needs-triage" in labels  # type: ignore[operator]
    triggers = [e["dedup_key"] for e in fake.state.events if e["event_action"] == "trigger"]
    # the P2 payroll clock (resolve 4 h) breached at 13:00 too
    assert triggers == [
        "INC-2026-0050:respond",
        "INC-2026-0050:resolve",
        "INC-2026-0052:resolve",
    ]


def test_resolve_closes_and_resolves_the_page_reopen_reopens(
    scenario_repo: Path, fake: FakeServer
) -> None:
    check(scenario_repo, fake, RUN1)
    resolve_p1(scenario_repo)
    result = check(scenario_repo, fake, RUN3)
    issues = by_key(fake)
    for clock in ("respond", "resolve"):
        issue = issues[f"INC-2026-0050:{clock}"]
        assert issue["state"] == "closed" and issue["state_reason"] == "completed"
        number = int(issue["number"])  # type: ignore[call-overload]
        assert "resolved" in fake.state.comments[number][-1]
    assert fake.state.alerts["INC-2026-0050:respond"] == "resolved"
    assert record_of(str(issues["INC-2026-0050:respond"]["body"])).page_resolved
    assert "close" in result.out
    # reopened: the issues open again, and nothing is paged twice
    (scenario_repo / "incidents/2026/INC-2026-0050.yaml").write_text(
        (scenario_repo / "incidents/2026/INC-2026-0050.yaml")
        .read_text()
        .replace("status: resolved", "status: in_progress")
        + "  - {at: 2026-11-23T14:20:00+00:00, by: bob, kind: status, from: resolved,"
        " to: in_progress}\n",
        encoding="utf-8",
    )
    check(scenario_repo, fake, RUN3)
    issues = by_key(fake)
    assert issues["INC-2026-0050:respond"]["state"] == "open"
    assert issues["INC-2026-0050:resolve"]["state"] == "open"
    # 0050 respond is not paged again; its resolve clock (5 h of 4 h) breaches now
    triggers = [e["dedup_key"] for e in fake.state.events if e["event_action"] == "trigger"]
    assert sorted(triggers) == [
        "INC-2026-0050:resolve",
        "INC-2026-0050:respond",
        "INC-2026-0052:resolve",
    ]


def test_pagination_past_a_hundred_issues(scenario_repo: Path, fake: FakeServer) -> None:
    check(scenario_repo, fake, RUN1)
    for i in range(230):  # other issues of the tool, e.g. of long-closed incidents
        fake.state.add_issue(
            f"old {i}",
            f"<!-- incidentctl:INC-2025-{i + 1:04d}:resolve -->",
            ["incidentctl"],
            open_=False,
        )
    seen = len(fake.state.requests)
    check(scenario_repo, fake, RUN1)
    listing = [r for r in fake.state.requests[seen:] if r.method == "GET"]
    assert len(listing) == 3  # 234 issues, 100 a page
    assert fake.state.writes(seen) == []  # the four were found on the last page


def test_dry_run_prints_the_plan_and_touches_nothing(scenario_repo: Path, fake: FakeServer) -> None:
    result = check(scenario_repo, fake, RUN1, dry_run=True)
    assert fake.state.writes() == []
    assert result.code == 1
    golden = GOLDEN / "sla_check_dry_run.txt"
    assert result.out == golden.read_text(encoding="utf-8")


def test_dry_run_without_a_tracker(scenario_repo: Path) -> None:
    result = check(scenario_repo, None, RUN1, open_issues=False, dry_run=True)
    assert result.code == 1
    assert "no tracker read" in result.out
    assert "trigger breach" in result.out


def test_json_lists_planned_and_applied_actions(scenario_repo: Path, fake: FakeServer) -> None:
    result = check(scenario_repo, fake, RUN1, fmt="json")
    data = json.loads(result.out)
    assert data["clocks"] == {"running": 4, "breached": 1, "warning": 3}
    assert [a["action"] for a in data["planned"]].count("open") == 4
    assert all(a["result"] == "done" for a in data["applied"])
    assert {a["issue"] for a in data["applied"]} == {1, 2, 3, 4}
    assert data["errors"] == []


def test_step_summary_is_appended(scenario_repo: Path, fake: FakeServer, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    check(scenario_repo, fake, RUN1, env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### SLA check")
    assert "| INC-2026-0050 | respond | breached | page | trigger breach | #1 | done |" in text


@pytest.mark.parametrize(
    ("status", "headers", "message", "needle"),
    [
        (401, {}, "Bad credentials", "refused the token"),
        (403, {}, "Resource not accessible by integration", "issues: write"),
    ],
)
def test_refused_token_is_one_clear_error_and_exit_2(
    scenario_repo: Path,
    fake: FakeServer,
    status: int,
    headers: dict[str, str],
    message: str,
    needle: str,
) -> None:
    fake.state.faults.append(
        Fault("POST", r"/issues$", status=status, headers=headers, body={"message": message})
    )
    result = check(scenario_repo, fake, RUN1)
    assert result.code == 2
    assert needle in result.out
    assert "failed" in result.out
    # stopped at the first refusal: no write to GitHub after it
    github = [r for r in fake.state.writes() if r.path.startswith("/repos")]
    assert [r.path for r in github].count("/repos/acme/incidents/issues") == 1
    assert github[-1].path == "/repos/acme/incidents/issues"
    # the page went out before the refusal and will be deduplicated next run
    assert fake.state.pages == 1
    fake.state.faults.clear()
    assert check(scenario_repo, fake, RUN1).code == 1
    assert len(by_key(fake)) == 4 and fake.state.pages == 1


def test_missing_configuration_is_exit_2(scenario_repo: Path, fake: FakeServer) -> None:
    runner = CliRunner()
    env = {**fake.env, "GITHUB_TOKEN": ""}
    args = ["--repo", str(scenario_repo), "sla", "check", "--open-issues"]
    args += ["--now", RUN1.isoformat()]
    result = runner.invoke(main, args, env=env)
    assert result.exit_code == 2
    assert "GITHUB_TOKEN is not set" in result.output
    result = runner.invoke(main, [*args[:4], "--page", "--now", RUN1.isoformat()], env=fake.env)
    assert result.exit_code == 2
    assert "--page needs --open-issues" in result.output
    env = {**fake.env, "INCIDENTCTL_PAGER_ROUTING_KEY": ""}
    result = runner.invoke(main, [*args, "--page"], env=env)
    assert result.exit_code == 2
    assert "INCIDENTCTL_PAGER_ROUTING_KEY is not set" in result.output
    assert fake.state.requests == []


def test_secrets_never_appear_in_any_output(
    scenario_repo: Path, fake: FakeServer, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    secrets = [TOKEN, ROUTING_KEY, "CHATsecretXYZ"]
    # a pager that is down for good and a chat webhook that drops every connection
    fake.state.faults += [
        Fault("POST", r"/v2/enqueue", status=500, times=1000),
        Fault("POST", r"/services/", kind="reset", times=1000),
    ]
    outputs = []
    for fmt in ("text", "json", "markdown"):
        result = check(scenario_repo, fake, RUN1, fmt=fmt, env=env, max_wait=60)
        assert result.code == 2, result.out
        outputs += [result.out, result.err]
    # a refusal whose message quotes the token
    fake.state.faults.append(Fault("GET", r"/issues$", status=401, body={"message": TOKEN}))
    result = check(scenario_repo, fake, RUN1, env=env)
    assert result.code == 2
    assert "Nothing was done" in result.out  # not "up to date": the tracker was not read
    outputs += [result.out, result.err, summary.read_text(encoding="utf-8")]
    text = "\n".join(outputs)
    assert "the pager" in text and "refused the token" in text and "chat webhook" in text
    for secret in secrets:
        assert secret not in text
    # nor in what was written to the tracker
    posted = json.dumps([r.body for r in fake.state.requests if r.path.startswith("/repos")])
    for secret in secrets:
        assert secret not in posted


def test_dry_run_with_the_tracker_shows_only_what_is_left(
    scenario_repo: Path, fake: FakeServer
) -> None:
    check(scenario_repo, fake, RUN1)
    seen = len(fake.state.requests)
    result = check(scenario_repo, fake, RUN2, dry_run=True)
    assert fake.state.writes(seen) == []
    planned = [line.split()[:4] for line in result.out.splitlines()[2:-1]]
    assert planned == [
        ["INC-2026-0050", "resolve", "warning", "comment"],
        ["INC-2026-0050", "resolve", "warning", "update"],
        ["INC-2026-0052", "resolve", "warning", "comment"],
        ["INC-2026-0052", "resolve", "warning", "update"],
        ["INC-2026-0051", "resolve", "warning", "comment"],
        ["INC-2026-0051", "resolve", "warning", "update"],
    ]


def test_a_duplicate_issue_is_reported_and_the_oldest_kept(
    scenario_repo: Path, fake: FakeServer
) -> None:
    check(scenario_repo, fake, RUN1)
    copy = fake.state.add_issue("copy", str(fake.state.issues[1]["body"]), ["incidentctl"])
    seen = len(fake.state.requests)
    result = check(scenario_repo, fake, RUN1)
    assert f"issues #1 and #{copy} are both about INC-2026-0050:respond" in result.err
    assert fake.state.writes(seen) == []


def test_a_record_named_otherwise_than_its_id_is_still_escalated(scenario_repo: Path) -> None:
    """Clocks carry the record's ``id``; a file named otherwise (INC001) is found anyway."""
    path = scenario_repo / "incidents/2026/INC-2026-0050.yaml"
    path.rename(path.with_name("INC-2026-0059.yaml"))
    result = check(scenario_repo, None, RUN1, open_issues=False, dry_run=True)
    assert result.code == 1
    assert "INC-2026-0050" in result.out and "trigger breach" in result.out
