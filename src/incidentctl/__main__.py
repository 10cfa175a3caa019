"""The ``incidentctl`` program: the CLI run as a process of its own.

Settings that belong to the whole process live here, not in the CLI group that
tests invoke many times in one interpreter.
"""

from __future__ import annotations

import gc

from incidentctl.cli import main

# A young generation of 700 objects (Python's default) means a collection every few
# hundred allocations while 100,000 records are built and reported, and the older
# generations are swept over and over; almost nothing a command allocates is cyclic
# garbage, so those passes only cost time (40 % of `list` at 100,000 records). The
# collector stays on, so a long command that does make cycles still frees them.
THRESHOLDS = (50_000, 100, 100)


def run() -> None:
    """Run one command: freeze what importing allocated, collect rarely, then go."""
    # the modules, classes and pydantic schemas live until the process ends: moving
    # them out of the collector's sight makes every later pass shorter
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    main()


if __name__ == "__main__":
    run()
