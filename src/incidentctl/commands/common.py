"""What several commands share: the clock option and opening the repository."""

from __future__ import annotations

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
    return load_repository(root)
