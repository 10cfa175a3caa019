"""Carrying operations out, in an order that the next run can always reconcile.

For each issue: pages and chat messages first, then the comment, then the issue
write that records them. A run that dies in between leaves the record behind, so
the next run sends again: pages fold into one alert (same ``dedup_key``); a chat
line or comment may repeat, an escalation is never lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from incidentctl.escalation import text
from incidentctl.escalation.http import AccessDenied, GaveUp, ServiceError
from incidentctl.escalation.notify import Chat, Pager
from incidentctl.escalation.plan import LABEL_BREACH, LABEL_WARNING, Target
from incidentctl.escalation.reconcile import Kind, Operation
from incidentctl.escalation.state import Issue, Record, record_of
from incidentctl.escalation.tracker import Tracker

OWNED_PREFIXES = ("priority/", "service/")


@dataclass
class Action:
    """One planned (and maybe done) action, as reported."""

    id: str
    clock: str
    action: str  # open, comment, update, close, reopen, page, page-resolve, chat
    detail: str
    issue: int | None = None
    result: str = "planned"  # planned, done, failed, skipped
    error: str | None = None


def planned(op: Operation) -> list[Action]:
    """The actions an operation stands for, in the order they are carried out."""
    t = op.target
    number = op.issue.number if op.issue else None
    out = [Action(t.incident_id, t.clock, "page", f"trigger {s.name}", number) for s in op.pages]
    out += [Action(t.incident_id, t.clock, "chat", f"announce {s.name}", number) for s in op.chats]
    steps = ", ".join(s.name for s in op.steps)
    if op.kind is Kind.OPEN:
        who = ", ".join(t.assignees) or "nobody"
        out.append(Action(t.incident_id, t.clock, "open", f"{steps}; assign {who}"))
    elif op.kind is Kind.UPDATE:
        if op.issue is not None and not op.issue.open:
            out.append(Action(t.incident_id, t.clock, "reopen", "incident is open", number))
        if op.steps:
            out.append(Action(t.incident_id, t.clock, "comment", steps, number))
        out.append(Action(t.incident_id, t.clock, "update", _update_detail(t), number))
    elif op.kind is Kind.REOPEN:
        out.append(Action(t.incident_id, t.clock, "reopen", f"incident is {t.status}", number))
    else:
        if op.resolve_page:
            out.append(Action(t.incident_id, t.clock, "page-resolve", "resolve event", number))
        if op.issue is not None and op.issue.open:
            out.append(Action(t.incident_id, t.clock, "close", f"incident is {t.status}", number))
    return out


def _update_detail(t: Target) -> str:
    level = LABEL_BREACH if t.breached else LABEL_WARNING
    return f"label {level}; assign {', '.join(t.assignees) or 'nobody'}"


@dataclass
class Runner:
    """Applies operations with a tracker and the optional notifiers."""

    tracker: Tracker
    pager: Pager | None
    chat: Chat | None
    link: Callable[[Target], str]  # the record's URL on the default branch
    actions: list[Action] = field(default_factory=list)

    def run(self, ops: Sequence[Operation]) -> list[Action]:
        """Apply every operation; one that fails is reported and the others go on.

        A refused token or permission, or an exhausted deadline, stops the run
        (every later call would fail the same way) and is raised after recording.
        """
        for op in ops:
            steps = planned(op)
            self.actions.extend(steps)
            try:
                number = self._apply(op, steps)
                for action in steps:
                    action.issue = number
            except (AccessDenied, GaveUp) as exc:
                _fail(steps, exc)
                raise
            except ServiceError as exc:
                _fail(steps, exc)
        return self.actions

    def _apply(self, op: Operation, steps: list[Action]) -> int:
        """Carry one operation out; the issue's number."""
        t = op.target
        record = record_of(op.issue.body if op.issue else None).copy()
        todo = iter(steps)
        issue_url = op.issue.url if op.issue else ""
        pager, chat = self.pager, self.chat
        for step in op.pages:
            action = next(todo)
            assert pager is not None
            link = issue_url or self.link(t)
            if self._notify(action, partial(pager.trigger, t, step, link)):
                record.paged.append(step.name)
        for step in op.chats:
            action = next(todo)
            assert chat is not None
            message = text.chat_text(t, step, issue_url)
            if self._notify(action, partial(chat.post, message)):
                record.chat.append(step.name)
        rest = list(todo)
        if op.kind is Kind.CLOSE:
            return self._close(op, record, rest)
        record.steps += [s.name for s in op.steps if s.name not in record.steps]
        if op.kind is Kind.OPEN:
            self.tracker.ensure_labels(t.labels)
            issue = self.tracker.create_issue(
                text.title(t), text.body(t, record, self.link(t)), t.labels, t.assignees, t.key
            )
            _done(rest, issue.number)
            return issue.number
        assert op.issue is not None
        issue = op.issue
        if op.kind is Kind.REOPEN:
            self.tracker.comment(issue.number, text.reopen_comment(t))
            self.tracker.update_issue(issue.number, open=True)
            _done(rest, issue.number)
            return issue.number
        self.tracker.ensure_labels(t.labels)
        if op.steps:
            self.tracker.comment(issue.number, text.step_comment(t, op.steps, t.assignees))
        self.tracker.update_issue(
            issue.number,
            body=text.body(t, record, self.link(t)),
            labels=merge_labels(issue, t),
            assignees=tuple(dict.fromkeys((*issue.assignees, *t.assignees)))[:10],
            open=None if issue.open else True,
        )
        _done(rest, issue.number)
        return issue.number

    def _close(self, op: Operation, record: Record, rest: list[Action]) -> int:
        t = op.target
        assert op.issue is not None
        number = op.issue.number
        if op.resolve_page:
            action = rest.pop(0)
            assert self.pager is not None
            pager = self.pager
            if self._notify(action, lambda: pager.resolve(t)):
                record.page_resolved = True
        if op.issue.open:
            self.tracker.comment(number, text.close_comment(t))
        self.tracker.update_issue(
            number,
            body=text.body(t, record, self.link(t)),
            open=False if op.issue.open else None,
        )
        _done(rest, number)
        return number

    def _notify(self, action: Action, send: Callable[[], None]) -> bool:
        """Send a page or chat line; a failure is reported, and the issue is still written
        (without recording the page, so the next run tries again)."""
        try:
            send()
        except ServiceError as exc:
            action.result, action.error = "failed", exc.message
            return False
        action.result = "done"
        return True


def merge_labels(issue: Issue, t: Target) -> list[str]:
    """The target's labels plus those people added; the tool's stale ones are dropped."""
    ours = {LABEL_WARNING, LABEL_BREACH}
    kept = [
        name
        for name in issue.labels
        if name not in ours and not name.startswith(OWNED_PREFIXES) and name not in t.labels
    ]
    return [*t.labels, *kept]


def _done(actions: list[Action], number: int) -> None:
    for action in actions:
        if action.result == "planned":
            action.result = "done"


def _fail(actions: list[Action], exc: ServiceError) -> None:
    for action in actions:
        if action.result == "planned":
            action.result, action.error = "failed", exc.message
