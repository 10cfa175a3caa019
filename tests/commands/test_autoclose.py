"""`incidentctl autoclose` on a real git repository: who is closed, who is kept, and how."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.store import yamlread
from tests.gitrepo import GitRepo, git_env, incident_text  # noqa: F401

NOW = "2026-11-27T12:00:00+00:00"
RESOLUTION = "resolution:\n  code: workaround\n  summary: Restarted the job.\n  resolved_by: erin\n"


def resolved(incident_id: str, resolved_at: str, *, extra: str = "", closed_at: str = "") -> str:
    """A P3 payroll incident reported on 2026-11-20 and resolved at ``resolved_at``."""
    entries = (
        "  - {at: 2026-11-20T09:10:00+00:00, by: erin, kind: status, from: new, to: in_progress}\n"
        f"  - {{at: {resolved_at}, by: erin, kind: status, from: in_progress, to: resolved}}\n"
    )
    if closed_at:
        entries += f"  - {{at: {closed_at}, by: erin, kind: status, from: resolved, to: closed}}\n"
    status = "closed" if closed_at else "resolved"
    return incident_text(incident_id, status=status, extra=extra + RESOLUTION, entries=entries)


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> GitRepo:  # noqa: F811
    """The base repository with one incident in each case autoclose distinguishes."""
    repo = GitRepo.create(tmp_path / "repo")
    repo.write(
        "incidents/2026/INC-2026-0050.yaml", resolved("INC-2026-0050", "2026-11-21T10:00:00+00:00")
    )
    repo.write(
        "incidents/2026/INC-2026-0051.yaml", resolved("INC-2026-0051", "2026-11-26T10:00:00+00:00")
    )
    repo.write(
        "incidents/2026/INC-2026-0052.yaml",
        resolved("INC-2026-0052", "2026-11-21T10:00:00+00:00", extra="major: true\n").replace(
            "impact: medium\nurgency: medium\npriority: P3",
            "impact: high\nurgency: high\npriority: P1",
        ),
    )
    repo.write(
        "incidents/2026/INC-2026-0053.yaml",
        resolved(
            "INC-2026-0053", "2026-11-21T10:00:00+00:00", closed_at="2026-11-22T10:00:00+00:00"
        ),
    )
    repo.commit("four incidents")
    code, out, _ = cli(repo, "validate", "--now", NOW)
    assert (code, out.splitlines()[-1]) == (0, "10 files checked: no problems")
    return repo


def cli(repo: GitRepo, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--repo", str(repo.root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def status(repo: GitRepo, incident_id: str) -> str:
    return str(yamlread.load(repo.read(f"incidents/2026/{incident_id}.yaml"))["status"])


def test_only_what_is_due_is_closed(repo: GitRepo) -> None:
    before = repo.read("incidents/2026/INC-2026-0050.yaml")
    code, out, _ = cli(repo, "autoclose", "--now", NOW)
    assert code == 0
    assert out == (
        "INC-2026-0042: closed: resolved 6d1h30m ago\n"
        "INC-2026-0050: closed: resolved 6d2h ago\n"
        "INC-2026-0051: kept resolved: resolved 1d2h ago; closes after 3d\n"
        "INC-2026-0052: kept resolved: a major incident: closed by a person after the review\n"
        "2 of 4 resolved incidents closed\n"
    )
    assert [status(repo, f"INC-2026-00{n}") for n in (50, 51, 52, 53)] == [
        "closed",
        "resolved",
        "resolved",
        "closed",
    ]
    after = repo.read("incidents/2026/INC-2026-0050.yaml")
    assert after == before.replace("status: resolved", "status: closed") + (
        "  - {at: 2026-11-27T12:00:00+00:00, by: incidentctl-autoclose, kind: status,"
        " from: resolved, to: closed}\n"
    )
    assert cli(repo, "validate", "--now", NOW)[0] == 0
    assert "M incidents/2026/INC-2026-0053.yaml" not in repo.git("status", "--short")


def test_the_close_is_one_appended_status_entry(repo: GitRepo) -> None:
    cli(repo, "autoclose", "--now", NOW)
    data = yamlread.load(repo.read("incidents/2026/INC-2026-0050.yaml"))
    old = yamlread.load(repo.git("show", "HEAD:incidents/2026/INC-2026-0050.yaml"))
    assert data["timeline"][:-1] == old["timeline"]
    assert data["timeline"][-1]["by"] == "incidentctl-autoclose"
    assert (data["timeline"][-1]["from"], data["timeline"][-1]["to"]) == ("resolved", "closed")
    assert {k: v for k, v in data.items() if k not in ("status", "timeline")} == {
        k: v for k, v in old.items() if k not in ("status", "timeline")
    }


def test_the_boundary_is_exactly_auto_close_after(repo: GitRepo) -> None:
    _, out, _ = cli(repo, "autoclose", "--dry-run", "--now", "2026-11-29T09:59:59+00:00")
    assert "INC-2026-0051: kept resolved" in out
    _, out, _ = cli(repo, "autoclose", "--dry-run", "--now", "2026-11-29T10:00:00+00:00")
    assert "INC-2026-0051: would close: resolved 3d ago" in out


def test_dry_run_writes_nothing(repo: GitRepo) -> None:
    code, out, _ = cli(repo, "autoclose", "--dry-run", "--now", NOW)
    assert code == 0 and out.endswith("2 of 4 resolved incidents would close\n")
    assert repo.git("status", "--porcelain") == ""


def test_an_open_survey_window_keeps_the_incident_resolved(repo: GitRepo) -> None:
    sla = repo.read("policies/sla.yaml")
    repo.write("policies/sla.yaml", sla + "survey_window: 240h\n")
    surveyed = (
        resolved("INC-2026-0054", "2026-11-21T10:00:00+00:00").replace(
            "resolution:",
            "satisfaction: {score: 5, at: 2026-11-22T08:00:00+00:00}\nresolution:",
        )
        + "  - {at: 2026-11-22T08:00:00+00:00, by: dana@example.com, kind: survey, score: 5}\n"
    )
    repo.write("incidents/2026/INC-2026-0054.yaml", surveyed)
    _, out, _ = cli(repo, "autoclose", "--now", NOW)
    assert "INC-2026-0050: kept resolved: survey window open (10d after resolution)" in out
    assert "INC-2026-0054: closed" in out  # the caller answered: nothing to wait for
    assert status(repo, "INC-2026-0054") == "closed" and status(repo, "INC-2026-0050") == "resolved"


def test_branch_and_push_make_one_commit_for_a_pull_request(repo: GitRepo, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "--quiet", "--bare", str(tmp_path / "origin.git")], check=True)
    repo.git("remote", "add", "origin", str(tmp_path / "origin.git"))
    code, out, _ = cli(repo, "autoclose", "--now", NOW, "--branch", "autoclose/1", "--push")
    assert code == 0
    assert "committed" in out and out.endswith(
        "pushed autoclose/1 to origin; open a pull request from it\n"
    )
    assert repo.git("log", "-1", "--format=%s", "origin/autoclose/1") == (
        "autoclose: close INC-2026-0042, INC-2026-0050"
    )
    changed = repo.git("diff", "--name-only", "main", "autoclose/1").splitlines()
    assert changed == ["incidents/2026/INC-2026-0042.yaml", "incidents/2026/INC-2026-0050.yaml"]
    assert repo.git("status", "--porcelain") == ""


def test_nothing_due_creates_no_branch(repo: GitRepo) -> None:
    code, out, _ = cli(repo, "autoclose", "--now", "2026-11-22T12:00:00+00:00", "--branch", "ac")
    assert code == 0 and out.endswith("0 of 4 resolved incidents closed\n")
    assert "INC-2026-0051: kept resolved: resolved after --now" in out
    assert repo.git("branch", "--list", "ac") == ""


def test_push_needs_a_branch(repo: GitRepo) -> None:
    code, _, err = cli(repo, "autoclose", "--push", "--now", NOW)
    assert code == 2 and "--push needs --branch NAME" in err
