"""store/notes.py: the digest of the records and the notes of the audit points."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentctl.store import notes
from tests.gitrepo import GitRepo, git_env  # noqa: F401

pytestmark = pytest.mark.usefixtures("git_env")
INC = "incidents/2026/INC-2026-0042.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo.create(tmp_path / "repo")


def test_digest_follows_the_records_only(repo: GitRepo) -> None:
    first, count = notes.tree_digest(repo.root, "HEAD", "incidents")
    assert count == 1 and first.startswith("sha256:")
    repo.write("kb/README.md", "not a record\n")
    repo.commit("docs")
    assert notes.tree_digest(repo.root, "HEAD", "incidents")[0] == first
    repo.replace(INC, "assignee: erin", "assignee: frank")
    repo.commit("reassign")
    assert notes.tree_digest(repo.root, "HEAD", "incidents")[0] != first


def test_notes_round_trip_and_foreign_notes_are_skipped(repo: GitRepo) -> None:
    head = repo.git("rev-parse", "HEAD")
    assert notes.read_notes(repo.root) == {}
    notes.add_note(repo.root, head, {"tool": "incidentctl audit", "n": 1})
    assert notes.read_notes(repo.root) == {head: {"tool": "incidentctl audit", "n": 1}}
    repo.git("notes", "--ref=incidentctl", "add", "-f", "-m", "not json", head)
    assert notes.read_notes(repo.root) == {}


def test_ancestry_and_missing_commits(repo: GitRepo) -> None:
    first = repo.git("rev-parse", "HEAD")
    second = repo.commit("second")
    assert notes.ancestors(repo.root, second) == {first, second}
    assert notes.missing_commits(repo.root, second, first) == [second]
    assert notes.missing_commits(repo.root, "f" * 40, first) is None
