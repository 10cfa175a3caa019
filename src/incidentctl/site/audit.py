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

from incidentctl.audit.findings import AuditResult, Finding
from incidentctl.diagnostics import Severity
from incidentctl.site import markup
from incidentctl.site.context import SiteContext
from incidentctl.site.links import incident_ref
from incidentctl.site.pages import Page, Section, front

PATH = "audit/index.md"
LIMIT = 500  # findings listed; the rest are counted (`incidentctl audit` has them all)
SEVERITIES = (Severity.ERROR, Severity.WARNING)


def audit_result(ctx: SiteContext) -> AuditResult | None:
    """The audit of the branch's whole history, or None (and a note saying why); computed once."""
    if not ctx.repo.config.site.audit:
        return None
    if "audit" not in ctx.memo:
        from incidentctl.commands.audit import audit
        from incidentctl.store.git import GitError

        try:
            ctx.memo["audit"] = audit(ctx.repo)
        except GitError as exc:  # not a clone, a shallow one, no commit yet, no git
            ctx.memo["audit"] = None
            ctx.notes.append(f"no audit page: {exc.message}")
    result: AuditResult | None = ctx.memo["audit"]
    return result


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


def summary(ctx: SiteContext, result: AuditResult) -> str:
    errors = result.count(Severity.ERROR)
    warnings = result.count(Severity.WARNING)
    explained = sum(1 for f in result.findings if f.explained is not None)
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


def by_code(ctx: SiteContext, result: AuditResult) -> str:
    counts = Counter((f.code, f.name, f.severity) for f in result.findings)
    explained = Counter(f.code for f in result.findings if f.explained is not None)
    example = {f.code: f for f in result.findings}
    rows = [
        [
            _code(ctx, example[code]),
            markup.text(name),
            markup.text(severity.value),
            str(n),
            str(explained[code]),
        ]
        for (code, name, severity), n in sorted(counts.items())
    ]
    return "## Findings by code\n\n" + markup.table(
        ["Code", "Name", "Severity", "Findings", "Explained"], rows
    )


def by_severity(result: AuditResult) -> str:
    rows = [
        [
            markup.text(s.value),
            str(sum(1 for f in result.findings if f.severity is s)),
            str(sum(1 for f in result.findings if f.severity is s and f.explained is not None)),
        ]
        for s in SEVERITIES
    ]
    return "## Findings by severity\n\n" + markup.table(["Severity", "Findings", "Explained"], rows)


def findings(ctx: SiteContext, result: AuditResult) -> str:
    shown = sorted(result.findings, key=lambda f: (not f.fails, f.severity.value, f.date))[:LIMIT]
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
    if not result.findings:
        return text + "None: every change followed the rules.\n"
    if len(result.findings) > len(shown):
        text += f"The first {len(shown)} of {len(result.findings)}, errors first; "
        text += "`incidentctl audit` lists them all.\n\n"
    if not detail:
        text += "Messages and authors are not published: incident fields are restricted.\n\n"
    return text + markup.table(heads, rows)


def section(ctx: SiteContext) -> Section | None:
    """``audit/index.md``; None when switched off or without a full git history."""
    result = audit_result(ctx)
    if result is None:
        return None
    parts = [
        front("navigation", search=False) + "# Audit summary\n",
        summary(ctx, result),
        by_severity(result),
        by_code(ctx, result) if result.findings else "",
        findings(ctx, result),
    ]
    text = "\n".join(p for p in parts if p)
    return Section([Page(PATH, text)], [{"Audit": PATH}])
