"""Benchmark: ``intake`` and ``autoclose`` on a large synthetic repository.

    python benchmarks/bench_automation.py [--count N] [--runs R]

Generates N incidents (benchmarks/generate.py), then times, end to end in a
subprocess: ``intake --dry-run`` of one issue (the look-up of the issue's link
reads every incident file) and ``autoclose --dry-run`` (loads and decides on
every resolved incident), each with the record cache cold and warm.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

NOW = "2026-11-24T12:00:00+00:00"
BODY = (
    "### Title\n\nVPN drops every hour\n\n### Service\n\nRemote access (VPN)\n\n"
    "### Category\n\nnetwork / vpn\n\n### Impact\n\nmedium\n\n### Urgency\n\nhigh\n\n"
    "### Configuration item\n\n_No response_\n\n### Description\n\nDisconnects hourly."
)


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root, options.count)
        event = Path(tmp) / "event.json"
        issue = {
            "number": 12,
            "title": "[Incident]: VPN drops",
            "body": BODY,
            "user": {"login": "fred"},
            "html_url": "https://github.com/acme/incidents/issues/12",
            "created_at": "2026-11-24T10:00:00Z",
        }
        event.write_text(json.dumps({"issue": issue}))
        cli = [sys.executable, "-m", "incidentctl", "--repo", str(root)]
        commands = {
            "intake --dry-run": [*cli, "intake", "--event-file", str(event), "--dry-run"],
            "autoclose --dry-run": [*cli, "autoclose", "--dry-run", "--now", NOW],
        }
        for name, args in commands.items():
            cold = [
                timed(args, {**os.environ, "INCIDENTCTL_NO_CACHE": "1"})
                for _ in range(options.runs)
            ]
            timed(args, dict(os.environ))  # fills the record cache
            warm = [timed(args, dict(os.environ)) for _ in range(options.runs)]
            print(
                f"{name:22} {options.count} incidents: no cache median"
                f" {statistics.median(cold):.2f} s (min {min(cold):.2f}),"
                f" cache median {statistics.median(warm):.2f} s (min {min(warm):.2f})"
            )


if __name__ == "__main__":
    main()
