"""``incidentctl kpi``: KPIs of the incidents reported in a period, grouped, in five formats."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from incidentctl.commands.common import open_repository
from incidentctl.commands.sla import policies_of
from incidentctl.diagnostics import Severity
from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.kpi.compute import DIMENSIONS, KpiReport, Period, compute
from incidentctl.kpi.facts import IncidentFacts, KpiPolicies, incident_facts
from incidentctl.kpi.page import Dashboard, build_dashboard
from incidentctl.kpi.render import RENDERERS
from incidentctl.store.repo import Repository, find_root

FORMATS = tuple(RENDERERS)
_MONTH = re.compile(r"\d{4}-\d{2}\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


@dataclass(frozen=True)
class KpiRequest:
    repo: Repository
    now: datetime
    since: datetime | None = None
    until: datetime | None = None  # exclusive; None: now
    by: tuple[str, ...] = ()
    format: str = "text"
    as_of: str | None = None  # the commit the repository was read at


def parse_bound(value: str | None, option: str, *, end: bool) -> datetime | None:
    """``--since`` / ``--until``: a month, a date (UTC) or a timestamp with an offset.

    A month or date as ``--until`` includes the whole month or day: the bound
    returned is the start of the next one (bounds are exclusive at the end).
    """
    if value is None:
        return None
    text = value.strip()
    try:
        if _MONTH.match(text):
            first = date.fromisoformat(text + "-01")
            if end:
                first = (first + timedelta(days=32)).replace(day=1)
            return datetime.combine(first, datetime.min.time(), UTC)
        if _DATE.match(text):
            day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
            return datetime.combine(day, datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option}: {value!r} is not a month, a date or an ISO 8601 timestamp",
            "write e.g. 2026-11, 2026-11-01 or 2026-11-01T09:00:00+00:00",
        ) from None
    if parsed.tzinfo is None:
        raise UsageError(
            f"{option}: {value!r} has no UTC offset",
            "add one, e.g. 2026-11-01T09:00:00+00:00, or give a date",
        )
    return parsed


def parse_by(value: str | None) -> tuple[str, ...]:
    """``--by month,priority`` -> ("month", "priority"), each dimension checked."""
    if not value:
        return ()
    parts = tuple(p.strip() for p in value.split(","))
    for part in parts:
        if part not in DIMENSIONS:
            raise UsageError(
                f"--by: unknown grouping {part!r}",
                "use one or more of " + ", ".join(DIMENSIONS) + ", separated by commas",
            )
    if len(set(parts)) != len(parts):
        raise UsageError(f"--by: {value!r} names a grouping twice", "name each grouping once")
    return parts


def open_at(repo: Path | None, cwd: Path, as_of: str | None) -> Repository:
    """The working tree's repository, or with ``as_of`` the one committed at that revision."""
    if as_of is None:
        return open_repository(repo, cwd)
    from incidentctl.store.snapshot import load_snapshot

    root = repo.resolve() if repo is not None else find_root(cwd)
    return load_snapshot(root, as_of)


def kpi_policies(repo: Repository) -> KpiPolicies:
    """What the KPIs need of the policies (the SLA policy must be usable)."""
    return KpiPolicies(policies_of(repo), repo.policies.services, repo.policies.priority)


def collect_facts(
    repo: Repository, policies: KpiPolicies, now: datetime, err: TextIO
) -> list[IncidentFacts]:
    """The facts of every valid incident reported by ``now``; invalid records are warned of."""
    found: list[IncidentFacts] = []
    repo.load_incidents()
    for rel in repo.incident_paths():
        record = repo.load_incident(rel)
        if record is None:
            skipped(repo, rel, err)
            continue
        item = incident_facts(record.model, policies, now)
        if item is not None:
            found.append(item)
    return found


def kpi_facts(
    repo: Repository, policies: KpiPolicies, now: datetime, err: TextIO
) -> list[IncidentFacts]:
    """``collect_facts`` without the SLA clocks, through the facts cache (``kpi.cache``)
    when the repository has its record cache on: what ``kpi`` and the site's KPI page read.
    """
    from incidentctl.kpi.collect import cached_facts

    return cached_facts(repo, policies, now, lambda rel: skipped(repo, rel, err))


def skipped(repo: Repository, rel: str, err: TextIO) -> None:
    problem = next(
        (d for d in repo.diagnostics if d.path == rel and d.severity is Severity.ERROR), None
    )
    detail = f" (line {problem.line}: {problem.message})" if problem and problem.line else ""
    print(
        f"incidentctl: warning: skipped {rel}: not a valid incident record{detail};"
        " run `incidentctl validate`",
        file=err,
    )


def known_values(repo: Repository) -> dict[str, list[str]]:
    """The values every single-dimension grouping lists, from the policies."""
    pol = repo.policies
    return {
        "priority": pol.priority.priorities() if pol.priority else [],
        "service": sorted(pol.services.services) if pol.services else [],
        "team": sorted(pol.services.teams) if pol.services else [],
        "category": sorted(pol.categories.categories) if pol.categories else [],
    }


def build_report(
    repo: Repository,
    facts: Sequence[IncidentFacts],
    period: Period,
    by: Sequence[str] = (),
) -> KpiReport:
    """The report of ``facts`` for ``period``, with the repository's policies and KB titles."""
    titles = {kb_id: records[0].model.title for kb_id, records in repo.kb.items() if records}
    return compute(facts, period, by, known_values(repo), titles)


def kpi_dashboard(
    repo: Repository,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    err: TextIO | None = None,
) -> Dashboard:
    """The reports of the site's KPI page (``kpi.page.page_markdown`` renders them).

    Incidents reported in ``[since, until)`` (until: ``now``), measured at ``now``;
    invalid records and incidents without an SLA target are warned of on ``err``.
    """
    err = sys.stderr if err is None else err
    facts = kpi_facts(repo, kpi_policies(repo), now, err)
    titles = {kb_id: records[0].model.title for kb_id, records in repo.kb.items() if records}
    period = Period(since, until or now, now)
    return build_dashboard(facts, period, known_values(repo), titles)


def make_period(request: KpiRequest) -> Period:
    until = request.until or request.now
    if request.since is not None and request.since >= until:
        raise UsageError(
            f"--since {request.since.isoformat()} is not before the end of the period"
            f" ({until.isoformat()})",
            "give a --since earlier than --until (and than --now)",
        )
    return Period(request.since, until, request.now, request.as_of)


def execute(request: KpiRequest, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print the report in the requested format; exit code 0."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    render = RENDERERS.get(request.format)
    if render is None:
        raise UsageError(
            f"--format: unknown format {request.format!r}", "use one of " + ", ".join(FORMATS)
        )
    period = make_period(request)
    facts = kpi_facts(request.repo, kpi_policies(request.repo), request.now, err)
    report = build_report(request.repo, facts, period, request.by)
    for problem in report.skipped:
        print(f"incidentctl: warning: {problem}; its SLA figures are left out", file=err)
    out.write(render(report))
    return EXIT_CLEAN
