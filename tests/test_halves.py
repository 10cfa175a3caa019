"""``in_halves``: the second half in a forked child, the same result whatever happens to it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from incidentctl import halves
from incidentctl.halves import in_halves

pytestmark = pytest.mark.skipif(not halves.may_fork(), reason="fork is Linux-only here")


def _squares_with_pid(items: Sequence[int]) -> list[tuple[int, int]]:
    return [(i * i, os.getpid()) for i in items]


def test_the_second_half_is_done_by_another_process() -> None:
    items = list(range(10))
    found = in_halves(_squares_with_pid, items, at_least=2)
    assert [square for square, _ in found] == [i * i for i in items]
    pids = [pid for _, pid in found]
    assert set(pids[:5]) == {os.getpid()}
    assert len(set(pids[5:])) == 1 and pids[5] != os.getpid()


def test_few_items_stay_in_this_process() -> None:
    found = in_halves(_squares_with_pid, list(range(10)), at_least=11)
    assert {pid for _, pid in found} == {os.getpid()}


def test_no_child_while_other_threads_run() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        found = in_halves(_squares_with_pid, list(range(10)), at_least=2)
    finally:
        stop.set()
        other.join()
    assert {pid for _, pid in found} == {os.getpid()}


@pytest.mark.parametrize("how", ["raises", "dies", "unpicklable", "not a list"])
def test_a_failing_child_leaves_its_half_to_this_process(how: str) -> None:
    parent = os.getpid()

    def work(items: Sequence[int]) -> list[object]:
        if os.getpid() != parent:
            if how == "raises":
                raise RuntimeError("the child fails")
            if how == "dies":
                os._exit(3)
            if how == "unpicklable":
                return [lambda: None]
            return "not a list"  # type: ignore[return-value]
        return [(i, os.getpid()) for i in items]

    found = in_halves(work, list(range(8)), at_least=2)
    assert found == [(i, parent) for i in range(8)]


def test_an_error_here_ends_the_child(tmp_path: Path) -> None:
    parent = os.getpid()
    told = tmp_path / "child.pid"

    def work(items: Sequence[int]) -> list[int]:
        if os.getpid() != parent:
            told.write_text(str(os.getpid()))
            time.sleep(60)
            return list(items)
        while not told.exists():  # the child is running
            time.sleep(0.01)
        raise ValueError("this half fails")

    start = time.monotonic()
    with pytest.raises(ValueError, match="this half fails"):
        in_halves(work, list(range(8)), at_least=2)
    assert time.monotonic() - start < 30  # the child was not waited for
    with pytest.raises(ProcessLookupError):  # ended and reaped
        os.kill(int(told.read_text()), 0)
