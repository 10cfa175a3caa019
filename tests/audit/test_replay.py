"""The audit's findings over scripted histories: one test per finding class."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audit.conftest import OLD, REC, REPORTED, History, audit_json, codes, run, step
from tests.gitrepo import incident_text

BACKFILL = f"AUD008@{OLD}"  # the base fixture arrives resolved in the first commit
ACK = step("2026-11-22T09:40:00+00:00", "new", "in_progress")


def test_merge_and_squash_workflows_are_clean(history: History) -> None:
    history.config("audit: {require_merges: true}\n")
    history.commit("Require merges", "2026-11-22T09:01:00+00:00")
    history.git("switch", "--quiet", "-c", "open")
    history.open_record()
    merge = history.merge("open", 1, "2026-11-22T09:36:00+00:00")
    history.git("switch", "--quiet", "-c", "ack")
    history.set_status("in_progress", ACK)
    history.commit("Acknowledge", "2026-11-22T09:41:00+00:00")
    squash = history.squash("ack", "Acknowledge INC-2026-0050", 2, "2026-11-22T09:42:00+00:00")
    code, findings = audit_json(history.root)
    assert (code, codes(findings)) == (0, [BACKFILL])
    result = run(history.root, "audit")
    assert "2 commits changing 2 records" not in result.stdout  # the config commit changes none
    assert "3 commits changing 2 records audited up to" in result.stdout
    assert merge != squash


def test_direct_push_is_reported_only_when_merges_are_required(history: History) -> None:
    history.open_record()
    assert codes(audit_json(history.root)[1]) == [BACKFILL]
    history.config("audit: {require_merges: true}\n")
    history.commit("Require merges", "2026-11-22T09:50:00+00:00")
    code, findings = audit_json(history.root)
    assert code == 0
    assert codes(findings) == [BACKFILL, f"AUD011@{REC}"]
    push = next(f for f in findings if f["code"] == "AUD011")
    assert push["severity"] == "warning"
    assert push["commit"] == history.git("rev-list", "--max-count=1", "HEAD~1")
    assert push["author"] == "Test Author <author@example.com>"
    assert push["date"] == "2026-11-22T09:35:00+00:00"
    assert push["id"] == "INC-2026-0050"


def test_an_illegal_transition_is_an_error_with_its_commit(history: History) -> None:
    history.open_record()
    history.set_status("closed", step("2026-11-22T09:40:00+00:00", "new", "closed"))
    sha = history.commit("Close at once", "2026-11-22T09:41:00+00:00")
    code, findings = audit_json(history.root)
    assert code == 1
    bad = [f for f in findings if f["code"] == "AUD001"]
    assert [(f["path"], f["commit"], f["line"]) for f in bad] == [(REC, sha, 17)]
    assert bad[0]["name"] == "illegal-transition-merged"
    assert "new -> closed is not allowed" in str(bad[0]["message"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("kind: reported", "kind: reported, note: typo"),
            "entry 0 (reported at 2026-11-22T09:30:00+00:00) was edited",
        ),
        (("to: in_progress}\n", "to: in_progress}\n" + ACK.replace("09:40", "09:45")), None),
    ],
)
def test_timeline_edits_are_errors(
    history: History, edit: tuple[str, str], message: str | None
) -> None:
    history.open_record()
    history.set_status("in_progress", ACK)
    history.commit("Acknowledge", "2026-11-22T09:41:00+00:00")
    history.repo.replace(REC, *edit)
    history.commit("Edit", "2026-11-22T09:50:00+00:00")
    code, findings = audit_json(history.root)
    if message is None:  # a second, duplicate step appended: an illegal step, not an edit
        assert code == 1 and f"AUD001@{REC}" in codes(findings)
        return
    assert code == 1
    assert f"AUD002@{REC}" in codes(findings)
    assert message in next(str(f["message"]) for f in findings if f["code"] == "AUD002")


def test_removed_and_reordered_entries(history: History) -> None:
    history.open_record()
    note = "  - {at: 2026-11-22T09:45:00+00:00, by: bob, kind: note, text: Called back.}\n"
    history.set_status("in_progress", ACK + note)
    history.commit("Acknowledge", "2026-11-22T09:46:00+00:00")
    history.repo.replace(REC, ACK + note, note + ACK)
    history.commit("Reorder", "2026-11-22T09:50:00+00:00")
    history.repo.replace(REC, note, "")
    history.commit("Remove", "2026-11-22T09:55:00+00:00")
    code, findings = audit_json(history.root)
    messages = [str(f["message"]) for f in findings if f["code"] == "AUD002"]
    assert code == 1
    assert any("was moved" in m for m in messages)
    assert any("was removed" in m for m in messages)


def test_immutable_fields_final_records_deletions_and_moves(history: History) -> None:
    history.open_record()
    history.repo.replace(REC, "reported_by: dana@example.com", "reported_by: eve@example.com")
    history.commit("Change reporter", "2026-11-22T09:40:00+00:00")
    history.repo.replace(OLD, "status: resolved", "status: closed")
    history.repo.write(
        OLD,
        history.repo.read(OLD).replace(
            "resolution:\n",
            step("2026-11-22T09:50:00+00:00", "resolved", "closed") + "resolution:\n",
            1,
        ),
    )
    history.commit("Close", "2026-11-22T09:51:00+00:00")
    history.repo.replace(OLD, "title: Payroll export fails with a timeout", "title: Payroll export")
    history.commit("Retitle a closed record", "2026-11-22T09:52:00+00:00")
    history.repo.move(REC, "incidents/2025/INC-2026-0050.yaml")
    history.commit("Move", "2026-11-22T09:53:00+00:00")
    history.git("rm", "--quiet", "incidents/2025/INC-2026-0050.yaml")
    history.commit("Delete", "2026-11-22T09:54:00+00:00")
    code, findings = audit_json(history.root)
    assert code == 1
    assert codes(findings) == sorted(
        [
            BACKFILL,
            f"AUD003@{REC}",
            f"AUD004@{OLD}",
            "AUD006@incidents/2025/INC-2026-0050.yaml",
            "AUD005@incidents/2025/INC-2026-0050.yaml",
        ]
    )


def test_a_renamed_record_is_an_error(history: History) -> None:
    history.open_record()
    history.repo.move(REC, "incidents/2026/INC-2026-0051.yaml")
    history.commit("Renumber", "2026-11-22T09:40:00+00:00")
    code, findings = audit_json(history.root)
    assert code == 1
    renamed = [f for f in findings if f["code"] == "AUD005"]
    assert [f["message"] for f in renamed] == [
        "INC-2026-0050.yaml was renamed to incidents/2026/INC-2026-0051.yaml"
    ]


def test_new_records_not_in_new_and_backfilled(history: History) -> None:
    history.repo.write(REC, incident_text(reported_at=REPORTED, status="resolved"))
    history.commit("Add resolved", "2026-11-22T09:35:00+00:00")
    back = "incidents/2026/INC-2026-0051.yaml"
    history.repo.write(
        back, incident_text("INC-2026-0051", REPORTED, status="in_progress", entries=ACK)
    )
    history.commit("Back-fill", "2026-11-22T09:45:00+00:00")
    code, findings = audit_json(history.root)
    assert (code, codes(findings)) == (1, sorted([BACKFILL, f"AUD007@{REC}", f"AUD008@{back}"]))


def test_timestamp_drift_both_ways_and_as_an_error(history: History) -> None:
    history.open_record("2026-11-24T10:00:00+00:00")  # recorded two days late
    history.set_status("in_progress", step("2026-11-24T12:00:00+00:00", "new", "in_progress"))
    history.commit("Acknowledge in advance", "2026-11-24T11:00:00+00:00")
    code, findings = audit_json(history.root)
    drift = [f for f in findings if f["code"] == "AUD010"]
    assert code == 0
    assert [f["message"] for f in drift] == [
        "1 timeline entry dated up to 2d30m before the commit that added it (audit.max_drift 1d)",
        "1 timeline entry dated up to 1h after the commit that added it",
    ]
    assert [f["line"] for f in drift] == [16, 17]
    history.config("audit: {max_drift: 3d, errors: [AUD010]}\n")
    history.commit("Drift is an error", "2026-11-24T11:05:00+00:00")
    code, findings = audit_json(history.root)
    drift = [f for f in findings if f["code"] == "AUD010"]
    assert code == 1
    assert [(f["severity"], f["line"]) for f in drift] == [("error", 17)]


def test_unsigned_commits_when_signatures_are_required(history: History) -> None:
    history.config("audit: {require_signed: true}\n")
    history.commit("Require signatures", "2026-11-22T09:01:00+00:00")
    history.open_record()
    code, findings = audit_json(history.root)
    unsigned = [f for f in findings if f["code"] == "AUD012"]
    assert code == 0
    assert sorted(f["path"] for f in unsigned) == [OLD, REC]
    assert unsigned[0]["message"] == "changed by a commit whose signature is missing (unsigned)"


def test_a_correction_commit_explains_its_findings(history: History) -> None:
    history.open_record()
    history.repo.replace(
        REC, "2026-11-22T09:30:00+00:00, by: dana", "2026-11-22T09:20:00+00:00, by: dana"
    )
    history.commit(
        "Fix the report time\n\nIncident-Correction: the caller phoned at 09:20, typed as 09:30",
        "2026-11-22T09:40:00+00:00",
    )
    code, findings = audit_json(history.root)
    fixed = next(f for f in findings if f["code"] == "AUD002")
    assert code == 0
    assert fixed["explained"] is True
    assert fixed["explanation"] == "the caller phoned at 09:20, typed as 09:30"
    text = run(history.root, "audit").stdout
    assert "explained: the caller phoned at 09:20, typed as 09:30" in text
    assert "0 errors, 1 warning, 1 explained" in text


def test_since_and_until_limit_the_range(history: History) -> None:
    first = history.open_record()
    history.set_status("closed", step("2026-11-22T09:40:00+00:00", "new", "closed"))
    bad = history.commit("Close at once", "2026-11-22T09:41:00+00:00")
    history.set_status(
        "closed", "  - {at: 2026-11-22T09:45:00+00:00, by: bob, kind: note, text: x}\n"
    )
    history.commit("Note on a closed record", "2026-11-22T09:46:00+00:00")
    assert codes(audit_json(history.root, "--since", bad)[1]) == [f"AUD004@{REC}"]
    assert codes(audit_json(history.root, "--until", first)[1]) == [BACKFILL]
    code, findings = audit_json(history.root, "--since", first, "--until", bad)
    assert (code, codes(findings)) == (1, [f"AUD001@{REC}"])


def test_unknown_revisions_and_shallow_clones_are_refused(history: History, tmp_path: Path) -> None:
    result = run(history.root, "audit", "--since", "nope")
    assert result.exit_code == 2
    assert "--since: unknown revision 'nope'" in result.stderr
    history.open_record()
    clone = tmp_path / "shallow"
    history.git("clone", "--quiet", "--depth", "1", f"file://{history.root}", str(clone))
    for args in (["audit"], ["history", "INC-2026-0050"]):
        result = run(clone, *args)
        assert result.exit_code == 2
        assert "shallow" in result.stderr and "fetch-depth: 0" in result.stderr


def test_a_version_that_does_not_parse_is_reported(history: History) -> None:
    history.open_record()
    history.repo.write(REC, history.repo.read(REC).replace("status: new", "status: [new"))
    history.commit("Break it", "2026-11-22T09:40:00+00:00")
    history.repo.write(REC, history.repo.read(REC).replace("status: [new", "status: new"))
    history.commit("Mend it", "2026-11-22T09:41:00+00:00")
    code, findings = audit_json(history.root)
    assert (code, codes(findings)) == (0, sorted([BACKFILL, f"AUD009@{REC}"]))


def test_the_example_repository_audits_every_record_it_holds() -> None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists() or run(root, "audit").exit_code == 2:
        pytest.skip("the example repository is not a full git clone here")
    result = run(root, "audit", "--format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == (
        1 if any(f["severity"] == "error" and not f["explained"] for f in data["findings"]) else 0
    )
    current = len(list((root / "incidents").glob("*/*.yaml")))
    assert data["summary"]["records"] >= current
    assert data["summary"]["versions"] >= current


def test_a_repository_without_commits(tmp_path: Path, history: History) -> None:
    empty = tmp_path / "empty"
    (empty / "policies").mkdir(parents=True)
    history.git("init", "--quiet", str(empty))
    result = run(empty, "audit")
    assert result.exit_code == 2
    assert "the repository has no commit yet" in result.stderr


def test_a_commit_of_thousands_of_records_does_not_stall(history: History) -> None:
    """An import of 3,000 records in one commit: git's answers (~1.5 MB) and the
    questions (~120 kB) are each more than a pipe holds, so they must flow at once."""
    for n in range(100, 3100):
        rid = f"INC-2026-{n:04d}"
        history.repo.write(f"incidents/2026/{rid}.yaml", incident_text(rid, REPORTED))
    history.commit("Import 3,000 records", "2026-11-22T09:35:00+00:00")
    done = subprocess.run(
        [sys.executable, "-m", "incidentctl", "--repo", str(history.root), "audit"],
        capture_output=True,
        text=True,
        timeout=60,  # stalled, it would wait for ever
    )
    assert done.returncode == 0, done.stderr
    assert "2 commits changing 3001 records audited" in done.stdout


def test_bounded_memory_gives_the_same_findings(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Holding fewer records' versions (read again from git when they change) and
    checking a large commit a few changes at a time find exactly what one pass does."""
    ids = [f"INC-2026-{n:04d}" for n in range(60, 66)]
    rels = [f"incidents/2026/{i}.yaml" for i in ids]
    for rid, rel in zip(ids, rels, strict=True):
        history.repo.write(rel, incident_text(rid, REPORTED))
    history.commit("Open six", "2026-11-22T09:35:00+00:00")
    for n, rel in enumerate(rels[::-1]):  # each acknowledged in its own commit
        history.repo.replace(rel, "status: new", "status: in_progress")
        history.repo.write(rel, history.repo.read(rel) + ACK)
        history.commit(f"Acknowledge {n}", f"2026-11-22T09:4{n}:00+00:00")
    # one commit: two modified (one illegally, one with an edited entry), two added
    # (one back-filled, one with an entry from the future), one unchanged
    history.repo.replace(rels[1], "status: in_progress", "status: closed")
    history.repo.write(
        rels[1],
        history.repo.read(rels[1]) + step("2026-11-22T09:50:00+00:00", "in_progress", "closed"),
    )
    history.repo.replace(rels[4], "kind: reported", "kind: reported, note: typo")
    history.repo.write(
        "incidents/2026/INC-2026-0055.yaml",
        incident_text(
            "INC-2026-0055",
            REPORTED,
            status="resolved",
            entries=ACK + step("2026-11-22T09:45:00+00:00", "in_progress", "resolved"),
        ),
    )
    history.repo.write(
        "incidents/2026/INC-2026-0071.yaml",
        incident_text("INC-2026-0071", "2026-11-29T09:00:00+00:00"),
    )
    history.commit("Many at once", "2026-11-22T09:55:00+00:00")
    history.repo.replace(rels[0], "status: in_progress", "status: new")  # after eviction
    history.commit("Back to new", "2026-11-22T09:56:00+00:00")
    expected = audit_json(history.root)
    found = [(f["code"], f["id"]) for f in expected[1]]
    assert ("AUD008", "INC-2026-0055") in found and ("AUD001", ids[1]) in found
    assert {"AUD002", "AUD009"} <= {code for code, _ in found}
    told = run(history.root, "history", ids[0]).stdout
    for keep, chunk in [(1, 1), (2, 2), (3, 1)]:
        monkeypatch.setattr("incidentctl.audit.replay.KEEP", keep)
        monkeypatch.setattr("incidentctl.audit.replay.CHUNK", chunk)
        assert audit_json(history.root) == expected, (keep, chunk)
        assert run(history.root, "history", ids[0]).stdout == told
