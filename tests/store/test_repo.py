"""store/repo.py: a fresh clone with the index restored, against real git clones."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.store.cache import CACHE_DIR
from tests.gitrepo import GIT_ENV, GitRepo, git_env  # noqa: F401

pytestmark = pytest.mark.usefixtures("git_env")
EXAMPLE = Path(__file__).parents[2]  # the repository's own example incidents
NOW = "2026-11-23T12:00:00+00:00"
COMMANDS = (
    ["validate"],
    ["list", "--format", "json"],
    ["sla", "status", "--all", "--format", "json"],
)


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--repo", str(root), *args, "--now", NOW])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of the example repository with the index of the original restored (as
    the workflows do with actions/cache): every file has a new stat."""
    origin = tmp_path / "origin"
    origin.mkdir()
    for name in ("incidents", "policies", "kb", "incidentctl.yaml"):
        source = EXAMPLE / name
        if source.is_dir():
            shutil.copytree(source, origin / name)
        elif source.exists():
            shutil.copy(source, origin / name)
    (origin / ".gitignore").write_text(f"{CACHE_DIR}/\n")
    repo = _init(origin)
    monkeypatch.setattr("incidentctl.store.repo.CACHE_AFTER", 0)
    for command in COMMANDS:  # the index of the original: verdicts, list fields, plans
        assert cli(repo.root, *command)[0] == 0
    target = tmp_path / "clone"
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "clone", "--quiet", str(origin), str(target)], check=True, env=env)
    shutil.copytree(origin / CACHE_DIR, target / CACHE_DIR)
    return target


def _init(root: Path) -> GitRepo:
    repo = GitRepo(root)
    repo.git("init", "--quiet", "-b", "main")
    repo.commit("initial")
    return repo


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the parent had hashed (read in full) to renew their index entries."""
    from incidentctl.store import repo

    seen: list[str] = []
    original = repo.hash_files

    def spy(root: Path, rels: list[str], limit: int) -> object:
        seen.extend(rels)
        return original(root, rels, limit)

    monkeypatch.setattr(repo, "hash_files", spy)
    return seen


def _without_index(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str, str]]:
    """What each command gives without the index; then git is asked however few the
    files (500 or more otherwise)."""
    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    expected = [cli(root, *c) for c in COMMANDS]
    monkeypatch.delenv("INCIDENTCTL_NO_CACHE")
    monkeypatch.setattr("incidentctl.store.repo.GIT_RENEW_AFTER", 0)
    return expected


def test_a_fresh_clone_with_the_index_restored_reads_no_file(
    clone: Path,
    monkeypatch: pytest.MonkeyPatch,
    hashed: list[str],
    incident_reads: list[str],
) -> None:
    """git knows which files are as checked out, and their blob IDs are the digests
    the index keeps: no file is read or hashed, and every output is what a run
    without the index gives. The entries renewed by ``validate`` keep the ``list``
    fields it does not read."""
    expected = _without_index(clone, monkeypatch)
    incident_reads.clear()
    assert [cli(clone, *c) for c in COMMANDS] == expected
    assert hashed == []
    assert incident_reads == []


def test_a_file_changed_after_the_clone_is_read(
    clone: Path,
    monkeypatch: pytest.MonkeyPatch,
    hashed: list[str],
    incident_reads: list[str],
) -> None:
    edited = sorted((clone / "incidents").rglob("*.yaml"))[0]
    rel = str(edited.relative_to(clone))
    edited.write_text(edited.read_text().replace("\ntitle: ", "\ntitle: Now "))
    expected = _without_index(clone, monkeypatch)
    incident_reads.clear()
    assert [cli(clone, *c) for c in COMMANDS] == expected
    assert "Now " in expected[1][1]
    assert hashed == [rel]  # git finds it changed; its text is not the indexed one
    assert set(incident_reads) == {rel}  # and read: no other file
    incident_reads.clear()
    assert [cli(clone, *c) for c in COMMANDS] == expected
    assert incident_reads == []  # each command kept what it derived from the new text


def test_below_the_threshold_files_are_hashed_as_before(
    clone: Path, hashed: list[str], incident_reads: list[str]
) -> None:
    assert cli(clone, "validate")[0] == 0
    assert len(hashed) == len(list((clone / "incidents").rglob("*.yaml")))
    assert incident_reads == []
