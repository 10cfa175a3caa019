"""The cold parse on worker processes gives exactly what the sequential parse gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from incidentctl.model.incident import Incident
from incidentctl.store import parallel
from incidentctl.store.repo import load_repository

INC = "incidents/2026/INC-2026-0042.yaml"


def _outcome(root: Path, use_cache: bool = True) -> tuple[list[str], list[str]]:
    repo = load_repository(root, use_cache=use_cache)
    records = repo.load_incidents()
    dumped = [r.model.model_dump_json() + r.source.text for r in records]
    return dumped, sorted(f"{d.code}@{d.path}:{d.line}" for d in repo.diagnostics)


def _copies(root: Path, end: int) -> str:
    """Copies of INC-2026-0042 numbered 43 up to ``end``, 47 broken; its path."""
    text = (root / INC).read_text()
    for n in range(43, end):
        other = f"INC-2026-00{n}"
        (root / f"incidents/2026/{other}.yaml").write_text(text.replace("INC-2026-0042", other))
    broken = root / "incidents/2026/INC-2026-0047.yaml"
    broken.write_text(broken.read_text().replace("channel: portal", "chanel: portal"))
    return broken.relative_to(root).as_posix()


def test_workers_agree_with_the_sequential_parse(
    base_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copies(base_repo, 50)
    sequential = _outcome(base_repo, use_cache=False)
    used: list[int] = []
    original = parallel._stream

    def counting(*args: object) -> object:
        used.append(1)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "PARALLEL_AFTER", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    monkeypatch.setattr(parallel, "_stream", counting)
    assert _outcome(base_repo) == sequential  # cold: nothing cached yet
    assert used == [1]
    assert _outcome(base_repo) == sequential  # and what the workers cached is right
    assert len(sequential[0]) == 7 and "SCH002@incidents/2026/INC-2026-0047.yaml:7" in sequential[1]


def test_a_warm_run_does_not_start_workers(
    base_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _outcome(base_repo)  # fills the cache
    monkeypatch.setattr(parallel, "PARALLEL_AFTER", 0)
    monkeypatch.setattr(parallel, "_stream", None)  # any use fails
    assert len(_outcome(base_repo)[0]) == 1


def test_without_worker_processes_the_parent_parses(
    base_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sequential = _outcome(base_repo, use_cache=False)

    def refuse(*_: object, **__: object) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(parallel, "PARALLEL_AFTER", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", refuse)
    assert _outcome(base_repo) == sequential


def test_a_cold_run_for_other_statuses_notes_the_rest_without_rebuilding_it(
    base_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_rel = _copies(base_repo, 49)  # of a resolved record
    sequential = _outcome(base_repo, use_cache=False)
    monkeypatch.setattr(parallel, "PARALLEL_AFTER", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    monkeypatch.setattr("incidentctl.store.repo.CACHE_AFTER", 0)
    rebuilt: list[str] = []
    real = Incident.model_validate_json

    def spy(data: str, **kwargs: object) -> Incident:
        rebuilt.append(data)
        return real(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Incident, "model_validate_json", spy)
    repo = load_repository(base_repo, use_cache=True)
    found = list(repo.iter_incidents(repo.incident_paths(), {"new", "in_progress"}))
    # the clean resolved records were noted, not yielded; the broken one is yielded
    assert [(rel, record) for rel, record, _ in found] == [(broken_rel, None)]
    assert rebuilt == []
    repo.save_seen()
    # the index knows their status: a later run for open records reads only the broken one
    assert load_repository(base_repo, use_cache=True).incident_paths_with({"new"}) == [broken_rel]
    monkeypatch.undo()
    assert _outcome(base_repo) == sequential  # the index and the cached records are right
    # asked for their status, the same files are all yielded
    monkeypatch.setattr(parallel, "PARALLEL_AFTER", 0)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    shutil.rmtree(base_repo / ".incidentctl-cache")
    repo = load_repository(base_repo, use_cache=True)
    assert len(list(repo.iter_incidents(repo.incident_paths(), {"resolved"}))) == 7
