"""What the page generators read: the repository's records and clocks at one instant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from incidentctl.errors import UsageError
from incidentctl.model.incident import Incident, Status
from incidentctl.model.kb import KbStatus
from incidentctl.sla.clock import ClockResult, NoTarget, clocks
from incidentctl.sla.policy import SlaPolicies, SlaPolicyError
from incidentctl.store.repo import CONFIG_FILE, KbRecord, Repository
from incidentctl.store.source import Source

ALWAYS_PUBLIC = "id"


@dataclass(frozen=True, slots=True)
class Brief:
    """What the lists and links of the site show of an incident (the whole record is
    read again, one at a time, for its own page: 100,000 records would not fit)."""

    id: str
    title: str
    status: Status
    priority: str
    service: str
    reported_at: datetime
    kb: tuple[str, ...]  # the KB articles its resolution cites

    @classmethod
    def of(cls, incident: Incident) -> Brief:
        kb = tuple(incident.resolution.kb) if incident.resolution else ()
        return cls(
            incident.id,
            incident.title,
            incident.status,
            incident.priority,
            incident.service,
            incident.reported_at,
            kb,
        )


@dataclass
class SiteContext:
    """The repository as the site shows it at ``now``; built once, read by every page."""

    repo: Repository
    now: datetime
    policies: SlaPolicies | None
    incidents: list[Brief]  # valid records, by ID
    clocks: dict[str, list[ClockResult]]  # incident ID -> its clocks at now, if one runs
    articles: list[KbRecord]  # published articles only, by ID
    resolved_by: dict[str, list[str]]  # KB ID -> IDs of incidents whose resolution cites it
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why a part is left out, when that is fine
    by_id: dict[str, Brief] = field(default_factory=dict)
    # what more than one page derives (the KPI dashboard, the audit), computed once
    memo: dict[str, Any] = field(default_factory=dict)
    _pages: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {i.id: i for i in self.incidents}
        self._pages = {rec.model.id: article_page(rec) for rec in self.articles}

    @property
    def register(self) -> bool:
        """Whether incident pages are published (``site.register``)."""
        return self.repo.config.site.register_

    def public(self, name: str) -> bool:
        """Whether an incident field may appear on the site (``site.public_fields``)."""
        allowed = self.repo.config.site.public_fields
        return allowed is None or name == ALWAYS_PUBLIC or name in allowed

    def article_path(self, kb_id: str) -> str | None:
        """The page of a published article, or None (drafts and retired have none)."""
        return self._pages.get(kb_id)

    def records(self) -> Iterator[tuple[Incident, list[ClockResult]]]:
        """Each valid record in order of ID, read again one at a time (from the record
        cache when the first pass left it there), with its clocks at ``now``."""
        paths = sorted(
            (rel for rels in self.repo.incident_files.values() for rel in rels),
            key=lambda rel: rel.rsplit("/", 1)[-1],
        )
        for _, record, _ in self.repo.iter_incidents(paths):
            if record is None:
                continue
            yield record.model, self._clocks_of(record.model)

    def _clocks_of(self, incident: Incident) -> list[ClockResult]:
        if self.policies is None:
            return []
        try:
            return clocks(incident, self.policies, self.now)
        except NoTarget:
            return []  # warned about by build_context

    def stale(self, rec: KbRecord) -> bool:
        """Past its review date (the KB003 rule's definition)."""
        return review_due(rec) < self.now.date()


def article_page(rec: KbRecord) -> str:
    """``kb/KB-0007-payroll-export-times-out.md``: the source file's name, under kb/."""
    return "kb/" + rec.source.rel.rsplit("/", 1)[-1]


def incident_page(incident: Incident | Brief) -> str:
    """``incidents/2026/INC-2026-0042.md``."""
    return f"incidents/{incident.reported_at.year}/{incident.id}.md"


def review_due(rec: KbRecord) -> date:
    return rec.model.reviewed_at + rec.model.review_every


def check_public_fields(repo: Repository) -> None:
    """Refuse an unknown name in ``site.public_fields``: a typo would hide or leak data."""
    allowed = repo.config.site.public_fields or []
    known = {f.alias or name for name, f in Incident.model_fields.items()}
    for i, name in enumerate(allowed):
        if name not in known:
            where = CONFIG_FILE
            text = (repo.root / CONFIG_FILE).read_text(encoding="utf-8", errors="replace")
            line, _ = Source(CONFIG_FILE, text).locate(("site", "public_fields", i))
            if line:
                where += f":{line}"
            raise UsageError(
                f"{where}: site.public_fields[{i}]: {name!r} is not an incident field",
                "use field names from docs/formats.md, e.g. title, service, priority, status",
            )


def build_context(repo: Repository, now: datetime) -> SiteContext:
    """Load every record, compute every clock at ``now``; skip invalid records with a warning."""
    check_public_fields(repo)
    warnings: list[str] = []
    policies = _policies(repo, warnings)
    incidents: list[Brief] = []
    results: dict[str, list[ClockResult]] = {}
    paths = repo.incident_paths()
    for _, record, _ in repo.iter_incidents(paths):  # one record at a time
        if record is None:
            continue
        incident = record.model
        incidents.append(Brief.of(incident))
        if policies is not None:
            try:
                found = clocks(incident, policies, now)
            except NoTarget as exc:
                warnings.append(f"{incident.id}: {exc}")
                continue
            if any(c.running for c in found):  # the home page's clocks at risk
                results[incident.id] = found
    repo.save_whole()
    incidents.sort(key=lambda i: i.id)
    skipped = len(paths) - len(incidents)
    if skipped:
        warnings.append(f"{skipped} invalid incident file(s) left out; run `incidentctl validate`")
    articles = sorted(
        (recs[0] for recs in repo.kb.values() if recs[0].model.status is KbStatus.PUBLISHED),
        key=lambda r: r.model.id,
    )
    resolved_by: dict[str, list[str]] = defaultdict(list)
    for brief in incidents:
        for kb_id in brief.kb:
            resolved_by[kb_id].append(brief.id)
    return SiteContext(repo, now, policies, incidents, results, articles, resolved_by, warnings)


def _policies(repo: Repository, warnings: list[str]) -> SlaPolicies | None:
    from incidentctl.commands.sla import policies_of

    try:
        return policies_of(repo)
    except SlaPolicyError as exc:
        warnings.append(f"no SLA clocks on the site: {exc.message}")
        return None
