"""State rules: what a record must carry in each state, reopens, surveys, children."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from incidentctl.checks.context import Context, at
from incidentctl.diagnostics import Diagnostic, Severity, define
from incidentctl.lifecycle import status_steps
from incidentctl.model.common import format_duration
from incidentctl.model.incident import OPEN_STATES, ResolutionCode, Status, Survey
from incidentctl.model.kb import KbType
from incidentctl.store.repo import IncidentRecord

E, W = Severity.ERROR, Severity.WARNING

MISSING_RESOLUTION = define(
    "INC030",
    "missing-resolution",
    E,
    """
    A resolved or closed incident has no `resolution` block.

    **Best practice**: `resolution: {code: workaround, summary: ..., resolved_by: erin}`,
    written by `incidentctl resolve`.
    """,
)
KNOWN_ERROR_KB = define(
    "INC031",
    "known-error-without-kb",
    E,
    """
    Resolution code `known_error` without a cited KB article of type `known_error`.

    A known error is documented in the KB; cite it under `resolution.kb`.
    """,
)
DUPLICATE_WITHOUT_REF = define(
    "INC032",
    "duplicate-without-reference",
    E,
    """
    Resolution code `duplicate` without `duplicate_of` naming the original incident.
    """,
)
REOPEN_WINDOW = define(
    "INC033",
    "reopen-outside-window",
    E,
    """
    An incident was reopened after the policy's reopen window (`reopen_window` in
    `policies/sla.yaml`).

    After the window a recurrence is a new incident; open one and link it with
    `related`.
    """,
)
SURVEY = define(
    "INC034",
    "survey-mismatch",
    E,
    """
    A survey or `satisfaction` before the incident was resolved, or a `satisfaction` block
    that differs from the last `survey` entry.

    Satisfaction is asked once the incident is resolved. When the timeline
    records surveys, `satisfaction` copies the score and time of the last one.
    """,
)
CHILD_OPEN = define(
    "INC035",
    "child-open-after-parent",
    W,
    """
    A child incident is still open although its parent (major) incident is resolved.

    Children of a major incident are resolved with it; resolve the child or
    detach it by removing `parent`.
    """,
)
TIME_ORDER = define(
    "INC036",
    "impossible-times",
    E,
    """
    `started_at` is after `detected_at`, or `detected_at` is after `reported_at`.

    Impact starts, then it is noticed, then it is reported (or all at once).
    """,
)


def check_state(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    inc, src = rec.model, rec.source
    if inc.status in (Status.RESOLVED, Status.CLOSED) and inc.resolution is None:
        yield at(
            MISSING_RESOLUTION,
            src,
            ("status",),
            f"a {inc.status.value} incident needs a resolution",
            "add resolution: {code, summary, resolved_by}",
        )
    res = inc.resolution
    if res is not None and res.code is ResolutionCode.KNOWN_ERROR:
        types = [a.type for a in map(ctx.kb_article, res.kb) if a is not None]
        if KbType.KNOWN_ERROR not in types:
            yield at(
                KNOWN_ERROR_KB,
                src,
                ("resolution", "code"),
                "a known_error resolution cites no KB article of type known_error",
                "add the known-error article's ID to resolution.kb",
            )
    if res is not None and res.code is ResolutionCode.DUPLICATE and inc.duplicate_of is None:
        yield at(
            DUPLICATE_WITHOUT_REF,
            src,
            ("resolution", "code"),
            "a duplicate resolution needs duplicate_of",
            "add duplicate_of: <original ID>",
        )
    yield from _check_reopens(ctx, rec)
    yield from _check_survey(rec)
    yield from _check_times(rec)
    if inc.parent and inc.status in OPEN_STATES:
        parent_status = ctx.status_of(inc.parent)
        if parent_status in (Status.RESOLVED.value, Status.CLOSED.value):
            yield at(
                CHILD_OPEN,
                src,
                ("parent",),
                f"parent {inc.parent} is {parent_status} but this child is still"
                f" {inc.status.value}",
            )


def _check_reopens(ctx: Context, rec: IncidentRecord) -> Iterator[Diagnostic]:
    sla = ctx.repo.policies.sla
    if sla is None:
        return
    resolved_at = None
    for i, step in status_steps(rec.model.timeline):
        if step.to is Status.RESOLVED:
            resolved_at = step.at
        elif (
            step.from_ is Status.RESOLVED
            and step.to is Status.IN_PROGRESS
            and resolved_at
            and step.at - resolved_at > sla.reopen_window
        ):
            yield at(
                REOPEN_WINDOW,
                rec.source,
                ("timeline", i),
                f"reopened {format_duration(step.at - resolved_at)} after resolution;"
                f" the window is {format_duration(sla.reopen_window)}",
                "open a new incident and link it with related",
            )


def _check_survey(rec: IncidentRecord) -> Iterator[Diagnostic]:
    inc, src = rec.model, rec.source
    first_resolution = next(
        (s.at for _, s in status_steps(inc.timeline) if s.to is Status.RESOLVED), None
    )
    surveys = [(i, e) for i, e in enumerate(inc.timeline) if isinstance(e, Survey)]
    for i, survey in surveys:
        if first_resolution is None or survey.at < first_resolution:
            yield at(SURVEY, src, ("timeline", i), "a survey before the incident was resolved")
    sat = inc.satisfaction
    if sat is None:
        return
    if first_resolution is None or sat.at < first_resolution:
        yield at(
            SURVEY, src, ("satisfaction",), "satisfaction recorded before the incident was resolved"
        )
    elif surveys and (surveys[-1][1].score, surveys[-1][1].at) != (sat.score, sat.at):
        last = surveys[-1][1]
        yield at(
            SURVEY,
            src,
            ("satisfaction",),
            f"satisfaction (score {sat.score}) differs from the last survey entry"
            f" (score {last.score} at {last.at.isoformat()})",
            "satisfaction copies the score and time of the last survey entry",
        )


def _check_times(rec: IncidentRecord) -> Iterator[Diagnostic]:
    inc = rec.model
    order = [
        ("started_at", inc.started_at),
        ("detected_at", inc.detected_at),
        ("reported_at", inc.reported_at),
    ]
    known = [(name, t) for name, t in order if t is not None]
    for (a, ta), (b, tb) in itertools.pairwise(known):
        if ta > tb:
            yield at(TIME_ORDER, rec.source, (a,), f"{a} is after {b}")
