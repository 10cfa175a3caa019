"""Scripted histories for the audit: a repository whose every commit has a fixed date."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from incidentctl.cli import main
from tests.gitrepo import GIT_ENV, GitRepo, incident_text

REC = "incidents/2026/INC-2026-0050.yaml"
OLD = "incidents/2026/INC-2026-0042.yaml"
REPORTED = "2026-11-22T09:30:00+00:00"


def step(at: str, frm: str, to: str, extra: str = "") -> str:
    """One status entry of the timeline, as a flow mapping line."""
    return f"  - {{at: {at}, by: bob, kind: status, from: {frm}, to: {to}{extra}}}\n"


class History:
    """A git repository and a clock: each commit is dated by ``at``."""

    def __init__(self, repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
        self.repo = repo
        self.mp = monkeypatch

    @property
    def root(self) -> Path:
        return self.repo.root

    def at(self, when: str) -> None:
        self.mp.setenv("GIT_AUTHOR_DATE", when)
        self.mp.setenv("GIT_COMMITTER_DATE", when)

    def commit(self, message: str, when: str) -> str:
        self.at(when)
        return self.repo.commit(message)

    def git(self, *args: str) -> str:
        return self.repo.git(*args)

    def open_record(self, when: str = "2026-11-22T09:35:00+00:00") -> str:
        """Add INC-2026-0050 in new, reported at REPORTED, in a direct commit."""
        self.repo.write(REC, incident_text(reported_at=REPORTED))
        return self.commit("Open INC-2026-0050", when)

    def set_status(self, status: str, entries: str) -> None:
        """Set the record's status field and append timeline lines."""
        text = self.repo.read(REC)
        current = next(line for line in text.splitlines() if line.startswith("status: "))
        self.repo.write(REC, text.replace(current, f"status: {status}") + entries)

    def merge(self, branch: str, number: int, when: str) -> str:
        """Merge ``branch`` into main with a merge commit, as GitHub names it."""
        self.at(when)
        self.git("switch", "--quiet", "main")
        self.git(
            "merge",
            "--quiet",
            "--no-ff",
            "-m",
            f"Merge pull request #{number} from acme/{branch}",
            branch,
        )
        return self.git("rev-parse", "HEAD")

    def squash(self, branch: str, title: str, number: int, when: str) -> str:
        """Squash-merge ``branch`` into main, as GitHub's squash button does."""
        self.at(when)
        self.git("switch", "--quiet", "main")
        self.git("merge", "--quiet", "--squash", branch)
        return self.commit(f"{title} (#{number})", when)

    def config(self, text: str) -> None:
        self.repo.write("incidentctl.yaml", text)


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[History]:
    """The base fixture committed on main at 2026-11-22T09:00Z (INC-2026-0042 back-filled)."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_ACTOR", raising=False)
    h = History.__new__(History)
    h.mp = monkeypatch
    h.at("2026-11-22T09:00:00+00:00")
    h.repo = GitRepo.create(tmp_path / "repo")
    yield h


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--repo", str(root), *args], catch_exceptions=False)


def audit_json(root: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    """Exit code and findings of ``audit --format json``."""
    result = run(root, "audit", "--format", "json", *args)
    assert result.stdout.startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def codes(findings: list[dict[str, object]]) -> list[str]:
    """``CODE@path`` of each finding, sorted."""
    return sorted(f"{f['code']}@{f['path']}" for f in findings)
