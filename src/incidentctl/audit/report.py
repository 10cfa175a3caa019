"""Formatters for audit results: text, JSON, CSV and SARIF. They only render."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping
from typing import TextIO

from incidentctl.audit.findings import AuditResult, Finding
from incidentctl.diagnostics import Diagnostic, Severity
from incidentctl.report import ReportInfo, sarif
from incidentctl.report.text import _one_line

CSV_COLUMNS = (
    "code",
    "name",
    "severity",
    "path",
    "id",
    "commit",
    "author",
    "date",
    "message",
    "hint",
    "line",
    "explained",
    "explanation",
    "pull_request",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _where(f: Finding) -> str:
    return f"{f.path}:{f.line}" if f.line else f.path


def render_text(result: AuditResult, out: TextIO) -> None:
    """One finding per line with its commit beneath, then a summary."""
    for f in result.findings:
        out.write(f"{_where(f)}: {f.severity.value}: {_one_line(f.message)} [{f.code} {f.name}]\n")
        pr = f" (pull request #{f.pull_request})" if f.pull_request else ""
        out.write(f"    commit {f.commit[:12]} by {_one_line(f.author)} on {f.date}{pr}\n")
        if f.explained is not None:
            out.write(f"    explained: {_one_line(f.explained)}\n")
        elif f.hint:
            out.write(f"    hint: {_one_line(f.hint)}\n")
    errors = result.count(Severity.ERROR)
    warnings = result.count(Severity.WARNING)
    explained = sum(1 for f in result.findings if f.explained is not None)
    scope = f"{result.since[:12]}..{result.until[:12]}" if result.since else result.until[:12]
    out.write(
        f"{result.commits} commit{'s' * (result.commits != 1)} changing"
        f" {result.records} record{'s' * (result.records != 1)} audited up to {scope}:"
        f" {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)},"
        f" {explained} explained\n"
    )
    if result.recorded is not None:
        out.write(
            f"audit point recorded on {result.until[:12]} in refs/notes/incidentctl"
            f" ({result.recorded['digest']})\n"
        )


def render_json(result: AuditResult, out: TextIO) -> None:
    json.dump(result.as_data(), out, indent=2, ensure_ascii=False)
    out.write("\n")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def render_csv(result: AuditResult, out: TextIO) -> None:
    """One row per finding; cells a spreadsheet would run as formulas are quoted with '."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in result.findings:
        row = f.as_dict()
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])


def _diagnostic(f: Finding) -> Diagnostic:
    what = f"{f.message} (commit {f.commit[:12]} by {f.author} on {f.date})"
    if f.explained is not None:
        what += f"; explained: {f.explained}"
    severity = Severity.INFO if f.explained is not None else f.severity
    return Diagnostic(f.code, f.name, severity, f.path, f.line, None, what, f.hint)


def render_sarif(result: AuditResult, out: TextIO) -> None:
    """SARIF 2.1.0 through the validate emitter; explained findings become notes."""
    sarif.render([_diagnostic(f) for f in result.findings], ReportInfo(result.records), out)


FORMATS: Mapping[str, Callable[[AuditResult, TextIO], None]] = {
    "text": render_text,
    "json": render_json,
    "csv": render_csv,
    "sarif": render_sarif,
}
