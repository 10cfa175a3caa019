"""Change rules (CHGxxx) and `validate --base` over real git histories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from tests.gitrepo import GitRepo, git_env, incident_text  # noqa: F401

pytestmark = pytest.mark.usefixtures("git_env")
NOW = "2026-11-23T12:00:00+00:00"
OPEN = "incidents/2026/INC-2026-0050.yaml"
DONE = "incidents/2026/INC-2026-0042.yaml"
ACK = "  - {at: 2026-11-20T09:30:00+00:00, by: bob, kind: status, from: new, to: in_progress}\n"


def validate(root: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(
        main,
        ["--repo", str(root), "validate", "--now", NOW, "--format", "json", *args],
        catch_exceptions=False,
    )
    diags = json.loads(result.stdout)["diagnostics"] if result.stdout.startswith("{") else []
    return result.exit_code, diags, result.stderr


def codes(diags: list[dict[str, object]]) -> list[str]:
    return sorted(
        f"{d['code']}@{d['path']}" + (f":{d['line']}" if d["line"] else "") for d in diags
    )


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """main holds the base fixture plus an open incident; HEAD is a branch ``work``."""
    repo = GitRepo.create(tmp_path / "repo")
    repo.write(OPEN, incident_text())
    repo.commit("open incident")
    repo.git("switch", "--quiet", "-c", "work")
    return repo


def test_a_legal_append_is_clean(repo: GitRepo) -> None:
    repo.write(OPEN, repo.read(OPEN).replace("status: new", "status: in_progress") + ACK)
    repo.commit("ack")
    assert validate(repo.root, "--base", "main")[:2] == (0, [])


def test_no_change_is_clean_and_ref_may_be_a_tag_or_sha(repo: GitRepo) -> None:
    repo.git("tag", "release")
    sha = repo.git("rev-parse", "main")
    for ref in ("main", "release", sha, sha[:8]):
        assert validate(repo.root, "--base", ref)[:2] == (0, [])


def test_an_illegal_appended_step(repo: GitRepo) -> None:
    step = "  - {at: 2026-11-20T09:30:00+00:00, by: bob, kind: status, from: new, to: closed}\n"
    repo.write(OPEN, repo.read(OPEN).replace("status: new", "status: closed") + step)
    repo.commit("close directly")
    code, diags, _ = validate(repo.root, "--base", "main")
    assert code == 1
    assert "CHG001@incidents/2026/INC-2026-0050.yaml:17" in codes(diags)
    chg = next(d for d in diags if d["code"] == "CHG001")
    assert chg["message"] == (
        "appended step: new -> closed is not allowed"
        " (from new: in_progress, on_hold, resolved, cancelled)"
    )


def test_steps_are_checked_in_sequence_from_the_base_state(repo: GitRepo) -> None:
    # base: in_progress; the branch appends a step that claims to start from new
    repo.git("switch", "--quiet", "main")
    repo.write(OPEN, repo.read(OPEN).replace("status: new", "status: in_progress") + ACK)
    repo.commit("ack on main")
    repo.git("switch", "--quiet", "work")
    repo.git("merge", "--quiet", "--no-edit", "main")
    again = "  - {at: 2026-11-20T10:00:00+00:00, by: bob, kind: status, from: new, to: on_hold}\n"
    repo.write(OPEN, repo.read(OPEN).replace("status: in_progress", "status: on_hold") + again)
    repo.commit("hold")
    code, diags, _ = validate(repo.root, "--base", "main")
    chg = sorted(str(d["message"]) for d in diags if d["code"] == "CHG001")
    assert code == 1
    assert chg == ["appended step from new, but the record was in_progress"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("by: bob, kind: status", "by: carol, kind: status"),
            "entry 1 (status at 2026-11-20T16:20:00+00:00) was edited (by changed)",
        ),
        (
            (
                "  - {at: 2026-11-21T10:00:00+00:00, by: erin, kind: note,"
                " text: Vendor raised the export timeout.}\n",
                "",
            ),
            "entry 5 (note at 2026-11-21T10:00:00+00:00) was removed",
        ),
    ],
)
def test_timeline_entries_cannot_be_edited_or_removed(
    repo: GitRepo, edit: tuple[str, str], message: str
) -> None:
    repo.replace(DONE, *edit)
    repo.commit("rewrite history")
    code, diags, _ = validate(repo.root, "--base", "main")
    assert code == 1
    rewritten = [d for d in diags if d["code"] == "CHG002"]
    assert [d["message"] for d in rewritten] == [message]


def test_a_removed_last_entry_and_a_reordered_timeline(repo: GitRepo) -> None:
    text = repo.read(DONE)
    lines = text.splitlines(keepends=True)
    last = next(i for i, line in enumerate(lines) if "to: resolved" in line)
    repo.write(DONE, "".join(lines[:last] + lines[last + 1 :]))
    repo.commit("drop")
    _, diags, _ = validate(repo.root, "--base", "main")
    assert [d["message"] for d in diags if d["code"] == "CHG002"] == [
        "entry 6 (status at 2026-11-21T10:30:00+00:00) was removed"
    ]
    lines[last - 1], lines[last - 2] = lines[last - 2], lines[last - 1]
    repo.write(DONE, "".join(lines))
    repo.commit("swap")
    _, diags, _ = validate(repo.root, "--base", "main")
    assert [d["message"] for d in diags if d["code"] == "CHG002"] == [
        "entry 4 (status at 2026-11-21T09:10:00+00:00) was moved"
    ]


def test_immutable_fields(repo: GitRepo) -> None:
    repo.replace(OPEN, "reported_by: dana@example.com", "reported_by: eve@example.com")
    repo.replace(OPEN, "by: dana@example.com", "by: eve@example.com")
    repo.commit("who reported it?")
    code, diags, _ = validate(repo.root, "--base", "main")
    assert code == 1
    assert "CHG003@incidents/2026/INC-2026-0050.yaml:5" in codes(diags)


def test_a_closed_record_only_takes_a_survey(repo: GitRepo) -> None:
    repo.git("switch", "--quiet", "main")
    close = (
        "  - {at: 2026-11-21T11:00:00+00:00, by: erin, kind: status, from: resolved, to: closed}\n"
    )
    text = repo.read(DONE).replace("status: resolved", "status: closed")
    text = text.replace("resolution:\n", close + "resolution:\n")
    text = text.replace(
        "satisfaction: {score: 4, comment: Quick once the vendor answered., at:"
        " 2026-11-22T08:00:00+00:00}\n",
        "",
    )
    repo.write(DONE, text)
    repo.commit("close 42")
    repo.git("switch", "--quiet", "work")
    repo.git("merge", "--quiet", "--no-edit", "main")
    survey = "  - {at: 2026-11-22T08:00:00+00:00, by: dana@example.com, kind: survey, score: 5}\n"
    text = repo.read(DONE).replace("resolution:\n", survey + "resolution:\n")
    repo.write(DONE, text + "satisfaction: {score: 5, at: 2026-11-22T08:00:00+00:00}\n")
    repo.commit("survey")
    assert validate(repo.root, "--base", "main")[:2] == (0, [])
    repo.replace(DONE, "assignee: erin", "assignee: hiro")
    note = "  - {at: 2026-11-22T09:00:00+00:00, by: erin, kind: note, text: late}\n"
    repo.replace(DONE, "resolution:\n", note + "resolution:\n")
    repo.commit("edit closed record")
    code, diags, _ = validate(repo.root, "--base", "main")
    assert code == 1
    assert [d["message"] for d in diags if d["code"] == "CHG004"] == [
        "assignee changed on a closed record",
        "a note entry appended to a closed record",
    ]


def test_deleted_renamed_and_moved_records(repo: GitRepo) -> None:
    repo.git("rm", "--quiet", DONE)
    repo.move(OPEN, "incidents/2025/INC-2026-0050.yaml")
    repo.commit("delete and move")
    code, diags, _ = validate(repo.root, "--base", "main")
    assert code == 1
    found = codes(diags)
    assert "CHG005@incidents/2026/INC-2026-0042.yaml" in found
    assert "CHG006@incidents/2025/INC-2026-0050.yaml:6" in found
    deleted = next(d for d in diags if d["code"] == "CHG005")
    assert deleted["message"] == "INC-2026-0042.yaml was deleted"
    assert deleted["severity"] == "error"
    moved = next(d for d in diags if d["code"] == "CHG006")
    assert moved["severity"] == "warning"


def test_renumbering_a_record_is_an_error(repo: GitRepo) -> None:
    repo.move(OPEN, "incidents/2026/INC-2026-0051.yaml")
    repo.replace("incidents/2026/INC-2026-0051.yaml", "id: INC-2026-0050", "id: INC-2026-0051")
    repo.commit("renumber")
    _, diags, _ = validate(repo.root, "--base", "main")
    messages = {str(d["code"]): str(d["message"]) for d in diags}
    assert (
        messages["CHG005"] == "INC-2026-0050.yaml was renamed to incidents/2026/INC-2026-0051.yaml"
    )
    assert messages["CHG003"] == "id changed from INC-2026-0050 to INC-2026-0051"


def test_a_year_folder_fix_alone_is_only_a_warning(repo: GitRepo) -> None:
    repo.git("switch", "--quiet", "main")
    repo.move(OPEN, "incidents/2025/INC-2026-0050.yaml")
    repo.commit("misfiled")
    repo.git("switch", "--quiet", "-c", "fix")
    repo.move("incidents/2025/INC-2026-0050.yaml", OPEN)
    repo.commit("fix the year folder")
    code, diags, _ = validate(repo.root, "--base", "main")
    assert (code, codes(diags)) == (0, ["CHG006@incidents/2026/INC-2026-0050.yaml:6"])


def test_new_records(repo: GitRepo) -> None:
    repo.write("incidents/2026/INC-2026-0051.yaml", incident_text("INC-2026-0051"))
    repo.commit("new")
    assert validate(repo.root, "--base", "main")[:2] == (0, [])
    repo.write(
        "incidents/2026/INC-2026-0052.yaml",
        incident_text("INC-2026-0052", status="in_progress", entries=ACK),
    )
    repo.write(
        "incidents/2026/INC-2026-0053.yaml", incident_text("INC-2026-0053", status="in_progress")
    )
    repo.commit("back-filled and broken")
    code, diags, _ = validate(repo.root, "--base", "main")
    assert code == 1
    assert "CHG008@incidents/2026/INC-2026-0052.yaml:14" in codes(diags)
    assert "CHG007@incidents/2026/INC-2026-0053.yaml:14" in codes(diags)


def test_an_id_taken_on_the_base_branch_names_the_next_free_id(repo: GitRepo) -> None:
    repo.git("switch", "--quiet", "main")
    repo.write("incidents/2026/INC-2026-0051.yaml", incident_text("INC-2026-0051"))
    repo.commit("someone else's incident")
    repo.git("switch", "--quiet", "work")
    mine = incident_text("INC-2026-0051", "2026-11-21T08:00:00+00:00")
    repo.write("incidents/2026/INC-2026-0051.yaml", mine)
    repo.commit("my incident")
    code, diags, _ = validate(repo.root, "--base", "main")
    assert code == 1
    taken = next(d for d in diags if d["code"] == "CHG009")
    assert taken["line"] == 1
    assert taken["message"] == (
        "INC-2026-0051 is already used on main by incidents/2026/INC-2026-0051.yaml"
        " (another record)"
    )
    assert "INC-2026-0052" in str(taken["hint"])


def test_after_merging_the_base_only_the_branch_changes_count(repo: GitRepo) -> None:
    repo.git("switch", "--quiet", "main")
    repo.replace(DONE, "assignee: erin", "assignee: hiro")  # an error, but on main
    repo.commit("edit on main")
    repo.git("switch", "--quiet", "work")
    repo.write(OPEN, repo.read(OPEN).replace("status: new", "status: in_progress") + ACK)
    repo.commit("ack")
    repo.git("merge", "--quiet", "--no-edit", "main")
    assert validate(repo.root, "--base", "main")[:2] == (0, [])


def test_only_changed_files_are_reported_and_parsed(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.git("switch", "--quiet", "main")
    for n in range(60, 80):
        repo.write(f"incidents/2026/INC-2026-00{n}.yaml", incident_text(f"INC-2026-00{n}"))
    repo.replace("incidents/2026/INC-2026-0060.yaml", "channel: email", "channel: fax")
    repo.commit("many")
    repo.git("switch", "--quiet", "work")
    repo.git("merge", "--quiet", "--no-edit", "main")
    repo.write(OPEN, repo.read(OPEN).replace("status: new", "status: in_progress") + ACK)
    repo.commit("ack")
    from incidentctl.store import reader

    parsed: list[str] = []
    original = reader.parse_yaml

    def counting(text: str, source: reader.Source) -> object:
        parsed.append(source.rel)
        return original(text, source)

    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    for module in ("reader", "repo", "changeset"):
        monkeypatch.setattr(f"incidentctl.store.{module}.parse_yaml", counting, raising=False)
    code, diags, _ = validate(repo.root, "--base", "main")
    assert (code, diags) == (0, [])  # the broken INC-2026-0060 is not this branch's doing
    incidents = [p for p in parsed if p.startswith("incidents/")]
    assert sorted(incidents) == [OPEN, OPEN, OPEN]  # base, head (git), head (disk)


def test_uncommitted_changes_only_with_the_flag(repo: GitRepo) -> None:
    step = "  - {at: 2026-11-20T09:30:00+00:00, by: bob, kind: status, from: new, to: closed}\n"
    repo.write(OPEN, repo.read(OPEN).replace("status: new", "status: closed") + step)
    repo.write(
        "incidents/2026/INC-2026-0051.yaml", incident_text("INC-2026-0051", status="in_progress")
    )
    code, diags, _ = validate(repo.root, "--base", "main")
    assert (code, diags) == (0, [])
    code, diags, _ = validate(repo.root, "--base", "main", "--include-uncommitted")
    assert code == 1
    assert {"CHG001", "CHG007"} <= {str(d["code"]) for d in diags}


def test_shallow_clone_says_how_to_fix_it(repo: GitRepo, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    repo.git("clone", "--quiet", "--depth", "1", f"file://{repo.root}", str(clone))
    result = CliRunner().invoke(
        main, ["--repo", str(clone), "validate", "--base", "origin/main"], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert "shallow" in result.stderr
    assert "fetch-depth: 0" in result.stderr
    assert "git fetch --unshallow" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "nope"], "unknown revision 'nope'"),
        (["--base", "main", "incidents"], "give PATHS or --base, not both"),
        (["--include-uncommitted"], "--include-uncommitted only works with --base REF"),
    ],
)
def test_usage_errors_exit_2(repo: GitRepo, args: list[str], message: str) -> None:
    code, _, err = validate(repo.root, *args)
    assert code == 2
    assert message in err


def test_base_outside_a_git_repository(base_repo: Path) -> None:
    code, _, err = validate(base_repo, "--base", "main")
    assert code == 2
    assert "needs a git repository" in err
