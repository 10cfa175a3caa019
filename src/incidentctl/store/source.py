"""A file's text plus a lazily built map from data paths to source positions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from incidentctl.store import yamlread


@dataclass(eq=False)
class Source:
    """The text of one file; ``rel`` is its POSIX path relative to the repository root.

    ``line_offset`` is the number of lines before the YAML starts (the opening
    ``---`` of a KB article's front matter).
    """

    rel: str
    text: str
    line_offset: int = 0
    _positions: dict[yamlread.Path, tuple[int, int]] | None = field(default=None, repr=False)

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
