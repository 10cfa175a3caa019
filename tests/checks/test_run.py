"""The incremental runner: verdicts reused from the index only while they still hold.

Every rule case also runs over an index of the base repository
(tests/checks/test_rules.py); these tests take each kind of outside dependency in
turn, compare the warm run with a run without the index, and check that unchanged
files are really not read again.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidentctl.checks.run import decode, encode, run
from incidentctl.diagnostics import Diagnostic, Severity
from incidentctl.store import cache
from incidentctl.store.cache import CACHE_DIR, DB_FILE, FileStat
from incidentctl.store.repo import Repository, load_repository
from tests.conftest import NOW

INC = "incidents/2026/INC-2026-0042.yaml"
CHILD = "incidents/2026/INC-2026-0043.yaml"
KB = "kb/KB-0007-payroll-export-times-out.md"
CHILD_TEXT = """\
id: INC-2026-0043
title: VPN drops every hour
description: Users are disconnected from the VPN hourly.
reported_by: fred@example.com
reported_at: 2026-11-22T10:00:00+00:00
channel: phone
service: payroll
category: network
subcategory: vpn
impact: low
urgency: medium
priority: P4
status: new
timeline:
  - {at: 2026-11-22T10:00:00+00:00, by: fred@example.com, kind: reported}
"""


def _codes(root: Path, now: datetime = NOW, use_cache: bool = True) -> list[str]:
    diags = run(load_repository(root, use_cache=use_cache), now)
    return [f"{d.code}@{d.path}:{d.line}" for d in diags]


def _agree(root: Path, now: datetime = NOW) -> list[str]:
    """The findings with the index, checked against a run without it."""
    found = _codes(root, now)
    assert found == _codes(root, now, use_cache=False)
    return found


def _age(root: Path) -> None:
    """Files written long ago: the index trusts them (nothing is racy)."""
    for path in root.rglob("*"):
        if CACHE_DIR not in path.parts:
            os.utime(path, (1_600_000_000, 1_600_000_000))


@pytest.fixture
def reads(incident_reads: list[str]) -> list[str]:
    return incident_reads


def test_an_unchanged_repository_is_not_read_again(base_repo: Path, reads: list[str]) -> None:
    (base_repo / CHILD).write_text(CHILD_TEXT)
    _age(base_repo)
    assert _codes(base_repo) == []
    assert sorted(reads) == [INC, CHILD]
    reads.clear()
    assert _codes(base_repo) == []
    assert reads == []  # every verdict reused


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The incident folders walked (each walk appends the base folder)."""
    from incidentctl.store import incidentfiles

    walked: list[str] = []
    original = incidentfiles._scan

    def spy(base: Path, diagnostics: list[Diagnostic]) -> tuple[dict[str, list[str]], bool]:
        walked.append(base.name)
        return original(base, diagnostics)

    monkeypatch.setattr(incidentfiles, "_scan", spy)
    return walked


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The index rows read: the paths asked for, or ["*"] for every row."""
    from incidentctl.store.cache import RecordCache

    asked: list[list[str]] = []
    rows, every = RecordCache.rows, RecordCache._all_rows

    def spy_rows(self: RecordCache, rels: list[str]) -> object:
        asked.append(list(rels))
        return rows(self, rels)

    def spy_every(self: RecordCache) -> object:
        if not self._complete:
            asked.append(["*"])
        return every(self)

    monkeypatch.setattr(RecordCache, "rows", spy_rows)
    monkeypatch.setattr(RecordCache, "_all_rows", spy_every)
    return asked


def test_nothing_changed_a_whole_run_neither_walks_nor_reads_a_settled_row(
    base_repo: Path, reads: list[str], walks: list[str], rows_read: list[list[str]]
) -> None:
    """The index's snapshot proves that no file and no folder changed; a record whose
    verdict is no finding and made no look-up (the child) is settled: its row is not
    even read. The parent cites a KB article: its row is read, the look-up asked."""
    (base_repo / CHILD).write_text(CHILD_TEXT)
    _age(base_repo)
    assert _agree(base_repo) == []
    reads.clear()
    walks.clear()
    rows_read.clear()
    assert _codes(base_repo) == []
    assert (reads, walks, rows_read) == ([], [], [[INC]])
    path = base_repo / KB  # what the parent's look-up asks about: re-checked
    path.write_text(path.read_text().replace("status: published", "status: retired"))
    reads.clear()
    assert _codes(base_repo) == [f"REF005@{INC}:30"]
    assert (reads, walks) == ([INC], [])
    assert _codes(base_repo, use_cache=False) == [f"REF005@{INC}:30"]
    earlier = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)  # before the child was reported
    assert f"INC021@{CHILD}:5" in _agree(base_repo, earlier)


@pytest.fixture
def settle_any(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settle around changed files whatever their share (a small repository's one
    file is a large share)."""
    monkeypatch.setattr("incidentctl.store.cache.SETTLE_CHANGED_SHARE", 1.0)


@pytest.mark.parametrize("checkout", [False, True], ids=["in-place", "checkout"])
def test_an_edited_record_is_checked_again_the_others_stay_settled(
    base_repo: Path,
    reads: list[str],
    walks: list[str],
    rows_read: list[list[str]],
    settle_any: None,
    checkout: bool,
) -> None:
    """An edit in place, or as ``git checkout`` writes a changed file: a new one
    renamed into place, so the folder's mtime moves and the index's listing no longer
    holds. The folders are then walked while the files are statted; the walk finds
    the snapshot's very files, so the unchanged ones stay settled all the same, and
    the walk's listing is kept: the next run does not walk."""
    (base_repo / CHILD).write_text(CHILD_TEXT)
    _age(base_repo)
    assert _agree(base_repo) == []
    child = base_repo / CHILD
    edited = child.read_text().replace("impact: low", "impact: lowish")
    if checkout:
        new = child.with_name("checked-out.tmp")
        new.write_text(edited)
        new.replace(child)
        for path in (child, child.parent):  # nothing racy; the folder's mtime moved
            os.utime(path, (1_600_000_100, 1_600_000_100))
    else:
        child.write_text(edited)
    expected = _codes(base_repo, use_cache=False)
    assert expected and all(f"@{CHILD}:" in c for c in expected)
    reads.clear()
    walks.clear()
    rows_read.clear()
    assert _codes(base_repo) == expected
    # the parent's verdict stands, unread; after a checkout, one walk
    assert (reads, walks) == ([CHILD], ["incidents"] if checkout else [])
    assert rows_read == [[INC, CHILD]]  # the parent's look-up; the child's row for note()
    reads.clear()
    walks.clear()
    rows_read.clear()
    assert _codes(base_repo) == expected  # the snapshot took the child's new entry
    assert (reads, walks, rows_read) == ([], [], [[INC, CHILD]])  # a look-up; findings


def test_after_a_checkout_a_walk_that_finds_another_file_goes_the_usual_way(
    base_repo: Path, walks: list[str], settle_any: None
) -> None:
    """The walk that runs beside the stats finds a file the snapshot does not name
    (here one that is not an incident file): the comparison is dropped, the usual
    way checks every file, and the misplaced file is reported once."""
    (base_repo / CHILD).write_text(CHILD_TEXT)
    _age(base_repo)
    assert _agree(base_repo) == []
    stray = base_repo / "incidents/2026/notes.txt"
    stray.write_text("to do\n")
    for path in (stray, stray.parent):
        os.utime(path, (1_600_000_100, 1_600_000_100))
    expected = _codes(base_repo, use_cache=False)
    assert [c.split("@")[1] for c in expected] == ["incidents/2026/notes.txt:None"]
    walks.clear()
    assert _codes(base_repo) == expected
    assert walks == ["incidents"]  # one walk, beside the stats, then used as it is


def test_an_edited_parent_rechecks_its_unchanged_child(
    base_repo: Path, walks: list[str], settle_any: None
) -> None:
    (base_repo / CHILD).write_text(CHILD_TEXT + "parent: INC-2026-0042\n")
    _age(base_repo)
    assert _agree(base_repo) == [f"INC035@{CHILD}:16"]  # the parent is resolved
    parent = base_repo / INC
    parent.write_text(parent.read_text().replace("channel: portal", "chanel: portal"))
    walks.clear()
    assert _agree(base_repo) == [f"SCH001@{INC}:1", f"SCH002@{INC}:7"]
    assert walks == ["incidents"]  # only the run without the index walked


def test_many_changed_files_go_the_usual_way(base_repo: Path, walks: list[str]) -> None:
    """One file in two changed: hashing every changed file (to find those merely
    touched) beats checking each again."""
    (base_repo / CHILD).write_text(CHILD_TEXT)
    _age(base_repo)
    assert _agree(base_repo) == []
    os.utime(base_repo / CHILD)  # touched
    walks.clear()
    assert _codes(base_repo) == []
    assert walks == ["incidents"]


def test_verdicts_found_after_a_list_are_settled_from_the_next_run(
    base_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    reads: list[str],
    rows_read: list[list[str]],
) -> None:
    """``list`` indexes records without verdicts; the ``validate`` after it finds them,
    and the snapshot takes them: the run after that reads no settled row."""
    monkeypatch.setattr("incidentctl.store.repo.CACHE_AFTER", 0)
    (base_repo / CHILD).write_text(CHILD_TEXT)
    _age(base_repo)
    repo = load_repository(base_repo, use_cache=True)
    for _ in repo.iter_incidents(repo.incident_paths_with({"new", "resolved"})):
        pass
    repo.save_seen()  # as `list` does: a walk, rows and a snapshot, no verdict
    assert _codes(base_repo) == []  # every file checked: no verdict was known
    reads.clear()
    rows_read.clear()
    assert _codes(base_repo) == []
    assert (reads, rows_read) == ([], [[INC]])  # the child settled, the parent's look-up


def test_a_misplaced_file_is_found_while_every_record_is_unchanged(base_repo: Path) -> None:
    _age(base_repo)
    assert _agree(base_repo) == []
    (base_repo / "incidents" / "2026" / "notes.txt").write_text("to do\n")
    assert _agree(base_repo) == ["FIL012@incidents/2026/notes.txt:None"]


def test_a_folder_below_a_year_folder_is_walked_every_time(
    base_repo: Path, walks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its content is followed by no mtime the index keeps: nothing is settled."""
    nested = base_repo / "incidents" / "2026" / "old"
    nested.mkdir()
    _age(base_repo)
    assert _agree(base_repo) == []
    (nested / "INC-2026-0099.yaml").write_text(CHILD_TEXT)
    for path in (nested / "INC-2026-0099.yaml", nested):
        os.utime(path, (1_600_000_000, 1_600_000_000))  # as if there all along
    walks.clear()
    runs = _stat_runs(monkeypatch)
    assert _agree(base_repo) == ["FIL012@incidents/2026/old/INC-2026-0099.yaml:None"]
    assert walks == ["incidents", "incidents"]  # with the index and without
    assert runs == ["taken"] * len(runs)  # no comparison begun that nothing finished


def _stat_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each ``StatRun`` made: "begun", then "taken" once its stats are asked for."""
    made: list[str] = []

    class Spy(cache.StatRun):
        def __init__(self, root: str, rels: Sequence[str]) -> None:
            super().__init__(root, rels)
            self.place = len(made)
            made.append("begun")

        def _take(self) -> tuple[list[FileStat | None], bytes]:
            made[self.place] = "taken"
            return super()._take()

    monkeypatch.setattr(cache, "StatRun", Spy)
    return made


def test_a_changed_kb_article_rechecks_only_the_incidents_citing_it(
    base_repo: Path, reads: list[str]
) -> None:
    (base_repo / CHILD).write_text(CHILD_TEXT)
    _age(base_repo)
    _codes(base_repo)
    path = base_repo / KB
    path.write_text(path.read_text().replace("status: published", "status: retired"))
    reads.clear()
    found = _codes(base_repo)
    assert reads == [INC]  # the child cites no article: its verdict stands
    assert found == _codes(base_repo, use_cache=False) == [f"REF005@{INC}:30"]


def test_a_parent_that_changes_rechecks_its_unchanged_child(base_repo: Path) -> None:
    (base_repo / CHILD).write_text(CHILD_TEXT + "parent: INC-2026-0042\n")
    _age(base_repo)
    assert _agree(base_repo) == [f"INC035@{CHILD}:16"]  # the parent is resolved
    parent = base_repo / INC
    parent.write_text(parent.read_text().replace("channel: portal", "chanel: portal"))
    # an invalid parent has no status: the child's finding goes, the parent's come
    assert _agree(base_repo) == [f"SCH001@{INC}:1", f"SCH002@{INC}:7"]


def test_a_linked_incident_that_goes_away_rechecks_the_record_linking_it(
    base_repo: Path,
) -> None:
    (base_repo / CHILD).write_text(CHILD_TEXT)
    path = base_repo / INC
    path.write_text(
        path.read_text().replace("status: resolved", "status: resolved\nrelated: [INC-2026-0043]")
    )
    _age(base_repo)
    assert _agree(base_repo) == []
    (base_repo / CHILD).unlink()
    assert _agree(base_repo) == [f"REF006@{INC}:16"]


def test_a_verdict_is_not_reused_for_an_earlier_now(base_repo: Path) -> None:
    _age(base_repo)
    assert _agree(base_repo) == []
    earlier = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)  # before the last entries
    assert _agree(base_repo, earlier) == [f"INC021@{INC}:25"]  # resolved at 10:30


def test_no_verdict_is_kept_while_the_record_names_a_later_time(base_repo: Path) -> None:
    _age(base_repo)
    _codes(base_repo, datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    db = sqlite3.connect(base_repo / CACHE_DIR / DB_FILE)
    assert db.execute("SELECT verdict FROM files WHERE rel = ?", (INC,)).fetchone() == (None,)


def test_a_configuration_change_starts_afresh(base_repo: Path) -> None:
    _age(base_repo)
    assert _agree(base_repo) == []
    (base_repo / "incidentctl.yaml").write_text("limits: {max_file_bytes: 100}\n")
    assert f"FIL002@{INC}:1" in _agree(base_repo)  # too large now


@pytest.mark.parametrize("column", ["verdict", "depends"])
def test_a_damaged_verdict_is_checked_again(base_repo: Path, column: str) -> None:
    path = base_repo / INC
    path.write_text(path.read_text().replace("channel: portal", "chanel: portal"))
    _age(base_repo)
    expected = _agree(base_repo)
    db = sqlite3.connect(base_repo / CACHE_DIR / DB_FILE)
    db.execute(f"UPDATE files SET {column} = '[[not json'")
    db.commit()
    db.close()
    assert _agree(base_repo) == expected


def test_findings_survive_the_index_unchanged() -> None:
    found = [
        Diagnostic("INC001", "id-filename-mismatch", Severity.ERROR, INC, 3, 5, "m", None),
        Diagnostic("FIL001", "x", Severity.WARNING, INC, None, None, 'quote " and \\ é', "h"),
    ]
    assert decode(encode(found)) == found
    assert encode([]) == "[]" and decode("[]") == []


def test_workers_check_exactly_as_the_parent_does(
    base_repo: Path, monkeypatch: pytest.MonkeyPatch, reads: list[str]
) -> None:
    text = (base_repo / INC).read_text()
    for n in range(44, 50):  # clean copies (each lacks its KB backlink), one broken
        other = f"INC-2026-00{n}"
        (base_repo / f"incidents/2026/{other}.yaml").write_text(text.replace(INC[15:28], other))
    (base_repo / CHILD).write_text(CHILD_TEXT + "parent: INC-2026-0042\nrelated: [INC-2026-0999]\n")
    broken = base_repo / "incidents/2026/INC-2026-0047.yaml"
    broken.write_text(broken.read_text().replace("channel: portal", "chanel: portal"))
    (base_repo / "incidents/2026/INC-2026-0048.yaml").write_bytes(b"\xff\xfe not text")
    sequential = _codes(base_repo, use_cache=False)
    assert len(reads) == 8 and "INC035@incidents/2026/INC-2026-0043.yaml:16" in sequential
    monkeypatch.setattr("incidentctl.store.parallel.PARALLEL_AFTER", 0)
    monkeypatch.setattr("incidentctl.store.parallel.workers", lambda: 2)
    reads.clear()
    assert _codes(base_repo) == sequential
    # the parent read only the file no worker could (workers are not spied on)
    assert reads == ["incidents/2026/INC-2026-0048.yaml"]
    assert _codes(base_repo) == sequential  # and what the workers kept in the index is right
    db = sqlite3.connect(base_repo / CACHE_DIR / DB_FILE)
    assert db.execute("SELECT count(*) FROM records").fetchone() == (6,)  # the clean ones


@pytest.mark.parametrize("on_workers", [False, True], ids=["in-process", "workers"])
def test_files_touched_but_not_changed_are_hashed_not_checked_again(
    base_repo: Path, monkeypatch: pytest.MonkeyPatch, reads: list[str], on_workers: bool
) -> None:
    """A fresh clone with the index restored: every stat new, the texts the same."""
    (base_repo / CHILD).write_text(CHILD_TEXT + "parent: INC-2026-0042\n")  # one finding
    _age(base_repo)
    assert _codes(base_repo) == [f"INC035@{CHILD}:16"]
    hashed: list[str] = []
    original = Repository.renew
    monkeypatch.setattr(
        Repository,
        "renew",
        lambda s, rels, stats: hashed.extend(rels) or original(s, rels, stats),
    )
    if on_workers:
        monkeypatch.setattr("incidentctl.store.parallel.PARALLEL_AFTER", 0)
        monkeypatch.setattr("incidentctl.store.parallel.workers", lambda: 2)
    for path in (base_repo / "incidents").rglob("*.yaml"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    parent = base_repo / INC  # and one edit that keeps the size and the mtime
    text = parent.read_text()
    parent.write_text(text.replace("payroll", "PAYROLL", 1))
    os.utime(parent, (1_700_000_000, 1_700_000_000))
    reads.clear()
    assert _codes(base_repo) == [f"REF001@{INC}:8", f"INC035@{CHILD}:16"]
    assert sorted(hashed) == [INC, CHILD]
    assert reads == ([] if on_workers else [INC])  # the child's verdict stood: not read
    hashed.clear()
    reads.clear()
    again = _codes(base_repo)
    assert hashed == [] and reads == []  # the new stats were kept: nothing to hash
    assert again == _codes(base_repo, use_cache=False)
    # a file added: the folders are walked and each row's stat compared, not the
    # snapshot's; the rows too have the new stats
    (base_repo / "incidents/2025").mkdir()
    (base_repo / "incidents/2025/notes.txt").write_text("not a record\n")
    _codes(base_repo)
    assert hashed == []
