"""Each formatter against a stored snapshot (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

import incidentctl.checks.run  # noqa: F401  (registers every rule)
from incidentctl.diagnostics import RULES, Diagnostic, Severity
from incidentctl.report import ReportInfo, formatters, pick_format
from incidentctl.report.github import escape_data, escape_property

GOLDEN = Path(__file__).parent / "golden"

DIAGNOSTICS = [
    Diagnostic(
        "FIL011",
        "missing-policy",
        Severity.ERROR,
        "policies/sla.yaml",
        None,
        None,
        "missing policy file: policies/sla.yaml",
        "run `incidentctl init DIR`",
    ),
    RULES["INC010"].at(
        "incidents/2026/INC-2026-0042.yaml",
        14,
        11,
        "impact medium x urgency high gives P2, not P1",
        "set priority: P2, or explain with priority_override_reason",
    ),
    RULES["SCH002"].at("incidents/2026/a,b:c.yaml", 3, 1, 'unknown key "100%\nsure"'),
    RULES["KB003"].at("kb/KB-0001-x.md", 10, 14, "review was due on 2026-01-01"),
]


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_golden(fmt: str) -> None:
    out = io.StringIO()
    formatters()[fmt](DIAGNOSTICS, ReportInfo(files_checked=12), out)
    golden = GOLDEN / f"{fmt}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out.getvalue(), encoding="utf-8")
    assert out.getvalue() == golden.read_text(encoding="utf-8")


def test_text_reports_a_clean_run() -> None:
    out = io.StringIO()
    formatters()["text"]([], ReportInfo(files_checked=3), out)
    assert out.getvalue() == "3 files checked: no problems\n"


def test_text_colour_only_when_asked() -> None:
    out = io.StringIO()
    formatters()["text"](DIAGNOSTICS[1:2], ReportInfo(1, color=True), out)
    assert "\x1b[31m" in out.getvalue()


def test_json_has_exactly_the_contract_fields() -> None:
    out = io.StringIO()
    formatters()["json"](DIAGNOSTICS, ReportInfo(4), out)
    data = json.loads(out.getvalue())
    assert list(data) == ["diagnostics"]
    for item in data["diagnostics"]:
        assert list(item) == [
            "code",
            "name",
            "severity",
            "path",
            "line",
            "column",
            "message",
            "hint",
        ]


def test_sarif_is_valid_against_the_2_1_0_structure() -> None:
    out = io.StringIO()
    formatters()["sarif"](DIAGNOSTICS, ReportInfo(4), out)
    log = json.loads(out.getvalue())
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")


def test_github_escaping() -> None:
    assert escape_data("50%\r\nx") == "50%25%0D%0Ax"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


@pytest.mark.parametrize(
    ("name", "env", "expected"),
    [("auto", {"GITHUB_ACTIONS": "true"}, "github"), ("auto", {}, "text"), ("json", {}, "json")],
)
def test_auto_format(name: str, env: dict[str, str], expected: str) -> None:
    assert pick_format(name, env) == expected
