"""Tamper evidence: audit points stored in ``refs/notes/incidentctl``.

``audit --record`` attaches a note to the commit it verified, holding a digest of
the records at that commit. A later audit checks that every recorded commit is
still in the branch's history: a rebase, amend or force-push that removed audited
commits is reported, with the commits that disappeared.

Notes rather than a signed tag: a note attaches to the commit without adding a
name to the tag namespace for every audit, needs no signing key in CI, and lives
in one ref that can be pushed and protected like a branch. What it proves is
limited by who can write that ref (see docs/audit.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from incidentctl import __version__
from incidentctl.audit import rules
from incidentctl.audit.findings import AuditResult, Finding
from incidentctl.diagnostics import Severity
from incidentctl.store import notes

TOOL = "incidentctl audit"  # notes other tools left in the ref are not audit points
SHOWN = 10  # disappeared commits named in a message; the rest are counted


def _finding(rule: Any, commit: str, note: dict[str, Any], message: str) -> Finding:
    return Finding(
        rule.code,
        rule.name,
        rule.severity,
        notes.NOTES_REF,
        None,
        commit,
        str(note.get("recorded_by", "")),
        str(note.get("recorded_at", "")),
        message,
        rules.HINTS[rule.code],
    )


def verify(root: Path, head: str) -> list[Finding]:
    """Findings for audit points that left the history of ``head``, or whose digest is wrong."""
    stored = notes.read_notes(root)
    points = {c: n for c, n in stored.items() if n.get("tool") == TOOL}
    if not points:
        return []
    reachable = notes.ancestors(root, head)
    # a later audit point, still in the history, may acknowledge a rewrite it saw
    acknowledged: set[str] = set()
    for commit, note in points.items():
        listed = note.get("acknowledged")
        if commit in reachable and isinstance(listed, list):
            acknowledged.update(str(sha) for sha in listed)
    found: list[Finding] = []
    kept: list[tuple[str, dict[str, Any]]] = []
    for commit, note in sorted(points.items(), key=lambda kv: str(kv[1].get("recorded_at"))):
        if commit in reachable:
            kept.append((commit, note))
            continue
        if commit in acknowledged:
            continue
        gone = notes.missing_commits(root, commit, head)
        if gone is None:
            detail = "the commit is no longer in this clone, so what disappeared cannot be named"
        else:
            shown = ", ".join(c[:12] for c in gone[:SHOWN])
            more = f" and {len(gone) - SHOWN} more" if len(gone) > SHOWN else ""
            detail = f"{len(gone)} commit{'s' * (len(gone) != 1)} disappeared: {shown}{more}"
        found.append(
            _finding(
                rules.HISTORY_REWRITTEN,
                commit,
                note,
                f"the audited commit {commit[:12]} is no longer in the history of"
                f" {head[:12]}: {detail}",
            )
        )
    if kept:
        commit, note = kept[-1]  # the latest audit point still in the history
        digest, _ = notes.tree_digest(root, commit, "incidents")
        if note.get("digest") != digest:
            found.append(
                _finding(
                    rules.SEAL_MISMATCH,
                    commit,
                    note,
                    f"the audit point on {commit[:12]} stores digest {note.get('digest')},"
                    f" but the records at that commit give {digest}",
                )
            )
    return found


def record(root: Path, result: AuditResult, now: datetime, by: str) -> dict[str, Any]:
    """Store an audit point on ``result.until``; returns what was stored."""
    digest, count = notes.tree_digest(root, result.until, "incidents")
    note: dict[str, Any] = {
        "tool": TOOL,
        "version": __version__,
        "verified": result.until,
        "since": result.since,
        "digest": digest,
        "records": count,
        "recorded_at": now.isoformat(),
        "recorded_by": by,
        "errors": sum(1 for f in result.findings if f.fails),
        "warnings": result.count(Severity.WARNING),
        # recording after a rewrite was reported confirms it: later audits stop reporting it
        "acknowledged": sorted(
            f.commit for f in result.findings if f.code == rules.HISTORY_REWRITTEN.code
        ),
    }
    notes.add_note(root, result.until, note)
    return note
