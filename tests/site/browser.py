"""Headless Chromium for the browser tests, driven by Playwright with the system browser.

Chromium comes from the distribution (``apt-get install chromium``), never from
``playwright install``. Without it the tests skip locally and fail when ``CI=true``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("INCIDENTCTL_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("INCIDENTCTL_TEST_ARTIFACTS", "test-artifacts"))


def require_chromium() -> str:
    """The browser's path; skip (locally) or fail (CI=true) when it is missing."""
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the playwright package is not installed (pip install -e '.[test]')"
    if problem is None and not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        problem = f"no Chromium at {CHROMIUM} (apt-get install -y chromium chromium-driver)"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("profile")  # a fresh user-data dir
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=executable, args=ARGS, headless=True
        )
        yield context
        context.close()


class Watched:
    """A page with every console error, dialog and request recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def pwned(self) -> object:
        return self.page.evaluate("() => window.__pwned")


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    """A new tab; on failure its screenshot goes to test-artifacts/<test>.png."""
    tab = browser.new_page()
    yield Watched(tab)
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    tab.close()
