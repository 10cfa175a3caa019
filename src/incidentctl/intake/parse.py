"""The issue event and the form's rendered body -> the answers of a new incident.

GitHub renders an issue form's answers as Markdown: each field is a ``### Label``
heading followed by its value, and an unanswered optional field is
``_No response_``. The answers are matched to the policies (a service by key or
display name, case-insensitively); free text is kept exactly as written, since
it is stored as a YAML string and never evaluated.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from incidentctl.errors import UsageError
from incidentctl.intake.form import FIELDS, category_options, service_options
from incidentctl.store.repo import Policies

NO_RESPONSE = "_No response_"
TITLE_PREFIX = "[Incident]:"  # the form's issue title starts with it
SHOWN = 80  # characters of a bad answer quoted back to the caller


@dataclass(frozen=True)
class IssueEvent:
    """What intake needs from an ``issues`` event."""

    number: int
    title: str
    body: str
    author: str
    url: str
    created_at: datetime


@dataclass(frozen=True)
class Answers:
    """A new incident's fields from the form, matched to the policies."""

    fields: dict[str, str]  # title, description, service, category, subcategory, impact, urgency
    configuration_item: str | None


def read_event(path: Path) -> IssueEvent:
    """The issue of a GitHub ``issues`` event payload (``$GITHUB_EVENT_PATH``)."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--event-file: cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"--event-file: {path} is not JSON: {exc}") from None
    issue = payload.get("issue") if isinstance(payload, dict) else None
    if not isinstance(issue, dict):
        raise UsageError(
            f"--event-file: {path} is not an issues event (no `issue` object)",
            "run intake from a workflow triggered by `on: issues`",
        )
    try:
        created_at = datetime.fromisoformat(_typed(issue, "created_at", str))
        if created_at.tzinfo is None:  # GitHub always sends UTC ("...Z")
            raise KeyError("created_at")
        return IssueEvent(
            number=_typed(issue, "number", int),
            title=_typed(issue, "title", str),
            body=issue.get("body") or "",  # null when the body is empty
            author=_typed(_typed(issue, "user", dict), "login", str),
            url=_typed(issue, "html_url", str),
            created_at=created_at,
        )
    except (KeyError, ValueError):
        raise UsageError(
            f"--event-file: {path}: the issue lacks a valid {_first_bad(issue)}",
            "pass the payload of an `issues` event ($GITHUB_EVENT_PATH)",
        ) from None


def _first_bad(issue: dict[str, Any]) -> str:
    user = issue.get("user")
    checks = [
        ("number", isinstance(issue.get("number"), int)),
        ("title", isinstance(issue.get("title"), str)),
        ("user.login", isinstance(user, dict) and isinstance(user.get("login"), str)),
        ("html_url", isinstance(issue.get("html_url"), str)),
    ]
    return next((name for name, ok in checks if not ok), "created_at (ISO 8601 with offset)")


def _typed(data: dict[str, Any], key: str, kind: type[Any]) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise KeyError(key)
    return value


def sections(body: str) -> dict[str, str]:
    """The value under each field's ``### Label`` heading, in the form's order.

    Headings are looked for in order, each after the previous one, and the last
    field (the description) runs to the end: a heading the caller typed inside
    the description stays part of it. ``_No response_`` becomes ''.
    """
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    found: list[tuple[str, int, int]] = []  # field id, heading start, value start
    pos = 0
    for field in FIELDS:
        match = re.compile(rf"^###[ \t]+{re.escape(field.label)}[ \t]*$", re.M).search(text, pos)
        if match is None:
            continue
        found.append((field.id, match.start(), match.end()))
        pos = match.end()
    values = {}
    for i, (field_id, _, start) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else len(text)
        value = text[start:end].strip("\n").strip()
        values[field_id] = "" if value == NO_RESPONSE else value
    return values


def shown(value: str) -> str:
    """A caller's answer quoted in Markdown: shortened, in a code span it cannot leave."""
    short = value if len(value) <= SHOWN else value[: SHOWN - 1] + "…"
    short = short.replace("\n", " ")
    ticks = max((len(run) for run in re.findall(r"`+", short)), default=0) + 1
    fence = "`" * ticks
    pad = " " if short.startswith("`") or short.endswith("`") else ""
    return f"{fence}{pad}{short}{pad}{fence}"


def _match(
    value: str, known: dict[str, str], what: str, problems: list[str], *, guess: bool = True
) -> str | None:
    wanted = value.casefold()
    for label, key in known.items():
        if wanted in (label.casefold(), key.casefold()):
            return key
    if not value:
        problems.append(f"**{what}** is missing: choose one of {_list(known)}.")
    else:
        close = difflib.get_close_matches(value.casefold(), [k.casefold() for k in known], n=1)
        near = next((label for label in known if close and label.casefold() == close[0]), None)
        hint = f"did you mean {shown(near)}? Or choose" if near and guess else "choose"
        problems.append(f"**{what}** {shown(value)} is not known: {hint} one of {_list(known)}.")
    return None


def _list(known: dict[str, str]) -> str:
    return ", ".join(shown(label) for label in known)


def interpret(event: IssueEvent, policies: Policies) -> tuple[Answers | None, list[str]]:
    """The answers, or the list of what the caller must fix (Markdown, one item each)."""
    values = sections(event.body)
    problems: list[str] = []
    title = values.get("title", "")
    if not title:  # fall back to the issue's own title, less the form's prefix
        title = event.title.removeprefix(TITLE_PREFIX).strip()
    if not title:
        problems.append("**Title** is missing: say in one line what is broken.")
    service = _match(values.get("service", ""), service_options(policies), "Service", problems)
    pairs = category_options(policies)
    labels = {label: label for label in pairs}
    raw_category = re.sub(r"\s*/\s*", " / ", values.get("category", ""))
    # category labels share their first half, so a near match is no real suggestion
    category = _match(raw_category, labels, "Category", problems, guess=False)
    levels = policies.priority
    chosen = {}
    for name in ("impact", "urgency"):
        known = {level: level for level in (getattr(levels, name) if levels else [])}
        chosen[name] = _match(values.get(name, ""), known, name.capitalize(), problems)
    description = values.get("description", "")
    if not description:
        problems.append("**Description** is missing: describe the symptoms.")
    if problems or service is None or category is None:
        return None, problems
    category_key, subcategory = pairs[category]
    fields = {
        "title": title,
        "description": description,
        "service": service,
        "category": category_key,
        "subcategory": subcategory,
        "impact": chosen["impact"] or "",
        "urgency": chosen["urgency"] or "",
    }
    return Answers(fields, values.get("configuration_item") or None), []
