"""Audit points in git notes: the ancestry and digest questions ``audit/seal.py`` asks.

Beside ``store/git.py`` and ``store/gitlog.py``: every git call of the audit's
tamper evidence, one process per question.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from incidentctl.store import git
from incidentctl.store.gitlog import stream_blobs

NOTES_REF = "refs/notes/incidentctl"


def ancestors(root: Path, revision: str) -> set[str]:
    """Every commit reachable from ``revision`` (one ``git rev-list``)."""
    return set(git._run(root, ["rev-list", revision]).stdout.decode().split())


def missing_commits(root: Path, gone: str, head: str) -> list[str] | None:
    """Commits reachable from ``gone`` but not from ``head`` (None if ``gone`` is unknown)."""
    proc = git._run(root, ["rev-list", gone, f"^{head}"], check=False)
    return proc.stdout.decode().split() if proc.returncode == 0 else None


def tree_digest(root: Path, revision: str, folder: str) -> tuple[str, int]:
    """A SHA-256 over the paths and blob IDs under ``folder`` at ``revision``; file count."""
    out = git._run(root, ["ls-tree", "-r", "-z", revision, "--", folder]).stdout
    entries = sorted(e for e in out.split(b"\0") if e)
    return "sha256:" + hashlib.sha256(b"\0".join(entries)).hexdigest(), len(entries)


def read_notes(root: Path) -> dict[str, dict[str, object]]:
    """Annotated commit -> the JSON note incidentctl stored on it (unreadable notes skipped)."""
    proc = git._run(root, ["notes", f"--ref={NOTES_REF}", "list"], check=False)
    pairs = [line.split() for line in proc.stdout.decode().splitlines()]
    pairs = [p for p in pairs if len(p) == 2]
    notes: dict[str, dict[str, object]] = {}
    for (_, commit), raw in zip(pairs, stream_blobs(root, [p[0] for p in pairs]), strict=True):
        try:
            value = json.loads(raw or b"")
        except ValueError:
            continue
        if isinstance(value, dict):
            notes[commit] = value
    return notes


def add_note(root: Path, commit: str, note: dict[str, object]) -> None:
    """Store ``note`` as JSON on ``commit`` in ``refs/notes/incidentctl`` (replacing one)."""
    body = json.dumps(note, sort_keys=True)
    proc = git._run(
        root, ["notes", f"--ref={NOTES_REF}", "add", "-f", "-F", "-", commit], stdin=body.encode()
    )
    del proc
