"""The fast YAML reader: types, positions and hostile input."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
import yaml.scanner

from incidentctl.store import yamlread, yamlscalar
from incidentctl.store.yamlread import KEY, YamlProblem, load, positions

LOADERS = {"libyaml": yaml.CSafeLoader, "pure-python": yaml.SafeLoader}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=sorted(LOADERS))
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with libyaml's event stream and again with PyYAML's pure-Python one."""
    monkeypatch.setattr(yamlread, "_Loader", LOADERS[request.param])
    return str(request.param)


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


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-09T11:30:00+00:00",
        "2026-02-09T11:30:00-05:30",
        "2026-02-30T11:30:00+00:00",
        "2026-02-09T25:30:00+00:00",
        "2026-02-09T11:30:60+00:00",
        "2026-02-09T11:30:00+24:00",
        "2026-02-09T11:30:00+0000",
    ],
)
def test_the_shortcut_for_written_timestamps_resolves_as_the_patterns_do(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shortcut = yamlscalar.plain(text)
    monkeypatch.setattr(yamlscalar, "_OFFSET_DATETIME", re.compile(r"(?!)"))
    general = yamlscalar.plain(text)
    assert type(shortcut) is type(general) and shortcut == general


def test_a_number_longer_than_python_converts_stays_text() -> None:
    # int() refuses more than 4,300 digits: a schema finding, not an internal error
    digits = "1" * 5000
    assert load(f"a: {digits}\nb: [{digits}]\n") == {"a": digits, "b": [digits]}
    assert yamlread._load(f"a: {digits}\n", None) == {"a": digits}


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
def test_problems_are_located(loader: str, text: str, kind: str, line: int) -> None:
    with pytest.raises(YamlProblem) as info:
        load(text)
    assert (info.value.kind, info.value.line) == (kind, line)


FLOW_DEEP = "a: " + "[" * 200_000 + "]" * 200_000
BLOCK_DEEP = "a:\n" + "".join("  " * i + "- \n" for i in range(1_500))
MAP_DEEP = "x:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(1_500)) + " " * 1_502 + "v\n"


@pytest.mark.parametrize(
    ("text", "where"),
    [(FLOW_DEEP, (1, 67)), (BLOCK_DEEP, (65, 127)), (MAP_DEEP, (65, 65))],
    ids=["flow", "block-sequence", "block-mapping"],
)
def test_extreme_nesting_neither_recurses_nor_crashes(
    loader: str, text: str, where: tuple[int, int]
) -> None:
    # libyaml's own composer segfaults on this; the event reader stops at 64 levels,
    # at the collection that opens the 65th, whichever event stream reads it
    with pytest.raises(YamlProblem) as info:
        load(text)
    assert (info.value.kind, info.value.line, info.value.column) == ("too-deep", *where)


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's pure-Python loader with a nesting limit in its scanner, as libyaml has.

    libyaml 0.2.5 (bundled with PyYAML 6.0.4) raises "while increasing flow level:
    exceeded maximum nesting depth" at 1,000 levels, and its look-ahead can raise it
    before the events reach our own limit. This reproduces that on any build, with a
    limit of 100 so that the look-ahead case is exercised without huge inputs.
    """

    LIMIT = 100

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        if self.flow_level >= self.LIMIT:
            mark = self.get_mark()
            raise yaml.scanner.ScannerError(
                "while increasing flow level", mark, "exceeded maximum nesting depth", mark
            )
        super().fetch_flow_collection_start(token_class)  # type: ignore[misc]

    def add_indent(self, column: int) -> bool:
        if len(self.indents) >= self.LIMIT:
            mark = self.get_mark()
            raise yaml.scanner.ScannerError(
                "while increasing block level", mark, "exceeded maximum nesting depth", mark
            )
        return bool(super().add_indent(column))  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [FLOW_DEEP, BLOCK_DEEP, MAP_DEEP, "a:\n  b: " + "{c: " * 150 + "1" + "}" * 150],
    ids=["flow", "block-sequence", "block-mapping", "flow-in-block"],
)
def test_the_yaml_librarys_own_nesting_limit_is_our_too_deep_finding(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yamlread, "_Loader", yaml.SafeLoader)
    with pytest.raises(YamlProblem) as unlimited:
        load(text)
    monkeypatch.setattr(yamlread, "_Loader", _LimitedLoader)
    with pytest.raises(YamlProblem) as limited:
        load(text)
    assert limited.value.kind == "too-deep"
    assert (limited.value.line, limited.value.column, limited.value.message) == (
        unlimited.value.line,
        unlimited.value.column,
        unlimited.value.message,
    )


def test_a_limit_hit_before_our_own_is_still_too_deep(monkeypatch: pytest.MonkeyPatch) -> None:
    # a library limit lower than ours: nothing deeper than it can be read, so the
    # finding is where the library stopped
    monkeypatch.setattr(_LimitedLoader, "LIMIT", 10)
    monkeypatch.setattr(yamlread, "_Loader", _LimitedLoader)
    with pytest.raises(YamlProblem) as info:
        load("a: " + "[" * 20 + "]" * 20)
    assert (info.value.kind, info.value.line) == ("too-deep", 1)


def test_alias_bomb_is_refused_without_expanding(loader: str) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(YamlProblem) as info:
        load("\n".join(lines))
    # refused at the first alias, on line 2: nothing was expanded
    assert (info.value.kind, info.value.line, info.value.column) == ("yaml-alias", 2, 8)


def test_pyyaml_is_imported_only_for_a_text_the_fast_path_declines(tmp_path: Path) -> None:
    """The project's policies, KB articles and records are all plain YAML: reading
    them costs no import of PyYAML (20-40 ms of every process's start)."""
    root = tmp_path / "repo"
    for folder in ("policies", "kb", "incidents"):
        shutil.copytree(ROOT / folder, root / folder)
    record = root / "incidents/2026/INC-2026-0042.yaml"

    def imports_yaml(*args: str) -> str:
        script = (
            "import sys\n"
            "from incidentctl.__main__ import run\n"
            f"sys.argv = ['incidentctl', '--repo', {str(root)!r}, *{list(args)!r}]\n"
            "try:\n    run()\nexcept SystemExit as e:\n    code = e.code\nelse:\n    code = 0\n"
            "print(code, 'yaml' in sys.modules, file=sys.stderr)\n"
        )
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        return run.stderr.splitlines()[-1]

    now = "2026-11-23T12:00:00+00:00"
    assert imports_yaml("validate", str(record), "--now", now) == "0 False"
    assert imports_yaml("show", "INC-2026-0042") == "0 False"
    # a tag is read by libyaml: PyYAML is imported then, and reads it as before
    (root / "incidentctl.yaml").write_text("default_branch: !!str main\n", encoding="utf-8")
    assert imports_yaml("validate", str(record), "--now", now) == "0 True"
