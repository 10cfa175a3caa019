"""What people read on the tracker and in chat: issue titles, bodies, comments.

Incident text is user text: it is escaped for Markdown and HTML, so it can neither
forge the hidden markers nor mention (``@``) anyone.
"""

from __future__ import annotations

import re

from incidentctl.escalation.plan import Step, Target
from incidentctl.escalation.state import Record, marker

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")
_ACTIONS = {
    "notify": "notify (threshold reached)",
    "escalate": "functional escalation to the next support tier",
    "escalate_manager": "hierarchical escalation to the incident manager",
    "open_issue": "issue opened",
    "breach": "deadline breached",
}


def escape(text: str) -> str:
    """``text`` shown literally in GitHub Markdown, on one line."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "&#64;")


def title(target: Target) -> str:
    """A stable title (it never changes, so no write is needed for it)."""
    plain = " ".join(target.title.split())
    return f"SLA {target.clock}: {target.incident_id} {plain}"[:250]


def describe(step: Step) -> str:
    return f"{step.name}: {_ACTIONS.get(step.action, step.action)}"


def body(target: Target, record: Record, link: str) -> str:
    """The issue body: marker first, then the facts, then the hidden record."""
    state = f"{target.state} ({target.percent:.1f} % of the target used)"
    lines = [
        marker(target.key),
        f"**{target.incident_id}**: {escape(target.title)}",
        "",
        "| | |",
        "|---|---|",
        f"| Clock | {target.clock} |",
        f"| State | {state} |",
        f"| Deadline | {escape(target.deadline)} |",
        f"| Priority | {escape(target.priority)} |",
        f"| Service | {escape(target.service)} |",
        f"| Incident status | {escape(target.status)} |",
        f"| Record | [{escape(target.path)}]({link}) |" if link else f"| Record | {target.path} |",
        "",
    ]
    if record.steps:
        lines.append("Steps taken: " + ", ".join(f"`{s}`" for s in record.steps))
    if record.paged:
        lines.append("Paged: " + ", ".join(f"`{s}`" for s in record.paged))
    lines += ["", "_Kept up to date by `incidentctl sla check`; do not edit the first line._"]
    lines.append(record.render())
    return "\n".join(lines) + "\n"


def step_comment(target: Target, steps: tuple[Step, ...], assignees: tuple[str, ...]) -> str:
    """The comment for new steps on an existing issue."""
    lines = [
        f"**{target.incident_id}** {target.clock} clock: {target.state},"
        f" {target.percent:.1f} % used, deadline {escape(target.deadline)}.",
        "",
    ]
    lines += [f"- {describe(s)}" for s in steps]
    if assignees:
        lines += ["", "Assigned: " + ", ".join(f"@{a}" for a in assignees)]
    return "\n".join(lines) + "\n"


def close_comment(target: Target) -> str:
    return (
        f"**{target.incident_id}** is {target.status}: this {target.clock} escalation is closed.\n"
    )


def reopen_comment(target: Target) -> str:
    return f"**{target.incident_id}** was reopened ({target.status}): escalation reopened.\n"


def chat_text(target: Target, step: Step, issue_url: str) -> str:
    """One line for the chat webhook (Slack mrkdwn: &, < and > escaped)."""
    plain = " ".join(target.title.split())
    text = (
        f"{target.incident_id} ({target.priority}, {target.service}) {target.clock} SLA"
        f" {step.name}: {target.percent:.1f} % used, deadline {target.deadline} - {plain}"
    )
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text + (f" <{issue_url}|issue>" if issue_url else "")
