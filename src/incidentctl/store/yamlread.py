"""A fast, safe YAML reader built on libyaml's event stream.

Why not ``yaml.load`` or ruamel.yaml: ruamel's loaders are pure Python and about
15 times slower than libyaml; PyYAML's loaders keep the last of duplicate keys,
expand alias bombs and recurse (a deeply nested file crashes the C composer).
Building the data from libyaml's events ourselves is iterative, refuses aliases and
duplicate keys on the fast path, bounds the depth, and records source positions
only when asked (``positions``), which is done only for files that have findings.
Findings do not depend on the libyaml build: its own nesting limit (1,000 levels
from PyYAML 6.0.4 on) is reported as our ``too-deep``, where our limit would be
reached, and the pure-Python event stream gives the same results (tested).

Most files never reach libyaml: :mod:`incidentctl.store.yamlsimple` reads the plain
YAML that records and policy files are written in, line by line, to the same data
(tested against both event streams), and declines everything else, which is read
here. PyYAML is imported only then, on the first declined text: a command whose
files are all plain (``validate FILE``, ``show``) never pays for its import.

Scalars follow the YAML 1.2 core schema (``yes``/``no``/``on``/``off`` are
strings, as in ruamel.yaml, which does the round-trip edits), plus YAML
timestamps, which become ``date`` or ``datetime`` objects.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import TYPE_CHECKING, Any

from incidentctl.store import yamlsimple
from incidentctl.store.yamlscalar import plain

if TYPE_CHECKING:
    import yaml

_TAG = "tag:yaml.org,2002:"

# PyYAML's loader class: CSafeLoader (libyaml), else SafeLoader. Chosen by ``_loader``
# on the first text the fast path declines, so that a process whose files are all in
# the plain subset never imports PyYAML (20-40 ms of its start).
_Loader: Any = None

MAX_DEPTH = 64

Path = tuple[str | int, ...]


class YamlProblem(Exception):
    """A file that cannot be read as data; ``kind`` selects the rule."""

    def __init__(self, kind: str, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column


def _tagged(tag: str, value: str, event: Any) -> Any:
    kind = tag[len(_TAG) :] if tag.startswith(_TAG) else None
    if tag == "!" or kind == "str":
        return value
    if kind in ("int", "float", "bool", "null", "timestamp"):
        return plain(value)
    raise _problem("yaml-syntax", f"the tag {tag} is not allowed here", event)


def _problem(kind: str, message: str, event: Any) -> YamlProblem:
    mark = event.start_mark
    return YamlProblem(kind, message, mark.line + 1, mark.column + 1)


def _duplicate_key(key: Any, event: Any) -> YamlProblem:
    return _problem("duplicate-key", f'duplicate key "{key}" in this mapping', event)


def _loader() -> Any:
    """The loader class, chosen on first need (tests set ``_Loader`` to compare)."""
    global _Loader
    if _Loader is None:
        try:
            from yaml import CSafeLoader as loader
        except ImportError:  # pragma: no cover - PyYAML built without libyaml: same results
            from yaml import SafeLoader as loader  # type: ignore[assignment]
        _Loader = loader
    return _Loader


def _load(text: str, positions: dict[Path, tuple[int, int]] | None) -> Any:
    import yaml

    loader = _loader()(text)
    try:
        return _build(loader, positions)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line, mark.column) if mark else (0, 0)
        if _is_resource_limit(exc):
            raise _too_deep_before(text, line, col) from None
        message = exc.problem or str(exc)
        if exc.context:
            message = f"{exc.context}: {message}"
        raise YamlProblem("yaml-syntax", message, line + 1, col + 1) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("yaml-syntax", str(exc), 1, 1) from None
    finally:
        loader.dispose()


def _is_resource_limit(exc: yaml.MarkedYAMLError) -> bool:
    """Whether libyaml refused the text for its own nesting limit, not for its syntax.

    libyaml 0.2.5 as bundled with PyYAML 6.0.4 stops at 1,000 flow or block levels
    ("while increasing flow level: exceeded maximum nesting depth"); older builds
    have no limit. Its scanner looks ahead, so it can refuse a file before the
    events reach our own, lower limit.
    """
    return "exceeded maximum" in (exc.problem or "")


def _too_deep_before(text: str, line: int, column: int) -> YamlProblem:
    """The ``too-deep`` problem our own limit finds in the text before libyaml's stop.

    Everything before the 0-based ``line``/``column`` where libyaml stopped is
    nested less deeply than its limit, so reading that prefix again reaches our
    limit (64 < 1,000) where it would have reached it in the whole text: the
    finding and its line are the same on every libyaml build.
    """
    lines = text.split("\n", line + 1)
    prefix = "\n".join([*lines[:line], lines[line][:column] if line < len(lines) else ""])
    import yaml

    loader = _loader()(prefix)
    try:
        _build(loader, None)
    except YamlProblem as problem:
        if problem.kind == "too-deep":
            return problem
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return YamlProblem(
        "too-deep", f"the data is nested deeper than {MAX_DEPTH} levels", line + 1, column + 1
    )


def load(text: str) -> Any:
    """Parse one YAML document into plain Python data, or raise ``YamlProblem``.

    Text in the plain subset that incident files are written in is read by the fast
    path (:mod:`incidentctl.store.yamlsimple`), to the same data; the rest by libyaml.
    """
    data = yamlsimple.load(text)
    if data is not None:
        return data
    return _load(text, None)


def positions(text: str) -> dict[Path, tuple[int, int]]:
    """Map every data path to the 1-based (line, column) of its value.

    A path ending in ``KEY`` gives the position of a mapping key instead.
    Only called for files that have findings, so it may cost a second parse.
    """
    out: dict[Path, tuple[int, int]] = {}
    with contextlib.suppress(YamlProblem):
        _load(text, out)
    return out


KEY = "\x00key"


def comparable(value: Any) -> Any:
    """Data as written, for comparing two versions of a record.

    Timestamps compare by their text, so the same instant written with another
    offset counts as an edit.
    """
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _build(loader: Any, pos: dict[Path, tuple[int, int]] | None) -> Any:
    import yaml

    # Each frame: [container, pending key or _NOKEY, path]. Scalars, four events in
    # five, take the first branch and go straight into their container.
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    nokey = _NOKEY
    get_event = loader.get_event
    scalar_t, map_t, seq_t = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    while True:
        event = get_event()
        etype = type(event)
        if etype is scalar_t:
            tag = event.tag
            if tag is None or tag == "?":
                value: Any = plain(event.value) if event.implicit[0] else event.value
            else:
                value = _tagged(tag, event.value, event)
            if stack and pos is None:
                frame = stack[-1]
                container = frame[0]
                if type(container) is list:
                    container.append(value)
                    continue
                key = frame[1]
                if key is not nokey:
                    container[key] = value
                    frame[1] = nokey
                elif value in container:
                    raise _duplicate_key(value, event)
                else:
                    frame[1] = value
                continue
        elif etype is map_t or etype is seq_t:
            value = {} if etype is map_t else []
            if event.tag is not None and event.tag not in (_TAG + "map", _TAG + "seq"):
                raise _problem("yaml-syntax", f"the tag {event.tag} is not allowed here", event)
        elif etype is yaml.MappingEndEvent or etype is yaml.SequenceEndEvent:
            stack.pop()
            continue
        elif etype is yaml.AliasEvent:
            raise _problem(
                "yaml-alias",
                f"aliases (*{event.anchor}) are not allowed in incidentctl files",
                event,
            )
        elif etype is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _problem("yaml-syntax", "only one YAML document is allowed per file", event)
            continue
        elif etype is yaml.StreamEndEvent:
            return root
        else:
            continue

        if not stack:
            root = value
            path: Path = ()
            if pos is not None:
                pos[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
        else:
            frame = stack[-1]
            container = frame[0]
            if type(container) is dict:
                key = frame[1]
                if key is nokey:
                    if type(value) in (dict, list):
                        raise _problem("yaml-syntax", "complex mapping keys are not allowed", event)
                    if value in container:
                        raise _duplicate_key(value, event)
                    frame[1] = value
                    if pos is not None:
                        pos[(*frame[2], value, KEY)] = (
                            event.start_mark.line + 1,
                            event.start_mark.column + 1,
                        )
                    continue
                container[key] = value
                frame[1] = nokey
                path = (*frame[2], key) if pos is not None else ()
            else:
                path = (*frame[2], len(container)) if pos is not None else ()
                container.append(value)
            if pos is not None:
                pos[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
        if etype is map_t or etype is seq_t:
            if len(stack) >= MAX_DEPTH:
                raise _problem(
                    "too-deep", f"the data is nested deeper than {MAX_DEPTH} levels", event
                )
            stack.append([value, nokey, path])


class _NoKey:
    __slots__ = ()


_NOKEY = _NoKey()
