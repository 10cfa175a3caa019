"""`incidentctl init DIR`: a scaffold that validates clean and is ready for pull requests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from incidentctl.cli import main
from tests.gitrepo import GitRepo, git_env  # noqa: F401

NOW = "2026-01-01T00:30:00+00:00"  # two days earlier is another year: the ID must follow


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_init_scaffolds_a_repository_that_validates_clean(tmp_path: Path) -> None:
    target = tmp_path / "incidents-repo"
    code, out, _ = cli("init", str(target), "--now", NOW)
    assert code == 0 and "created an incident repository" in out
    found = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    for rel in [
        ".github/ISSUE_TEMPLATE/incident.yml",
        ".github/workflows/intake.yml",
        ".github/workflows/pages.yml",
        ".github/workflows/sla.yml",
        ".github/workflows/validate.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "incidentctl.yaml",
        "incidents/2025/INC-2025-0001.yaml",
        "kb/KB-0001-intranet-login-returns-an-error.md",
        "policies/categories.yaml",
        "policies/priority.yaml",
        "policies/services.yaml",
        "policies/sla.yaml",
        "schemas/incident.schema.json",
        "site/mkdocs.yml",
    ]:
        assert rel in found
    assert "# " in (target / "policies/sla.yaml").read_text()  # commented
    code, out, _ = cli("--repo", str(target), "validate", "--now", NOW)
    assert (code, out) == (0, "6 files checked: no problems\n")


def test_the_workflow_runs_the_pull_request_check(tmp_path: Path) -> None:
    cli("init", str(tmp_path / "r"), "--now", NOW)
    flow = yaml.safe_load((tmp_path / "r/.github/workflows/validate.yml").read_text())
    steps = flow["jobs"]["validate"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    assert any(
        "validate --base" in s.get("run", "") and "--format github" in s["run"] for s in steps
    )
    hooks = yaml.safe_load((tmp_path / "r/.pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["hooks"][0]["entry"] == "incidentctl validate"


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy/notes.txt").write_text("mine\n")
    code, _, err = cli("init", str(tmp_path / "busy"))
    assert code == 2 and "is not empty" in err
    assert (tmp_path / "busy/notes.txt").read_text() == "mine\n"


@pytest.mark.usefixtures("git_env")
def test_a_scaffold_supports_the_whole_workflow(tmp_path: Path) -> None:
    target = tmp_path / "r"
    cli("init", str(target), "--now", NOW)
    repo = GitRepo(target)
    repo.git("init", "--quiet", "-b", "main")
    repo.commit("scaffold")
    code, out, _ = cli(
        "--repo",
        str(target),
        "new",
        "--title",
        "Intranet is slow",
        "--description",
        "Pages take 20 s.",
        "--service",
        "intranet",
        "--category",
        "application",
        "--subcategory",
        "performance",
        "--impact",
        "low",
        "--urgency",
        "medium",
        "--channel",
        "email",
        "--by",
        "bob",
        "--now",
        NOW,
        "--branch",
        "inc/slow",
    )
    assert code == 0 and out.startswith("INC-2026-0001: new, P4, app-support")
    code, out, _ = cli("--repo", str(target), "validate", "--base", "main", "--now", NOW)
    assert (code, out) == (0, "1 file checked: no problems\n")


def test_the_site_configuration_is_the_bundled_one_as_in_this_repository(tmp_path: Path) -> None:
    """One look for every site: init writes the bundled configuration, and this
    repository's site/ is that configuration too."""
    from incidentctl.site.engine import DEFAULT_CONFIG

    bundled = {
        p.relative_to(DEFAULT_CONFIG).as_posix(): p.read_text(encoding="utf-8")
        for p in DEFAULT_CONFIG.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert "mkdocs.yml" in bundled and "assets/extra.css" in bundled
    cli("init", str(tmp_path / "r"), "--now", NOW)
    for root in (tmp_path / "r", Path(__file__).resolve().parents[2]):
        site = root / "site"
        found = {
            p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
            for p in site.rglob("*")
            if p.is_file()
        }
        assert found == bundled, root
