"""KB rules: article names, identity, references, review dates and back-links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from incidentctl.checks.context import Context, at
from incidentctl.diagnostics import Diagnostic, Severity, define
from incidentctl.store.repo import KB_FILE, IncidentRecord, KbRecord

E, W = Severity.ERROR, Severity.WARNING

KB_NAME = define(
    "KB001",
    "kb-filename",
    E,
    """
    A KB article's file name is not `<id>-<slug>.md`.

    The slug is lower-case words joined by hyphens, e.g.
    `kb/KB-0007-payroll-export-times-out.md` for `id: KB-0007`.
    """,
)
KB_DUPLICATE = define(
    "KB002",
    "duplicate-kb-id",
    E,
    """
    Two KB articles carry the same ID.
    """,
)
KB_STALE = define(
    "KB003",
    "stale-review",
    W,
    """
    A published article is past its review date (`reviewed_at` + `review_every`).

    Review the article, then update `reviewed_at`.
    """,
)
KB_REFERENCE = define(
    "KB004",
    "kb-unknown-reference",
    E,
    """
    An article names a service, category, owner team or related incident that does not exist.
    """,
)
KB_BACKLINK = define(
    "KB005",
    "kb-backlink-missing",
    W,
    """
    An incident cites a KB article that does not list the incident in `related_incidents`.

    Links go both ways so that a KB reader finds the incidents an article
    resolved; add the incident to the article's `related_incidents`.
    """,
)


def check_kb(ctx: Context) -> Iterator[Diagnostic]:
    for kb_id, records in ctx.repo.kb.items():
        for rec in records[1:]:
            yield at(
                KB_DUPLICATE,
                rec.source,
                ("id",),
                f"{kb_id} is also used by {records[0].source.rel}",
            )
        for rec in records:
            yield from _check_article(ctx, rec)


def _check_article(ctx: Context, rec: KbRecord) -> Iterator[Diagnostic]:
    art, src = rec.model, rec.source
    name = PurePosixPath(src.rel).name
    m = KB_FILE.match(name)
    if m is None or m.group(1) != art.id:
        yield at(
            KB_NAME,
            src,
            ("id",),
            f"file name {name} does not match id {art.id}",
            f"name it kb/{art.id}-<slug>.md",
        )
    if art.status.value == "published" and art.reviewed_at + art.review_every < ctx.now.date():
        due = art.reviewed_at + art.review_every
        yield at(
            KB_STALE,
            src,
            ("reviewed_at",),
            f"review was due on {due.isoformat()}",
            "review the article and update reviewed_at",
        )
    pol = ctx.repo.policies
    if pol.services is not None:
        for i, service in enumerate(art.services):
            if service not in pol.services.services:
                yield at(KB_REFERENCE, src, ("services", i), f'unknown service "{service}"')
        if art.owner not in pol.services.teams:
            yield at(KB_REFERENCE, src, ("owner",), f'unknown team "{art.owner}"')
    if pol.categories is not None:
        cats = pol.categories.categories
        for i, path in enumerate(art.categories):
            cat, _, sub = path.partition("/")
            if cat not in cats or (sub and sub not in cats[cat].subcategories):
                yield at(KB_REFERENCE, src, ("categories", i), f'unknown category "{path}"')
    for i, incident_id in enumerate(art.related_incidents):
        if incident_id not in ctx.repo.incident_files:
            yield at(KB_REFERENCE, src, ("related_incidents", i), f"unknown incident {incident_id}")


def check_backlinks(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    if rec.model.resolution is None:
        return
    for i, kb_id in enumerate(rec.model.resolution.kb):
        article = ctx.kb_article(kb_id)
        if article is not None and rec.model.id not in article.related_incidents:
            yield at(
                KB_BACKLINK,
                rec.source,
                ("resolution", "kb", i),
                f"{kb_id} does not list {rec.model.id} in related_incidents",
                f"add {rec.model.id} to related_incidents of {kb_id}",
            )
