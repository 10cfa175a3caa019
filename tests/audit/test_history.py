"""``incidentctl history ID`` over merge and squash workflows and a year-folder move."""

from __future__ import annotations

import json

from tests.audit.conftest import REC, History, run, step

ACK = step("2026-11-22T09:40:00+00:00", "new", "in_progress")


def build(history: History) -> History:
    """Open in a merged pull request, acknowledge in a squashed one, move on main."""
    history.git("switch", "--quiet", "-c", "open")
    history.open_record()
    history.merge("open", 7, "2026-11-22T09:36:00+00:00")
    history.git("switch", "--quiet", "-c", "ack")
    history.set_status("in_progress", ACK)
    history.repo.replace(REC, "impact: medium", "impact: medium\nassignee: erin")
    history.commit("Acknowledge", "2026-11-22T09:41:00+00:00")
    history.squash("ack", "Acknowledge INC-2026-0050", 8, "2026-11-22T09:42:00+00:00")
    history.repo.move(REC, "incidents/2025/INC-2026-0050.yaml")
    history.commit("Move to the wrong year", "2026-11-22T09:50:00+00:00")
    return history


def test_history_json_lists_each_commit_with_its_semantic_diff(history: History) -> None:
    build(history)
    result = run(history.root, "history", "INC-2026-0050", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    commits = data["commits"]
    assert data["id"] == "INC-2026-0050"
    assert [c["pull_request"] for c in commits] == [7, 8, None]
    merge, squash, move = commits
    assert merge["merge"] is True
    assert [b["subject"] for b in merge["branch_commits"]] == ["Open INC-2026-0050"]
    assert merge["changes"][0]["change"] == "added"
    assert merge["changes"][0]["appended"][0]["kind"] == "reported"
    assert merge["author"] == "Test Author" and merge["committer"] == "Test Committer"
    assert merge["signature"] == "none"
    diff = squash["changes"][0]
    assert diff["status"] == {"from": "new", "to": "in_progress"}
    assert diff["fields"] == [{"field": "assignee", "old": None, "new": "erin"}]
    assert diff["appended"] == [
        {
            "at": "2026-11-22T09:40:00+00:00",
            "by": "bob",
            "kind": "status",
            "from": "new",
            "to": "in_progress",
        }
    ]
    assert sorted(c["change"] for c in move["changes"]) == ["added", "deleted"]
    assert [f["code"] for f in move["findings"]] == ["AUD006"]


def test_history_text(history: History) -> None:
    build(history)
    out = run(history.root, "history", "INC-2026-0050").stdout
    assert "pull request #7" in out and "pull request #8" in out
    assert "      status: new -> in_progress\n" in out
    assert '      assignee: null -> "erin"\n' in out
    assert "      + 2026-11-22T09:40:00+00:00 bob: status new -> in_progress\n" in out
    assert "[AUD006 record-moved-in-history]" in out
    assert "    via " in out and ": Open INC-2026-0050\n" in out
    assert out.endswith("INC-2026-0050: 3 commits on the branch\n")


def test_history_of_an_unknown_or_malformed_id(history: History) -> None:
    result = run(history.root, "history", "INC-2026-0099")
    assert result.exit_code == 2
    assert "no commit on the branch changed INC-2026-0099" in result.stderr
    result = run(history.root, "history", "payroll")
    assert result.exit_code == 2
    assert "'payroll' is not an incident ID" in result.stderr


def test_history_escapes_newlines_of_user_text(history: History) -> None:
    history.open_record()
    history.repo.replace(REC, "impact: medium", 'impact: medium\nassignee: "eve\\nforged: line"')
    history.commit("Assign", "2026-11-22T09:40:00+00:00")
    out = run(history.root, "history", "INC-2026-0050").stdout
    assert '      assignee: null -> "eve\\nforged: line"\n' in out
    assert "\nforged" not in out


def test_history_until_an_earlier_commit(history: History) -> None:
    build(history)
    result = run(history.root, "history", "INC-2026-0050", "--until", "HEAD~1", "--format", "json")
    assert result.exit_code == 0
    assert [c["pull_request"] for c in json.loads(result.stdout)["commits"]] == [7, 8]
