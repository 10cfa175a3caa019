"""``incidentctl sla status``: every SLA clock at ``now``, most urgent first."""

from __future__ import annotations

import json
import sys
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from incidentctl.diagnostics import Severity
from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.model.incident import OPEN_STATES
from incidentctl.sla.calendar import to_seconds
from incidentctl.sla.clock import (
    ClockPlan,
    ClockResult,
    ClockState,
    NoTarget,
    plan,
    plan_holds_from,
)
from incidentctl.sla.clock import results as clock_results
from incidentctl.sla.policy import VALIDATE_HINT, SlaPolicies, SlaPolicyError
from incidentctl.sla.report import RENDERERS
from incidentctl.store import fingerprint
from incidentctl.store.cache import DIGEST, STATUS, stat_files
from incidentctl.store.repo import Repository

_RANK = {ClockState.BREACHED: 0, ClockState.WARNING: 1, ClockState.OK: 1}


@dataclass(frozen=True)
class SlaStatusRequest:
    repo: Repository
    now: datetime
    format: str = "text"
    all: bool = False  # include stopped clocks of resolved and closed incidents


def policies_of(repo: Repository) -> SlaPolicies:
    """The repository's SLA policy compiled, or SlaPolicyError naming what is wrong."""
    pol = repo.policies
    for name, model in (("sla", pol.sla), ("services", pol.services)):
        if model is not None:
            continue
        rel = f"policies/{name}.yaml"
        if not (repo.root / rel).is_file():
            raise SlaPolicyError(f"{rel} is missing; SLA clocks need it", VALIDATE_HINT)
        first = next((d for d in repo.diagnostics if d.path == rel), None)
        where = f"{rel}:{first.line}" if first and first.line else rel
        detail = f": {first.message}" if first else ""
        raise SlaPolicyError(f"{where}: the policy is not valid{detail}", VALIDATE_HINT)
    assert pol.sla is not None
    return SlaPolicies.build(pol.sla, pol.services)


def urgency(result: ClockResult) -> tuple[int, int, str, str]:
    """Sort key: breached first, then running clocks by deadline, then stopped ones."""
    rank = _RANK.get(result.state, 2)
    return (rank, result.deadline_at, result.incident_id, result.clock.value)


def collect(
    repo: Repository,
    policies: SlaPolicies,
    now: datetime,
    err: TextIO,
    statuses: Collection[str] | None = None,
) -> list[ClockResult]:
    """Every clock of every valid incident at ``now``; invalid records are skipped, warned.

    With ``statuses``, only incidents that may have one of them are read (the index
    knows the status of every unchanged file), so open clocks cost open incidents.
    An unchanged record whose clock plan the index keeps is not even rebuilt.
    """
    results: list[ClockResult] = []
    at = to_seconds(now)
    guessed: dict[str, list[ClockResult]] | None = None
    key = None
    if statuses is None:
        repo.cache.open()  # before the walk (see Repository.save_whole)
    else:
        guess = repo.guess_paths_with(statuses)
        if guess is not None:  # the clocks of the files as indexed, while their stats are compared
            key = plan_key(policies)
            digests = repo.cache.proven_digests(guess)
            guessed = _kept_clocks(repo, policies, guess, digests, at, key)
    paths = repo.incident_paths() if statuses is None else repo.incident_paths_with(statuses)
    if key is None and repo.cache.is_open:
        key = plan_key(policies)
    if guessed is not None and repo.cache.compared:  # it holds for the files found unchanged
        todo = _from_guess(repo, paths, guessed, results)
    elif key is not None:
        todo = _from_plans(repo, policies, paths, at, key, results)
    else:
        todo = paths
    for rel, record, problems in repo.iter_incidents(todo, statuses):  # one at a time
        if record is None:
            problem = next((d for d in problems if d.severity is Severity.ERROR), None)
            detail = (
                f" (line {problem.line}: {problem.message})" if problem and problem.line else ""
            )
            _warn(err, f"skipped {rel}: not a valid incident record{detail}")
            continue
        if statuses is not None and record.model.status.value not in statuses:
            continue  # read because the index could not tell its status (a cold run)
        try:
            found = plan(record.model, policies, at)
        except NoTarget as exc:
            _warn(err, f"skipped {rel}: {exc}")
            continue
        if found is not None:
            results.extend(clock_results(found, policies, at))
        holds_from = plan_holds_from(record.model)
        kept = repo.cache.digest_of(rel)
        if key is not None and kept is not None and holds_from <= at:
            repo.cache.note_plan(kept, holds_from, "null" if found is None else found.to_json())
    if statuses is None:
        repo.save_whole()
    else:
        repo.save_seen()
    return results


# the modules whose code decides a clock plan: an edit (a development install keeps
# its version) drops the plans kept in the index
PLAN_MODULES = (
    "incidentctl.sla.clock",
    "incidentctl.sla.calendar",
    "incidentctl.sla.policy",
    "incidentctl.lifecycle",
    "incidentctl.model.incident",
    "incidentctl.model.policy",
    "incidentctl.model.common",
)


def plan_key(policies: SlaPolicies) -> str:
    """What decides a kept clock plan besides the record and what keys the index."""
    zones = [cal.zone.key for cal in policies.calendars.values()]
    return f"plans v2 code {fingerprint.code(PLAN_MODULES)} zones {fingerprint.zones(zones)}"


def _from_plans(
    repo: Repository,
    policies: SlaPolicies,
    paths: list[str],
    at: int,
    key: str,
    results: list[ClockResult],
) -> list[str]:
    """The clocks of the unchanged files of ``paths`` whose plan the index keeps (into
    ``results``); returns the other files, to read."""
    cache = repo.cache
    if cache.compared:  # one comparison just found which files are as indexed: no row
        digests = cache.proven_digests(paths)  # is read (a changed file's is None)
    else:
        stats = stat_files(str(repo.root), paths)
        fresh = [
            cache.fresh(rel, stat) if entry is not None else None
            for rel, entry, stat in zip(paths, cache.rows(paths), stats, strict=True)
        ]
        for rel, entry in zip(paths, fresh, strict=True):
            if entry is not None:
                cache.keep(rel, entry)  # a whole load (--all) prunes the rows not kept
        digests = [e[DIGEST] if e is not None and e[STATUS] is not None else None for e in fresh]
    found = _kept_clocks(repo, policies, paths, digests, at, key)
    return (
        _from_guess(repo, paths, found, results) if cache.compared else _rest(paths, found, results)
    )


def _kept_clocks(
    repo: Repository,
    policies: SlaPolicies,
    paths: list[str],
    digests: list[str | None],
    at: int,
    key: str,
) -> dict[str, list[ClockResult]]:
    """The clocks at ``at`` of the files of ``paths`` whose plan the index keeps, by the
    digests of their texts (None: none kept); by path."""
    kept = repo.cache.plans([d for d in digests if d is not None], key)
    rels = []
    texts = []
    for rel, digest in zip(paths, digests, strict=True):
        found = None if digest is None else kept.get(digest)
        if found is not None and found[0] <= at:
            rels.append(rel)
            texts.append(found[1])
    out: dict[str, list[ClockResult]] = {}
    data = json.loads(f"[{','.join(texts)}]")  # one decode for all ("null": no clocks)
    for rel, plan_data in zip(rels, data, strict=True):
        out[rel] = (
            [] if plan_data is None else clock_results(ClockPlan.from_data(plan_data), policies, at)
        )
    return out


def _from_guess(
    repo: Repository,
    paths: list[str],
    found: dict[str, list[ClockResult]],
    results: list[ClockResult],
) -> list[str]:
    """After the index's comparison: the clocks ``found`` of the files it proved
    unchanged (into ``results``); returns the other files of ``paths``, to read, their
    rows read now (one query, not every row of the index)."""
    changed = repo.cache.changed_rels
    todo = _rest(paths, {rel: c for rel, c in found.items() if rel not in changed}, results)
    if todo:
        repo.cache.rows(todo)
    return todo


def _rest(
    paths: list[str], found: dict[str, list[ClockResult]], results: list[ClockResult]
) -> list[str]:
    """The clocks ``found`` into ``results``; returns the files of ``paths`` without."""
    todo = []
    for rel in paths:
        clocks = found.get(rel)
        if clocks is None:
            todo.append(rel)
        else:
            results.extend(clocks)
    return todo


def _warn(err: TextIO, message: str) -> None:
    print(f"incidentctl: warning: {message}; run `incidentctl validate`", file=err)


def execute(request: SlaStatusRequest, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print the clocks of open incidents (all incidents with ``all``); exit code 0.

    ``out`` and ``err`` default to the streams current at the call (not at import).
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    render = RENDERERS.get(request.format)
    if render is None:
        raise UsageError(
            f"--format: unknown format {request.format!r}", "use text, json or markdown"
        )
    policies = policies_of(request.repo)
    wanted = None if request.all else {s.value for s in OPEN_STATES}
    results = collect(request.repo, policies, request.now, err, wanted)
    if not request.all:
        results = [r for r in results if r.status in OPEN_STATES]
    results.sort(key=urgency)
    out.write(render(results, request.now))
    return EXIT_CLEAN
