"""Formatters: each renders a list of diagnostics, nothing else."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from incidentctl.diagnostics import Diagnostic


@dataclass(frozen=True)
class ReportInfo:
    files_checked: int
    color: bool = False


Formatter = Callable[[Sequence[Diagnostic], ReportInfo, TextIO], None]


def formatters() -> Mapping[str, Formatter]:
    from incidentctl.report import github, json_format, sarif, text

    return {
        "text": text.render,
        "json": json_format.render,
        "github": github.render,
        "sarif": sarif.render,
    }


def pick_format(name: str, env: Mapping[str, str]) -> str:
    """Resolve ``auto``: workflow annotations under GitHub Actions, text elsewhere."""
    if name != "auto":
        return name
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"
