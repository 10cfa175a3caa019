"""What a pull request changes: the base and head versions of every changed incident.

Only changed files are read: one ``git diff`` names them, one ``git cat-file
--batch`` reads every base version (and the head versions, unless the working
tree is the head), and each is parsed with the fast reader. A pull request that
touches 3 incidents of 10,000 parses 3 files and their 3 base versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incidentctl.ids import id_from_path
from incidentctl.model.incident import Incident
from incidentctl.store import git
from incidentctl.store.reader import Read, decode_text, parse_yaml, validate_model
from incidentctl.store.source import Source

INCIDENT_PATH = re.compile(r"incidents/\d{4}/INC-\d{4}-\d{4,}\.yaml\Z")
YEAR_PATH = re.compile(r"incidents/\d{4}\Z")
WATCHED = ("incidents", "policies", "kb", "incidentctl.yaml")
HEAD = "HEAD"


@dataclass(eq=False)
class Version:
    """One version of one incident file; ``model`` is None when it fails the schema."""

    source: Source
    data: dict[str, Any]
    model: Incident | None


@dataclass(eq=False)
class IncidentChange:
    """An added (``A``), modified (``M``) or deleted (``D``) incident file.

    ``base`` or ``head`` is None where the file does not exist or cannot be read.
    """

    status: str
    rel: str
    base: Version | None = None
    head: Version | None = None


@dataclass(eq=False)
class ChangeSet:
    """Everything ``validate --base`` compares."""

    ref: str
    merge_base: str
    paths: list[str]  # changed files that exist in the head, for the normal rules
    incidents: list[IncidentChange]
    # ID -> path in the tree of REF itself, for collisions: the IDs of the added files
    # that REF holds, and every ID of their year folders (for the next free number)
    ref_ids: dict[str, str]
    ref_versions: dict[str, Version | None] = field(default_factory=dict)  # ID -> REF's record


def _parse(rel: str, raw: bytes | None, max_bytes: int) -> Version | None:
    if raw is None or len(raw) > max_bytes:
        return None
    text, _ = decode_text(raw, rel)
    if text is None:
        return None
    source = Source(rel, text)
    data, diags = parse_yaml(text, source)
    if data is None:
        return None
    model, _ = validate_model(Read(source, data, diags), Incident)
    return Version(source, data, model)


def _merge_base(root: Path, ref: str) -> str:
    git.require_repository(root, "validate --base")
    if git.is_shallow(root):
        raise git.ShallowClone(
            f"--base {ref}: this clone is shallow, so the merge base with {ref} cannot be found",
            git.SHALLOW_HINT,
        )
    ref_sha = git.resolve_commit(root, ref)
    if ref_sha is None:
        raise git.GitError(
            f"--base: unknown revision {ref!r} (not a branch, tag or commit of this clone)",
            f"fetch it first, e.g. `git fetch origin {ref}`, and pass origin/<branch>;"
            " in GitHub Actions check out with `fetch-depth: 0`",
        )
    head = git.resolve_commit(root, HEAD)
    if head is None:
        raise git.GitError("--base: the repository has no commit yet")
    base = git.merge_base(root, ref_sha, head)
    if base is None:
        raise git.GitError(f"--base: {ref} and HEAD share no history")
    return base


def load_changes(root: Path, ref: str, *, include_uncommitted: bool, max_bytes: int) -> ChangeSet:
    """Find and read the files that differ between the merge base of ``ref`` and HEAD.

    With ``include_uncommitted`` the head is the working tree (tracked changes and
    untracked files); otherwise it is the HEAD commit.
    """
    base = _merge_base(root, ref)
    changes = git.diff_names(root, base, None if include_uncommitted else HEAD, WATCHED)
    if include_uncommitted:
        changes += [git.Change("A", p) for p in git.untracked(root, WATCHED)]
    paths = sorted({c.path for c in changes if c.status != "D"})
    incidents = [IncidentChange(c.status, c.path) for c in changes if INCIDENT_PATH.match(c.path)]
    ref_ids = _ref_ids(root, ref, [c.rel for c in incidents if c.status == "A"])
    wanted: list[tuple[str, str]] = []
    ids: dict[tuple[str, str], str] = {}  # both sides by blob ID, where the diff gave one
    for diffed in changes:
        ids[(base, diffed.path)] = diffed.old
        ids[(HEAD, diffed.path)] = diffed.new
    for change in incidents:
        if change.status != "A":
            wanted.append((base, change.rel))
        if change.status != "D" and not include_uncommitted:
            wanted.append((HEAD, change.rel))
        incident_id = id_from_path(change.rel)
        if change.status == "A" and incident_id in ref_ids:
            wanted.append((ref, ref_ids[incident_id]))
    blobs = git.read_blobs(root, wanted, ids)
    result = ChangeSet(ref, base, paths, incidents, ref_ids)
    for change in incidents:
        if change.status != "A":
            change.base = _parse(change.rel, blobs.get((base, change.rel)), max_bytes)
        if change.status != "D":
            raw = (
                _read_disk(root / change.rel)
                if include_uncommitted
                else blobs.get((HEAD, change.rel))
            )
            change.head = _parse(change.rel, raw, max_bytes)
        incident_id = id_from_path(change.rel)
        if change.status == "A" and incident_id in ref_ids:
            ref_rel = ref_ids[incident_id]
            result.ref_versions[incident_id] = _parse(ref_rel, blobs.get((ref, ref_rel)), max_bytes)
    return result


def _ref_ids(root: Path, ref: str, added: list[str]) -> dict[str, str]:
    """What REF holds of the added files' IDs, asking git only about those names.

    Listing the whole tree of a 100,000-record base costs seconds; a pull request
    adds a few files. Only when one of them is taken are its year folders listed,
    for the next free number.
    """
    ids = sorted({i for i in map(id_from_path, added) if i})
    if not ids:
        return {}
    years = [p for p in git.tree_entries(root, ref, ["incidents/"]) if YEAR_PATH.match(p)]
    wanted = [f"{year}/{incident_id}.yaml" for year in years for incident_id in ids]
    found: dict[str, str] = {}
    for rel in git.tree_entries(root, ref, wanted):
        incident_id = id_from_path(rel)
        if incident_id:
            found.setdefault(incident_id, rel)
    if not found:
        return found
    taken_years = sorted({i.split("-")[1] for i in found})
    for year in taken_years:
        for rel in git.tree_names(root, ref, f"incidents/{year}"):
            incident_id = id_from_path(rel)
            if incident_id and INCIDENT_PATH.match(rel):
                found.setdefault(incident_id, rel)
    return dict(sorted(found.items()))


def _read_disk(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
