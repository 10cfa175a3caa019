"""The page generators on a small repository: what is published, and what is not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from incidentctl.errors import UsageError
from incidentctl.site import register
from incidentctl.site.context import build_context
from incidentctl.site.pages import Page, Section, generate
from incidentctl.store.repo import load_repository
from tests.conftest import NOW
from tests.site.conftest import make_site_repo


def _site(root: Path) -> dict[str, str]:
    ctx = build_context(load_repository(root), NOW)
    return {p.path: p.text for p in generate(ctx).pages}


def _nav(root: Path) -> list[object]:
    return generate(build_context(load_repository(root), NOW)).nav


def test_drafts_have_no_page_and_no_mention(site_repo: Path) -> None:
    pages = _site(site_repo)
    assert "kb/KB-0901-hostile-markup-in-an-article.md" in pages
    assert not any("KB-0902" in path for path in pages)
    assert not any("quokkaware" in text or "KB-0902" in text for text in pages.values())


def test_every_kb_index_lists_the_published_articles(site_repo: Path) -> None:
    pages = _site(site_repo)
    for index in ("index", "services", "categories", "types"):
        text = pages[f"kb/{index}.md"]
        assert "KB-0007-payroll-export-times-out.md" in text, index
        assert "KB-0901-hostile-markup-in-an-article.md" in text, index
    assert "KB-0007" in pages["kb/known-errors.md"]
    assert "KB-0901" not in pages["kb/known-errors.md"]  # a workaround, not a known error
    assert "{#g-printing}" in pages["kb/tags.md"]


def test_stale_articles_are_those_past_their_review_date(site_repo: Path) -> None:
    stale = _site(site_repo)["kb/stale.md"]
    assert "KB-0901" in stale and "2025-04-06" in stale
    assert "KB-0007" not in stale


def test_an_article_lists_the_incidents_it_resolved(site_repo: Path) -> None:
    page = _site(site_repo)["kb/KB-0007-payroll-export-times-out.md"]
    resolved = page.split("## Incidents resolved with this article", 1)[1]
    assert "[INC&#45;2026&#45;0042](../incidents/2026/INC-2026-0042.md)" in resolved
    assert "INC-2026-0901" not in resolved and "INC&#45;2026&#45;0901" not in resolved


def test_incident_fields_are_escaped_everywhere(site_repo: Path) -> None:
    pages = _site(site_repo)
    for path, text in pages.items():
        if path.startswith("guide/"):
            continue
        assert "<script" not in text, path
        # no tag with an event handler or a script URL (as text in a cell, they are inert)
        assert not re.search(r"<[^>]*\son\w+\s*=", text, re.IGNORECASE), path
        assert not re.search(r"<[^>]*=\s*[\"']?\s*javascript:", text, re.IGNORECASE), path
        assert not re.search(r"\]\(\s*javascript:", text, re.IGNORECASE), path


def test_register_groups_incidents_by_month_and_links_each_page(site_repo: Path) -> None:
    pages = _site(site_repo)
    assert "[2026&#45;11](2026-11.md)" in pages["incidents/index.md"]
    month = pages["incidents/2026-11.md"]
    assert "(2026/INC-2026-0042.md)" in month and "(2026/INC-2026-0901.md)" in month
    page = pages["incidents/2026/INC-2026-0042.md"]
    assert "## Timeline" in page and "## SLA clocks" in page
    assert "<tr><td>Reported by</td><td>dana@example.com</td></tr>" in page


def test_public_fields_restrict_every_incident_page(tmp_path: Path) -> None:
    config = "site:\n  public_fields: [title, priority, status, service]\n"
    pages = _site(make_site_repo(tmp_path / "repo", config))
    text = "\n".join(t for p, t in pages.items() if p.startswith(("incidents/", "index", "kb/")))
    for secret in ("dana", "mallory", "secret&#45;assignee", "erin", "Vendor raised"):
        assert secret not in text
    assert "## Timeline" not in text and "## Description" not in text
    assert "Payroll export fails with a timeout" in text


def test_register_off_publishes_no_incident_page_and_no_incident_link(tmp_path: Path) -> None:
    pages = _site(make_site_repo(tmp_path / "repo", "site:\n  register: false\n"))
    assert not any(p.startswith("incidents/") for p in pages)
    assert not any("incidents/" in text for text in pages.values())
    assert "clocks past a threshold" in pages["index.md"]  # counts only


def test_unknown_public_field_is_refused_with_the_file_and_option(tmp_path: Path) -> None:
    root = make_site_repo(tmp_path / "repo", "site:\n  public_fields: [title, reporter]\n")
    expected = r"incidentctl.yaml:2: site.public_fields\[1\]: 'reporter'"
    with pytest.raises(UsageError, match=expected):
        build_context(load_repository(root), NOW)


def test_the_nav_lists_index_pages_only(site_repo: Path) -> None:
    nav = repr(_nav(site_repo))
    assert "kb/index.md" in nav and "incidents/index.md" in nav and "sla/index.md" in nav
    assert "KB-0007" not in nav and "INC-2026" not in nav  # pages are reached from indexes


def test_home_shows_open_incidents_by_priority_and_clocks_at_risk(site_repo: Path) -> None:
    home = _site(site_repo)["index.md"]
    assert "| **P2** | · | 1 | · | **1** |" in home
    assert "## SLA clocks at risk" in home
    assert "(incidents/2026/INC-2026-0901.md)" in home  # its respond clock is breached at NOW


def test_a_path_generated_twice_is_refused(site_repo: Path) -> None:
    ctx = build_context(load_repository(site_repo), NOW)

    def twice(_: object) -> Section:
        return Section([Page("a.md", "x"), Page("a.md", "y")])

    site = generate(ctx, [twice])  # pages are made as they are written
    with pytest.raises(ValueError, match=r"a\.md"):
        list(site.pages)


def test_the_guide_comes_from_docs(site_repo: Path) -> None:
    (site_repo / "docs").mkdir()
    (site_repo / "docs" / "sla.md").write_text("# SLA clock\n\nSee [rules](rules.md).\n")
    (site_repo / "docs" / "rules.md").write_text("# Rules\n\n<script>x()</script>ok\n")
    (site_repo / "docs" / "on-call.md").write_text("# Our `on-call` runbook\n\nCall Bob.\n")
    pages = _site(site_repo)
    assert 'href="rules.html"' in pages["guide/sla.md"]
    assert "<script" not in pages["guide/rules.md"]
    # the bundled pages under their short titles, in reading order; others after, by heading
    guide = [
        {"SLA clocks": "guide/sla.md"},
        {"Rules reference": "guide/rules.md"},
        {"Our on-call runbook": "guide/on-call.md"},
    ]
    assert {"User guide": guide} in _nav(site_repo)


def test_every_page_of_the_example_guide_is_in_the_nav() -> None:
    root = Path(__file__).resolve().parents[2]
    nav = _nav(root)
    guide = next(
        item["User guide"] for item in nav if isinstance(item, dict) and "User guide" in item
    )
    listed = {path for entry in guide for path in entry.values()}
    assert listed == {f"guide/{f.name}" for f in (root / "docs").glob("*.md")}
    assert {"KPI definitions": "guide/kpi.md"} in guide


def test_a_long_month_is_split_into_linked_pages(
    site_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incidentctl.site import register

    monkeypatch.setattr(register, "PAGE_SIZE", 1)
    pages = _site(site_repo)
    first, second = pages["incidents/2026-11.md"], pages["incidents/2026-11-2.md"]
    assert "(2026/INC-2026-0042.md)" in first and "INC-2026-0901" not in first
    assert "(2026/INC-2026-0901.md)" in second and "INC-2026-0042" not in second
    assert "Page 1 of 2: **1** [2](2026-11-2.md)" in first
    assert "Page 2 of 2: [1](2026-11.md) **2**" in second
    assert "[2026&#45;11](2026-11.md) | 2 |" in pages["incidents/index.md"]


def test_without_an_sla_policy_the_site_has_no_clocks_and_says_why(site_repo: Path) -> None:
    (site_repo / "policies" / "sla.yaml").unlink()
    ctx = build_context(load_repository(site_repo), NOW)
    assert ctx.clocks == {}
    assert any("no SLA clocks on the site: policies/sla.yaml is missing" in w for w in ctx.warnings)
    pages = {p.path: p.text for p in generate(ctx).pages}
    assert "SLA clocks at risk" not in pages["index.md"]
    assert "## SLA clocks" not in pages["incidents/2026/INC-2026-0042.md"]
    assert (
        "## Targets" not in pages["sla/index.md"] and "## Priority matrix" in pages["sla/index.md"]
    )


def test_incident_pages_are_made_one_record_at_a_time(
    site_repo: Path, incident_reads: list[str]
) -> None:
    """The context keeps a brief of each record, not the record; each incident's page
    reads its record again when the page is written, so no step holds them all."""
    repo = load_repository(site_repo)
    ctx = build_context(repo, NOW)
    records = len(incident_reads)
    assert records >= 2 and repo._incidents == {}  # read once each, none kept
    incident_reads.clear()
    pages = iter(generate(ctx, [register.section]).pages)
    assert incident_reads == []  # nothing read until the pages are
    while not re.match(r"incidents/\d{4}/", next(pages).path):
        pass
    assert len(incident_reads) == 1  # the first incident page: one record read
    assert sum(1 for p in pages if re.match(r"incidents/\d{4}/", p.path)) == records - 1
    assert len(incident_reads) == records
