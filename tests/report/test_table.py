"""``aligned``: the layout of every text table."""

from __future__ import annotations

from incidentctl.report.table import aligned


def test_columns_are_padded_to_their_widest_cell_but_the_last() -> None:
    rows = [("ID", "STATE", "NOTE"), ("INC-1", "ok", "short"), ("INC-22", "breached", "")]
    assert aligned(rows) == [
        "ID      STATE     NOTE",
        "INC-1   ok        short",
        "INC-22  breached",
    ]


def test_no_line_ends_in_spaces_and_a_long_last_cell_widens_nothing() -> None:
    rows = [("a", "b "), ("", "a much longer last cell"), ("", "")]
    assert aligned(rows) == ["a  b", "   a much longer last cell", ""]


def test_one_column_and_no_columns() -> None:
    assert aligned([("x",), ("longer",)]) == ["x", "longer"]
    assert aligned([(), ()]) == ["", ""]
    assert aligned([]) == []
