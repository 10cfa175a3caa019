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


def array(rows: Sequence[Any]) -> str:
    """A JSON array of many rows, one compact row per line, ending in a newline.

    Python's ``indent=`` encoder is pure Python and ten times slower than its C
    encoder: 1.5 s for the 20,000 clocks of 10,000 open incidents. One row per line
    stays readable and greppable, and is the same JSON.
    """
    return array_of_lines(lines(rows))


def lines(rows: Sequence[Any]) -> list[str]:
    """Each row's compact JSON (``array`` joins them)."""
    encode = json.JSONEncoder(ensure_ascii=True).encode
    return [encode(row) for row in rows]


def array_of_lines(encoded: Sequence[str]) -> str:
    """The array of rows already encoded by ``lines``."""
    if not encoded:
        return "[]\n"
    return "[\n" + ",\n".join(encoded) + "\n]\n"


def render(diagnostics: Sequence[Diagnostic], info: ReportInfo, out: TextIO) -> None:
    json.dump({"diagnostics": [as_dict(d) for d in diagnostics]}, out, indent=2)
    out.write("\n")
