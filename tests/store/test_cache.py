"""The index and record cache: faster, never wrong, harmless when damaged."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from incidentctl.errors import IncidentctlError
from incidentctl.store import cache
from incidentctl.store.atomic import write_atomic
from incidentctl.store.cache import CACHE_DIR, DB_FILE, FileStat
from incidentctl.store.repo import Repository, load_repository

INC = "incidents/2026/INC-2026-0042.yaml"  # resolved
OPEN = {"new", "in_progress", "on_hold"}


def _load(root: Path) -> list[str]:
    repo = load_repository(root, use_cache=True)
    records = repo.load_incidents()
    return [r.model.title for r in records] + [d.code for d in repo.diagnostics]


def test_second_run_reads_the_cache_and_agrees(base_repo: Path) -> None:
    first = _load(base_repo)
    db = sqlite3.connect(base_repo / CACHE_DIR / DB_FILE)
    assert db.execute("SELECT count(*) FROM records").fetchone() == (1,)
    assert db.execute("SELECT rel, status FROM files").fetchall() == [(INC, "resolved")]
    assert (base_repo / CACHE_DIR / ".gitignore").read_text() == "*\n"
    assert _load(base_repo) == first


def test_an_edited_file_is_parsed_again(base_repo: Path) -> None:
    _load(base_repo)
    path = base_repo / INC
    path.write_text(path.read_text().replace("channel: portal", "chanel: portal"))
    assert "SCH002" in _load(base_repo)


def test_a_damaged_cache_is_ignored(base_repo: Path) -> None:
    _load(base_repo)
    db = sqlite3.connect(base_repo / CACHE_DIR / DB_FILE)
    db.execute("UPDATE records SET json = '{not json'")
    db.commit()
    db.close()
    assert _load(base_repo) == ["Payroll export fails with a timeout"]
    (base_repo / CACHE_DIR / DB_FILE).write_bytes(b"garbage, not a database" * 100)
    assert _load(base_repo) == ["Payroll export fails with a timeout"]
    db = sqlite3.connect(base_repo / CACHE_DIR / DB_FILE)  # and rewritten
    assert db.execute("SELECT count(*) FROM files").fetchone() == (1,)


def test_atomic_write_gives_new_files_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "new.yaml"
    write_atomic(target, "a: 1\n")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert target.read_text() == "a: 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["new.yaml"]


# --- the index never serves a stale verdict ------------------------------------------


@pytest.fixture
def indexed(base_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The base repository, indexed by a full load; the index used whatever the count."""
    monkeypatch.setattr("incidentctl.store.repo.CACHE_AFTER", 0)
    _load(base_repo)
    return base_repo


def _candidates(root: Path) -> list[str]:
    """What ``list --open`` would read: files not known, unchanged, to be closed."""
    return load_repository(root, use_cache=True).incident_paths_with(OPEN)


def _same_size_edit(root: Path) -> None:
    """A same-size edit that breaks the record, with its mtime put back as it was."""
    path = root / INC
    before = path.stat()
    path.write_text(path.read_text().replace("channel: portal", "chanel: portal "))
    assert path.stat().st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_an_unchanged_record_of_another_status_is_not_read(indexed: Path) -> None:
    assert _candidates(indexed) == []  # the control: the index does skip files


def test_a_same_size_edit_with_the_same_mtime_is_seen(indexed: Path) -> None:
    _same_size_edit(indexed)  # the ctime still moves, as git's index also compares
    assert _candidates(indexed) == [INC]
    repo = load_repository(indexed, use_cache=True)
    repo.load_incidents(repo.incident_paths_with(OPEN))
    assert [d.code for d in repo.diagnostics] == ["SCH001", "SCH002"]


def _coarse(path: str | Path) -> FileStat | None:
    """A file system with one-second timestamps and no ctime or inode to compare."""
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns // 10**9 * 10**9, 0, 0)


def _coarse_all(root: str, rels: list[str]) -> list[FileStat | None]:
    return [_coarse(f"{root}/{rel}") for rel in rels]


# --- many files are stat'ed by two processes ----------------------------------------

FORK_ONLY = pytest.mark.skipif(sys.platform != "linux", reason="the split forks (Linux only)")


@pytest.fixture
def spread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    """Files of different sizes in two folders and a name missing from each; a child
    forked for as few as two files, each process taking a few files at a time."""
    monkeypatch.setattr(cache, "SPLIT_AFTER", 2)
    monkeypatch.setattr(cache, "_CHILD_BLOCK", 3)
    monkeypatch.setattr(cache, "_OWN_BLOCK", 2)
    rels = []
    for folder in ("2025", "2026"):
        (tmp_path / folder).mkdir()
        for n in range(5):
            (tmp_path / folder / f"{n}.yaml").write_text("x" * n)
            rels.append(f"{folder}/{n}.yaml")
        rels.append(f"{folder}/gone.yaml")
    return str(tmp_path), rels


def _not_here(root: str, rels: list[str]) -> list[FileStat | None]:
    raise AssertionError("this process stat'ed files the child had done")


@FORK_ONLY
def test_both_processes_stat_and_give_every_file_in_order(spread: tuple[str, list[str]]) -> None:
    root, rels = spread
    here = cache._stat_here(root, rels)
    assert None in here[: len(rels) // 2] and None in here[len(rels) // 2 :]
    for _ in range(5):  # wherever the two meet
        assert cache.stat_files(root, rels) == here
        assert cache.packed_stats(root, rels) == cache.pack_stats(here)


@FORK_ONLY
def test_work_done_before_asking_leaves_the_child_every_file(
    spread: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, rels = spread
    here = cache._stat_here(root, rels)
    run = cache.StatRun(root, rels)
    assert run._pid  # a child was forked
    os.waitpid(run._pid, 0)  # this process busy meanwhile: the child ends, all done
    run._pid = 0  # reaped here
    monkeypatch.setattr(cache, "_stat_here", _not_here)  # here only, not in the child
    assert run.packed() == cache.pack_stats(here)


@FORK_ONLY
def test_when_the_child_fails_this_process_stats_every_file(
    spread: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, rels = spread

    def unpackable(stats: object) -> bytes:  # as an inode beyond 64 bits would be
        raise OverflowError("Python int too large to convert to C long")

    here = cache._stat_here(root, rels)
    monkeypatch.setattr(cache, "pack_stats", unpackable)  # the child inherits it
    run = cache.StatRun(root, rels)
    assert run._pid
    _, status = os.waitpid(run._pid, 0)
    run._pid = 0  # reaped here
    assert status != 0  # the child failed before its first message
    assert run.stats() == here


def test_messages_read_in_parts_are_put_together(spread: tuple[str, list[str]]) -> None:
    """A pipe may hand over a message in two reads; this process takes the least
    place the child announced."""
    root, rels = spread
    run = cache.StatRun(root, rels[:1])  # below SPLIT_AFTER: no child
    reader, writer = os.pipe()
    os.set_blocking(reader, False)
    run._notes = reader
    try:
        message = (7).to_bytes(8, "little") + (4).to_bytes(8, "little")
        os.write(writer, message[:11])
        assert run._heard(10) == 7
        os.write(writer, message[11:])
        assert run._heard(10) == 4
        os.close(writer)
        writer = -1
        assert run._heard(10) == 10  # the child's end closed: nothing more from it
        assert run._notes == -1
    finally:
        if writer >= 0:
            os.close(writer)
        run.close()


def test_no_child_is_forked_while_other_threads_run(
    spread: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, rels = spread
    monkeypatch.setattr(os, "fork", _no_fork)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert cache.stat_files(root, rels) == cache._stat_here(root, rels)
    finally:
        stop.set()
        other.join()


def _no_fork() -> int:
    raise AssertionError("forked with another thread running")


@FORK_ONLY
def test_the_split_comparison_proves_and_still_sees_a_same_size_edit(
    indexed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "SPLIT_AFTER", 1)  # the child stats the one file
    repo = load_repository(indexed, use_cache=True)
    assert repo.incident_paths_with(OPEN) == []
    assert repo.cache.proven  # the snapshot's comparison held
    _same_size_edit(indexed)
    assert _candidates(indexed) == [INC]


def test_a_stat_past_64_bits_goes_the_usual_way(
    indexed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unpackable(stats: object) -> bytes:  # as an inode beyond 64 bits would be
        raise OverflowError("Python int too large to convert to C long")

    monkeypatch.setattr(cache, "pack_stats", unpackable)
    repo = load_repository(indexed, use_cache=True)
    assert repo.incident_paths_with(OPEN) == []  # the rows, one stat at a time
    assert not repo.cache.compared  # no snapshot was compared
    _same_size_edit(indexed)
    assert _candidates(indexed) == [INC]
    _load(indexed)  # a whole load saves no snapshot it cannot pack, and no traceback


# tick 1 is the control: a run that began a whole tick after the file's mtime may
# trust it, since any later edit carries a later mtime; it shows what the rule decides
@pytest.mark.parametrize(("tick", "stale"), [(0, True), (1, False)], ids=["racy", "control"])
def test_an_edit_within_the_tick_the_index_was_written_is_racy(
    base_repo: Path, monkeypatch: pytest.MonkeyPatch, tick: int, stale: bool
) -> None:
    monkeypatch.setattr("incidentctl.store.repo.CACHE_AFTER", 0)
    monkeypatch.setattr("incidentctl.store.repo.file_stat", _coarse)
    monkeypatch.setattr("incidentctl.store.parallel.file_stat", _coarse)
    # under every stat of many files (stat_files, packed_stats: the snapshot's comparison)
    monkeypatch.setattr(cache, "_stat_here", _coarse_all)
    coarse = _coarse(base_repo / INC)
    assert coarse is not None
    second = coarse[1]
    # the run that indexes the file starts in the same second it was written (tick 0),
    # or in the next second (tick 1)
    monkeypatch.setattr(cache, "stamp", lambda _: second + tick * 10**9)
    _load(base_repo)
    _same_size_edit(base_repo)  # same size, same second: the coarse stat cannot tell
    assert (_candidates(base_repo) == [INC]) is stale


def _fine_clock(path: Path) -> bool:
    """Whether rewriting a file (whose time was read) gives it a time finer than a tick."""
    for i in range(20):
        path.write_text(f"a{i}")
        before = os.stat(path).st_mtime_ns
        path.write_text(f"b{i}")
        if 0 < os.stat(path).st_mtime_ns - before < 1_000_000:
            return True
    return False


def test_a_file_written_before_a_run_began_is_not_racy_to_it(tmp_path: Path) -> None:
    """The run's stamp is later than the mtime of every file written before it: with
    multigrain timestamps, merely truncating the empty stamp file took the coarse
    clock, equal to the mtime of a file written just before, which then looked racy."""
    written = tmp_path / "record.yaml"
    if not _fine_clock(written):
        pytest.skip("this file system's clock is coarse: files written in a tick are racy")
    stamp_file = tmp_path / cache.STAMP_FILE
    cache.stamp(stamp_file)
    for i in range(200):
        written.write_text(f"status: new # {i}\n")
        assert cache.stamp(stamp_file) > os.stat(written).st_mtime_ns


def test_a_policy_change_starts_afresh(indexed: Path) -> None:
    with (indexed / "policies/sla.yaml").open("a") as fh:
        fh.write("# reviewed\n")
    assert _candidates(indexed) == [INC]


def test_a_tool_upgrade_starts_afresh(indexed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "VERSION", cache.VERSION + " upgraded")
    assert _candidates(indexed) == [INC]


def test_an_index_of_an_earlier_format_is_replaced(indexed: Path) -> None:
    """An index written by an earlier incidentctl, whose snapshot had no digests."""
    db = sqlite3.connect(indexed / CACHE_DIR / DB_FILE)
    db.executescript(
        "DROP TABLE snapshot;"
        " CREATE TABLE snapshot (id INTEGER PRIMARY KEY, paths TEXT, stats BLOB, codes BLOB);"
        " UPDATE meta SET value = 'incidentctl 0.0 v4' WHERE name = 'key';"
    )
    db.close()
    assert _load(indexed) == ["Payroll export fails with a timeout"]
    db = sqlite3.connect(indexed / CACHE_DIR / DB_FILE)
    assert db.execute("SELECT paths, length(digests) FROM snapshot").fetchall() == [
        (INC, 20)
    ]  # a 20-byte digest
    db.close()
    repo = load_repository(indexed, use_cache=True)
    assert repo.incident_paths_with(OPEN) == []
    assert repo.cache.proven


def test_a_whole_load_that_changed_nothing_keeps_the_snapshot(
    indexed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[bool] = []
    original = cache._snapshot

    def spy(db: sqlite3.Connection, entries: dict[str, cache.Entry] | None) -> None:
        made.append(entries is not None)
        original(db, entries)

    monkeypatch.setattr(cache, "_snapshot", spy)
    _load(indexed)
    assert made == []  # not written again: it is made of the very rows kept
    repo = load_repository(indexed, use_cache=True)
    assert repo.incident_paths_with(OPEN) == []
    assert repo.cache.proven
    _same_size_edit(indexed)
    _load(indexed)
    assert made == [True]  # a row changed: made again
    assert _candidates(indexed) == [INC]  # the edit broke the record: always read


def test_a_comparison_that_found_nothing_changed_writes_no_snapshot(
    indexed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``quick`` found every file as the snapshot keeps it: the save leaves the
    snapshot as it is (writing 100,000 entries back cost 0.2 s and 20 MiB)."""
    patched: list[int] = []
    original = cache._patch_snapshot

    def spy(db: sqlite3.Connection, *args: Any) -> None:
        patched.append(len(args[2]))
        original(db, *args)

    monkeypatch.setattr(cache, "_patch_snapshot", spy)
    for _ in range(2):
        repo = load_repository(indexed, use_cache=True)
        assert repo.incident_paths_with(OPEN) == []
        repo.save_seen()
        assert repo.cache.proven
    assert patched == []


def test_a_full_load_forgets_deleted_files(indexed: Path) -> None:
    (indexed / INC).unlink()
    repo: Repository = load_repository(indexed, use_cache=True)
    assert repo.load_incidents() == []
    db = sqlite3.connect(indexed / CACHE_DIR / DB_FILE)
    assert db.execute("SELECT count(*) FROM files").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM records").fetchone() == (0,)


# --- the list of incident files, from the index while no folder changed -------------


def _aged_and_indexed(root: Path) -> None:
    """Files and folders written long ago, then a whole load: nothing is racy."""
    for path in [root, *root.rglob("*")]:
        os.utime(path, (1_600_000_000, 1_600_000_000))
    _load(root)


ALL = {"new", "in_progress", "on_hold", "resolved", "closed", "cancelled"}


def test_an_unchanged_folder_is_not_walked_again(indexed: Path, walks: list[int]) -> None:
    _aged_and_indexed(indexed)
    walks.clear()
    assert load_repository(indexed, use_cache=True).incident_paths_with(ALL) == [INC]
    assert walks == []


@pytest.mark.parametrize("change", ["add", "remove", "rename"])
def test_a_changed_folder_is_walked_again(indexed: Path, walks: list[int], change: str) -> None:
    _aged_and_indexed(indexed)
    other = indexed / "incidents/2026/INC-2026-0043.yaml"
    if change == "add":
        other.write_text((indexed / INC).read_text().replace("INC-2026-0042", "INC-2026-0043"))
        expected = [INC, other.relative_to(indexed).as_posix()]
    elif change == "remove":
        (indexed / INC).unlink()
        expected = []
    else:
        (indexed / INC).rename(other)
        expected = [other.relative_to(indexed).as_posix()]
    walks.clear()
    assert load_repository(indexed, use_cache=True).incident_paths_with(ALL) == expected
    assert walks == [1]


def test_a_folder_changed_in_the_tick_of_the_whole_load_is_walked_again(
    base_repo: Path, walks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = base_repo / "incidents/2026"
    # the whole load begins in the very tick the folder was last changed: a file added
    # later in that tick would not move its mtime, so the listing may not be trusted
    with monkeypatch.context() as patch:
        patch.setattr(cache, "stamp", lambda _: folder.stat().st_mtime_ns)
        _load(base_repo)
    walks.clear()
    assert load_repository(base_repo, use_cache=True).incident_paths_with(ALL) == [INC]
    assert walks == [1]


def test_a_file_the_whole_load_could_not_read_is_still_listed(
    indexed: Path, walks: list[int]
) -> None:
    big = indexed / "incidents/2026/INC-2026-0043.yaml"
    big.write_text("x: " + "y" * 2_000_000 + "\n")  # over the file size limit
    _aged_and_indexed(indexed)
    walks.clear()
    paths = load_repository(indexed, use_cache=True).incident_paths_with(ALL)
    assert paths == [INC, big.relative_to(indexed).as_posix()]
    assert walks == []


def test_a_walk_made_before_the_run_began_is_not_kept(indexed: Path, walks: list[int]) -> None:
    """A file added after such a walk, in the tick of its folder's mtime, would be
    missed: only a walk that began after the run's stamp lists the folders."""
    for path in [indexed, *indexed.rglob("*")]:
        os.utime(path, (1_600_000_000, 1_600_000_000))
    repo = load_repository(indexed, use_cache=True)
    repo.incident_paths()  # the walk, before the index is opened
    repo.load_incidents()
    walks.clear()
    assert load_repository(indexed, use_cache=True).incident_paths_with(ALL) == [INC]
    assert walks == [1]


# --- a record of an unchanged clean file is rebuilt without reading the file --------


def test_an_unchanged_record_is_rebuilt_without_reading_its_file(
    indexed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in indexed.rglob("*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    _load(indexed)  # the index now trusts the file
    reads: list[str] = []
    original = Repository._read_text

    def spy(self: Repository, rel: str) -> object:
        reads.append(rel)
        return original(self, rel)

    monkeypatch.setattr(Repository, "_read_text", spy)
    repo = load_repository(indexed, use_cache=True)
    [record] = repo.load_incidents()
    assert reads == []  # rebuilt from the cache, by the digest the index holds
    assert record.source.text == (indexed / INC).read_text()  # read when asked for
    assert reads == [INC]
    assert record.source.locate(("status",)) == (15, 9)


def test_a_text_changed_since_the_stat_is_never_paired_with_the_old_record(
    indexed: Path,
) -> None:
    for path in indexed.rglob("*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    _load(indexed)
    repo = load_repository(indexed, use_cache=True)
    [record] = repo.load_incidents()
    path = indexed / INC
    path.write_text(path.read_text().replace("Payroll export", "Payroll import"))
    with pytest.raises(IncidentctlError) as caught:
        _ = record.source.text
    assert caught.value.message == f"{INC} changed while incidentctl was reading it"
