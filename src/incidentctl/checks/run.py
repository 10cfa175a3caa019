"""The check runner and the table of every check; importing it registers every rule.

Checking many incident files is incremental. Each file's *verdict* (its loading
findings and those of every incident check) is kept in the index with what it
depended on outside the file (the look-ups noted by ``Context``) and the latest time
it names. The next run stats every file and reuses a verdict when the file is
unchanged, ``now`` is past that time and every look-up has the same answer today;
only the rest is parsed and checked. The index itself is keyed by the tool's and
the policies' versions (``store.cache``), so a verdict is never served stale.

Records are checked as they are read and then dropped, so memory does not grow
with the repository.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from incidentctl.checks import changes, files, schema  # noqa: F401  (registers their rules)
from incidentctl.checks.context import Context, IncidentCheck, Read, RepoCheck
from incidentctl.checks.identity import check_identity, check_unique_ids
from incidentctl.checks.kb import check_backlinks, check_kb
from incidentctl.checks.paging import check_paging
from incidentctl.checks.policies import check_policies
from incidentctl.checks.references import check_references
from incidentctl.checks.state import check_state
from incidentctl.checks.timeline import check_timeline, latest
from incidentctl.diagnostics import Diagnostic, Severity
from incidentctl.ids import id_from_path
from incidentctl.model.incident import Incident
from incidentctl.store.cache import (
    CHANGED,
    DEPENDS,
    LATEST,
    SETTLED,
    STATUS,
    VERDICT,
    Entry,
    FileStat,
    digest,
    file_stat,
)
from incidentctl.store.parallel import stream
from incidentctl.store.reader import parse_incident, read_text
from incidentctl.store.repo import CACHE_AFTER, IncidentRecord, Repository, load_repository
from incidentctl.store.source import Source

INCIDENT_CHECKS: tuple[IncidentCheck, ...] = (
    check_identity,
    check_references,
    check_timeline,
    check_state,
    check_backlinks,
)
REPO_CHECKS: tuple[RepoCheck, ...] = (check_unique_ids, check_policies, check_paging, check_kb)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def run(
    repo: Repository, now: datetime, incident_paths: Iterable[str] | None = None
) -> list[Diagnostic]:
    """Every finding for the repository, or for the chosen incident files.

    Loading findings (syntax, schema) come first; checks only see valid records.
    """
    chosen = None if incident_paths is None else list(incident_paths)
    ids = None if chosen is None else {i for i in map(id_from_path, chosen) if i}
    ctx = Context(repo, now, ids)
    checker = _Checker(ctx)
    if chosen is None:
        repo.cache.open()  # before the walk (see Repository.save_whole)
        settled = repo.settled_incidents(checker.now)
        if settled is not None:  # no file came or went: no walk, few rows read
            out = checker.check_settled(settled)
        else:
            out = checker.check(repo.incident_paths(), True)
    else:
        out = checker.check(chosen, False)
    for repo_check in REPO_CHECKS:
        out.extend(repo_check(ctx))
    out.extend(repo.diagnostics)
    return sorted(set(out), key=Diagnostic.sort_key)


def micros(instant: datetime) -> int:
    """An aware datetime as whole microseconds since the epoch (exact)."""
    return (instant - _EPOCH) // timedelta(microseconds=1)


class _Checker:
    """Checks incident files, reusing the verdicts the index holds where they still hold."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self.now = micros(ctx.now)
        self.checked: dict[str, str | None] = {}  # path -> status, of files checked here
        self.fresh: dict[str, Entry] = {}  # path -> index entry, of unchanged files
        ctx.status_lookup = self.status_of

    def check(self, paths: list[str], whole: bool) -> list[Diagnostic]:
        """The findings of every file of ``paths`` (``whole``: every incident file)."""
        cache = self.repo.cache
        if whole or len(paths) > CACHE_AFTER:
            cache.open()
        out: list[Diagnostic] = []
        if cache.is_open:
            self._reuse(list(zip(paths, self.repo.fresh_entries(paths), strict=True)), out)
        else:
            self._check_files(paths, out)
        if whole:
            self.repo.save_whole()
        elif cache.is_open:
            cache.save(prune=False)
        return out

    def check_settled(self, settled: list[tuple[str, int]]) -> list[Diagnostic]:
        """The findings of every incident file when the index proved that no file came
        or went (``Repository.settled_incidents``): a settled file has none, and is not
        even looked up; only the rows of the others are read, and the changed files
        checked again."""
        cache = self.repo.cache
        others = [(rel, state) for rel, state in settled if state != SETTLED]
        out: list[Diagnostic] = []
        if others:
            rows = cache.rows([rel for rel, _ in others])  # a changed file's, for note()
            fresh = [
                (rel, None if state == CHANGED else entry)
                for (rel, state), entry in zip(others, rows, strict=True)
            ]
            self._reuse(fresh, out)
        if others or cache.relisted:  # a walk's listing, too (Repository.save_seen)
            self.repo.save_seen()
        return out

    def _reuse(self, fresh: list[tuple[str, Entry | None]], out: list[Diagnostic]) -> None:
        """Each file's verdict from its index entry (None: changed) where it still holds,
        else the file checked again; findings into ``out``."""
        cache = self.repo.cache
        todo, reusable = [], []
        for rel, entry in fresh:
            if entry is None:
                todo.append(rel)
                continue
            self.fresh[rel] = entry
            if entry[VERDICT] is not None and entry[LATEST] <= self.now:
                reusable.append((rel, entry))
            else:
                todo.append(rel)
        self._check_files(todo, out)
        again = []
        holds: dict[str | None, bool] = {"[]": True}  # records often depend alike
        for rel, entry in reusable:
            depends = entry[DEPENDS]
            if depends not in holds:
                holds[depends] = self._holds(depends)
            verdict = decode(entry[VERDICT]) if holds[depends] else None
            if verdict is None:
                again.append(rel)
            else:
                out.extend(verdict)
                cache.keep(rel, entry)
        self._check_files(again, out)

    def _holds(self, depends: str | None) -> bool:
        """Whether noted look-ups (JSON) have the same answers today; False if unreadable."""
        try:
            return self.ctx.still_holds(json.loads(depends or "[]"))
        except (ValueError, TypeError):
            return False

    def status_of(self, incident_id: str) -> str | None:
        """The status of a valid incident by ID: from this run, the index or its file."""
        rels = self.repo.incident_files.get(incident_id)
        if not rels:
            return None
        rel = rels[0]
        if rel in self.checked:
            return self.checked[rel]
        entry = self.fresh.get(rel)
        if entry is not None and entry[STATUS] is not None:
            return entry[STATUS]
        known = self.repo.cache.proven_status(rel)  # a settled file: not looked up
        if known is not None:
            return known
        record = self.repo.load_incident(rel)  # kept: checking it later reuses the read
        return None if record is None else record.model.status.value

    def _check_files(self, rels: list[str], out: list[Diagnostic]) -> None:
        repo, cache = self.repo, self.repo.cache
        workers = None
        if type(repo) is Repository:  # a snapshot reads from git, not from files
            workers = stream(check_chunk, rels, str(repo.root), self.ctx.now.isoformat())
        for rel, done in zip(rels, workers or itertools.repeat(None), strict=False):
            checked: Checked
            if done is None:
                record, problems = repo.read_incident(rel)
                checked = _check_record(self.ctx, record, problems)
            else:  # what the worker read and found
                checked, (stat, key, valid, blob) = done[:4], done[4:]
                cache.note(rel, stat, key, checked[0] if valid else None)
                if blob is not None:
                    cache.put_json(key, blob)
            status, verdict, depends, when = checked
            self.checked[rel] = status
            if when <= self.now:  # else the future rule's findings change with now
                cache.note_verdict(rel, verdict, depends, when)
            out.extend(decode(verdict) or ())


# the model's status, the findings and the look-ups (JSON), the latest time named;
# from a worker also the file's stat and digest, whether it is clean, and its JSON
Checked = tuple[str | None, str, str, int]
FromWorker = tuple[str | None, str, str, int, FileStat | None, str, bool, str | None]


def _check_record(
    ctx: Context, record: IncidentRecord | None, problems: list[Diagnostic]
) -> Checked:
    """Every incident check of one record, with the look-ups they made."""
    found = list(problems)
    reads: list[Read] = []
    if record is None:
        return None, encode(found), "[]", 0
    ctx.reads = reads
    try:
        for check in INCIDENT_CHECKS:
            found.extend(check(ctx, record))
    finally:
        ctx.reads = None
    when = micros(latest(record.model))
    return record.model.status.value, encode(found), json.dumps(reads) if reads else "[]", when


_WORKER: dict[tuple[str, str], Context] = {}  # a worker process's repository, once


def check_chunk(root: str, now: str, rels: Sequence[str]) -> list[FromWorker | None]:
    """In a worker process: read and check each file (None if it cannot be read).

    Step by step over the whole chunk (every stat, then every read, every parse, every
    check, every record's JSON), not file by file: each step's code stays warm in the
    processor's caches, which takes about an eighth off the time a file costs.
    """
    ctx = _WORKER.get((root, now))
    if ctx is None:
        _WORKER.clear()
        ctx = _WORKER[(root, now)] = Context(
            load_repository(Path(root)), datetime.fromisoformat(now)
        )
    limit = ctx.repo.config.limits.max_file_bytes
    stats = [file_stat(f"{root}/{rel}") for rel in rels]  # before reading, as the index wants
    texts = [read_text(f"{root}/{rel}", rel, limit)[0] for rel in rels]
    sources = [
        None if text is None else Source(rel, text) for rel, text in zip(rels, texts, strict=True)
    ]
    parsed = [None if source is None else parse_incident(source) for source in sources]
    checked: list[tuple[str | None, str, str, int, FileStat | None, str, bool] | None] = []
    valid_models: list[Incident | None] = []  # their JSON after every check, all at once
    for source, stat, found in zip(sources, stats, parsed, strict=True):
        if source is None or found is None:
            checked.append(None)  # the parent reads it again and reports why
            valid_models.append(None)
            continue
        model, problems = found
        record = IncidentRecord(source, model) if model is not None else None
        valid = model is not None and not problems
        checked.append((*_check_record(ctx, record, problems), stat, digest(source.text), valid))
        valid_models.append(model if valid else None)
    blobs = [
        None if model is None else model.model_dump_json(by_alias=True, exclude_unset=True)
        for model in valid_models
    ]
    return [None if c is None else (*c, blob) for c, blob in zip(checked, blobs, strict=True)]


def encode(found: list[Diagnostic]) -> str:
    """Findings as JSON (the index's verdict column)."""
    if not found:
        return "[]"  # most records: without the encoder's call
    return json.dumps(
        [
            [d.code, d.name, d.severity.value, d.path, d.line, d.column, d.message, d.hint]
            for d in found
        ]
    )


def decode(text: str | None) -> list[Diagnostic] | None:
    """Findings from the index's verdict column; None if it is unreadable."""
    if text == "[]":
        return []
    try:
        return [
            Diagnostic(code, name, Severity(sev), path, line, col, message, hint)
            for code, name, sev, path, line, col, message, hint in json.loads(text or "")
        ]
    except (ValueError, TypeError):
        return None
