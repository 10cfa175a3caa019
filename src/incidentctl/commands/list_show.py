"""``incidentctl list`` and ``show``: records and the facts derived from their timelines."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from incidentctl.commands.authoring import load_record, locate
from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.lifecycle import facts, status_steps
from incidentctl.model.common import format_duration
from incidentctl.model.incident import OPEN_STATES, Incident, Status
from incidentctl.report.json_format import array
from incidentctl.report.table import aligned_columns
from incidentctl.store.repo import Repository

COLUMNS = ("id", "priority", "status", "service", "assignment_group", "assignee", "age", "title")
HEADERS = ("ID", "PRI", "STATUS", "SERVICE", "GROUP", "ASSIGNEE", "AGE", "TITLE")


@dataclass(frozen=True)
class ListRequest:
    """Filters: each tuple allows any of its values; empty allows everything."""

    repo: Repository
    now: datetime
    status: Sequence[str] = ()
    priority: Sequence[str] = ()
    service: Sequence[str] = ()
    team: Sequence[str] = ()
    assignee: Sequence[str] = ()
    open_only: bool = False
    format: str = "table"


_OPEN = frozenset(s.value for s in OPEN_STATES)
_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # the age is left out of what is indexed


def _age(inc: Incident, now: datetime) -> str:
    return _age_from(inc.status.value, inc.reported_at, _end(inc), now)


def _end(inc: Incident) -> datetime | None:
    """When a record stopped ageing (closed, cancelled or resolved), if it did."""
    if inc.status in OPEN_STATES:
        return None
    derived = facts(inc)
    return derived.closed_at or derived.cancelled_at or derived.resolved_at


def _age_from(status: str, reported: datetime, end: datetime | None, now: datetime) -> str:
    if status in _OPEN or end is None:
        end = now
    return format_duration(max(end - reported, timedelta(0)))


def summary(inc: Incident, now: datetime) -> dict[str, Any]:
    """One row of ``list``: the record's main fields and its age (open: until now)."""
    return {
        "id": inc.id,
        "title": inc.title,
        "status": inc.status.value,
        "priority": inc.priority,
        "major": inc.major,
        "service": inc.service,
        "assignment_group": inc.assignment_group,
        "assignee": inc.assignee,
        "reported_at": inc.reported_at.isoformat(),
        "age": _age(inc, now),
    }


def _keep(request: ListRequest, row: dict[str, Any]) -> bool:
    tests = (
        (request.status, row["status"]),
        (request.priority, row["priority"]),
        (request.service, row["service"]),
        (request.team, row["assignment_group"]),
        (request.assignee, row["assignee"]),
    )
    if request.open_only and row["status"] not in _OPEN:
        return False
    return all(not allowed or value in allowed for allowed, value in tests)


def _indexed(inc: Incident) -> str:
    """What the index keeps for ``list``: the row's fields, and the end for the age."""
    fields = summary(inc, _NO_TIME)
    fields["end"] = None if (end := _end(inc)) is None else end.isoformat()
    del fields["age"]
    return json.dumps(fields)


def _from_index(blobs: list[str], now: datetime) -> list[dict[str, Any]]:
    """The rows of the ``_indexed`` fields of many records (one JSON decode for all)."""
    rows: list[dict[str, Any]] = json.loads(f"[{','.join(blobs)}]")
    for fields in rows:
        end = fields.pop("end")
        reported = datetime.fromisoformat(fields["reported_at"])
        fields["age"] = _age_from(
            fields["status"], reported, None if end is None else datetime.fromisoformat(end), now
        )
    return rows


def _rows(request: ListRequest) -> list[dict[str, Any]]:
    """Every row the filters keep. Unchanged records whose fields the index holds are
    not read, nor (filtered by status) unchanged records of another status."""
    repo = request.repo
    wanted = set(request.status) or {s.value for s in Status}
    if request.open_only:
        wanted &= _OPEN
    guessed: dict[str, dict[str, Any]] = {}
    spec: dict[str, str] = {}
    if repo.guess_paths_with(wanted, spec) is not None:  # decoded while the stats are compared
        guessed = dict(zip(spec, _from_index(list(spec.values()), request.now), strict=True))
    indexed: dict[str, str] = {}
    chosen = repo.incident_paths_with(wanted, indexed)
    # a file the index serves has the fields the guess read: the same row of the index
    rows = [guessed[rel] for rel in indexed if rel in guessed]
    rows += _from_index([b for rel, b in indexed.items() if rel not in guessed], request.now)
    # one at a time (100,000 take GiBs); every record, of every status: the index
    # then holds its row for the next list, whatever that one shows
    for _, record, _ in repo.iter_incidents(chosen):
        if record is None:
            continue
        repo.cache.note_summary(record.source.rel, _indexed(record.model))
        rows.append(summary(record.model, request.now))
    repo.save_seen()
    return [row for row in rows if _keep(request, row)]


def execute_list(request: ListRequest, out: TextIO | None = None) -> int:
    """Print the records that pass the filters, as a table or JSON."""
    out = sys.stdout if out is None else out
    known = [s.value for s in Status]  # in lifecycle order, the same in every run
    for value in request.status:
        if value not in known:
            raise UsageError(f"--status: unknown status {value!r}", "one of: " + ", ".join(known))
    rows = _rows(request)
    rows.sort(key=lambda row: row["id"])
    if request.format == "json":
        out.write(array(rows))
        return EXIT_CLEAN
    columns = [  # a column at a time, each with its header
        [header] + [_cell(row[c]) for row in rows]
        for header, c in zip(HEADERS, COLUMNS, strict=True)
    ]
    out.write("\n".join(aligned_columns(columns)) + "\n")
    out.write(f"{len(rows)} incident{'s' * (len(rows) != 1)}\n")
    return EXIT_CLEAN


def _cell(value: object) -> str:
    return "" if value is None else str(value)[:60]


def _after(start: datetime, end: datetime | None) -> str | None:
    return None if end is None else f"{end.isoformat()} (after {format_duration(end - start)})"


def details(inc: Incident, now: datetime) -> dict[str, Any]:
    """Everything ``show`` prints: the fields plus the facts derived from the timeline."""
    derived = facts(inc)
    held = timedelta(0)
    holds = 0
    steps = status_steps(inc.timeline)
    for n, (_, step) in enumerate(steps):
        if step.to is Status.ON_HOLD:
            holds += 1
            end = steps[n + 1][1].at if n + 1 < len(steps) else now
            held += end - step.at
    return {
        **summary(inc, now),
        "impact": inc.impact,
        "urgency": inc.urgency,
        "category": f"{inc.category}/{inc.subcategory}",
        "configuration_item": inc.configuration_item,
        "reported_by": inc.reported_by,
        "channel": inc.channel.value,
        "hold_reason": inc.hold_reason,
        "acknowledged": _after(inc.reported_at, derived.acknowledged_at),
        "resolved": _after(inc.reported_at, derived.resolved_at),
        "closed": _after(inc.reported_at, derived.closed_at),
        "cancelled": _after(inc.reported_at, derived.cancelled_at),
        "on_hold": f"{format_duration(held)} in {holds} hold{'s' * (holds != 1)}",
        "reopened": derived.reopen_count,
        "escalations": [
            f"{e.type.value} to {e.to} at {e.at.isoformat()} by {e.by}" for e in derived.escalations
        ],
        "resolution": inc.resolution.model_dump(mode="json") if inc.resolution else None,
        "satisfaction": inc.satisfaction.model_dump(mode="json") if inc.satisfaction else None,
        "description": inc.description,
        "timeline": [_describe(e) for e in inc.timeline],
    }


def _describe(entry: Any) -> str:
    data = entry.model_dump(mode="json", by_alias=True, exclude_none=True)
    by, kind = data.pop("by"), data.pop("kind")
    at = entry.at.isoformat()
    del data["at"]
    text = f"{data.pop('from')} -> {data.pop('to')}" if kind == "status" else kind
    rest = " ".join(f"{k}={v}" for k, v in data.items())
    return f"{at}  {by}  {text}" + (f"  {rest}" if rest else "")


LABELS = (
    ("status", "status"), ("priority", "priority"), ("impact", "impact"),
    ("urgency", "urgency"), ("service", "service"), ("category", "category"),
    ("configuration_item", "CI"), ("channel", "channel"), ("reported_by", "reported by"),
    ("reported_at", "reported at"), ("assignment_group", "group"), ("assignee", "assignee"),
    ("hold_reason", "hold reason"), ("acknowledged", "acknowledged"), ("resolved", "resolved"),
    ("closed", "closed"), ("cancelled", "cancelled"), ("on_hold", "on hold"),
    ("reopened", "reopened"),
)  # fmt: skip


def execute_show(
    repo: Repository, incident_id: str, now: datetime, fmt: str = "text", out: TextIO | None = None
) -> int:
    """Print one record in a readable form (or JSON) with its derived facts."""
    out = sys.stdout if out is None else out
    _, model = load_record(repo, locate(repo, incident_id))
    view = details(model, now)
    if fmt == "json":
        json.dump(view, out, indent=2)
        out.write("\n")
        return EXIT_CLEAN
    out.write(f"{view['id']}  {view['title']}\n")
    for key, label in LABELS:
        if view[key] not in (None, ""):
            out.write(f"  {label + ':':<14}{view[key]}\n")
    for n, line in enumerate(view["escalations"]):
        out.write(f"  {'escalations:' if n == 0 else '':<14}{line}\n")
    if view["resolution"]:
        res = view["resolution"]
        kb = f" ({', '.join(res['kb'])})" if res.get("kb") else ""
        out.write(
            f"  {'resolution:':<14}{res['code']} by {res['resolved_by']}: {res['summary']}{kb}\n"
        )
    if view["satisfaction"]:
        sat = view["satisfaction"]
        comment = f' "{sat["comment"]}"' if sat.get("comment") else ""
        out.write(f"  {'satisfaction:':<14}{sat['score']}/5{comment}\n")
    out.write("\ndescription:\n")
    out.writelines(f"  {line}\n" for line in view["description"].rstrip("\n").split("\n"))
    out.write("\ntimeline:\n")
    out.writelines(f"  {line}\n" for line in view["timeline"])
    return EXIT_CLEAN
