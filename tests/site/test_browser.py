"""The built site in headless Chromium, served on 127.0.0.1 by the fixture itself."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.site.serve import server
from tests.site.browser import Watched
from tests.site.conftest import make_site_repo, require_zensical

NOW = "2026-11-23T12:00:00+00:00"
PUBLIC = "site:\n  public_fields: [title, description, priority, status, service, reported_at]\n"
HOSTILE_KB = "kb/KB-0901-hostile-markup-in-an-article.html"
HOSTILE_INCIDENT = "incidents/2026/INC-2026-0901.html"


def _serve(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[str]:
    base = tmp_path_factory.mktemp(f"browser-{engine}")
    root = make_site_repo(base / "repo", PUBLIC)
    out = base / "site"
    args = ["--repo", str(root), "site", "build", "--now", NOW, "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--engine", engine])
    assert result.exit_code == 0, result.output
    httpd = server(out)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture repository built with MkDocs and served on 127.0.0.1 (any free port)."""
    yield from _serve(tmp_path_factory, "mkdocs")


@pytest.fixture(scope="module")
def zensical_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same repository built with Zensical."""
    require_zensical()
    yield from _serve(tmp_path_factory, "zensical")


def search(page: Watched, words: str) -> None:
    """Type into Material's search box as a reader would (key by key)."""
    box = page.page.locator("input.md-search__input")
    box.click()
    box.fill("")
    box.press_sequentially(words, delay=20)


def test_home_loads_with_no_console_error_and_no_request_leaving_localhost(
    page: Watched, site_url: str
) -> None:
    page.page.goto(site_url, wait_until="networkidle")
    assert page.page.locator("h1").first.inner_text().rstrip("¶") == "Incidents and knowledge base"
    assert page.page.locator("h2#open-incidents-by-priority").is_visible()
    assert page.errors == []
    hosts = {urlsplit(url).hostname for url in page.requests if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}


def test_zensical_home_loads_offline_and_drafts_are_absent(
    page: Watched, zensical_url: str
) -> None:
    page.page.goto(zensical_url, wait_until="networkidle")
    assert page.page.locator("h2#open-incidents-by-priority").is_visible()
    assert page.errors == []
    hosts = {urlsplit(url).hostname for url in page.requests if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}
    response = page.page.goto(zensical_url + "kb/KB-0902-unpublished-draft-article.html")
    assert response is not None and response.status == 404


def test_search_finds_an_article_by_a_word_of_its_body(page: Watched, site_url: str) -> None:
    page.page.goto(site_url + "kb/index.html", wait_until="networkidle")
    search(page, "zanzibarite")
    result = page.page.locator(".md-search-result__item").first
    result.wait_for(timeout=15_000)
    assert "Printer queue" in result.inner_text()
    assert page.errors == []


def test_drafts_are_not_published_nor_searchable(page: Watched, site_url: str) -> None:
    response = page.page.goto(site_url + "kb/KB-0902-unpublished-draft-article.html")
    assert response is not None and response.status == 404
    page.page.goto(site_url + "kb/index.html", wait_until="networkidle")
    assert "KB-0902" not in page.page.content()
    search(page, "ETIMEDOUT")  # a word that is found, so the index is loaded
    page.page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    search(page, "quokkaware")
    meta = page.page.locator(".md-search-result__meta")
    page.page.wait_for_function(
        "() => /no matching/i.test(document.querySelector('.md-search-result__meta').textContent)",
        timeout=15_000,
    )
    assert "No matching documents" in meta.inner_text()
    assert page.page.locator(".md-search-result__item").count() == 0


def test_non_public_fields_are_absent(page: Watched, site_url: str) -> None:
    page.page.goto(site_url + HOSTILE_INCIDENT, wait_until="networkidle")
    text = page.page.locator("article").inner_text()
    assert "Payroll | totals *wrong*" in text  # public, shown as typed
    for secret in ("mallory", "secret-assignee", "Timeline", "hr-systems"):
        assert secret not in text
    page.page.goto(site_url + "incidents/2026/INC-2026-0042.html", wait_until="networkidle")
    assert "dana@example.com" not in page.page.content()


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
@pytest.mark.parametrize("path", [HOSTILE_KB, HOSTILE_INCIDENT, "index.html"])
def test_planted_script_never_runs(
    page: Watched, request: pytest.FixtureRequest, engine: str, path: str
) -> None:
    site_url = request.getfixturevalue("site_url" if engine == "mkdocs" else "zensical_url")
    page.page.goto(site_url + path, wait_until="networkidle")
    page.page.wait_for_timeout(300)  # let any onerror / onload fire
    for link in page.page.locator("article a").all():
        href = link.get_attribute("href")
        assert href is None or not re.match(r"\s*(javascript|data|vbscript):", href, re.I)
    for name in ("Open the spooler", "Spooler log", "Restart the spooler", "Details"):
        found = page.page.get_by_text(name, exact=True)
        if found.count():
            found.first.click()
            page.page.wait_for_timeout(100)
    assert page.pwned() is None
    assert page.dialogs == []
    # the planted <img onerror> points at a missing file: its 404 is the only error allowed
    assert [e for e in page.errors if "404" not in e or path != HOSTILE_KB] == []


def test_a_kb_article_shows_its_facts_and_resolved_incidents(page: Watched, site_url: str) -> None:
    page.page.goto(site_url + "kb/KB-0007-payroll-export-times-out.html", wait_until="networkidle")
    facts = page.page.locator("dl.ic-facts")
    assert facts.is_visible() and "Known error" in facts.inner_text()
    link = page.page.get_by_role("link", name="INC-2026-0042")
    assert link.is_visible()
    link.click()
    page.page.wait_for_load_state("networkidle")
    assert page.page.url.endswith("incidents/2026/INC-2026-0042.html")
