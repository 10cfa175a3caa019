"""The command line's own behaviour, shared by every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the example repository


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--table", "events", "--format", "csv"],
        ["history", "INC-2026-0042"],
        ["rules"],
    ],
    ids=["export", "history", "rules"],
)
def test_a_reader_that_went_away_stops_the_command_quietly(args: list[str]) -> None:
    # `incidentctl export | head -1` after head has exited: every write fails with EPIPE
    read_end, write_end = os.pipe()
    os.close(read_end)
    proc = subprocess.run(
        [sys.executable, "-m", "incidentctl", *args],
        stdout=write_end,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        check=False,
    )
    os.close(write_end)
    assert (proc.returncode, proc.stderr.decode()) == (141, "")
