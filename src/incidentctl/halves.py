"""Work shared with a forked child: the second core renders half of a long report.

``in_halves(work, items)`` is ``work(items)``: this process does the first half while
a child, forked for the purpose, does the second and sends its result back, pickled,
through a pipe (the child shares nothing it could corrupt: it only computes and
writes). It pays when each item costs microseconds and there are thousands: the
20,000 rows of ``sla status`` at 100,000 incidents take about 0.25 s on one core.

Where no child can be forked (not Linux, other threads running, fork refused) or
the items are few, this process does all the work; a child that fails, dies or sends
what cannot be read only leaves this process its half to do too. The result is the
same in every case, so a caller cannot tell, except by the time.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

HALVES_AFTER = 4000  # items; below, forking and sending back cost more than they save


def may_fork() -> bool:
    """Whether a child may be forked: fork copies only the calling thread, so with
    others running, a lock one of them holds would stay taken in the child."""
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def in_halves(
    work: Callable[[Sequence[T]], list[R]], items: Sequence[T], at_least: int | None = None
) -> list[R]:
    """``work(items)``, its result a list with one entry per item (or any list whose
    halves concatenate to the whole), computed on two cores when there are at least
    ``at_least`` items (by default ``HALVES_AFTER``)."""
    if len(items) < (HALVES_AFTER if at_least is None else at_least) or not may_fork():
        return work(items)
    half = len(items) // 2
    child = _Child.start(work, items[half:])
    if child is None:
        return work(items)
    try:
        first = work(items[:half])
    except BaseException:
        child.end()
        raise
    second = child.result()
    return first + (work(items[half:]) if second is None else second)


class _Child(Generic[R]):
    """A forked process computing ``work(items)`` and writing it, pickled, to a pipe."""

    def __init__(self, pid: int, reader: int) -> None:
        self.pid = pid
        self.reader = reader

    @staticmethod
    def start(work: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> _Child[R] | None:
        """Fork the child; None when no pipe or process can be had."""
        try:
            reader, writer = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            return None
        if pid == 0:  # the child: compute, send, out without clean-up (no flush, no atexit)
            code = 1
            try:
                os.close(reader)
                _write_all(writer, pickle.dumps(work(items), pickle.HIGHEST_PROTOCOL))
                code = 0
            finally:
                os._exit(code)
        os.close(writer)
        return _Child(pid, reader)

    def result(self) -> list[R] | None:
        """What the child computed, once it ended; None if it failed (or this process
        was interrupted: the child is then ended too)."""
        chunks: list[bytes] = []
        ended_well = False
        try:
            while data := os.read(self.reader, 1 << 20):
                chunks.append(data)
            _, status = os.waitpid(self.pid, 0)
            self.pid = 0
            ended_well = os.waitstatus_to_exitcode(status) == 0
        finally:
            self.end()
        if not ended_well:
            return None
        try:
            found = pickle.loads(b"".join(chunks))  # our own child's, just forked
        except Exception:  # a truncated or damaged message: the parent does the half
            return None
        return found if isinstance(found, list) else None

    def end(self) -> None:
        """Close the pipe; end the child if it still runs."""
        if self.reader >= 0:
            os.close(self.reader)
            self.reader = -1
        if self.pid:
            end_child(self.pid)
            self.pid = 0


def end_child(pid: int) -> None:
    """Kill a forked child and reap it (it may have ended already)."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
