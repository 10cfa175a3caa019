"""A site repository: the base repository plus hostile and draft KB fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.site.browser import browser, page  # noqa: F401 (fixtures of the browser tests)

SITE_FIXTURES = FIXTURES / "site"


def make_site_repo(root: Path, config: str | None = None) -> Path:
    """Copy base + site fixtures into ``root``; ``config`` is written as incidentctl.yaml."""
    shutil.copytree(FIXTURES / "base", root)
    shutil.copytree(SITE_FIXTURES, root, dirs_exist_ok=True)
    if config is not None:
        (root / "incidentctl.yaml").write_text(config, encoding="utf-8")
    return root


@pytest.fixture
def site_repo(tmp_path: Path) -> Path:
    return make_site_repo(tmp_path / "repo")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Keep each phase's report on the test item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def require_zensical() -> None:
    """Skip without Zensical locally; fail when ``CI=true`` (it is in the test extra)."""
    import importlib.util
    import os

    if importlib.util.find_spec("zensical") is None:
        message = "zensical is not installed (pip install -e '.[test]')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
