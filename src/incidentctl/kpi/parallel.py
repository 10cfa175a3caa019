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
from incidentctl.store.reader import read_clean_incident

# digest of the text read, settled instant, facts row at now (None: reported after now);
# None for a file with any finding
Result = tuple[str, int, str | None] | None

_policies: KpiPolicies | None = None  # a worker's, set once when it starts


def _start(policies: KpiPolicies) -> None:
    global _policies
    _policies = policies


def facts_of(root: str, rel: str, max_bytes: int, now: datetime, pol: KpiPolicies) -> Result:
    """One file's result, as a worker computes it."""
    clean = read_clean_incident(Path(root, rel), rel, max_bytes)
    if clean is None:
        return None
    text, model = clean
    item = incident_facts(model, pol, now)
    return digest(text), settled_at(model), None if item is None else encode(item)


def _chunk(root: str, max_bytes: int, now: datetime, rels: Sequence[str]) -> list[Result]:
    assert _policies is not None
    return [facts_of(root, rel, max_bytes, now, _policies) for rel in rels]


def facts_stream(
    root: Path, rels: Sequence[str], max_bytes: int, now: datetime, pol: KpiPolicies
) -> Iterator[Result] | None:
    """One result per path of ``rels``, in order, computed by worker processes.

    None when there are too few files or one core: the caller then computes as usual.
    The policies go to each worker once, not with every chunk.
    """
    return stream(_chunk, rels, str(root), max_bytes, now, setup=(_start, (pol,)))
