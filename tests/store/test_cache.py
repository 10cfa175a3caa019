"""The record cache: faster, never wrong, harmless when damaged."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from incidentctl.store.atomic import write_atomic
from incidentctl.store.cache import CACHE_DIR, VERSION
from incidentctl.store.repo import load_repository

INC = "incidents/2026/INC-2026-0042.yaml"


def _load(root: Path) -> list[str]:
    repo = load_repository(root, use_cache=True)
    records = repo.load_incidents()
    return [r.model.title for r in records] + [d.code for d in repo.diagnostics]


def test_second_run_reads_the_cache_and_agrees(base_repo: Path) -> None:
    first = _load(base_repo)
    cache = base_repo / CACHE_DIR / "incidents.jsonl"
    assert cache.read_text().startswith(VERSION + "\n")
    assert (base_repo / CACHE_DIR / ".gitignore").read_text() == "*\n"
    assert _load(base_repo) == first


def test_an_edited_file_is_parsed_again(base_repo: Path) -> None:
    _load(base_repo)
    path = base_repo / INC
    path.write_text(path.read_text().replace("channel: portal", "chanel: portal"))
    assert "SCH002" in _load(base_repo)


def test_a_damaged_cache_is_ignored(base_repo: Path) -> None:
    _load(base_repo)
    cache = base_repo / CACHE_DIR / "incidents.jsonl"
    key = cache.read_text().splitlines()[1].split("\t")[0]
    cache.write_text(f"{VERSION}\n{key}\t{{not json\ngarbage line\n")
    assert _load(base_repo) == ["Payroll export fails with a timeout"]


def test_atomic_write_gives_new_files_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "new.yaml"
    write_atomic(target, "a: 1\n")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert target.read_text() == "a: 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["new.yaml"]
