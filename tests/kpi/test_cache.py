"""The facts cache's rows and key: a row gives back the very facts, the key all it depends on."""

from __future__ import annotations

from dataclasses import replace

from incidentctl.kpi.cache import cache_key, decode, encode, zone_fingerprint
from tests.kpi.helpers import facts_at


def test_a_row_gives_back_the_very_facts() -> None:
    facts = [replace(f, clocks=()) for f in facts_at()]
    assert len(facts) == 7
    assert decode([encode(f) for f in facts]) == facts
    offsets = {f.id: f.reported_at.utcoffset() for f in decode([encode(f) for f in facts])}
    assert offsets == {f.id: f.reported_at.utcoffset() for f in facts}


def test_damaged_rows_are_none_in_their_place() -> None:
    good = [encode(replace(f, clocks=())) for f in facts_at()[:2]]
    for damaged in ("{not json", "[1, 2]", "1, 2", '"text"', "", "null"):
        got = decode([good[0], damaged, good[1]])
        assert got[1] is None, damaged
        assert got[0] is not None and got[2] is not None
        assert (got[0].id, got[2].id) == ("INC-2026-0001", "INC-2026-0002")


def test_the_key_changes_with_what_decides_the_facts() -> None:
    policies = {"sla": "a: 1\n", "priority": "b: 2\n"}
    key = cache_key(policies, ["Europe/London"], 1000)
    assert cache_key(dict(policies), ["Europe/London"], 1000) == key
    assert cache_key({**policies, "sla": "a: 2\n"}, ["Europe/London"], 1000) != key
    assert cache_key(policies, ["America/New_York"], 1000) != key
    assert cache_key(policies, ["Europe/London"], 999) != key  # a record may now be too large


def test_zone_rules_come_from_the_tz_database() -> None:
    assert zone_fingerprint(["UTC", "Europe/London"]) == zone_fingerprint(["Europe/London", "UTC"])
    assert zone_fingerprint(["Europe/London"]) != zone_fingerprint(["Europe/Paris"])
