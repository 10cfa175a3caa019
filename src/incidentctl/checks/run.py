"""The check runner and the table of every check; importing it registers every rule."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from incidentctl.checks import changes, files, schema  # noqa: F401  (registers their rules)
from incidentctl.checks.context import Context, IncidentCheck, RepoCheck
from incidentctl.checks.identity import check_identity, check_unique_ids
from incidentctl.checks.kb import check_backlinks, check_kb
from incidentctl.checks.paging import check_paging
from incidentctl.checks.policies import check_policies
from incidentctl.checks.references import check_references
from incidentctl.checks.state import check_state
from incidentctl.checks.timeline import check_timeline
from incidentctl.diagnostics import Diagnostic
from incidentctl.ids import id_from_path
from incidentctl.store.repo import Repository

INCIDENT_CHECKS: tuple[IncidentCheck, ...] = (
    check_identity,
    check_references,
    check_timeline,
    check_state,
    check_backlinks,
)
REPO_CHECKS: tuple[RepoCheck, ...] = (check_unique_ids, check_policies, check_paging, check_kb)


def run(
    repo: Repository, now: datetime, incident_paths: Iterable[str] | None = None
) -> list[Diagnostic]:
    """Every finding for the repository, or for the chosen incident files.

    Loading findings (syntax, schema) come first; checks only see valid records.
    """
    chosen = None if incident_paths is None else list(incident_paths)
    ids = None if chosen is None else {i for i in map(id_from_path, chosen) if i}
    ctx = Context(repo, now, ids)
    out: list[Diagnostic] = []
    for record in repo.load_incidents(chosen):
        for check in INCIDENT_CHECKS:
            out.extend(check(ctx, record))
    for repo_check in REPO_CHECKS:
        out.extend(repo_check(ctx))
    out.extend(repo.diagnostics)
    return sorted(set(out), key=Diagnostic.sort_key)
