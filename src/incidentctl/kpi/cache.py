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

The rows are kept one a file in a table, and, after each save that changed any,
also all together in a snapshot: the files' paths, stats, digests, settled instants
and rows, each as one column of one row. A run that finds the very files of that
save reads the snapshot alone and compares all their stats at once (the rule above,
for every file); only a run after files came or went reads the table's rows. The
snapshot keeps no racy row: such a file is computed again, as above.

A damaged file is replaced, a damaged row (in the table or in the snapshot) is
computed again, and a read-only checkout works without the cache.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from struct import error as StructError
from typing import Any

import holidays
import pydantic

from incidentctl import __version__
from incidentctl.kpi.facts import IncidentFacts
from incidentctl.model.incident import Status
from incidentctl.store import fingerprint
from incidentctl.store.atomic import write_atomic
from incidentctl.store.cache import (
    CACHE_DIR,
    PACKED_STAT,
    FileStat,
    StatRun,
    differing,
    digest,
    pack_stats,
    stamp,
    unpack_stat,
)

DB_FILE = "kpi.sqlite"
STAMP_FILE = "kpi.stamp"
SLICE = 2000  # rows parsed at once
SCHEMA = 2  # the layout of a row and of the file; raise it when either changes
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
CREATE TABLE IF NOT EXISTS snapshot (
  id INTEGER PRIMARY KEY, paths TEXT, stats BLOB, settled BLOB, digests TEXT, rows TEXT
);
"""
_NEVER = 2**63 - 1  # a snapshot's settled instant for a file without a usable row
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


class Snapshot:
    """Every incident file's row as the last complete save kept them, in columns: read
    at once, compared with the files' stats at once. A file without a usable row (none,
    or one written in the clock tick of its file's change) has no row here and the
    settled instant ``_NEVER``: it is always computed again."""

    __slots__ = ("digests", "paths", "rows", "settled", "stats")

    def __init__(
        self,
        paths: list[str],
        stats: bytes,
        settled: array[int],
        digests: list[str],
        rows: list[str],
    ) -> None:
        self.paths = paths
        self.stats = stats  # as ``packed_stats`` packs them
        self.settled = settled
        self.digests = digests
        self.rows = rows

    @classmethod
    def from_row(cls, row: tuple[Any, ...] | None) -> Snapshot | None:
        """The snapshot of the table's row; None when there is none or it is damaged."""
        if row is None:
            return None
        try:
            paths = row[0].split("\n") if row[0] else []
            settled = array("q")
            settled.frombytes(row[2])
            digests = row[3].split("\n") if row[3] else []
            rows = row[4].split("\n") if paths else []
            stats = bytes(row[1])
        except (AttributeError, TypeError, ValueError):
            return None
        size = len(paths)
        if len(stats) != PACKED_STAT.size * size:
            return None
        if not len(settled) == len(digests) == len(rows) == size:
            return None
        return cls(paths, stats, settled, digests, rows)

    def patched(self, new: dict[str, Entry]) -> tuple[Any, ...] | None:
        """The snapshot table's row of this snapshot with the rows of ``new`` in their
        files' places (each file's stat with them); None if one is not its file's."""
        places = dict(zip(self.paths, range(len(self.paths)), strict=True))
        stats = bytearray(self.stats)
        settled = array("q", self.settled)
        digests = list(self.digests)
        rows = list(self.rows)
        try:
            for rel, e in new.items():
                i = places.get(rel)
                if i is None:
                    return None
                PACKED_STAT.pack_into(stats, PACKED_STAT.size * i, *e[:4])
                settled[i], digests[i], rows[i] = _cells(e)
        except (OverflowError, TypeError, ValueError, StructError):  # as _build_snapshot
            return None
        text = "\n".join(self.paths)
        return (text, bytes(stats), settled.tobytes(), "\n".join(digests), "\n".join(rows))

    def entry(self, i: int) -> Entry | None:
        """The row of the file at place ``i`` as ``FactsCache.fresh`` returns it. The
        start of the run that wrote it is not kept: a snapshot keeps only rows that were
        not racy, so it is given as ``_NEVER``, after any mtime."""
        if not self.rows[i]:
            return None
        stat = unpack_stat(self.stats, i)
        if stat is None:
            return None
        return (*stat, _NEVER, self.digests[i], self.settled[i], self.rows[i])


def _build_snapshot(paths: Sequence[str], entries: dict[str, Entry]) -> tuple[Any, ...] | None:
    """The snapshot table's row for ``paths`` from their rows (``entries``), or None
    when a row cannot be kept in it (a line break in its text)."""
    if any("\n" in p for p in paths):
        return None
    try:
        return _columns(paths, entries)
    except (OverflowError, TypeError, ValueError):  # a damaged row, an inode past 64 bits
        return None


def _columns(paths: Sequence[str], entries: dict[str, Entry]) -> tuple[Any, ...]:
    stats: list[FileStat | None] = []
    settled = array("q")
    digests: list[str] = []
    rows: list[str] = []
    for rel in paths:
        e = entries.get(rel)
        stats.append(None if e is None else e[:4])
        at, key, row = _NO_CELLS if e is None else _cells(e)
        settled.append(at)
        digests.append(key)
        rows.append(row)
    packed = pack_stats(stats)
    return ("\n".join(paths), packed, settled.tobytes(), "\n".join(digests), "\n".join(rows))


def _cells(e: Entry) -> tuple[int, str, str]:
    """A row's settled instant, digest and text as a snapshot keeps them: only for a
    row not racy (see ``FactsCache.fresh``), with text, and without a line break (the
    snapshot's separator) in what it keeps; else no row (``_NO_CELLS``)."""
    if e[1] < e[4] and e[7] and "\n" not in e[7] and "\n" not in e[5]:
        return e[6], e[5], e[7]
    return _NO_CELLS


_NO_CELLS = (_NEVER, "", "")


class FactsCache:
    """Path -> (stat, digest, settled instant, facts row) of the last read of each file.

    The rows are kept in a table, one a file, and after each save that changed any,
    also in one snapshot of every file's row (``Snapshot``): a run that finds the same
    files as that save (``served``) reads the snapshot alone and compares every
    file's stat at once, not one row and one stat at a time.
    """

    def __init__(self, path: Path | None, key: str = "") -> None:
        self.path = path  # the SQLite file, or None when caching is off
        self.key = key
        self._db: sqlite3.Connection | None = None
        self._rows: dict[str, Entry] = {}
        self._loaded = False  # whether _rows holds the table's rows
        self._snapshot: Snapshot | None = None
        self._served: Snapshot | None = None  # the snapshot this run's files matched
        self._run: StatRun | None = None  # the comparison ``begin`` began
        self._by_digest: dict[str, Entry] | None = None
        self._digest_places: dict[str, int] | None = None
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
        """Read the snapshot, else every row; a damaged file starts afresh, an unwritable
        folder turns it off."""
        if self.path is None or self._db is not None:
            return
        try:
            self.path.parent.mkdir(exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                write_atomic(gitignore, "*\n")
            # before any file is statted: a file changed after this instant is racy
            self._started = stamp(self.path.parent / STAMP_FILE)
            try:
                self._read()
            except sqlite3.DatabaseError:
                self._close()
                self._forget()
                self.path.unlink()  # not a database (damaged): start a new one
                self._read()
        except (OSError, sqlite3.Error):
            self._close()  # a read-only checkout or a damaged file: work without
            self._forget()

    def _forget(self) -> None:
        self._rows.clear()
        self._loaded = False
        self._snapshot = self._served = None

    def _read(self) -> None:
        assert self.path is not None
        self._db = _connect(self.path, self.key)
        row = self._db.execute(
            "SELECT paths, stats, settled, digests, rows FROM snapshot"
        ).fetchone()
        self._snapshot = Snapshot.from_row(row)
        if self._snapshot is None:
            self._load_rows()

    def _load_rows(self) -> None:
        """Every row of the table (when no snapshot serves this run)."""
        if self._loaded or self._db is None:
            return
        self._rows = {
            row[0]: row[1:]
            for row in self._db.execute(
                "SELECT rel, size, mtime_ns, ctime_ns, ino, started_ns, digest, settled, row"
                " FROM facts"
            )
        }
        self._loaded = True

    def begin(self, root: str, paths: list[str]) -> list[str] | None:
        """When the snapshot names exactly ``paths``: its rows (a file without one:
        ''), while the files' stats that ``served`` compares are taken in a child
        process (``StatRun``); decoded meanwhile, they serve the files ``served``
        then finds unchanged. None when there is no such snapshot."""
        snap = self._snapshot
        if snap is None or snap.paths != paths:
            return None
        if self._run is None:
            self._run = StatRun(root, paths)
        return snap.rows

    def served(self, root: str, paths: list[str]) -> tuple[list[int], bytes] | None:
        """When the snapshot names exactly ``paths``: the places of the files with a row
        whose stat differs from the one it keeps (their rows do not serve), and every
        file's stats now (packed as ``pack_stats`` packs them); the snapshot serves
        the other rows. None when there is no such snapshot: the caller goes the
        usual way, ``fresh`` file by file, with every row of the table read."""
        snap = self._snapshot
        if snap is not None and snap.paths == paths:
            run, self._run = self._run, None
            try:
                now = (run or StatRun(root, paths)).packed()
            except OverflowError:  # a stat past 64 bits (an inode of some file systems)
                now = None
            if now is not None:
                rows = snap.rows
                self._served = snap
                return [i for i in differing(now, snap.stats) if rows[i]], now
        try:
            self._load_rows()
        except sqlite3.Error:
            self._close()
            self._forget()
        return None

    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot that serves this run (after ``served``), if one does."""
        return self._served

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
        snap = self._served
        if snap is not None:  # the snapshot's rows: a place by digest, the row made of it
            if self._digest_places is None:
                self._digest_places = dict(zip(snap.digests, range(len(snap.digests)), strict=True))
            i = self._digest_places.get(key) if key else None
            return None if i is None else snap.entry(i)
        if self._by_digest is None:
            self._by_digest = {e[5]: e for e in self._rows.values()}
        return self._by_digest.get(key)

    @property
    def has_rows(self) -> bool:
        if self._served is not None:
            return any(self._served.rows)
        return bool(self._rows)

    def note(self, rel: str, stat: FileStat | None, key: str, settled: int, row: str) -> None:
        """Keep the facts of ``rel`` read in this run (``stat`` taken before the read)."""
        if self._db is not None and stat is not None:
            self._new[rel] = (*stat, self._started, key, settled, row)

    def save(self, seen: Iterable[str]) -> None:
        """Write this run's rows and drop those of files no longer there; keep the
        snapshot of every file's row (``seen``, in order) when any of that changed."""
        if self._db is None:
            return
        db = self._db
        paths = list(seen)
        snap = self._served
        same = snap is not None and paths == snap.paths
        if same and not self._new:
            return  # every file as the snapshot keeps it: nothing to write
        try:
            if snap is not None and same:  # the snapshot, this run's rows in their places
                row = snap.patched(self._new)
                gone: set[str] = set()
            else:
                self._load_rows()
                entries = {**self._rows, **self._new}
                gone = set(self._rows).difference(paths)
                row = _build_snapshot(paths, entries)
            db.executemany("DELETE FROM facts WHERE rel = ?", ((rel,) for rel in gone))
            db.executemany(
                "INSERT OR REPLACE INTO facts VALUES (?,?,?,?,?,?,?,?,?)",
                ((rel, *entry) for rel, entry in self._new.items()),
            )
            db.execute("DELETE FROM snapshot")
            if row is not None:
                db.execute("INSERT INTO snapshot VALUES (0, ?, ?, ?, ?, ?)", row)
            db.commit()
        except sqlite3.Error:
            pass  # the next run computes what is missing
        self._new.clear()

    def close(self) -> None:
        self._close()

    def _close(self) -> None:
        if self._run is not None:
            self._run.close()
            self._run = None
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
            db.executescript("DROP TABLE facts; DROP TABLE snapshot;" + _SCHEMA_SQL)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('key', ?)", (key,))
            db.commit()
    except sqlite3.Error:
        db.close()
        raise
    return db
