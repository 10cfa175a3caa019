"""The repository as it was at a commit or tag, read through git without a checkout.

One ``ls-tree`` lists the files and one ``cat-file --batch`` reads them all, so a
report ``--as-of v2026.11`` is rebuilt from exactly the bytes that were committed,
whatever the working tree holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from incidentctl.diagnostics import Diagnostic
from incidentctl.model.config import RepoConfig
from incidentctl.model.kb import KbArticle
from incidentctl.store import git
from incidentctl.store.incidentfiles import INCIDENT_FILE, YEAR_DIR
from incidentctl.store.reader import (
    Read,
    decode_text,
    split_front_matter,
    validate_model,
    yaml_from_text,
)
from incidentctl.store.repo import (
    CONFIG_FILE,
    KB_FILE,
    POLICY_MODELS,
    KbRecord,
    Policies,
    Repository,
)

FOLDERS = ("incidents", "policies", "kb")


@dataclass(eq=False)
class Snapshot(Repository):
    """A Repository whose files come from one commit; ``commit`` is its full SHA."""

    commit: str = ""
    blobs: dict[str, bytes] = field(default_factory=dict)

    def _read_text(self, rel: str) -> tuple[str | None, list[Diagnostic]]:
        raw = self.blobs.get(rel)
        if raw is None:
            return None, []
        return decode_text(raw, rel)


def load_snapshot(root: Path, ref: str) -> Snapshot:
    """The incident repository at ``root`` as committed at ``ref`` (branch, tag or SHA).

    Raises GitError when ``root`` is not in a git repository or ``ref`` names no commit.
    """
    git.require_repository(root, "--as-of")
    commit = git.resolve_commit(root, ref)
    if commit is None:
        raise git.GitError(
            f"--as-of: {ref!r} names no commit in this repository",
            "give a branch, tag or commit SHA (git log --oneline, git tag)",
        )
    oids = git.tree_blobs(root, commit, [*FOLDERS, CONFIG_FILE])
    paths = sorted(oids)
    contents = git.read_objects(root, [oids[p] for p in paths])
    blobs = {p: raw for p, raw in zip(paths, contents, strict=True) if raw is not None}
    diagnostics: list[Diagnostic] = []
    config = RepoConfig()
    if CONFIG_FILE in blobs:
        read = _yaml(blobs[CONFIG_FILE], CONFIG_FILE, diagnostics)
        model, diags = validate_model(read, RepoConfig) if read else (None, [])
        diagnostics += diags
        config = model or config
    policies = Policies()
    for name, model_cls in POLICY_MODELS.items():
        rel = f"policies/{name}.yaml"
        read = _yaml(blobs[rel], rel, diagnostics) if rel in blobs else None
        if read is None:
            continue
        policy, diags = validate_model(read, model_cls)
        diagnostics += diags
        if read.source is not None:
            policies.sources[name] = read.source
        setattr(policies, name, policy)
    incidents: dict[str, list[str]] = {}
    kb: dict[str, list[KbRecord]] = {}
    for rel in sorted(blobs):
        path = PurePosixPath(rel)
        m = INCIDENT_FILE.match(path.name)
        if m and len(path.parts) == 3 and path.parts[0] == "incidents":
            if YEAR_DIR.match(path.parts[1]):
                incidents.setdefault(m.group(1), []).append(rel)
        elif path.parts[0] == "kb" and len(path.parts) == 2 and KB_FILE.match(path.name):
            text, diags = decode_text(blobs[rel], rel)
            diagnostics += diags
            if text is None:
                continue
            read, body = split_front_matter(text, rel)
            diagnostics += read.diagnostics
            article, diags = validate_model(read, KbArticle)
            diagnostics += diags
            if read.source is not None and article is not None:
                kb.setdefault(article.id, []).append(KbRecord(read.source, article, body))
    return Snapshot(root, config, policies, incidents, kb, diagnostics, commit=commit, blobs=blobs)


def _yaml(raw: bytes, rel: str, diagnostics: list[Diagnostic]) -> Read | None:
    text, diags = decode_text(raw, rel)
    diagnostics += diags
    if text is None:
        return None
    read = yaml_from_text(text, rel)
    diagnostics += read.diagnostics
    return read
