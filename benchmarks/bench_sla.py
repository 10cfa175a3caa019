"""Benchmark: SLA clocks of 10,000 synthetic open incidents.

    python benchmarks/bench_sla.py [--count N] [--seed S] [--on-disk]

In memory (default): builds the incidents as models, then times the clock
computation for all of them, twice: cold (empty holiday and working-day caches)
and warm. ``--on-disk`` also writes them as YAML files into a temporary
repository and times ``incidentctl sla status --format json`` end to end
(loading included). Target: clocks for 10,000 incidents in under 2 s.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from incidentctl.model.incident import Incident
from incidentctl.model.policy import ServicesPolicy, SlaPolicy
from incidentctl.sla import SlaPolicies, clocks

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HOURS = {d: ["09:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")}
NY_HOURS = {d: ["08:00-12:00", "13:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
SLA: dict[str, Any] = {
    "calendars": {
        "always": {"timezone": "UTC", "hours": "24x7"},
        "london-office": {
            "timezone": "Europe/London",
            "hours": HOURS,
            "holidays": {"country": "GB", "subdiv": "ENG"},
            "closed": ["2026-12-24"],
        },
        "new-york-office": {
            "timezone": "America/New_York",
            "hours": NY_HOURS,
            "holidays": {"country": "US", "subdiv": "NY"},
        },
    },
    "targets": {
        "P1": {"respond": "15m", "resolve": "4h", "calendar": "always"},
        "P2": {"respond": "30m", "resolve": "8h", "calendar": "always"},
        "P3": {"respond": "4h", "resolve": "16h", "calendar": "london-office"},
        "P4": {"respond": "8h", "resolve": "40h", "calendar": "london-office"},
    },
    "pause_on_hold": ["awaiting_caller", "awaiting_vendor"],
    "thresholds": [
        {"at": 50, "action": "notify"},
        {"at": 75, "action": "escalate"},
        {"at": 100, "action": "escalate_manager"},
    ],
    "reopen_window": "168h",
    "auto_close_after": "72h",
    "overrides": {
        "payroll": {"P2": {"resolve": "4h"}},
        "crm": {"P3": {"calendar": "new-york-office"}},
    },
}
SERVICES: dict[str, Any] = {
    "teams": {"desk": {"assignees": ["bob"]}},
    "services": {
        name: {
            "name": name,
            "owner": "desk",
            "tiers": ["desk"],
            "incident_manager": "alice",
            **({"calendar": cal} if cal else {}),
        }
        for name, cal in [
            ("payroll", "london-office"),
            ("email", None),
            ("crm", "new-york-office"),
            ("vpn", None),
            ("website", None),
        ]
    },
}
REASONS = ["awaiting_caller", "awaiting_change", "awaiting_vendor"]


def synthetic(num: int, rng: random.Random) -> dict[str, Any]:
    """One open incident reported in the 45 days before NOW, with a plausible life."""
    reported = NOW - timedelta(seconds=rng.randint(600, 45 * 86400))
    at, status = reported, "new"
    entries: list[dict[str, Any]] = [{"at": reported.isoformat(), "by": "dana", "kind": "reported"}]
    path = rng.choice(
        [
            [],
            ["in_progress"],
            ["in_progress", "on_hold"],
            ["on_hold", "in_progress"],
            ["in_progress", "resolved", "in_progress"],
            ["in_progress", "on_hold", "in_progress", "on_hold"],
        ]
    )
    for to in path:
        at += (NOW - at) * rng.random() * 0.5
        entry = {"at": at.isoformat(), "by": "bob", "kind": "status", "from": status, "to": to}
        if to == "on_hold":
            entry["reason"] = rng.choice(REASONS)
        entries.append(entry)
        status = to
    return {
        "id": f"INC-2026-{num:05d}",
        "title": "Synthetic",
        "description": "Load test.",
        "reported_by": "dana",
        "reported_at": reported.isoformat(),
        "channel": "portal",
        "service": rng.choice(list(SERVICES["services"])),
        "category": "application",
        "subcategory": "error",
        "impact": "medium",
        "urgency": "medium",
        "priority": rng.choice(["P1", "P2", "P3", "P3", "P4", "P4"]),
        "status": status,
        **({"hold_reason": entries[-1]["reason"]} if status == "on_hold" else {}),
        "timeline": entries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--on-disk", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    data = [synthetic(i + 1, rng) for i in range(args.count)]
    incidents = [Incident.model_validate(d) for d in data]

    from incidentctl.sla import calendar

    calendar.holiday_dates.cache_clear()
    start = time.perf_counter()
    policies = SlaPolicies.build(
        SlaPolicy.model_validate(SLA), ServicesPolicy.model_validate(SERVICES)
    )
    results = [r for inc in incidents for r in clocks(inc, policies, NOW)]
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for inc in incidents:
        clocks(inc, policies, NOW)
    warm = time.perf_counter() - start
    states: dict[str, int] = {}
    for r in results:
        states[r.state.value] = states.get(r.state.value, 0) + 1
    print(f"incidents: {len(incidents)}  clocks: {len(results)}  states: {states}")
    for label, seconds in (("cold", cold), ("warm", warm)):
        per = seconds / len(incidents) * 1e6
        print(f"clock computation, {label} caches: {seconds:.3f} s ({per:.0f} us/incident)")
    if args.on_disk:
        on_disk(data)


def on_disk(data: list[dict[str, Any]]) -> None:
    """Write a temporary repository and time ``sla status`` end to end (loading included)."""
    from incidentctl.commands.sla import SlaStatusRequest, execute
    from incidentctl.store.repo import load_repository

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "policies").mkdir()
        (root / "policies" / "sla.yaml").write_text(yaml.safe_dump(SLA))
        (root / "policies" / "services.yaml").write_text(yaml.safe_dump(SERVICES))
        (root / "incidents" / "2026").mkdir(parents=True)
        for d in data:
            (root / "incidents" / "2026" / f"{d['id']}.yaml").write_text(yaml.safe_dump(d))
        start = time.perf_counter()
        repo = load_repository(root)
        repo.load_incidents()
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        out = io.StringIO()
        execute(SlaStatusRequest(repo, NOW, "json"), out, sys.stderr)
        status = time.perf_counter() - start
        print(
            f"on disk: loading {len(data)} files {loaded:.3f} s; sla status after loading"
            f" {status:.3f} s ({len(out.getvalue()) // 1024} KiB of JSON)"
        )


if __name__ == "__main__":
    main()
