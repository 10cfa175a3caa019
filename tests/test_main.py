"""The program entry point: process-wide collector settings, then the CLI."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

import incidentctl.__main__ as program
from incidentctl import __version__


@pytest.fixture
def restore_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


@pytest.mark.usefixtures("restore_gc")
def test_run_sets_the_collector_before_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[tuple[int, int, int], int]] = []
    monkeypatch.setattr(program, "main", lambda: seen.append((gc.get_threshold(), gc.isenabled())))
    gc.unfreeze()
    program.run()
    assert seen == [(program.THRESHOLDS, True)]  # still on: cycles are still freed
    assert gc.get_freeze_count() > 0


def test_the_cli_group_itself_leaves_the_collector_alone() -> None:
    # tests and library users invoke the click group many times in one process
    from click.testing import CliRunner

    from incidentctl.cli import main

    before = gc.get_threshold()
    assert CliRunner().invoke(main, ["--version"]).exit_code == 0
    assert gc.get_threshold() == before


def test_python_dash_m_runs_the_program() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "incidentctl", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and __version__ in out.stdout
