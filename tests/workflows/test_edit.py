"""Setting a workflow's install value: only that value changes, whatever surrounds it."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from incidentctl.errors import IncidentctlError, UsageError
from incidentctl.workflows.edit import quoted, set_install
from incidentctl.workflows.spec import DEFAULT_INSTALL, parse_install

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "src/incidentctl/templates/init/dot-github/workflows").glob("*.yml"))
ODD = 'tools/ünï "q" #1 \\x: [a]/incidentctl-0.1.0-py3-none-any.whl'
LEGACY = """\
jobs:
  check:
    env:
      INCIDENTCTL_VERSION: "0.0.9"   # the release we use
    steps:
      - name: Install incidentctl
        run: python -m pip install "incidentctl==${INCIDENTCTL_VERSION}"
      - run: |
          incidentctl validate
"""


def read(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


def changed_lines(old: str, new: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_only_the_value_changes_and_it_reads_back_exactly(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    edit = set_install(text, ODD, path.name)
    jobs = [name for name, job in read(text)["jobs"].items() if "env" in job]  # type: ignore[index]
    assert edit.jobs == jobs
    lines = changed_lines(text, edit.text)
    # sla.yml has two jobs: a hunk per job, each a - line then a + line
    assert sorted(lines) == sorted(
        [f'-      INCIDENTCTL_INSTALL: "{DEFAULT_INSTALL}"'] * len(jobs)
        + [f"+      INCIDENTCTL_INSTALL: {quoted(ODD)}"] * len(jobs)
    )
    for job in jobs:
        assert read(edit.text)["jobs"][job]["env"]["INCIDENTCTL_INSTALL"] == ODD  # type: ignore[index]
    back = set_install(edit.text, DEFAULT_INSTALL, path.name)
    assert back.text == text


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_accepted_value_round_trips_through_yaml(value: str) -> None:
    try:
        parse_install(value)
    except UsageError:
        return
    text = 'jobs:\n  a:\n    env: {INCIDENTCTL_INSTALL: "x"}  # flow style\n'
    edit = set_install(text, value, "w.yml")
    assert read(edit.text) == {"jobs": {"a": {"env": {"INCIDENTCTL_INSTALL": value}}}}
    assert edit.text.endswith("}  # flow style\n")


def test_without_a_value_each_job_keeps_its_own() -> None:
    text = (
        "jobs:\n  a:\n    env:\n      INCIDENTCTL_INSTALL: 'incidentctl==0.1.0'  # ours\n"
        "  b:\n    env:\n      INCIDENTCTL_INSTALL: >-\n        git+https://h.example/o/incidentctl\n"
        "  c:\n    runs-on: ubuntu-latest\n"
    )
    edit = set_install(text, None, "w.yml")
    assert edit.text == text and edit.jobs == []
    assert edit.values == {"a": "incidentctl==0.1.0", "b": "git+https://h.example/o/incidentctl"}
    edit = set_install(text, "incidentctl==0.1.0", "w.yml")
    assert edit.jobs == ["b"]
    assert "INCIDENTCTL_INSTALL: 'incidentctl==0.1.0'  # ours\n" in edit.text  # kept as written
    edit = set_install(text, "incidentctl==0.2.0", "w.yml")
    assert edit.jobs == ["a", "b"]
    assert edit.text == (
        'jobs:\n  a:\n    env:\n      INCIDENTCTL_INSTALL: "incidentctl==0.2.0"  # ours\n'
        '  b:\n    env:\n      INCIDENTCTL_INSTALL: "incidentctl==0.2.0"\n'
        "  c:\n    runs-on: ubuntu-latest\n"
    )


def test_a_workflow_that_installs_nothing_is_left_alone() -> None:
    for text in ["name: other\non: push\n", "jobs: []\n", "- a\n", "", "jobs:\n  a: {env: 1}\n"]:
        edit = set_install(text, "incidentctl==0.2.0", "w.yml")
        assert (edit.text, edit.jobs, edit.values) == (text, [], {})


def test_a_shared_env_anchor_is_edited_once() -> None:
    text = (
        "x-env: &env\n  INCIDENTCTL_INSTALL: incidentctl==0.1.0\n"
        "jobs:\n  a: {env: *env}\n  b: {env: *env}\n"
    )
    edit = set_install(text, "incidentctl==0.2.0", "w.yml")
    assert edit.text == text.replace("incidentctl==0.1.0", '"incidentctl==0.2.0"')
    assert edit.jobs == ["a", "b"]


def test_the_earlier_form_is_rewritten_to_the_install_value() -> None:
    edit = set_install(LEGACY, None, "w.yml")
    assert edit.jobs == ["check"]
    assert edit.text == LEGACY.replace(
        'INCIDENTCTL_VERSION: "0.0.9"', 'INCIDENTCTL_INSTALL: "incidentctl==0.0.9"'
    ).replace('"incidentctl==${INCIDENTCTL_VERSION}"', '"${INCIDENTCTL_INSTALL}"')
    again = set_install(edit.text, None, "w.yml")
    assert again.text == edit.text and again.jobs == []
    wheel = set_install(LEGACY, "tools/incidentctl-0.1.0-py3-none-any.whl", "w.yml")
    assert 'INCIDENTCTL_INSTALL: "tools/incidentctl-0.1.0-py3-none-any.whl"' in wheel.text


def test_the_earlier_form_used_elsewhere_is_not_half_rewritten() -> None:
    text = LEGACY.replace("incidentctl validate", 'echo "$INCIDENTCTL_VERSION"')
    with pytest.raises(IncidentctlError, match=r"w.yml:2: job check uses \$INCIDENTCTL_VERSION"):
        set_install(text, None, "w.yml")
    text = LEGACY.replace(
        'run: python -m pip install "incidentctl==${INCIDENTCTL_VERSION}"',
        'run: "python -m pip install \\"incidentctl==${INCIDENTCTL_VERSION}\\""',
    )
    with pytest.raises(IncidentctlError, match=r"w.yml:7: job check uses"):
        set_install(text, None, "w.yml")


def test_not_yaml_names_the_file_and_line() -> None:
    text = "jobs:\n  a:\n    env:\n      INCIDENTCTL_INSTALL: [\n"
    with pytest.raises(IncidentctlError, match=r"^\.github/workflows/w\.yml:5: not valid YAML"):
        set_install(text, "incidentctl==0.2.0", ".github/workflows/w.yml")


@pytest.mark.parametrize("value", ["{a: 1}", "[x]", "", "~"])
def test_a_value_that_is_not_a_string_is_refused_with_its_line(value: str) -> None:
    text = f"jobs:\n  a:\n    env:\n      INCIDENTCTL_INSTALL: {value}\n      B: c\n"
    with pytest.raises(IncidentctlError, match=r"w.yml:4: INCIDENTCTL_INSTALL of job a is not"):
        set_install(text, "incidentctl==0.2.0", "w.yml")
