"""``Document``: edits spliced into the text; the text is read again only when needed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incidentctl.store.yamledit import Document, EditError

TEXT = """\
id: INC-2026-0001  # the record
status: in_progress
timeline:
  - {at: 2026-11-23T09:00:00+00:00, by: ann, kind: reported}
  - {at: 2026-11-23T09:10:00+00:00, by: bob, kind: status, from: new, to: in_progress}
"""
NOTE = {
    "at": datetime(2026, 11, 23, 10, tzinfo=UTC),
    "by": "bob",
    "kind": "note",
    "text": "Looking.",
}


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    reads: list[int] = []
    real = Document._parse

    def counted(self: Document) -> object:
        reads.append(1)
        return real(self)

    monkeypatch.setattr(Document, "_parse", counted)
    return reads


def test_one_edit_reads_the_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _counting(monkeypatch)
    doc = Document(TEXT)
    doc.append("timeline", NOTE)
    assert len(reads) == 1  # the result is not read again: the caller reads it back
    assert doc.text == TEXT + (
        "  - {at: 2026-11-23T10:00:00+00:00, by: bob, kind: note, text: Looking.}\n"
    )


def test_a_second_edit_sees_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _counting(monkeypatch)
    doc = Document(TEXT)
    doc.append("timeline", NOTE)
    doc.set("status", "on_hold")
    doc.set("hold_reason", "awaiting_vendor")
    assert len(reads) == 3  # once at first, then before each edit after another
    lines = doc.text.splitlines()
    assert lines[0] == "id: INC-2026-0001  # the record"
    assert lines[1] == "status: on_hold"
    assert lines[-2].endswith("text: Looking.}")
    assert lines[-1] == "hold_reason: awaiting_vendor"


@pytest.mark.parametrize("text", ["id: [unclosed\n", "- a list\n"])
def test_a_text_that_cannot_be_edited_is_refused_at_once(text: str) -> None:
    with pytest.raises(EditError):
        Document(text)
