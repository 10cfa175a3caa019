"""Benchmark: `incidentctl site build` with MkDocs (Material) and with Zensical.

    python benchmarks/bench_site.py [--repeat 3] [--incidents 10000] [--articles 1000]
                                    [--engines mkdocs,zensical] [--skip-example] [--skip-large]

Two repositories: the bundled example repository, and a synthetic one with
``--incidents`` incidents (``benchmarks/generate.py``) and ``--articles`` published
KB articles, with the register on. Each build runs the whole command (load, clocks,
page generation, engine) into a fresh folder; the figure is the median of
``--repeat`` runs, with the minimum and maximum. Page generation alone is also
timed, to show what the engine costs.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from incidentctl.commands.site import SiteBuildRequest, execute
from incidentctl.site.context import build_context
from incidentctl.site.pages import generate as generate_pages
from incidentctl.store.repo import load_repository

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SERVICES = ["payroll", "email", "vpn", "crm", "website", "erp", "sso", "workplace"]
CATEGORIES = ["application/batch-job", "network/vpn", "email/delivery", "access/login"]
TYPES = ["known_error", "workaround", "how_to", "resolution_procedure"]
WORDS = [
    "export",
    "timeout",
    "bank",
    "queue",
    "spooler",
    "gateway",
    "certificate",
    "mailbox",
    "quota",
    "token",
    "session",
    "proxy",
    "cache",
    "index",
    "report",
    "ledger",
    "invoice",
    "cluster",
    "failover",
    "replica",
    "printer",
    "driver",
]


def article(seq: int, rng: random.Random) -> tuple[str, str]:
    """One published article of about 40 lines: front matter, four sections, a table."""
    kb_id = f"KB-{seq:05d}"
    words = rng.sample(WORDS, 6)
    title = f"{words[0].capitalize()} {words[1]} fails after the {words[2]} change {seq}"
    slug = title.lower().replace(" ", "-")
    body = [
        "---",
        f"id: {kb_id}",
        f"title: {title}",
        f"type: {TYPES[seq % len(TYPES)]}",
        "status: published",
        f"services: [{SERVICES[seq % len(SERVICES)]}]",
        f"categories: [{CATEGORIES[seq % len(CATEGORIES)]}]",
        f"tags: [{words[3]}, {words[4]}]",
        "owner: service-desk",
        f"reviewed_at: 2026-{1 + seq % 11:02d}-15",
        "review_every: 180d",
        "---",
        "## Symptoms",
        f"- The {words[0]} stops with `E{seq}` after the {words[2]} change.",
        f"- Users see the {words[1]} page time out; the log names {words[5]}.",
        "",
        "## Cause",
        " ".join(rng.choice(WORDS) for _ in range(60)),
        "",
        "## Workaround",
        *(f"{i}. {' '.join(rng.choice(WORDS) for _ in range(10))}." for i in range(1, 6)),
        "",
        "| setting | before | after |",
        "|---|---|---|",
        *(f"| {w} | {rng.randint(1, 99)} | {rng.randint(100, 999)} |" for w in words[:4]),
        "",
        "## Resolution",
        " ".join(rng.choice(WORDS) for _ in range(40)),
    ]
    return f"kb/{kb_id}-{slug}.md", "\n".join(body) + "\n"


def large_repository(target: Path, incidents: int, articles: int) -> None:
    generate(target, incidents)
    rng = random.Random(7)
    (target / "kb").mkdir(exist_ok=True)
    for seq in range(1, articles + 1):
        rel, text = article(seq, rng)
        (target / rel).write_text(text, encoding="utf-8")


def time_build(root: Path, engine: str, repeat: int) -> tuple[list[float], str]:
    runs, summary = [], ""
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            repo = load_repository(root)
            out = io.StringIO()
            start = time.perf_counter()
            execute(SiteBuildRequest(repo, NOW, Path(tmp) / "site", engine), out, io.StringIO())
            runs.append(time.perf_counter() - start)
            summary = out.getvalue().strip()
    return runs, summary


def time_generation(root: Path) -> float:
    repo = load_repository(root)
    start = time.perf_counter()
    generate_pages(build_context(repo, NOW))
    return time.perf_counter() - start


def report(label: str, engine: str, runs: list[float], summary: str) -> None:
    pages = summary.split(":", 1)[1].split(" pages")[0].strip() if ":" in summary else "?"
    print(
        f"{label:34} {engine:9} {pages:>6} pages  median {statistics.median(runs):7.2f} s"
        f"  (min {min(runs):.2f}, max {max(runs):.2f}, n={len(runs)})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--engines", default="mkdocs,zensical")
    parser.add_argument("--skip-example", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    engines = args.engines.split(",")
    if not args.skip_example:
        print(f"page generation, example repository: {time_generation(ROOT):.2f} s")
        for engine in engines:
            report("example repository", engine, *time_build(ROOT, engine, args.repeat))
    if not args.skip_large:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "repo"
            large_repository(root, args.incidents, args.articles)
            label = f"{args.articles} articles, {args.incidents} incidents"
            print(f"page generation, {label}: {time_generation(root):.2f} s", flush=True)
            for engine in engines:
                report(label, engine, *time_build(root, engine, args.repeat))


if __name__ == "__main__":
    main()
