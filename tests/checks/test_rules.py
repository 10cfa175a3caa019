"""Rule cases as data: tests/checks/cases/<CODE>.yaml, one file per rule.

Each case starts from the valid base repository, writes, edits or deletes files,
runs every check at a fixed ``now`` and compares the findings, as
``CODE@path:line``, with ``expect`` exactly: no finding missing, none extra.
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from incidentctl.checks.run import run
from incidentctl.diagnostics import RULES
from incidentctl.store.repo import load_repository
from tests.conftest import FIXTURES, NOW

CASES = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            params.append(pytest.param(doc["rule"], case, id=f"{path.stem}:{case['name']}"))
    return params


def _apply(root: Path, case: dict[str, Any]) -> None:
    for src, dst in (case.get("copy") or {}).items():
        (root / dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / src, root / dst)
    for rel, text in (case.get("files") or {}).items():
        target = root / rel
        if text is None:
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for rel, data in (case.get("binary") or {}).items():
        (root / rel).write_bytes(base64.b64decode(data))
    for rel, edits in (case.get("edit") or {}).items():
        target = root / rel
        text = target.read_text(encoding="utf-8")
        for old, new in edits:
            assert text.count(old) == 1, f"edit {old!r} must match exactly once in {rel}"
            text = text.replace(old, new)
        target.write_text(text, encoding="utf-8")


def _found(root: Path, use_cache: bool = False) -> list[str]:
    diags = run(load_repository(root, use_cache=use_cache), NOW)
    return sorted(f"{d.code}@{d.path}" + (f":{d.line}" if d.line else "") for d in diags)


@pytest.mark.parametrize(("rule", "case"), _cases())
def test_rule_case(tmp_path: Path, rule: str, case: dict[str, Any]) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", root)
    _apply(root, case)
    assert _found(root) == sorted(case["expect"])


@pytest.mark.parametrize(("rule", "case"), _cases())
def test_rule_case_over_an_index_of_the_repository_before(
    tmp_path: Path, rule: str, case: dict[str, Any]
) -> None:
    """The index of the base repository never hides or invents a finding of the case.

    The base is indexed as of long ago (files older than the run that read them, so
    the index trusts every unchanged file and reuses its verdict); the case's edits
    must show through it, whether they touch the file itself or what it depends on
    (a KB article, a linked incident, a parent). A second run then reuses the new
    verdicts and must agree again.
    """
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", root)
    for path in root.rglob("*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    assert _found(root, use_cache=True) == []
    _apply(root, case)
    assert _found(root, use_cache=True) == sorted(case["expect"])
    assert _found(root, use_cache=True) == sorted(case["expect"])


def test_every_rule_has_a_case_that_triggers_it() -> None:
    # CHGxxx rules compare two git versions of a file (tests/checks/test_changes.py covers
    # them); AUDxxx rules replay a git history (tests/audit covers them)
    triggered = {code for code in RULES if code.startswith(("CHG", "AUD"))}
    for param in _cases():
        rule, case = param.values
        if any(e.startswith(f"{rule}@") for e in case["expect"]):
            triggered.add(rule)
    assert sorted(set(RULES) - triggered) == []


def test_base_repository_is_clean(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "base", root)
    assert _found(root) == []
