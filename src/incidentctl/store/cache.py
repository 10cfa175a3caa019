"""The repository's index and record cache: one stdlib SQLite file in ``.incidentctl-cache/``.

Two tables. ``records`` maps the hash of a file's content to its validated record
(pydantic's own JSON, never pickle: the cache sits in the work tree and loading it
must not be able to run code). ``files`` maps a path to what a ``stat`` of it
showed when it was read (size, mtime, ctime, inode, as git's index keeps them), the
hash of what was read and the record's status: a command that needs only open
incidents stats every file and parses only those that are open or changed. A row
also keeps, once a command has computed them, the fields ``list`` shows and the
file's *verdict*: its findings, what they depended on outside the file (see
``checks.context``) and the latest time it names, so a warm ``validate`` re-checks
only what changed or what a changed file affects.

It never serves a stale verdict. The whole file is keyed by the versions of
incidentctl, pydantic and holidays and by a hash of the policies and the
configuration; any change starts afresh.
A ``files`` entry is trusted only when the file's mtime is older than the moment
the run that wrote the entry began (a stamp file's mtime, on the same clock as the
files): a file changed within the same clock tick as it was read is "racy", as git
calls it, and is read again. A damaged or unreadable index is ignored and rewritten.

Nothing is read until a command loads many records (``open``): a command about one
record parses that one file faster than it could open the index.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import json
import mmap
import os
import sqlite3
import struct
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

import pydantic
from pydantic import ValidationError

from incidentctl import __version__
from incidentctl.halves import end_child, may_fork
from incidentctl.model.incident import Incident
from incidentctl.store.atomic import write_atomic

CACHE_DIR = ".incidentctl-cache"
DB_FILE = "index.sqlite"
STAMP_FILE = "stamp"
VERSION = f"incidentctl {__version__} pydantic {pydantic.VERSION} holidays {version('holidays')} v7"

FileStat = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
# size, mtime_ns, ctime_ns, inode, start of the run that read it, digest, status (None
# for an invalid record), the fields `list` shows (JSON), the verdict (JSON findings),
# what it depended on (JSON) and the latest time the record names (microseconds since
# the epoch); the last four None until a command computed them
Entry = tuple[int, int, int, int, int, str, str | None, str | None, str | None, str | None, int]
DIGEST: Final = 5
STATUS: Final = 6
SUMMARY: Final = 7
VERDICT: Final = 8
DEPENDS: Final = 9
LATEST: Final = 10
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (digest TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS plans (digest TEXT PRIMARY KEY, valid_from INTEGER, plan TEXT);
CREATE TABLE IF NOT EXISTS snapshot (
  id INTEGER PRIMARY KEY, paths TEXT, stats BLOB, codes BLOB, digests BLOB, clean BLOB
);
CREATE TABLE IF NOT EXISTS files (
  rel TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, ino INTEGER,
  started_ns INTEGER, digest TEXT, status TEXT, summary TEXT, verdict TEXT, depends TEXT,
  latest INTEGER
);
"""


def digest(text: str) -> str:
    """The ID git gives a file of the text's UTF-8 bytes (a blob's SHA-1): a file that
    git finds as checked out has the digest of its blob, unread (``git.checked_out_blobs``)."""
    raw = text.encode("utf-8")
    found = hashlib.sha1(b"blob %d\0" % len(raw), usedforsecurity=False)
    found.update(raw)
    return found.hexdigest()


_DIGEST_SIZE = 20  # bytes


def file_stat(path: str | Path) -> FileStat | None:
    """What the index compares: size, mtime, ctime and inode; None if the file is gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def stat_files(root: str, rels: Sequence[str]) -> list[FileStat | None]:
    """``file_stat`` of each path of ``rels`` (relative to ``root``, grouped by folder),
    on both cores from ``SPLIT_AFTER`` paths on (``StatRun``)."""
    return StatRun(root, rels).stats()


def packed_stats(root: str, rels: Sequence[str]) -> bytes:
    """``pack_stats`` of ``stat_files``, what the snapshot compares: the child's part
    is compared as it comes, never unpacked."""
    return StatRun(root, rels).packed()


class StatRun:
    """The stats of many files (``rels``, relative to ``root``, grouped by folder),
    taken by two processes: a forked child, from the last file back, as soon as the
    run is made; this process, when asked (``stats``, ``packed``), from the first file
    on until it meets the files the child has done. Until it asks, this process is
    free to do other work (a stat is mostly the kernel's and ``stat_result``'s time,
    which threads could not share); whatever the child has not done by then, this
    process does. The child writes its stats, packed, into memory both share and
    tells, through a pipe, where each block it finished begins: what this process
    reads of it is what a message told it was written.

    No child below ``SPLIT_AFTER`` paths, where none can be forked (not Linux, other
    threads running, fork refused); a child that fails or is slow only leaves this
    process more to do. ``close`` (or asking) ends the child.
    """

    def __init__(self, root: str, rels: Sequence[str]) -> None:
        self.root = root
        self.rels = rels
        self._pid = 0
        self._notes = -1  # the pipe's end this process reads the child's messages from
        self._shared: mmap.mmap | None = None
        self._heard_bytes = b""  # a message read in part (a pipe may split what was written)
        if len(rels) >= SPLIT_AFTER and may_fork():
            self._fork()

    def _fork(self) -> None:
        try:
            shared = mmap.mmap(-1, len(self.rels) * _PACKED_SIZE)  # shared with a child
        except OSError:
            return
        try:
            reader, writer = os.pipe()
        except OSError:
            shared.close()
            return
        try:
            pid = os.fork()
        except OSError:
            for fd in (reader, writer):
                os.close(fd)
            shared.close()
            return
        if pid == 0:  # the child: blocks from the end, each announced; out, no clean-up
            code = 1
            try:
                os.close(reader)
                _stat_backwards(self.root, self.rels, shared, writer)
                code = 0
            finally:
                os._exit(code)
        os.close(writer)
        os.set_blocking(reader, False)
        self._pid, self._notes, self._shared = pid, reader, shared

    def stats(self) -> list[FileStat | None]:
        mine, theirs = self._take()
        return mine + _unpack_found(theirs)

    def packed(self) -> bytes:
        mine, theirs = self._take()
        return pack_stats(mine) + theirs

    def _take(self) -> tuple[list[FileStat | None], bytes]:
        """This process's stats, from the first file on, and the child's packed stats
        of the files after them."""
        rels = self.rels
        back = len(rels)  # the child has done rels[back:]
        front = 0  # this process has done rels[:front]
        mine: list[FileStat | None] = []
        try:
            while front < back:
                back = self._heard(back)
                if front >= back:
                    break
                upto = min(front + _OWN_BLOCK, back)
                mine += _stat_here(self.root, rels[front:upto])
                front = upto
            theirs = b""
            if self._shared is not None and front < len(rels):
                theirs = self._shared[front * _PACKED_SIZE : len(rels) * _PACKED_SIZE]
        finally:
            self.close()
        return mine, theirs

    def _heard(self, back: int) -> int:
        """Where the child's done files begin, after reading its messages so far."""
        while self._notes >= 0:
            try:
                data = os.read(self._notes, 8 * 512)
            except BlockingIOError:
                break
            if not data:  # the child ended, its last message read: it does no more
                os.close(self._notes)
                self._notes = -1
                break
            self._heard_bytes += data
            whole = len(self._heard_bytes) // 8 * 8
            for at in range(0, whole, 8):
                back = min(back, int.from_bytes(self._heard_bytes[at : at + 8], "little"))
            self._heard_bytes = self._heard_bytes[whole:]
        return back

    def close(self) -> None:
        """End the child (it may still be statting files this process has done)."""
        if self._pid:
            end_child(self._pid)
            self._pid = 0
        if self._notes >= 0:
            os.close(self._notes)
            self._notes = -1
        if self._shared is not None:
            self._shared.close()
            self._shared = None


def _stat_backwards(root: str, rels: Sequence[str], shared: mmap.mmap, notes: int) -> None:
    """The child's part of a ``StatRun``: blocks of files from the last back, each
    packed into ``shared`` at its place, then its first place sent to ``notes``."""
    end = len(rels)
    while end > 0:
        start = max(0, end - _CHILD_BLOCK)
        shared[start * _PACKED_SIZE : end * _PACKED_SIZE] = pack_stats(
            _stat_here(root, rels[start:end])
        )
        os.write(notes, start.to_bytes(8, "little"))  # under PIPE_BUF: written whole
        end = start


SPLIT_AFTER = 20_000  # paths; below, forking costs more than the child's stats save
_CHILD_BLOCK = 1024  # files the child stats between two messages
_OWN_BLOCK = 256  # files this process stats between two looks at the messages


def pack_stats(stats: Sequence[FileStat | None]) -> bytes:
    """Stats as 64-bit integers, four a file; a missing file's size is -1."""
    gone = (-1, 0, 0, 0)
    return array("q", itertools.chain.from_iterable(s or gone for s in stats)).tobytes()


def unpack_stat(packed: bytes, i: int) -> FileStat | None:
    """The stat at place ``i`` of ``pack_stats``'s bytes; None for a missing file."""
    stat: FileStat = PACKED_STAT.unpack_from(packed, PACKED_STAT.size * i)
    return None if stat[0] < 0 else stat


def _unpack_found(data: bytes) -> list[FileStat | None]:
    """``pack_stats`` undone."""
    values = array("q")
    values.frombytes(data)
    each = iter(values)
    return [None if s[0] < 0 else s for s in zip(each, each, each, each, strict=True)]


PACKED_STAT = struct.Struct("4q")  # a file's stat as ``pack_stats`` packs it
_PACKED_SIZE = PACKED_STAT.size  # bytes a file


def _stat_here(root: str, rels: Sequence[str]) -> list[FileStat | None]:
    """``stat_files`` in this process, each file relative to an open descriptor of its
    folder (the kernel then does not resolve the whole path each time)."""
    if os.stat not in os.supports_dir_fd:
        return [file_stat(f"{root}/{rel}") for rel in rels]
    out: list[FileStat | None] = []
    fd, folder = -1, None
    try:
        for rel in rels:
            head, _, name = rel.rpartition("/")
            if head != folder:
                if fd >= 0:
                    os.close(fd)
                folder, fd = head, -1
                with contextlib.suppress(OSError):
                    fd = os.open(f"{root}/{head}" if head else root, _DIRECTORY)
            try:
                st = os.stat(name, dir_fd=fd) if fd >= 0 else os.stat(f"{root}/{rel}")
            except OSError:
                out.append(None)
                continue
            out.append((st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    finally:
        if fd >= 0:
            os.close(fd)
    return out


_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)


class RecordCache:
    """Digest -> validated Incident, and path -> (stat, digest, status) of the last read."""

    def __init__(self, path: Path | None, key: str = "") -> None:
        self.path = path  # the SQLite file, or None when caching is off
        self.key = f"{VERSION} policies {key}"
        self._db: sqlite3.Connection | None = None
        self._open = False
        self._blobs: dict[str, str] | None = None  # every record, when prefetched
        self._found: dict[str, str] = {}  # some records, prefetched by path
        self._new: dict[str, str] = {}
        self._used: set[str] = set()
        self._files: dict[str, Entry] = {}  # every row once complete, else those read
        self._complete = False
        self._summaries = False
        self._seen: dict[str, Entry] = {}
        self._started = 0
        self._listed: tuple[dict[str, int], int, list[str], bool] | None = None
        self._renewed: dict[str, Entry] = {}
        self.proven = False  # whether ``quick`` or ``settled`` found every file unchanged
        self.compared = False  # whether they answered (some files may have changed)
        self.changed_rels: frozenset[str] = frozenset()  # the files they found changed
        self._proven: tuple[list[str], bytes, bytes, bytes] = ([], b"", b"", b"")  # compared
        self._changed: dict[int, str] = {}  # those files, by position in the snapshot
        self._settling = False  # whether they answered: a save patches the snapshot
        self._kept_stats = b""  # the snapshot's stats that they compared
        self._run: StatRun | None = None  # the comparison ``begin`` began
        self._rewalk = False  # whether it began before a walk that must confirm its paths
        self._relisted = False  # whether a walk confirmed them: the save keeps its listing
        self._taken: tuple[list[str], bytes] | None = None  # the files it statted, their stats
        self._held: tuple[dict[str, int], bool] | None = None  # a listing that gave the files
        self._plans: dict[str, tuple[int, str]] = {}  # new clock plans, by record digest
        self.opened_at = 0

    @classmethod
    def for_root(cls, root: Path, enabled: bool = True, key: str = "") -> RecordCache:
        return cls(root / CACHE_DIR / DB_FILE if enabled else None, key)

    @property
    def is_open(self) -> bool:
        """Whether the index has been read (and so serves and keeps records)."""
        return self._open

    def open(self, summaries: bool = False) -> None:
        """Read the index, once; until then ``get`` finds nothing and ``put`` keeps nothing.

        The ``list`` fields (a quarter of the index) are read only with ``summaries``;
        without, entries carry None there, and an entry rewritten in this run keeps
        those the index has when its text is the same (``_UPSERT``), else loses them
        (``list`` computes them again: slower, never wrong).
        """
        if self.path is None or self._open:
            return
        self._open = True
        self.opened_at = time.monotonic_ns()  # before the stamp: see Repository.save_whole
        try:
            self.path.parent.mkdir(exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                write_atomic(gitignore, "*\n")
            self._started = stamp(self.path.parent / STAMP_FILE)
            try:
                self._db = _connect(self.path)
            except sqlite3.DatabaseError:
                self.path.unlink()  # not a database (damaged): start a new one
                self._db = _connect(self.path)
            row = self._db.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
            if row is None or row[0] != self.key:
                self._db.executescript(
                    "DROP TABLE records; DROP TABLE files; DROP TABLE snapshot;"
                    " DELETE FROM meta; DELETE FROM plans;" + _SCHEMA
                )
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('key', ?)", (self.key,))
                self._db.commit()
            self._summaries = summaries
            if not self.has_records():
                self._blobs = {}  # nothing to look up, file by file
            row = self._db.execute("SELECT value FROM meta WHERE name = 'listed'").fetchone()
            self._listed = _listed(row[0]) if row else None
        except (OSError, sqlite3.Error):
            self._close()  # a read-only checkout or a damaged file: work without

    def _all_rows(self) -> dict[str, Entry]:
        """Every row of the index (read on first need: 100,000 rows take 0.25 s)."""
        if not self._complete:
            self._complete = True
            columns = _COLUMNS if self._summaries else _COLUMNS.replace("summary", "NULL")
            rows: list[tuple[Any, ...]] = []
            if self._db is not None:
                try:
                    rows = self._db.execute(f"SELECT {columns} FROM files ORDER BY rel").fetchall()
                except sqlite3.Error:
                    self._close()
            self._files = {row[0]: row[1:] for row in rows}
        return self._files

    def _entry(self, rel: str) -> Entry | None:
        entry = self._files.get(rel)
        if entry is None and not self._complete:
            entry = self._all_rows().get(rel)
        return entry

    def quick(self, root: str, folders: dict[str, int]) -> tuple[list[str], bytes] | None:
        """The incident files and their status codes (``CODES``) when no folder changed
        since the last complete save: ``folders`` (the folders' mtimes now) are those of
        the last whole load, and the stats of at most ``SETTLE_CHANGED_SHARE`` of the
        files differ from those the snapshot of that save holds (all its entries
        trusted, none racy). The index's rows are then not read: one comparison of
        the stats answers for all. A changed file (edited in place) has the code of an
        invalid record, 0, so that it is always read; ``proven`` tells that none did,
        ``changed_rels`` which did. None when any of that fails: the caller goes the
        usual way."""
        changed = self._changes(root, folders)
        if changed is None:
            return None
        paths, codes = self._proven[0], self._proven[1]
        if changed:
            zeroed = bytearray(codes)
            for i in changed:
                zeroed[i] = 0
            codes = bytes(zeroed)
        return paths, codes

    def _changes(self, root: str, folders: dict[str, int]) -> list[int] | None:
        """The positions of the files whose stats differ from the snapshot's
        (``_compare``), kept so that the next save puts their new entries in their
        places; None when no snapshot can be compared, or when more than
        ``SETTLE_CHANGED_SHARE`` of them differ (the usual way then hashes them, and
        finds those merely touched)."""
        found = self._compare(root, folders)
        if found is None:
            return None
        now_stats, kept_stats = found
        changed = differing(now_stats, kept_stats)
        if len(changed) > SETTLE_CHANGED_SHARE * len(self._proven[0]):
            return None
        self.proven = not changed
        self.compared = True
        self._settling = True
        self._changed = {i: self._proven[0][i] for i in changed}
        self.changed_rels = frozenset(self._changed.values())
        self._kept_stats = kept_stats
        return changed

    def begin_settled(self, root: str, folders: dict[str, int]) -> bool:
        """``begin`` of the comparison ``settled`` makes, when it makes one (with
        ``rewalk``: ``settled`` then waits for ``relist``)."""
        if self._listed is None or not self._listed[3]:
            return False
        return self.begin(root, folders, rewalk=True)

    def begin(self, root: str, folders: dict[str, int], rewalk: bool = False) -> bool:
        """Begin the comparison ``quick`` (or ``settled``) makes: the snapshot read, its
        files' stats begun in a child process (``StatRun``). Until it ends, ``guess``
        and ``proven_digests`` tell what the snapshot holds, which is what ``quick``
        will give for each file it proves unchanged: work done on them meanwhile runs
        beside the stats, and holds for those files. False when no snapshot can be
        compared (the caller goes the usual way).

        With ``rewalk``, also when a folder changed since the last whole load (a ``git
        checkout`` or ``pull`` renames files into place): the child stats the
        snapshot's files while the caller walks the folders, and the comparison is made
        only if the walk finds those very files (``relist``)."""
        if self._run is not None:
            return True
        db = self._db
        if db is None or self._listed is None:
            return False
        again = not self._listing_holds(folders)
        if again and (not rewalk or self._listed[2] or not self._listed[3]):
            return False  # files left unread, or other files found, at the last walk
        try:
            query = "SELECT paths, stats, codes, digests, clean FROM snapshot"
            row = db.execute(query).fetchone()
        except sqlite3.Error:
            return False
        if row is None:
            return False
        paths = row[0].split("\n") if row[0] else []
        codes, digests, clean = bytes(row[2]), bytes(row[3]), bytes(row[4])
        if len(codes) != len(paths) or len(digests) != len(paths) * _DIGEST_SIZE:
            return False
        if len(clean) != len(paths) * _LATEST_SIZE or len(row[1]) != len(paths) * _PACKED_SIZE:
            return False
        self._proven = (paths, codes, digests, clean)
        self._kept_stats = bytes(row[1])
        self._rewalk = again
        self._run = StatRun(root, paths)
        return True

    def guess(self) -> tuple[list[str], bytes]:
        """After ``begin``: the snapshot's paths and status codes (``CODES``)."""
        return self._proven[0], self._proven[1]

    @property
    def relisted(self) -> bool:
        """Whether a walk of this run confirmed the snapshot's files (``relist``)."""
        return self._relisted

    @property
    def rewalking(self) -> bool:
        """Whether the comparison begun waits for a walk to confirm its files."""
        return self._rewalk and self._run is not None

    def relist(self, walked: list[str], tidy: bool) -> bool:
        """After ``begin`` with ``rewalk``: whether a walk of this run, begun after the
        index was opened (``walked``: every incident file it found, in order; ``tidy``:
        it found nothing else), found the very files of the snapshot. The comparison
        then goes on, and the save keeps that walk's listing (the folders' mtimes it
        took first, given to ``save``); else the child is ended and the caller goes
        the usual way."""
        self._rewalk = False
        if tidy and walked == self._proven[0]:
            self._relisted = True  # the listing in memory stays the last one: ``save`` keeps it
            return True
        if self._run is not None:
            self._run.close()
            self._run = None
        self._proven = ([], b"", b"", b"")
        return False

    def _compare(self, root: str, folders: dict[str, int]) -> tuple[bytes, bytes] | None:
        """The files' packed stats now and as the snapshot keeps them, when no folder
        changed since the last complete save (``folders`` are their mtimes now) and a
        snapshot is kept (its paths, codes, digests and ``clean`` into ``_proven``)."""
        if not self.begin(root, folders) or self._rewalk:
            return None  # no snapshot, or one whose files no walk confirmed
        run, self._run = self._run, None
        assert run is not None
        try:
            now = run.packed()
        except OverflowError:  # a stat past 64 bits (an inode of some file systems)
            self._proven = ([], b"", b"", b"")
            return None
        self._taken = (self._proven[0], now)
        return now, self._kept_stats

    def stats_taken(self, rels: list[str]) -> list[FileStat | None] | None:
        """The stats the comparison took in this run, when it took them of exactly
        ``rels`` (it found too many files changed, and the caller goes the usual way,
        as on a fresh clone with the index restored); None otherwise. Once."""
        taken, self._taken = self._taken, None
        if taken is None or taken[0] != rels:
            return None
        return _unpack_found(taken[1])

    def _listing_holds(self, folders: dict[str, int]) -> bool:
        """Whether the last whole load's listing (and the snapshot of that save) names
        the incident files a walk would find: no folder changed since (``folders``: the
        mtimes now), none in the clock tick that load began, and none left unread."""
        if self._db is None or self._listed is None:
            return False
        listed, started, unread, _ = self._listed
        return not unread and listed == folders and all(m < started for m in listed.values())

    def listed_paths(self, folders: dict[str, int]) -> list[str] | None:
        """The incident files as the snapshot lists them, when the listing holds
        (``_listing_holds``); None otherwise: the caller walks."""
        db = self._db
        if db is None or self._listed is None or not self._listing_holds(folders):
            return None
        try:
            row = db.execute("SELECT paths FROM snapshot").fetchone()
        except sqlite3.Error:
            return None
        if not row or not row[0]:
            return None
        self._held = (self._listed[0], self._listed[3])
        paths: list[str] = row[0].split("\n")
        return paths

    @property
    def held_listing(self) -> tuple[dict[str, int], bool] | None:
        """The folders' mtimes and ``tidy`` of the listing ``listed_paths`` gave the
        files from, if it did: a whole load of those files keeps it (the folders are
        as it found them, so a walk would find those very files)."""
        return self._held

    def settled(
        self, root: str, folders: dict[str, int], now: int
    ) -> tuple[list[str], list[int]] | None:
        """Every incident file, and for each its state: ``SETTLED`` when its verdict is
        known, without a row, to be no finding at ``now`` (microseconds since the
        epoch); ``INDEXED`` when unchanged (its row holds); ``CHANGED`` when its stat
        differs from the snapshot's. Only when no folder changed and the last whole
        load's walk found nothing but incident files in year folders (whose mtimes
        ``folders`` are): what a walk finds is then unchanged too. A file is settled
        when the snapshot keeps for it a verdict of no finding that made no look-up (it
        depends on the file alone, and on nothing once ``now`` is past the latest time
        it names). None when that cannot be proven, or when more than
        ``SETTLE_CHANGED_SHARE`` of the files changed (the usual way then hashes them,
        and finds those merely touched)."""
        if self._listed is None or not self._listed[3]:
            return None
        changed = self._changes(root, folders)
        if changed is None:
            return None
        paths, _, _, clean = self._proven
        latest = array("q")
        latest.frombytes(clean)
        states = [SETTLED if t <= now else INDEXED for t in latest]
        for i in changed:
            states[i] = CHANGED
        return paths, states

    def proven_digests(self, rels: Sequence[str]) -> list[str | None]:
        """After ``quick``: the digest of each of ``rels`` from the snapshot it compared
        (None for an invalid record, a changed file, or a path it does not list), so
        that no row is read. After ``begin`` and before ``quick``: the snapshot's, no
        file yet known to have changed."""
        _, codes, digests, _ = self._proven
        changed = self.changed_rels
        out: list[str | None] = []
        for rel in rels:
            i = self._position(rel)
            if i < 0 or codes[i] == 0 or rel in changed:
                out.append(None)
            else:
                out.append(digests[i * _DIGEST_SIZE : (i + 1) * _DIGEST_SIZE].hex())
        return out

    def proven_status(self, rel: str) -> str | None:
        """After ``quick`` or ``settled``: the status the snapshot keeps for ``rel``;
        None for an invalid record, a changed file, a path it does not list, or when
        nothing was compared."""
        if not self.compared or rel in self.changed_rels:
            return None
        i = self._position(rel)
        return None if i < 0 else _STATUS_OF.get(self._proven[1][i])

    def _position(self, rel: str) -> int:
        """Where ``rel`` is in the compared snapshot (its paths are sorted); -1 if not."""
        paths = self._proven[0]
        i = bisect.bisect_left(paths, rel)
        return i if i < len(paths) and paths[i] == rel else -1

    def rows(self, rels: Sequence[str]) -> list[Entry | None]:
        """The rows of ``rels``, read now (the others only if asked for later); after
        ``quick``, whose comparison proved them all fresh."""
        db = self._db
        if db is not None and not self._complete:
            columns = _COLUMNS if self._summaries else _COLUMNS.replace("summary", "NULL")
            try:
                query = f"SELECT {columns} FROM files WHERE rel IN"
                files = self._files
                unread = [rel for rel in rels if rel not in files]  # read while guessing
                files.update((row[0], row[1:]) for row in _select_in(db, query, unread))
            except sqlite3.Error:
                self._close()
        return [self._entry(rel) for rel in rels]

    def plans(self, digests: Sequence[str], key: str) -> dict[str, tuple[int, str]]:
        """The SLA clock plans kept for these record digests: digest -> (the first
        instant, POSIX seconds, from which the plan holds; its JSON). ``key`` names
        what else decides a plan (the clock code, the calendars' zone rules); plans
        kept under another key are dropped."""
        db = self._db
        if db is None:
            return {}
        found: dict[str, tuple[int, str]] = {}
        try:
            row = db.execute("SELECT value FROM meta WHERE name = 'plans'").fetchone()
            if row is None or row[0] != key:
                db.execute("DELETE FROM plans")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('plans', ?)", (key,))
                return found
            query = "SELECT digest, valid_from, plan FROM plans WHERE digest IN"
            found.update((d, (v, p)) for d, v, p in _select_in(db, query, digests))
        except sqlite3.Error:
            return {}
        return found

    def note_plan(self, digest: str, valid_from: int, plan: str) -> None:
        """Keep a record's clock plan (written by the next save)."""
        if self._db is not None:
            self._plans[digest] = (valid_from, plan)

    def digest_of(self, rel: str) -> str | None:
        """The digest of the text of ``rel`` as this run read it, if it was clean."""
        entry = self._seen.get(rel)
        return None if entry is None or entry[STATUS] is None else entry[DIGEST]

    def prefetch(self) -> None:
        """Read every cached record at once (faster than one query each for a full load)."""
        if self._db is not None and self._blobs is None:
            try:
                self._blobs = dict(self._db.execute("SELECT digest, json FROM records"))
            except sqlite3.Error:
                self._close()

    def prefetch_for(self, rels: Iterable[str]) -> None:
        """Read at once the cached records of those ``rels`` the index knows (one query
        per thousand instead of one each)."""
        if self._db is None or self._blobs is not None:
            return
        wanted = [e[DIGEST] for e in map(self._entry, rels) if e is not None]
        try:
            query = "SELECT digest, json FROM records WHERE digest IN"
            self._found = dict(_select_in(self._db, query, wanted))
        except sqlite3.Error:
            return

    def has_records(self) -> bool:
        """Whether any record is cached (a cold run has none: it parses everything)."""
        if self._blobs is not None:
            return bool(self._blobs)
        if self._db is None:
            return False
        try:
            return self._db.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None
        except sqlite3.Error:
            return False

    def get(self, key: str) -> Incident | None:
        blob = self._blob(key)
        if blob is None:
            return None
        try:
            model = Incident.model_validate_json(blob)
        except ValidationError:
            return None  # a damaged entry: parsed again, and overwritten by put()
        self._used.add(key)
        return model

    def _blob(self, key: str) -> str | None:
        if self._blobs is not None:
            return self._blobs.get(key)
        if key in self._found:
            return self._found[key]
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT json FROM records WHERE digest = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else str(row[0])

    def put(self, key: str, model: Incident) -> None:
        if self._db is not None:
            self.put_json(key, model.model_dump_json(by_alias=True, exclude_unset=True))

    def put_json(self, key: str, blob: str) -> None:
        """Keep a validated record as pydantic's JSON of it (``put`` of a model)."""
        if self._db is None:
            return
        self._new[key] = blob
        self._used.add(key)
        if len(self._new) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        """Write the new records now (in the run's transaction), not all of them at the end."""
        if self._db is not None:
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO records VALUES (?, ?)", self._new.items()
                )
            except sqlite3.Error:
                self._close()
        self._new.clear()

    def fresh(self, rel: str, stat: FileStat | None) -> Entry | None:
        """The entry of ``rel`` if the file is certainly unchanged since it was read."""
        renewed = self._renewed.get(rel)
        if renewed is not None and stat is not None and renewed[:4] == stat:
            return renewed
        entry = self._entry(rel)
        if entry is None or stat is None or entry[:4] != stat:
            return None
        # racy: changed in the same clock tick as the run that read it began
        return entry if entry[1] < entry[4] else None

    def fresh_all(
        self, rels: Sequence[str], stats: Sequence[FileStat | None]
    ) -> list[Entry | None]:
        """``fresh`` of each path of ``rels`` with its stat (in one loop: 100,000 calls
        add up)."""
        if self._renewed:
            return [self.fresh(rel, stat) for rel, stat in zip(rels, stats, strict=True)]
        files = self._all_rows().get
        out: list[Entry | None] = []
        add = out.append
        for rel, stat in zip(rels, stats, strict=True):
            entry = files(rel)
            if entry is None or entry[:4] != stat or entry[1] >= entry[4]:
                add(None)
            else:
                add(entry)
        return out

    def knows_any(self) -> bool:
        """Whether the index holds any entry."""
        return bool(self._all_rows())

    def knows(self, rel: str) -> bool:
        """Whether the index holds an entry for ``rel`` (fresh or not)."""
        return rel in self._all_rows()

    def renew(self, rel: str, stat: FileStat | None, key: str | None) -> Entry | None:
        """The entry of a file whose stat changed but whose text, read after ``stat``,
        has the indexed digest ``key`` (touched, checked out again, restored with the
        cache on another machine): all that was derived from the text still holds, so
        the entry is kept under the new stat, and is fresh for the rest of the run."""
        entry = self._entry(rel)
        if entry is None or stat is None or key is None or entry[DIGEST] != key:
            return None
        renewed: Entry = (*stat, self._started, *entry[DIGEST:])
        self._seen[rel] = self._renewed[rel] = renewed
        return renewed

    def note_summary(self, rel: str, summary: str) -> None:
        """Keep the ``list`` fields of a record read (and noted) in this run."""
        entry = self._seen.get(rel)
        if entry is not None:
            self._seen[rel] = (*entry[:SUMMARY], summary, *entry[VERDICT:])

    def note_verdict(self, rel: str, verdict: str, depends: str, latest: int) -> None:
        """Keep the verdict of a record read (and noted) in this run."""
        entry = self._seen.get(rel)
        if entry is not None:
            self._seen[rel] = (*entry[:VERDICT], verdict, depends, latest)

    def keep(self, rel: str, entry: Entry) -> None:
        """A fresh entry used as it is: kept by the next save (which prunes the rest)."""
        self._seen[rel] = entry

    def note(self, rel: str, stat: FileStat | None, key: str, status: str | None) -> None:
        """Remember what a read of ``rel`` (stat taken before the read) found."""
        if self._db is not None and stat is not None:
            entry = self._entry(rel)
            if entry is not None and entry[DIGEST] == key:
                if entry[:4] == stat and entry[1] < entry[4]:
                    self._seen[rel] = entry  # unchanged and trusted: nothing to write
                else:  # the same text (touched, copied back): what was derived still holds
                    self._seen[rel] = (*stat, self._started, *entry[DIGEST:])
            else:
                self._seen[rel] = (*stat, self._started, key, status, None, None, None, 0)

    def listing(self) -> tuple[dict[str, int], list[str]] | None:
        """The folders' mtimes at the last whole load, and the incident files it found.

        None when unknown, or when the folders were changed in the clock tick in which
        that run began (racy, as for files).
        """
        if self._listed is None:
            return None
        folders, started, unread, _ = self._listed
        if any(mtime >= started for mtime in folders.values()):
            return None
        if not unread:
            return folders, list(self._all_rows())  # read in order of path
        return folders, sorted({*self._all_rows(), *unread})

    def save(
        self,
        prune: bool,
        folders: dict[str, int] | None = None,
        paths: Iterable[str] = (),
        tidy: bool = False,
    ) -> None:
        """Write what this run learned; ``prune`` (a whole load) drops what it did not
        see and keeps what its walk found: the folders' mtimes, and the ``paths`` it
        could not read (so that a listing from the index still names them), and
        whether it found nothing else (``tidy``: ``IncidentFiles.tidy``). Without
        ``prune``, ``folders`` and ``paths`` are a walk's: the rows of files it did not
        find are dropped, and its listing kept, when every row is known."""
        if self._db is None:
            return
        self._flush()
        db = self._db
        if db is None:
            return
        try:
            if prune:
                self._all_rows()
            old = self._files
            changed = [(r, *e) for r, e in self._seen.items() if old.get(r) != e]
            restat, rewritten = [], []
            for c in changed:
                if _restat(old.get(c[0]), c):
                    restat.append((*c[1:6], c[0]))
                else:
                    rewritten.append(c)
            db.executemany(_RESTAT, restat)  # a renewed entry: a fifth of the work
            db.executemany(_UPSERT, rewritten)
            moved = any(_moved(old.get(c[0]), c[1:]) for c in changed)
            plans = ((d, v, p) for d, (v, p) in self._plans.items())
            db.executemany("INSERT OR REPLACE INTO plans VALUES (?, ?, ?)", plans)
            self._plans.clear()
            if prune:  # drop the files gone, and the records no file has any more
                gone = [(rel,) for rel in self._files.keys() - self._seen.keys()]
                db.executemany("DELETE FROM files WHERE rel = ?", gone)
                # the rows rewritten or dropped: those whose record may be no file's now
                replaced = {old[c[0]][DIGEST] for c in changed if c[0] in old}
                replaced.update(old[rel][DIGEST] for (rel,) in gone)
                kept = {e[DIGEST] for e in self._seen.values()}
                stale = (replaced | (self._used - kept)) - kept
                db.executemany("DELETE FROM records WHERE digest = ?", ((d,) for d in stale))
                (count,) = db.execute("SELECT count(*) FROM records").fetchone()
                if count > len(kept) * 5 // 4 + 100:  # left by partial loads: sweep them
                    _keep_only(db, "records", "digest", kept)
                db.execute("DELETE FROM plans WHERE digest NOT IN (SELECT digest FROM files)")
                unread = [p for p in paths if p not in self._seen]
                listed = json.dumps([folders or {}, self._started, unread, tidy])
                db.execute("INSERT OR REPLACE INTO meta VALUES ('listed', ?)", (listed,))
                if changed or gone or not folders or unread or not _has_snapshot(db):
                    _snapshot(db, self._seen if folders and not unread else None)
                # else the snapshot holds: one is made of the very rows it keeps, and any
                # change of a row's stat or status makes it again or drops it
            elif folders is not None and self._complete:  # a walk, and every row known
                walked = list(paths)
                found = set(walked)
                missing = [r for r in self._files if r not in found and r not in self._seen]
                db.executemany("DELETE FROM files WHERE rel = ?", ((r,) for r in missing))
                known = self._files | self._seen
                for rel in missing:
                    del known[rel]
                unread = [p for p in walked if p not in known]
                listed = json.dumps([folders, self._started, unread, tidy])
                db.execute("INSERT OR REPLACE INTO meta VALUES ('listed', ?)", (listed,))
                _snapshot(db, None if unread else known)
            elif self._settling:  # the files found changed (``quick``, ``settled``), and every row
                # rewritten (a verdict found since: its ``clean`` value), take their places
                patch = dict(self._changed)
                patch.update((i, c[0]) for c in changed if (i := self._position(c[0])) >= 0)
                if patch:  # else the snapshot holds as it is: not written again
                    _patch_snapshot(db, self._proven, self._kept_stats, patch, self._seen)
                if self._relisted and folders is not None:  # the walk that confirmed it
                    self._keep_listing(db, folders, self._proven[0])
            elif moved:  # a file's stat or status changed: the snapshot no longer holds;
                # made again when every row is known and no file came or went
                current = self._files | self._seen if self._complete else {}
                same = len(current) == len(old) and self._listed and not self._listed[2]
                _snapshot(db, current if same else None)
            db.commit()
        except sqlite3.Error:
            pass  # the next run rebuilds what is missing

    def keep_walk(self, walked: list[str], folders: dict[str, int], tidy: bool) -> None:
        """Keep the listing of a walk of this run, begun after the index was opened
        (``walked``: every incident file it found, in order; ``folders``: the folders'
        mtimes it took first; ``tidy``: it found nothing else), when it found the very
        files of the snapshot: the next run then takes them from the index, and its
        comparison of their stats with the snapshot's is as after ``relist``. For a
        command that walks and saves no index of its own (``kpi``)."""
        db = self._db
        if db is None or not tidy or self._listed is None or self._listed[2]:
            return
        try:
            row = db.execute("SELECT paths FROM snapshot").fetchone()
            if row is None or row[0] != "\n".join(walked):
                return
            self._keep_listing(db, folders, walked)
            db.commit()
        except sqlite3.Error:
            pass  # the next run walks again

    def _keep_listing(
        self, db: sqlite3.Connection, folders: dict[str, int], paths: list[str]
    ) -> None:
        """Keep the listing of a walk that found the snapshot's very files (``paths``):
        a listing names the rows (``listing``), so a row of a file the walk did not
        find (one read alone, since removed) goes first."""
        (count,) = db.execute("SELECT count(*) FROM files").fetchone()
        if count != len(paths):
            _keep_only(db, "files", "rel", paths)
        listed = json.dumps([folders, self._started, [], True])
        db.execute("INSERT OR REPLACE INTO meta VALUES ('listed', ?)", (listed,))

    def _close(self) -> None:
        if self._run is not None:
            self._run.close()
            self._run = None
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None


_ROW = ",".join("?" * 12)
_COLUMNS = "rel, size, mtime_ns, ctime_ns, ino, started_ns, digest, status, summary, verdict,"
_COLUMNS += " depends, latest"
_BATCH = 1000
# A row written again keeps the ``list`` fields it had when its text is the same: a
# command that did not read them (validate) writes None there (a renewed entry).
_UPSERT = f"""INSERT INTO files VALUES ({_ROW}) ON CONFLICT(rel) DO UPDATE SET
  size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns,
  ino = excluded.ino, started_ns = excluded.started_ns, digest = excluded.digest,
  status = excluded.status,
  summary = CASE WHEN excluded.summary IS NULL AND digest = excluded.digest
    THEN summary ELSE excluded.summary END,
  verdict = excluded.verdict, depends = excluded.depends, latest = excluded.latest"""


# status -> its code in the snapshot; 0 for an invalid record (always read)
CODES = {
    s: i
    for i, s in enumerate(
        ("new", "in_progress", "on_hold", "resolved", "closed", "cancelled"), start=1
    )
}
_STATUS_OF = {code: status for status, code in CODES.items()}


_RESTAT = (
    "UPDATE files SET size = ?, mtime_ns = ?, ctime_ns = ?, ino = ?, started_ns = ? WHERE rel = ?"
)


def _restat(old: Entry | None, row: tuple[Any, ...]) -> bool:
    """Whether a row written again differs from the kept one in its stat alone."""
    return old is not None and old[DIGEST:] == row[DIGEST + 1 :]


def _moved(old: Entry | None, new: tuple[Any, ...]) -> bool:
    """Whether an entry's stat or status differs from what the snapshot may hold."""
    return old is None or old[:4] != new[:4] or old[STATUS] != new[STATUS]


def _snapshot(db: sqlite3.Connection, entries: dict[str, Entry] | None) -> None:
    """Keep what ``quick`` compares, for ``entries`` (every incident file, by path);
    none when there are none to keep or any entry is racy (it must be read again)."""
    db.execute("DELETE FROM snapshot")
    if not entries or any(e[1] >= e[4] for e in entries.values()):
        return
    paths = sorted(entries)
    columns = _columns([entries[p] for p in paths])
    if columns is not None:  # else no snapshot: the rows are read
        db.execute("INSERT INTO snapshot VALUES (0, ?, ?, ?, ?, ?)", ("\n".join(paths), *columns))


def _columns(entries: Sequence[Entry]) -> tuple[bytes, bytes, bytes, bytes] | None:
    """The snapshot's packed columns for ``entries``, in order: stats, status codes
    (``CODES``), digests and ``clean`` values; None if a digest is not one, or a stat
    does not fit in 64 bits."""
    try:
        digests = b"".join(bytes.fromhex(e[DIGEST]) for e in entries)
    except ValueError:
        return None
    if len(digests) != len(entries) * _DIGEST_SIZE:
        return None
    try:
        stats = pack_stats([e[:4] for e in entries])
    except OverflowError:  # a stat past 64 bits (an inode of some file systems)
        return None
    codes = bytes(CODES.get(e[STATUS] or "", 0) for e in entries)
    return stats, codes, digests, array("q", map(_clean_from, entries)).tobytes()


def _patch_snapshot(
    db: sqlite3.Connection,
    kept: tuple[list[str], bytes, bytes, bytes],
    stats: bytes,
    changed: dict[int, str],
    seen: dict[str, Entry],
) -> None:
    """The snapshot ``settled`` compared, with the new entries of ``changed`` (by
    position) put in their places; dropped when one was not read or is racy (it must
    be read again)."""
    paths, codes, digests, clean = kept
    columns = [bytearray(stats), bytearray(codes), bytearray(digests), bytearray(clean)]
    widths = (_PACKED_SIZE, 1, _DIGEST_SIZE, _LATEST_SIZE)  # bytes a file, each column
    db.execute("DELETE FROM snapshot")
    for i, rel in changed.items():
        e = seen.get(rel)
        new = None if e is None or e[1] >= e[4] else _columns([e])
        if new is None:
            return
        for column, width, value in zip(columns, widths, new, strict=True):
            column[i * width : (i + 1) * width] = value
    db.execute("INSERT INTO snapshot VALUES (0, ?, ?, ?, ?, ?)", ("\n".join(paths), *columns))


def differing(now: bytes, kept: bytes) -> list[int]:
    """The positions of the files whose packed stats differ (a block at a time first:
    most blocks of 256 files are equal)."""
    size, block = _PACKED_SIZE, 256 * _PACKED_SIZE
    out: list[int] = []
    for start in range(0, len(now), block):
        if now[start : start + block] == kept[start : start + block]:
            continue
        for at in range(start, min(start + block, len(now)), size):
            if now[at : at + size] != kept[at : at + size]:
                out.append(at // size)
    return out


SETTLED, INDEXED, CHANGED = 0, 1, 2  # a file's state after ``settled``
SETTLE_CHANGED_SHARE = 0.05  # more changed files than that: the usual way (it hashes)
_LATEST_SIZE = array("q").itemsize
_NEVER = 2**63 - 1  # a ``clean`` value no ``now`` reaches


def _clean_from(entry: Entry) -> int:
    """The snapshot's ``clean`` value of an entry: the latest time its record names,
    if its verdict is no finding and made no look-up (see ``settled``), else never."""
    plain = entry[VERDICT] == "[]" and entry[DEPENDS] == "[]"
    return entry[LATEST] if plain else _NEVER


def _has_snapshot(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM snapshot").fetchone() is not None


def _select_in(db: sqlite3.Connection, query: str, values: Sequence[str]) -> Iterator[Any]:
    """The rows of ``query`` (ending in ``IN``) for every value: a query per 900,
    SQLite's limit on parameters."""
    for i in range(0, len(values), 900):
        batch = values[i : i + 900]
        yield from db.execute(f"{query} ({','.join('?' * len(batch))})", batch)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=5)
    try:
        db.executescript(_SCHEMA)
    except sqlite3.Error:
        db.close()
        raise
    return db


def stamp(path: Path) -> int:
    """The start of this run on the file system's clock: the mtime of a file just written.

    The file gets a byte of data each time, not merely truncated: with multigrain
    timestamps (Linux 6.13 on), truncating an empty file takes the coarse clock, which
    may be no later than the mtime of a file written just before, and that file would
    look racy (changed in the tick of the run that read it) to the next run. A write
    of data takes the fine clock, later than every timestamp handed out before it.
    """
    path.write_bytes(b"x")
    return os.stat(path).st_mtime_ns


def _keep_only(db: sqlite3.Connection, table: str, column: str, keep: Iterable[str]) -> None:
    db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (k TEXT PRIMARY KEY)")
    db.execute("DELETE FROM keep")
    db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((k,) for k in keep))
    db.execute(f"DELETE FROM {table} WHERE {column} NOT IN (SELECT k FROM keep)")


def _listed(text: str) -> tuple[dict[str, int], int, list[str], bool] | None:
    try:
        folders, started, unread, tidy = json.loads(text)
    except (ValueError, TypeError):
        return None
    ok = isinstance(folders, dict) and folders and isinstance(started, int)
    if not ok or not isinstance(unread, list):
        return None
    if not all(isinstance(v, int) for v in folders.values()):
        return None
    folders = {str(k): v for k, v in folders.items()}
    return folders, started, [str(p) for p in unread], tidy is True
