"""The repository: finding it, discovering its files, loading records on demand."""

from __future__ import annotations

import contextlib
import gc
import itertools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from incidentctl.checks import files
from incidentctl.diagnostics import Diagnostic
from incidentctl.errors import IncidentctlError, RepositoryNotFound
from incidentctl.model.config import RepoConfig
from incidentctl.model.incident import Incident
from incidentctl.model.kb import KbArticle
from incidentctl.model.policy import CategoriesPolicy, PriorityPolicy, ServicesPolicy, SlaPolicy
from incidentctl.sla import holidays_book
from incidentctl.store.cache import (
    CODES,
    DIGEST,
    STATUS,
    SUMMARY,
    Entry,
    FileStat,
    RecordCache,
    digest,
    file_stat,
    stat_files,
)
from incidentctl.store.incidentfiles import INCIDENT_PATH, IncidentFiles, by_id, folder_mtimes
from incidentctl.store.parallel import Parsed, hash_files, parse_stream
from incidentctl.store.reader import (
    parse_incident,
    read_front_matter,
    read_text,
    read_yaml,
    validate_model,
)
from incidentctl.store.source import Source

CONFIG_FILE = "incidentctl.yaml"
POLICY_MODELS: dict[str, type[BaseModel]] = {
    "priority": PriorityPolicy,
    "sla": SlaPolicy,
    "services": ServicesPolicy,
    "categories": CategoriesPolicy,
}
# Below this many files, parsing them is faster than reading the record cache.
CACHE_AFTER = 50
# From this many files whose stat changed on, git is asked which are as checked out
# (four git commands, ~0.1 s at 100,000 files) before the rest are read and hashed.
GIT_RENEW_AFTER = 500
PREFETCH = 2000  # cached records read in one query while iterating: their JSON, held
KB_FILE = re.compile(r"(KB-\d{4,})-[a-z0-9]+(?:-[a-z0-9]+)*\.md\Z")


def find_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` that holds an incident repository."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / CONFIG_FILE).is_file() or (candidate / "policies").is_dir():
            return candidate
    raise RepositoryNotFound(
        f"no incident repository found at or above {start}"
        f" (looked for {CONFIG_FILE} or a policies/ folder)",
        "run incidentctl inside the repository, pass --repo DIR, or create one with"
        " `incidentctl init DIR`",
    )


@dataclass(eq=False)
class IncidentRecord:
    source: Source
    model: Incident


@dataclass(eq=False)
class KbRecord:
    source: Source
    model: KbArticle
    body: str


@dataclass
class Policies:
    priority: PriorityPolicy | None = None
    sla: SlaPolicy | None = None
    services: ServicesPolicy | None = None
    categories: CategoriesPolicy | None = None
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return None not in (self.priority, self.sla, self.services, self.categories)


@dataclass(eq=False)
class Repository:
    """Everything loaded from one repository.

    Incident *identities* come from file names alone (cheap, for uniqueness and
    references); incident *records* are parsed when asked for, once.
    """

    root: Path
    config: RepoConfig
    policies: Policies
    incident_files: Mapping[str, list[str]]  # ID -> relative paths named after it
    kb: dict[str, list[KbRecord]]  # ID -> articles (a list: IDs may clash)
    diagnostics: list[Diagnostic]  # problems found while loading
    cache: RecordCache = field(default_factory=lambda: RecordCache(None))
    # path -> the record (None if invalid) and its loading findings, once loaded
    _incidents: dict[str, tuple[IncidentRecord | None, list[Diagnostic]]] = field(
        default_factory=dict
    )

    def load_incident(self, rel: str, parsed: Parsed = None) -> IncidentRecord | None:
        """Parse and validate one incident file (once); findings join ``diagnostics``.

        ``parsed`` is a worker's result for this file (digest and JSON), used when it
        is of the very text read here.
        """
        if rel not in self._incidents:
            record, problems = self.read_incident(rel, parsed)
            self.diagnostics.extend(problems)
            self._incidents[rel] = (record, problems)
        return self._incidents[rel][0]

    def read_incident(
        self, rel: str, parsed: Parsed = None
    ) -> tuple[IncidentRecord | None, list[Diagnostic]]:
        """One incident file's record (None if invalid) and loading findings, not kept.

        Records come from the cache by content hash when they can; every file read is
        noted in the index (with its status, None when it has findings).
        """
        if rel in self._incidents:
            return self._incidents[rel]
        # stat before reading: a change after this stat shows in the next run's stat
        stat = file_stat(f"{self.root}/{rel}") if self.cache.is_open else None
        known = self._unchanged(rel, stat)
        if known is not None:
            return known, []
        text, problems = self._read_text(rel)
        if text is None:
            return None, problems
        key = digest(text)
        model = self.cache.get(key)
        source = Source(rel, text)
        if model is None and parsed is not None and parsed[0] == key:
            model = Incident.model_validate_json(parsed[1])
            self.cache.put_json(key, parsed[1])  # the worker's JSON is what put() writes
        if model is None:
            model, problems = parse_incident(source)
            if model is not None and not problems:
                self.cache.put(key, model)
        valid = model is not None and not problems
        self.cache.note(rel, stat, key, model.status.value if valid and model else None)
        return (IncidentRecord(source, model) if model is not None else None), problems

    def _note_parsed(self, rel: str, parsed: tuple[str, str, str]) -> bool:
        """Note in the index a file a worker found clean, without rebuilding its record;
        False (nothing noted) unless the text read here is the one the worker parsed."""
        if rel in self._incidents:
            return False
        stat = file_stat(f"{self.root}/{rel}") if self.cache.is_open else None  # before reading
        text = self._read_text(rel)[0]
        if text is None:
            return False
        key = digest(text)
        if key != parsed[0]:  # changed since: read_incident reads it again
            return False
        self.cache.put_json(key, parsed[1])
        self.cache.note(rel, stat, key, parsed[2])
        return True

    def _unchanged(self, rel: str, stat: FileStat | None) -> IncidentRecord | None:
        """The record of a file the index knows, unchanged, to be clean, rebuilt from the
        cache without reading the file (its text is read if a message needs it)."""
        entry = self.cache.fresh(rel, stat)
        if entry is None or entry[STATUS] is None:
            return None
        model = self.cache.get(entry[DIGEST])
        if model is None:
            return None
        key = entry[DIGEST]
        self.cache.note(rel, stat, key, entry[STATUS])

        def load() -> str:
            text = self._read_text(rel)[0] or ""
            if digest(text) != key:  # the record would not be this text's: never mix them
                raise IncidentctlError(
                    f"{rel} changed while incidentctl was reading it", "run the command again"
                )
            return text

        return IncidentRecord(Source(rel, load=load), model)

    def _read_text(self, rel: str) -> tuple[str | None, list[Diagnostic]]:
        """The text of a file of the repository (a snapshot reads it from git instead)."""
        return read_text(self.root / rel, rel, self.config.limits.max_file_bytes)

    def incident(self, incident_id: str) -> IncidentRecord | None:
        """The record with this ID (the first file named after it), loading it if needed."""
        rels = self.incident_files.get(incident_id)
        return self.load_incident(rels[0]) if rels else None

    def incident_paths(self) -> list[str]:
        return sorted(rel for rels in self.incident_files.values() for rel in rels)

    def known_incident_paths(self) -> list[str]:
        """Every incident file, as ``incident_paths``; from the index's listing when no
        incident folder changed since its last whole load (the walk of 100,000 names
        spared: 0.4 s), else by walking, and the walk's listing is kept when it found
        the index's snapshot's files (after a ``git pull``, only the first run walks).
        Not for ``validate``, which reports misplaced files (``settled_incidents``
        spares its walk only when there were none)."""
        files = self.incident_files
        if isinstance(files, IncidentFiles) and not files.walked_at:
            self.cache.open()
            listed = self.cache.listed_paths(folder_mtimes(self.root / "incidents"))
            if listed is not None:
                paths = [p for p in listed if INCIDENT_PATH.match(p)]
                files.adopt(paths)
                return paths
            paths = self.incident_paths()  # a walk: kept if it found the snapshot's files
            if files.walked_at > self.cache.opened_at > 0:  # see save_whole
                self.cache.keep_walk(paths, files.listed, files.tidy)
            return paths
        return self.incident_paths()

    def incident_paths_with(
        self, statuses: Collection[str], summaries: dict[str, str] | None = None
    ) -> list[str]:
        """The incident files that may have one of ``statuses``: all but those the index
        knows, unchanged, to have another. Invalid and changed files are always included.

        With ``summaries``, an unchanged file whose ``list`` fields the index holds goes
        there (path -> JSON) instead of into the list to read.
        """
        quick = self._quick(summaries is not None)
        if quick is not None:  # nothing changed: the index's rows of the others unread
            maybe = _of_codes(*quick, statuses)
            if summaries is None:  # the codes chose them all: invalid, changed, or of ``statuses``
                return maybe
            changed = self.cache.changed_rels  # their rows are older than their files
            rows = zip(maybe, self.cache.rows(maybe), strict=True)
            entries = [None if p in changed else e for p, e in rows]
            return self._choose(maybe, entries, statuses, summaries)
        paths = self._listed_paths(summaries is not None)
        if paths is None:
            paths = self.incident_paths()
            if len(paths) > CACHE_AFTER:
                self.cache.open(summaries is not None)
        if len(paths) <= CACHE_AFTER:
            return paths
        return self._choose(paths, self.fresh_entries(paths), statuses, summaries)

    def guess_paths_with(
        self, statuses: Collection[str], summaries: dict[str, str] | None = None
    ) -> list[str] | None:
        """What ``incident_paths_with`` will give (and put into ``summaries``) if no
        file changed since the index's snapshot, while the comparison that tells runs
        in a child process (``RecordCache.begin``): work done on them until that call
        runs beside the stats, and holds for the files it does not find changed. None
        when there is no snapshot to compare."""
        if not isinstance(self.incident_files, IncidentFiles):
            return None  # a snapshot lists git's tree
        self.cache.open(summaries is not None)
        folders = folder_mtimes(self.root / "incidents")
        if not self.cache.begin(str(self.root), folders, rewalk=True):
            return None
        if self.cache.rewalking:  # a folder changed: the stats run beside the walk
            return None
        maybe = _of_codes(*self.cache.guess(), statuses)
        if summaries is None:
            return maybe
        return self._choose(maybe, self.cache.rows(maybe), statuses, summaries)

    @staticmethod
    def _choose(
        paths: list[str],
        entries: list[Entry | None],
        statuses: Collection[str],
        summaries: dict[str, str] | None,
    ) -> list[str]:
        chosen = []
        for rel, entry in zip(paths, entries, strict=True):
            if entry is None or entry[STATUS] is None:  # changed, or invalid
                chosen.append(rel)
            elif entry[STATUS] in statuses:
                if summaries is not None and entry[SUMMARY] is not None:
                    summaries[rel] = entry[SUMMARY]
                else:
                    chosen.append(rel)
        return chosen

    def fresh_entries(self, paths: list[str]) -> list[Entry | None]:
        """The index entry of each file of ``paths`` that is certainly unchanged, None
        for the others: by stat, and for indexed files whose stat changed, by the
        digest of their text (``renew``)."""
        if not self.cache.knows_any():
            return [None] * len(paths)  # a first run: nothing to compare (no stat)
        root = str(self.root)  # strings, not a Path per file: 100,000 of them add up
        stats = self.cache.stats_taken(paths)  # by a comparison that found too many changed
        if stats is None:
            stats = stat_files(root, paths)
        entries = self.cache.fresh_all(paths, stats)
        knows = self.cache.knows
        touched = [i for i, e in enumerate(entries) if e is None and knows(paths[i])]
        renewed = self.renew([paths[i] for i in touched], [stats[i] for i in touched])
        for i, entry in zip(touched, renewed, strict=True):
            entries[i] = entry
        return entries

    def renew(self, rels: list[str], stats: list[FileStat | None]) -> list[Entry | None]:
        """Of indexed files whose stat changed (``stats``, taken before this call), the
        entries of those whose text is still the indexed one, kept under the new stat
        (``RecordCache.renew``); None for the others. A fresh clone with the index
        restored: git tells which files are as checked out, and their blob IDs, which
        are their digests; only the others are read and hashed (on every core)."""
        if type(self) is not Repository or not rels:
            return [None] * len(rels)
        renew = self.cache.renew
        out: list[Entry | None] = [None] * len(rels)
        blobs = self.checked_out(rels)
        rest = []
        for i, (rel, stat) in enumerate(zip(rels, stats, strict=True)):
            blob = blobs.get(rel)
            entry = None if blob is None else renew(rel, stat, blob)
            if entry is None:
                rest.append(i)  # not as checked out, or a text that is not its blob
            else:
                out[i] = entry
        limit = self.config.limits.max_file_bytes
        hashed = hash_files(self.root, [rels[i] for i in rest], limit)
        for i, (stat, key) in zip(rest, hashed, strict=True):
            out[i] = renew(rels[i], stat, key)
        return out

    def checked_out(self, rels: list[str]) -> dict[str, str]:
        """Of many files whose stat changed, those git finds as checked out: path -> blob
        ID, which is the digest of their text (``git.checked_out_blobs``). Empty for a
        few files (reading them costs less than asking git), or without git."""
        if type(self) is not Repository or len(rels) < GIT_RENEW_AFTER:
            return {}
        from incidentctl.store import git  # subprocess: only when git is asked

        try:
            return git.checked_out_blobs(self.root, rels)
        except git.GitError:  # not a git work tree, or no git: the files are hashed
            return {}

    def _quick(self, summaries: bool) -> tuple[list[str], bytes] | None:
        """The incident files and their status codes when no file came or went and few
        changed since the last complete save of the index (``RecordCache.quick``: a
        changed file has code 0, read), else None. When a folder changed (a ``git
        pull``, a checkout) and ``guess_paths_with`` began the comparison all the same,
        the folders are walked while a child stats the files, and the walk must find
        the snapshot's files."""
        files = self.incident_files
        if not isinstance(files, IncidentFiles):
            return None  # a snapshot lists git's tree
        self.cache.open(summaries)
        if self.cache.rewalking:  # a folder changed: walk while the child stats the files
            if not self._walk_beside_stats(files):
                return None
            return self.cache.quick(str(self.root), files.listed)
        return self.cache.quick(str(self.root), folder_mtimes(self.root / "incidents"))

    def _walk_beside_stats(self, files: IncidentFiles) -> bool:
        """While a child stats the snapshot's files (``RecordCache.begin`` with
        ``rewalk``): walk the folders; whether the walk, begun after the index was
        opened (see ``save_whole``), found the snapshot's very files
        (``RecordCache.relist``)."""
        walked = self.incident_paths()
        fresh = files.walked_at > self.cache.opened_at > 0
        return self.cache.relist(walked, fresh and files.tidy)

    def settled_incidents(self, now: int) -> list[tuple[str, int]] | None:
        """For a whole ``validate`` when no file came or went since the index was saved:
        every incident file, in order, and its state (``RecordCache.settled``), taken
        from the index without walking the folders; ``incident_files`` is then what a
        walk would have found. After a folder changed (a ``git pull``), the folders are
        walked while a child stats the files, and the walk must find the snapshot's
        files. None when that cannot be proven."""
        files = self.incident_files
        if not isinstance(files, IncidentFiles):
            return None  # a snapshot lists git's tree
        self.cache.open()
        folders = folder_mtimes(self.root / "incidents")
        listed = None
        if self.cache.begin_settled(str(self.root), folders):  # while a child stats the files
            if self.cache.rewalking:  # a folder changed (a pull): walk meanwhile
                if not self._walk_beside_stats(files):
                    return None
                folders = files.listed
            else:
                listed = by_id(self.cache.guess()[0])
        found = self.cache.settled(str(self.root), folders, now)
        if found is None:
            return None
        paths, settled = found
        if not self.cache.relisted:  # else the walk found these very paths
            files.adopt(paths if listed is None else listed)  # the same paths: the snapshot's
        return list(zip(paths, settled, strict=True))

    def _listed_paths(self, summaries: bool) -> list[str] | None:
        """The incident files the last whole load found, if no incident folder changed
        since (a folder's mtime moves with any name added, removed or renamed in it):
        the walk of 100,000 names is then spared. None when a walk is needed."""
        if not isinstance(self.incident_files, IncidentFiles):
            return None  # a snapshot lists git's tree
        self.cache.open(summaries)
        listing = self.cache.listing()
        if listing is None or listing[0] != folder_mtimes(self.root / "incidents"):
            return None
        return [rel for rel in listing[1] if INCIDENT_PATH.match(rel)]

    def save_whole(self) -> None:
        """Save the index after a whole load (which walked every folder, or took the
        files from the index's listing while it held).

        The folders' mtimes are kept only if the walk began after the index was
        opened, that is after this run's stamp: a file added in the same clock tick
        as a folder's mtime, after the walk, must make the folder racy. A listing
        that gave the files is kept as it was: dropping it (and the snapshot with it)
        made the next command walk and read every row.
        """
        files = self.incident_files
        held = self.cache.held_listing
        if isinstance(files, IncidentFiles) and files.walked_at > self.cache.opened_at > 0:
            paths = self.incident_paths()
            self.cache.save(prune=True, folders=files.listed, paths=paths, tidy=files.tidy)
        elif isinstance(files, IncidentFiles) and not files.walked_at and held is not None:
            # the files came from the index's listing (known_incident_paths), which held
            self.cache.save(prune=True, folders=held[0], paths=self.incident_paths(), tidy=held[1])
        else:
            self.cache.save(prune=True)

    def save_seen(self) -> None:
        """Save the index after reading some records. When this run walked every folder
        (after the index was opened, as for ``save_whole``), the walk's listing and a
        snapshot are kept too, so that the next run spares the walk and the rows (after
        a ``git pull``, the first run walks and the next ones do not)."""
        files = self.incident_files
        if isinstance(files, IncidentFiles) and files.walked_at > self.cache.opened_at > 0:
            paths = self.incident_paths()
            self.cache.save(prune=False, folders=files.listed, paths=paths, tidy=files.tidy)
        else:
            self.cache.save(prune=False)

    def load_incidents(
        self, rels: Iterable[str] | None = None, *, save: bool = False
    ) -> list[IncidentRecord]:
        """Load every incident file, or ``rels``; a full load (or ``save``) updates the index."""
        if rels is None:
            self.cache.open()  # before the walk (see save_whole)
        chosen = self.incident_paths() if rels is None else list(rels)
        if rels is None or len(chosen) > CACHE_AFTER:
            self.cache.open()
        if rels is None:
            self.cache.prefetch()
        else:
            self.cache.prefetch_for(chosen)
        # The records live until the run ends, so collecting garbage while building them
        # only costs time (about a tenth of a 10,000-file load).
        collecting = gc.isenabled()
        gc.disable()
        try:
            records = [r for r in map(self.load_incident, chosen, self.parsed(chosen)) if r]
        finally:
            if collecting:
                gc.enable()
        if rels is None:
            self.save_whole()
        elif save:
            self.cache.save(prune=False)
        return records

    def iter_incidents(
        self, rels: list[str], statuses: Collection[str] | None = None
    ) -> Iterator[tuple[str, IncidentRecord | None, list[Diagnostic]]]:
        """Each file of ``rels`` in turn: its record (None if invalid) and loading
        findings (which also join ``diagnostics``). Records are not kept, so memory
        stays flat; the caller saves the index.

        With ``statuses``, a file that a worker process found clean and of another
        status is noted in the index (its record cached) and not yielded: a cold run
        that wants the open incidents rebuilds no other record. Any other file is
        yielded whatever its status.
        """
        many = len(rels) > CACHE_AFTER
        if many:
            self.cache.open()
        results = self.parsed(rels)
        for start in range(0, len(rels), PREFETCH):
            chunk = rels[start : start + PREFETCH]
            if many:  # the cached records of a batch at once; never all of them
                self.cache.prefetch_for(chunk)
            for rel, parsed in zip(chunk, results, strict=False):
                other = statuses is not None and parsed is not None and parsed[2] not in statuses
                if other and parsed is not None and self._note_parsed(rel, parsed):
                    continue  # clean, of another status: noted, not rebuilt
                record, problems = self.read_incident(rel, parsed)
                self.diagnostics.extend(problems)
                yield rel, record, problems

    def parsed(self, chosen: list[str]) -> Iterator[Parsed]:
        """Workers' results for a cold load of many files, in order; else None for each."""
        if type(self) is not Repository or self._incidents or self.cache.has_records():
            return itertools.repeat(None)  # a snapshot reads from git; a warm run the cache
        stream = parse_stream(self.root, chosen, self.config.limits.max_file_bytes)
        return itertools.repeat(None) if stream is None else stream

    def kb_article(self, kb_id: str) -> KbArticle | None:
        records = self.kb.get(kb_id)
        return records[0].model if records else None


def _of_codes(listed: list[str], codes: bytes, statuses: Collection[str]) -> list[str]:
    """The incident files of ``listed`` whose status code (``CODES``) is one of
    ``statuses`` or 0 (invalid or changed: read)."""
    wanted = {CODES[s] for s in statuses if s in CODES} | {0}
    return [p for p, c in zip(listed, codes, strict=True) if c in wanted and INCIDENT_PATH.match(p)]


def load_repository(root: Path, use_cache: bool = False) -> Repository:
    """Read configuration, policies and KB front matter; index incident files by name.

    With ``use_cache``, validated incidents are kept in ``.incidentctl-cache/`` by
    content hash (see ``store.cache``).
    """
    diagnostics: list[Diagnostic] = []
    config = _load_config(root, diagnostics)
    limit = config.limits.max_file_bytes
    policies = _load_policies(root, limit, diagnostics)
    incident_files = IncidentFiles(root, diagnostics)  # looked up by name, walked on demand
    kb = _load_kb(root, limit, diagnostics)
    # a change of the policies or the configuration starts the index afresh: verdicts
    # depend on them (the file size limit, every reference to a service or team)
    texts = [f"{n}\0{s.text}" for n, s in sorted(policies.sources.items())]
    with contextlib.suppress(OSError):
        texts.append((root / CONFIG_FILE).read_text(encoding="utf-8", errors="replace"))
    policy_key = digest("\0".join(texts))
    cache = RecordCache.for_root(root, use_cache, policy_key)
    if cache.path is not None:
        holidays_book.remember_in(cache.path.parent / holidays_book.FILE_NAME)
    return Repository(root, config, policies, incident_files, kb, diagnostics, cache)


def _load_config(root: Path, diagnostics: list[Diagnostic]) -> RepoConfig:
    path = root / CONFIG_FILE
    if not path.is_file():
        return RepoConfig()
    read = read_yaml(path, CONFIG_FILE, 1024 * 1024)
    model, diags = validate_model(read, RepoConfig)
    diagnostics.extend(read.diagnostics)
    diagnostics.extend(diags)
    return model or RepoConfig()


def _load_policies(root: Path, limit: int, diagnostics: list[Diagnostic]) -> Policies:
    policies = Policies()
    missing = []
    for name, model_cls in POLICY_MODELS.items():
        rel = f"policies/{name}.yaml"
        if not (root / rel).is_file():
            missing.append(rel)
            continue
        read = read_yaml(root / rel, rel, limit)
        model, diags = validate_model(read, model_cls)
        diagnostics.extend(read.diagnostics)
        diagnostics.extend(diags)
        if read.source is not None:
            policies.sources[name] = read.source
        setattr(policies, name, model)
    if missing:
        diagnostics.append(
            files.MISSING_POLICY.at(
                missing[0],
                None,
                None,
                "missing policy file"
                + ("s" if len(missing) > 1 else "")
                + ": "
                + ", ".join(missing),
                "copy them from an existing repository, or run `incidentctl init DIR` in an"
                " empty folder and take its policies/ as a starting point",
            )
        )
    return policies


def _load_kb(root: Path, limit: int, diagnostics: list[Diagnostic]) -> dict[str, list[KbRecord]]:
    kb: dict[str, list[KbRecord]] = {}
    base = root / "kb"
    if not base.is_dir():
        return kb
    for path in sorted(base.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        rel = path.relative_to(root).as_posix()
        if path.suffix != ".md" or path.name.lower() in ("readme.md", "index.md"):
            if path.suffix != ".md":
                diagnostics.append(
                    files.MISPLACED.at(
                        rel, None, None, "not a KB article: articles are kb/<ID>-<slug>.md"
                    )
                )
            continue
        read, body = read_front_matter(path, rel, limit)
        model, diags = validate_model(read, KbArticle)
        diagnostics.extend(read.diagnostics)
        diagnostics.extend(diags)
        if read.source is not None and model is not None:
            kb.setdefault(model.id, []).append(KbRecord(read.source, model, body))
    return kb
