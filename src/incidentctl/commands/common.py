"""What several commands share: the clock option and opening the repository."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from incidentctl.errors import UsageError
from incidentctl.store.repo import Repository, find_root, load_repository


def parse_now(value: str | None, option: str = "--now") -> datetime:
    """The instant given on the command line, or the current time (the only clock read)."""
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option}: {value!r} is not an ISO 8601 timestamp",
            "write e.g. 2026-11-23T12:00:00+00:00",
        ) from None
    if parsed.tzinfo is None:
        raise UsageError(
            f"{option}: {value!r} has no UTC offset", "add one, e.g. 2026-11-23T12:00:00+00:00"
        )
    return parsed


def open_repository(repo: Path | None, cwd: Path) -> Repository:
    root = repo.resolve() if repo is not None else find_root(cwd)
    if repo is not None and not root.is_dir():
        raise UsageError(f"--repo: {repo} is not a directory")
    # the record cache is on unless INCIDENTCTL_NO_CACHE is set (read here, at the edge)
    return load_repository(root, use_cache=not os.environ.get("INCIDENTCTL_NO_CACHE"))


def default_actor(root: Path, env: Mapping[str, str]) -> str:
    """Who acts when ``--by`` is not given: the git user's email, else ``$GITHUB_ACTOR``."""
    from incidentctl.store import git

    email = git.config_value(root, "user.email") if git.is_repository(root) else None
    actor = email or env.get("GITHUB_ACTOR")
    if not actor:
        raise UsageError(
            "--by: who is acting? no git user.email is set and $GITHUB_ACTOR is empty",
            'pass --by NAME, or set git config user.email "you@example.com"',
        )
    return actor
