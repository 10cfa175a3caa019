"""What the audit reports: findings tied to a commit, and the result as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incidentctl.diagnostics import Rule, Severity
from incidentctl.store.gitlog import Commit


@dataclass(frozen=True, slots=True)
class Finding:
    """One audit finding: a rule broken by one commit on one record.

    ``explained`` holds the reason a correction commit gave (its
    ``Incident-Correction`` trailer); an explained finding is reported, but does
    not fail the audit.
    """

    code: str
    name: str
    severity: Severity
    path: str
    id: str | None
    commit: str
    author: str
    date: str
    message: str
    hint: str | None = None
    line: int | None = None
    explained: str | None = None
    pull_request: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON object: SPEC section 9's fields first, then the optional ones."""
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "path": self.path,
            "id": self.id,
            "commit": self.commit,
            "author": self.author,
            "date": self.date,
            "message": self.message,
            "hint": self.hint,
            "line": self.line,
            "explained": self.explained is not None,
            "explanation": self.explained,
            "pull_request": self.pull_request,
        }

    @property
    def fails(self) -> bool:
        """Whether the finding makes the audit fail: an error nobody explained."""
        return self.severity is Severity.ERROR and self.explained is None


def finding(
    rule: Rule,
    commit: Commit,
    path: str,
    record_id: str | None,
    message: str,
    *,
    hint: str | None = None,
    line: int | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of ``rule`` about ``commit``; the commit's correction trailer explains it."""
    return Finding(
        rule.code,
        rule.name,
        severity or rule.severity,
        path,
        record_id,
        commit.sha,
        f"{commit.author} <{commit.author_email}>",
        commit.author_date,
        message,
        hint,
        line,
        "; ".join(commit.corrections) or None,
        commit.pull_request,
    )


@dataclass
class AuditResult:
    """Everything an audit found, as data (for the formatters and for a site page)."""

    until: str
    since: str | None
    commits: int = 0  # first-parent commits that changed a record
    records: int = 0  # incident files seen
    versions: int = 0  # blobs read and parsed
    findings: list[Finding] = field(default_factory=list)
    recorded: dict[str, Any] | None = None  # what --record stored

    def count(self, severity: Severity, *, explained: bool = False) -> int:
        return sum(
            1
            for f in self.findings
            if f.severity is severity and (f.explained is not None) is explained
        )

    @property
    def failed(self) -> bool:
        return any(f.fails for f in self.findings)

    def as_data(self) -> dict[str, Any]:
        """The whole result as JSON-ready data: the ``audit --format json`` object."""
        return {
            "findings": [f.as_dict() for f in self.findings],
            "summary": {
                "since": self.since,
                "until": self.until,
                "commits": self.commits,
                "records": self.records,
                "versions": self.versions,
                "errors": self.count(Severity.ERROR),
                "warnings": self.count(Severity.WARNING),
                "explained": sum(1 for f in self.findings if f.explained is not None),
            },
            "recorded": self.recorded,
        }
