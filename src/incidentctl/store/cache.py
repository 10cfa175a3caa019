"""A cache of validated incident records, keyed by the hash of the file's content.

Parsing and validating 10,000 files takes seconds; loading their validated form
from this cache takes a fraction of that. Only records that parsed and validated
without findings are cached, as pydantic's own JSON (never pickle: the cache sits
in the work tree and loading it must not be able to run code). The key includes the
versions of incidentctl and pydantic, so an upgrade starts afresh; a damaged or
unreadable cache is ignored and rewritten.

The file is read only when a command loads many records (``open``): a command
about one record parses that one file faster than it could read the cache of a
100,000-record repository.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pydantic
from pydantic import ValidationError

from incidentctl import __version__
from incidentctl.model.incident import Incident
from incidentctl.store.atomic import write_atomic

CACHE_DIR = ".incidentctl-cache"
VERSION = f"incidentctl {__version__} pydantic {pydantic.VERSION} v1"


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class RecordCache:
    """Digest -> validated Incident, read once and written back when it changed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._blobs: dict[str, str] = {}
        self._used: set[str] = set()
        self._dirty = False
        self._open = False

    @property
    def is_open(self) -> bool:
        """Whether the cache has been read (and so serves and keeps records)."""
        return self._open

    def open(self) -> None:
        """Read the cache file, once; until then ``get`` finds nothing and ``put`` keeps nothing."""
        if self.path is not None and not self._open:
            self._open = True
            self._read(self.path)

    @classmethod
    def for_root(cls, root: Path, enabled: bool = True) -> RecordCache:
        return cls(root / CACHE_DIR / "incidents.jsonl" if enabled else None)

    def _read(self, path: Path) -> None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return
        if not lines or lines[0] != VERSION:
            return
        for line in lines[1:]:
            key, sep, blob = line.partition("\t")
            if sep:
                self._blobs[key] = blob

    def get(self, key: str) -> Incident | None:
        blob = self._blobs.get(key)
        if blob is None:
            return None
        try:
            model = Incident.model_validate_json(blob)
        except ValidationError:
            del self._blobs[key]
            self._dirty = True
            return None
        self._used.add(key)
        return model

    def put(self, key: str, model: Incident) -> None:
        if self.path is None or not self._open:
            return
        self._blobs[key] = model.model_dump_json(by_alias=True, exclude_unset=True)
        self._used.add(key)
        self._dirty = True

    def save(self, prune: bool) -> None:
        """Write the cache if it changed; ``prune`` drops entries this run did not use."""
        if (
            not self._open
            or self.path is None
            or not (self._dirty or (prune and len(self._used) < len(self._blobs)))
        ):
            return
        keep = {k: v for k, v in self._blobs.items() if k in self._used} if prune else self._blobs
        try:
            self.path.parent.mkdir(exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                write_atomic(gitignore, "*\n")
            body = "".join(f"{k}\t{v}\n" for k, v in keep.items())
            write_atomic(self.path, f"{VERSION}\n{body}")
        except OSError:
            pass  # a read-only checkout still validates, only without the cache
