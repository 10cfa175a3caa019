"""A file's text plus a lazily built map from data paths to source positions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from incidentctl.store import yamlread


class Source:
    """The text of one file; ``rel`` is its POSIX path relative to the repository root.

    ``line_offset`` is the number of lines before the YAML starts (the opening
    ``---`` of a KB article's front matter). With ``load`` instead of ``text``, the
    text is read when first asked for: a record rebuilt from the index for a file
    known to be unchanged needs its text only if a message needs a position.
    """

    __slots__ = ("_load", "_positions", "_text", "line_offset", "rel")

    def __init__(
        self,
        rel: str,
        text: str | None = None,
        line_offset: int = 0,
        *,
        load: Callable[[], str] | None = None,
    ) -> None:
        self.rel = rel
        self.line_offset = line_offset
        self._text = text
        self._load = load
        self._positions: dict[yamlread.Path, tuple[int, int]] | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self._load() if self._load is not None else ""
            self._load = None
        return self._text

    def __repr__(self) -> str:
        return f"Source(rel={self.rel!r})"

    def forget_positions(self) -> None:
        """Let the source positions go (a record kept for later comparison); ``locate``
        computes them again if it is ever asked."""
        self._positions = None

    def locate(self, loc: Sequence[Any], *, key: bool = False) -> tuple[int, int]:
        """The (line, column) of the data at ``loc``, or of its nearest ancestor.

        Elements of ``loc`` that are not in the data (pydantic's union tags, a
        missing field's name) are skipped, so a missing field is reported on the
        line of the mapping that lacks it. A value on its key's line is reported
        at the value; a block below its key, or ``key=True``, at the key.
        """
        if self._positions is None:
            self._positions = yamlread.positions(self.text)
        pos = self._positions
        path: tuple[Any, ...] = ()
        for element in loc:
            candidate = (*path, element)
            if candidate in pos:
                path = candidate
        key_pos = pos.get((*path, yamlread.KEY))
        value_pos = pos.get(path)
        if key_pos is not None and (key or value_pos is None or value_pos[0] != key_pos[0]):
            found = key_pos
        else:
            found = value_pos or key_pos or (1, 1)
        return found[0] + self.line_offset, found[1]
