"""Generate a synthetic incident repository of any size, valid by construction.

    python benchmarks/generate.py DIR --incidents 10000 [--seed 1] [--open-percent P]

The policies and KB articles are copied from the bundled example repository;
incidents cycle through every state with realistic timelines of ~40 lines: by
default one in two is open (new, in_progress, on_hold); ``--open-percent P`` makes P %
of them open and the rest resolved, closed or cancelled.
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATES = ["new", "in_progress", "on_hold", "resolved", "closed", "cancelled"]
OPEN, DONE = STATES[:3], STATES[3:]
MATRIX = {
    "high": {"high": "P1", "medium": "P2", "low": "P3"},
    "medium": {"high": "P2", "medium": "P3", "low": "P4"},
    "low": {"high": "P3", "medium": "P4", "low": "P4"},
}


def _ts(t: datetime) -> str:
    return t.isoformat()


def state_of(seq: int, open_percent: int | None) -> str:
    """The status of incident ``seq``: the six states in turn, or P % open."""
    if open_percent is None:
        return STATES[seq % len(STATES)]
    group = OPEN if seq % 100 < open_percent else DONE
    return group[(seq // 100) % 3]


def incident(
    seq: int, rng: random.Random, start: datetime, open_percent: int | None = None
) -> tuple[str, str]:
    reported = start + timedelta(minutes=seq * 7 + rng.randint(0, 5))
    year = reported.year
    incident_id = f"INC-{year}-{seq:05d}"
    impact, urgency = rng.choice(list(MATRIX)), rng.choice(list(MATRIX))
    state = state_of(seq, open_percent)
    t = reported
    steps = [f"  - {{at: {_ts(t)}, by: user{seq}@example.com, kind: reported}}"]

    def step(frm: str, to: str, extra: str = "") -> None:
        nonlocal t
        t += timedelta(minutes=rng.randint(5, 240))
        steps.append(f"  - {{at: {_ts(t)}, by: bob, kind: status, from: {frm}, to: {to}{extra}}}")

    def note(text: str) -> None:
        nonlocal t
        t += timedelta(minutes=rng.randint(1, 60))
        steps.append(f"  - {{at: {_ts(t)}, by: bob, kind: note, text: {text}}}")

    if state != "new" and state != "cancelled":
        step("new", "in_progress")
        note("Looking into it.")
        t += timedelta(minutes=10)
        steps.append(
            f"  - {{at: {_ts(t)}, by: bob, kind: escalated, type: functional, to: hr-systems}}"
        )
        step("in_progress", "on_hold", ", reason: awaiting_vendor")
        if state != "on_hold":
            step("on_hold", "in_progress")
            note("Vendor answered.")
    if state in ("resolved", "closed"):
        step("in_progress", "resolved")
    if state == "closed":
        step("resolved", "closed")
    if state == "cancelled":
        step("new", "cancelled")
    lines = [
        "# yaml-language-server: $schema=../../schemas/incident.schema.json",
        f"id: {incident_id}",
        f"title: Synthetic incident number {seq}",
        "description: |",
        "  Generated for benchmarks: the export to the bank stops with ETIMEDOUT",
        "  after thirty minutes, every night since the upgrade.",
        f"reported_by: user{seq}@example.com",
        f"reported_at: {_ts(reported)}",
        "channel: portal",
        "service: payroll",
        "configuration_item: payroll-db-01",
        "category: application",
        "subcategory: batch-job",
        f"impact: {impact}",
        f"urgency: {urgency}",
        f"priority: {MATRIX[impact][urgency]}",
        f"status: {state}",
        "assignment_group: hr-systems",
        "assignee: erin",
        "tags: [synthetic, benchmark]",
    ]
    if state == "on_hold":
        lines.append("hold_reason: awaiting_vendor")
    lines.append("timeline:")
    lines += steps
    if state in ("resolved", "closed"):
        lines += [
            "resolution:",
            "  code: workaround",
            "  summary: Export timeout raised to 2 hours until the vendor ships a fix.",
            "  resolved_by: erin",
        ]
    return f"incidents/{year}/{incident_id}.yaml", "\n".join(lines) + "\n"


def generate(target: Path, count: int, seed: int = 1, open_percent: int | None = None) -> None:
    """Write a repository with ``count`` incidents into ``target`` (created)."""
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "policies", target / "policies", dirs_exist_ok=True)
    start = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
    for seq in range(1, count + 1):
        rel, text = incident(seq, rng, start, open_percent)
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--incidents", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--open-percent", type=int, choices=range(101), metavar="0..100")
    args = parser.parse_args()
    generate(args.target, args.incidents, args.seed, args.open_percent)
