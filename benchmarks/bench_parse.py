"""Time reading records into data: the fast path against libyaml's event stream.

    python benchmarks/bench_parse.py [--incidents 3000] [--open-percent 10] [--repeat 3]

Generates the benchmark's records in memory (``generate.incident``) and reads each
with the fast path (``store/yamlsimple.py``), with the event reader alone (libyaml's
events and the builder over them) and with ``yamlread.load`` (the fast path, the
event reader for what it declines). Prints the best of ``--repeat`` passes in µs
per record and how many records the fast path read; checks that every reader gave
the same data.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import incident

from incidentctl.store import yamlread, yamlsimple


def best(texts: list[str], read: Callable[[str], Any], repeat: int) -> float:
    """The best pass over ``texts``, in µs per text."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            read(text)
        times.append(time.perf_counter() - start)
    return min(times) / len(texts) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=3000)
    parser.add_argument("--open-percent", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(1)
    start = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
    texts = [incident(n, rng, start, args.open_percent)[1] for n in range(1, args.incidents + 1)]
    fast = [yamlsimple.load(text) for text in texts]
    events = [yamlread._load(text, None) for text in texts]
    if fast != events or [yamlread.load(text) for text in texts] != events:
        sys.exit("the readers gave different data")
    read = sum(data is not None for data in fast)
    print(f"{len(texts)} records, {read} read by the fast path")
    print(f"fast path           {best(texts, yamlsimple.load, args.repeat):7.1f} µs a record")
    event_reader = best(texts, lambda text: yamlread._load(text, None), args.repeat)
    print(f"event reader        {event_reader:7.1f} µs a record")
    print(f"yamlread.load       {best(texts, yamlread.load, args.repeat):7.1f} µs a record")


if __name__ == "__main__":
    main()
