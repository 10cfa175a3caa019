"""JSON output: ``{"diagnostics": [...]}`` exactly as SPEC section 9 describes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from incidentctl.diagnostics import Diagnostic
from incidentctl.report import ReportInfo


def as_dict(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "severity": d.severity.value,
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "message": d.message,
        "hint": d.hint,
    }


def render(diagnostics: Sequence[Diagnostic], info: ReportInfo, out: TextIO) -> None:
    json.dump({"diagnostics": [as_dict(d) for d in diagnostics]}, out, indent=2)
    out.write("\n")
