"""The KPI renderers: the SPEC 9 JSON contract, golden outputs, CSV, OpenMetrics."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from incidentctl.kpi.render import RENDERERS, csv_columns, md_cell
from tests.kpi.helpers import report

GOLDEN = Path(__file__).parent / "golden"
CONTRACT = [
    "key",
    "count",
    "mtta_seconds",
    "mttr_seconds",
    "fcr_rate",
    "respond_met_rate",
    "resolve_met_rate",
    "reopen_rate",
    "escalation_rate",
    "major_count",
    "open_count",
    "csat_mean",
    "csat_response_rate",
]


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("by", ["", "priority", "month,priority"])
def test_golden(fmt: str, by: str) -> None:
    out = RENDERERS[fmt](report(by.split(",") if by else []))
    golden = GOLDEN / f"{by.replace(',', '-') or 'all'}.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_json_contract() -> None:
    data = json.loads(RENDERERS["json"](report(["priority"])))
    assert set(data) >= {"period", "groups"}
    assert data["period"]["until"] == "2026-11-23T12:00:00+00:00"
    for group in data["groups"]:
        assert list(group)[: len(CONTRACT) + 1] == ["key", "keys", *CONTRACT[1:]]
        for name in ("mtta_seconds", "mttr_seconds"):
            assert set(group[name]) == {"mean", "median", "p90"}
        for name in CONTRACT:
            if name.endswith("_rate") and group[name] is not None:
                assert 0 <= group[name] <= 1
    p4 = data["groups"][3]
    assert p4["key"] == "P4"
    assert p4["mttr_seconds"] == {"mean": None, "median": None, "p90": None}
    assert p4["fcr_rate"] is None


def test_ungrouped_json_key_is_null() -> None:
    data = json.loads(RENDERERS["json"](report()))
    assert [g["key"] for g in data["groups"]] == [None]
    assert data["groups"][0]["mtta_seconds"] == {"mean": 47940, "median": 1200, "p90": 235800}


def test_csv_one_row_per_group_plus_total() -> None:
    r = report(["service"])
    rows = list(csv.DictReader(io.StringIO(RENDERERS["csv"](r))))
    assert list(rows[0]) == csv_columns(r)
    assert [row["key"] for row in rows] == ["payroll", "vpn", "total"]
    # vpn: B is the only acknowledged incident, 65 h 30 m; nothing to survey
    assert rows[1]["mtta_median_seconds"] == "235800"
    assert rows[1]["csat_mean"] == ""


def test_openmetrics_parses_with_prometheus_client() -> None:
    text = RENDERERS["openmetrics"](report(["month", "priority"]))
    families = {f.name: f for f in text_string_to_metric_families(text)}
    incidents = families["incidentctl_kpi_incidents"]
    assert incidents.type == "gauge"
    got = {(s.labels["month"], s.labels["priority"]): s.value for s in incidents.samples}
    assert got[("2026-11", "P3")] == 2
    mtta = families["incidentctl_kpi_mtta_seconds"]
    assert mtta.unit == "seconds"
    p1 = {
        (s.labels["time"], s.labels["stat"]): s.value
        for s in mtta.samples
        if s.labels["priority"] == "P1"
    }
    assert p1[("wall", "median")] == 1800  # C, acknowledged in 30 m
    kb = families["incidentctl_kpi_kb_resolved_incidents"]
    assert {s.labels["kb"]: s.value for s in kb.samples} == {"KB-0001": 2, "KB-0002": 1}
    assert text.endswith("# EOF\n")


def test_openmetrics_leaves_out_nulls_and_escapes_labels() -> None:
    from incidentctl.kpi.openmetrics import escape

    text = RENDERERS["openmetrics"](report(["week"]))
    families = {f.name: f for f in text_string_to_metric_families(text)}
    weeks = {s.labels["week"] for s in families["incidentctl_kpi_fcr_ratio"].samples}
    assert "2026-W43" not in weeks  # an empty week has no FCR figure
    assert "2026-W43" in {s.labels["week"] for s in families["incidentctl_kpi_incidents"].samples}
    assert escape('a"b\\c\nd') == 'a\\"b\\\\c\\nd'


def test_markdown_cells_are_escaped() -> None:
    assert md_cell("a|b<script>\nc") == "a\\|b&lt;script&gt; c"
