"""The facts of many incident files on every core: for a ``kpi`` with a cold facts cache.

Reading, parsing and validating a record and computing its SLA clocks is nearly all
of a cold run. Worker processes do it and send back, per file, the hash of the text
they read, the record's settled instant (``kpi.facts.settled_at``) and its facts as
a cache row (``kpi.cache.encode``): the parent keeps the rows and builds facts from
them, and never holds a record. A file with any finding comes back as None and is
read again by the parent, by the usual path, so that its warning is exactly that of
a sequential run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from incidentctl.kpi.cache import encode
from incidentctl.kpi.facts import KpiPolicies, incident_facts, settled_at
from incidentctl.store.cache import digest
from incidentctl.store.parallel import stream
from incidentctl.store.reader import read_clean_incidents

# digest of the text read, settled instant, facts row at now (None: reported after now);
# None for a file with any finding
Result = tuple[str, int, str | None] | None

_policies: KpiPolicies | None = None  # a worker's, set once when it starts


def _start(policies: KpiPolicies) -> None:
    global _policies
    _policies = policies


def _chunk(root: str, max_bytes: int, now: datetime, rels: Sequence[str]) -> list[Result]:
    """Each file's result, as a worker computes it: step by step over the chunk (every
    record read, then the facts of each, then their rows), as ``read_clean_incidents``."""
    pol = _policies
    assert pol is not None
    clean = read_clean_incidents(root, rels, max_bytes)
    facts = [None if c is None else incident_facts(c[1], pol, now) for c in clean]
    rows = [None if item is None else encode(item) for item in facts]
    return [
        None if c is None else (digest(c[0]), settled_at(c[1]), row)
        for c, row in zip(clean, rows, strict=True)
    ]


def facts_stream(
    root: Path, rels: Sequence[str], max_bytes: int, now: datetime, pol: KpiPolicies
) -> Iterator[Result] | None:
    """One result per path of ``rels``, in order, computed by worker processes.

    None when there are too few files or one core: the caller then computes as usual.
    The policies go to each worker once, not with every chunk.
    """
    return stream(_chunk, rels, str(root), max_bytes, now, setup=(_start, (pol,)))
