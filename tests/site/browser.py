"""Headless Chromium for the browser tests, driven by Playwright with the system browser.

Chromium comes from the distribution (``apt-get install chromium``), never from
``playwright install``. Without it the tests skip locally and fail when ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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
