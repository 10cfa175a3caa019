"""Whole-process timings and peak memory of every command, at several repository sizes.

    python benchmarks/scale.py [--sizes 1000,10000,100000] [--runs 3] [--work DIR] [--long]

For each size it generates a repository with ``benchmarks/generate.py`` (kept in
``--work`` and reused), commits it, and times each command as a separate process
(the median of ``--runs``), with its peak resident memory from ``wait4``. Beside
them: the time to merely read every incident file, and check-jsonschema on 5,000
files with the exported incident schema (cold and with its cache warm), when it is
installed (``pip install -e '.[bench]'``). ``--long`` adds ``audit`` and ``site build``,
once each (at 100,000 incidents they take minutes). Prints one Markdown table, and
the time of a fixed pure-Python loop, to tell the machine's speed on the day.

Run it with bytecode caches on (``PYTHONDONTWRITEBYTECODE`` unset), as users have
them: otherwise every process compiles every module again, about a second each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-11-23T12:00:00+00:00"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


@dataclass
class Sample:
    seconds: float
    peak_mib: float


# Each command is started by this small launcher, not by the benchmark: a process's
# peak memory (``ru_maxrss``) includes that of the process it was forked from, up to
# its exec, and this one holds the list of 100,000 incident files. Started from here,
# a command that needs 37 MiB was reported at 62 MiB.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
elapsed = time.perf_counter() - start
print(elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def run_once(args: Sequence[str], cwd: Path, env: dict[str, str]) -> Sample:
    """One process: wall time and its own peak memory (``ru_maxrss`` from wait4)."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    try:
        elapsed, code, peak_kib = done.stdout.split()
    except ValueError:
        raise SystemExit(f"could not start {args[0]}:\n{done.stderr}") from None
    if int(code) not in (0, 1):
        raise SystemExit(f"{' '.join(args)} exited {code} in {cwd}:\n{done.stderr}")
    return Sample(float(elapsed), int(peak_kib) / 1024)


def measure(
    args: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    runs: int,
    before: Callable[[], None] | None = None,
    after: Callable[[], None] | None = None,
) -> Sample:
    samples = []
    for _ in range(runs):
        if before:
            before()
        samples.append(run_once(args, cwd, env))
        if after:
            after()
    return Sample(statistics.median(s.seconds for s in samples), max(s.peak_mib for s in samples))


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    )
    return out.stdout


def prepare(work: Path, size: int, open_percent: int | None = None) -> Path:
    """A committed repository of ``size`` incidents, and a branch ``pr`` changing 5 files."""
    repo = work / (f"repo-{size}" if open_percent is None else f"repo-{size}-open{open_percent}")
    if (repo / ".git").is_dir():
        git(repo, "checkout", "-q", "main")
        git(repo, "reset", "-q", "--hard")
        git(repo, "clean", "-qfdx", "-e", ".incidentctl-cache")
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "generate.py"),
            str(repo),
            "--incidents",
            str(size),
            *(["--open-percent", str(open_percent)] if open_percent is not None else []),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text(".incidentctl-cache/\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "generated")
    git(repo, "checkout", "-q", "-b", "pr")
    # a note at the end of the timeline of five open incidents: a valid change
    ends_in_timeline = [
        path
        for path in reversed(incident_files(repo)[-2000:])
        if path.read_text().rstrip("\n").rsplit("\n", 1)[-1].startswith("  - {at: ")
    ]
    for path in ends_in_timeline[:5]:
        with path.open("a") as fh:
            fh.write(f"  - {{at: {NOW}, by: bench, kind: note, text: changed on a branch}}\n")
    git(repo, "commit", "-qam", "five changed incidents")
    git(repo, "checkout", "-q", "main")
    return repo


def incident_files(repo: Path) -> list[Path]:
    return sorted((repo / "incidents").glob("*/*.yaml"))


def read_all(repo: Path) -> float:
    start = time.perf_counter()
    for path in incident_files(repo):
        path.read_bytes()
    return time.perf_counter() - start


def long_rows(repo: Path, exe: str, env: dict[str, str]) -> dict[str, Sample]:
    """The commands that take minutes at 100,000, once each: ``audit`` of the history
    and the whole ``site build`` (register, KPI report and audit page, MkDocs)."""
    out = repo.parent / f"{repo.name}-site"
    base = [exe, "--repo", str(repo)]
    return {
        "audit": measure([*base, "audit", "--format", "json"], repo, env, 1),
        "site build": measure(
            [*base, "site", "build", "--out", str(out), "--now", NOW], repo, env, 1
        ),
    }


def table(repo: Path, runs: int, exe: str, env: dict[str, str]) -> dict[str, Sample]:
    files = incident_files(repo)
    # an in_progress incident, so that note works
    one = next(p for p in files[len(files) // 2 :] if "\nstatus: in_progress\n" in p.read_text())
    one_rel = one.relative_to(repo).as_posix()
    one_id = one.stem
    cache = repo / ".incidentctl-cache"
    rows: dict[str, Sample] = {}

    def drop_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def restore() -> None:
        git(repo, "checkout", "-q", "--", "incidents")

    first_100 = {path: path.read_bytes() for path in files[:100]}

    def edit_100() -> None:  # in place, as an editor or a merge of edits does
        for path in first_100:
            with path.open("a") as fh:
                fh.write("# touched\n")

    def put_back_100() -> None:  # in place too: a checkout would make the folders new
        for path, text in first_100.items():
            path.write_bytes(text)

    def touch_all() -> None:  # as a fresh clone: new stats, new folders (their mtimes
        # move), and git's index up to date
        stamp = time.time()
        for path in files:
            os.utime(path, (stamp, stamp))
        for folder in {path.parent for path in files} | {repo / "incidents"}:
            os.utime(folder, (stamp, stamp))
        git(repo, "update-index", "-q", "--refresh")

    base = [exe, "--repo", str(repo)]
    rows["validate, no cache"] = measure(
        [*base, "validate", "--now", NOW], repo, env, runs, before=drop_cache
    )
    run_once([*base, "validate", "--now", NOW], repo, env)  # warm the cache
    rows["validate, cache warm"] = measure([*base, "validate", "--now", NOW], repo, env, runs)
    rows["validate, warm after 100 files changed"] = measure(
        [*base, "validate", "--now", NOW], repo, env, runs, before=edit_100, after=put_back_100
    )

    # the first run after a checkout (or a pull) that changes 5 files: git renames them
    # into place, so the folders' mtimes move; then back, and the index warm again
    def to_pr() -> None:
        git(repo, "checkout", "-q", "pr")

    def back_to_main() -> None:
        git(repo, "checkout", "-q", "main")
        run_once([*base, "validate", "--now", NOW], repo, env)

    rows["validate, first run after a checkout (5 files changed)"] = measure(
        [*base, "validate", "--now", NOW], repo, env, runs, before=to_pr, after=back_to_main
    )
    # a fresh clone with the index restored (as sla.yml does with actions/cache):
    # every file has a new stat, the texts are those indexed, and git's index knows
    # them (a checkout writes it)
    rows["validate, index restored (every file touched)"] = measure(
        [*base, "validate", "--now", NOW], repo, env, runs, before=touch_all
    )
    rows["sla status, index restored (every file touched)"] = measure(
        [*base, "sla", "status", "--now", NOW], repo, env, runs, before=touch_all
    )
    git(repo, "checkout", "-q", "pr")
    rows["validate --base main, 5 changed files"] = measure(
        [*base, "validate", "--base", "main", "--now", NOW], repo, env, runs
    )
    git(repo, "checkout", "-q", "main")
    rows["validate ONE_FILE"] = measure([*base, "validate", one_rel, "--now", NOW], repo, env, runs)
    rows["show ID"] = measure([*base, "show", one_id, "--now", NOW], repo, env, runs)
    rows["note ID"] = measure(
        [*base, "note", one_id, "--text", "benchmark", "--by", "bench", "--at", NOW],
        repo,
        env,
        runs,
        after=restore,
    )
    # the first run after the checkouts above walks the folders (as after a git pull)
    sla = [*base, "sla", "status", "--now", NOW]
    rows["sla status, first run"] = measure(sla, repo, env, 1)
    rows["sla status --format json"] = measure(
        [*base, "sla", "status", "--format", "json", "--now", NOW], repo, env, runs
    )
    rows["sla status"] = measure(sla, repo, env, runs)
    list_open = [*base, "list", "--open", "--now", NOW]
    rows["list --open, first run"] = measure(list_open, repo, env, 1)  # fills the index
    rows["list --open"] = measure(list_open, repo, env, runs)
    rows["list"] = measure([*base, "list", "--now", NOW], repo, env, runs)
    rows.update(kpi_rows(repo, runs, exe, env))
    read = statistics.median(read_all(repo) for _ in range(runs))
    rows["(read every incident file, in process)"] = Sample(read, 0.0)
    return rows


def kpi_rows(repo: Path, runs: int, exe: str, env: dict[str, str]) -> dict[str, Sample]:
    """``kpi`` with its facts cache empty (the record index as it is), with nothing
    cached at all, then warm."""
    cache = repo / ".incidentctl-cache"
    facts = cache / "kpi.sqlite"
    kpi = [exe, "--repo", str(repo), "kpi", "--now", NOW]
    grouped = [*kpi, "--by", "month,priority", "--format", "json"]
    return {
        "kpi, first run (facts cache empty)": measure(
            kpi, repo, env, 1, before=lambda: facts.unlink(missing_ok=True)
        ),
        "kpi, nothing cached": measure(
            kpi, repo, env, 1, before=lambda: shutil.rmtree(cache, ignore_errors=True)
        ),
        "kpi": measure(kpi, repo, env, runs),
        "kpi --by month,priority --format json": measure(grouped, repo, env, runs),
    }


def check_jsonschema(work: Path, runs: int, exe: str, env: dict[str, str]) -> dict[str, Sample]:
    """incidentctl validate and check-jsonschema on the same 5,000 files."""
    tool = shutil.which("check-jsonschema")
    if tool is None:
        print("check-jsonschema is not installed: skipping the comparison", file=sys.stderr)
        return {}
    repo = prepare(work, 5000)
    files = [p.relative_to(repo).as_posix() for p in incident_files(repo)]
    schema = str(ROOT / "schemas" / "incident.schema.json")
    cache_home = work / "cjs-cache"
    cjs_env = {**env, "XDG_CACHE_HOME": str(cache_home)}
    rows: dict[str, Sample] = {}
    rows["5,000 files: check-jsonschema"] = measure(
        [tool, "--schemafile", schema, *files], repo, cjs_env, runs
    )
    cache = repo / ".incidentctl-cache"
    rows["5,000 files: incidentctl validate, cold"] = measure(
        [exe, "validate", "--now", NOW],
        repo,
        env,
        runs,
        before=lambda: shutil.rmtree(cache, ignore_errors=True),
    )
    rows["5,000 files: incidentctl validate, warm"] = measure(
        [exe, "validate", "--now", NOW], repo, env, runs
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/incidentctl-bench"))
    parser.add_argument("--skip-comparison", action="store_true")
    parser.add_argument("--only-kpi", action="store_true", help="time the kpi rows alone")
    parser.add_argument(
        "--long", action="store_true", help="also audit and site build, once each (minutes)"
    )
    parser.add_argument(
        "--open-percent",
        type=int,
        help="percent of open incidents (default: the generator's, one in two)",
    )
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sizes.split(",")]
    exe = shutil.which("incidentctl") or sys.exit("incidentctl is not on PATH")
    env = {**os.environ, **GIT_ENV}
    env.pop("INCIDENTCTL_NO_CACHE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    opts.work.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict[str, Sample]] = {}
    for size in sizes:
        print(f"{size} incidents ...", file=sys.stderr)
        repo = prepare(opts.work, size, opts.open_percent)
        results[size] = (kpi_rows if opts.only_kpi else table)(repo, opts.runs, exe, env)
        if opts.long:
            results[size].update(long_rows(repo, exe, env))
    names = list(results[sizes[0]])
    head = " | ".join(f"{s:,}" for s in sizes)
    print(f"| command | {head} | peak memory at {sizes[-1]:,} |")
    print("|---|" + "---|" * len(sizes) + "---|")
    for name in names:
        cells = " | ".join(f"{results[s][name].seconds:.2f} s" for s in sizes)
        peak = results[sizes[-1]][name].peak_mib
        print(f"| {name} | {cells} | {f'{peak:.0f} MiB' if peak else ''} |")
    if not opts.skip_comparison:
        compared = check_jsonschema(opts.work, opts.runs, exe, env)
        if compared:
            print("\n| 5,000 incident files | time | peak memory |\n|---|---|---|")
            for name, sample in compared.items():
                print(
                    f"| {name.split(': ', 1)[1]} | {sample.seconds:.2f} s |"
                    f" {sample.peak_mib:.0f} MiB |"
                )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}, median of {opts.runs} runs,"
        f" load average at the end {load}; the machine's speed at the end: {speed_reference()}"
    )
    return 0


# A fixed piece of pure Python, timed beside the table: the machine's speed has varied
# by over 3x from day to day, and this tells tables of different days apart.
REFERENCE = "s = 0\nfor i in range(10_000_000):\n    s += i\n"


def speed_reference(runs: int = 3) -> str:
    """The median time of ``REFERENCE`` in a process of its own, and of two such
    processes run at once: how much a second core adds on the day."""
    timed = "import time; t = time.perf_counter(); exec(CODE); print(time.perf_counter() - t)"
    command = [sys.executable, "-c", f"CODE = {REFERENCE!r}\n{timed}"]
    alone, together = [], []
    for _ in range(runs):
        alone.append(float(subprocess.run(command, capture_output=True, text=True).stdout))
        start = time.perf_counter()
        pair = [subprocess.Popen(command, stdout=subprocess.DEVNULL) for _ in range(2)]
        for proc in pair:
            proc.wait()
        together.append(time.perf_counter() - start)
    one, two = statistics.median(alone), statistics.median(together)
    return (
        f"10,000,000 additions in a Python loop took {one:.2f} s; two such loops at once,"
        f" in two processes, {two:.2f} s: the second core added {2 * one / two - 1:.0%}"
    )


if __name__ == "__main__":
    sys.exit(main())
