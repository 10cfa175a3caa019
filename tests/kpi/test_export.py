"""The export tables: columns, values, formats, and the documentation of every column."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from incidentctl.commands.export import ExportRequest, execute, tables
from incidentctl.kpi.export import TABLES
from tests.kpi.helpers import NOW, load

DOCS = Path(__file__).parents[2] / "docs" / "kpi.md"


def test_rows_have_exactly_the_documented_columns() -> None:
    data = tables(load(), NOW, io.StringIO())
    for name, columns in TABLES.items():
        assert data[name], name
        for row in data[name]:
            assert tuple(row) == columns


def test_docs_list_exactly_the_columns_emitted() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name, columns in TABLES.items():
        # the section "### `<name>`" lists the columns as the first cell of a table
        section = text.split(f"### `{name}`", 1)[1].split("\n#", 1)[0]
        documented = re.findall(r"^\| `([a-z_]+)` \|", section, re.M)
        assert tuple(documented) == columns, name


def test_incident_row_values() -> None:
    rows = {r["id"]: r for r in tables(load(), NOW, io.StringIO())["incidents"]}
    assert "INC-2026-0008" not in rows  # reported after now
    b = rows["INC-2026-0002"]
    assert b["status"] == "resolved"
    assert b["reopen_count"] == 1 and b["escalation_count"] == 1
    assert b["functional_escalation_count"] == 1
    assert b["resolved_at"] == "2026-11-11T11:00:00+00:00"  # the last resolution
    assert b["first_resolved_at"] == "2026-11-10T12:00:00+00:00"
    assert b["ttr_seconds"] == 115 * 3600 and b["fcr"] is False
    assert b["kb"] == "KB-0002" and b["team"] == "network-ops"
    assert rows["INC-2026-0001"]["csat_score"] == 5
    assert rows["INC-2026-0006"]["cancelled_at"] == "2026-11-10T09:30:00+00:00"


def test_events_and_clocks() -> None:
    data = tables(load(), NOW, io.StringIO())
    b_events = [e for e in data["events"] if e["incident_id"] == "INC-2026-0002"]
    assert [e["seq"] for e in b_events] == list(range(6))
    assert b_events[2]["kind"] == "escalated" and b_events[2]["to"] == "network-ops"
    assert b_events[4]["from"] == "resolved" and b_events[4]["to"] == "in_progress"
    clocks = {(c["incident_id"], c["clock"]): c for c in data["clocks"]}
    # C: P1 respond 15 m, acknowledged after 30 m -> missed; deadline 08:15
    c = clocks[("INC-2026-0003", "respond")]
    assert (c["state"], c["met"], c["deadline"]) == ("missed", False, "2026-11-16T08:15:00+00:00")
    # D is still new: its clocks run, so met is empty
    assert clocks[("INC-2026-0004", "respond")]["met"] is None
    assert ("INC-2026-0006", "respond") not in clocks  # cancelled: no clocks


def test_ndjson_and_csv_to_stdout() -> None:
    out = io.StringIO()
    execute(ExportRequest(load(), NOW, "ndjson", None, "events"), out, io.StringIO())
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["incident_id"] == "INC-2026-0001" and lines[0]["kind"] == "reported"
    out = io.StringIO()
    execute(ExportRequest(load(), NOW, "csv", None, "incidents"), out, io.StringIO())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 7
    assert rows[0]["fcr"] == "true" and rows[0]["configuration_item"] == ""


def test_out_writes_every_table(tmp_path: Path) -> None:
    err = io.StringIO()
    execute(ExportRequest(load(), NOW, "csv", tmp_path / "x", "incidents"), io.StringIO(), err)
    for name in TABLES:
        header = (tmp_path / "x" / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(TABLES[name])
    assert "incidents.csv: 7 rows" in err.getvalue()


def test_an_error_while_exporting_leaves_the_old_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert execute(ExportRequest(load(), NOW, out=out), io.StringIO(), io.StringIO()) == 0
    before = {p.name: p.read_text() for p in out.iterdir()}

    def broken(*_: object) -> object:
        raise RuntimeError("disk full")

    monkeypatch.setattr("incidentctl.commands.export.clock_rows", broken)
    with pytest.raises(RuntimeError):
        execute(ExportRequest(load(), NOW, out=out), io.StringIO(), io.StringIO())
    assert {p.name: p.read_text() for p in out.iterdir()} == before  # no temporary left
