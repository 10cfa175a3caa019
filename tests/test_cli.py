"""The command line's own behaviour, shared by every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the example repository


def test_a_reader_that_went_away_stops_the_command_quietly() -> None:
    # `incidentctl export | head -1` after head has exited: every write fails with EPIPE
    read_end, write_end = os.pipe()
    os.close(read_end)
    proc = subprocess.run(
        [sys.executable, "-m", "incidentctl", "export", "--table", "events", "--format", "csv"],
        stdout=write_end,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        check=False,
    )
    os.close(write_end)
    assert (proc.returncode, proc.stderr.decode()) == (141, "")
