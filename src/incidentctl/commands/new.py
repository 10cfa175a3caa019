"""``incidentctl new``: a new record in ``new``, numbered, prioritised and routed.

The ID is the next free number of the year against the working tree and the
upstream default branch; impact is raised inside the service's impact windows;
the priority comes from the matrix; the default assignment group from the
category. The file must validate clean before it is written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from incidentctl.commands.authoring import commit_change, record_errors, write_checked
from incidentctl.edits import Refused, suggest
from incidentctl.errors import EXIT_CLEAN, UsageError
from incidentctl.ids import id_from_path, next_id
from incidentctl.model.incident import Channel, Incident
from incidentctl.routing import default_group, raised_impact
from incidentctl.store import git, yamlread
from incidentctl.store.incidentfiles import IncidentFiles
from incidentctl.store.repo import Repository
from incidentctl.store.source import Source
from incidentctl.store.yamledit import render_flow, render_scalar

SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/incident.schema.json"
REQUIRED = (
    "title",
    "description",
    "service",
    "category",
    "subcategory",
    "impact",
    "urgency",
    "channel",
    "reported_by",
)
# the question for each field that is asked for on a terminal
QUESTIONS = {
    "title": "Title (one line)",
    "description": "Description (symptoms)",
    "service": "Service",
    "category": "Category",
    "subcategory": "Subcategory",
    "impact": "Impact",
    "urgency": "Urgency",
    "channel": "Channel",
}

Ask = Callable[[str, Sequence[str] | None, str | None], str]


@dataclass(frozen=True)
class NewRequest:
    """The fields given on the command line (None: not given) and the context."""

    repo: Repository
    fields: Mapping[str, str | None]
    reported_at: datetime
    now: datetime
    actor: str
    group: str | None = None
    assignee: str | None = None
    tags: Sequence[str] = ()
    related: Sequence[str] = ()
    branch: str | None = None
    push: bool = False
    configuration_item: str | None = None
    source_issue: str | None = None  # the tracker issue the incident came from (intake)
    ask: Ask | None = None  # prompts on a terminal; None: missing fields are an error


def _choices(repo: Repository, name: str, values: Mapping[str, str]) -> list[str] | None:
    pol = repo.policies
    if name == "service" and pol.services:
        return sorted(pol.services.services)
    if name == "category" and pol.categories:
        return sorted(pol.categories.categories)
    if (
        name == "subcategory"
        and pol.categories
        and values.get("category") in (pol.categories.categories)
    ):
        return list(pol.categories.categories[values["category"]].subcategories)
    if name in ("impact", "urgency") and pol.priority:
        return list(getattr(pol.priority, name))
    if name == "channel":
        return [c.value for c in Channel]
    return None


def gather(request: NewRequest) -> dict[str, str]:
    """Every required field: given, asked for on a terminal, or a usage error."""
    values: dict[str, str] = {k: v for k, v in request.fields.items() if v}
    values.setdefault("reported_by", request.actor)
    missing = [name for name in REQUIRED if not values.get(name)]
    if missing and request.ask is None:
        options = ", ".join("--" + name.replace("_", "-") for name in missing)
        raise UsageError(
            f"missing {options}", "give them as options, or run on a terminal to be asked"
        )
    for name in REQUIRED:
        choices = _choices(request.repo, name, values)
        if not values.get(name) and request.ask is not None:
            values[name] = request.ask(QUESTIONS[name], choices, None)
        if choices is not None and values[name] not in choices:
            option = "--" + name.replace("_", "-")
            raise UsageError(
                f"{option}: unknown {name} {values[name]!r}", suggest(values[name], choices)
            )
    return values


def taken_ids(repo: Repository, year: int) -> set[str]:
    """IDs of ``year`` in the working tree and on the upstream default branch (if fetched).

    Only the year folder is listed, here and upstream: the next free number is one
    more than the highest of its year, and a large repository has many years.
    """
    files = repo.incident_files
    taken = set(files.in_year(year) if isinstance(files, IncidentFiles) else files)
    upstream = f"origin/{repo.config.default_branch}"
    if git.is_repository(repo.root) and git.resolve_commit(repo.root, upstream):
        names = git.tree_names(repo.root, upstream, f"incidents/{year}")
        taken.update(i for i in map(id_from_path, names) if i)
    return taken


def build(request: NewRequest, values: dict[str, str]) -> tuple[str, dict[str, Any], str]:
    """The new record's ID, data and a note on a raised impact (or '')."""
    pol = request.repo.policies
    if pol.priority is None or pol.services is None:
        raise UsageError(
            "policies/priority.yaml and policies/services.yaml must be valid",
            "run incidentctl validate",
        )
    at = request.reported_at
    impact, window = raised_impact(
        pol.services.services[values["service"]], pol.sla, pol.priority, values["impact"], at
    )
    priority = pol.priority.derive(impact, values["urgency"]) or ""
    taken = taken_ids(request.repo, at.year)
    incident_id = next_id(at.year, taken)
    # an ID of this year filed in another year's folder: found by name, skipped
    while incident_id in request.repo.incident_files:
        taken.add(incident_id)
        incident_id = next_id(at.year, taken)
    data: dict[str, Any] = {
        "id": incident_id,
        "title": values["title"],
        "description": values["description"],
        "reported_by": values["reported_by"],
        "reported_at": at,
    }
    data["channel"] = values["channel"]
    if request.source_issue:
        data["source_issue"] = request.source_issue
    data["service"] = values["service"]
    if request.configuration_item:
        data["configuration_item"] = request.configuration_item
    data |= {
        "category": values["category"],
        "subcategory": values["subcategory"],
        "impact": impact,
        "urgency": values["urgency"],
        "priority": priority,
        "status": "new",
    }
    if priority in pol.priority.major:
        data["major"] = True
    group = request.group or default_group(pol.categories, values["category"])
    if group:
        data["assignment_group"] = group
    if request.assignee:
        data["assignee"] = request.assignee
    for key in ("related", "tags"):
        if getattr(request, key):
            data[key] = list(getattr(request, key))
    data["timeline"] = [{"at": at, "by": values["reported_by"], "kind": "reported"}]
    note = ""
    if window is not None:
        note = (
            f"impact raised from {values['impact']} to {impact}: reported inside the"
            f" {window.name} impact window"
        )
        data["timeline"].append({"at": at, "by": request.actor, "kind": "note", "text": note})
    return incident_id, data, note


def render(data: Mapping[str, Any]) -> str:
    """The text of a new record: the schema line, one key a line, a flow timeline."""
    lines = [SCHEMA_LINE]
    for key, value in data.items():
        if key == "timeline":
            lines.append("timeline:")
            lines += [f"  - {render_flow(entry)}" for entry in value]
        elif key == "description" and "\n" in value.strip("\n") and _literal_ok(value):
            chomp = "" if value.endswith("\n") else "-"
            lines.append(f"description: |{chomp}")
            lines += [f"  {line}" if line else "" for line in value.rstrip("\n").split("\n")]
        else:
            rendered = render_flow(value) if isinstance(value, list) else render_scalar(value)
            lines.append(f"{key}: {rendered}")
    return "\n".join(lines) + "\n"


def _literal_ok(text: str) -> bool:
    lines = text.rstrip("\n").split("\n")
    return (
        not text.endswith("\n\n")
        and not lines[0].startswith((" ", "\t"))
        and all(line == line.rstrip() for line in lines)
    )


@dataclass(frozen=True)
class Prepared:
    """A new record, checked and ready to write: its ID, path, text, data and a note."""

    incident_id: str
    rel: str
    text: str
    data: dict[str, Any]
    note: str


def prepare(request: NewRequest) -> Prepared:
    """Gather, build, render and check the new record, without writing anything."""
    values = gather(request)
    incident_id, data, note = build(request, values)
    text = render(data)
    rel = f"incidents/{request.reported_at.year}/{incident_id}.yaml"
    model = Incident.model_validate(yamlread.load(text))
    errors = sorted(record_errors(request.repo, request.now, Source(rel, text), model))
    if errors:
        raise Refused(f"the new incident would not be valid: {'; '.join(errors)}")
    return Prepared(incident_id, rel, text, data, note)


def execute(request: NewRequest, out: TextIO | None = None) -> int:
    """Create the record; returns the exit code."""
    if request.push and request.branch is None:
        raise UsageError("--push needs --branch NAME")
    write(request, prepare(request), sys.stdout if out is None else out)
    return EXIT_CLEAN


def write(request: NewRequest, ready: Prepared, out: TextIO) -> None:
    """Write the prepared record (on a new branch, committed and pushed, if asked)."""
    repo = request.repo
    incident_id, rel, data = ready.incident_id, ready.rel, ready.data
    if request.branch is not None:
        git.require_repository(repo.root, "--branch")
        git.create_branch(repo.root, request.branch)
    path = repo.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    write_checked(path, ready.text, None)
    out.write(
        f"{incident_id}: new, {data['priority']}"
        + (f", {data['assignment_group']}" if "assignment_group" in data else "")
        + f" ({rel})\n"
    )
    if ready.note:
        out.write(f"note: {ready.note}\n")
    commit_change(
        repo.root, rel, request.branch, request.push, f"{incident_id}: new ({data['title']})", out
    )
