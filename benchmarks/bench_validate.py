"""Time `validate` over a synthetic repository.

    python benchmarks/bench_validate.py [--incidents 10000] [--repeat 3]

Prints the time to index the repository, to parse and validate every incident
file, and to run all checks; and the time to validate one changed file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from incidentctl.checks.run import run
from incidentctl.store.repo import load_repository

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        generate(root, args.incidents)
        print(f"generated {args.incidents} incidents in {time.perf_counter() - start:.2f} s")
        for attempt in range(1, args.repeat + 1):
            t0 = time.perf_counter()
            repo = load_repository(root)
            t1 = time.perf_counter()
            records = repo.load_incidents()
            t2 = time.perf_counter()
            found = run(repo, NOW)
            t3 = time.perf_counter()
            print(
                f"run {attempt}: index {t1 - t0:.2f} s, parse+schema {t2 - t1:.2f} s"
                f" ({len(records)} records), checks {t3 - t2:.2f} s, total {t3 - t0:.2f} s,"
                f" {len(found)} findings"
            )
        one = repo.incident_paths()[0]
        t0 = time.perf_counter()
        repo = load_repository(root)
        run(repo, NOW, [one])
        print(f"one changed file (validate PATH): {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
