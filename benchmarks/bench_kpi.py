"""Time ``kpi`` and ``export`` over a synthetic repository.

    python benchmarks/bench_kpi.py [--incidents 10000] [--repeat 3] [--as-of]

Prints, for each repetition: loading every incident file (no record cache), the
facts of every incident (SLA clocks included), each grouping, each output format,
the six charts of the site's KPI page, and the three export tables. With
``--as-of``, the repository is committed to a throwaway git repository and read
back through git (``ls-tree`` + one ``cat-file --batch``).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from incidentctl.commands.export import tables
from incidentctl.commands.kpi import build_report, collect_facts, known_values, kpi_policies
from incidentctl.kpi.compute import Period
from incidentctl.kpi.page import all_charts, build_dashboard
from incidentctl.kpi.render import RENDERERS
from incidentctl.store.repo import Repository, load_repository

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
T = TypeVar("T")


def timed(label: str, work: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = work()
    print(f"  {label:<44} {time.perf_counter() - start:7.3f} s")
    return result


def once(repo_of: Callable[[], Repository]) -> None:
    repo = timed("load every incident file", lambda: _loaded(repo_of()))
    pol = kpi_policies(repo)
    facts = timed(
        "facts of every incident (clocks included)",
        lambda: collect_facts(repo, pol, NOW, sys.stderr),
    )
    period = Period(None, NOW, NOW)
    for by in ([], ["month"], ["week"], ["month", "priority"], ["team"]):
        report = timed(
            f"compute --by {','.join(by) or '(none)'}",
            lambda by=by: build_report(repo, facts, period, by),
        )  # type: ignore[misc]
    for fmt, render in RENDERERS.items():
        out = timed(f"render {fmt} (--by team)", lambda render=render: render(report))  # type: ignore[misc]
        del out
    dash = timed(
        "dashboard reports of the KPI page",
        lambda: build_dashboard(facts, period, known_values(repo)),
    )
    timed("six SVG charts", lambda: all_charts(dash))
    timed("export tables (incidents, events, clocks)", lambda: tables(repo, NOW, io.StringIO()))


def _loaded(repo: Repository) -> Repository:
    repo.load_incidents()
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        generate(root, args.incidents)
        print(f"generated {args.incidents} incidents in {time.perf_counter() - start:.2f} s")
        for attempt in range(1, args.repeat + 1):
            print(f"run {attempt}, working tree:")
            once(lambda: load_repository(root))
        if args.as_of:
            env = {
                **os.environ,
                "GIT_AUTHOR_NAME": "b",
                "GIT_AUTHOR_EMAIL": "b@example.com",
                "GIT_COMMITTER_NAME": "b",
                "GIT_COMMITTER_EMAIL": "b@example.com",
            }
            for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
                subprocess.run(["git", "-C", str(root), *cmd], check=True, env=env)
            from incidentctl.store.snapshot import load_snapshot

            for attempt in range(1, args.repeat + 1):
                print(f"run {attempt}, --as-of HEAD:")
                snap = timed(
                    "ls-tree + cat-file --batch + index", lambda: load_snapshot(root, "HEAD")
                )
                once(lambda snap=snap: snap)  # type: ignore[misc]


if __name__ == "__main__":
    main()
