"""Incident files by ID, found by name: one look-up costs a few ``stat`` calls.

An incident lives at ``incidents/<year>/<ID>.yaml``, so whether an ID exists (and
where) is answered by trying its name in each year folder, without listing the
100,000 files of a large repository. Only what needs every file (iterating, the
count, the whole-repository rules) walks the folders, once, and that walk is also
what reports files that are not incident files.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from pathlib import Path

from incidentctl.checks import files
from incidentctl.diagnostics import Diagnostic

INCIDENT_FILE = re.compile(r"(INC-\d{4}-\d{4,})\.yaml\Z")
YEAR_DIR = re.compile(r"\d{4}\Z")
INCIDENT_PATH = re.compile(r"incidents/\d{4}/INC-\d{4}-\d{4,}\.yaml\Z")  # is_incident_path


class IncidentFiles(Mapping[str, list[str]]):
    """ID -> repository-relative paths named after it (a list: IDs may clash).

    Paths of one ID come in year-folder order, as a full walk would list them.
    Findings of the walk (misplaced files) go to ``diagnostics`` when it happens.
    """

    def __init__(self, root: Path, diagnostics: list[Diagnostic]) -> None:
        self._base = root / "incidents"
        self._diagnostics = diagnostics
        self._all: dict[str, list[str]] | None = None
        self._years: list[str] | None = None
        # the mtimes of incidents/ and its year folders, taken just before the walk,
        # and when (monotonic clock) the walk began
        self.listed: dict[str, int] = {}
        self.walked_at = 0
        # whether the walk found nothing but incident files in year folders: then the
        # folders' mtimes alone tell whether what a walk finds has changed
        self.tidy = False

    def years(self) -> list[str]:
        """The year folders, sorted (one ``scandir`` of ``incidents/``)."""
        if self._years is None:
            try:
                with os.scandir(self._base) as entries:
                    self._years = sorted(
                        e.name
                        for e in entries
                        if YEAR_DIR.match(e.name) and e.is_dir(follow_symlinks=False)
                    )
            except OSError:
                self._years = []
        return self._years

    def __getitem__(self, key: str) -> list[str]:
        found = self._lookup(key)
        if not found:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self._lookup(key))

    def __iter__(self) -> Iterator[str]:
        return iter(self.walk())

    # the walk's own views: Mapping's would look every ID up again, one by one
    def keys(self) -> KeysView[str]:
        return self.walk().keys()

    def values(self) -> ValuesView[list[str]]:
        return self.walk().values()

    def items(self) -> ItemsView[str, list[str]]:
        return self.walk().items()

    def __len__(self) -> int:
        return len(self.walk())

    def in_year(self, year: int) -> list[str]:
        """The IDs filed in one year folder (the next free number needs no more)."""
        if self._all is not None:
            return [i for i, rels in self._all.items() if any(f"/{year}/" in r for r in rels)]
        try:
            names = os.listdir(self._base / str(year))
        except OSError:
            return []
        return [m.group(1) for m in map(INCIDENT_FILE.match, names) if m]

    def _lookup(self, incident_id: str) -> list[str]:
        if self._all is not None:
            return self._all.get(incident_id, [])
        if INCIDENT_FILE.match(incident_id + ".yaml") is None:
            return []
        found = []
        for year in self.years():
            rel = f"incidents/{year}/{incident_id}.yaml"
            path = self._base / year / f"{incident_id}.yaml"
            # the walk counts anything that is not a folder (a broken link too)
            if os.path.lexists(path) and not path.is_dir():
                found.append(rel)
        return found

    def walk(self) -> dict[str, list[str]]:
        """Every incident file, walking the folders once; reports misplaced files."""
        if self._all is None:
            self.walked_at = time.monotonic_ns()
            self.listed = folder_mtimes(self._base)
            self._all, self.tidy = _scan(self._base, self._diagnostics)
        return self._all

    def adopt(self, rels: list[str] | dict[str, list[str]]) -> None:
        """Take ``rels`` (sorted; every incident file, as the index proved them), or
        ``by_id`` of them, for what a walk would find, without walking."""
        self._all = by_id(rels) if isinstance(rels, list) else rels


def by_id(rels: list[str]) -> dict[str, list[str]]:
    """Incident files (sorted) by the ID their names give, as ``IncidentFiles`` keeps them."""
    found: dict[str, list[str]] = {}
    for rel in rels:
        found.setdefault(rel.rsplit("/", 1)[-1][:-5], []).append(rel)
    return found


def folder_mtimes(base: Path) -> dict[str, int]:
    """``incidents`` and each ``incidents/<year>``, by relative path -> mtime (ns).

    A folder's mtime moves whenever a name in it is added, removed or renamed, so an
    unchanged mtime (taken before listing) means an unchanged list of files.
    """
    found: dict[str, int] = {}
    try:
        found["incidents"] = os.stat(base).st_mtime_ns
        with os.scandir(base) as entries:
            for e in entries:
                if YEAR_DIR.match(e.name) and e.is_dir(follow_symlinks=False):
                    found[f"incidents/{e.name}"] = e.stat(follow_symlinks=False).st_mtime_ns
    except OSError:
        return {}
    return found


def misplaced(rel: str) -> Diagnostic:
    """The finding for a file under ``incidents/`` that is not ``<year>/<ID>.yaml``."""
    return files.MISPLACED.at(
        rel,
        None,
        None,
        "not an incident file: incidents live at incidents/<year>/<ID>.yaml",
        "rename or move the file (IDs look like INC-2026-0042), or remove it",
    )


def is_incident_path(rel: str) -> bool:
    """Whether a path is where an incident file may live."""
    parts = rel.split("/")
    return (
        len(parts) == 3
        and parts[0] == "incidents"
        and YEAR_DIR.match(parts[1]) is not None
        and INCIDENT_FILE.match(parts[2]) is not None
    )


def _scan(base: Path, diagnostics: list[Diagnostic]) -> tuple[dict[str, list[str]], bool]:
    """The incident files by ID, and whether nothing else was found (no misplaced file,
    no folder but the year folders)."""
    found: dict[str, list[str]] = {}
    if not base.is_dir():
        return found, False
    root = base.parent
    tidy = True
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(dirpath)
        rel_dir = here.relative_to(root).as_posix()
        # strings only inside the loop: one Path per file costs seconds at 100,000 files
        year_folder = rel_dir.count("/") == 1 and YEAR_DIR.match(here.name) is not None
        if dirnames and (rel_dir != "incidents" or not all(map(YEAR_DIR.match, dirnames))):
            tidy = False  # a folder whose content no tracked mtime follows
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            rel = f"{rel_dir}/{name}"
            m = INCIDENT_FILE.match(name)
            if m and year_folder:
                found.setdefault(m.group(1), []).append(rel)
            else:
                tidy = False
                diagnostics.append(misplaced(rel))
    return found, tidy
