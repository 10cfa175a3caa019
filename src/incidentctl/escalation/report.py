"""Rendering a check: text table, JSON (planned and applied actions), Markdown. Only rendering."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from incidentctl.escalation.apply import Action
from incidentctl.escalation.plan import Target
from incidentctl.report.table import aligned
from incidentctl.sla.clock import ClockState

COLUMNS = ("ID", "CLOCK", "STATE", "ACTION", "DETAIL", "ISSUE", "RESULT")


@dataclass(frozen=True)
class CheckReport:
    """What one ``sla check`` run saw, planned and did."""

    now: datetime
    dry_run: bool
    tracker: str | None  # owner/name when the tracker was read
    targets: Sequence[Target]
    actions: Sequence[Action]
    errors: Sequence[str]

    def count(self, state: ClockState) -> int:
        return sum(t.state == state.value and t.open for t in self.targets)

    @property
    def running(self) -> int:
        running = (ClockState.OK.value, ClockState.WARNING.value, ClockState.BREACHED.value)
        return sum(t.state in running for t in self.targets)

    def headline(self) -> str:
        where = f"tracker {self.tracker}" if self.tracker else "no tracker read"
        return (
            f"sla check at {self.now.isoformat()}: {self.running} running clocks,"
            f" {self.count(ClockState.BREACHED)} breached, {self.count(ClockState.WARNING)}"
            f" warning; {where}"
        )

    def footer(self) -> str:
        if not self.actions and self.errors:
            return "Nothing was done: see the error below."
        if not self.actions:
            return "Nothing to do: every escalation is up to date."
        done = sum(a.result == "done" for a in self.actions)
        failed = sum(a.result == "failed" for a in self.actions)
        count = len(self.actions)
        planned = f"{count} action{'s' if count != 1 else ''} planned"
        if self.dry_run:
            return f"{planned}; dry run: nothing was changed."
        if done == 0 and failed == 0:
            return f"{planned}; nothing was changed (pass --open-issues to apply them)."
        return f"{planned}: {done} done, {failed} failed."


def _state(report: CheckReport, action: Action) -> str:
    for t in report.targets:
        if t.incident_id == action.id and t.clock == action.clock:
            return t.state
    return ""


def _rows(report: CheckReport) -> list[tuple[str, ...]]:
    return [
        (
            a.id,
            a.clock,
            _state(report, a),
            a.action,
            a.detail,
            "-" if a.issue is None else f"#{a.issue}",
            a.result if a.error is None else f"{a.result}: {a.error}",
        )
        for a in report.actions
    ]


def render_text(report: CheckReport) -> str:
    """The headline, an aligned table of the actions, what happened and any error."""
    lines = [report.headline()]
    rows = _rows(report)
    if rows:
        lines += aligned([COLUMNS, *rows])
    lines.append(report.footer())
    lines += [f"error: {e}" for e in report.errors]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("@", "&#64;")


def render_markdown(report: CheckReport) -> str:
    """A Markdown summary (for ``$GITHUB_STEP_SUMMARY``)."""
    lines = ["### SLA check", "", _cell(report.headline()), ""]
    rows = _rows(report)
    if rows:
        lines.append("| " + " | ".join(c.capitalize() if c != "ID" else c for c in COLUMNS) + " |")
        lines.append("|" + "---|" * len(COLUMNS))
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
        lines.append("")
    lines.append(_cell(report.footer()))
    lines += [f"\n**Error:** {_cell(e)}" for e in report.errors]
    return "\n".join(lines) + "\n"


def as_json(report: CheckReport) -> dict[str, Any]:
    """``planned``: every action of the plan; ``applied``: those carried out, with results."""

    def planned(a: Action) -> dict[str, Any]:
        data = asdict(a)
        del data["result"], data["error"]
        return data

    return {
        "now": report.now.isoformat(),
        "dry_run": report.dry_run,
        "tracker": report.tracker,
        "clocks": {
            "running": report.running,
            "breached": report.count(ClockState.BREACHED),
            "warning": report.count(ClockState.WARNING),
        },
        "planned": [planned(a) for a in report.actions],
        "applied": [asdict(a) for a in report.actions if a.result != "planned"],
        "errors": list(report.errors),
    }


def render_json(report: CheckReport) -> str:
    return json.dumps(as_json(report), indent=2) + "\n"


RENDERERS: dict[str, Callable[[CheckReport], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}
