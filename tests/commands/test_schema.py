"""`incidentctl schema`: JSON Schemas that accept the files the validator accepts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.commands.schema import KINDS, schema_for
from tests.conftest import FIXTURES


def _as_json(value: object) -> object:
    """YAML data as JSON would carry it: dates and timestamps become strings."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def test_writes_every_kind(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{k}.schema.json" for k in KINDS)
    for path in tmp_path.iterdir():
        schema = json.loads(path.read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    ("kind", "rel"),
    [
        ("incident", "incidents/2026/INC-2026-0042.yaml"),
        ("sla", "policies/sla.yaml"),
        ("priority", "policies/priority.yaml"),
        ("services", "policies/services.yaml"),
        ("categories", "policies/categories.yaml"),
    ],
)
def test_fixture_files_validate_against_their_schema(kind: str, rel: str) -> None:
    result = CliRunner().invoke(main, ["schema", kind], catch_exceptions=False)
    schema = json.loads(result.stdout)
    data = _as_json(yaml.safe_load((FIXTURES / "base" / rel).read_text()))
    jsonschema.Draft202012Validator(schema).validate(data)


def test_schema_rejects_unknown_keys() -> None:
    result = CliRunner().invoke(main, ["schema", "incident"], catch_exceptions=False)
    schema = json.loads(result.stdout)
    assert schema["additionalProperties"] is False


def test_unknown_kind_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["schema", "ticket"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "unknown file kind 'ticket'" in result.stderr


def test_bundled_schemas_are_current() -> None:
    root = FIXTURES.parents[1] / "schemas"
    for kind in KINDS:
        written = json.loads((root / f"{kind}.schema.json").read_text(encoding="utf-8"))
        assert written == schema_for(kind), (
            f"schemas/{kind}.schema.json is out of date: run `incidentctl schema --out schemas`"
        )
