"""The KPI report page: its charts inlined with unique IDs, its text escaped."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

from incidentctl.kpi.charts import Chart
from incidentctl.model.incident import OPEN_STATES
from incidentctl.site import kpi
from incidentctl.site.context import build_context
from incidentctl.site.pages import generate
from incidentctl.store.repo import load_repository
from tests.conftest import NOW

CHARTS = {"volume-by-priority", "mtta-trend", "mttr-trend", "sla-met", "backlog-age", "csat"}


def _pages(root: Path) -> dict[str, str]:
    ctx = build_context(load_repository(root), NOW)
    return {p.path: p.text for p in generate(ctx).pages}


def test_the_kpi_section_has_its_page_six_charts_and_a_nav_entry(site_repo: Path) -> None:
    ctx = build_context(load_repository(site_repo), NOW)
    section = kpi.section(ctx)
    assert section is not None
    assert section.nav == [{"KPI report": "kpi/index.md"}]
    paths = {p.path for p in section.pages}
    assert paths == {"kpi/index.md", *(f"kpi/charts/{name}.svg" for name in CHARTS)}
    page = next(p.text for p in section.pages if p.path == "kpi/index.md")
    assert page.count('<figure class="ic-chart" data-search-exclude>') == 6
    for name in CHARTS:
        assert f'href="charts/{name}.svg" download' in page
        assert f'aria-labelledby="chart-{name}-title chart-{name}-desc"' in page


def test_every_id_on_the_page_is_unique_and_every_reference_resolves(site_repo: Path) -> None:
    page = _pages(site_repo)["kpi/index.md"]
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert ids and len(ids) == len(set(ids))
    references = set(re.findall(r'(?:href="#|url\(#)([^")]+)', page))
    assert references and references <= set(ids)


def test_inline_drops_what_a_page_cannot_hold() -> None:
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg class="incidentctl-chart" id="chart-x">'
        '<title id="chart-x-title">t</title>\n <metadata>\n<rdf/>\n</metadata>\n\n'
        '<defs><style type="text/css">*{stroke-linejoin: round}</style>'
        '<clipPath id="p1"><rect/></clipPath></defs>\n\n<g id="figure_1" clip-path="url(#p1)">'
        '<use xlink:href="#p1"/><text>*{odd}</text></g></svg>'
    )
    html = kpi.inline(Chart("x", "t", "alt", [["a"]], svg), "charts/")
    assert html.startswith('<figure class="ic-chart" data-search-exclude>\n<svg ')
    assert "<?xml" not in html and "DOCTYPE" not in html and "metadata" not in html
    assert ">.incidentctl-chart *{stroke-linejoin" in html  # scoped, not global
    assert "<text>*{odd}</text>" in html  # a label is not a style
    assert 'id="x-p1"' in html and "url(#x-p1)" in html and 'href="#x-p1"' in html
    assert 'id="x-figure_1"' in html and 'id="chart-x"' in html and 'id="chart-x-title"' in html
    assert "\n\n" not in html  # a blank line would end the raw HTML block
    assert html.endswith(
        '<a href="charts/x.svg" download>Download the chart (SVG)</a></figcaption>\n</figure>'
    )


def test_kb_titles_and_priorities_are_escaped_on_the_kpi_page(site_repo: Path) -> None:
    article = site_repo / "kb" / "KB-0007-payroll-export-times-out.md"
    text = article.read_text(encoding="utf-8")
    hostile = "Export <script>x()</script> [jams](javascript:alert(1)) *bold*"
    article.write_text(re.sub(r"(?m)^title: .*$", f"title: '{hostile}'", text), encoding="utf-8")
    page = _pages(site_repo)["kpi/index.md"]
    assert "KB&#45;0007" in page  # the article is in the KB usage table
    assert "<script" not in page and "javascript:" not in page and "*bold*" not in page
    assert "Export &#60;script&#62;x&#40;&#41;" in page


def test_no_kpi_page_without_an_sla_policy(site_repo: Path) -> None:
    (site_repo / "policies" / "sla.yaml").unlink()
    assert kpi.section(build_context(load_repository(site_repo), NOW)) is None
    assert not any(path.startswith("kpi/") for path in _pages(site_repo))


def test_home_shows_last_month_and_this_month_and_links_the_report(site_repo: Path) -> None:
    repo = load_repository(site_repo)
    reported = [r.model.reported_at.astimezone(UTC) for r in repo.load_incidents()]
    this_month = sum(1 for at in reported if (at.year, at.month) == (NOW.year, NOW.month))
    home = _pages(site_repo)["index.md"]
    block = home.split("## Latest KPIs", 1)[1].split("## Explore", 1)[0]
    assert "|  | 2026&#45;10 | 2026&#45;11 (so far) |" in block
    assert f"| Incidents reported | 0 | {this_month} |" in block
    still_open = sum(1 for r in repo.load_incidents() if r.model.status in OPEN_STATES)
    assert f"Backlog now: **{still_open}** open" in block
    assert "[KPI report](kpi/index.md)" in block
    assert '<a href="kpi/index.html"><strong>KPI report</strong></a>' in home


def test_the_month_before_january_is_december() -> None:
    assert kpi._month_before("2026-01") == "2025-12"
    assert kpi._month_before("2026-11") == "2026-10"


def test_the_kpi_page_links_the_definitions_when_the_guide_has_them(site_repo: Path) -> None:
    assert "KPI definitions" not in _pages(site_repo)["kpi/index.md"]
    (site_repo / "docs").mkdir()
    (site_repo / "docs" / "kpi.md").write_text("# KPIs\n\nMTTA is...\n", encoding="utf-8")
    page = _pages(site_repo)["kpi/index.md"]
    assert "How each figure is measured: [KPI definitions](../guide/kpi.md)." in page
