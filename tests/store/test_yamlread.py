"""The fast YAML reader: types, positions and hostile input."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from incidentctl.store.yamlread import KEY, YamlProblem, load, positions


def test_scalars_follow_yaml_1_2_core_plus_timestamps() -> None:
    data = load(
        "a: 2026-11-20T16:05:00+01:00\nb: 2026-12-24\nc: yes\nd: NO\ne: ~\nf: 1.5\n"
        "g: 010\nh: '42'\ni: 2026-11-20T16:05:00Z\nj: 2026-11-20 16:05:00\nk: true\n"
    )
    assert data == {
        "a": datetime(2026, 11, 20, 16, 5, tzinfo=timezone(timedelta(hours=1))),
        "b": date(2026, 12, 24),
        "c": "yes",
        "d": "NO",
        "e": None,
        "f": 1.5,
        "g": 10,
        "h": "42",
        "i": datetime(2026, 11, 20, 16, 5, tzinfo=UTC),
        "j": datetime(2026, 11, 20, 16, 5),
        "k": True,
    }


def test_invalid_dates_stay_strings() -> None:
    assert load("a: 2026-13-45\n") == {"a": "2026-13-45"}


def test_positions_point_at_keys_and_items() -> None:
    pos = positions("a: 1\nb:\n  - {x: 1}\n  - y\n")
    assert pos[("a", KEY)] == (1, 1)
    assert pos[("b", 0, "x")] == (3, 9)
    assert pos[("b", 1)] == (4, 5)


@pytest.mark.parametrize(
    ("text", "kind", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", "duplicate-key", 3),
        ("a: &x [1]\nb: *x\n", "yaml-alias", 2),
        ("a: [\n", "yaml-syntax", 2),
        ("a: 1\n---\nb: 2\n", "yaml-syntax", 2),
        ("a: !!python/object:os.system x\n", "yaml-syntax", 1),
        ("? [a]\n: 1\n", "yaml-syntax", 1),
        ("a: " + "[" * 65 + "]" * 65 + "\n", "too-deep", 1),
    ],
)
def test_problems_are_located(text: str, kind: str, line: int) -> None:
    with pytest.raises(YamlProblem) as info:
        load(text)
    assert (info.value.kind, info.value.line) == (kind, line)


def test_extreme_nesting_neither_recurses_nor_crashes() -> None:
    # libyaml's own composer segfaults on this; the event reader stops at 64 levels
    with pytest.raises(YamlProblem) as info:
        load("a: " + "[" * 200_000 + "]" * 200_000)
    assert info.value.kind == "too-deep"


def test_alias_bomb_is_refused_without_expanding() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    with pytest.raises(YamlProblem) as info:
        load("\n".join(lines))
    assert info.value.kind == "yaml-alias"
    assert time.perf_counter() - start < 5  # generous: expanding it would take minutes
