"""Each chart is valid, titled, sized, readable in both schemes, and byte-for-byte stable."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidentctl.commands.kpi import kpi_dashboard
from incidentctl.kpi.charts import Chart
from incidentctl.kpi.page import Dashboard, all_charts, page_markdown
from tests.kpi.helpers import NOW, load

SVG = "{http://www.w3.org/2000/svg}"
NAMES = ["volume-by-priority", "mtta-trend", "mttr-trend", "sla-met", "backlog-age", "csat"]


def dashboard(since: datetime | None = None, until: datetime | None = None) -> Dashboard:
    return kpi_dashboard(load(), NOW, since, until, io.StringIO())


@pytest.fixture(scope="module")
def charts() -> list[Chart]:
    return all_charts(dashboard())


def _length(value: str) -> float:
    return float(re.match(r"[\d.]+", value).group())  # type: ignore[union-attr]


def check_svg(chart: Chart) -> ET.Element:
    root = ET.fromstring(chart.svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert _length(root.attrib["width"]) > 0 and _length(root.attrib["height"]) > 0
    assert root.attrib["role"] == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text == chart.title
    assert desc is not None and desc.text == chart.alt
    assert root.attrib["aria-labelledby"].split() == [title.attrib["id"], desc.attrib["id"]]
    return root


def test_every_chart(charts: list[Chart]) -> None:
    assert [c.name for c in charts] == NAMES
    for chart in charts:
        check_svg(chart)
        assert chart.alt and chart.table and len(chart.table) >= 2
        # text and axes follow the colour scheme; no opaque background is painted
        assert "currentColor" in chart.svg
        assert "prefers-color-scheme: dark" in chart.svg
        assert "#ffffff" not in chart.svg.lower()
        # no dates, no version: nothing that changes between two builds
        assert "<dc:date>" not in chart.svg
        assert "Matplotlib v" not in chart.svg
        # self-contained: nothing is fetched when the page is viewed
        assert "<image" not in chart.svg and 'href="http' not in chart.svg


def test_deterministic(charts: list[Chart]) -> None:
    again = all_charts(dashboard())
    assert [c.svg for c in again] == [c.svg for c in charts]


def test_data_tables_match_the_report(charts: list[Chart]) -> None:
    volume = charts[0].table
    assert volume[0] == ["Month", "P1", "P2", "P3", "P4", "Total"]
    # November: C (P1), A (P2), B and E (P3), D and F (P4)
    assert volume[2] == ["2026-11", "1", "1", "2", "2", "6"]
    sla = {row[0]: row[1:] for row in charts[3].table[1:]}
    assert sla["P1"] == ["0.0 %", "0.0 %"]  # C missed both
    assert sla["P4"] == ["–", "–"]  # nothing acknowledged
    backlog = dict((row[0], row[1]) for row in charts[4].table[1:])
    assert backlog["3–7 d"] == "2"


def test_empty_period_draws_no_data() -> None:
    empty = dashboard(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC))
    for chart in all_charts(empty):
        root = check_svg(chart)
        texts = "".join(root.itertext())
        # an empty backlog is a figure (zero in every bucket), not missing data
        assert ("No data" in texts) is (chart.name != "backlog-age")


def test_page_writes_the_charts_it_links(tmp_path: Path) -> None:
    out = tmp_path / "charts"
    text = page_markdown(dashboard(), out, "charts/")
    for name in NAMES:
        assert f"](charts/{name}.svg)" in text
        check_svg_file = (out / f"{name}.svg").read_text(encoding="utf-8")
        assert check_svg_file.startswith("<?xml")
    assert text.startswith("# KPI report\n")
    assert "| KB-0001 | Article 1 | 2 |" in text
    assert "## By priority" in text and "## By month" in text


def test_user_text_is_escaped_in_the_svg_and_the_page(tmp_path: Path) -> None:
    import dataclasses

    d = dashboard()
    # a priority name and a KB title as hostile as policy and KB authors could write them
    hostile = '<script>alert("x")</script> $\\frac{1}{2}$ & |'
    groups = [
        dataclasses.replace(g, keys={"priority": hostile}) if g.keys["priority"] == "P1" else g
        for g in d.by_priority.groups
    ]
    kb = [dataclasses.replace(u, title=hostile) for u in d.overall.kb_usage]
    d = dataclasses.replace(
        d,
        by_priority=dataclasses.replace(d.by_priority, groups=groups),
        overall=dataclasses.replace(d.overall, kb_usage=kb),
    )
    charts = all_charts(d)
    sla = next(c for c in charts if c.name == "sla-met")
    root = check_svg(sla)
    assert hostile in "".join(root.itertext())  # shown as text, dollars and all
    assert "<script" not in sla.svg
    text = page_markdown(d, tmp_path, "")
    assert "<script" not in text
    assert "&lt;script&gt;" in text and "\\|" in text


def test_the_overview_splits_the_whole_period_into_two_tables_of_every_figure() -> None:
    from incidentctl.kpi.page import overview
    from incidentctl.kpi.render import MD_HEAD, table_rows

    report = dashboard().overall
    text = overview(report)
    heads = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    labels = [c.strip() for line in heads[0:4:2] for c in line.strip("|").split("|")]
    assert sorted(labels) == sorted(MD_HEAD)  # every figure, once
    values = [c.strip() for line in heads[1:4:2] for c in line.strip("|").split("|")]
    by_label = dict(zip(labels, values, strict=True))
    assert by_label == dict(zip(MD_HEAD, table_rows(report)[1][1:], strict=True))
