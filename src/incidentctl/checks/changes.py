"""Change rules: what a pull request may do to a record (``validate --base``).

The other rules look at one version of a file; these compare the base version
with the head version: the lifecycle steps appended, the append-only timeline,
the immutable fields, final records, deletions, renames and new records.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any

from incidentctl.checks.context import at
from incidentctl.diagnostics import Diagnostic, Severity, define
from incidentctl.ids import id_from_path, next_id
from incidentctl.lifecycle import FINAL, current_status, status_steps, transition_problem
from incidentctl.model.incident import Status, Survey
from incidentctl.store.changeset import ChangeSet, IncidentChange, Version
from incidentctl.store.source import Source
from incidentctl.store.yamlread import comparable

E, W = Severity.ERROR, Severity.WARNING
IMMUTABLE = ("id", "reported_at", "reported_by")

ILLEGAL_STEP = define(
    "CHG001",
    "illegal-appended-step",
    E,
    """
    A status step appended by this change is not allowed from the state the record was in.

    Steps are checked in sequence from the base version's state, with the
    lifecycle's table (new -> in_progress | on_hold | resolved | cancelled, ...).

    **Anti-pattern**: appending `{kind: status, from: in_progress, to: closed}`.

    **Best practice**: let `incidentctl resolve`, then `incidentctl close`, write
    the steps; they refuse what the lifecycle forbids.
    """,
)
REWRITTEN = define(
    "CHG002",
    "timeline-rewritten",
    E,
    """
    The change edits, removes or reorders a timeline entry instead of appending.

    The timeline is the record's audit trail and is append-only.

    **Anti-pattern**: correcting the `at` of an old entry.

    **Best practice**: leave it and append a note explaining the correction
    (`incidentctl note --text "..."`).
    """,
)
IMMUTABLE_CHANGED = define(
    "CHG003",
    "immutable-field-changed",
    E,
    """
    The change alters `id`, `reported_at` or `reported_by`, which never change.

    **Best practice**: if a record was opened with wrong facts, note the
    correction in the timeline; if it is the wrong record, cancel it and open a
    new one.
    """,
)
FINAL_CHANGED = define(
    "CHG004",
    "final-record-changed",
    E,
    """
    A closed or cancelled record was changed other than by adding a satisfaction survey.

    Closed and cancelled records are final. The one change allowed is
    appending a `survey` entry and setting the `satisfaction` block
    (`incidentctl survey`). **Best practice**: for a recurrence, open a new
    incident and link it with `related`.
    """,
)
DELETED = define(
    "CHG005",
    "record-deleted",
    E,
    """
    The change deletes an incident file, or renames it to another ID.

    Records are never deleted or renumbered: the ID is how people, links and
    the audit find them. **Best practice**: cancel a record opened by mistake
    (`incidentctl cancel`).
    """,
)
MOVED = define(
    "CHG006",
    "record-moved",
    W,
    """
    The change moves an incident file to another year folder.

    The one move allowed is fixing the year folder to match `reported_at`; it
    is reported so that a reviewer sees it.
    """,
)
NEW_NOT_NEW = define(
    "CHG007",
    "new-record-not-new",
    E,
    """
    A new incident file does not start in `new`, and its timeline does not explain how.

    **Best practice**: `incidentctl new` writes a record in `new`; each later
    step is appended by its own command.
    """,
)
BACKFILLED = define(
    "CHG008",
    "backfilled-record",
    W,
    """
    A new incident file arrives beyond `new`, with a complete and valid timeline.

    Back-filling (recording an incident after the fact) is allowed, and is
    reported so that a reviewer can confirm it.
    """,
)
ID_TAKEN = define(
    "CHG009",
    "id-taken-on-base",
    E,
    """
    A new incident uses an ID that the base branch already uses for another record.

    Two pull requests picked the same next number. The hint names the next
    free ID; rename the file (`git mv`) and change `id` to it.
    """,
)


def _identity(version: Version) -> tuple[Any, ...]:
    return tuple(comparable(version.data.get(f)) for f in ("reported_at", "reported_by"))


def check_changes(changes: ChangeSet, head_ids: Iterable[str]) -> Iterator[Diagnostic]:
    """Every change finding for a pull request (``head_ids``: IDs of the head's files)."""
    added = [c for c in changes.incidents if c.status == "A"]
    paired: set[str] = set()
    for gone in (c for c in changes.incidents if c.status == "D"):
        yield from _check_deleted(gone, added, paired)
    for change in changes.incidents:
        if change.status == "M":
            yield from _compare(change.base, change.head)
    taken = set(head_ids) | set(changes.ref_ids) | {id_from_path(c.rel) or "" for c in added}
    for change in added:
        if change.rel not in paired:
            yield from _check_new(change)
            yield from _check_collision(change, changes, taken)


def _check_deleted(
    gone: IncidentChange, added: list[IncidentChange], paired: set[str]
) -> Iterator[Diagnostic]:
    name = PurePosixPath(gone.rel).name
    for candidate in added:
        if candidate.rel not in paired and PurePosixPath(candidate.rel).name == name:
            paired.add(candidate.rel)
            line = 1
            if candidate.head is not None:
                line = candidate.head.source.locate(("reported_at",))[0]
            yield MOVED.at(
                candidate.rel,
                line,
                1,
                f"moved from {gone.rel}",
                "only a move that fixes the year folder is allowed",
            )
            yield from _compare(gone.base, candidate.head)
            return
    for candidate in added:
        if (
            candidate.rel not in paired
            and gone.base is not None
            and candidate.head is not None
            and _identity(candidate.head) == _identity(gone.base)
        ):
            paired.add(candidate.rel)
            yield DELETED.at(
                gone.rel,
                None,
                None,
                f"{name} was renamed to {candidate.rel}",
                "IDs never change: rename it back",
            )
            yield from _compare(gone.base, candidate.head)
            return
    yield DELETED.at(
        gone.rel,
        None,
        None,
        f"{name} was deleted",
        "restore it (git restore --source <base> -- <path>); cancel a record"
        " opened by mistake with `incidentctl cancel` instead",
    )


def _compare(base: Version | None, head: Version | None) -> Iterator[Diagnostic]:
    if base is None or head is None:
        return
    src = head.source
    for name in IMMUTABLE:
        before, after = comparable(base.data.get(name)), comparable(head.data.get(name))
        if before != after:
            yield at(
                IMMUTABLE_CHANGED,
                src,
                (name,),
                f"{name} changed from {before} to {after}",
                f"{name} never changes; restore it",
            )
    old, new = base.data.get("timeline"), head.data.get("timeline")
    if not isinstance(old, list) or not isinstance(new, list):
        return
    appended_ok = yield from _check_prefix(src, old, new)
    final = base.model is not None and base.model.status in FINAL
    if final and base.model is not None:
        yield from _check_final(
            base, head, len(old) if appended_ok else len(new), base.model.status
        )
    if appended_ok and base.model is not None and head.model is not None:
        state = current_status(base.model.timeline)
        for i, step in status_steps(head.model.timeline):
            if i < len(old):
                continue
            if step.from_ is not state:
                yield at(
                    ILLEGAL_STEP,
                    src,
                    ("timeline", i, "from"),
                    f"appended step from {step.from_.value}, but the record was {state.value}",
                )
            problem = transition_problem(state, step.to)
            if problem:
                yield at(ILLEGAL_STEP, src, ("timeline", i, "to"), f"appended step: {problem}")
            state = step.to


def _check_prefix(src: Source, old: list[Any], new: list[Any]) -> Generator[Diagnostic, None, bool]:
    """The base timeline must be a prefix of the head timeline; returns whether it is."""
    for i, entry in enumerate(old):
        what = (
            f"entry {i} ({entry.get('kind', '?')} at {comparable(entry.get('at'))})"
            if isinstance(entry, dict)
            else f"entry {i}"
        )
        if i >= len(new):
            yield at(
                REWRITTEN,
                src,
                ("timeline",),
                f"{what} was removed",
                "the timeline is append-only; restore the entry",
            )
            return False
        if comparable(entry) != comparable(new[i]):
            if any(comparable(entry) == comparable(other) for other in new):
                message = f"{what} was moved"
            elif i + 1 < len(old) and comparable(old[i + 1]) == comparable(new[i]):
                message = f"{what} was removed"
            elif isinstance(entry, dict) and isinstance(new[i], dict):
                fields = sorted(
                    k
                    for k in set(entry) | set(new[i])
                    if comparable(entry.get(k)) != comparable(new[i].get(k))
                )
                message = f"{what} was edited ({', '.join(fields)} changed)"
            else:
                message = f"{what} was replaced"
            yield at(
                REWRITTEN,
                src,
                ("timeline", i),
                message,
                "the timeline is append-only: restore the entry and append a note instead",
            )
            return False
    return True


def _check_final(
    base: Version, head: Version, appended_from: int, status: Status
) -> Iterator[Diagnostic]:
    src = head.source
    allowed = {"timeline", "satisfaction"}
    for name in [*head.data, *(k for k in base.data if k not in head.data)]:
        if name not in allowed and comparable(base.data.get(name)) != comparable(
            head.data.get(name)
        ):
            yield at(
                FINAL_CHANGED,
                src,
                (name,),
                f"{name} changed on a {status.value} record",
                "a final record only takes a satisfaction survey; open a new incident",
            )
    if head.model is None:
        return
    for i, entry in enumerate(head.model.timeline[appended_from:], appended_from):
        if not isinstance(entry, Survey):
            yield at(
                FINAL_CHANGED,
                src,
                ("timeline", i),
                f"a {entry.kind} entry appended to a {status.value} record",
                "a final record only takes a survey entry",
            )


def _check_new(change: IncidentChange) -> Iterator[Diagnostic]:
    head = change.head
    if head is None or head.model is None:
        return
    model = head.model
    steps = status_steps(model.timeline)
    if not steps and model.status is Status.NEW:
        return
    state = Status.NEW
    legal = True
    for _, step in steps:
        legal = legal and step.from_ is state and transition_problem(state, step.to) is None
        state = step.to
    if legal and state is model.status:
        yield at(
            BACKFILLED,
            head.source,
            ("status",),
            f"new record arrives {model.status.value}, back-filled through"
            f" {len(steps)} status step{'s' * (len(steps) != 1)}",
            "confirm that the record is meant to be back-filled",
        )
    else:
        yield at(
            NEW_NOT_NEW,
            head.source,
            ("status",),
            f"a new record must start in new, not {model.status.value}",
            "create it with `incidentctl new`, then append each step with its command",
        )


def _check_collision(
    change: IncidentChange, changes: ChangeSet, taken: set[str]
) -> Iterator[Diagnostic]:
    incident_id = id_from_path(change.rel)
    if incident_id is None or incident_id not in changes.ref_ids:
        return
    theirs = changes.ref_versions.get(incident_id)
    if (
        theirs is not None
        and change.head is not None
        and _identity(theirs) == _identity(change.head)
    ):
        return  # the same record reached the base branch another way
    free = next_id(int(incident_id.split("-")[1]), taken)
    message = (
        f"{incident_id} is already used on {changes.ref} by"
        f" {changes.ref_ids[incident_id]} (another record)"
    )
    hint = (
        f"renumber this record to {free}: git mv {change.rel}"
        f" {PurePosixPath(change.rel).parent}/{free}.yaml, and set id: {free}"
    )
    if change.head is None:
        yield ID_TAKEN.at(change.rel, 1, 1, message, hint)
    else:
        yield at(ID_TAKEN, change.head.source, ("id",), message, hint)
