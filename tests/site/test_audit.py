"""The audit summary page: built from a full git history, switchable, escaped."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.site import audit
from incidentctl.site.context import build_context
from incidentctl.site.pages import generate
from incidentctl.store.repo import load_repository
from tests.audit.conftest import REC, History
from tests.conftest import NOW
from tests.gitrepo import GIT_ENV, GitRepo
from tests.site.conftest import make_site_repo

HOSTILE = "<script>x()</script>@example.com"


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> History:
    """The audit tests' scripted history: the base fixture committed on main."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_ACTOR", raising=False)
    h = History.__new__(History)
    h.mp = monkeypatch
    h.at("2026-11-22T09:00:00+00:00")
    h.repo = GitRepo.create(tmp_path / "repo")
    return h


def _site(root: Path) -> tuple[dict[str, str], list[object], list[str]]:
    ctx = build_context(load_repository(root), NOW)
    site = generate(ctx)
    return {p.path: p.text for p in site.pages}, site.nav, ctx.notes


def _hostile_history(history: History) -> None:
    """A record whose immutable reporter is changed to a value with markup: AUD003."""
    history.open_record()
    history.repo.replace(REC, "reported_by: dana@example.com", f"reported_by: '{HOSTILE}'")
    history.commit("Change reporter", "2026-11-22T09:40:00+00:00")


def test_the_page_counts_and_lists_the_findings_escaped(history: History) -> None:
    _hostile_history(history)
    pages, nav, notes = _site(history.root)
    page = pages[audit.PATH]
    assert {"Audit": audit.PATH} in nav and notes == []
    assert "**The audit fails**: 1 error(s) nobody explained." in page
    assert "| 3 | 2 | 3 | 1 | 1 | 0 |" in page  # commits, records, versions, errors, warnings
    assert "| error | 1 | 0 |" in page and "| warning | 1 | 0 |" in page
    assert "| AUD003 | immutable&#45;field&#45;changed&#45;in&#45;history | error | 1 | 0 |" in page
    assert "[INC&#45;2026&#45;0050](../incidents/2026/INC-2026-0050.md)" in page
    assert "Test Author &#60;author&#64;example&#46;com&#62;" in page
    assert "&#60;script&#62;x&#40;&#41;&#60;&#47;script&#62;" in page  # the value, as typed
    assert "<script" not in page
    # errors first, and the home page offers the page
    assert page.index("AUD003 |") < page.index("AUD008 |", page.index("## Findings\n"))
    assert '<a href="audit/index.html"><strong>Audit</strong></a>' in pages["index.md"]


def test_restricted_fields_hide_messages_and_authors(history: History) -> None:
    _hostile_history(history)
    history.config("site:\n  public_fields: [title, status]\n")
    history.commit("Restrict the site", "2026-11-22T09:45:00+00:00")
    page = _site(history.root)[0][audit.PATH]
    assert "| AUD003 |" in page.split("## Findings\n", 1)[0]
    assert "Messages and authors are not published" in page
    assert "script" not in page and "author&#64;example" not in page and "| Author |" not in page


def test_switched_off_there_is_no_page_and_no_note(history: History) -> None:
    history.config("site:\n  audit: false\n")
    pages, nav, notes = _site(history.root)
    assert audit.PATH not in pages and {"Audit": audit.PATH} not in nav and notes == []
    assert "audit/index" not in pages["index.md"]


def test_outside_git_there_is_no_page_and_one_note(tmp_path: Path) -> None:
    pages, _, notes = _site(make_site_repo(tmp_path / "repo"))
    assert audit.PATH not in pages
    assert len(notes) == 1 and notes[0].startswith("no audit page: audit needs a git repository")


def test_a_shallow_clone_builds_without_the_page_and_says_why(
    history: History, tmp_path: Path
) -> None:
    history.open_record()
    clone = tmp_path / "shallow"
    history.git("clone", "--quiet", "--depth", "1", f"file://{history.root}", str(clone))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["--repo", str(clone), "site", "build", "--now", NOW.isoformat(), "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "note:" in line]
    assert len(notes) == 1 and "no audit page: audit: this clone is shallow" in notes[0]
    assert (out / "index.html").is_file() and not (out / "audit").exists()


def test_a_repository_without_commits_has_no_page(tmp_path: Path) -> None:
    root = make_site_repo(tmp_path / "repo")
    git = shutil.which("git")
    assert git is not None
    subprocess.run([git, "init", "--quiet", str(root)], check=True)
    pages, _, notes = _site(root)
    assert audit.PATH not in pages
    assert notes == ["no audit page: the repository has no commit yet"]
