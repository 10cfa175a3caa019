"""Form bodies as GitHub renders them -> answers, or what the caller must fix.

Each ``tests/fixtures/intake/<case>.md`` is a body; ``<case>.json`` holds the
expected answers or problems (UPDATE_GOLDEN=1 rewrites them; review the diff).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidentctl.errors import UsageError
from incidentctl.intake.parse import IssueEvent, interpret, read_event, sections, shown
from incidentctl.store.repo import load_repository
from tests.conftest import FIXTURES

CASES = sorted((FIXTURES / "intake").glob("*.md"))
EVENT = IssueEvent(
    number=7,
    title="[Incident]: Payroll export fails",
    body="",
    author="dana",
    url="https://github.com/acme/incidents/issues/7",
    created_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_golden_bodies(case: Path) -> None:
    policies = load_repository(FIXTURES / "base").policies
    body = case.read_bytes().decode("utf-8")
    answers, problems = interpret(replace(EVENT, body=body), policies)
    got = {
        "fields": answers.fields if answers else None,
        "configuration_item": answers.configuration_item if answers else None,
        "problems": problems,
    }
    golden = case.with_suffix(".json")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_free_text_is_kept_as_written() -> None:
    body = (FIXTURES / "intake/injection.md").read_text(encoding="utf-8")
    values = sections(body)
    assert values["title"] == "${{ github.token }} `$(curl http://127.0.0.1/x)`; rm -rf / #"
    assert values["description"].startswith("key: value\n- item: &anchor {a: *anchor}\n")
    assert "<script>alert(1)</script>" in values["description"]


def test_a_heading_inside_the_description_stays_in_it() -> None:
    body = (FIXTURES / "intake/multiline-markdown.md").read_text(encoding="utf-8")
    values = sections(body)
    assert values["configuration_item"] == "payroll-db-01"
    assert "### Steps I tried" in values["description"]
    assert "### Configuration item\n```" in values["description"]


def test_the_issue_title_stands_in_for_an_empty_title_field() -> None:
    policies = load_repository(FIXTURES / "base").policies
    body = (FIXTURES / "intake/complete.md").read_text(encoding="utf-8")
    body = body.replace("Payroll export fails with a timeout", "_No response_")
    answers, problems = interpret(replace(EVENT, body=body), policies)
    assert problems == [] and answers is not None
    assert answers.fields["title"] == "Payroll export fails"


def test_no_title_anywhere_is_a_problem() -> None:
    policies = load_repository(FIXTURES / "base").policies
    event = replace(EVENT, title="[Incident]: ", body="")
    answers, problems = interpret(event, policies)
    assert answers is None
    assert problems[0] == "**Title** is missing: say in one line what is broken."


@given(st.text(max_size=200))
def test_a_quoted_answer_never_leaves_its_code_span(value: str) -> None:
    quoted = shown(value)
    fence = quoted[: len(quoted) - len(quoted.lstrip("`"))]
    assert quoted.startswith(fence) and quoted.endswith(fence)
    inner = quoted[len(fence) : len(quoted) - len(fence)]
    assert fence not in inner and "\n" not in inner


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{", "is not JSON"),
        ('{"action": "push"}', "is not an issues event"),
        ('{"issue": {"number": "7"}}', "lacks a valid number"),
        (
            '{"issue": {"number": 7, "title": "t", "body": null, "user": {"login": "dana"},'
            ' "html_url": "https://x/issues/7", "created_at": "yesterday"}}',
            r"lacks a valid created_at \(ISO 8601 with offset\)",
        ),
        (
            '{"issue": {"number": 7, "title": "t", "body": null, "user": {"login": "dana"},'
            ' "html_url": "https://x/issues/7", "created_at": "2026-11-23T10:00:00"}}',
            "lacks a valid created_at",
        ),
        (
            '{"issue": {"number": 7, "title": "t", "user": "dana", "html_url": "u",'
            ' "created_at": "2026-11-23T10:00:00Z"}}',
            "lacks a valid user.login",
        ),
    ],
)
def test_a_bad_event_file_is_a_usage_error(tmp_path: Path, payload: str, message: str) -> None:
    path = tmp_path / "event.json"
    path.write_text(payload)
    with pytest.raises(UsageError, match=message) as info:
        read_event(path)
    assert str(path) in info.value.message


def test_a_null_body_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(
        json.dumps(
            {
                "action": "opened",
                "issue": {
                    "number": 7,
                    "title": "t",
                    "body": None,
                    "user": {"login": "dana"},
                    "html_url": "https://github.com/acme/incidents/issues/7",
                    "created_at": "2026-11-23T10:00:00Z",
                },
            }
        )
    )
    event = read_event(path)
    assert (event.body, event.author, event.created_at) == ("", "dana", EVENT.created_at)


def test_a_near_miss_is_named() -> None:
    policies = load_repository(FIXTURES / "base").policies
    body = (FIXTURES / "intake/complete.md").read_text(encoding="utf-8")
    body = body.replace("\nPayroll\n", "\nPayrol\n")
    _, problems = interpret(replace(EVENT, body=body), policies)
    assert problems == [
        "**Service** `Payrol` is not known: did you mean `Payroll`? Or choose one of `Payroll`."
    ]
