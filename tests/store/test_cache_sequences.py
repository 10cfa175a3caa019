"""The index against no index, over random sequences of what happens to a repository.

Each sequence edits records in place, writes them as ``git checkout`` does (a new
file renamed into place, which moves the folder's mtime), breaks one, adds one,
removes one, touches one or puts an old mtime back; after each step a command runs
twice, with the index and with ``INCIDENTCTL_NO_CACHE=1``, and both must print the
same. Half the sequences fork the stat child for any number of files and settle
around changed files whatever their share, so that every way through the index is
taken: the snapshot's comparison, the walk beside the stats, the usual way.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from tests.conftest import NOW

COMMANDS = (
    ["validate"],
    ["list", "--open", "--format", "json"],
    ["list", "--format", "json"],
    ["sla", "status", "--format", "json"],
    ["kpi", "--format", "json"],
)
STEPS = 8


def _run(root: Path, args: list[str], cached: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    if cached:
        monkeypatch.delenv("INCIDENTCTL_NO_CACHE", raising=False)
    else:
        monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    result = CliRunner().invoke(
        main, ["--repo", str(root), *args, "--now", NOW.isoformat()], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def _records(root: Path) -> list[Path]:
    return sorted((root / "incidents").glob("*/*.yaml"))


def _checkout(path: Path, text: str) -> None:
    new = path.with_name(path.name + ".tmp")
    new.write_text(text)
    new.replace(path)


def _step(rng: random.Random, root: Path) -> str:
    """One thing that happens to the repository; what it was, for the message."""
    records = _records(root)
    path = rng.choice(records)
    text = path.read_text()
    kind = rng.choice(
        ["edit", "checkout", "checkout-same", "break", "add", "remove", "touch", "old-mtime"]
    )
    if kind == "edit":
        path.write_text(text.replace("\ntitle: ", "\ntitle: Again ", 1))
    elif kind == "checkout":
        _checkout(path, text.replace("\ntitle: ", "\ntitle: Checked out ", 1))
    elif kind == "checkout-same":
        _checkout(path, text)
    elif kind == "break":
        path.write_text(text + "unknown_key: 1\n")
    elif kind == "add":
        old_id = path.stem
        new_id = f"{old_id[:9]}{rng.randint(8000, 8999)}"
        target = path.with_name(f"{new_id}.yaml")
        if not target.exists():
            target.write_text(text.replace(old_id, new_id))
    elif kind == "remove" and len(records) > 10:
        path.unlink()
    elif kind == "touch":
        os.utime(path)
    elif kind == "old-mtime":  # the same size and mtime put back: the ctime still moved
        stat = path.stat()
        path.write_text(text.replace("a", "b", 1) if "a" in text else text)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return f"{kind} {path.relative_to(root)}"


@pytest.mark.parametrize("seed", range(6))
def test_the_index_answers_as_reading_every_file(
    example: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    root = example
    if seed % 2:
        monkeypatch.setattr("incidentctl.store.cache.SPLIT_AFTER", 1)
        monkeypatch.setattr("incidentctl.store.cache.SETTLE_CHANGED_SHARE", 1.0)
    rng = random.Random(seed)
    done = []
    for command in COMMANDS:  # the index, its listing, snapshot, rows and plans
        _run(root, list(command), True, monkeypatch)
    for _ in range(STEPS):
        done.append(_step(rng, root))
        for command in rng.sample(COMMANDS, 2):
            expected = _run(root, list(command), False, monkeypatch)
            assert _run(root, list(command), True, monkeypatch) == expected, (command, done)
