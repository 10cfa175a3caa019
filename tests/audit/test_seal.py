"""Audit points: ``audit --record`` and a later audit that finds a rewritten history."""

from __future__ import annotations

import json

from tests.audit.conftest import REC, History, audit_json, run, step

NOW = "2026-11-22T12:00:00+00:00"


def recorded(history: History) -> dict[str, object]:
    result = run(history.root, "audit", "--format", "json", "--record", "--now", NOW)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["recorded"]
    assert isinstance(data, dict)
    return data


def test_record_stores_the_commit_and_a_digest_in_a_note(history: History) -> None:
    history.open_record()
    head = history.git("rev-parse", "HEAD")
    note = recorded(history)
    stored = json.loads(history.git("notes", "--ref=incidentctl", "show", head))
    assert stored == note
    assert note["verified"] == head
    assert note["records"] == 2
    assert str(note["digest"]).startswith("sha256:")
    assert note["recorded_at"] == NOW
    assert note["recorded_by"] == "test@example.com"
    assert audit_json(history.root)[0] == 0  # an intact history stays clean


def test_a_rewritten_history_is_caught_and_the_lost_commits_named(history: History) -> None:
    history.open_record()
    history.set_status("in_progress", step("2026-11-22T09:40:00+00:00", "new", "in_progress"))
    lost = history.commit("Acknowledge", "2026-11-22T09:41:00+00:00")
    recorded(history)
    history.git("reset", "--quiet", "--hard", "HEAD~1")
    history.set_status("in_progress", step("2026-11-22T09:42:00+00:00", "new", "in_progress"))
    history.commit("Acknowledge, rewritten", "2026-11-22T09:43:00+00:00")
    code, findings = audit_json(history.root)
    rewritten = [f for f in findings if f["code"] == "AUD020"]
    assert code == 1
    assert len(rewritten) == 1
    assert rewritten[0]["commit"] == lost
    assert rewritten[0]["path"] == "refs/notes/incidentctl"
    assert rewritten[0]["author"] == "test@example.com"
    assert rewritten[0]["date"] == NOW
    assert f"1 commit disappeared: {lost[:12]}" in str(rewritten[0]["message"])


def test_a_forged_digest_is_caught(history: History) -> None:
    history.open_record()
    head = history.git("rev-parse", "HEAD")
    note = recorded(history)
    forged = json.dumps({**note, "digest": "sha256:" + "0" * 64})
    history.git("notes", "--ref=incidentctl", "add", "-f", "-m", forged, head)
    code, findings = audit_json(history.root)
    assert code == 1
    assert [f["code"] for f in findings if f["path"] == "refs/notes/incidentctl"] == ["AUD021"]


def test_record_in_text_says_where_it_stored_the_point(history: History) -> None:
    history.open_record()
    result = run(history.root, "audit", "--record", "--now", NOW)
    assert result.exit_code == 0
    assert "audit point recorded on" in result.stdout
    assert "in refs/notes/incidentctl (sha256:" in result.stdout
    assert REC  # the record the point covers is in its digest


def test_a_new_audit_point_acknowledges_a_confirmed_rewrite(history: History) -> None:
    history.open_record()
    lost = history.commit("To be dropped", "2026-11-22T09:40:00+00:00")
    recorded(history)
    history.git("reset", "--quiet", "--hard", "HEAD~1")
    assert [f["code"] for f in audit_json(history.root)[1]].count("AUD020") == 1
    result = run(history.root, "audit", "--format", "json", "--record", "--now", NOW)
    assert result.exit_code == 1  # the run that records still reports the rewrite
    assert json.loads(result.stdout)["recorded"]["acknowledged"] == [lost]
    code, findings = audit_json(history.root)
    assert code == 0
    assert "AUD020" not in [f["code"] for f in findings]
