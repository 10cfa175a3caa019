"""From targets and the issues found on the tracker to the operations that close the gap.

Pure. Re-running on a tracker that already matches gives no operation at all, so a
run with nothing new makes no write call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from incidentctl.escalation.plan import Step, Target
from incidentctl.escalation.state import Issue, record_of


class Kind(StrEnum):
    OPEN = "open"  # create the issue
    UPDATE = "update"  # new steps on an existing issue (reopening it if it was closed)
    REOPEN = "reopen"  # the incident was reopened: reopen its issue
    CLOSE = "close"  # the incident is resolved, closed or cancelled


@dataclass(frozen=True)
class Operation:
    """One issue's change, with the pages and chat messages that go with it."""

    kind: Kind
    target: Target
    issue: Issue | None  # None for OPEN
    steps: tuple[Step, ...]  # steps not yet recorded on the issue
    pages: tuple[Step, ...]  # triggers to send (only when paging is on)
    chats: tuple[Step, ...]  # chat messages to post (only when a webhook is set)
    resolve_page: bool  # send the paging resolve event

    @property
    def key(self) -> str:
        return self.target.key


def operations(
    targets: Sequence[Target], issues: Mapping[str, Issue], *, paging: bool, chat: bool
) -> list[Operation]:
    """What to do, target by target, given the issues by key (``INC-...:resolve``)."""
    out: list[Operation] = []
    for target in targets:
        issue = issues.get(target.key)
        op = _operation(target, issue, paging=paging, chat=chat)
        if op is not None:
            out.append(op)
    return out


def _operation(
    target: Target, issue: Issue | None, *, paging: bool, chat: bool
) -> Operation | None:
    record = record_of(issue.body if issue else None)
    if not target.open:
        # the page is resolved even when someone closed the issue by hand
        resolve_page = paging and bool(record.paged) and not record.page_resolved
        if issue is None or (not issue.open and not resolve_page):
            return None
        return Operation(Kind.CLOSE, target, issue, (), (), (), resolve_page)
    new = tuple(s for s in target.steps if s.name not in record.steps)
    pages = tuple(s for s in target.steps if paging and s.page and s.name not in record.paged)
    chats = tuple(s for s in target.steps if chat and s.chat and s.name not in record.chat)
    if issue is None:
        if not target.steps:
            return None
        return Operation(Kind.OPEN, target, None, target.steps, pages, chats, False)
    if new or pages or chats:
        return Operation(Kind.UPDATE, target, issue, new, pages, chats, False)
    if not issue.open:
        return Operation(Kind.REOPEN, target, issue, (), (), (), False)
    return None
