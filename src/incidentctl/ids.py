"""Incident IDs: ``INC-<year>-<sequence>``, and the next free one."""

from __future__ import annotations

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
