"""Lifecycle commands: round-trip edits, refusals, atomic and guarded writes, git branches."""

from __future__ import annotations

import difflib
import io
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl import edits
from incidentctl.cli import main
from incidentctl.commands.authoring import (
    EditRequest,
    apply_edit,
    execute,
    load_record,
    planner,
)
from incidentctl.edits import Actor, Edit
from incidentctl.model.incident import Status
from incidentctl.store import yamlread
from incidentctl.store.repo import load_repository
from incidentctl.store.yamledit import render_flow
from tests.conftest import ROUNDTRIP
from tests.gitrepo import GitRepo, git_env  # noqa: F401

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "incidents").glob("*/*.yaml"))
NOW = "2026-11-23T12:00:00+00:00"


def _pick(status: Status) -> tuple[str, object] | None:
    """A command that applies in each state, to edit every file once."""
    return {
        Status.NEW: ("ack", edits.ack),
        Status.IN_PROGRESS: ("hold", lambda i, a, p: edits.hold(i, a, p, "awaiting_caller")),
        Status.ON_HOLD: ("resume", edits.resume),
        Status.RESOLVED: ("close", edits.close),
        Status.CLOSED: ("survey", lambda i, a, p: edits.survey(i, a, p, 4, "Thanks, all good")),
    }.get(status)


@pytest.mark.parametrize("path", ROUNDTRIP + EXAMPLES, ids=lambda p: p.name)
def test_an_edit_changes_only_what_it_must(path: Path) -> None:
    repo = load_repository(ROOT)
    text = path.read_text(encoding="utf-8")
    _, model = load_record(repo, _rel(repo.root, path))
    pick = _pick(model.status)
    if pick is None:
        pytest.skip(f"{model.status.value}: a final record takes nothing")
    if "\ntimeline: [" in text:
        pytest.skip("a flow-style timeline is rewritten as a block list (tested below)")
    _, plan = pick
    actor = Actor(model.timeline[-1].at + timedelta(minutes=5), "tester")
    edit: Edit = plan(model, actor, repo.policies)  # type: ignore[operator]
    new = apply_edit(text, edit)
    old_lines, new_lines = text.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    removed, added = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += old_lines[i1:i2]
            added += new_lines[j1:j2]
    touched = set(edit.set) | set(edit.remove)
    assert all(line.split(":")[0] in touched for line in removed), removed
    entry_lines = [line for line in added if line.split(":")[0] not in touched]
    appended = yamlread.load("x:\n" + "".join(entry_lines))["x"]
    assert appended == [yamlread.load("x: " + render_flow(edit.entry))["x"]]
    assert sorted(line.split(":")[0] for line in added if line not in entry_lines) == sorted(
        edit.set
    )
    for line in removed:  # a changed scalar keeps its line's comment and alignment
        key = line.split(":")[0]
        if "#" in line and key in edit.set:
            twin = next(n for n in added if n.startswith(key + ":"))
            assert twin.split("#", 1)[1] == line.split("#", 1)[1]


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


@pytest.fixture
def repo(roundtrip_repo: Path) -> Path:
    return roundtrip_repo


def run(root: Path, *args: str, by: str = "bob") -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["--repo", str(root), *args, "--by", by, "--now", NOW], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_styled_file_hold_keeps_comments_quotes_and_alignment(repo: Path) -> None:
    path = repo / "incidents/2026/INC-2026-0090.yaml"
    before = path.read_text()
    code, out, _ = run(
        repo, "hold", "INC-2026-0090", "-r", "awaiting_caller", "--at", "2026-11-20T10:00:00+01:00"
    )
    assert (code, out) == (0, "INC-2026-0090: in_progress -> on_hold (awaiting_caller)\n")
    after = path.read_text()
    assert after == before.replace(
        "status:      in_progress     # kept in step",
        "status:      on_hold     # kept in step",
    ).replace(
        "assignment_group: service-desk\n",
        "hold_reason: awaiting_caller\nassignment_group: service-desk\n",
    ).replace(
        "to: in_progress}\n\n# end",
        "to: in_progress}\n  - {at: 2026-11-20T10:00:00+01:00, by: bob, kind: status, from:"
        " in_progress, to: on_hold, reason: awaiting_caller}\n\n# end",
    )


def test_block_style_timeline_gets_a_block_entry_and_crlf_is_kept(repo: Path) -> None:
    path = repo / "incidents/2026/INC-2026-0091.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    code, _, _ = run(repo, "resume", "INC-2026-0091", "--at", "2026-11-20T09:00:00+00:00")
    assert code == 0
    text = path.read_bytes().decode()
    assert "hold_reason" not in text
    assert text.endswith(
        "        reason: awaiting_vendor\r\n"
        "    -   at: 2026-11-20T09:00:00+00:00\r\n        by: bob\r\n        kind: status\r\n"
        "        from: on_hold\r\n        to: in_progress\r\n"
    )
    assert "\n" not in text.replace("\r\n", "")


def test_flow_timeline_is_rewritten_as_a_block_list(repo: Path) -> None:
    code, _, _ = run(repo, "close", "INC-2026-0092", "--at", "2026-11-19T10:00:00+00:00")
    assert code == 0
    text = (repo / "incidents/2026/INC-2026-0092.yaml").read_text()
    assert "status: closed\ntimeline:\n  - {at: 2026-11-18T10:00:00+00:00" in text
    assert text.count("\n  - {") == 3
    assert "resolution: {code: no_fault_found" in text  # untouched


def test_resolve_writes_the_resolution_block_and_closes_the_hold(repo: Path) -> None:
    code, _, err = run(
        repo,
        "resolve",
        "INC-2026-0091",
        "--code",
        "third_party",
        "--summary",
        "Vendor fixed the idle timeout",
        "--at",
        "2026-11-20T09:00:00+00:00",
    )
    assert code == 0, err
    text = (repo / "incidents/2026/INC-2026-0091.yaml").read_text()
    assert "hold_reason" not in text
    assert text.endswith(
        "resolution:\n    code: third_party\n    summary: Vendor fixed the idle timeout\n"
        "    resolved_by: bob\n"  # the file's own indentation
    )
    assert run(repo, "close", "INC-2026-0091", "--at", "2026-11-20T10:00:00+00:00")[0] == 0
    assert (
        run(repo, "survey", "INC-2026-0091", "--score", "5", "--at", "2026-11-20T11:00:00+00:00")[0]
        == 0
    )
    assert CliRunner().invoke(main, ["--repo", str(repo), "validate", "--now", NOW]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ack", "INC-2026-0090"], 1, "INC-2026-0090: the incident is already in_progress"),
        (["resume", "INC-2026-0090"], 1, "the incident is already in_progress"),
        (["ack", "INC-2026-0091"], 1, "`ack` is for a new incident"),
        (["close", "INC-2026-0090"], 1, "in_progress -> closed is not allowed"),
        (
            ["reopen", "INC-2026-0042", "--at", "2026-11-29T10:31:00+00:00"],
            1,
            "outside the reopen window of 7d",
        ),
        (["survey", "INC-2026-0090", "--score", "3"], 1, "a survey is taken once"),
        (["hold", "INC-2026-0090", "--reason", "waiting"], 2, "--reason: unknown hold reason"),
        (
            ["resolve", "INC-2026-0090", "--code", "fixed", "--summary", "x"],
            2,
            "--code: unknown resolution code 'fixed'",
        ),
        (
            ["resolve", "INC-2026-0090", "--code", "known_error", "--summary", "x"],
            1,
            "INC031 a known_error resolution cites no KB article of type known_error",
        ),
        (
            ["note", "INC-2026-0090", "--text", "x", "--at", "2026-11-20T07:00:00+00:00"],
            2,
            "is before the last timeline entry",
        ),
        (
            ["note", "INC-2026-0090", "--text", "x", "--at", "2026-11-24T07:00:00+00:00"],
            1,
            "is in the future",
        ),
        (["note", "INC-2026-0009", "--text", "x"], 2, "did you mean INC-2026-0090, INC-2026-0091"),
        (["assign", "INC-2026-0090", "--group", "hr-system"], 2, "did you mean hr-systems?"),
        (
            ["assign", "INC-2026-0090", "--group", "hr-systems", "--assignee", "bob"],
            2,
            "'bob' is not a member of hr-systems",
        ),
        (["escalate", "INC-2026-0090"], 2, "give exactly one of --functional"),
        (["escalate", "INC-2026-0042", "--functional"], 1, "only an open incident"),
        (["reprioritize", "INC-2026-0090", "--impact", "medium"], 1, "already has impact"),
        (["reprioritize", "INC-2026-0090", "--impact", "huge"], 2, "--impact: unknown level"),
        (["ack", "INC-2026-0090", "--at", "yesterday"], 2, "--at: 'yesterday' is not"),
        (["ack", "INC-2026-0090", "--push"], 2, "--push needs --branch NAME"),
        (["survey", "INC-2026-0042", "--score", "9"], 2, "Invalid value for '--score'"),
        (["hold", "INC-2026-0090"], 2, "Missing option '--reason'"),
    ],
)
def test_refusals_and_bad_input(repo: Path, args: list[str], code: int, message: str) -> None:
    before = {p: p.read_bytes() for p in (repo / "incidents").rglob("*.yaml")}
    result, _, err = run(repo, *args)
    assert result == code
    assert message in err
    assert "Traceback" not in err
    assert before == {p: p.read_bytes() for p in (repo / "incidents").rglob("*.yaml")}


def test_escalations_and_assignment(repo: Path) -> None:
    inc = "INC-2026-0090"
    assert run(repo, "assign", inc, "-g", "service-desk", "-a", "carol")[0] == 0
    code, out, _ = run(repo, "escalate", inc, "--functional")
    assert (code, out) == (0, f"{inc}: escalated to hr-systems\n")
    code, _, err = run(repo, "escalate", inc, "--functional")
    assert (code, "already with the last support tier of payroll" in err) == (1, True)
    code, out, _ = run(repo, "escalate", inc, "--hierarchical")
    assert (code, out) == (0, f"{inc}: escalated to the incident manager alice\n")
    text = (repo / "incidents/2026/INC-2026-0090.yaml").read_text()
    assert "assignment_group: hr-systems\n" in text
    assert "assignee" not in text.split("timeline:")[0]  # the old tier's assignee is dropped
    assert run(repo, "reprioritize", inc, "--impact", "high", "--reason", "all staff")[0] == 0
    text = (repo / "incidents/2026/INC-2026-0090.yaml").read_text()
    assert "priority:    P2" in text and "impact:      high" in text
    assert "kind: priority, from: P3, to: P2, impact: high, urgency: medium" in text
    result = CliRunner().invoke(main, ["--repo", str(repo), "validate", "--now", NOW])
    assert result.exit_code == 0, result.output


def test_conflict_markers_are_refused_with_the_line(repo: Path) -> None:
    path = repo / "incidents/2026/INC-2026-0090.yaml"
    path.write_text(
        path.read_text().replace(
            "status:      in_progress", "<<<<<<< HEAD\nstatus: x\n=======\n>>>>>>> b"
        )
    )
    code, _, err = run(repo, "note", "INC-2026-0090", "--text", "x")
    assert code == 1
    assert "incidents/2026/INC-2026-0090.yaml:17: unresolved merge-conflict marker" in err
    assert "resolve the merge conflict first" in err


def test_a_file_changed_while_the_command_ran_is_not_overwritten(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = repo / "incidents/2026/INC-2026-0090.yaml"
    original = edits.note

    def meanwhile(*args: object, **kwargs: object) -> Edit:
        path.write_text(path.read_text() + "# edited in the editor\n")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(edits, "note", meanwhile)
    code, _, err = run(repo, "note", "INC-2026-0090", "--text", "hello")
    assert code == 1
    assert "changed on disk while the command ran; nothing was written" in err
    assert path.read_text().endswith("# end of record\n# edited in the editor\n")


def test_python_api_with_an_explicit_clock(repo: Path) -> None:
    repository = load_repository(repo)
    now = datetime.fromisoformat(NOW)
    request = EditRequest(repository, "INC-2026-0090", now, Actor(now, "bob"))
    with pytest.raises(edits.Refused, match="already in_progress"):
        execute(request, edits.ack, "ack")
    out = io.StringIO()
    assert execute(request, planner(edits.note, text="ok"), "note", out) == 0
    assert out.getvalue() == "INC-2026-0090: note added\n"
    assert (
        (repo / "incidents/2026/INC-2026-0090.yaml")
        .read_text()
        .endswith("kind: note, text: ok}\n\n# end of record\n")
    )


@pytest.mark.usefixtures("git_env")
def test_branch_commits_the_change_and_push_sends_it(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    GitRepo(tmp_path).git("init", "--quiet", "--bare", str(remote))
    gitrepo = GitRepo.create(tmp_path / "work")
    for path in ROUNDTRIP:
        shutil.copy(path, gitrepo.root / "incidents/2026" / path.name)
    gitrepo.commit("records")
    gitrepo.git("remote", "add", "origin", str(remote))
    result = CliRunner().invoke(
        main,
        [
            "--repo",
            str(gitrepo.root),
            "note",
            "INC-2026-0090",
            "--text",
            "Looking into it",
            "--now",
            NOW,
            "--branch",
            "inc-90-note",
            "--push",
        ],
    )
    assert result.exit_code == 0, result.output
    assert gitrepo.git("branch", "--show-current") == "inc-90-note"
    assert gitrepo.git("log", "-1", "--format=%s") == "INC-2026-0090: note (note added)"
    assert gitrepo.git("status", "--porcelain") == ""
    assert "test@example.com" in gitrepo.read("incidents/2026/INC-2026-0090.yaml")  # --by: git
    assert GitRepo(remote).git("branch", "--list", "inc-90-note").strip() == "inc-90-note"
    again = CliRunner().invoke(
        main,
        [
            "--repo",
            str(gitrepo.root),
            "note",
            "INC-2026-0090",
            "--text",
            "x",
            "--now",
            NOW,
            "--branch",
            "inc-90-note",
        ],
    )
    assert again.exit_code == 2
    assert "already exists" in again.stderr
