"""Real builds: the example repository with MkDocs and with Zensical, and their failures."""

from __future__ import annotations

import filecmp
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.site.engine import DEFAULT_CONFIG
from incidentctl.site.serve import external_resources
from tests.site.conftest import require_zensical

ROOT = Path(__file__).resolve().parents[2]  # the example repository
NOW = "2026-11-23T12:00:00+00:00"


def broken_links(out: Path) -> list[tuple[str, str]]:
    """(page, href) of every relative link whose target file is not in the site.

    ``404.html`` is left out: it links from the site root, wherever it is served.
    """
    broken = []
    for page in out.rglob("*.html"):
        if page.name == "404.html":
            continue
        for href in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8")):
            target = re.split(r"[#?]", href)[0]
            if not target or re.match(r"[a-z][a-z0-9+.-]*:|//", href):
                continue
            if not (page.parent / target).exists():
                broken.append((page.relative_to(out).as_posix(), href))
    return broken


def _build(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["--repo", str(root), "site", "build", "--now", NOW, *args], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_the_example_repository_builds_offline(tmp_path: Path, engine: str) -> None:
    if engine == "zensical":
        require_zensical()
    out = tmp_path / "out"
    code, stdout, stderr = _build(ROOT, "--out", str(out), "--engine", engine)
    assert code == 0, stderr
    assert stdout.startswith("site built: ") and str(out) in stdout
    assert "loads" not in stderr  # no page fetches anything from the network
    for page in (
        "index.html",
        "kb/index.html",
        "kb/KB-0007-payroll-export-times-out.html",
        "kb/stale.html",
        "sla/index.html",
        "incidents/index.html",
        "incidents/2026/INC-2026-0042.html",
        "guide/sla.html",
    ):
        assert (out / page).is_file(), page
    assert external_resources(out) == []
    assert broken_links(out) == []
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "Open incidents by priority" in home and "fonts.googleapis" not in home
    kpi = (out / "kpi/index.html").read_text(encoding="utf-8")
    assert kpi.count('<svg class="incidentctl-chart"') == 6  # inlined, not escaped as text
    assert len(list((out / "kpi/charts").glob("*.svg"))) == 6
    drafts = [p for p in (ROOT / "kb").glob("*.md") if "status: draft" in p.read_text()]
    assert drafts, "the example repository has drafts"
    index = out / ("search/search_index.json" if engine == "mkdocs" else "search.json")
    search = index.read_text(encoding="utf-8")
    assert "chunked upload fix" in search  # a phrase from the body of KB-0007
    if engine == "mkdocs":  # incidents are found by ID and title, their bodies are not indexed
        docs = json.loads(search)["docs"]
        entries = [d for d in docs if d["location"].startswith("incidents/2026/INC-2026-0042")]
        assert [(e["title"], e["text"]) for e in entries] == [
            ("INC-2026-0042: Payroll export fails with a timeout", "")
        ]
        assert not [d for d in docs if d["location"].startswith("incidents/2026/") and d["text"]]
    for draft in drafts:
        assert not (out / "kb" / draft.name.replace(".md", ".html")).exists()
        title = re.search(r"^title: (.+)$", draft.read_text(), re.MULTILINE)
        assert title is not None and title.group(1) not in search


def test_a_rebuild_replaces_an_earlier_build(tmp_path: Path, site_repo: Path) -> None:
    out = tmp_path / "out"
    assert _build(site_repo, "--out", str(out))[0] == 0
    (out / "left-over.html").write_text("old")
    assert _build(site_repo, "--out", str(out))[0] == 0
    assert not (out / "left-over.html").exists()


def test_a_folder_with_other_files_is_refused(tmp_path: Path, site_repo: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    code, _, stderr = _build(site_repo, "--out", str(out))
    assert code == 2 and "is not an earlier site build" in stderr
    assert (out / "thesis.tex").read_text() == "precious"
    code, _, stderr = _build(site_repo, "--out", str(site_repo))
    assert code == 2 and "is the repository" in stderr


def test_default_output_folder_is_site_build(site_repo: Path) -> None:
    assert _build(site_repo)[0] == 0
    assert (site_repo / "site-build" / "index.html").is_file()


def test_a_broken_mkdocs_yml_is_reported_with_its_line(site_repo: Path) -> None:
    (site_repo / "site").mkdir()
    (site_repo / "site" / "mkdocs.yml").write_text("theme:\n  name: material\n  font: [\n")
    code, _, stderr = _build(site_repo, "--out", str(site_repo / "out"))
    assert code == 2
    assert stderr.startswith("incidentctl: error: site/mkdocs.yml:4: not valid YAML")
    assert "Traceback" not in stderr


def test_the_site_config_overrides_theme_and_keeps_fonts_offline(site_repo: Path) -> None:
    shutil.copytree(DEFAULT_CONFIG, site_repo / "site")
    config = site_repo / "site" / "mkdocs.yml"
    text = config.read_text().replace("font: false", "font: {text: Roboto}")
    config.write_text(text.replace("primary: indigo", "primary: deep orange"))
    out = site_repo / "out"
    assert _build(site_repo, "--out", str(out))[0] == 0
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-md-color-primary="deep-orange"' in home
    assert external_resources(out) == []


def test_a_site_config_without_attr_list_still_keeps_incident_bodies_out_of_search(
    site_repo: Path,
) -> None:
    shutil.copytree(DEFAULT_CONFIG, site_repo / "site")
    config = site_repo / "site" / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - attr_list\n", ""))
    assert "- attr_list" not in config.read_text()
    out = site_repo / "out"
    assert _build(site_repo, "--out", str(out))[0] == 0
    page = next((out / "incidents").glob("*/INC-*.html")).read_text(encoding="utf-8")
    assert "data-search-exclude }" not in page and "<h2 data-search-exclude" in page


def test_the_example_site_folder_is_the_bundled_default() -> None:
    compared = filecmp.dircmp(ROOT / "site", DEFAULT_CONFIG, ignore=["__pycache__"])
    assert not compared.diff_files and not compared.left_only and not compared.right_only
    for sub in compared.subdirs.values():
        assert not sub.diff_files and not sub.left_only and not sub.right_only


def test_an_unknown_engine_is_a_usage_error(site_repo: Path) -> None:
    result = CliRunner().invoke(main, ["--repo", str(site_repo), "site", "build", "--engine", "x"])
    assert result.exit_code == 2 and "'x' is not one of" in result.stderr
