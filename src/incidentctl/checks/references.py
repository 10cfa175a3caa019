"""Reference rules: names an incident uses must exist in the policies, KB and repository."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from incidentctl.checks.context import Context, at
from incidentctl.diagnostics import Diagnostic, Rule, Severity, define
from incidentctl.model.incident import Assigned, Escalated, EscalationType
from incidentctl.model.kb import KbStatus
from incidentctl.store.repo import IncidentRecord
from incidentctl.store.source import Source

E = Severity.ERROR

UNKNOWN_SERVICE = define(
    "REF001",
    "unknown-service",
    E,
    """
    The incident names a service that is not in `policies/services.yaml`.

    The service decides the owner, the support tiers, the calendar and the SLA
    overrides, so it must be one of the catalog's keys.
    """,
)
UNKNOWN_CATEGORY = define(
    "REF002",
    "unknown-category",
    E,
    """
    The category, or the subcategory within it, is not in `policies/categories.yaml`.
    """,
)
UNKNOWN_TEAM = define(
    "REF003",
    "unknown-team",
    E,
    """
    An assignment group, or the team of an assignment or functional escalation, is not a team.

    Teams are the keys of `teams:` in `policies/services.yaml`.
    """,
)
UNKNOWN_KB = define(
    "REF004",
    "unknown-kb",
    E,
    """
    The resolution cites a KB article that does not exist.
    """,
)
RETIRED_KB = define(
    "REF005",
    "retired-kb",
    E,
    """
    The resolution cites a retired KB article.

    Retired articles are no longer maintained; cite the article that replaced it.
    """,
)
UNKNOWN_INCIDENT = define(
    "REF006",
    "unknown-incident",
    E,
    """
    `parent`, `related` or `duplicate_of` names an incident that does not exist (or itself).
    """,
)
UNKNOWN_LEVEL = define(
    "REF007",
    "unknown-level",
    E,
    """
    `impact`, `urgency` or `priority` is not a level of `policies/priority.yaml`.
    """,
)


def _hint(value: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else None


def _missing(
    rule: Rule, src: Source, loc: tuple[Any, ...], what: str, value: str, known: Iterable[str]
) -> Diagnostic:
    known = list(known)
    return at(rule, src, loc, f'unknown {what} "{value}"', _hint(value, known))


def check_references(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    inc, src, pol = rec.model, rec.source, ctx.repo.policies
    if pol.services is not None:
        if inc.service not in pol.services.services:
            yield _missing(
                UNKNOWN_SERVICE, src, ("service",), "service", inc.service, pol.services.services
            )
        teams = pol.services.teams
        if inc.assignment_group is not None and inc.assignment_group not in teams:
            yield _missing(
                UNKNOWN_TEAM, src, ("assignment_group",), "team", inc.assignment_group, teams
            )
        for i, entry in enumerate(inc.timeline):
            if isinstance(entry, Assigned) and entry.group and entry.group not in teams:
                yield _missing(
                    UNKNOWN_TEAM, src, ("timeline", i, "group"), "team", entry.group, teams
                )
            if (
                isinstance(entry, Escalated)
                and entry.type is EscalationType.FUNCTIONAL
                and entry.to not in teams
            ):
                yield _missing(UNKNOWN_TEAM, src, ("timeline", i, "to"), "team", entry.to, teams)
    if pol.categories is not None:
        cats = pol.categories.categories
        if inc.category not in cats:
            yield _missing(UNKNOWN_CATEGORY, src, ("category",), "category", inc.category, cats)
        elif inc.subcategory not in cats[inc.category].subcategories:
            subs = cats[inc.category].subcategories
            yield _missing(
                UNKNOWN_CATEGORY,
                src,
                ("subcategory",),
                f"subcategory of {inc.category}",
                inc.subcategory,
                subs,
            )
    if pol.priority is not None:
        prio = pol.priority
        for field, levels in (("impact", prio.impact), ("urgency", prio.urgency)):
            value = getattr(inc, field)
            if value not in levels:
                yield _missing(UNKNOWN_LEVEL, src, (field,), field, value, levels)
        if inc.priority not in prio.priorities():
            yield _missing(
                UNKNOWN_LEVEL, src, ("priority",), "priority", inc.priority, prio.priorities()
            )
    yield from _check_kb(ctx, rec)
    yield from _check_incident_links(ctx, rec)


def _check_kb(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    if rec.model.resolution is None:
        return
    for i, kb_id in enumerate(rec.model.resolution.kb):
        article = ctx.kb_article(kb_id)
        loc = ("resolution", "kb", i)
        if article is None:
            yield _missing(UNKNOWN_KB, rec.source, loc, "KB article", kb_id, ctx.kb_ids())
        elif article.status is KbStatus.RETIRED:
            yield at(
                RETIRED_KB,
                rec.source,
                loc,
                f"{kb_id} is retired",
                "cite the article that replaces it",
            )


def _check_incident_links(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    inc = rec.model
    links: list[tuple[tuple[Any, ...], str]] = [
        (("related", i), r) for i, r in enumerate(inc.related)
    ]
    if inc.parent:
        links.append((("parent",), inc.parent))
    if inc.duplicate_of:
        links.append((("duplicate_of",), inc.duplicate_of))
    for loc, target in links:
        if target == inc.id:
            yield at(UNKNOWN_INCIDENT, rec.source, loc, f"{loc[0]} names the incident itself")
        elif not ctx.has_incident(target):
            yield _missing(
                UNKNOWN_INCIDENT, rec.source, loc, "incident", target, ctx.incident_ids()
            )
