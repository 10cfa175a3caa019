"""Contract: every request the GitHub client makes validates against GitHub's OpenAPI
description, served by Stoplight Prism (pinned in package.json) on 127.0.0.1.

Prism reports what does not match the description in the ``sl-violations`` response
header (and refuses invalid requests with 422); any violation fails the test.
Needs ``npm ci`` first: without node_modules the tests fail under CI=true and are
skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from incidentctl.escalation.github import GitHubTracker, Settings
from incidentctl.escalation.http import Policy, Redactor, ServiceError
from incidentctl.escalation.state import marker
from incidentctl.model.config import TrackerConfig
from tests.escalation import openapi
from tests.escalation.fake import FakeClock
from tests.escalation.run import check
from tests.escalation.scenario import RUN1

PRISM = openapi.ROOT / "node_modules/.bin/prism"
TOKEN = "ghs_contractTEST0000000000"


def _require_tools() -> None:
    missing = [p.name for p in (PRISM, openapi.SOURCE) if not p.exists()]
    if shutil.which("node") is None:
        missing.append("node")
    if missing:
        why = f"contract tests need {', '.join(missing)}: run `npm ci` at the repository root"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism in static mode on a free port of 127.0.0.1, stopped after the module."""
    _require_tools()
    folder = tmp_path_factory.mktemp("openapi")
    spec = openapi.write(folder / "github.json")
    port = _free_port()
    log = (folder / "prism.log").open("w")
    proc = subprocess.Popen(
        [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(spec)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: node's children go with it
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url, folder / "prism.log")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"Prism exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            httpx.get(f"{url}/repos/a/b/labels", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"Prism did not start within 90 s:\n{log.read_text()[-2000:]}")


class Checking(httpx.BaseTransport):
    """Records every ``sl-violations`` header Prism sends back."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.violations: list[str] = []
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.requests += 1
        found = json.loads(response.headers.get("sl-violations") or "[]")
        # violations of the request are the client's; those of the response are of
        # GitHub's own examples, which Prism serves as they are
        ours = [v for v in found if v.get("location", [""])[0] == "request"]
        if ours:
            self.violations.append(f"{request.method} {request.url.path}: {ours}")
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def transport() -> Iterator[Checking]:
    checking = Checking()
    yield checking
    assert checking.requests > 0
    assert checking.violations == []


def tracker(url: str, transport: Checking) -> GitHubTracker:
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/incidents", "GITHUB_API_URL": url}
    return GitHubTracker(
        Settings.load(env, TrackerConfig()),
        clock=FakeClock(),
        policy=Policy(max_wait=5, write_spacing=0),
        redact=Redactor(),
        budget=[0.0],
        transport=transport,
    )


def test_listing_and_reading_issues(prism: str, transport: Checking) -> None:
    t = tracker(prism, transport)
    assert all(issue.number > 0 for issue in t.issues())
    assert t.issue(1347).number > 0


def test_creating_updating_closing_and_commenting(prism: str, transport: Checking) -> None:
    t = tracker(prism, transport)
    key = "INC-2026-0050:respond"
    body = marker(key) + "\n**INC-2026-0050**: text"
    issue = t.create_issue("SLA respond: INC-2026-0050", body, ["incidentctl"], ["bob"], key)
    t.update_issue(issue.number, body=body, labels=["incidentctl", "sla-breach"], assignees=["a"])
    t.update_issue(issue.number, open=False)
    t.update_issue(issue.number, open=True)
    t.comment(issue.number, "escalated")


def test_opening_a_pull_request(prism: str, transport: Checking) -> None:
    pull = tracker(prism, transport).open_pull_request(
        "INC-2026-0060: new incident", "incident/INC-2026-0060", "main", "Filed from issue #12."
    )
    assert pull.number > 0


def test_labels_are_listed_and_created(prism: str, transport: Checking) -> None:
    created = tracker(prism, transport).ensure_labels(["incidentctl", "sla-breach"])
    assert created  # Prism's example list does not hold them


def test_a_whole_sla_check_run_speaks_the_contract(
    prism: str, transport: Checking, scenario_repo: Path
) -> None:
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/incidents", "GITHUB_API_URL": prism}
    result = check(scenario_repo, None, RUN1, page=False, env=env, transport=transport)
    assert result.code == 1, result.out  # breached, and no error
    assert "error:" not in result.out and "4 done, 0 failed" in result.out


def test_a_request_outside_the_description_is_caught(prism: str) -> None:
    # the check itself can fail: a body GitHub would refuse is reported by Prism
    checking = Checking()
    t = tracker(prism, checking)
    with pytest.raises(ServiceError, match="HTTP 422"):
        t.http.request("PATCH", f"{t.base}/issues/1", json={"state": "done", "title": ["x"]})
    assert len(checking.violations) == 1 and "state" in checking.violations[0]
    with pytest.raises(ServiceError, match="HTTP 422"):
        t.http.request("POST", f"{t.base}/issues", json={"body": "no title"})
    assert "title" in checking.violations[1]
