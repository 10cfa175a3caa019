"""Aligned text tables: the layout every ``--format text`` table shares."""

from __future__ import annotations

from collections.abc import Sequence


def aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """Each row of cells as a line: two spaces between columns, each column but the
    last padded to its widest cell, no trailing spaces.

    Column by column, not row by row: a column is padded by one comprehension and a
    line joined by one call, which takes 100,000 rows in a fraction of the time.
    """
    if not rows or not rows[0]:
        return ["" for _ in rows]
    return aligned_columns(list(zip(*rows, strict=True)))


def aligned_columns(columns: Sequence[Sequence[str]]) -> list[str]:
    """``aligned`` of a table given column by column (each with its header first)."""
    padded = [_padded(cells) for cells in columns[:-1]]
    return [line.rstrip() for line in map("  ".join, zip(*padded, columns[-1], strict=True))]


def _padded(cells: Sequence[str]) -> list[str]:
    width = max(map(len, cells))
    return [cell.ljust(width) for cell in cells]
