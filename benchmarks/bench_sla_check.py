"""Benchmark: ``sla check --open-issues`` over many escalated clocks, against the fake.

    python benchmarks/bench_sla_check.py [--count N]

Writes N open P3 incidents (each past a threshold) into a copy of the test base
repository and runs ``sla check --open-issues --page`` three times against the
in-process fake of GitHub and PagerDuty on 127.0.0.1 (tests/escalation/fake.py):
the first run opens N issues, the second finds them all with one paginated listing
and writes nothing, the third (a day later) updates them all. Write spacing is
taken out (a fake clock); on GitHub each write waits a second after the previous
one, which the figures printed add back as "with spacing".
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import FIXTURES  # noqa: E402
from tests.escalation.fake import serve  # noqa: E402
from tests.escalation.run import check  # noqa: E402
from tests.escalation.scenario import RUN1, incident, write  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        shutil.copytree(FIXTURES / "base", root)
        for i in range(args.count):
            ident = f"INC-2026-{1000 + i:04d}"
            text = incident(ident, "2026-11-20T09:00:00+00:00", "P3", "medium", "medium", "new")
            write(root, ident, text)
        servers = serve()
        fake = next(servers)
        for label, now in (
            ("open", RUN1),
            ("re-run", RUN1 + timedelta(minutes=5)),
            ("update", RUN1 + timedelta(days=1)),
        ):
            seen = len(fake.state.requests)
            start = time.perf_counter()
            outcome = check(root, fake, now)
            took = time.perf_counter() - start
            requests = fake.state.requests[seen:]
            writes = sum(r.method != "GET" for r in requests)
            print(
                f"{label:7} {took:6.2f} s  {len(requests):5} requests, {writes:5} writes"
                f"  (with spacing: >= {took + max(writes - 1, 0):.0f} s)  exit {outcome.code}"
            )
        servers.close()


if __name__ == "__main__":
    main()
