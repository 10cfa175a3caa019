"""A small repository for escalation tests, on the payroll service's London calendar.

At ``RUN1`` (Monday 2026-11-23 11:30 UTC = GMT):

- INC-2026-0050, P1, new since 09:00: respond (15 m) breached; resolve 2.5 h of 4 h
  (62.5 %: notify).
- INC-2026-0051, P3, in progress since Friday 09:30, reported Friday 09:00: resolve
  11 h of 16 h (68.75 %: notify).
- INC-2026-0052, P2 (payroll override: resolve 4 h), acknowledged at 09:10:
  resolve 2.5 h of 4 h (notify).
- INC-2026-0042 (from the base repository), resolved: no clock running.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import FIXTURES

RUN1 = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
RUN2 = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)  # 0050 resolve 87.5 %, 0051 75 %
RUN3 = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def incident(
    incident_id: str,
    reported_at: str,
    priority: str,
    impact: str,
    urgency: str,
    status: str,
    entries: str = "",
    extra: str = "",
    title: str = "Payslips show last month's tax code",
) -> str:
    return (
        f"id: {incident_id}\n"
        f"title: {title!r}\n"
        "description: |\n  Several employees see the old tax code on their payslip.\n"
        "reported_by: dana@example.com\n"
        f"reported_at: {reported_at}\n"
        "channel: email\n"
        "service: payroll\n"
        "category: application\n"
        "subcategory: error\n"
        f"impact: {impact}\n"
        f"urgency: {urgency}\n"
        f"priority: {priority}\n"
        f"status: {status}\n"
        f"{extra}"
        "timeline:\n"
        f"  - {{at: {reported_at}, by: dana@example.com, kind: reported}}\n"
        f"{entries}"
    )


def ack(at: str) -> str:
    return f"  - {{at: {at}, by: bob, kind: status, from: new, to: in_progress}}\n"


def resolve(at: str) -> str:
    return f"  - {{at: {at}, by: bob, kind: status, from: in_progress, to: resolved}}\n"


RESOLUTION = "resolution: {code: workaround, summary: Reran the job., resolved_by: bob}\n"


def p1(status: str = "new", entries: str = "", extra: str = "") -> str:
    return incident(
        "INC-2026-0050", "2026-11-23T09:00:00+00:00", "P1", "high", "high", status, entries, extra
    )


def p3() -> str:
    return incident(
        "INC-2026-0051",
        "2026-11-20T09:00:00+00:00",
        "P3",
        "medium",
        "medium",
        "in_progress",
        ack("2026-11-20T09:30:00+00:00"),
    )


def p2(status: str = "in_progress", entries: str = "", extra: str = "") -> str:
    return incident(
        "INC-2026-0052",
        "2026-11-23T09:00:00+00:00",
        "P2",
        "high",
        "medium",
        status,
        ack("2026-11-23T09:10:00+00:00") + entries,
        extra,
    )


def write(root: Path, name: str, text: str) -> None:
    (root / "incidents/2026" / f"{name}.yaml").write_text(text, encoding="utf-8")


def build_repository(root: Path) -> Path:
    shutil.copytree(FIXTURES / "base", root)
    write(root, "INC-2026-0050", p1())
    write(root, "INC-2026-0051", p3())
    write(root, "INC-2026-0052", p2())
    return root


def resolve_p2(root: Path) -> None:
    write(root, "INC-2026-0052", p2("resolved", resolve("2026-11-23T11:45:00+00:00"), RESOLUTION))


def resolve_p1(root: Path) -> None:
    entries = ack("2026-11-23T11:40:00+00:00") + resolve("2026-11-23T14:00:00+00:00")
    write(root, "INC-2026-0050", p1("resolved", entries, RESOLUTION))
