"""Incident IDs: ``INC-<year>-<sequence>``, and the next free one."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import PurePosixPath

_ID = re.compile(r"INC-(\d{4})-(\d{4,})\Z")


def format_id(year: int, sequence: int) -> str:
    """``INC-2026-0042``: the sequence zero-padded to at least four digits."""
    return f"INC-{year:04d}-{sequence:04d}"


def id_from_path(path: str) -> str | None:
    """The ID a file name carries (``incidents/2026/INC-2026-0042.yaml``), if any."""
    stem = PurePosixPath(path).name.removesuffix(".yaml")
    return stem if _ID.match(stem) else None


def next_id(year: int, taken: Iterable[str]) -> str:
    """One more than the highest sequence of ``year`` among the IDs ``taken``."""
    highest = 0
    for incident_id in taken:
        m = _ID.match(incident_id)
        if m and int(m.group(1)) == year:
            highest = max(highest, int(m.group(2)))
    return format_id(year, highest + 1)


def near_ids(wanted: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """The known IDs at most two edits from ``wanted`` (a character typed wrong, left
    out, added, or two swapped), nearest first, then most alike (``difflib``'s ratio).

    Quick whatever the repository's size: the edits of ``wanted`` are looked up in
    a set, instead of comparing ``wanted`` with 100,000 IDs (which took 6 s).
    """
    ids = known if isinstance(known, (set, frozenset)) else set(known)
    lengths = {len(i) for i in ids}
    if not lengths or not min(lengths) - 2 <= len(wanted) <= max(lengths) + 2:
        return []  # no ID is two edits away (and the edits of a long text are many)
    alphabet = sorted(set("".join(ids)))  # the characters the IDs are written with
    once = _edits(wanted, alphabet)
    found = {i: 1 for i in once & ids}
    if len(found) < limit:
        for near in once:
            for candidate in _edits(near, alphabet) & ids:
                found.setdefault(candidate, 2)
    found.pop(wanted, None)
    ranked = sorted(
        found, key=lambda i: (found[i], -difflib.SequenceMatcher(None, wanted, i).ratio(), i)
    )
    return ranked[:limit]


def _edits(word: str, alphabet: list[str]) -> set[str]:
    """Every string one edit from ``word``."""
    halves = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in halves if b}
    out.update(a + b[1] + b[0] + b[2:] for a, b in halves if len(b) > 1)
    out.update(a + c + b[1:] for a, b in halves if b for c in alphabet)
    out.update(a + c + b for a, b in halves for c in alphabet)
    return out
