"""The audit summary page: the history of the records replayed from git, as ``audit`` does.

Built when ``site.audit`` is on and the repository is a git clone with its whole
history; otherwise there is no page, and the build says why in one note (a
shallow CI checkout must not fail the site). The findings' messages quote record
values (an immutable field's old and new value) and name commit authors, so
they are shown only when every incident field is public: with ``site.register:
false`` or a ``site.public_fields`` list, the page shows counts, codes, records
and commits only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from incidentctl.audit.findings import AuditResult, Finding
from incidentctl.diagnostics import Severity
from incidentctl.site import markup
from incidentctl.site.context import SiteContext
from incidentctl.site.links import incident_ref
from incidentctl.site.pages import Page, Section, front
from incidentctl.store.repo import Repository

PATH = "audit/index.md"
LIMIT = 500  # findings listed; the rest are counted (`incidentctl audit` has them all)
SEVERITIES = (Severity.ERROR, Severity.WARNING)


@dataclass(frozen=True)
class Digest:
    """What the page shows of an audit: its counts and the first ``LIMIT`` findings.

    An audit of a long history can hold hundreds of thousands of findings; the page
    needs only these, so the site keeps them and lets the rest go before it loads the
    records.
    """

    until: str
    since: str | None
    commits: int
    records: int
    versions: int
    total: int  # findings
    explained: int  # findings a correction commit explained
    failed: bool
    severities: dict[Severity, tuple[int, int]]  # severity -> (findings, explained)
    codes: list[tuple[Finding, int, int]]  # an example of each code, findings, explained
    shown: list[Finding]  # the first LIMIT, unexplained errors first

    @classmethod
    def of(cls, result: AuditResult) -> Digest:
        found = result.findings
        counts = Counter((f.code, f.name, f.severity) for f in found)
        explained = Counter(f.code for f in found if f.explained is not None)
        example = {f.code: f for f in found}
        severities = {
            s: (
                sum(1 for f in found if f.severity is s),
                sum(1 for f in found if f.severity is s and f.explained is not None),
            )
            for s in SEVERITIES
        }
        return cls(
            result.until,
            result.since,
            result.commits,
            result.records,
            result.versions,
            len(found),
            sum(1 for f in found if f.explained is not None),
            result.failed,
            severities,
            [(example[code], n, explained[code]) for (code, _, _), n in sorted(counts.items())],
            sorted(found, key=lambda f: (not f.fails, f.severity.value, f.date))[:LIMIT],
        )

    def unexplained(self, severity: Severity) -> int:
        total, explained = self.severities.get(severity, (0, 0))
        return total - explained


def compute(repo: Repository) -> tuple[Digest | None, str | None]:
    """The audit of the branch's whole history, or None and a note saying why not.

    ``site build`` computes it before it loads the records, so that the replay's memory
    is free again when they come.
    """
    if not repo.config.site.audit:
        return None, None
    from incidentctl.commands.audit import audit
    from incidentctl.store.git import GitError

    try:
        return Digest.of(audit(repo)), None
    except GitError as exc:  # not a clone, a shallow one, no commit yet, no git
        return None, f"no audit page: {exc.message}"


def remember(ctx: SiteContext, digest: Digest | None, note: str | None) -> None:
    ctx.memo["audit"] = digest
    if note:
        ctx.notes.append(note)


def prepare(ctx: SiteContext) -> Digest | None:
    """The audit's digest, computed once (``compute``) unless already given."""
    if "audit" not in ctx.memo:
        remember(ctx, *compute(ctx.repo))
    digest: Digest | None = ctx.memo["audit"]
    return digest


def detailed(ctx: SiteContext) -> bool:
    """Whether messages and authors may be shown: every incident field is public."""
    return ctx.register and ctx.repo.config.site.public_fields is None


def _code(ctx: SiteContext, f: Finding) -> str:
    if (ctx.repo.root / "docs" / "rules.md").is_file():  # the guide's rules reference
        return f"[{markup.text(f.code)}](../guide/rules.md#{f.code.lower()}-{f.name})"
    return markup.text(f.code)


def _severity(f: Finding) -> str:
    if f.explained is not None:
        return '<span class="ic-badge ic-met">explained</span>'
    name = "breached" if f.severity is Severity.ERROR else "warning"
    return f'<span class="ic-badge ic-{name}">{f.severity.value}</span>'


def summary(ctx: SiteContext, result: Digest) -> str:
    errors = result.unexplained(Severity.ERROR)
    warnings = result.unexplained(Severity.WARNING)
    explained = result.explained
    scope = f"from `{result.since[:12]}` " if result.since else ""
    verdict = (
        f"**The audit fails**: {errors} error(s) nobody explained."
        if result.failed
        else "**The audit passes**: no unexplained error."
    )
    rows = [
        [
            str(result.commits),
            str(result.records),
            str(result.versions),
            str(errors),
            str(warnings),
            str(explained),
        ]
    ]
    heads = ["Commits", "Records", "Versions read", "Errors, unexplained", "Warnings, unexplained"]
    heads.append("Explained")
    return (
        f"The first-parent history of the branch, {scope}up to commit `{result.until[:12]}`,"
        " replayed record by record with the lifecycle and append-only rules"
        " (`incidentctl audit`).\n\n"
        f"{verdict}\n\n{markup.table(heads, rows)}"
    )


def by_code(ctx: SiteContext, result: Digest) -> str:
    rows = [
        [_code(ctx, f), markup.text(f.name), markup.text(f.severity.value), str(n), str(e)]
        for f, n, e in result.codes
    ]
    return "## Findings by code\n\n" + markup.table(
        ["Code", "Name", "Severity", "Findings", "Explained"], rows
    )


def by_severity(result: Digest) -> str:
    rows = [
        [markup.text(s.value), *(str(n) for n in result.severities.get(s, (0, 0)))]
        for s in SEVERITIES
    ]
    return "## Findings by severity\n\n" + markup.table(["Severity", "Findings", "Explained"], rows)


def findings(ctx: SiteContext, result: Digest) -> str:
    shown = result.shown
    detail = detailed(ctx)
    rows = []
    for f in shown:
        incident = ctx.by_id.get(f.id or "")
        record = incident_ref(ctx, PATH, incident) if incident else markup.cell(f.id or f.path)
        row = [record, _code(ctx, f), _severity(f), f"`{f.commit[:12]}`", markup.cell(f.date)]
        if detail:
            what = f.message + (f" (explained: {f.explained})" if f.explained else "")
            row += [markup.cell(f.author), markup.cell(what)]
        rows.append(row)
    heads = ["Record", "Code", "Severity", "Commit", "Date"]
    heads += ["Author", "Finding"] if detail else []
    text = "## Findings\n\n"
    if not result.total:
        return text + "None: every change followed the rules.\n"
    if result.total > len(shown):
        text += f"The first {len(shown)} of {result.total}, errors first; "
        text += "`incidentctl audit` lists them all.\n\n"
    if not detail:
        text += "Messages and authors are not published: incident fields are restricted.\n\n"
    return text + markup.table(heads, rows)


def section(ctx: SiteContext) -> Section | None:
    """``audit/index.md``; None when switched off or without a full git history."""
    result = prepare(ctx)
    if result is None:
        return None
    parts = [
        front("navigation", search=False) + "# Audit summary\n",
        summary(ctx, result),
        by_severity(result),
        by_code(ctx, result) if result.total else "",
        findings(ctx, result),
    ]
    text = "\n".join(p for p in parts if p)
    return Section([Page(PATH, text)], [{"Audit": PATH}])
