"""Types shared by the models: durations, identifiers, the strict base model."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?\Z")
DURATION_PATTERN = r"^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"


def parse_duration(value: Any) -> timedelta:
    """Parse ``15m``, ``4h``, ``1h30m``, ``180d`` or ``90s`` into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError('a duration is a string such as "15m", "4h", "1h30m" or "180d"')
    m = _DURATION.match(value.strip())
    if not value.strip() or m is None:
        raise ValueError(f'"{value}" is not a duration; write e.g. "15m", "4h", "1h30m" or "180d"')
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest duration string for a timedelta (inverse of parse_duration)."""
    total = int(value.total_seconds())
    if total == 0:
        return "0m"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, total = divmod(total, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN}),
]

INCIDENT_ID = r"^INC-\d{4}-\d{4,}$"
KB_ID = r"^KB-\d{4,}$"
PROBLEM_ID = r"^PRB-\d+$"


class Strict(BaseModel):
    """Base of every file model: unknown keys are errors, inputs stay out of errors."""

    model_config = ConfigDict(
        extra="forbid", hide_input_in_errors=True, frozen=True, defer_build=True
    )
