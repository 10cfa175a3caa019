"""A cold kpi over many files: facts from worker processes, or (one core) from the record index."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from incidentctl.commands.kpi import kpi_facts, kpi_policies
from incidentctl.kpi import collect, parallel
from incidentctl.store import parallel as workers
from incidentctl.store.repo import load_repository
from tests.kpi.helpers import NOW
from tests.kpi.test_collect import A, computed, fresh, repo, rows, run

__all__ = ["computed", "repo"]  # fixtures


@pytest.fixture
def many(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Any number of files counts as many, on two worker processes; yields chunk sizes."""
    monkeypatch.setattr(collect, "PARALLEL_AFTER", 0)
    monkeypatch.setattr(workers, "PARALLEL_AFTER", 0)
    monkeypatch.setattr(workers, "workers", lambda: 2)
    chunks: list[int] = []
    real = workers._stream

    def counting(work, rels, *args):  # type: ignore[no-untyped-def]
        if work is parallel._chunk:  # the facts' workers, not a load's
            chunks.append(len(rels))
        return real(work, rels, *args)

    monkeypatch.setattr(workers, "_stream", counting)
    yield chunks


def test_workers_compute_what_the_parent_would(
    repo: Path, many: list[int], computed: list[str]
) -> None:
    assert run(repo) == fresh(repo)
    assert many == [8]  # every file went to the workers
    assert computed == []  # and the parent computed none
    assert len(rows(repo)) == 7  # the settled ones are kept
    assert run(repo) == fresh(repo)
    assert many == [8, 1]  # warm: only the one reported after now is computed again


def test_a_file_with_a_finding_is_read_by_the_parent(
    repo: Path, many: list[int], computed: list[str]
) -> None:
    path = repo / A
    path.write_text(path.read_text().replace("channel: portal", "chanel: portal"))
    loaded = load_repository(repo, use_cache=True)
    err = io.StringIO()
    found = kpi_facts(loaded, kpi_policies(loaded), NOW, err)
    assert many == [8]
    assert f"skipped {A}: not a valid incident record (line 1" in err.getvalue()
    assert found == [f for f in fresh(repo) if f.id != "INC-2026-0001"]


def test_with_a_record_index_workers_still_parse(
    repo: Path, many: list[int], computed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("incidentctl.store.repo.CACHE_AFTER", 0)
    load_repository(repo, use_cache=True).load_incidents()  # fills the record index
    computed.clear()
    assert run(repo) == fresh(repo)
    assert many == [8]  # on two cores, parsing costs less than rebuilding here
    assert computed == []
    assert len(rows(repo)) == 7


def test_on_one_core_records_are_rebuilt_from_the_record_index(
    repo: Path, many: list[int], computed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("incidentctl.store.repo.CACHE_AFTER", 0)
    monkeypatch.setattr(workers, "workers", lambda: 1)
    load_repository(repo, use_cache=True).load_incidents()  # fills the record index
    computed.clear()
    rebuilt: list[str] = []
    real = collect._from_record_index

    def spy(repo, pol, now, cache, missing, found):  # type: ignore[no-untyped-def]
        rebuilt.extend(rel for _, rel, _ in missing)
        return real(repo, pol, now, cache, missing, found)

    monkeypatch.setattr(collect, "_from_record_index", spy)
    assert run(repo) == fresh(repo)
    assert many == []  # no worker
    assert len(rebuilt) == 8  # each record rebuilt from the index, not parsed
    assert len(computed) == 8
    assert len(rows(repo)) == 7
