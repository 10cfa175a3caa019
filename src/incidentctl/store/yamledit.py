"""Edits of a YAML record that leave every byte outside the edited lines as it was.

ruamel.yaml's round-trip loader (``YAML(typ="rt")``) parses the document: key
order, the line of every key and sequence item, and each node's flow style. The
edit is then spliced into the text line by line. Why not ruamel's dumper:
it drops alignment whitespace (``key:   value``), re-spaces flow mappings and
writes timestamps with a space instead of ``T``, so a one-line edit would
rewrite lines the user never touched. The caller re-reads the result to verify
the data (``commands.authoring``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from incidentctl.store import yamlread


class EditError(Exception):
    """The document cannot be edited (not a mapping, or a shape we do not splice)."""


def _plain_ok(text: str) -> bool:
    if not text or text != text.strip() or any(c in text for c in "\n\r\t\x85\u2028\u2029"):
        return False
    try:
        block = yamlread.load(f"k: {text}\n")
        flow = yamlread.load(f"k: {{a: {text}}}\n")
    except yamlread.YamlProblem:
        return False
    return bool(block == {"k": text} and flow == {"k": {"a": text}})


def render_scalar(value: Any) -> str:
    """One scalar as YAML that reads back as ``value``, in a block or a flow mapping."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if _plain_ok(text):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    if yamlread.load(f"k: {quoted}\n") != {"k": text}:
        quoted = json.dumps(text)  # e.g. a line separator, which YAML would fold
    return quoted


def render_flow(value: Any) -> str:
    """A scalar, a flow sequence ``[a, b]`` or a flow mapping ``{k: v, ...}``."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {render_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_flow(v) for v in value) + "]"
    return render_scalar(value)


def render_block(value: Mapping[str, Any], indent: int) -> list[str]:
    """A mapping as block lines (nested lists and mappings in flow style)."""
    pad = " " * indent
    return [f"{pad}{k}: {render_flow(v)}" for k, v in value.items()]


def _scalar_end(line: str, start: int) -> int:
    """Where a one-line scalar starting at ``start`` ends (before a trailing comment)."""
    body = line.rstrip("\r\n")
    if start < len(body) and body[start] in "'\"":
        quote, i = body[start], start + 1
        while i < len(body):
            if quote == '"' and body[i] == "\\":
                i += 2
                continue
            if body[i] == quote:
                if quote == "'" and body[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        return len(body)
    for i in range(start, len(body)):
        if body[i] == "#" and body[i - 1] in " \t":
            return len(body[:i].rstrip())
    return len(body.rstrip())


class Document:
    """A YAML mapping document being edited; ``text`` is the current result.

    ``order`` is the preferred key order: a new key goes after the nearest key
    that precedes it there.
    """

    def __init__(self, text: str, order: Sequence[str] = ()) -> None:
        self.order = list(order)
        self.newline = "\r\n" if "\r\n" in text.split("\n", 1)[0] + "\n" else "\n"
        if text and not text.endswith("\n"):
            text += self.newline
        self.lines = text.splitlines(keepends=True)
        self._data: CommentedMap | None = self._parse()  # a text it cannot edit: refused now

    @property
    def text(self) -> str:
        return "".join(self.lines)

    @property
    def data(self) -> CommentedMap:
        """The document as read now, with the positions of its keys and items; read
        again only when an edit needs it after another (the last edit's text is not:
        a caller reads the result back itself)."""
        if self._data is None:
            self._data = self._parse()
        return self._data

    def _parse(self) -> CommentedMap:
        yaml = YAML(typ="rt")
        try:
            data = yaml.load(self.text)
        except YAMLError as exc:
            raise EditError(f"cannot parse the document: {exc}") from None
        if not isinstance(data, CommentedMap):
            raise EditError("the document is not a mapping")
        return data

    def _span(self, key: str) -> tuple[int, int]:
        """Lines [start, end) of a top-level key and its value, without trailing comments."""
        start = self.data.lc.key(key)[0]
        later = [self.data.lc.key(k)[0] for k in self.data if self.data.lc.key(k)[0] > start]
        end = min(later) if later else len(self.lines)
        while end > start + 1:
            raw = self.lines[end - 1]
            if raw.strip() and not raw.startswith("#"):
                break
            end -= 1
        return start, end

    def _splice(self, start: int, end: int, new: Sequence[str]) -> None:
        self.lines[start:end] = [line + self.newline for line in new]
        self._data = None  # stale positions: read again if another edit comes

    def _insert_at(self, key: str) -> int:
        present = list(self.data)
        if key in self.order:
            before = self.order[: self.order.index(key)]
            anchors = [k for k in present if k in before]
            if anchors:
                return max(self._span(k)[1] for k in anchors)
            after = [k for k in present if k in self.order[self.order.index(key) :]]
            if after:
                return min(self._span(k)[0] for k in after)
        return self._span(present[-1])[1] if present else len(self.lines)

    def set(self, key: str, value: Any, *, flow: bool = True) -> None:
        """Set a top-level key; a scalar on one line keeps the line's comment and spacing."""
        if key in self.data:
            start, end = self._span(key)
            old = self.data[key]
            line, col = self.data.lc.value(key)
            simple = not isinstance(old, CommentedMap | CommentedSeq) and old is not None
            if (
                simple
                and not isinstance(value, Mapping | list)
                and end - start == 1
                and line == start
                and self.lines[line][col : col + 1] not in ("|", ">")
            ):
                text = self.lines[line]
                stop = _scalar_end(text, col)
                self._splice(
                    line, line + 1, [text[:col] + render_scalar(value) + text[stop:].rstrip("\r\n")]
                )
                return
            if isinstance(old, CommentedMap):
                flow = bool(old.fa.flow_style())
            self._splice(start, end, self._render(key, value, flow))
        else:
            at = self._insert_at(key)
            self._splice(at, at, self._render(key, value, flow))

    def _render(self, key: str, value: Any, flow: bool) -> list[str]:
        if isinstance(value, Mapping) and not flow:
            return [f"{key}:", *render_block(value, self.indent)]
        return [f"{key}: {render_flow(value)}"]

    @property
    def indent(self) -> int:
        """The file's block indentation (from the timeline), 2 when it cannot tell."""
        timeline = self.data.get("timeline")
        if isinstance(timeline, CommentedSeq) and timeline and not timeline.fa.flow_style():
            line, col = timeline.lc.item(0)
            dash = self.lines[line].find("-")
            return dash if 0 < dash < col else 2
        return 2

    def remove(self, key: str) -> None:
        """Remove a top-level key and its value (nothing if it is absent)."""
        if key in self.data:
            start, end = self._span(key)
            self._splice(start, end, [])

    def append(self, key: str, item: Mapping[str, Any]) -> None:
        """Append a mapping to the block sequence under ``key``, in its items' style."""
        seq = self.data.get(key)
        if not isinstance(seq, CommentedSeq) or not seq:
            raise EditError(f"{key} is not a non-empty list")
        start, end = self._span(key)
        if seq.fa.flow_style():
            # a flow sequence: rewrite it as a block list of flow mappings
            old = yamlread.load(self.text)[key]
            lines = [f"{key}:", *(f"  - {render_flow(v)}" for v in [*old, item])]
            self._splice(start, end, lines)
            return
        line, col = seq.lc.item(len(seq) - 1)
        dash = self.lines[line].rfind("-", 0, col)
        last = seq[-1]
        if isinstance(last, CommentedMap) and not last.fa.flow_style():
            first, *rest = render_block(item, 0)
            new = [" " * dash + "-" + " " * (col - dash - 1) + first]
            new += [" " * col + r for r in rest]
        else:
            new = [" " * dash + "-" + " " * max(col - dash - 1, 1) + render_flow(item)]
        self._splice(end, end, new)
