"""Running ``sla check`` in-process against the fake, with a clock that does not sleep."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from incidentctl.commands.sla_check import SlaCheckRequest, execute
from incidentctl.store.repo import load_repository
from tests.escalation.fake import FakeClock, FakeServer


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    clock: FakeClock


def check(
    root: Path,
    fake: FakeServer | None,
    now: datetime,
    *,
    page: bool = True,
    dry_run: bool = False,
    open_issues: bool = True,
    fmt: str = "text",
    env: dict[str, str] | None = None,
    max_wait: float = 600.0,
    transport: httpx.BaseTransport | None = None,
) -> Outcome:
    clock = FakeClock()
    out, err = io.StringIO(), io.StringIO()
    request = SlaCheckRequest(
        repo=load_repository(root),
        now=now,
        env={**(fake.env if fake else {}), **(env or {})},
        format=fmt,
        open_issues=open_issues,
        page=page,
        dry_run=dry_run,
        max_wait=max_wait,
        clock=clock,
        timeout=0.5 if transport is None else 30.0,  # the fake's "timeout" answers after 1.5 s
        transport=transport,
    )
    code = execute(request, out, err)
    return Outcome(code, out.getvalue(), err.getvalue(), clock)
