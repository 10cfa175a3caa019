"""Work on every core: worker processes parse (and check) files, the parent gathers.

``stream`` runs a per-chunk function over many paths on one process per core; the
whole-repository check uses it (``checks.run``), and so does a cold load here.

Parsing and validating a file costs about five times what rebuilding its record
from pydantic's JSON does, so for a load workers do the former and send JSON back;
the parent keeps reading the files itself (it needs their text for positions) and
rebuilds each record. A file with any finding is parsed again in the parent, by the
usual path, so its messages are exactly those of a sequential run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from incidentctl.model.incident import Incident
from incidentctl.store.cache import FileStat, digest, file_stat
from incidentctl.store.reader import read_clean_incidents, read_text

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_AFTER = 2000
CHUNK = 256


def workers() -> int:
    """How many worker processes: one per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


R = TypeVar("R")
Parsed = tuple[str, str, str] | None  # (digest of the text parsed, the record's JSON, status)


def _parse_chunk(root: str, max_bytes: int, rels: Sequence[str]) -> list[Parsed]:
    """Each clean record's digest, JSON and status, or None for a file with any finding."""
    return [
        None if clean is None else (digest(clean[0]), _json(clean[1]), clean[1].status.value)
        for clean in read_clean_incidents(root, rels, max_bytes)
    ]


def _json(model: Incident) -> str:
    return model.model_dump_json(by_alias=True, exclude_unset=True)


Hashed = tuple[FileStat | None, str | None]  # a file's stat, then the digest of its text


def _hash_chunk(root: str, max_bytes: int, rels: Sequence[str]) -> list[Hashed]:
    """Each file's stat (taken first) and the digest of its text (None if unreadable)."""
    done: list[Hashed] = []
    for rel in rels:
        stat = file_stat(f"{root}/{rel}")
        text = read_text(Path(root, rel), rel, max_bytes)[0]
        done.append((stat, None if text is None else digest(text)))
    return done


def hash_files(root: Path, rels: Sequence[str], max_bytes: int) -> Iterator[Hashed]:
    """``_hash_chunk`` over ``rels``: on worker processes when there are many."""
    results = stream(_hash_chunk, rels, str(root), max_bytes)
    if results is None:
        return iter(_hash_chunk(str(root), max_bytes, rels))
    return (r or (None, None) for r in results)


def parse_stream(root: Path, rels: Sequence[str], max_bytes: int) -> Iterator[Parsed] | None:
    """One result per path of ``rels``, in order, parsed by worker processes.

    None when there are too few files or one core: the caller then parses as usual.
    Results arrive while the workers go on, so the parent rebuilds records meanwhile.
    """
    return stream(_parse_chunk, rels, str(root), max_bytes)


Setup = tuple[Callable[..., None], tuple[object, ...]]


def stream(
    work: Callable[..., list[R]], rels: Sequence[str], *args: object, setup: Setup | None = None
) -> Iterator[R | None] | None:
    """``work(*args, chunk)`` over chunks of ``rels`` on worker processes: one result
    per path, in order (None for the paths of a chunk no worker could do).

    None when there are too few paths or one core: the caller then works as usual.
    ``work`` must be a module-level function (it is sent to the workers by name);
    ``setup`` (a function and its arguments) runs once in each worker first, for
    what is costly to send with every chunk.
    """
    count = workers()
    if count < 2 or len(rels) < PARALLEL_AFTER:
        return None
    return _stream(work, rels, args, count, setup)


def _stream(
    work: Callable[..., list[R]],
    rels: Sequence[str],
    args: tuple[object, ...],
    count: int,
    setup: Setup | None = None,
) -> Iterator[R | None]:
    # imported here: a command about one record never starts workers, and the import
    # costs it about 20 ms
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunks = [rels[i : i + CHUNK] for i in range(0, len(rels), CHUNK)]
    done = 0
    initializer, initargs = setup or (None, ())
    try:
        with ProcessPoolExecutor(count, None, initializer, initargs) as pool:  # type: ignore[arg-type]
            columns = [[a] * len(chunks) for a in args]
            for results in pool.map(work, *columns, chunks):
                done += len(results)
                yield from results
    except (OSError, BrokenProcessPool):
        # no worker processes here (a sandbox, a killed worker): the parent does the rest
        yield from [None] * (len(rels) - done)
