"""Benchmark ``audit`` and ``history`` on a long history built with ``git fast-import``.

    python benchmarks/bench_audit.py [DIR] [--records 10000] [--commits 100000] [--runs 3]

The repository (built once into DIR, default a temporary folder) holds the
bundled policies and RECORDS incidents, each written in 8 versions (reported,
acknowledged, a note, escalated, on hold, resumed, resolved, closed), blocks of
100 records interleaved so that records are open at the same time. One change in
four arrives as a pull request (a branch commit and a merge commit), the others
as squash commits; every entry is dated a minute before its commit, and the
80,000 changes span five years (about 2,000 records per year folder). The
history is therefore clean: the audit reads and checks every version and reports
nothing. A commit graph with changed-path Bloom filters is written after the build.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = 8
BLOCK = 100
START = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=33)  # 80,000 changes over five years: ~2,000 records a year
ENTRIES = (
    "{kind: status, from: new, to: in_progress}",
    "{kind: note, text: Looking into it.}",
    "{kind: escalated, type: functional, to: hr-systems}",
    "{kind: status, from: in_progress, to: on_hold, reason: awaiting_vendor}",
    "{kind: status, from: on_hold, to: in_progress}",
    "{kind: status, from: in_progress, to: resolved}",
    "{kind: status, from: resolved, to: closed}",
)
STATUS = ("new", "in_progress", "in_progress", "in_progress", "on_hold", "in_progress")
STATUS += ("resolved", "closed")


def record_id(seq: int, year: int) -> str:
    return f"INC-{year}-{seq:05d}"


def version(seq: int, reported: datetime, times: list[datetime]) -> str:
    """The text of the record after ``len(times)`` timeline entries."""
    n = len(times) - 1
    status = STATUS[n]
    stamp = reported.isoformat()
    lines = [
        f"id: {record_id(seq, reported.year)}",
        f"title: Synthetic incident number {seq}",
        "description: |",
        "  Generated for the audit benchmark: the export to the bank stops with ETIMEDOUT.",
        f"reported_by: user{seq}@example.com",
        f"reported_at: {stamp}",
        "channel: portal",
        "service: payroll",
        "category: application",
        "subcategory: batch-job",
        "impact: medium",
        "urgency: high",
        "priority: P2",
        f"status: {status}",
    ]
    if status == "on_hold":
        lines.append("hold_reason: awaiting_vendor")
    lines += ["timeline:", f"  - {{at: {stamp}, by: user{seq}@example.com, kind: reported}}"]
    for i, at in enumerate(times[1:]):
        lines.append(f"  - {{at: {at.isoformat()}, by: bob, " + ENTRIES[i][1:])
    if status in ("resolved", "closed"):
        lines += [
            "resolution:",
            "  code: workaround",
            "  summary: Export timeout raised until the vendor ships a fix.",
            "  resolved_by: erin",
        ]
    return "\n".join(lines) + "\n"


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def _who(name: str, when: datetime) -> bytes:
    return f"{name} {int(when.timestamp())} +0000\n".encode()


def stream(records: int, commits: int) -> Iterator[bytes]:
    """fast-import commands for the whole history."""
    when = START
    yield b"commit refs/heads/main\nmark :1\n"
    yield b"author " + _who("Seed <seed@example.com>", when)
    yield b"committer " + _who("Seed <seed@example.com>", when)
    yield _data("Policies")
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        yield f"M 100644 inline policies/{path.name}\n".encode() + _data(path.read_text())
    mark, tip, pr = 1, 1, 0
    made = 1
    reported: dict[int, datetime] = {}
    times: dict[int, list[datetime]] = {}
    for block in range(0, records, BLOCK):
        for v in range(VERSIONS):
            for seq in range(block + 1, min(block + BLOCK, records) + 1):
                if made >= commits:
                    return
                when += STEP
                at = when - timedelta(minutes=1)
                if v == 0:
                    reported[seq] = at
                    times[seq] = [at]
                else:
                    times[seq].append(at)
                year = reported[seq].year
                path = f"incidents/{year}/{record_id(seq, year)}.yaml"
                change = f"M 100644 inline {path}\n".encode() + _data(
                    version(seq, reported[seq], times[seq])
                )
                pr += 1
                who = _who(f"Agent {seq % 7} <agent{seq % 7}@example.com>", when)
                if pr % 4 == 0 and made + 2 <= commits:
                    mark += 1
                    yield f"commit refs/heads/pr\nmark :{mark}\n".encode()
                    yield b"author " + who + b"committer " + who
                    yield _data(f"Update {record_id(seq, year)}") + f"from :{tip}\n".encode()
                    yield change
                    side = mark
                    mark += 1
                    yield f"commit refs/heads/main\nmark :{mark}\n".encode()
                    yield b"author " + who + b"committer " + who
                    yield _data(f"Merge pull request #{pr} from acme/update-{seq}")
                    yield f"from :{tip}\nmerge :{side}\n".encode() + change
                    made += 2
                else:
                    mark += 1
                    yield f"commit refs/heads/main\nmark :{mark}\n".encode()
                    yield b"author " + who + b"committer " + who
                    yield _data(f"Update {record_id(seq, year)} (#{pr})")
                    yield f"from :{tip}\n".encode()
                    yield change
                    made += 1
                tip = mark


def build(target: Path, records: int, commits: int) -> None:
    """Create the repository in ``target`` (which must not exist)."""
    subprocess.run(["git", "init", "--quiet", "-b", "main", str(target)], check=True)
    proc = subprocess.Popen(
        ["git", "-C", str(target), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    for chunk in stream(records, commits):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", str(target), "branch", "--quiet", "-D", "pr"], check=False)
    subprocess.run(["git", "-C", str(target), "checkout", "--quiet", "-f", "main"], check=True)
    # the changed-path Bloom filters that let `history` skip commits (see docs/audit.md)
    start = time.perf_counter()
    subprocess.run(
        ["git", "-C", str(target), "commit-graph", "write", "--reachable", "--changed-paths"],
        check=True,
    )
    print(f"commit graph with changed paths written in {time.perf_counter() - start:.1f} s")


def timed(args: list[str], root: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "incidentctl", "--repo", str(root), *args],
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start, proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path, nargs="?")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    scratch = None
    target = args.target
    if target is None:
        scratch = Path(tempfile.mkdtemp(prefix="bench-audit-"))
        target = scratch / "repo"
    try:
        if not (target / ".git").exists():
            start = time.perf_counter()
            build(target, args.records, args.commits)
            print(f"built {args.commits} commits in {time.perf_counter() - start:.1f} s")
        count = subprocess.run(
            ["git", "-C", str(target), "rev-list", "--count", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"repository: {target} ({count} commits)")
        wanted = f"-{args.records // 2:05d}.yaml"
        names = subprocess.run(
            ["git", "-C", str(target), "ls-tree", "-r", "--name-only", "HEAD", "incidents"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        middle = next(Path(n).stem for n in names if n.endswith(wanted))
        for _ in range(args.runs):
            seconds, proc = timed(["audit", "--format", "json"], target)
            print(f"audit: {seconds:.2f} s (exit {proc.returncode}, {len(proc.stdout)} bytes)")
            seconds, proc = timed(["history", middle], target)
            lines = proc.stdout.decode().splitlines()
            print(f"history {middle}: {seconds:.2f} s ({lines[-1] if lines else proc.stderr!r})")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
