"""Markers and the record kept in an issue body; escaping of user text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from incidentctl.escalation.state import Record, key_of, marker, record_of
from incidentctl.escalation.text import escape

NAMES = st.lists(st.sampled_from(["notify@50", "escalate@75", "breach", "x@62.5"]), unique=True)


def test_the_marker_is_found_on_the_first_line_only() -> None:
    assert key_of(marker("INC-2026-0042:resolve") + "\ntext") == "INC-2026-0042:resolve"
    assert key_of("quoted:\n" + marker("INC-2026-0042:resolve")) is None
    assert key_of(None) is None
    assert key_of("<!-- incidentctl:INC-2026-0042:other -->") is None


@given(NAMES, NAMES, NAMES, st.booleans())
def test_a_record_survives_the_body(
    steps: list[str], paged: list[str], chat: list[str], resolved: bool
) -> None:
    record = Record(steps, paged, chat, resolved)
    body = f"{marker('INC-2026-0001:respond')}\nsome text\n{record.render()}\n"
    assert record_of(body) == record


def test_a_damaged_record_is_empty_not_an_error() -> None:
    assert record_of("<!-- incidentctl-state {not json} -->") == Record()
    assert record_of("<!-- incidentctl-state [1] -->") == Record()
    assert record_of('<!-- incidentctl-state {"steps": [1, "breach"]} -->').steps == ["breach"]


@given(st.text())
def test_escaped_user_text_cannot_forge_a_marker_or_mention(text: str) -> None:
    out = escape(text)
    assert "<" not in out and ">" not in out and "@" not in out and "\n" not in out
    assert key_of(out) is None
    assert record_of(out) == Record()
