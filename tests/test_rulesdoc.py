"""docs/rules.md is generated from the registry and must be current."""

from __future__ import annotations

from pathlib import Path

from incidentctl import rulesdoc

DOC = Path(__file__).parents[1] / "docs" / "rules.md"


def test_rules_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == rulesdoc.markdown(), (
        "docs/rules.md is out of date: run `incidentctl rules --markdown > docs/rules.md`"
    )


def test_every_rule_has_documentation_beyond_its_summary_or_a_clear_summary() -> None:
    for rule in rulesdoc.all_rules():
        assert rule.summary.endswith("."), rule.code
        assert rule.name == rule.name.lower() and " " not in rule.name
