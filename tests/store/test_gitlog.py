"""store/gitlog.py: the one-pass log reader and the streaming blob reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from incidentctl.store import git, gitlog
from tests.gitrepo import GitRepo, git_env  # noqa: F401

pytestmark = pytest.mark.usefixtures("git_env")
INC = "incidents/2026/INC-2026-0042.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo.create(tmp_path / "repo")


def test_log_reads_commits_changes_subjects_and_trailers(repo: GitRepo) -> None:
    repo.write("notes.txt", "not an incident\n")
    repo.replace(INC, "assignee: erin", "assignee: frank")
    message = (
        "Odd subject: tabs\tand \u00e9 (#41)\n\nBody.\n\n"
        "Incident-Correction: first reason\nIncident-Correction: second reason"
    )
    sha = repo.commit(message)
    commits = gitlog.log(repo.root, ["HEAD"], ["incidents"])
    assert len(commits) == 2
    first, last = commits
    assert first.parents == () and [c.status for c in first.changes] == ["A"]
    assert last.sha == sha and last.parents == (first.sha,)
    assert last.subject == "Odd subject: tabs\tand \u00e9 (#41)"
    assert last.pull_request == 41
    assert last.corrections == ("first reason", "second reason")
    assert last.signature == "?"
    assert [(c.status, c.path) for c in last.changes] == [("M", INC)]
    blob = git._run(repo.root, ["rev-parse", f"HEAD:{INC}"]).stdout.decode().strip()
    assert last.changes[0].new_blob == blob


def test_stream_blobs_in_order_with_missing_ones(repo: GitRepo) -> None:
    shas = [
        git._run(repo.root, ["rev-parse", f"HEAD:{p}"]).stdout.decode().strip()
        for p in (INC, "policies/sla.yaml")
    ]
    got = list(gitlog.stream_blobs(repo.root, [shas[1], "0" * 40, shas[0], shas[1]]))
    assert got[0] == (repo.root / "policies/sla.yaml").read_bytes()
    assert got[1] is None
    assert got[2] == (repo.root / INC).read_bytes()
    assert got[3] == got[0]
    assert list(gitlog.stream_blobs(repo.root, [])) == []


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60))
def test_pull_request_numbers_only_from_github_style_subjects(subject: str) -> None:
    assume(not subject.startswith("Merge pull request #"))
    commit = gitlog.Commit("a", (), "", "", "", "", "", "", "N", subject, ())
    assert commit.pull_request is None or "#" in subject
    named = gitlog.Commit("a", (), "", "", "", "", "", "", "N", f"{subject} (#12)", ())
    assert named.pull_request == 12


def test_control_characters_in_subjects_and_paths_cannot_forge_commits(repo: GitRepo) -> None:
    fake = "\x1e" + "f" * 40 + "\x1f\x1f"
    repo.write(":colon\nname.txt", "a file whose name looks like a raw entry\n")
    repo.replace(INC, "assignee: erin", "assignee: frank")
    sha = repo.commit(f"Subject {fake} with separators")
    repo.commit("Empty commit")
    commits = gitlog.log(repo.root, ["HEAD"], [])
    assert [c.subject for c in commits][1:] == [f"Subject {fake} with separators", "Empty commit"]
    forged = commits[1]
    assert forged.sha == sha
    assert sorted(c.path for c in forged.changes) == [":colon\nname.txt", INC]
    assert commits[2].changes == ()
    streamed = list(gitlog.iter_log(repo.root, ["HEAD"]))
    assert streamed == commits
