"""Replay every version of every record along the branch and check each step.

One ``git log --first-parent --raw`` names, for each commit on the branch, the
blobs of the incident files it changed; one ``git cat-file --batch`` streams
those blobs in the order the replay needs them. Each commit is then checked as a
pull request would have been: its changes go through the change rules of
``validate --base`` (``checks/changes.py``), so the audit and the pull-request
check can never disagree about what a legal change is.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from incidentctl.audit import rules
from incidentctl.audit.findings import AuditResult, Finding, finding
from incidentctl.checks.changes import check_changes
from incidentctl.diagnostics import Rule, Severity
from incidentctl.errors import UsageError
from incidentctl.ids import id_from_path
from incidentctl.model.common import format_duration
from incidentctl.model.config import AuditConfig
from incidentctl.store import git, gitlog
from incidentctl.store.changeset import INCIDENT_PATH, ChangeSet, IncidentChange, Version, _parse

DEFAULT_MAX_DRIFT = timedelta(hours=24)
# A commit's clock may run a little behind the clock of whoever wrote the entry.
CLOCK_SKEW = timedelta(minutes=5)
GOOD_SIGNATURES = frozenset("GU")
PROGRESS_EVERY = 1000  # commits between two progress reports
T = TypeVar("T")


def resolve(root: Path, option: str, ref: str | None) -> str:
    """The commit ``ref`` (default HEAD) names, or a usage error naming the option."""
    sha = git.resolve_commit(root, ref or "HEAD")
    if sha is None and ref is None:
        raise git.GitError("the repository has no commit yet", "commit the records first")
    if sha is None:
        raise UsageError(
            f"{option}: unknown revision {ref!r} (not a branch, tag or commit of this clone)",
            "fetch it first (git fetch origin <branch>), or pass a commit SHA",
        )
    return sha


def incident_changes(commit: gitlog.Commit) -> list[gitlog.FileChange]:
    """The changes of ``commit`` to incident files, in git's order."""
    return [c for c in commit.changes if INCIDENT_PATH.match(c.path)]


# The replay holds the latest version of this many records (the most recently
# changed), so that the next change of one is compared without reading its base
# again; older ones are read again when they change. Holding every record would cost
# ~40 KiB each: 4 GiB for 100,000.
KEEP = 5000
# A commit that changes more records than this (an import) is read and checked this
# many at a time, so that memory does not grow with the size of one commit.
CHUNK = 500


def _remember(latest: OrderedDict[str, T], path: str, value: T) -> None:
    """Hold ``value`` as ``path``'s latest, dropping the least recently changed past KEEP."""
    latest[path] = value
    latest.move_to_end(path)
    if len(latest) > KEEP:
        latest.popitem(last=False)


class Planner:
    """Which blobs the replay reads for each commit, in the order it reads them.

    It mirrors ``Replayer.versions``, step for step: a base version is read only
    when it is not the version the replay holds (at the start of a range, or after
    the record dropped out of the KEEP most recently changed), and every new version
    is read once.
    """

    def __init__(self) -> None:
        self.latest: OrderedDict[str, str] = OrderedDict()

    def needs(self, commit: gitlog.Commit) -> list[str]:
        wanted: list[str] = []
        for change in incident_changes(commit):
            if change.status != "A" and self.latest.get(change.path) != change.old_blob:
                wanted.append(change.old_blob)
            if change.status == "D":
                self.latest.pop(change.path, None)
            else:
                wanted.append(change.new_blob)
                _remember(self.latest, change.path, change.new_blob)
        return wanted


def blobs_needed(commits: list[gitlog.Commit]) -> list[str]:
    """The blobs the replay of ``commits`` reads, in order."""
    planner = Planner()
    return [sha for commit in commits for sha in planner.needs(commit)]


class Replayer:
    """Turns the commits of the branch, oldest first, into versions and findings."""

    def __init__(self, config: AuditConfig, blobs: Iterator[bytes | None], max_bytes: int):
        self.config = config
        self.blobs = blobs
        self.max_bytes = max_bytes
        self.latest: OrderedDict[str, tuple[str, Version | None]] = OrderedDict()
        self.parsed = 0
        self.seen: set[str] = set()

    def _read(self, path: str) -> Version | None:
        self.parsed += 1
        return _parse(path, next(self.blobs), self.max_bytes)

    def versions(
        self, commit: gitlog.Commit, changes: list[gitlog.FileChange] | None = None
    ) -> list[IncidentChange]:
        """The base and head version of each incident the commit changed (or of
        ``changes``, the next of them in order)."""
        out = []
        for change in incident_changes(commit) if changes is None else changes:
            self.seen.add(change.path)
            status = change.status if change.status in ("A", "D") else "M"
            item = IncidentChange(status, change.path)
            if status != "A":
                known = self.latest.get(change.path)
                if known is not None and known[0] == change.old_blob:
                    item.base = known[1]
                else:
                    item.base = self._read(change.path)
            if status == "D":
                self.latest.pop(change.path, None)
            else:
                item.head = self._read(change.path)
                _remember(self.latest, change.path, (change.new_blob, item.head))
            out.append(item)
        return out

    def severity(self, rule: Rule) -> Severity:
        return Severity.ERROR if rule.code in self.config.errors else rule.severity

    def check(self, commit: gitlog.Commit) -> list[Finding]:
        """Every finding of one commit on the branch."""
        changes = incident_changes(commit)
        if len(changes) <= CHUNK or any(c.status == "D" for c in changes):
            # a deletion may pair with any addition (a move): all versions at once
            return self.findings(commit, self.versions(commit, changes))
        # No deletion: each change is checked on its own, so a chunk's versions go
        # once checked; sorting by kind of finding, then by change, gives exactly
        # the order of one pass over the whole commit.
        keyed: list[tuple[tuple[int, int, int], Finding]] = []
        for start in range(0, len(changes), CHUNK):
            items = self.versions(commit, changes[start : start + CHUNK])
            keyed.extend(self._keyed(commit, items, start))
        keyed.sort(key=lambda pair: pair[0])
        return [f for _, f in keyed]

    def findings(self, commit: gitlog.Commit, items: list[IncidentChange]) -> list[Finding]:
        """Every finding of one commit, given the versions it changed."""
        return [f for _, f in self._keyed(commit, items, 0)]

    def _keyed(
        self, commit: gitlog.Commit, items: list[IncidentChange], first: int
    ) -> Iterator[tuple[tuple[int, int, int], Finding]]:
        """The findings of ``items`` (changes ``first``, ``first + 1``… of the commit),
        each with its place in a pass over the whole commit: unreadable versions,
        then the change rules (modified records before added ones, as
        ``check_changes`` yields them), then drift, then process, each by change."""
        index = {item.rel: first + i for i, item in enumerate(items)}
        added = {item.rel: int(item.status == "A") for item in items}
        for item in items:
            if item.status != "D" and (item.head is None or item.head.model is None):
                emitted = self._emit(rules.UNREADABLE_VERSION, commit, item.rel, None, None)
                yield (0, 0, index[item.rel]), emitted
        change_set = ChangeSet(commit.sha, "", [], items, {})
        backfilled: set[str] = set()
        for diag in check_changes(change_set, ()):
            rule = rules.FROM_CHANGE[diag.code]
            if rule is rules.BACKFILLED:
                backfilled.add(diag.path)
            emitted = self._emit(rule, commit, diag.path, diag.line, diag.message)
            yield (1, added.get(diag.path, 0), index.get(diag.path, 0)), emitted
        for item in items:
            if item.rel not in backfilled:
                for emitted in self._drift(commit, item):
                    yield (2, 0, index[item.rel]), emitted
        for emitted in self._process(commit, items):
            yield (3, 0, index.get(emitted.path, 0)), emitted
        for item in items:  # checked: kept versions need no source positions any more
            if item.head is not None:
                item.head.source.forget_positions()

    def _emit(
        self, rule: Rule, commit: gitlog.Commit, path: str, line: int | None, message: str | None
    ) -> Finding:
        if message is None:
            message = f"{path} at {commit.sha[:12]} does not parse or match the schema"
        hint = rules.HINTS[rule.code]
        if rule.severity is Severity.ERROR or rule.code in rules.CONFIGURABLE:
            hint = f"{hint}; {rules.EXPLAIN}"
        return finding(
            rule,
            commit,
            path,
            id_from_path(path),
            message,
            hint=hint,
            line=line,
            severity=self.severity(rule),
        )

    def _drift(self, commit: gitlog.Commit, item: IncidentChange) -> Iterator[Finding]:
        head = item.head
        if head is None or head.model is None:
            return
        start = 0
        if item.base is not None:
            if item.base.model is None:
                return
            start = len(item.base.model.timeline)
        limit = self.config.max_drift or DEFAULT_MAX_DRIFT
        authored = datetime.fromisoformat(commit.author_date)
        committed = datetime.fromisoformat(commit.committer_date)
        early: list[tuple[int, timedelta]] = []
        late: list[tuple[int, timedelta]] = []
        for i, entry in enumerate(head.model.timeline[start:], start):
            if entry.at > committed + CLOCK_SKEW:
                late.append((i, entry.at - committed))
            elif entry.at < authored - limit:
                early.append((i, authored - entry.at))
        for group, words in ((late, "after the commit"), (early, "before the commit")):
            if not group:
                continue
            first = group[0][0]
            worst = format_duration(max(d for _, d in group))
            count = len(group)
            message = (
                f"{count} timeline entr{'ies' if count != 1 else 'y'} dated up to {worst}"
                f" {words} that added {'them' if count != 1 else 'it'}"
                + (f" (audit.max_drift {format_duration(limit)})" if group is early else "")
            )
            line = head.source.locate(("timeline", first, "at"))[0]
            yield self._emit(rules.TIMESTAMP_DRIFT, commit, item.rel, line, message)

    def _process(self, commit: gitlog.Commit, items: list[IncidentChange]) -> Iterator[Finding]:
        direct = (
            self.config.require_merges
            and not commit.is_merge
            and commit.parents
            and commit.pull_request is None
        )
        signature = commit.signature
        unsigned = self.config.require_signed and signature not in GOOD_SIGNATURES
        for item in items:
            if direct:
                yield self._emit(
                    rules.DIRECT_PUSH,
                    commit,
                    item.rel,
                    None,
                    f"changed by a commit pushed to the branch ({commit.subject!r}),"
                    " not by a merged pull request",
                )
            if unsigned:
                yield self._emit(
                    rules.UNSIGNED,
                    commit,
                    item.rel,
                    None,
                    "changed by a commit whose signature is"
                    f" {_SIGNATURE_WORDS.get(signature, signature)}",
                )


_SIGNATURE_WORDS = {
    "N": "missing (unsigned)",
    "B": "bad",
    "E": "unverifiable (the key is not known here)",
    "X": "expired",
    "Y": "made by an expired key",
    "R": "made by a revoked key",
}


_DONE = object()


def _feed(
    commits: Iterator[gitlog.Commit], reader: gitlog.BlobReader, out: queue.Queue[object]
) -> None:
    """Read the log, ask for each commit's blobs, hand the commit on (runs in a thread)."""
    planner = Planner()
    try:
        for commit in commits:
            if incident_changes(commit):
                needs = planner.needs(commit)
                # handed on before asking: the replaying thread must be reading git's
                # answers while this one writes the questions, or a commit of thousands
                # of files fills both pipes and git, this thread and that one all wait
                out.put(commit)
                reader.request(needs)
        out.put(_DONE)
    except BaseException as exc:  # handed to the replaying thread, which raises it
        out.put(exc)
    finally:
        with contextlib.suppress(OSError):
            reader.finish()
        stop = getattr(commits, "close", None)
        if stop is not None:
            stop()  # ends git log early when the replay failed


def _answers(reader: gitlog.BlobReader) -> Iterator[bytes | None]:
    while True:
        yield reader.read()


def replay(
    root: Path,
    config: AuditConfig,
    since: str | None,
    until: str | None,
    max_bytes: int,
    progress: Callable[[int], None] | None = None,
) -> AuditResult:
    """Audit the first-parent history ``since..until`` (whole history when ``since`` is None).

    Three things run at once: git writes the log, a thread reads it and asks
    ``git cat-file`` for the blobs, and this thread parses and checks them.
    """
    gitlog.require_full_history(root, "audit")
    head = resolve(root, "--until", until)
    revisions = [head]
    base = None
    if since is not None:
        base = resolve(root, "--since", since)
        revisions.insert(0, f"^{base}")
    reader = gitlog.BlobReader(root)
    handoff: queue.Queue[object] = queue.Queue()
    commits = gitlog.iter_log(root, revisions, signatures=config.require_signed)
    feeder = threading.Thread(target=_feed, args=(commits, reader, handoff), daemon=True)
    feeder.start()
    replayer = Replayer(config, _answers(reader), max_bytes)
    result = AuditResult(head, base)
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, gitlog.Commit)
            result.commits += 1
            result.findings.extend(replayer.check(item))
            if progress is not None and result.commits % PROGRESS_EVERY == 0:
                progress(result.commits)
    finally:
        reader.close()
        feeder.join()
    result.records = len(replayer.seen)
    result.versions = replayer.parsed
    return result
