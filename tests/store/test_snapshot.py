"""Reading the repository as committed at a revision, through git, without a checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentctl.store import git
from incidentctl.store.snapshot import load_snapshot
from tests.gitrepo import GitRepo, git_env  # noqa: F401
from tests.kpi.helpers import REPO

pytestmark = pytest.mark.usefixtures("git_env")


def test_snapshot_is_the_committed_bytes(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo", REPO)
    first = repo.git("rev-parse", "HEAD")
    repo.replace("kb/KB-0001-article-1.md", "title: Article 1", "title: Renamed")
    repo.write("incidents/2026/INC-2026-0009.yaml", "id: not committed\n")
    snap = load_snapshot(repo.root, "HEAD")
    assert snap.commit == first
    assert snap.kb_article("KB-0001").title == "Article 1"  # type: ignore[union-attr]
    assert "INC-2026-0009" not in snap.incident_files
    assert len(snap.load_incidents()) == 8
    assert snap.policies.complete and not snap.diagnostics


def test_a_broken_committed_file_is_a_diagnostic(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo", REPO)
    repo.write("incidents/2026/INC-2026-0004.yaml", "id: [\n")
    repo.commit("break D")
    snap = load_snapshot(repo.root, "HEAD")
    assert snap.load_incident("incidents/2026/INC-2026-0004.yaml") is None
    assert any(d.path == "incidents/2026/INC-2026-0004.yaml" for d in snap.diagnostics)


def test_read_objects_by_id(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "repo", REPO)
    oids = git.tree_blobs(repo.root, "HEAD", ["policies"])
    assert sorted(oids) == [
        f"policies/{n}.yaml" for n in ("categories", "priority", "services", "sla")
    ]
    missing = "0" * 40
    got = git.read_objects(repo.root, [oids["policies/sla.yaml"], missing])
    assert got[0] == (REPO / "policies/sla.yaml").read_bytes()
    assert got[1] is None
