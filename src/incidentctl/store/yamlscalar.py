"""How the reader resolves a plain (unquoted) scalar: the YAML 1.2 core schema plus
timestamps. Shared by the event-stream reader and its fast path, so that both give
the same value for the same text.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_OCT = re.compile(r"0o[0-7]+\Z")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DATETIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)"
    r"\s*(Z|z|[-+][0-9]{2}(?::?[0-9]{2})?)?\Z"
)
# the form incidentctl writes, which _DATETIME reads as this very text: parsed at once
_OFFSET_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[-+][0-9]{2}:[0-9]{2}\Z"
)
_SPECIAL = {
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}
_MAYBE_NUMERIC = set("0123456789+-.")  # what an int, a float or a timestamp starts with
_MAYBE_WORD = set("~nNtTfF")  # what null, true and false start with: only _SPECIAL's
# a plain scalar that starts with none of these is its own text
MAYBE_RESOLVED = frozenset(_MAYBE_NUMERIC | _MAYBE_WORD)


def plain(value: str) -> Any:
    """Resolve a plain (unquoted) scalar."""
    if not value:
        return None
    first = value[0]
    if first not in _MAYBE_NUMERIC:
        # no number: words that start as null, true or false do ("title", "timeline",
        # "note": a sixth of a record's scalars) are not tried against the patterns
        return _SPECIAL.get(value, value) if first in _MAYBE_WORD else value
    if len(value) == 25 and _OFFSET_DATETIME.match(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    if value in _SPECIAL:
        return _SPECIAL[value]
    if _INT.match(value):
        try:
            return int(value)
        except ValueError:  # more digits than Python converts (4,300): kept as text
            return value
    if _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    m = _DATETIME.match(value)
    if m:
        tz = m.group(3) or ""
        if tz in ("Z", "z"):
            tz = "+00:00"
        try:
            return datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{tz}")
        except ValueError:
            return value
    if _FLOAT.match(value):
        return float(value)
    if _INT_OCT.match(value):
        return int(value[2:], 8)
    if _INT_HEX.match(value):
        return int(value[2:], 16)
    return value
