"""Human-readable output: one line per finding, a hint beneath, a summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from incidentctl.diagnostics import Diagnostic, Severity
from incidentctl.report import ReportInfo

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _one_line(text: str) -> str:
    """Keep each finding on one line, whatever characters a user's key or value holds."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def location(d: Diagnostic) -> str:
    if d.line is None:
        return d.path
    return f"{d.path}:{d.line}:{d.column or 1}"


def render(diagnostics: Sequence[Diagnostic], info: ReportInfo, out: TextIO) -> None:
    color = info.color
    for d in diagnostics:
        sev = _paint(d.severity.value, _COLORS[d.severity], color)
        code = _paint(f"{d.code} {d.name}", "2", color)
        out.write(f"{_paint(location(d), '1', color)}: {sev}: {_one_line(d.message)} [{code}]\n")
        if d.hint:
            out.write(f"    hint: {_one_line(d.hint)}\n")
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    files = len({d.path for d in diagnostics})
    checked = f"{info.files_checked} file{'s' * (info.files_checked != 1)} checked"
    if not diagnostics:
        out.write(_paint(f"{checked}: no problems\n", "32", color))
        return
    summary = (
        f"{checked}: {errors} error{'s' * (errors != 1)}, "
        f"{warnings} warning{'s' * (warnings != 1)} in {files} file{'s' * (files != 1)}\n"
    )
    out.write(_paint(summary, "31" if errors else "33", color))
