"""Fixtures of the escalation tests: the fake services and a small incident repository."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.escalation.fake import FakeServer, serve
from tests.escalation.scenario import build_repository


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    yield from serve()


@pytest.fixture
def scenario_repo(tmp_path: Path) -> Path:
    """The base repository plus a breached P1, a warning P3 and a P2 (see scenario.py)."""
    return build_repository(tmp_path / "repo")
