"""`incidentctl new`: numbering, priority, impact windows, routing, prompts, git."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.commands.new import NewRequest, execute
from incidentctl.store import yamlread
from incidentctl.store.repo import load_repository
from tests.conftest import FIXTURES, NOW
from tests.gitrepo import GitRepo, git_env, incident_text  # noqa: F401

FIELDS = [
    "--title",
    "Payslips missing",
    "--description",
    "No payslips in the portal.",
    "--service",
    "payroll",
    "--category",
    "application",
    "--subcategory",
    "error",
    "--impact",
    "medium",
    "--urgency",
    "low",
    "--channel",
    "portal",
    "--reported-by",
    "dana@example.com",
    "--by",
    "bob",
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", root)
    return root


def new(root: Path, *args: str, at: str = "2026-11-10T10:00:00+00:00") -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        ["--repo", str(root), "new", *args, "--at", at, "--now", NOW.isoformat()],
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def test_new_writes_a_record_that_validates_clean(repo: Path) -> None:
    code, out, _ = new(repo, *FIELDS)
    assert (code, out) == (
        0,
        "INC-2026-0043: new, P4, hr-systems (incidents/2026/INC-2026-0043.yaml)\n",
    )
    text = (repo / "incidents/2026/INC-2026-0043.yaml").read_text()
    assert text == (
        "# yaml-language-server: $schema=../../schemas/incident.schema.json\n"
        "id: INC-2026-0043\ntitle: Payslips missing\n"
        "description: No payslips in the portal.\n"
        "reported_by: dana@example.com\nreported_at: 2026-11-10T10:00:00+00:00\n"
        "channel: portal\nservice: payroll\ncategory: application\nsubcategory: error\n"
        "impact: medium\nurgency: low\npriority: P4\nstatus: new\n"
        "assignment_group: hr-systems\ntimeline:\n"
        "  - {at: 2026-11-10T10:00:00+00:00, by: dana@example.com, kind: reported}\n"
    )
    result = CliRunner().invoke(main, ["--repo", str(repo), "validate", "--now", NOW.isoformat()])
    assert result.exit_code == 0 and "no problems" in result.output


def test_impact_is_raised_inside_the_service_window(repo: Path) -> None:
    code, out, _ = new(repo, *FIELDS, at="2026-10-27T10:00:00+00:00")
    assert code == 0
    assert "note: impact raised from medium to high: reported inside the payroll run" in out
    data = yamlread.load((repo / "incidents/2026/INC-2026-0043.yaml").read_text())
    assert (data["impact"], data["priority"]) == ("high", "P3")
    assert data["timeline"][1]["kind"] == "note"


def test_windows_use_the_service_calendar_timezone(repo: Path) -> None:
    # payroll's calendar is London: 23:30 UTC on the 24th is 00:30 BST on the 25th
    code, out, _ = new(repo, *FIELDS, at="2026-10-24T23:30:00+00:00")
    assert code == 0 and "impact raised" in out
    code, out, _ = new(repo, *FIELDS, at="2026-10-24T22:30:00+00:00")
    assert code == 0 and "impact raised" not in out


def test_a_major_priority_sets_major(repo: Path) -> None:
    args = [a if a not in ("low",) else "high" for a in FIELDS]
    args[args.index("--impact") + 1] = "high"
    code, out, _ = new(repo, *args)
    assert code == 0 and ", P1," in out
    assert "major: true\n" in (repo / "incidents/2026/INC-2026-0043.yaml").read_text()


def test_multi_line_descriptions_are_literal_blocks(repo: Path) -> None:
    args = list(FIELDS)
    args[args.index("--description") + 1] = "Line one: fails.\n  indented detail\n"
    assert new(repo, *args)[0] == 0
    text = (repo / "incidents/2026/INC-2026-0043.yaml").read_text()
    assert "description: |\n  Line one: fails.\n    indented detail\nreported_by" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--service", "payrol"), "--service: unknown service 'payrol'"),
        (("--subcategory", "vpn"), "--subcategory: unknown subcategory 'vpn'"),
        (("--channel", "chat"), "--channel: unknown channel 'chat'"),
        (("--impact", "huge"), "--impact: unknown impact 'huge'"),
    ],
)
def test_bad_values_name_the_option(repo: Path, change: tuple[str, str], message: str) -> None:
    args = list(FIELDS)
    args[args.index(change[0]) + 1] = change[1]
    code, _, err = new(repo, *args)
    assert code == 2
    assert message in err
    assert not (repo / "incidents/2026/INC-2026-0043.yaml").exists()


def test_missing_fields_without_a_terminal_are_named(repo: Path) -> None:
    code, _, err = new(repo, "--title", "x", "--by", "bob")
    assert code == 2
    assert "missing --description, --service, --category, --subcategory, --impact," in err


def test_missing_fields_are_asked_for_on_a_terminal(repo: Path) -> None:
    answers = {
        "Description (symptoms)": "It broke",
        "Service": "payroll",
        "Category": "application",
        "Subcategory": "login",
        "Impact": "low",
        "Urgency": "low",
        "Channel": "phone",
    }
    asked: list[tuple[str, object]] = []

    def ask(question: str, choices: object, default: object) -> str:
        asked.append((question, choices))
        return answers[question]

    request = NewRequest(
        load_repository(repo), {"title": "Cannot log in"}, NOW, NOW, "bob", ask=ask
    )
    assert execute(request) == 0
    assert ("Subcategory", ["batch-job", "login", "performance", "error"]) in asked
    data = yamlread.load((repo / "incidents/2026/INC-2026-0043.yaml").read_text())
    assert (data["priority"], data["reported_by"], data["channel"]) == ("P4", "bob", "phone")


@pytest.mark.usefixtures("git_env")
def test_numbering_counts_the_upstream_default_branch(tmp_path: Path) -> None:
    upstream = GitRepo.create(tmp_path / "upstream")
    clone = tmp_path / "clone"
    upstream.git("clone", "--quiet", str(upstream.root), str(clone))
    upstream.write("incidents/2026/INC-2026-0044.yaml", incident_text("INC-2026-0044"))
    upstream.commit("merged elsewhere")
    GitRepo(clone).git("fetch", "--quiet", "origin")
    code, out, _ = new(clone, *FIELDS, "--branch", "inc/new-payslips")
    assert code == 0
    assert out.startswith("INC-2026-0045: new")
    assert (
        "committed" in out and "on inc/new-payslips: INC-2026-0045: new (Payslips missing)" in out
    )
    assert GitRepo(clone).git("status", "--porcelain") == ""
