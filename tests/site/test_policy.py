"""The SLA policy page: the matrix, targets, calendars and services as tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentctl.model.policy import CalendarSpec
from incidentctl.site import policy
from incidentctl.site.context import build_context
from incidentctl.store.repo import load_repository
from tests.conftest import NOW


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ("24x7", "24 × 7"),
        (
            {d: ["09:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "Mon–Fri 09&#58;00&#45;17&#58;30; Sat–Sun closed",
        ),
        (
            {"mon": ["08:00-12:00", "13:00-18:00"], "wed": ["09:00-17:00"]},
            "Mon 08&#58;00&#45;12&#58;00, 13&#58;00&#45;18&#58;00; Tue closed;"
            " Wed 09&#58;00&#45;17&#58;00; Thu–Sun closed",
        ),
    ],
)
def test_working_hours_join_runs_of_equal_days(hours: object, expected: str) -> None:
    spec = CalendarSpec.model_validate({"timezone": "UTC", "hours": hours})
    assert policy.hours(spec) == expected


def test_the_page_holds_every_part_of_the_policy(site_repo: Path) -> None:
    section = policy.section(build_context(load_repository(site_repo), NOW))
    assert section is not None
    [page] = section.pages
    assert page.path == "sla/index.md"
    text = page.text
    assert "| **high** | P1 | P2 | P3 |" in text  # the matrix row of high impact
    assert "| **P3** | 4 h | 16 h | london&#45;office |" in text
    assert "| payroll | P2 | — | 4 h | — |" in text  # the service override
    assert "Holds that pause the clock: awaiting&#95;caller, awaiting&#95;vendor" in text
    assert "| 75 % | functional escalation to the next support tier |" in text
    assert "GB ENG" in text and "2026&#45;12&#45;24" in text
    assert "Reopen window: 7 d (wall-clock)" in text
