"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from incidentctl import __version__
from incidentctl.diagnostics import RULES, Diagnostic, Severity
from incidentctl.report import ReportInfo

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(code: str) -> dict[str, Any]:
    rule = RULES[code]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
    }


def _result(d: Diagnostic, index: int) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": d.path, "uriBaseId": "%SRCROOT%"}}
    if d.line is not None:
        location["region"] = {"startLine": d.line, "startColumn": d.column or 1}
    text = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": _LEVEL[d.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": location}],
    }


def render(diagnostics: Sequence[Diagnostic], info: ReportInfo, out: TextIO) -> None:
    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "incidentctl",
                        "version": __version__,
                        "rules": [_rule(c) for c in codes],
                    }
                },
                "results": [_result(d, index[d.code]) for d in diagnostics],
            }
        ],
    }
    json.dump(log, out, indent=2)
    out.write("\n")
