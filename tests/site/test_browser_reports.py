"""The KPI report and the audit page in headless Chromium, in light and dark mode.

The site is the fixture repository committed to git, built with ``site.audit`` on,
then off (and with Zensical for the charts) into folders under one server on 127.0.0.1.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.site.serve import server
from tests.gitrepo import GIT_ENV, GitRepo
from tests.site.browser import Watched
from tests.site.conftest import SITE_FIXTURES, require_zensical

NOW = "2026-11-23T12:00:00+00:00"
SCHEMES = {"light": "default", "dark": "slate"}
CHARTS = ("volume-by-priority", "mtta-trend", "mttr-trend", "sla-met", "backlog-age", "csat")


@dataclass(frozen=True)
class Sites:
    url: str  # of the served folder
    repo: Path
    www: Path  # the served folder: one site build per subfolder


def _build(sites: Sites, name: str, config: str, engine: str = "mkdocs") -> None:
    (sites.repo / "incidentctl.yaml").write_text(config, encoding="utf-8")
    args = ["--repo", str(sites.repo), "site", "build", "--now", NOW, "--engine", engine]
    result = CliRunner().invoke(main, [*args, "--out", str(sites.www / name)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sites]:
    """``<url>/on/`` with the audit page, ``<url>/off/`` with ``site.audit: false``."""
    base = tmp_path_factory.mktemp("reports")
    (base / "www").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        repo = GitRepo.create(base / "repo")
        shutil.copytree(SITE_FIXTURES, repo.root, dirs_exist_ok=True)
        repo.commit("Site fixtures")
    httpd = server(base / "www")
    found = Sites(f"http://127.0.0.1:{httpd.server_address[1]}/", repo.root, base / "www")
    _build(found, "on", "site:\n  audit: true\n")
    _build(found, "off", "site:\n  audit: false\n")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield found
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def zensical(sites: Sites) -> str:
    """The same repository built with Zensical, served at ``<url>/zensical/``."""
    require_zensical()
    _build(sites, "zensical", "site:\n  audit: true\n", "zensical")
    return sites.url + "zensical/"


def _open(page: Watched, url: str, scheme: str) -> None:
    page.page.emulate_media(color_scheme=scheme)
    page.page.goto(url, wait_until="networkidle")
    # Material picks the palette whose media query matches, unless a reader chose one
    page.page.evaluate("() => localStorage.clear()")
    page.page.reload(wait_until="networkidle")
    body = page.page.locator("body").get_attribute("data-md-color-scheme")
    assert body == SCHEMES[scheme]


def _only_localhost(page: Watched) -> None:
    hosts = {urlsplit(url).hostname for url in page.requests if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_kpi_chart_renders_in_the_text_colour(
    page: Watched, sites: Sites, request: pytest.FixtureRequest, scheme: str, engine: str
) -> None:
    url = sites.url + "on/" if engine == "mkdocs" else request.getfixturevalue("zensical")
    _open(page, url + "kpi/index.html", scheme)
    assert page.errors == []
    _only_localhost(page)
    text_colour = page.page.evaluate(
        "() => getComputedStyle(document.querySelector('.md-typeset')).color"
    )
    for name in CHARTS:
        chart = page.page.locator(f"svg#chart-{name}")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, name
        # axes and labels are drawn in currentColor: the page's text colour in both schemes
        assert chart.evaluate("e => getComputedStyle(e).color") == text_colour, name
        label = chart.get_attribute("aria-labelledby")
        assert label == f"chart-{name}-title chart-{name}-desc"
        assert page.page.locator(f"#chart-{name}-desc").text_content()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_home_page_shows_the_latest_kpis(page: Watched, sites: Sites, scheme: str) -> None:
    _open(page, sites.url + "on/index.html", scheme)
    assert page.page.locator("h2#latest-kpis").is_visible()
    page.page.get_by_role("link", name="KPI report").first.click()
    page.page.wait_for_load_state("networkidle")
    assert page.page.url.endswith("/on/kpi/index.html")
    assert page.errors == []
    _only_localhost(page)


def test_the_audit_page_is_there_when_switched_on(page: Watched, sites: Sites) -> None:
    _open(page, sites.url + "on/audit/index.html", "light")
    assert page.page.locator("h1").first.inner_text().rstrip("¶") == "Audit summary"
    assert page.page.get_by_text("The audit passes").is_visible()
    assert page.page.locator("nav").get_by_role("link", name="Audit").count() > 0
    assert page.errors == []
    _only_localhost(page)


def test_the_audit_page_is_absent_when_switched_off(page: Watched, sites: Sites) -> None:
    response = page.page.goto(sites.url + "off/audit/index.html")
    assert response is not None and response.status == 404
    page.page.goto(sites.url + "off/index.html", wait_until="networkidle")
    assert page.page.locator("nav").get_by_role("link", name="Audit").count() == 0
    assert page.page.locator("nav").get_by_role("link", name="KPI report").count() > 0
