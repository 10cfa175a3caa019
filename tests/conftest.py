"""Shared fixtures: a copy of the small, valid base repository."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ROUNDTRIP = sorted((FIXTURES / "roundtrip").glob("*.yaml"))


@pytest.fixture
def base_repo(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/base, which validates clean at NOW."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", root)
    return root


@pytest.fixture
def roundtrip_repo(base_repo: Path) -> Path:
    """The base repository plus the hand-formatted records of tests/fixtures/roundtrip."""
    for path in ROUNDTRIP:
        shutil.copy(path, base_repo / "incidents/2026" / path.name)
    return base_repo


@pytest.fixture
def incident_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The incident files a test makes the parent process read (parse or rebuild)."""
    from incidentctl.store.repo import Repository

    seen: list[str] = []
    original = Repository.read_incident

    def spy(self: Repository, rel: str, parsed: object = None) -> object:
        seen.append(rel)
        return original(self, rel, parsed)  # type: ignore[arg-type]

    monkeypatch.setattr(Repository, "read_incident", spy)
    return seen


EXAMPLE = Path(__file__).parents[1]  # the repository's own example incidents


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example repository, with the index used whatever its size."""
    root = tmp_path / "example"
    for name in ("incidents", "policies", "kb"):
        shutil.copytree(EXAMPLE / name, root / name)
    if (EXAMPLE / "incidentctl.yaml").exists():
        shutil.copy(EXAMPLE / "incidentctl.yaml", root)
    monkeypatch.setattr("incidentctl.store.repo.CACHE_AFTER", 0)
    return root


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the walks of the incident folders."""
    from incidentctl.store import incidentfiles

    count: list[int] = []
    original = incidentfiles._scan

    def counting(*args: object) -> object:
        count.append(1)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(incidentfiles, "_scan", counting)
    return count
