"""GitHub Actions workflow commands: one annotation per finding, escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from incidentctl.diagnostics import Diagnostic, Severity
from incidentctl.report import ReportInfo

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a message the way the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics: Sequence[Diagnostic], info: ReportInfo, out: TextIO) -> None:
    for d in diagnostics:
        props = [f"file={escape_property(d.path)}"]
        if d.line is not None:
            props.append(f"line={d.line}")
            props.append(f"col={d.column or 1}")
        props.append(f"title={escape_property(f'{d.code} {d.name}')}")
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        out.write(f"::{_LEVEL[d.severity]} {','.join(props)}::{escape_data(message)}\n")
