"""The reader's fast path: the plain YAML that incident and policy files are written in.

Incident files use a small part of YAML: block mappings whose keys are plain words,
block sequences, plain and single-line quoted scalars, literal block scalars (``|``,
``|-``), one-line flow collections of scalars and comments at the end of a line.
Policy files add one construct: in a one-line flow mapping, a value may be a flow
sequence of scalars (``{assignees: [bob, carol], mention: "@acme/desk"}``). For text
made only of those, this module builds the same data as the event-stream reader
(:mod:`incidentctl.store.yamlread`) in well under 60 % of its time, line by line,
with the same scalar resolution; the lines that recur from record to record are
looked up in a small memo of what they read to. Anything else, and anything that
might be an error, is declined (``None`` comes back) and read by libyaml as before:
the fast path never reports a problem and never has to decide a doubtful case. It
declines, among others: tabs, carriage returns and every character Python does not
call printable (which YAML does not print either, and more: no-break spaces too);
anchors, aliases and tags; double-quoted scalars with escapes; quoted and multi-line
scalars that span lines; folded and kept block scalars, indentation indicators,
leading blank lines in a block scalar; every other nesting of flow collections (a
collection in a flow sequence, a flow mapping in a flow mapping, a collection as a
key); a comment or a line break inside a flow collection, an empty entry or a
trailing comma; duplicate keys; document markers other than one leading ``---``;
explicit keys; a value on the line after its key; a key or flow token that a YAML
library might read otherwise (a ``?`` or ``#`` in a flow scalar, a flow scalar
starting with ``-``, a single-pair mapping ``[a: b]`` in a flow sequence).

``tests/store/test_yamlsimple.py`` compares it with the event-stream reader on
generated and on mutated text: whatever it accepts must read the same, with both of
PyYAML's event streams.
"""

from __future__ import annotations

import re
from typing import Any

from incidentctl.store.yamlscalar import MAYBE_RESOLVED, plain

_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_./-]{0,200}):(?: +|\Z)")
_SINGLE = re.compile(r"'((?:[^']|'')*)'(?: +#.*| *)\Z")
_DOUBLE = re.compile(r'"([^"\\]*)"(?: +#.*| *)\Z')
_START_NOT_PLAIN = frozenset("-?:,[]{}#&*!|>'\"%@`")
# A plain scalar in a flow collection: it does not start with an indicator (nor with
# "-", "?" or ":", which may), holds no flow indicator, "#" or "?" (libyaml and
# PyYAML's own scanner differ on "?"), and a ":" in it is followed by such a character.
_FLOW_PLAIN_TEXT = r"[^-?:,\[\]{}#&*!|>'\"%@` ][^\s,\[\]{}#:?]*(?:(?::| +)[^\s,\[\]{}#:?]+)*"
_FLOW_SPECIAL = re.compile(r"[\[\]{}#?'\"]")
# one token of a one-line flow collection, with the separator after it
_FLOW_TOKEN = re.compile(
    r" *(?:'((?:[^']|'')*)'|\"([^\"\\]*)\"|(" + _FLOW_PLAIN_TEXT + r"))"
    r" *(:(?: +|(?=[,}\]]))|,|[\]}])"
)
_AFTER_FLOW = re.compile(r"(?: +#.*| *)\Z")
_MAX_DEPTH = 40  # well under the reader's 64, so ``too-deep`` is always the reader's

# What a block mapping's line ``key: plain scalar`` (without its indentation) reads to,
# and a flow mapping's pair, and a flow sequence's item, for the text that recurs from
# record to record (``status: new``, ``kind: status``): a look-up instead of the work.
# Only immutable results are kept (keys and scalars), only of text read without
# declining, each kind apart (block and flow read the same text differently), and a
# memo is emptied when full.
_LINES: dict[str, tuple[Any, Any]] = {}
_PAIRS: dict[str, tuple[Any, Any]] = {}
_ITEMS: dict[str, Any] = {}
_MEMO_SIZE = 4096


class _Declined(Exception):
    pass


def load(text: str) -> Any:
    """The data of ``text`` if it is in the simple subset, else ``None``.

    ``None`` is never a successful result: a document whose data is null is not in
    the subset.
    """
    if not text.endswith("\n"):
        return None
    try:
        return _Reader(text.split("\n")).document()
    except _Declined:
        return None


class _Reader:
    __slots__ = ("after", "contents", "indents", "lines", "size")

    def __init__(self, lines: list[str]) -> None:
        if not all(map(str.isprintable, lines)):
            # tabs, carriage returns, NEL, LS, PS, a byte-order mark, no-break spaces
            # and every other character Python does not print
            raise _Declined
        self.lines = lines
        self.contents = contents = [line.lstrip(" ") for line in lines]
        self.indents = [len(a) - len(b) for a, b in zip(lines, contents, strict=True)]
        self.size = size = len(lines)
        # after[i]: the first line from i on that is neither blank nor a comment
        after = [size] * (size + 1)
        following = size
        for i in range(size - 1, -1, -1):
            c = contents[i]
            if c and c[0] != "#":
                following = i
            after[i] = following
        self.after = after

    def document(self) -> Any:
        contents, size = self.contents, self.size
        i = self.after[0]
        if i < size and contents[i][:3] == "---":
            rest = contents[i][3:]
            if self.indents[i] or not _AFTER_FLOW.match(rest):
                raise _Declined
            i = self.after[i + 1]
        if i >= size or self.indents[i]:
            raise _Declined
        return self.mapping(i, 0, contents[i], 1)[0]

    def mapping(self, i: int, column: int, first: str, depth: int) -> tuple[dict[Any, Any], int]:
        """A block mapping whose keys start at ``column``; ``first`` is line ``i``'s text."""
        if depth > _MAX_DEPTH:
            raise _Declined
        out: dict[Any, Any] = {}
        contents, indents, size, after = self.contents, self.indents, self.size, self.after
        content = first
        lines = _LINES
        while True:
            pair = lines.get(content)
            if pair is not None:  # a plain scalar read before: the next line is next
                key, value = pair
                if key in out:
                    raise _Declined
                out[key] = value
                i = after[i + 1]
            else:
                i = self.entry(i, content, column, depth, out)
            if i >= size or indents[i] < column:
                return out, i
            if indents[i] > column:
                raise _Declined
            content = contents[i]

    def entry(self, i: int, content: str, column: int, depth: int, out: dict[Any, Any]) -> int:
        """Line ``i``'s key and its value (``content``: the line's text) into ``out``;
        the next significant line."""
        m = _KEY.match(content)
        if m is None:
            raise _Declined
        key = m.group(1)
        if key[0] in MAYBE_RESOLVED:
            key = plain(key)
        if key in out:
            raise _Declined
        rest = content[m.end() :]
        after = self.after
        if not rest or rest[0] == "#":
            j = after[i + 1]
            contents, indents = self.contents, self.indents
            if j < self.size and (
                indents[j] > column or (indents[j] == column and _is_item(contents[j]))
            ):
                out[key], i = self.block(j, depth + 1)
            else:
                out[key] = None
                i = j
        elif rest[0] not in _START_NOT_PLAIN:
            out[key] = value = _block_plain(rest)
            _remember(_LINES, content, (key, value))
            i = after[i + 1]
        else:
            out[key], i = self.value(i, rest, column)
        return i

    def sequence(self, i: int, column: int, depth: int) -> tuple[list[Any], int]:
        """A block sequence whose dashes are at ``column``."""
        if depth > _MAX_DEPTH:
            raise _Declined
        out: list[Any] = []
        contents, indents, size, after = self.contents, self.indents, self.size, self.after
        while True:
            content = contents[i]
            if not _is_item(content):
                return out, i
            rest = content[1:].lstrip(" ")
            if not rest or rest[0] == "#":
                j = after[i + 1]
                if j < size and indents[j] > column:
                    value, i = self.block(j, depth + 1)
                else:
                    value, i = None, j
            elif rest[0] == "{" or rest[0] == "[":  # a timeline's entries: no key, no scalar
                value, i = _flow(rest), after[i + 1]
            elif _KEY.match(rest):
                value, i = self.mapping(i, column + len(content) - len(rest), rest, depth + 1)
            else:
                value, i = self.value(i, rest, column)
            out.append(value)
            if i >= size or indents[i] < column:
                return out, i
            if indents[i] > column:
                raise _Declined

    def block(self, j: int, depth: int) -> tuple[Any, int]:
        """The block collection that starts on significant line ``j``."""
        content = self.contents[j]
        if _is_item(content):
            return self.sequence(j, self.indents[j], depth)
        return self.mapping(j, self.indents[j], content, depth)

    def value(self, i: int, rest: str, parent: int) -> tuple[Any, int]:
        """The scalar or flow collection ``rest`` on line ``i``, and the next line."""
        first = rest[0]
        if first == "|":
            return self.literal(i, rest, parent)
        if first == "[" or first == "{":
            return _flow(rest), self.after[i + 1]
        if first == "'":
            m = _SINGLE.match(rest)
            if m is None:
                raise _Declined
            return m.group(1).replace("''", "'"), self.after[i + 1]
        if first == '"':
            m = _DOUBLE.match(rest)
            if m is None:
                raise _Declined
            return m.group(1), self.after[i + 1]
        if first in _START_NOT_PLAIN:
            raise _Declined
        return _block_plain(rest), self.after[i + 1]

    def literal(self, i: int, header: str, parent: int) -> tuple[str, int]:
        """A literal block scalar (``|`` keeps one final newline, ``|-`` none)."""
        header = header.rstrip(" ")
        if header == "|":
            final = "\n"
        elif header == "|-":
            final = ""
        else:
            raise _Declined
        lines, contents, indents, size = self.lines, self.contents, self.indents, self.size
        i += 1
        if i >= size or not contents[i]:
            raise _Declined  # empty, or leading blank lines
        indent = indents[i]
        if indent <= parent:
            raise _Declined
        text: list[str] = []
        blank = 0
        while i < size:
            if not contents[i]:
                if len(lines[i]) > indent:
                    raise _Declined  # spaces past the indentation are content
                blank += 1
            elif indents[i] < indent:
                break
            else:
                if blank:
                    text.append("\n" * blank)
                    blank = 0
                text.append(lines[i][indent:])
                text.append("\n")
            i += 1
        text[-1] = final
        return "".join(text), self.after[i]


def _block_plain(rest: str) -> Any:
    """A plain scalar that ends its line (``rest`` does not start with an indicator)."""
    cut = rest.find(" #")
    if cut >= 0:
        rest = rest[:cut]
    rest = rest.rstrip(" ")
    if ": " in rest or rest[-1] == ":":
        raise _Declined
    return plain(rest) if rest[0] in MAYBE_RESOLVED else rest


def _is_item(content: str) -> bool:
    return content[:2] == "- " or content == "-"


def _flow(text: str) -> Any:
    """A one-line flow sequence or mapping of scalars (a mapping's value may also be a
    flow sequence of scalars); the rest of the line a comment."""
    closing = "]" if text[0] == "[" else "}"
    end = text.find(closing)
    if end < 0:
        raise _Declined
    inner = text[1:end]
    if _FLOW_SPECIAL.search(inner):
        return _flow_tokens(text, closing)
    if not _AFTER_FLOW.match(text, end + 1):
        raise _Declined
    bad_start = _START_NOT_PLAIN
    resolved = MAYBE_RESOLVED
    if closing == "]":
        items: list[Any] = []
        if inner.strip(" "):
            known_items = _ITEMS
            for part in inner.split(","):
                item = known_items.get(part, _NOKEY)
                if item is not _NOKEY:
                    items.append(item)
                    continue
                text = part.strip(" ")
                if not text or text[0] in bad_start or text[-1] == ":" or ": " in text:
                    raise _Declined
                item = plain(text) if text[0] in resolved else text
                _remember(known_items, part, item)
                items.append(item)
        return items
    out: dict[Any, Any] = {}
    if inner.strip(" "):
        known_pairs = _PAIRS
        for part in inner.split(","):
            pair = known_pairs.get(part)
            if pair is not None:
                if pair[0] in out:
                    raise _Declined
                out[pair[0]] = pair[1]
                continue
            k, separator, v = part.partition(": ")
            k = k.strip(" ")
            v = v.strip(" ")
            if (
                not (separator and k and v)
                or k[0] in bad_start
                or v[0] in bad_start
                or v[-1] == ":"
                or ": " in v
                or len(k) > 1000  # libyaml's keys end at 1,024 characters
            ):
                raise _Declined
            key = plain(k) if k[0] in resolved else k
            if key in out:
                raise _Declined
            out[key] = value = plain(v) if v[0] in resolved else v
            _remember(known_pairs, part, (key, value))
    return out


def _remember(memo: dict[str, Any], text: str, result: Any) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[text] = result


def _flow_tokens(text: str, closing: str) -> Any:
    """``_flow`` for a line with quoted scalars or an inner sequence: token by token."""
    mapping = closing == "}"
    out: Any = {} if mapping else []
    pos = 1
    key: Any = _NOKEY
    token = _FLOW_TOKEN
    while True:
        m = token.match(text, pos)
        if m is None:
            if key is _NOKEY:
                raise _Declined
            # a pair's value that is a flow sequence of scalars (a team's assignees)
            out[key], pos = _inner_sequence(text, pos)
            key = _NOKEY
            m = _AFTER_INNER.match(text, pos)
            if m is None:
                raise _Declined  # a key, a scalar or a second collection after it
            pos = m.end()
            if m.group(1) == closing:
                break
            if text[pos:].lstrip(" ")[:1] in ("]", "}", ","):
                raise _Declined  # a trailing or doubled comma
            continue
        single, double, bare, separator = m.groups()
        if bare is not None:
            value: Any = plain(bare)
        elif single is not None:
            value = single.replace("''", "'")
        else:
            value = double
        pos = m.end()
        if mapping:
            if key is _NOKEY:
                if separator[0] != ":" or bare is None or len(bare) > 1000 or value in out:
                    raise _Declined
                if separator == ":":
                    raise _Declined  # a key without a value
                key = value
                continue
            if separator[0] == ":":
                raise _Declined
            out[key] = value
            key = _NOKEY
        elif separator[0] == ":":
            raise _Declined  # a single-pair mapping inside a sequence
        else:
            out.append(value)
        if separator == closing:
            break
        if separator != "," or text[pos:].lstrip(" ")[:1] in ("]", "}", ","):
            raise _Declined  # the other closing bracket, or a trailing or doubled comma
    if not _AFTER_FLOW.match(text, pos):
        raise _Declined
    return out


def _inner_sequence(text: str, pos: int) -> tuple[list[Any], int]:
    """The flow sequence of scalars that starts at ``pos`` (after spaces) as a value in
    a flow mapping, and the position after its ``]``.

    Its items are the tokens of ``_FLOW_TOKEN``, so a scalar reads as it does in the
    outer collection (the flow context is the same at every flow level); a
    collection in it, a single-pair mapping (``[a: b]``) and a trailing or doubled
    comma are declined.
    """
    m = _OPEN_INNER.match(text, pos)
    if m is None:
        raise _Declined
    pos = m.end()
    items: list[Any] = []
    if text.startswith("]", pos):
        return items, pos + 1
    token = _FLOW_TOKEN
    while True:
        m = token.match(text, pos)
        if m is None:
            raise _Declined
        single, double, bare, separator = m.groups()
        if separator != "," and separator != "]":
            raise _Declined  # a single-pair mapping, or the mapping's "}"
        if bare is not None:
            items.append(plain(bare))
        elif single is not None:
            items.append(single.replace("''", "'"))
        else:
            items.append(double)
        pos = m.end()
        if separator == "]":
            return items, pos
        if text[pos:].lstrip(" ")[:1] in ("]", "}", ","):
            raise _Declined  # a trailing or doubled comma


_OPEN_INNER = re.compile(r" *\[ *")
_AFTER_INNER = re.compile(r" *([,}])")
_NOKEY = object()  # a flow mapping's key not read yet
