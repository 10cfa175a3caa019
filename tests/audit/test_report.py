"""Each audit formatter against a stored snapshot (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from incidentctl.audit import report, rules
from incidentctl.audit.findings import AuditResult, Finding
from incidentctl.diagnostics import Severity

GOLDEN = Path(__file__).parent / "golden"
SHA = "3f1c0e9a7b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e"


def result() -> AuditResult:
    r = rules
    return AuditResult(
        until=SHA,
        since=None,
        commits=3,
        records=2,
        versions=5,
        findings=[
            Finding(
                r.ILLEGAL_TRANSITION.code,
                r.ILLEGAL_TRANSITION.name,
                Severity.ERROR,
                "incidents/2026/INC-2026-0050.yaml",
                "INC-2026-0050",
                SHA,
                "Dana <dana@example.com>",
                "2026-11-22T09:41:00+00:00",
                "appended step: new -> closed is not allowed",
                "append the missing steps in a correction commit",
                17,
                pull_request=12,
            ),
            Finding(
                r.TIMELINE_REWRITTEN.code,
                r.TIMELINE_REWRITTEN.name,
                Severity.ERROR,
                "incidents/2026/INC-2026-0050.yaml",
                "INC-2026-0050",
                SHA,
                '=HYPERLINK("x") <eve@example.com>',
                "2026-11-22T09:50:00+00:00",
                "entry 0 was edited\nforged: line",
                None,
                16,
                explained="typed 09:30 for 09:20",
            ),
            Finding(
                r.DIRECT_PUSH.code,
                r.DIRECT_PUSH.name,
                Severity.WARNING,
                "incidents/2026/INC-2026-0042.yaml",
                "INC-2026-0042",
                SHA,
                "Bob <bob@example.com>",
                "2026-11-22T10:00:00+00:00",
                "changed by a commit pushed to the branch ('Fix'), not by a merged pull request",
                "protect the branch",
            ),
        ],
    )


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "sarif"])
def test_golden(fmt: str) -> None:
    out = io.StringIO()
    report.FORMATS[fmt](result(), out)
    golden = GOLDEN / f"{fmt}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out.getvalue(), encoding="utf-8")
    assert out.getvalue() == golden.read_text(encoding="utf-8")


def test_json_has_the_spec_fields_of_every_finding() -> None:
    out = io.StringIO()
    report.render_json(result(), out)
    findings = json.loads(out.getvalue())["findings"]
    spec = ["code", "name", "severity", "path", "id", "commit", "author", "date", "message"]
    for f in findings:
        assert list(f)[: len(spec)] == spec


def test_csv_defuses_formulas_and_keeps_newlines_inside_cells() -> None:
    out = io.StringIO()
    report.render_csv(result(), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[1]["author"] == '\'=HYPERLINK("x") <eve@example.com>'
    assert rows[1]["message"] == "entry 0 was edited\nforged: line"
    assert rows[1]["explained"] == "True"
    assert [r["code"] for r in rows] == ["AUD001", "AUD002", "AUD011"]


def test_text_keeps_each_finding_on_its_lines() -> None:
    out = io.StringIO()
    report.render_text(result(), out)
    assert "\nforged" not in out.getvalue()
    assert out.getvalue().endswith(
        "3 commits changing 2 records audited up to 3f1c0e9a7b2d: 1 error, 1 warning, 1 explained\n"
    )
