"""The KPI facts cache: one stdlib SQLite file, ``.incidentctl-cache/kpi.sqlite``.

An incident's KPI facts (``kpi.facts.incident_facts`` without the SLA clocks) do
not depend on ``now`` once ``now`` is at or after the latest instant the record
names (``kpi.facts.settled_at``; ``tests/kpi/test_facts.py`` proves it over random
lives). So they are computed once and kept, per incident file, with what a ``stat``
of the file showed before it was read, the hash of its text and that instant; a
later ``kpi`` stats the file and reuses the facts, reading nothing.

It never serves stale facts:

- The whole file is keyed by the schema of its rows, the versions of incidentctl,
  pydantic and holidays, a hash of the source of the modules that compute facts, the
  time zone rules of the SLA calendars, the size limit of a record, and a hash of
  the policy files; any change starts it afresh.
- A row is used only when the file's size, mtime, ctime and inode are exactly those
  stored, and only when the file's mtime is older than the start of the run that
  wrote the row (the mtime of a stamp file written at the start of each run, on the
  same clock as the files): a file changed within the same clock tick as it was read
  is "racy", as git calls it, and is read again. This is the rule of
  ``store/cache.py`` (``RecordCache.fresh``), copied so that this file stands alone.
- A file whose stat changed but whose text did not (a checkout, a ``touch``) is
  matched by the hash of its text.

A damaged file is replaced, a damaged row is computed again, and a read-only
checkout works without the cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

import holidays
import pydantic

from incidentctl import __version__
from incidentctl.kpi.facts import IncidentFacts
from incidentctl.model.incident import Status
from incidentctl.store import fingerprint
from incidentctl.store.atomic import write_atomic
from incidentctl.store.cache import CACHE_DIR, FileStat, digest

DB_FILE = "kpi.sqlite"
STAMP_FILE = "kpi.stamp"
SLICE = 2000  # rows parsed at once
SCHEMA = 1  # the layout of a row; raise it when IncidentFacts changes
# The modules whose code decides an incident's facts: an edit to any of them (a
# development install keeps its version number) starts the cache afresh.
FACT_MODULES = (
    "incidentctl.kpi.facts",
    "incidentctl.kpi.cache",
    "incidentctl.lifecycle",
    "incidentctl.sla.clock",
    "incidentctl.sla.calendar",
    "incidentctl.sla.policy",
    "incidentctl.model.incident",
    "incidentctl.model.policy",
    "incidentctl.model.common",
)
_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facts (
  rel TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, ino INTEGER,
  started_ns INTEGER, digest TEXT, settled INTEGER, row TEXT
);
"""
# size, mtime_ns, ctime_ns, inode, start of the run that wrote it, digest, settled, row
Entry = tuple[int, int, int, int, int, str, int, str]
_STATUS = {s.value: s for s in Status}
FIELD_COUNT = len(fields(IncidentFacts)) - 1  # all but the clocks


def code_fingerprint() -> str:
    """A hash of the source of the modules that compute facts."""
    return fingerprint.code(FACT_MODULES)


def zone_fingerprint(zones: Iterable[str]) -> str:
    return fingerprint.zones(zones)


def cache_key(policy_texts: dict[str, str], zones: Iterable[str], max_file_bytes: int) -> str:
    """Everything besides a file's text that decides its facts, as one string."""
    policies = digest("\0".join(f"{n}\0{t}" for n, t in sorted(policy_texts.items())))
    return (
        f"kpi facts v{SCHEMA} incidentctl {__version__} code {code_fingerprint()}"
        f" pydantic {pydantic.VERSION} holidays {getattr(holidays, '__version__', '?')}"
        f" python {sys.version_info[:2]} zones {zone_fingerprint(zones)}"
        f" max_file_bytes {max_file_bytes} policies {policies}"
    )


def encode(f: IncidentFacts) -> str:
    """The facts as a JSON array (the clocks are not kept: they depend on ``now``)."""

    def iso(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    return json.dumps(
        [
            f.id,
            f.reported_at.isoformat(),
            f.status.value,
            f.priority,
            f.service,
            f.category,
            f.team,
            f.major,
            iso(f.acknowledged_at),
            iso(f.resolved_at),
            f.tta_seconds,
            f.tta_working_seconds,
            f.ttr_seconds,
            f.ttr_working_seconds,
            f.fcr,
            f.respond_met,
            f.resolve_met,
            f.reopened,
            f.escalated,
            f.csat,
            f.ttd_seconds,
            list(f.kb),
            f.calendar,
            f.problem,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(rows: Sequence[str]) -> list[IncidentFacts | None]:
    """The facts of rows written by ``encode``; None for a damaged row."""
    # in slices: parsing them all at once would hold every row's lists at the same time
    return [item for i in range(0, len(rows), SLICE) for item in _decode(rows[i : i + SLICE])]


def _decode(rows: Sequence[str]) -> list[IncidentFacts | None]:
    try:
        # one parse of all rows: a hundred thousand calls of json.loads cost twice as much
        parsed: list[Any] = json.loads("[" + ",".join(rows) + "]")
    except ValueError:
        parsed = [_loads(row) for row in rows]
    if len(parsed) != len(rows):  # a row that is not one JSON value
        parsed = [_loads(row) for row in rows]
    return [_build(r) for r in parsed]


def _loads(row: str) -> Any:
    try:
        return json.loads(row)
    except ValueError:
        return None


def _build(r: Any) -> IncidentFacts | None:
    fromiso = datetime.fromisoformat
    try:
        values = (
            r[0],
            fromiso(r[1]),
            _STATUS[r[2]],
            *r[3:8],
            None if r[8] is None else fromiso(r[8]),
            None if r[9] is None else fromiso(r[9]),
            *r[10:21],
            tuple(r[21]),
            r[22],
            r[23],
        )
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    if len(values) != FIELD_COUNT:
        return None
    return IncidentFacts(*values)


class FactsCache:
    """Path -> (stat, digest, settled instant, facts row) of the last read of each file."""

    def __init__(self, path: Path | None, key: str = "") -> None:
        self.path = path  # the SQLite file, or None when caching is off
        self.key = key
        self._db: sqlite3.Connection | None = None
        self._rows: dict[str, Entry] = {}
        self._by_digest: dict[str, Entry] | None = None
        self._new: dict[str, Entry] = {}
        self._started = 0

    @classmethod
    def for_root(cls, root: Path, key: str) -> FactsCache:
        return cls(root / CACHE_DIR / DB_FILE, key)

    @property
    def enabled(self) -> bool:
        """Whether the file could be opened (it serves and keeps rows)."""
        return self._db is not None

    def open(self) -> None:
        """Read every row; a damaged file starts afresh, an unwritable folder turns it off."""
        if self.path is None or self._db is not None:
            return
        try:
            self.path.parent.mkdir(exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                write_atomic(gitignore, "*\n")
            # before any file is statted: a file changed after this instant is racy
            self._started = _stamp(self.path.parent / STAMP_FILE)
            try:
                self._read()
            except sqlite3.DatabaseError:
                self._close()
                self._rows.clear()
                self.path.unlink()  # not a database (damaged): start a new one
                self._read()
        except (OSError, sqlite3.Error):
            self._close()  # a read-only checkout or a damaged file: work without
            self._rows.clear()

    def _read(self) -> None:
        assert self.path is not None
        self._db = _connect(self.path, self.key)
        self._rows = {
            row[0]: row[1:]
            for row in self._db.execute(
                "SELECT rel, size, mtime_ns, ctime_ns, ino, started_ns, digest, settled, row"
                " FROM facts"
            )
        }

    def fresh(self, rel: str, stat: FileStat | None) -> Entry | None:
        """The row of ``rel`` if the file is certainly unchanged since it was read."""
        entry = self._rows.get(rel)
        if entry is None or stat is None or entry[:4] != stat:
            return None
        try:
            # racy: changed in the same clock tick as the run that read it began
            return entry if entry[1] < entry[4] else None
        except TypeError:
            return None  # a damaged row

    def with_digest(self, key: str) -> Entry | None:
        """A row of any file whose text had this hash (a file touched, copied or moved)."""
        if self._by_digest is None:
            self._by_digest = {e[5]: e for e in self._rows.values()}
        return self._by_digest.get(key)

    @property
    def has_rows(self) -> bool:
        return bool(self._rows)

    def note(self, rel: str, stat: FileStat | None, key: str, settled: int, row: str) -> None:
        """Keep the facts of ``rel`` read in this run (``stat`` taken before the read)."""
        if self._db is not None and stat is not None:
            self._new[rel] = (*stat, self._started, key, settled, row)

    def save(self, seen: Iterable[str]) -> None:
        """Write this run's rows and drop those of files no longer there."""
        if self._db is None:
            return
        db = self._db
        gone = set(self._rows).difference(seen)
        try:
            db.executemany("DELETE FROM facts WHERE rel = ?", ((rel,) for rel in gone))
            db.executemany(
                "INSERT OR REPLACE INTO facts VALUES (?,?,?,?,?,?,?,?,?)",
                ((rel, *entry) for rel, entry in self._new.items()),
            )
            db.commit()
        except sqlite3.Error:
            pass  # the next run computes what is missing
        self._new.clear()

    def close(self) -> None:
        self._close()

    def _close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None


def _connect(path: Path, key: str) -> sqlite3.Connection:
    """The database, emptied unless it was written under ``key``."""
    db = sqlite3.connect(path, timeout=5)
    try:
        db.executescript(_SCHEMA_SQL)
        row = db.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
        if row is None or row[0] != key:
            db.executescript("DROP TABLE facts;" + _SCHEMA_SQL)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('key', ?)", (key,))
            db.commit()
    except sqlite3.Error:
        db.close()
        raise
    return db


def _stamp(path: Path) -> int:
    """The start of this run on the file system's clock: the mtime of a file just written."""
    path.write_bytes(b"")
    return os.stat(path).st_mtime_ns
