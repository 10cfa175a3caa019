"""commands/audit.py: progress on a terminal only, quiet in CI and in pipes."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from incidentctl.audit import replay
from incidentctl.commands.audit import AuditRequest, execute
from incidentctl.store.repo import load_repository
from tests.audit.conftest import History, history  # noqa: F401


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def make_request(h: History, progress: io.StringIO, env: dict[str, str]) -> AuditRequest:
    return AuditRequest(
        repo=load_repository(h.root),
        since=None,
        until=None,
        format="json",
        record=False,
        now=datetime(2026, 11, 23, tzinfo=UTC),
        env=env,
        progress=progress,
    )


@pytest.mark.parametrize(
    ("stream", "env", "shown"),
    [(Terminal(), {}, True), (Terminal(), {"CI": "true"}, False), (io.StringIO(), {}, False)],
)
def test_progress_only_on_a_terminal_outside_ci(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    stream: io.StringIO,
    env: dict[str, str],
    shown: bool,
) -> None:
    h: History = request.getfixturevalue("history")
    h.open_record()
    monkeypatch.setattr(replay, "PROGRESS_EVERY", 1)
    out = io.StringIO()
    assert execute(make_request(h, stream, env), out) == 0
    assert out.getvalue().startswith("{")
    expected = "\raudited 1 commits...\raudited 2 commits...\r\x1b[K" if shown else ""
    assert stream.getvalue() == expected
