"""``validate --base`` asks git only about the changed paths, never for the whole base tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentctl.store import git
from incidentctl.store.changeset import load_changes
from tests.gitrepo import GitRepo, git_env, incident_text  # noqa: F401

pytestmark = pytest.mark.usefixtures("git_env")


def test_the_base_tree_is_asked_only_about_added_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.write("incidents/2025/INC-2025-0007.yaml", incident_text("INC-2025-0007"))
    repo.write("incidents/2026/INC-2026-0051.yaml", incident_text("INC-2026-0051"))
    repo.commit("main's records")
    repo.git("switch", "--quiet", "-c", "work", "HEAD~1")
    repo.write("incidents/2026/INC-2026-0051.yaml", incident_text("INC-2026-0051"))
    repo.write("incidents/2026/INC-2026-0060.yaml", incident_text("INC-2026-0060"))
    repo.commit("mine")
    listed: list[str] = []
    original = git.tree_names

    def recording(root: Path, rev: str, folder: str) -> list[str]:
        listed.append(folder)
        return original(root, rev, folder)

    monkeypatch.setattr(git, "tree_names", recording)
    changes = load_changes(repo.root, "main", include_uncommitted=False, max_bytes=1 << 20)
    # only the year folder of the taken ID is listed (for the next free number)
    assert listed == ["incidents/2026"]
    assert changes.ref_ids["INC-2026-0051"] == "incidents/2026/INC-2026-0051.yaml"
    assert "INC-2026-0060" not in changes.ref_ids
    assert "INC-2025-0007" not in changes.ref_ids


def test_nothing_added_lists_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo.create(tmp_path / "repo")
    repo.git("switch", "--quiet", "-c", "work")
    repo.replace("incidents/2026/INC-2026-0042.yaml", "assignee: erin", "assignee: hiro")
    repo.commit("edit")
    monkeypatch.setattr(git, "tree_names", None)  # any call fails
    monkeypatch.setattr(git, "tree_entries", None)
    changes = load_changes(repo.root, "main", include_uncommitted=False, max_bytes=1 << 20)
    assert changes.ref_ids == {}
    assert [c.rel for c in changes.incidents] == ["incidents/2026/INC-2026-0042.yaml"]
