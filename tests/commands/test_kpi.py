"""``incidentctl kpi`` and ``export`` end to end: options, errors, ``--as-of`` on git history."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from tests.gitrepo import GitRepo, git_env  # noqa: F401
from tests.kpi.helpers import REPO

NOW = "2026-11-23T12:00:00+00:00"


def run(repo: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--repo", str(repo), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def kpi_json(repo: Path, *args: str) -> dict:  # type: ignore[type-arg]
    code, out, err = run(repo, "kpi", "--now", NOW, "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_month_and_until_bounds() -> None:
    data = kpi_json(REPO, "--by", "month", "--since", "2026-10", "--until", "2026-10")
    # --until 2026-10 includes the whole of October, and only October
    assert [(g["key"], g["count"]) for g in data["groups"]] == [("2026-10", 1)]
    assert data["period"] == {
        "since": "2026-10-01T00:00:00+00:00",
        "until": "2026-11-01T00:00:00+00:00",
        "now": NOW,
        "as_of": None,
        "by": ["month"],
    }
    day = kpi_json(REPO, "--since", "2026-11-02", "--until", "2026-11-02")
    assert day["groups"][0]["count"] == 1  # A, reported on Nov 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "year"], "--by: unknown grouping 'year'"),
        (["--by", "month,month"], "names a grouping twice"),
        (["--since", "yesterday"], "--since: 'yesterday' is not a month, a date"),
        (["--until", "2026-11-01T10:00:00"], "--until: '2026-11-01T10:00:00' has no UTC offset"),
        (["--since", "2026-12-01"], "is not before the end of the period"),
        (["--as-of", "no-such-tag"], "--as-of"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, out, err = run(REPO, "kpi", "--now", NOW, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_invalid_record_is_skipped_with_a_warning(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    path = repo / "incidents/2026/INC-2026-0004.yaml"
    path.write_text(path.read_text().replace("channel: portal", "chanel: portal"))
    code, out, err = run(repo, "kpi", "--now", NOW, "--format", "json")
    assert code == 0
    assert "skipped incidents/2026/INC-2026-0004.yaml" in err
    assert json.loads(out)["groups"][0]["count"] == 6


def test_missing_sla_policy_is_an_error(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    (repo / "policies/sla.yaml").unlink()
    code, _, err = run(repo, "kpi", "--now", NOW)
    assert code == 2 and "policies/sla.yaml is missing" in err


@pytest.mark.usefixtures("git_env")
def test_as_of_reads_the_committed_repository(tmp_path: Path) -> None:
    git = GitRepo.create(tmp_path / "repo", REPO)
    first = git.git("rev-parse", "HEAD")
    git.git("tag", "report-2026-11")
    # after the tag: G is deleted from the history's next commit, a new incident is added,
    # and the working tree has an uncommitted edit; none of it is in the tagged report
    git.git("rm", "--quiet", "incidents/2026/INC-2026-0007.yaml")
    git.commit("drop G")
    (git.root / "incidents/2026/INC-2026-0004.yaml").write_text("broken: [")
    now_total = kpi_json(git.root)["groups"][0]
    assert now_total["count"] == 5  # G gone, D unreadable
    tagged = kpi_json(git.root, "--as-of", "report-2026-11")
    assert tagged["period"]["as_of"] == first
    assert tagged["groups"][0]["count"] == 7
    assert tagged == kpi_json(REPO) | {"period": tagged["period"]}
    assert kpi_json(git.root, "--as-of", first)["groups"] == tagged["groups"]


@pytest.mark.usefixtures("git_env")
def test_as_of_a_subfolder_repository(tmp_path: Path) -> None:
    git = GitRepo.create(tmp_path / "mono", None)
    shutil.copytree(REPO, git.root / "ops" / "incidents-repo")
    git.commit("add the incident repository in a subfolder")
    data = kpi_json(git.root / "ops" / "incidents-repo", "--as-of", "HEAD")
    assert data["groups"][0]["count"] == 7


def test_as_of_outside_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    code, _, err = run(repo, "kpi", "--as-of", "HEAD", "--now", NOW)
    assert code == 2 and "--as-of needs a git repository" in err


@pytest.mark.parametrize("fmt", ["text", "csv", "markdown", "openmetrics"])
def test_every_format_runs(fmt: str) -> None:
    code, out, _ = run(REPO, "kpi", "--now", NOW, "--by", "service", "--format", fmt)
    assert code == 0 and "payroll" in out


def test_export_command(tmp_path: Path) -> None:
    code, out, _ = run(REPO, "export", "--now", NOW, "--table", "clocks", "--format", "csv")
    assert code == 0 and out.startswith("incident_id,clock,state,")
    code, _, err = run(REPO, "export", "--now", NOW, "--out", str(tmp_path / "out"))
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "clocks.ndjson",
        "events.ndjson",
        "incidents.ndjson",
    ]
    (tmp_path / "file").write_text("")
    code, _, err = run(REPO, "export", "--now", NOW, "--out", str(tmp_path / "file"))
    assert code == 2 and "--out" in err


def test_priority_without_target_is_warned_and_counted(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    path = repo / "incidents/2026/INC-2026-0004.yaml"
    path.write_text(path.read_text().replace("priority: P4", "priority: P9"))
    code, out, err = run(repo, "kpi", "--now", NOW, "--format", "json", "--by", "priority")
    assert code == 0
    assert "INC-2026-0004: no SLA target for priority P9; its SLA figures are left out" in err
    groups = {g["key"]: g for g in json.loads(out)["groups"]}
    assert groups["P9"]["count"] == 1 and groups["P9"]["open_count"] == 1
    assert groups["P4"]["count"] == 1  # F only


def test_grouped_by_the_priority_in_force_at_now(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    path = repo / "incidents/2026/INC-2026-0005.yaml"
    entry = (
        "  - {at: 2026-11-20T10:05:00+00:00, by: erin, kind: priority, from: P3, to: P2,"
        " impact: medium, urgency: high}\n"
    )
    text = path.read_text()
    marker = "  - {at: 2026-11-20T10:10:00+00:00"
    path.write_text(text.replace(marker, entry + marker))
    before = kpi_json(repo, "--by", "priority", "--now", "2026-11-20T10:04:00+00:00")
    assert {g["key"]: g["count"] for g in before["groups"]}["P3"] == 2  # B and E, still P3
    after = {g["key"]: g for g in kpi_json(repo, "--by", "priority")["groups"]}
    assert after["P2"]["count"] == 3 and after["P3"]["count"] == 1
    # E, acknowledged after 10 m, is now measured against P2's 30 m: met, as A (20 m), G (5 m)
    assert after["P2"]["respond_met_rate"] == 1.0
