"""`incidentctl intake`: an issue event in, an incident (or what to fix) out, once."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.commands.intake import IntakeRequest, execute
from incidentctl.intake.parse import read_event
from incidentctl.store import yamlread
from incidentctl.store.repo import load_repository
from tests.conftest import FIXTURES
from tests.escalation.fake import TOKEN, FakeServer, serve
from tests.gitrepo import GitRepo, git_env  # noqa: F401

NOW = "2026-11-23T12:00:00+00:00"
URL = "https://github.com/acme/incidents/issues/7"
NEW_FILE = "incidents/2026/INC-2026-0043.yaml"


def event_file(tmp_path: Path, case: str, number: int = 7, title: str = "[Incident]: x") -> Path:
    body = (FIXTURES / "intake" / f"{case}.md").read_bytes().decode("utf-8")
    payload = {
        "action": "opened",
        "issue": {
            "number": number,
            "title": title,
            "body": body,
            "user": {"login": "dana"},
            "html_url": f"https://github.com/acme/incidents/issues/{number}",
            "created_at": "2026-11-23T10:00:00Z",
            "labels": [{"name": "incident"}],
        },
    }
    path = tmp_path / f"event-{case}-{number}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--repo", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(tmp_path: Path, git_env: None, monkeypatch: pytest.MonkeyPatch) -> GitRepo:  # noqa: F811
    # no tracker unless a test serves one (the `github` fixture)
    for key in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(key, raising=False)
    return GitRepo.create(tmp_path / "repo")


def test_an_issue_becomes_an_incident_like_new_makes_it(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = cli(repo.root, "intake", "--event-file", str(event_file(tmp_path, "complete")))
    assert code == 0
    assert out.startswith(f"INC-2026-0043: new, P2, hr-systems ({NEW_FILE})\n")
    data = yamlread.load(repo.read(NEW_FILE))
    assert data["status"] == "new" and data["channel"] == "portal"
    assert (data["reported_by"], data["source_issue"]) == ("dana", URL)
    at = datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert data["reported_at"] == at
    assert (data["service"], data["category"], data["subcategory"]) == (
        "payroll",
        "application",
        "batch-job",
    )
    assert data["configuration_item"] == "payroll-db-01"
    assert data["timeline"] == [{"at": at, "by": "dana", "kind": "reported"}]
    comment = (
        "Recorded as **INC-2026-0043**: [incidents/2026/INC-2026-0043.yaml]"
        "(https://github.com/acme/incidents/blob/main/incidents/2026/INC-2026-0043.yaml)."
    )
    assert f"comment on issue #7:\n{comment}" in out
    assert summary.read_text() == (
        f"### Intake of issue #7\n\n{comment}\n\nTitle: `Payroll export fails with a timeout`\n\n"
    )
    assert cli(repo.root, "validate", "--now", NOW)[0] == 0


@pytest.mark.parametrize("case", ["injection", "unicode", "long-title", "multiline-markdown"])
def test_free_text_is_stored_inert_and_reads_back_exactly(
    repo: GitRepo, tmp_path: Path, case: str
) -> None:
    event = event_file(tmp_path, case)
    code, _, _ = cli(repo.root, "intake", "--event-file", str(event))
    assert code == 0
    expected = json.loads((FIXTURES / "intake" / f"{case}.json").read_text(encoding="utf-8"))
    data = yamlread.load(repo.read(NEW_FILE))
    for key in ("title", "description"):
        assert data[key] == expected["fields"][key]
    assert data.get("configuration_item") == expected["configuration_item"]
    code, out, _ = cli(repo.root, "validate", "--now", NOW)
    assert code == 0, out


def test_bad_answers_write_nothing_and_say_what_to_fix(repo: GitRepo, tmp_path: Path) -> None:
    code, out, _ = cli(
        repo.root, "intake", "--event-file", str(event_file(tmp_path, "bad-answers"))
    )
    assert code == 1
    assert not (repo.root / NEW_FILE).exists()
    assert out.startswith("issue #7: 4 answer(s) to fix\ncomment on issue #7:\n")
    assert "- **Service** `${{ secrets.GITHUB_TOKEN }}` is not known" in out
    assert "Edit the issue to fix the answers" in out


def test_a_rerun_finds_the_incident_by_its_link(repo: GitRepo, tmp_path: Path) -> None:
    event = str(event_file(tmp_path, "complete"))
    assert cli(repo.root, "intake", "--event-file", event)[0] == 0
    code, out, _ = cli(repo.root, "intake", "--event-file", event)
    assert (code, out) == (0, "issue #7 is already recorded as INC-2026-0043; nothing to do\n")
    assert sorted(p.name for p in (repo.root / "incidents/2026").iterdir()) == [
        "INC-2026-0042.yaml",
        "INC-2026-0043.yaml",
    ]
    # another issue is another incident
    other = str(event_file(tmp_path, "complete", number=8))
    assert cli(repo.root, "intake", "--event-file", other)[1].startswith("INC-2026-0044: new")


def test_dry_run_prints_the_record_and_writes_nothing(repo: GitRepo, tmp_path: Path) -> None:
    event = str(event_file(tmp_path, "complete"))
    code, out, _ = cli(repo.root, "intake", "--event-file", event, "--dry-run", "--now", NOW)
    assert code == 0
    assert out.startswith(f"would create INC-2026-0043 ({NEW_FILE}):\n# yaml-language-server")
    assert f"source_issue: {URL}\n" in out
    assert repo.git("status", "--porcelain") == ""


def test_pull_request_pushes_a_branch_and_reruns_find_it(repo: GitRepo, tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "--quiet", "-u", "origin", "main")
    event = str(event_file(tmp_path, "complete"))
    code, out, _ = cli(repo.root, "intake", "--event-file", event, "--pull-request")
    assert code == 0
    assert "pushed intake/issue-7 to origin" in out
    assert "open a pull request from intake/issue-7: INC-2026-0043: Payroll export fails" in out
    assert "/blob/intake/issue-7/incidents/2026/INC-2026-0043.yaml" in out
    pushed = repo.git("show", f"origin/intake/issue-7:{NEW_FILE}")
    assert f"source_issue: {URL}\n" in pushed
    # a fresh clone of main, as the next workflow run sees it: found on the branch
    clone = GitRepo(tmp_path / "clone")
    subprocess.run(["git", "clone", "--quiet", str(origin), str(clone.root)], check=True)
    code, out, _ = cli(clone.root, "intake", "--event-file", event, "--pull-request")
    assert (code, out) == (0, "issue #7 is already recorded as INC-2026-0043; nothing to do\n")
    assert clone.git("branch", "--list", "intake/*") == ""


def test_the_tracker_is_called_through_the_injected_callables(
    repo: GitRepo, tmp_path: Path
) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    comments: list[str] = []
    pulls: list[tuple[str, str, str]] = []

    def open_pull_request(branch: str, title: str, body: str) -> str:
        pulls.append((branch, title, body))
        return "https://github.com/acme/incidents/pull/9"

    request = IntakeRequest(
        load_repository(repo.root),
        read_event(event_file(tmp_path, "complete")),
        datetime(2026, 11, 23, 12, tzinfo=UTC),
        comment=comments.append,
        open_pull_request=open_pull_request,
        pull_request=True,
    )
    assert execute(request, StringIO()) == 0
    assert pulls == [
        (
            "intake/issue-7",
            "INC-2026-0043: Payroll export fails with a timeout",
            "Records the incident reported in #7.\n\nCloses #7",
        )
    ]
    assert len(comments) == 1
    assert comments[0].startswith("Recorded as **INC-2026-0043**")
    assert "in pull request https://github.com/acme/incidents/pull/9" in comments[0]


def test_options_that_exclude_each_other(repo: GitRepo, tmp_path: Path) -> None:
    event = str(event_file(tmp_path, "complete"))
    code, _, err = cli(repo.root, "intake", "--event-file", event, "--dry-run", "--pull-request")
    assert code == 2 and "exclude each other" in err
    code, _, err = cli(repo.root, "intake", "--event-file", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json" in err


def test_a_body_rendered_from_the_scaffold_form_is_taken_in(tmp_path: Path) -> None:
    from incidentctl.intake.form import FORM_PATH, load_form

    root = tmp_path / "scaffold"
    assert CliRunner().invoke(main, ["init", str(root), "--now", NOW]).exit_code == 0
    form = load_form((root / FORM_PATH).read_text(encoding="utf-8"))
    answers = {"title": "Intranet is down", "description": "Every page\nanswers 502."}
    sections = []
    for item in form["body"]:
        if "id" not in item:
            continue
        attributes = item["attributes"]
        value = answers.get(item["id"]) or (attributes.get("options") or ["_No response_"])[0]
        sections.append(f"### {attributes['label']}\n\n{value}")
    body = "\n\n".join(sections)
    path = tmp_path / "event.json"
    issue = {
        "number": 1,
        "title": "[Incident]: ",
        "body": body,
        "user": {"login": "fred"},
        "html_url": "https://github.com/acme/incidents/issues/1",
        "created_at": "2026-11-23T10:00:00Z",
    }
    path.write_text(json.dumps({"issue": issue}))
    code, out, _ = cli(root, "intake", "--event-file", str(path), "--now", NOW)
    assert code == 0, out
    assert out.startswith("INC-2026-0002: new, P1")
    assert cli(root, "validate", "--now", NOW)[0] == 0


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """The fake GitHub of the escalation tests, as a workflow's environment sees it."""
    for server in serve():
        for key, value in server.env.items():
            monkeypatch.setenv(key, value)
        yield server


def test_with_a_token_it_answers_on_the_issue_and_opens_the_pull_request(
    repo: GitRepo, tmp_path: Path, github: FakeServer
) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(origin)], check=True)
    repo.git("remote", "add", "origin", str(origin))
    repo.git("push", "--quiet", "-u", "origin", "main")
    number = github.state.add_issue("[Incident]: payroll", "the form", ["incident"])
    event = str(event_file(tmp_path, "complete", number=number))
    code, out, err = cli(repo.root, "intake", "--event-file", event, "--pull-request")
    assert (code, err) == (0, "")
    assert github.state.pulls == [
        {
            "title": "INC-2026-0043: Payroll export fails with a timeout",
            "head": f"intake/issue-{number}",
            "base": "main",
            "body": f"Records the incident reported in #{number}.\n\nCloses #{number}",
            "number": 1000,
        }
    ]
    [comment] = github.state.comments[number]
    assert comment.startswith("Recorded as **INC-2026-0043**")
    assert "in pull request https://github.example/acme/incidents/pull/1000" in comment
    assert TOKEN not in out
    # a re-run finds the incident on its branch: no second pull request, no comment
    code, out, _ = cli(repo.root, "intake", "--event-file", event, "--pull-request")
    assert code == 0 and "already recorded as INC-2026-0043" in out
    assert len(github.state.pulls) == 1 and len(github.state.comments[number]) == 1


def test_bad_answers_are_a_comment_on_the_issue(
    repo: GitRepo, tmp_path: Path, github: FakeServer
) -> None:
    number = github.state.add_issue("[Incident]: ?", "the form", ["incident"])
    event = str(event_file(tmp_path, "bad-answers", number=number))
    code, _, _ = cli(repo.root, "intake", "--event-file", event)
    assert code == 1
    [comment] = github.state.comments[number]
    assert comment.startswith("This issue could not be recorded as an incident yet:")
    assert github.state.pulls == []


def test_a_token_the_tracker_refuses_is_exit_2_naming_the_permission(
    repo: GitRepo, tmp_path: Path, github: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_wrongTOKEN0000")
    number = github.state.add_issue("[Incident]: ?", "the form", ["incident"])
    event = str(event_file(tmp_path, "bad-answers", number=number))
    code, out, err = cli(repo.root, "intake", "--event-file", event)
    assert code == 2
    assert "issues: write" in err
    assert "ghs_wrongTOKEN0000" not in out + err


def test_without_a_token_it_says_that_nothing_is_posted(repo: GitRepo, tmp_path: Path) -> None:
    code, _, err = cli(repo.root, "intake", "--event-file", str(event_file(tmp_path, "complete")))
    assert code == 0
    assert "$GITHUB_TOKEN is not set, so nothing is posted on issue #7" in err
