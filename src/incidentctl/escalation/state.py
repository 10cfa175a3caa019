"""The tracker is the state: an issue's hidden marker says which incident and clock it
is about, and a hidden record in its body says which steps, pages and chat messages
were already done. Nothing is kept on the machine that runs ``sla check``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

MARKER = re.compile(r"<!-- incidentctl:(INC-\d{4}-\d{4,}):(respond|resolve) -->")
RECORD = re.compile(r"<!-- incidentctl-state (\{[^<>]*\}) -->")


@dataclass(frozen=True)
class Issue:
    """An issue as the tracker lists it."""

    number: int
    title: str
    body: str
    open: bool
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class PullRequest:
    """A pull request as the tracker returns it."""

    number: int
    url: str


@dataclass
class Record:
    """What was done for one issue: the steps taken, pages sent, chat messages posted."""

    steps: list[str] = field(default_factory=list)
    paged: list[str] = field(default_factory=list)
    chat: list[str] = field(default_factory=list)
    page_resolved: bool = False

    def render(self) -> str:
        data = {
            "steps": self.steps,
            "paged": self.paged,
            "chat": self.chat,
            "page_resolved": self.page_resolved,
        }
        return f"<!-- incidentctl-state {json.dumps(data, separators=(',', ':'))} -->"

    def copy(self) -> Record:
        return Record(list(self.steps), list(self.paged), list(self.chat), self.page_resolved)


def marker(key: str) -> str:
    """The hidden marker that finds the issue of ``key`` (``INC-2026-0042:resolve``) again."""
    return f"<!-- incidentctl:{key} -->"


def key_of(body: str | None) -> str | None:
    """The incident and clock an issue body is about, from its first line; None if none.

    Only the first line counts, so a marker quoted further down (in a comment
    pasted by someone) never makes an issue ours.
    """
    first = (body or "").split("\n", 1)[0].strip()
    m = MARKER.fullmatch(first)
    return f"{m.group(1)}:{m.group(2)}" if m else None


def record_of(body: str | None) -> Record:
    """The record in an issue body; an empty one if it is missing or damaged.

    A damaged record makes the next run redo steps (comments may repeat, pages are
    deduplicated by PagerDuty's ``dedup_key``): better than losing an escalation.
    """
    m = RECORD.search(body or "")
    if m is None:
        return Record()
    try:
        data = json.loads(m.group(1))
    except ValueError:
        return Record()
    if not isinstance(data, dict):
        return Record()

    def names(key: str) -> list[str]:
        value = data.get(key)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    return Record(names("steps"), names("paged"), names("chat"), data.get("page_resolved") is True)
