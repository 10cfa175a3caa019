"""Source positions: computed when a message needs them, and again after being let go."""

from __future__ import annotations

from incidentctl.store.source import Source

TEXT = "id: INC-1\ntimeline:\n  - at: 2026-11-20T10:00:00Z\n    kind: reported\n"


def test_positions_come_back_after_being_forgotten() -> None:
    source = Source("incidents/x.yaml", TEXT)
    first = source.locate(("timeline", 0, "kind"))
    assert first == (4, 11)
    source.forget_positions()
    assert source._positions is None
    assert source.locate(("timeline", 0, "kind")) == first
    assert source._positions is not None
