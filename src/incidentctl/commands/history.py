"""``incidentctl history ID``: every commit that changed a record, and what it changed."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from incidentctl.audit.history import SIGNATURES, HistoryEntry, entry_dict, record_history
from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.report.text import _one_line
from incidentctl.store.repo import Repository


@dataclass(frozen=True)
class HistoryRequest:
    repo: Repository
    incident_id: str
    format: str
    until: str | None = None


def _value(value: Any) -> str:
    return _one_line(json.dumps(value, ensure_ascii=False, default=str))


def _entry_line(entry: Any) -> str:
    if not isinstance(entry, dict):
        return _value(entry)
    step = entry.get("kind") == "status"
    shown = ("at", "by", "kind", "from", "to") if step else ("at", "by", "kind")
    rest = {k: v for k, v in entry.items() if k not in shown}
    what = str(entry.get("kind"))
    if step:
        what += f" {entry.get('from')} -> {entry.get('to')}"
    extra = " ".join(f"{k}={_value(v)}" for k, v in rest.items())
    line = f"{entry.get('at')} {entry.get('by')}: {what}" + (f" {extra}" if extra else "")
    return _one_line(line)


def render_text(incident_id: str, entries: list[HistoryEntry], out: TextIO) -> None:
    """One block per commit: who, when, the pull request, then the semantic diff."""
    for entry in entries:
        c = entry.commit
        pr = f", pull request #{c.pull_request}" if c.pull_request else ""
        kind = "merge" if c.is_merge else "commit"
        out.write(
            f"{kind} {c.sha[:12]}  {c.author_date}  {_one_line(c.author)} <{c.author_email}>"
            f"{pr}, signature {SIGNATURES.get(c.signature, c.signature)}\n"
        )
        if (c.committer, c.committer_date) != (c.author, c.author_date):
            out.write(f"    committed by {_one_line(c.committer)} on {c.committer_date}\n")
        out.write(f"    {_one_line(c.subject)}\n")
        for correction in c.corrections:
            out.write(f"    correction: {_one_line(correction)}\n")
        for diff in entry.diffs:
            state = f" in {diff.status_to}" if diff.change == "added" else ""
            out.write(f"    {diff.change} {diff.path}{state}\n")
            if diff.change == "modified" and diff.status_from != diff.status_to:
                out.write(f"      status: {diff.status_from} -> {diff.status_to}\n")
            for name, old, new in diff.fields:
                out.write(f"      {_one_line(name)}: {_value(old)} -> {_value(new)}\n")
            for appended in diff.appended:
                out.write(f"      + {_entry_line(appended)}\n")
        for f in entry.findings:
            state = f" (explained: {_one_line(f.explained)})" if f.explained else ""
            out.write(
                f"      {f.severity.value}: {_one_line(f.message)} [{f.code} {f.name}]{state}\n"
            )
        for b in entry.branch_commits:
            out.write(
                f"    via {b.sha[:12]}  {b.author_date}  {_one_line(b.author)}"
                f" <{b.author_email}>: {_one_line(b.subject)}\n"
            )
    count = len(entries)
    out.write(f"{incident_id}: {count} commit{'s' * (count != 1)} on the branch\n")


def execute(request: HistoryRequest, out: TextIO | None = None) -> int:
    """Print the record's history; exit 2 when no commit ever touched it."""
    out = sys.stdout if out is None else out
    repo = request.repo
    entries = record_history(repo.root, repo.config, request.incident_id, request.until)
    if not entries:
        raise UsageError(
            f"ID: no commit on the branch changed {request.incident_id}",
            "check the ID (incidentctl list), or commit the record first",
        )
    if request.format == "json":
        data = {"id": request.incident_id, "commits": [entry_dict(e) for e in entries]}
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        out.write(text)
    else:
        render_text(request.incident_id, entries, out)
    return EXIT_CLEAN
