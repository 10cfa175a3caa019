"""The incident issue form (``.github/ISSUE_TEMPLATE/incident.yml``), in step with the policies.

The dropdowns (service, category, impact, urgency) are generated from
``policies/``; everything else in the form (labels, descriptions, comments,
extra fields a team adds) is the team's and survives a refresh, because the
form is edited with ruamel.yaml's round-trip mode: only the ``options`` of the
generated dropdowns are replaced.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from incidentctl.errors import IncidentctlError
from incidentctl.store.repo import Policies

FORM_PATH = ".github/ISSUE_TEMPLATE/incident.yml"
LABEL = "incident"  # the label the form sets and the intake workflow listens for


@dataclass(frozen=True)
class Field:
    """One field of the form: its id, the heading GitHub renders, and whether it is a dropdown."""

    id: str
    label: str
    dropdown: bool = False


# The order of the form. Description comes last so that Markdown headings inside it
# can never be mistaken for the start of another field when the body is parsed.
FIELDS = (
    Field("title", "Title"),
    Field("service", "Service", dropdown=True),
    Field("category", "Category", dropdown=True),
    Field("impact", "Impact", dropdown=True),
    Field("urgency", "Urgency", dropdown=True),
    Field("configuration_item", "Configuration item"),
    Field("description", "Description"),
)
CATEGORY_SEPARATOR = " / "


def service_options(policies: Policies) -> dict[str, str]:
    """Option label -> service key: the display name, with the key where names clash."""
    if policies.services is None:
        return {}
    services = policies.services.services
    names = [s.name.casefold() for s in services.values()]
    return {
        (s.name if names.count(s.name.casefold()) == 1 else f"{s.name} ({key})"): key
        for key, s in services.items()
    }


def category_options(policies: Policies) -> dict[str, tuple[str, str]]:
    """Option label -> (category, subcategory), e.g. ``application / batch-job``."""
    if policies.categories is None:
        return {}
    return {
        f"{name}{CATEGORY_SEPARATOR}{sub}": (name, sub)
        for name, category in policies.categories.categories.items()
        for sub in category.subcategories
    }


def options(policies: Policies) -> dict[str, list[str]]:
    """The options of every generated dropdown, by field id."""
    levels = policies.priority
    return {
        "service": list(service_options(policies)),
        "category": list(category_options(policies)),
        "impact": list(levels.impact) if levels else [],
        "urgency": list(levels.urgency) if levels else [],
    }


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long description
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def refresh(text: str, policies: Policies, path: str = FORM_PATH) -> str:
    """The form's text with the generated dropdowns' options replaced from ``policies``."""
    wanted = options(policies)
    empty = [name for name, values in wanted.items() if not values]
    if empty:
        raise IncidentctlError(
            f"cannot generate the {', '.join(empty)} options of {path}: the policies are"
            " missing or invalid",
            "run incidentctl validate and fix policies/ first",
        )
    yaml = _yaml()
    try:
        form = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise IncidentctlError(
            f"{path}{line}: not valid YAML", "fix the form, or delete it to start afresh"
        ) from None
    body = form.get("body") if isinstance(form, CommentedMap) else None
    if not isinstance(body, CommentedSeq):
        raise IncidentctlError(f"{path}: an issue form needs a `body` list")
    found = set()
    for item in body:
        field_id = item.get("id") if isinstance(item, CommentedMap) else None
        if field_id in wanted and item.get("type") == "dropdown":
            attributes = item.setdefault("attributes", CommentedMap())
            attributes["options"] = CommentedSeq(wanted[field_id])
            found.add(field_id)
    missing = sorted(set(wanted) - found)
    if missing:
        raise IncidentctlError(
            f"{path}: no dropdown with id {', '.join(missing)}",
            "keep the generated dropdowns (their ids are service, category, impact, urgency)",
        )
    out = io.StringIO()
    yaml.dump(form, out)
    return out.getvalue()


def load_form(text: str) -> Any:
    """The form as plain data (for tests and checks)."""
    return _yaml().load(text)
