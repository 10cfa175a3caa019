"""Incident files found by name agree with the full walk, and one-record commands never walk."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentctl.cli import main
from incidentctl.diagnostics import Diagnostic
from incidentctl.store.incidentfiles import INCIDENT_PATH, IncidentFiles, is_incident_path
from incidentctl.store.repo import load_repository

NOW = "2026-11-23T12:00:00+00:00"
INC = "incidents/2026/INC-2026-0042.yaml"
IDS = ["INC-2025-0001", "INC-2026-0001", "INC-2026-0042", "INC-2026-12345"]
# where a file may sit: year folders, a nested folder, the top level, a hidden folder
FOLDERS = ["2025", "2026", "2026/old", "", ".trash", "misc"]
NAMES = [*(f"{i}.yaml" for i in IDS), "notes.txt", ".hidden.yaml", "INC-2026-0001.yml"]


def _build(root: Path, files: set[tuple[str, str]]) -> None:
    for folder, name in files:
        path = root / "incidents" / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")


@settings(max_examples=60, deadline=None)
@given(st.sets(st.tuples(st.sampled_from(FOLDERS), st.sampled_from(NAMES)), max_size=12))
def test_a_look_up_by_name_agrees_with_the_walk(files: set[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _build(root, files)
        walked = IncidentFiles(root, []).walk()
        by_name = IncidentFiles(root, [])
        for incident_id in [*IDS, "INC-2026-9999", "not-an-id", "../x"]:
            assert by_name.get(incident_id) == walked.get(incident_id)
            assert (incident_id in by_name) == (incident_id in walked)
        for year in (2025, 2026, 2027):
            expected = {i for i, rels in walked.items() if any(f"/{year}/" in r for r in rels)}
            assert set(by_name.in_year(year)) == expected
        assert by_name._all is None  # none of that walked the folders
        assert dict(by_name) == walked


def test_the_walk_reports_misplaced_files_once_it_happens(base_repo: Path) -> None:
    (base_repo / "incidents/2026/notes.txt").write_text("x\n")
    diagnostics: list[Diagnostic] = []
    files = IncidentFiles(base_repo, diagnostics)
    assert "INC-2026-0042" in files and diagnostics == []
    assert len(files) == 1
    assert [(d.code, d.path) for d in diagnostics] == [("FIL012", "incidents/2026/notes.txt")]


@pytest.fixture
def no_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any walk of the incident folders, or read of the whole record cache, fails the test."""

    def refuse(*_: object) -> None:
        raise AssertionError("a one-record command walked every incident file")

    monkeypatch.setattr("incidentctl.store.incidentfiles._scan", refuse)
    monkeypatch.setattr("incidentctl.store.cache.RecordCache.open", refuse)


def _run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--repo", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.usefixtures("no_walk")
def test_one_record_commands_look_up_by_name(base_repo: Path) -> None:
    assert _run(base_repo, "validate", str(base_repo / INC), "--now", NOW) == (
        0,
        "1 file checked: no problems\n",
    )
    code, out = _run(base_repo, "show", "INC-2026-0042", "--now", NOW)
    assert code == 0 and "INC-2026-0042" in out
    code, out = _run(base_repo, "note", "INC-2026-0042", "--text", "hi", "--by", "bob")
    assert code == 0, out
    assert "text: hi" in (base_repo / INC).read_text()


@pytest.mark.usefixtures("no_walk")
def test_a_duplicate_of_the_checked_file_is_found_by_name(base_repo: Path) -> None:
    other = base_repo / "incidents/2025/INC-2026-0042.yaml"
    other.parent.mkdir()
    other.write_text((base_repo / INC).read_text())
    code, out = _run(
        base_repo, "validate", str(base_repo / INC), "--now", NOW, "--format", "github"
    )
    assert code == 1 and "INC003" in out and "incidents/2026/INC-2026-0042.yaml" in out


@pytest.mark.usefixtures("no_walk")
def test_a_misplaced_file_given_alone_is_still_reported(base_repo: Path) -> None:
    stray = base_repo / "incidents/2026/INC-2026-0042.yml"
    stray.write_text("x: 1\n")
    code, out = _run(base_repo, "validate", str(stray), "--now", NOW)
    assert code == 1 and "FIL012" in out


def test_the_cache_is_read_only_for_many_records(base_repo: Path) -> None:
    repo = load_repository(base_repo, use_cache=True)
    repo.load_incidents([INC])
    assert not repo.cache.is_open  # one record: parsed, the cache file left alone
    repo.load_incidents()
    assert repo.cache.is_open


@pytest.mark.parametrize(
    "rel",
    [
        "incidents/2026/INC-2026-0042.yaml",
        "incidents/2026/INC-2026-00421.yaml",
        "incidents/2026/INC-2026-042.yaml",
        "incidents/26/INC-2026-0042.yaml",
        "incidents/2026/x/INC-2026-0042.yaml",
        "incidents/2026/INC-2026-0042.yml",
        "kb/2026/INC-2026-0042.yaml",
        "incidents/2026/INC-2026-0042.yaml.bak",
    ],
)
def test_the_path_pattern_agrees_with_is_incident_path(rel: str) -> None:
    assert bool(INCIDENT_PATH.match(rel)) == is_incident_path(rel)
