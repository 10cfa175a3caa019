"""Throwaway git repositories for tests, built with the git CLI.

``git_env`` gives every git process (ours and incidentctl's) an identity and
shields it from the machine's configuration, so tests pass where git has never
been configured.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_ACTOR", raising=False)
    yield


class GitRepo:
    """A git work tree at ``root``; every method runs the git CLI."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def create(cls, root: Path, template: Path | None = FIXTURES / "base") -> GitRepo:
        """A repository on ``main`` whose first commit holds a copy of ``template``."""
        if template is not None:
            shutil.copytree(template, root)
        else:
            root.mkdir(parents=True)
        repo = cls(root)
        repo.git("init", "--quiet", "-b", "main")
        repo.git("config", "user.email", "test@example.com")
        repo.git("config", "user.name", "Test")
        repo.commit("initial")
        return repo

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            env={**os.environ, **GIT_ENV},
            check=False,
        )
        assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
        return proc.stdout.strip()

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def move(self, src: str, dst: str) -> None:
        (self.root / dst).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", src, dst)

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert text.count(old) == 1, f"{old!r} must occur once in {rel}"
        self.write(rel, text.replace(old, new))


def incident_text(
    incident_id: str = "INC-2026-0050",
    reported_at: str = "2026-11-20T09:00:00+00:00",
    *,
    status: str = "new",
    extra: str = "",
    entries: str = "",
) -> str:
    """A valid payroll incident in ``new``; ``entries`` are more timeline lines."""
    return (
        f"id: {incident_id}\n"
        "title: Payslips show last month's tax code\n"
        "description: |\n  Several employees see the old tax code on their payslip.\n"
        "reported_by: dana@example.com\n"
        f"reported_at: {reported_at}\n"
        "channel: email\n"
        "service: payroll\n"
        "category: application\n"
        "subcategory: error\n"
        "impact: medium\n"
        "urgency: medium\n"
        "priority: P3\n"
        f"status: {status}\n"
        f"{extra}"
        "timeline:\n"
        f"  - {{at: {reported_at}, by: dana@example.com, kind: reported}}\n"
        f"{entries}"
    )
