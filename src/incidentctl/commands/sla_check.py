"""``incidentctl sla check``: SLA escalation on the tracker, with paging (SPEC 4)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO, TypedDict

import httpx

from incidentctl.commands.sla import collect, policies_of, urgency
from incidentctl.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, UsageError
from incidentctl.escalation import plan
from incidentctl.escalation.apply import Action, Runner, planned
from incidentctl.escalation.github import GitHubTracker, Settings
from incidentctl.escalation.http import Clock, Policy, Redactor, ServiceError, SystemClock
from incidentctl.escalation.notify import Chat, Pager
from incidentctl.escalation.reconcile import operations
from incidentctl.escalation.report import RENDERERS, CheckReport
from incidentctl.escalation.state import Issue, key_of
from incidentctl.model.incident import Incident
from incidentctl.store.repo import Repository


@dataclass(frozen=True)
class SlaCheckRequest:
    repo: Repository
    now: datetime
    env: Mapping[str, str]
    format: str = "text"
    open_issues: bool = False  # read and write the tracker
    page: bool = False  # send pages (needs the tracker, which records them)
    dry_run: bool = False  # never write: print the plan
    max_wait: float = 600.0  # seconds of waiting for rate limits and retries, in all
    clock: Clock = field(default_factory=SystemClock)
    write_spacing: float = 1.0
    timeout: float = 30.0
    transport: httpx.BaseTransport | None = None  # tests only


def execute(request: SlaCheckRequest, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Plan, read the tracker, apply (unless ``dry_run``), report.

    Exit code 0: done; 1: done and a clock is breached; 2: a configuration,
    permission or service problem (the report still says what was done).
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    render = RENDERERS.get(request.format)
    if render is None:
        raise UsageError(
            f"--format: unknown format {request.format!r}", "use text, json or markdown"
        )
    if request.page and not request.open_issues and not request.dry_run:
        raise UsageError(
            "--page needs --open-issues: what was paged is recorded on the tracker issue",
            "add --open-issues, or --dry-run to only print the plan",
        )
    repo = request.repo
    policies = policies_of(repo)
    assert policies.sla is not None
    # most urgent first: a run cut short by a rate limit has handled the breaches
    results = sorted(collect(repo, policies, request.now, err), key=urgency)
    targets = plan.build(
        results,
        _incidents(repo, {r.incident_id for r in results}),
        policies.thresholds,
        policies.sla.page_rules(),
        policies.services,
    )
    redact = Redactor()
    errors: list[str] = []
    tracker_name = None
    if request.open_issues:
        settings = Settings.load(request.env, repo.config.tracker)
        tracker_name = settings.repository
        actions = _with_tracker(request, settings, targets, redact, errors, err)
    else:  # the plan against an empty tracker
        has_chat = bool(request.env.get("INCIDENTCTL_CHAT_WEBHOOK"))
        ops = operations(targets, {}, paging=request.page, chat=has_chat)
        actions = [a for op in ops for a in planned(op)]
    errors += [f"{a.id} {a.clock} {a.action}: {a.error}" for a in actions if a.error]
    report = CheckReport(request.now, request.dry_run, tracker_name, targets, actions, errors)
    out.write(redact(render(report)))
    summary = request.env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as fh:
            fh.write(redact(RENDERERS["markdown"](report)))
    if errors:
        return EXIT_USAGE
    return EXIT_FINDINGS if any(t.breached and t.open for t in targets) else EXIT_CLEAN


@dataclass(frozen=True)
class _Common:
    """What every client of one run shares: the clock, patience, secrets, waiting budget."""

    clock: Clock
    policy: Policy
    redact: Redactor
    budget: list[float]
    transport: httpx.BaseTransport | None
    timeout: float

    def kwargs(self) -> _Kwargs:
        return {
            "clock": self.clock,
            "policy": self.policy,
            "redact": self.redact,
            "budget": self.budget,
            "transport": self.transport,
            "timeout": self.timeout,
        }


class _Kwargs(TypedDict):
    clock: Clock
    policy: Policy
    redact: Redactor
    budget: list[float]
    transport: httpx.BaseTransport | None
    timeout: float


def _with_tracker(
    request: SlaCheckRequest,
    settings: Settings,
    targets: list[plan.Target],
    redact: Redactor,
    errors: list[str],
    err: TextIO,
) -> list[Action]:
    """Read the tracker once, then apply (or, dry, only plan); failures go to ``errors``."""
    policy = Policy(max_wait=request.max_wait, write_spacing=request.write_spacing)
    common = _Common(request.clock, policy, redact, [0.0], request.transport, request.timeout)
    tracker = GitHubTracker(settings, **common.kwargs())
    pager = Pager.from_env(request.env, **common.kwargs()) if request.page else None
    hook = request.env.get("INCIDENTCTL_CHAT_WEBHOOK")
    chat = Chat(hook, **common.kwargs()) if hook else None
    runner = Runner(tracker, pager, chat, _linker(settings, request.repo))
    try:
        issues = _by_key(tracker.issues(), err)
        ops = operations(targets, issues, paging=pager is not None, chat=chat is not None)
        if request.dry_run:
            return [a for op in ops for a in planned(op)]
        runner.run(ops)
    except ServiceError as exc:
        errors.append(_message(exc, redact))
    finally:
        tracker.close()
        if pager is not None:
            pager.close()
        if chat is not None:
            chat.close()
    return runner.actions


def _message(exc: ServiceError, redact: Redactor) -> str:
    return redact(exc.message + (f" (hint: {exc.hint})" if exc.hint else ""))


def _incidents(repo: Repository, ids: set[str]) -> dict[str, tuple[str, Incident]]:
    """The records the clocks belong to, by ID: found by name (one read each), or, for
    a record whose ``id`` is not its file name (INC001), by reading every file."""
    found: dict[str, tuple[str, Incident]] = {}
    for incident_id in sorted(ids):
        record = repo.incident(incident_id)
        if record is not None and record.model.id == incident_id:
            found[incident_id] = (record.source.rel, record.model)
    if len(found) < len(ids):
        for rel in repo.incident_paths():
            record = repo.load_incident(rel)
            if record is not None and record.model.id in ids:
                found.setdefault(record.model.id, (rel, record.model))
    return found


def _by_key(issues: list[Issue], err: TextIO) -> dict[str, Issue]:
    """Issues by marker; of duplicates (a crash between create and a retry) the oldest wins."""
    found: dict[str, Issue] = {}
    for issue in sorted(issues, key=lambda i: i.number):
        key = key_of(issue.body)
        if key is None:
            continue
        if key in found:
            print(
                f"incidentctl: warning: issues #{found[key].number} and #{issue.number} are"
                f" both about {key}; #{found[key].number} is kept up to date",
                file=err,
            )
            continue
        found[key] = issue
    return found


def _linker(settings: Settings, repo: Repository) -> Callable[[plan.Target], str]:
    branch = repo.config.default_branch
    base = f"{settings.server_url}/{settings.repository}/blob/{branch}/"

    def link(target: plan.Target) -> str:
        return base + target.path

    return link
