"""KPI facts through the facts cache: the same facts as computed afresh, and never stale."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from incidentctl.commands.kpi import collect_facts, kpi_facts, kpi_policies
from incidentctl.kpi import cache, collect
from incidentctl.kpi.cache import DB_FILE
from incidentctl.kpi.facts import IncidentFacts
from incidentctl.store import cache as store_cache
from incidentctl.store.cache import CACHE_DIR, FileStat
from incidentctl.store.repo import load_repository
from tests.gitrepo import GIT_ENV
from tests.kpi.helpers import NOW, REPO

A = "incidents/2026/INC-2026-0001.yaml"  # closed
E = "incidents/2026/INC-2026-0005.yaml"  # on hold
H = "incidents/2026/INC-2026-0008.yaml"  # reported after NOW


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A writable copy of the hand-computed KPI fixture."""
    root = tmp_path / "repo"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".incidentctl-cache"))
    return root


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The IDs whose facts were computed (not served by the cache), run after run."""
    seen: list[str] = []
    real = collect.incident_facts

    def spy(incident, pol, now):  # type: ignore[no-untyped-def]
        seen.append(incident.id)
        return real(incident, pol, now)

    monkeypatch.setattr(collect, "incident_facts", spy)
    yield seen


def run(root: Path, now: datetime = NOW, *, use_cache: bool = True) -> list[IncidentFacts]:
    repo = load_repository(root, use_cache=use_cache)
    return kpi_facts(repo, kpi_policies(repo), now, io.StringIO())


def fresh(root: Path, now: datetime = NOW) -> list[IncidentFacts]:
    """The facts computed from the files, no cache at all (clocks left out, as kpi does)."""
    repo = load_repository(root)
    found = collect_facts(repo, kpi_policies(repo), now, io.StringIO())
    return [replace(f, clocks=()) for f in found]


def rows(root: Path) -> list[str]:
    db = sqlite3.connect(root / CACHE_DIR / DB_FILE)
    try:
        return [r for (r,) in db.execute("SELECT rel FROM facts ORDER BY rel")]
    finally:
        db.close()


def test_a_warm_run_computes_only_what_is_not_settled(repo: Path, computed: list[str]) -> None:
    first = run(repo)
    assert first == fresh(repo)
    assert len(computed) == 8
    # every incident settled by now is kept: closed, open and cancelled alike
    assert rows(repo) == [f"incidents/2026/INC-2026-000{n}.yaml" for n in range(1, 8)]
    computed.clear()
    assert run(repo) == first
    assert computed == ["INC-2026-0008"]  # reported after now: computed each run, left out


def test_a_warm_run_reads_the_snapshot_not_the_rows(
    repo: Path, computed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run(repo)
    assert run(repo) == first  # (the rows of files copied in the tick the run began: now)

    def no_rows(self: cache.FactsCache) -> None:
        raise AssertionError("the table's rows were read")

    monkeypatch.setattr(cache.FactsCache, "_load_rows", no_rows)
    computed.clear()
    assert run(repo) == first
    assert computed == ["INC-2026-0008"]
    path = repo / A
    path.write_text(path.read_text().replace("score: 5", "score: 3"))
    past = path.stat().st_mtime_ns - 5 * 10**9  # not racy: its new row is kept
    os.utime(path, ns=(past, past))
    computed.clear()
    after = run(repo)  # one file changed: its row no longer serves
    assert computed == ["INC-2026-0001", "INC-2026-0008"]
    assert after == fresh(repo)
    computed.clear()
    assert run(repo) == after  # its new row, in the snapshot written since
    assert computed == ["INC-2026-0008"]


def test_a_stat_past_64_bits_goes_the_usual_way(
    repo: Path, computed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run(repo)
    assert run(repo) == first

    def unpackable(stats: object) -> bytes:  # as an inode beyond 64 bits would be
        raise OverflowError("Python int too large to convert to C long")

    monkeypatch.setattr(store_cache, "pack_stats", unpackable)  # where the stats are packed
    computed.clear()
    assert run(repo) == first
    assert computed == ["INC-2026-0008"]  # the table's rows, one stat at a time


def test_now_before_a_records_last_entry_computes_it_afresh(
    repo: Path, computed: list[str]
) -> None:
    run(repo)
    computed.clear()
    earlier = NOW - timedelta(days=6)  # Nov 17 12:00: before C's closure, D's report, E's hold
    assert run(repo, earlier) == fresh(repo, earlier)
    served = {f"INC-2026-000{n}" for n in range(1, 9)} - set(computed)
    assert served == {"INC-2026-0001", "INC-2026-0002", "INC-2026-0006", "INC-2026-0007"}
    assert rows(repo) == [f"incidents/2026/INC-2026-000{n}.yaml" for n in range(1, 8)]


def test_an_edited_record_is_computed_again(repo: Path, computed: list[str]) -> None:
    run(repo)
    computed.clear()
    path = repo / A
    path.write_text(path.read_text().replace("score: 5", "score: 3"))
    after = {f.id: f for f in run(repo)}
    assert computed == ["INC-2026-0001", "INC-2026-0008"]
    assert after["INC-2026-0001"].csat == 3
    assert list(after.values()) == fresh(repo)


def _same_size_edit(root: Path, rel: str = A) -> None:
    """Priority P2 becomes P3 (other targets, calendar), size and mtime as they were."""
    path = root / rel
    before = path.stat()
    path.write_text(path.read_text().replace("priority: P2", "priority: P3"))
    assert path.stat().st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_same_size_edit_with_the_same_mtime_is_seen(repo: Path) -> None:
    before = {f.id: f for f in run(repo)}
    _same_size_edit(repo)  # the ctime still moves, as git's index also compares
    after = {f.id: f for f in run(repo)}
    assert (before["INC-2026-0001"].priority, after["INC-2026-0001"].priority) == ("P2", "P3")
    assert list(after.values()) == fresh(repo)


def _coarse(path: str | Path) -> FileStat | None:
    """A file system with one-second timestamps and no ctime or inode to compare."""
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns // 10**9 * 10**9, 0, 0)


# tick 1 is the control: a run that began a whole tick after the file's mtime may trust
# it (any later edit carries a later mtime); it shows that the rule is what decides
@pytest.mark.parametrize(("tick", "stale"), [(0, False), (1, True)], ids=["racy", "control"])
def test_an_edit_within_the_tick_the_cache_was_written_is_racy(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tick: int, stale: bool
) -> None:
    monkeypatch.setattr(
        collect, "stat_files", lambda root, rels: [_coarse(Path(root, r)) for r in rels]
    )
    monkeypatch.setattr(  # and where a snapshot of the rows is compared
        store_cache, "_stat_here", lambda root, rels: [_coarse(Path(root, r)) for r in rels]
    )
    coarse = _coarse(repo / A)
    assert coarse is not None
    # the run that reads the file starts in the second it was written (tick 0), or in
    # the next one (tick 1)
    monkeypatch.setattr(cache, "stamp", lambda _: coarse[1] + tick * 10**9)
    run(repo)
    _same_size_edit(repo)  # same size, same second: the coarse stat cannot tell
    got = {f.id: f.priority for f in run(repo)}
    assert got["INC-2026-0001"] == ("P2" if stale else "P3")


def test_a_touched_file_is_matched_by_its_text(repo: Path, computed: list[str]) -> None:
    first = run(repo)
    computed.clear()
    os.utime(repo / A, ns=(0, 10**9))  # a checkout or a touch: new stat, same text
    assert run(repo) == first
    assert computed == ["INC-2026-0008"]


def test_a_policy_change_starts_afresh(repo: Path, computed: list[str]) -> None:
    run(repo)
    computed.clear()
    sla = repo / "policies/sla.yaml"
    sla.write_text(sla.read_text().replace("P2: {respond: 30m", "P2: {respond: 10m"))
    after = {f.id: f for f in run(repo)}
    assert len(computed) == 8
    assert after["INC-2026-0001"].respond_met is False  # acknowledged after 20 minutes
    assert list(after.values()) == fresh(repo)


@pytest.mark.parametrize(
    "upgrade",
    [
        ("incidentctl.kpi.cache.__version__", "99.0"),
        ("holidays.__version__", "0.0.1"),
        ("pydantic.VERSION", "2.99"),
        ("incidentctl.kpi.cache.SCHEMA", 99),
        ("incidentctl.kpi.cache.code_fingerprint", lambda: "edited"),
        ("incidentctl.kpi.cache.zone_fingerprint", lambda zones: "new rules"),
    ],
    ids=["incidentctl", "holidays", "pydantic", "schema", "code", "time-zones"],
)
def test_an_upgrade_starts_afresh(
    repo: Path, computed: list[str], monkeypatch: pytest.MonkeyPatch, upgrade: tuple[str, object]
) -> None:
    run(repo)
    computed.clear()
    monkeypatch.setattr(*upgrade)
    run(repo)
    assert len(computed) == 8


def test_a_damaged_row_or_file_is_computed_again(repo: Path, computed: list[str]) -> None:
    first = run(repo)
    db = sqlite3.connect(repo / CACHE_DIR / DB_FILE)
    db.execute("UPDATE facts SET row = '{not json' WHERE rel = ?", (A,))
    db.execute("UPDATE facts SET row = '[1, 2]' WHERE rel = ?", (E,))
    db.execute("DELETE FROM snapshot")  # the rows are read from the table
    db.commit()
    db.close()
    computed.clear()
    assert run(repo) == first
    assert sorted(computed) == ["INC-2026-0001", "INC-2026-0005", "INC-2026-0008"]
    _damage_snapshot(repo, {A: "{not json", E: "[1, 2]"})  # the rows of the snapshot
    computed.clear()
    assert run(repo) == first
    assert sorted(computed) == ["INC-2026-0001", "INC-2026-0005", "INC-2026-0008"]
    db = sqlite3.connect(repo / CACHE_DIR / DB_FILE)
    db.execute("UPDATE snapshot SET settled = x'00'")  # columns of different lengths
    db.commit()
    db.close()
    computed.clear()
    assert run(repo) == first
    assert computed == ["INC-2026-0008"]  # served by the table's rows
    (repo / CACHE_DIR / DB_FILE).write_bytes(b"garbage, not a database" * 100)
    assert run(repo) == first
    assert len(rows(repo)) == 7  # and rewritten


def _damage_snapshot(root: Path, rows: dict[str, str]) -> None:
    db = sqlite3.connect(root / CACHE_DIR / DB_FILE)
    paths, kept = db.execute("SELECT paths, rows FROM snapshot").fetchone()
    places = {rel: i for i, rel in enumerate(paths.split("\n"))}
    kept = kept.split("\n")
    for rel, row in rows.items():
        assert kept[places[rel]]  # the snapshot does keep its row
        kept[places[rel]] = row
    db.execute("UPDATE snapshot SET rows = ?", ("\n".join(kept),))
    db.commit()
    db.close()


def test_without_a_writable_cache_folder_it_computes_everything(
    repo: Path, computed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(path: Path) -> int:
        raise PermissionError(30, "Read-only file system", str(path))

    monkeypatch.setattr(cache, "stamp", read_only)
    assert run(repo) == fresh(repo)
    assert run(repo) == fresh(repo)
    assert len(computed) == 16
    assert not (repo / CACHE_DIR / DB_FILE).exists()


def test_a_cache_folder_that_is_a_file_is_no_obstacle(repo: Path) -> None:
    (repo / CACHE_DIR).write_text("not a folder")
    assert run(repo) == fresh(repo)


def test_off_with_the_record_cache(repo: Path) -> None:
    assert run(repo, use_cache=False) == fresh(repo)
    assert not (repo / CACHE_DIR).exists()


def test_an_invalid_record_is_warned_of_every_run_and_never_kept(repo: Path) -> None:
    path = repo / A
    path.write_text(path.read_text().replace("channel: portal", "chanel: portal"))
    for _ in range(2):
        loaded = load_repository(repo, use_cache=True)
        err = io.StringIO()
        found = kpi_facts(loaded, kpi_policies(loaded), NOW, err)
        assert "INC-2026-0001" not in {f.id for f in found}
        assert f"skipped {A}: not a valid incident record" in err.getvalue()
    assert A not in rows(repo)


def test_a_deleted_file_leaves_the_cache(repo: Path) -> None:
    run(repo)
    (repo / A).unlink()
    assert "INC-2026-0001" not in {f.id for f in run(repo)}
    assert A not in rows(repo)


def test_a_fresh_clone_with_the_cache_restored_reads_no_file(
    repo: Path, tmp_path: Path, computed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file has a new stat; git knows which are as checked out, and their blob
    IDs are the digests the facts cache keeps: no file is read to match its row."""
    env = {**os.environ, **GIT_ENV}
    (repo / ".gitignore").write_text(f"{CACHE_DIR}/\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)
    first = run(repo)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True, env=env)
    shutil.copytree(repo / CACHE_DIR, clone / CACHE_DIR)
    monkeypatch.setattr("incidentctl.store.repo.GIT_RENEW_AFTER", 0)
    reads: list[str] = []
    real = collect.read_text
    monkeypatch.setattr(
        collect, "read_text", lambda p, rel, n: reads.append(rel) or real(p, rel, n)
    )
    computed.clear()
    assert run(clone) == first
    assert reads == [H]  # reported after NOW: never kept, so read to be computed
    assert computed == ["INC-2026-0008"]


def test_a_warm_run_takes_the_files_from_the_index_while_no_folder_changed(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record index keeps the last whole load's listing with its folders' mtimes:
    while they are the same, no walk; a file added moves its folder's mtime."""
    from incidentctl.store import incidentfiles

    walks: list[int] = []
    real = incidentfiles._scan
    monkeypatch.setattr(
        incidentfiles, "_scan", lambda base, diags: walks.append(1) or real(base, diags)
    )
    first = run(repo)
    assert walks == [1]
    assert run(repo) == first
    assert walks == [1]  # the listing held: not walked again
    added = repo / "incidents/2026/INC-2026-0009.yaml"
    added.write_text((repo / A).read_text().replace("INC-2026-0001", "INC-2026-0009"))
    after = run(repo)
    assert walks == [1, 1]
    assert {f.id for f in after} == {f.id for f in first} | {"INC-2026-0009"}
    assert after == [replace(f, clocks=()) for f in fresh(repo)]
