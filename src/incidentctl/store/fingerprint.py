"""Hashes of what decides a cached result besides the data: code and time zone rules.

A development install keeps its version number while its code changes, and the
tz database changes under a Python that does not; caches of results computed by
code, in time zones, key themselves with these.
"""

from __future__ import annotations

import contextlib
import importlib
import zoneinfo
from collections.abc import Iterable
from pathlib import Path

from incidentctl.store.cache import digest


def code(modules: Iterable[str]) -> str:
    """A hash of the source files of ``modules`` ('' parts where a file cannot be read)."""
    parts = []
    for name in modules:
        path = getattr(importlib.import_module(name), "__file__", None)
        try:
            parts.append(Path(path).read_bytes().decode("utf-8", "replace") if path else "")
        except OSError:
            parts.append("")
    return digest("\0".join(parts))


def zones(names: Iterable[str]) -> str:
    """A hash of the rules of the time zones ``names`` (the tz database files they come from).

    The system's database comes first, as for ``zoneinfo``; a zone found in none of
    its folders comes from the ``tzdata`` package, whose version then stands for it.
    """
    parts = []
    for zone in sorted(set(names)):
        text = f"{zone}:?"
        for folder in zoneinfo.TZPATH:
            try:
                text = f"{zone}:{digest(Path(folder, zone).read_bytes().hex())}"
                break
            except OSError:
                continue
        else:
            with contextlib.suppress(Exception):
                from importlib.metadata import version

                text = f"{zone}:tzdata {version('tzdata')}"
        parts.append(text)
    return digest("\0".join(parts))
