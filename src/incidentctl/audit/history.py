"""The history of one record: each commit that changed it and what it changed.

The record is followed across year folders by its file name, on the branch's
first-parent line, with the same replay as the audit, so the findings shown are
the audit's. For a merge, the
commits of the merged branch that touched the record are listed too (one more
``git log`` per such merge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from incidentctl.audit.findings import Finding
from incidentctl.audit.replay import Replayer, blobs_needed, resolve
from incidentctl.errors import UsageError
from incidentctl.model.config import RepoConfig
from incidentctl.store import git, gitlog
from incidentctl.store.changeset import IncidentChange, Version
from incidentctl.store.yamlread import comparable

_ID = re.compile(r"INC-\d{4}-\d{4,}\Z")
SIGNATURES = {
    "G": "good",
    "U": "good (key of unknown validity)",
    "N": "none",
    "B": "bad",
    "E": "cannot be checked (key not known here)",
    "X": "good, but expired",
    "Y": "good, by an expired key",
    "R": "made by a revoked key",
    "?": "not checked",
}
_CHANGE = {"A": "added", "M": "modified", "D": "deleted"}


@dataclass
class RecordDiff:
    """What one commit did to one file of the record, in the record's terms."""

    path: str
    change: str  # added | modified | deleted
    status_from: str | None
    status_to: str | None
    fields: list[tuple[str, Any, Any]]  # (field, old, new), comparable values
    appended: list[Any]  # timeline entries added at the end

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": self.change,
            "status": {"from": self.status_from, "to": self.status_to},
            "fields": [{"field": f, "old": old, "new": new} for f, old, new in self.fields],
            "appended": self.appended,
        }


@dataclass
class HistoryEntry:
    """One commit on the branch that changed the record."""

    commit: gitlog.Commit
    diffs: list[RecordDiff]
    findings: list[Finding]
    branch_commits: list[gitlog.Commit] = field(default_factory=list)


def _status(version: Version | None) -> str | None:
    value = version.data.get("status") if version is not None else None
    return value if isinstance(value, str) else None


def describe(item: IncidentChange) -> RecordDiff:
    """The semantic diff of one change: status step, changed fields, appended entries."""
    base = item.base.data if item.base is not None else {}
    head = item.head.data if item.head is not None else {}
    fields = []
    for name in [*head, *(k for k in base if k not in head)]:
        if name == "timeline":
            continue
        old, new = comparable(base.get(name)), comparable(head.get(name))
        if old != new and name != "status" and item.status == "M":
            fields.append((name, old, new))
    old_tl = base.get("timeline") if isinstance(base.get("timeline"), list) else []
    new_tl = head.get("timeline") if isinstance(head.get("timeline"), list) else []
    assert isinstance(old_tl, list) and isinstance(new_tl, list)
    prefix = [comparable(e) for e in old_tl] == [comparable(e) for e in new_tl[: len(old_tl)]]
    appended = [comparable(e) for e in new_tl[len(old_tl) :]] if prefix else []
    if not prefix:  # an edit the audit reports: show the entries that differ
        for i in range(max(len(old_tl), len(new_tl))):
            old = comparable(old_tl[i]) if i < len(old_tl) else None
            new = comparable(new_tl[i]) if i < len(new_tl) else None
            if old != new:
                fields.append((f"timeline[{i}]", old, new))
    return RecordDiff(
        item.rel,
        _CHANGE.get(item.status, "modified"),
        _status(item.base),
        _status(item.head),
        fields,
        appended,
    )


def _locate(root: Path, revision: str, incident_id: str, other_than: str = "") -> str | None:
    """The path of the record's file in the tree of ``revision`` (any year folder)."""
    name = f"{incident_id}.yaml"
    for rel in git.tree_names(root, revision, "incidents"):
        if PurePosixPath(rel).name == name and rel != other_than:
            return rel
    return None


def _commits(root: Path, head: str, incident_id: str) -> list[gitlog.Commit]:
    """The first-parent commits that changed the record, following its moves.

    Each ``git log`` names one literal path, so that git can use the changed-path
    Bloom filters of a commit graph (``git commit-graph write --changed-paths``);
    a glob or a second path would make it diff every commit. When the oldest
    commit found added the file and the record existed elsewhere just before, the
    file was moved: that commit is read again with both paths, and the walk goes
    on from its parent with the old path.
    """
    path = _locate(root, head, incident_id)
    if path is None:  # no longer in the tree: find it wherever it was
        return gitlog.log(root, [head], [f":(glob)incidents/*/{incident_id}.yaml"], signatures=True)
    found: list[gitlog.Commit] = []
    revision = head
    while True:
        part = gitlog.log(root, [revision], [path], signatures=True)
        if not part:
            return found
        first = part[0]
        added = any(c.path == path and c.status == "A" for c in first.changes)
        older = None
        if added and first.parents:
            older = _locate(root, first.parents[0], incident_id, other_than=path)
        if older is None:
            return part + found
        both = gitlog.log(root, [f"{first.sha}^!"], [older, path], signatures=True)
        found = both + part[1:] + found
        revision, path = first.parents[0], older


def record_history(
    root: Path, config: RepoConfig, incident_id: str, until: str | None
) -> list[HistoryEntry]:
    """Every first-parent commit up to ``until`` that changed the record, oldest first."""
    if not _ID.match(incident_id):
        raise UsageError(
            f"ID: {incident_id!r} is not an incident ID", "IDs look like INC-2026-0042"
        )
    gitlog.require_full_history(root, "history")
    head = resolve(root, "--until", until)
    commits = _commits(root, head, incident_id)
    blobs = gitlog.stream_blobs(root, blobs_needed(commits))
    replayer = Replayer(config.audit, blobs, config.limits.max_file_bytes)
    entries = []
    for commit in commits:
        items = replayer.versions(commit)
        if not items:
            continue
        findings = replayer.findings(commit, items)
        branch: list[gitlog.Commit] = []
        if commit.is_merge:
            side = f"{commit.parents[0]}..{commit.parents[1]}"
            paths = sorted({c.path for c in commit.changes})
            branch = gitlog.log(root, [side], paths, first_parent=False, signatures=True)
        entries.append(HistoryEntry(commit, [describe(i) for i in items], findings, branch))
    return entries


def commit_dict(commit: gitlog.Commit) -> dict[str, Any]:
    """A commit's facts for JSON."""
    return {
        "commit": commit.sha,
        "parents": list(commit.parents),
        "author": commit.author,
        "author_email": commit.author_email,
        "author_date": commit.author_date,
        "committer": commit.committer,
        "committer_email": commit.committer_email,
        "committer_date": commit.committer_date,
        "signature": SIGNATURES.get(commit.signature, commit.signature),
        "subject": commit.subject,
        "pull_request": commit.pull_request,
        "corrections": list(commit.corrections),
    }


def entry_dict(entry: HistoryEntry) -> dict[str, Any]:
    return {
        **commit_dict(entry.commit),
        "merge": entry.commit.is_merge,
        "changes": [d.as_dict() for d in entry.diffs],
        "findings": [f.as_dict() for f in entry.findings],
        "branch_commits": [commit_dict(c) for c in entry.branch_commits],
    }
