"""`incidentctl list` and `show` on the base fixture plus a few records."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.store.repo import Repository
from tests.conftest import NOW


@pytest.fixture
def repo(roundtrip_repo: Path) -> Path:
    return roundtrip_repo


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["--repo", str(root), *args, "--now", NOW.isoformat()], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_list_table(repo: Path) -> None:
    code, out, _ = cli(repo, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "ID",
        "PRI",
        "STATUS",
        "SERVICE",
        "GROUP",
        "ASSIGNEE",
        "AGE",
        "TITLE",
    ]
    assert lines[1].split()[:4] == ["INC-2026-0042", "P2", "resolved", "payroll"]
    assert "18h25m" in lines[1]  # age of a resolved incident stops at its resolution
    assert lines[-1] == "4 incidents"


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        (["--open"], ["INC-2026-0090", "INC-2026-0091"]),
        (["--status", "resolved"], ["INC-2026-0042", "INC-2026-0092"]),
        (
            ["--status", "on_hold", "--status", "resolved"],
            ["INC-2026-0042", "INC-2026-0091", "INC-2026-0092"],
        ),
        (["--priority", "P4"], ["INC-2026-0091", "INC-2026-0092"]),
        (["--team", "service-desk"], ["INC-2026-0090"]),
        (["--assignee", "erin"], ["INC-2026-0042"]),
        (["--service", "crm"], []),
    ],
)
def test_list_filters_as_json(repo: Path, args: list[str], ids: list[str]) -> None:
    code, out, _ = cli(repo, "list", "--format", "json", *args)
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == ids


def test_list_rejects_an_unknown_status(repo: Path) -> None:
    code, _, err = cli(repo, "list", "--status", "open")
    assert code == 2 and "--status: unknown status 'open'" in err
    # the statuses it names come in lifecycle order, the same in every run
    assert "one of: new, in_progress, on_hold, resolved, closed, cancelled" in err


def test_show_derives_the_facts(repo: Path) -> None:
    code, out, _ = cli(repo, "show", "INC-2026-0042")
    assert code == 0
    assert out.startswith("INC-2026-0042  Payroll export fails with a timeout\n")
    for line in [
        "  acknowledged: 2026-11-20T16:20:00+00:00 (after 15m)",
        "  resolved:     2026-11-21T10:30:00+00:00 (after 18h25m)",
        "  on hold:      16h10m in 1 hold",
        "  reopened:     0",
        "  escalations:  functional to hr-systems at 2026-11-20T16:40:00+00:00 by bob",
        '  satisfaction: 4/5 "Quick once the vendor answered."',
        "  2026-11-21T09:10:00+00:00  erin  on_hold -> in_progress",
    ]:
        assert line in out.splitlines()


def test_show_json_and_an_open_hold_counts_until_now(repo: Path) -> None:
    code, out, _ = cli(repo, "show", "INC-2026-0091", "--format", "json")
    assert code == 0
    view = json.loads(out)
    assert view["on_hold"] == "3d21h30m in 1 hold"  # 2026-11-19T14:30 until --now
    assert view["hold_reason"] == "awaiting_vendor"
    assert view["acknowledged"] == "2026-11-19T14:30:00+00:00 (after 30m)"


def test_show_unknown_id_suggests_the_nearest(repo: Path) -> None:
    code, _, err = cli(repo, "show", "INC-2026-042")
    assert code == 2
    assert "unknown incident INC-2026-042" in err and "INC-2026-0042" in err


@pytest.mark.parametrize(
    "args",
    [["--open"], ["--status", "resolved"], ["--status", "closed", "--priority", "P3"]],
)
def test_list_from_the_index_equals_reading_every_file(
    example: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], incident_reads: list[str]
) -> None:
    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    expected = cli(example, "list", *args, "--format", "json")
    monkeypatch.delenv("INCIDENTCTL_NO_CACHE")
    assert cli(example, "list", *args, "--format", "json") == expected  # fills the index
    incident_reads.clear()
    assert cli(example, "list", *args, "--format", "json") == expected
    assert incident_reads == []  # every row came from the index
    assert json.loads(expected[1])  # the filters keep some rows: the test can fail


def test_an_edited_record_is_listed_as_it_is_now(example: Path) -> None:
    cli(example, "list", "--open")  # fills the index
    rows = json.loads(cli(example, "list", "--open", "--format", "json")[1])
    rel = next((example / "incidents").glob(f"*/{rows[0]['id']}.yaml"))
    rel.write_text(rel.read_text().replace(f"title: {rows[0]['title']}", "title: Renamed"))
    again = json.loads(cli(example, "list", "--open", "--format", "json")[1])
    assert [r["title"] for r in again if r["id"] == rows[0]["id"]] == ["Renamed"]


def test_records_touched_but_not_changed_are_listed_from_the_index(
    example: Path, incident_reads: list[str]
) -> None:
    """A fresh clone with the index restored: every file hashed, none parsed again."""
    expected = cli(example, "list", "--open", "--format", "json")  # fills the index
    sla = cli(example, "sla", "status", "--format", "json")
    for path in (example / "incidents").rglob("*.yaml"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    incident_reads.clear()
    assert cli(example, "list", "--open", "--format", "json") == expected
    assert incident_reads == []
    assert cli(example, "sla", "status", "--format", "json") == sla
    assert incident_reads == []  # the open ones' clock plans are in the index too


@pytest.mark.parametrize("command", [["list", "--open"], ["sla", "status"]], ids=["list", "sla"])
def test_files_are_statted_once_when_the_comparison_finds_too_many_changed(
    example: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """Every file touched (a fresh clone with the index restored): the snapshot's
    comparison finds them all changed and the command goes the usual way, with the
    stats the comparison took; the files are not statted a second time."""
    from incidentctl.store import repo as repo_module

    expected = cli(example, *command)
    assert cli(example, *command) == expected  # the index, its listing and snapshot
    for path in (example / "incidents").rglob("*.yaml"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    statted: list[int] = []
    original = repo_module.stat_files

    def spy(root: str, rels: list[str]) -> object:
        statted.append(len(rels))
        return original(root, rels)

    monkeypatch.setattr(repo_module, "stat_files", spy)
    assert cli(example, *command) == expected
    assert statted == []


@pytest.fixture
def full_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a command read every row of the index."""
    from incidentctl.store.cache import RecordCache

    reads: list[int] = []
    original = RecordCache._all_rows

    def spy(self: RecordCache) -> object:
        if not self._complete:
            reads.append(1)
        return original(self)

    monkeypatch.setattr(RecordCache, "_all_rows", spy)
    return reads


def test_nothing_changed_reads_only_the_rows_of_open_records(
    example: Path,
    monkeypatch: pytest.MonkeyPatch,
    full_reads: list[int],
    incident_reads: list[str],
) -> None:
    """After a whole validate, one comparison of every file's stat with the index's
    snapshot answers for all: the rows of closed records are not read. After an edit
    in place, only the edited file is read, and the snapshot takes its new entry."""
    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    expected = [cli(example, *c) for c in (["list", "--open"], ["sla", "status"])]
    monkeypatch.delenv("INCIDENTCTL_NO_CACHE")
    for _ in range(2):  # fills the index's rows (the list fields), then from them
        assert cli(example, "validate")[0] == 0
        full_reads.clear()
        assert [cli(example, *c) for c in (["list", "--open"], ["sla", "status"])] == expected
        assert full_reads == []
    # an edit in place: that file alone is read, and the snapshot patched
    record = next((example / "incidents").glob(f"*/{_first_open(expected[0][1])}.yaml"))
    rel = str(record.relative_to(example))
    record.write_text(record.read_text().replace("\ntitle: ", "\ntitle: Now "))
    os.utime(record, (1_600_000_000, 1_600_000_000))  # not racy: written long ago
    incident_reads.clear()
    assert "Now " in cli(example, "list", "--open")[1]
    assert (full_reads, incident_reads) == ([], [rel])
    incident_reads.clear()
    assert "Now " in cli(example, "list", "--open")[1]
    assert cli(example, "sla", "status") == expected[1]
    assert full_reads == []
    assert incident_reads == [rel]  # by sla: the plan of its new text, then kept
    incident_reads.clear()
    assert cli(example, "sla", "status") == expected[1]
    assert (full_reads, incident_reads) == ([], [])


def test_nothing_changed_sla_status_reads_no_row_of_the_index(
    example: Path,
    monkeypatch: pytest.MonkeyPatch,
    full_reads: list[int],
    incident_reads: list[str],
) -> None:
    """The snapshot holds every file's digest: once its comparison proves nothing
    changed, ``sla status`` takes the clock plans by digest and reads no row. An
    invalid record is still read, and still warned about."""
    from incidentctl.store.cache import RecordCache

    first = next(iter(sorted((example / "incidents").glob("*/*.yaml"))))
    first.write_text(first.read_text() + "unknown_key: 1\n")
    os.utime(first, (1_600_000_000, 1_600_000_000))  # not racy: written long ago
    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    expected = cli(example, "sla", "status")
    monkeypatch.delenv("INCIDENTCTL_NO_CACHE")
    assert f"skipped {first.relative_to(example)}" in expected[2]
    assert cli(example, "validate")[0] == 1  # the index and its snapshot
    assert cli(example, "sla", "status") == expected  # keeps the plans
    rows: list[int] = []
    original = RecordCache.rows

    def spy(self: RecordCache, rels: list[str]) -> object:
        rows.append(len(rels))
        return original(self, rels)

    monkeypatch.setattr(RecordCache, "rows", spy)
    full_reads.clear()
    incident_reads.clear()
    assert cli(example, "sla", "status") == expected
    assert full_reads == []
    assert rows == [1]  # the invalid record's own row, to read it
    assert incident_reads == [str(first.relative_to(example))]


@pytest.mark.parametrize(
    "command",
    [["list"], ["list", "--open"], ["sla", "status"], ["sla", "status", "--all"]],
    ids=["list", "list-open", "sla", "sla-all"],
)
def test_edits_in_place_that_change_what_is_shown_are_never_answered_from_the_index(
    example: Path, monkeypatch: pytest.MonkeyPatch, full_reads: list[int], command: list[str]
) -> None:
    """Edited in place, an open record made invalid and a resolved one made new again:
    the first command after the edits gives what a run without the index gives, though
    no folder changed, and reads the rows of no other file (but for a whole load)."""
    assert cli(example, "validate")[0] == 0
    assert cli(example, *command)[0] == 0  # the index's rows and plans
    rows = json.loads(cli(example, "list", "--format", "json")[1])
    open_id = next(r["id"] for r in rows if r["status"] == "in_progress")
    shut = next(r["id"] for r in rows if r["status"] == "resolved")
    opened = next((example / "incidents").glob(f"*/{open_id}.yaml"))
    opened.write_text(opened.read_text() + "unknown_key: 1\n")
    resolved = next((example / "incidents").glob(f"*/{shut}.yaml"))
    lines = resolved.read_text().split("\n")
    last = max(i for i, line in enumerate(lines) if line.startswith("  - {at: "))
    reopen = "{at: 2026-11-22T23:00:00+00:00, by: erin, kind: status, from: resolved, to: new}"
    lines.insert(last + 1, f"  - {reopen}")
    resolved.write_text("\n".join(lines).replace("\nstatus: resolved\n", "\nstatus: new\n"))
    for path in (opened, resolved):
        os.utime(path, (1_600_000_000, 1_600_000_000))  # not racy: written long ago
    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    expected = cli(example, *command)
    monkeypatch.delenv("INCIDENTCTL_NO_CACHE")
    if command[0] == "list":
        assert open_id not in expected[1] and shut in expected[1]
    else:
        assert f"skipped {opened.relative_to(example)}" in expected[2]
        assert shut in expected[1]
    guessed: list[str] = []  # the files whose clocks or rows were guessed
    original = Repository.guess_paths_with

    def spy(self: Repository, statuses: Any, summaries: Any = None) -> list[str] | None:
        found = original(self, statuses, summaries)
        guessed.extend(summaries or found or [])  # rows taken, else clocks to take
        return found

    monkeypatch.setattr(Repository, "guess_paths_with", spy)
    full_reads.clear()
    assert cli(example, *command) == expected
    assert full_reads == ([1] if "--all" in command else [])
    if "--all" not in command:  # what was guessed of the edited file was not used
        assert str(opened.relative_to(example)) in guessed
    assert cli(example, *command) == expected  # from the patched snapshot


def _first_open(table: str) -> str:
    return table.splitlines()[1].split()[0]


def _sla_at(root: Path, now: str, *args: str) -> str:
    result = CliRunner().invoke(
        main, ["--repo", str(root), "sla", "status", *args, "--now", now], catch_exceptions=False
    )
    return result.stdout


@pytest.mark.parametrize("args", [[], ["--all", "--format", "json"]], ids=["open", "all"])
def test_clock_plans_kept_in_the_index_give_the_clocks_of_any_later_now(
    example: Path, monkeypatch: pytest.MonkeyPatch, incident_reads: list[str], args: list[str]
) -> None:
    """``sla status`` keeps each record's clock plan (all but the running phase); a
    later run, at a later ``now``, computes the clocks from the plans without reading
    the records, and gets what a run without the index gets."""
    times = ["2026-11-23T12:00:00+00:00", "2026-11-24T03:17:00+00:00", "2026-12-02T09:00:00+00:00"]
    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    expected = [_sla_at(example, t, *args) for t in times]
    monkeypatch.delenv("INCIDENTCTL_NO_CACHE")
    assert _sla_at(example, times[0], *args) == expected[0]  # keeps the plans
    incident_reads.clear()
    assert [_sla_at(example, t, *args) for t in times] == expected
    assert incident_reads == []
    # an earlier now than some records' entries: those are read, not planned
    early = "2026-11-20T10:00:00+00:00"
    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    before = _sla_at(example, early, *args)
    monkeypatch.delenv("INCIDENTCTL_NO_CACHE")
    assert _sla_at(example, early, *args) == before
    assert incident_reads != []
    # other clock code or zone rules: the plans are dropped, the records read again
    monkeypatch.setattr("incidentctl.commands.sla.plan_key", lambda policies: "other code")
    incident_reads.clear()
    assert _sla_at(example, times[1], *args) == expected[1]
    assert incident_reads != []


def test_after_files_come_and_go_one_run_walks_and_the_next_does_not(
    example: Path, full_reads: list[int]
) -> None:
    """As after a ``git pull``: a record added, one removed. The next ``list`` walks
    the folders and reads every row; it keeps what the walk found, so the run after it
    neither walks nor reads the rows of closed records."""
    assert cli(example, "validate")[0] == 0
    rows = json.loads(cli(example, "list", "--open", "--format", "json")[1])
    first = next((example / "incidents").glob(f"*/{rows[0]['id']}.yaml"))
    added = first.with_name("INC-2026-0999.yaml")
    added.write_text(first.read_text().replace(rows[0]["id"], "INC-2026-0999"))
    gone = next((example / "incidents").glob(f"*/{rows[1]['id']}.yaml"))
    gone.unlink()
    for path in (added, added.parent):  # written long ago: nothing racy
        os.utime(path, (1_600_000_000, 1_600_000_000))
    full_reads.clear()
    after = json.loads(cli(example, "list", "--open", "--format", "json")[1])
    ids = {r["id"] for r in after}
    assert "INC-2026-0999" in ids and rows[1]["id"] not in ids
    assert full_reads == [1]
    full_reads.clear()
    assert json.loads(cli(example, "list", "--open", "--format", "json")[1]) == after
    assert full_reads == []


def _checked_out_again(path: Path, text: str) -> None:
    """As ``git checkout`` writes a file: a new file renamed into place (its folder's
    mtime moves), all written long ago (nothing racy)."""
    new = path.with_name(path.name + ".tmp")
    new.write_text(text)
    new.replace(path)
    for p in (path, path.parent):
        os.utime(p, (1_600_000_000, 1_600_000_000))


@pytest.mark.parametrize(
    "command",
    [["list", "--open"], ["sla", "status"], ["sla", "status", "--format", "json"]],
    ids=["list-open", "sla", "sla-json"],
)
@pytest.mark.parametrize("child", [False, True], ids=["alone", "child-stats"])
def test_after_a_checkout_one_run_walks_beside_the_stats_and_reads_no_other_row(
    example: Path,
    monkeypatch: pytest.MonkeyPatch,
    full_reads: list[int],
    incident_reads: list[str],
    walks: list[int],
    command: list[str],
    child: bool,
) -> None:
    """A ``git pull`` or checkout that changes records renames them into place: the
    folders' mtimes move, so the listing the index keeps no longer holds. The next
    run walks the folders while the snapshot's files are statted; the walk finds the
    very files of the snapshot, so the comparison answers as when nothing moved: the
    changed record alone is read, no other row. It keeps the walk's listing: the run
    after it does not walk. With ``child``, a forked child stats the files (on Linux)."""
    if child:
        monkeypatch.setattr("incidentctl.store.cache.SPLIT_AFTER", 1)
    assert cli(example, "validate")[0] == 0  # the index, its listing and its snapshot
    assert cli(example, *command)[0] == 0  # the plans and the list fields
    shown = json.loads(cli(example, "list", "--open", "--format", "json")[1])
    record = next((example / "incidents").glob(f"*/{shown[0]['id']}.yaml"))
    _checked_out_again(record, record.read_text().replace("\ntitle: ", "\ntitle: Now "))
    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    expected = cli(example, *command)
    monkeypatch.delenv("INCIDENTCTL_NO_CACHE")
    assert "Now " in expected[1] or command[0] == "sla"
    full_reads.clear()
    incident_reads.clear()
    walks.clear()
    assert cli(example, *command) == expected
    assert (walks, full_reads) == ([1], [])
    assert incident_reads == [str(record.relative_to(example))]
    walks.clear()
    incident_reads.clear()
    assert cli(example, *command) == expected
    assert (walks, full_reads, incident_reads) == ([], [], [])


def test_after_a_pull_that_adds_a_record_the_walk_goes_the_usual_way(
    example: Path, monkeypatch: pytest.MonkeyPatch, walks: list[int]
) -> None:
    """The walk finds a file the snapshot does not hold: what the comparison began is
    dropped, every row is read as before, and the new record is shown."""
    assert cli(example, "validate")[0] == 0
    rows = json.loads(cli(example, "list", "--open", "--format", "json")[1])
    first = next((example / "incidents").glob(f"*/{rows[0]['id']}.yaml"))
    added = first.with_name("INC-2026-0999.yaml")
    _checked_out_again(added, first.read_text().replace(rows[0]["id"], "INC-2026-0999"))
    for command in (["list", "--open"], ["sla", "status"]):
        monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
        expected = cli(example, *command)
        monkeypatch.delenv("INCIDENTCTL_NO_CACHE")
        assert "INC-2026-0999" in expected[1]
        walks.clear()
        assert cli(example, *command) == expected
        assert walks == ([1] if command[0] == "list" else [])  # then the listing holds


def test_the_listing_a_checkout_run_keeps_names_no_row_of_a_file_gone(
    example: Path, monkeypatch: pytest.MonkeyPatch, walks: list[int]
) -> None:
    """A kept listing names the index's rows. A row of a file the walk did not find
    (one read alone, since removed; here written into the index directly) goes when
    the run after a checkout keeps its walk's listing: a later run that lists the
    files from the index never names the file gone."""
    import sqlite3

    from incidentctl.store.cache import CACHE_DIR, DB_FILE

    assert cli(example, "validate")[0] == 0
    expected = cli(example, "list", "--open")
    db = sqlite3.connect(example / CACHE_DIR / DB_FILE)
    some = db.execute("SELECT * FROM files ORDER BY rel LIMIT 1").fetchone()
    gone = "incidents/2026/INC-2026-0998.yaml"
    db.execute(f"INSERT INTO files VALUES ({','.join('?' * len(some))})", (gone, *some[1:]))
    db.commit()
    record = next((example / "incidents").glob("2026/*.yaml"))
    _checked_out_again(record, record.read_text())
    walks.clear()
    assert cli(example, "list", "--open") == expected
    assert walks == [1]
    rels = {r for (r,) in db.execute("SELECT rel FROM files")}
    assert gone not in rels and str(record.relative_to(example)) in rels
    listed = db.execute("SELECT value FROM meta WHERE name = 'listed'").fetchone()[0]
    assert json.loads(listed)[2:] == [[], True]  # kept: nothing unread, nothing else
    db.close()
    monkeypatch.setattr("incidentctl.store.cache.SETTLE_CHANGED_SHARE", -1.0)  # the rows
    walks.clear()
    assert cli(example, "list", "--open") == expected  # listed from the index, no walk
    assert walks == []


def test_after_a_checkout_kpi_walks_once_and_keeps_the_listing(
    example: Path, walks: list[int]
) -> None:
    """``kpi`` keeps no index of its own records, but its walk after a checkout finds
    the index's snapshot's files: it keeps that listing, so the next run (of any
    command) does not walk."""
    assert cli(example, "validate")[0] == 0
    expected = cli(example, "kpi")
    record = next((example / "incidents").glob("2026/*.yaml"))
    _checked_out_again(record, record.read_text())
    walks.clear()
    assert cli(example, "kpi") == expected
    assert walks == [1]
    walks.clear()
    assert cli(example, "kpi") == expected
    assert cli(example, "list", "--open")[0] == 0
    assert walks == []


def test_a_first_kpi_keeps_the_listing_it_took_the_files_from(
    example: Path, walks: list[int], full_reads: list[int]
) -> None:
    """With its facts cache empty, ``kpi`` loads every record the index's listing
    names (a whole load, no walk). Its save keeps that listing and the snapshot: the
    next command neither walks nor reads every row."""
    assert cli(example, "validate")[0] == 0
    expected = cli(example, "list", "--open")  # the list fields into the index
    assert cli(example, "list", "--open") == expected
    walks.clear()
    assert cli(example, "kpi")[0] == 0
    assert walks == []
    full_reads.clear()
    assert cli(example, "list", "--open") == expected
    assert (walks, full_reads) == ([], [])
