"""Schema rules: pydantic validation errors turned into located diagnostics."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from incidentctl.diagnostics import Diagnostic, Severity, define
from incidentctl.store.source import Source

E = Severity.ERROR

SCHEMA = define(
    "SCH001",
    "schema-violation",
    E,
    """
    A field is missing, has the wrong type, or has a value outside its vocabulary.

    The message names the field and what was expected; the JSON Schemas
    written by `incidentctl schema` describe every field, and editors that read
    the `# yaml-language-server: $schema=...` line check them as you type.

    **Anti-pattern**: `channel: chat` (not one of service_desk, email, phone,
    portal, monitoring, staff); `score: "four"`.
    """,
)
UNKNOWN_KEY = define(
    "SCH002",
    "unknown-key",
    E,
    """
    A key that the file kind does not define.

    Unknown keys are errors rather than being ignored, because a misspelt
    optional field (`assignement_group`) would otherwise be silently lost. The
    hint suggests the nearest known key.
    """,
)
NAIVE_TIMESTAMP = define(
    "SCH003",
    "naive-timestamp",
    E,
    """
    A timestamp without a UTC offset.

    `2026-11-20T16:05:00` could be any of 24 instants; SLA clocks need the
    exact one. **Best practice**: `2026-11-20T16:05:00+00:00` or
    `2026-11-20T16:05:00+01:00`.
    """,
)


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types a (possibly Annotated / Optional / union) annotation allows."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return [t for arg in typing.get_args(tp) for t in _unwrap(arg)]
    return [tp]


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed in the mapping at ``loc`` (the loc of an unknown key's parent)."""
    candidates: list[Any] = [model]
    for element in loc:
        nxt: list[Any] = []
        for tp in candidates:
            for t in _unwrap(tp):
                origin = typing.get_origin(t)
                if isinstance(t, type) and issubclass(t, BaseModel):
                    field = _field_by_alias(t, element)
                    if field is not None:
                        nxt.append(field)
                    elif isinstance(element, str):
                        # a discriminated-union tag: keep the member it names
                        kind = t.model_fields.get("kind")
                        if kind is not None and element in typing.get_args(kind.annotation):
                            nxt.append(t)
                elif origin is dict or (origin is list and isinstance(element, int)):
                    nxt.append(typing.get_args(t)[-1])  # the item (or value) type
        candidates = nxt
    keys: list[str] = []
    for tp in candidates:
        for t in _unwrap(tp):
            if isinstance(t, type) and issubclass(t, BaseModel):
                keys.extend(f.alias or name for name, f in t.model_fields.items())
    return keys


def _field_by_alias(model: type[BaseModel], key: Any) -> Any | None:
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field.annotation
    return None


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for element in loc:
        out += f"[{element}]" if isinstance(element, int) else (f".{element}" if out else element)
    return out


def schema_diagnostics(
    source: Source, error: ValidationError, model: type[BaseModel]
) -> Iterator[Diagnostic]:
    """One diagnostic per validation error, at the line of the offending value."""
    for err in error.errors(include_url=False, include_input=False, include_context=True):
        loc = tuple(err["loc"])
        line, col = source.locate(loc, key=err["type"] == "extra_forbidden")
        kind = err["type"]
        where = _dotted(_strip_tags(model, loc))
        if kind == "extra_forbidden":
            key = str(loc[-1])
            known = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else None
            if hint is None and known:
                hint = "known keys here: " + ", ".join(sorted(known))
            yield UNKNOWN_KEY.at(source.rel, line, col, f'unknown key "{where}"', hint)
        elif kind == "timezone_aware":
            yield NAIVE_TIMESTAMP.at(
                source.rel,
                line,
                col,
                f"{where}: timestamp has no UTC offset",
                "add the offset, e.g. 2026-11-20T16:05:00+00:00",
            )
        elif kind == "missing":
            yield SCHEMA.at(source.rel, line, col, f"missing required field {where}")
        else:
            yield SCHEMA.at(source.rel, line, col, f"{where or 'document'}: {err['msg']}")


def _strip_tags(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's discriminated-union tags (``timeline[3].status.to``) from a loc."""
    out: list[Any] = []
    for i, element in enumerate(loc):
        if isinstance(element, str) and i and isinstance(loc[i - 1], int):
            prev = loc[: i + 1]
            if element not in _fields_at(model, prev[:-1]) and _fields_at(model, prev):
                continue
        out.append(element)
    return tuple(out)
