"""Rendering clock results: text, JSON (the SPEC 9 contract) and Markdown. Only rendering."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from incidentctl.halves import in_halves
from incidentctl.report.json_format import array_of_lines, lines
from incidentctl.report.table import aligned
from incidentctl.sla.clock import ClockResult, ClockState

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
Renderer = Callable[[Sequence[ClockResult], datetime], str]
COLUMNS = (
    "ID",
    "CLOCK",
    "STATE",
    "DEADLINE",
    "WHEN",
    "ELAPSED",
    "TARGET",
    "USED",
    "PRIO",
    "SERVICE",
)


def span(seconds: int, days: bool = True) -> str:
    """A duration for people: ``2 d 3 h 5 m``, ``35 m``, ``40 s``.

    Working time is shown without days (``days=False``: ``37 h``), since a working
    day is not 24 hours.
    """
    seconds = abs(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    whole_days, rest = divmod(minutes, 1440) if days else (0, minutes)
    hours, mins = divmod(rest, 60)
    parts = []
    if whole_days:
        parts.append(f"{whole_days} d")
    if hours:
        parts.append(f"{hours} h")
    if mins:
        parts.append(f"{mins} m")
    return " ".join(parts)


@functools.lru_cache(maxsize=256)
def _target_span(seconds: int) -> str:
    """``span`` of a target: a handful of values, shown on every row."""
    return span(seconds, days=False)


def relative(result: ClockResult, now: datetime) -> str:
    """Where the deadline stands: ``in 2 h 10 m``, ``breached 35 m ago``, ``met, 20 m to spare``."""
    return _relative(result, (now - _EPOCH) // _MICROSECOND)


def _relative(result: ClockResult, now_us: int) -> str:
    """``relative`` with ``now`` in POSIX microseconds (a report's rows share it)."""
    if result.state is ClockState.MET:
        return f"met, {span(result.remaining_seconds, days=False)} to spare"
    if result.state is ClockState.MISSED:
        assert result.stopped_at is not None
        return f"missed by {span(int((result.stopped_at - result.deadline).total_seconds()))}"
    wall = int((result.deadline_at * 1_000_000 - now_us) / 1_000_000)  # as total_seconds()
    if result.state is ClockState.BREACHED:
        return f"breached {span(-wall)} ago"
    if result.paused:
        return f"paused, {span(result.remaining_seconds, days=False)} left"
    return f"in {span(wall)}" if wall > 0 else "due now"


def local_deadline(result: ClockResult) -> str:
    """The deadline in the calendar's time zone, e.g. ``2026-11-23 17:30 GMT``."""
    d = result.deadline  # formatted by hand: strftime is most of this function's time
    seconds = f":{d.second:02d}" if d.second else ""
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}{seconds} {d.tzname()}"
    )


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def as_json(result: ClockResult) -> dict[str, Any]:
    """The SPEC 9 object of one clock: the contract fields first, then optional extras."""
    threshold = result.threshold
    return {
        "id": result.incident_id,
        "clock": result.clock.value,
        "state": result.state.value,
        "deadline": result.deadline.isoformat(),
        "elapsed_seconds": result.elapsed_seconds,
        "target_seconds": result.target_seconds,
        "percent": result.percent,
        "paused": result.paused,
        "priority": result.priority,
        "service": result.service,
        "calendar": result.calendar,
        "status": result.status.value,
        "remaining_seconds": result.remaining_seconds,
        "threshold": None if threshold is None else _number(threshold.at),
        "action": None if threshold is None else threshold.action.value,
        "stopped_at": None if result.stopped_at is None else result.stopped_at.isoformat(),
    }


def render_json(results: Sequence[ClockResult], now: datetime) -> str:
    """A JSON array, one object per incident and clock (as ``array`` writes it)."""
    return array_of_lines(in_halves(_json_lines, results))


def _json_lines(results: Sequence[ClockResult]) -> list[str]:
    return lines([as_json(r) for r in results])


def _state(result: ClockResult) -> str:
    text = str(result.state)  # a StrEnum's str() is its value, without Enum's slow property
    if result.state is ClockState.WARNING and result.threshold is not None:
        text += f" {_number(result.threshold.at)} % {result.threshold.action.value}"
    return text + (" (paused)" if result.paused else "")


def _rows(results: Sequence[ClockResult], now: datetime) -> list[tuple[str, ...]]:
    """The cells of each row; a long report's on two cores."""
    return in_halves(functools.partial(_rows_here, now=now), results)


def _rows_here(results: Sequence[ClockResult], now: datetime) -> list[tuple[str, ...]]:
    now_us = (now - _EPOCH) // _MICROSECOND
    return [
        (
            r.incident_id,
            str(r.clock),
            _state(r),
            local_deadline(r),
            _relative(r, now_us),
            span(r.elapsed_seconds, days=False),
            _target_span(r.target_seconds),
            f"{r.percent:.1f} %",
            r.priority,
            r.service,
        )
        for r in results
    ]


def render_text(results: Sequence[ClockResult], now: datetime) -> str:
    """An aligned table, most urgent first (the order given)."""
    if not results:
        return "No SLA clocks to show.\n"
    return "\n".join(aligned([COLUMNS, *_rows(results, now)])) + "\n"


def render_markdown(results: Sequence[ClockResult], now: datetime) -> str:
    """A GitHub-flavoured Markdown table (for job summaries and issues)."""
    if not results:
        return "_No SLA clocks to show._\n"
    head = [c if c == "ID" else c.capitalize() for c in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in _rows(results, now):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}
