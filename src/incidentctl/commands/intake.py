"""``incidentctl intake``: an incident from an issue opened with the incident form.

The incident is made by the same code as ``incidentctl new`` (numbered,
prioritised, routed, checked), with channel ``portal``, the issue's author as
``reported_by``, the issue's creation time as ``reported_at`` and the issue's
address in ``source_issue``. Re-running on the same issue finds that record (in
the working tree, or on the issue's intake branch on ``origin``) and creates
nothing. Talking back to the issue (a comment; a pull request that closes it) is
done through two callables: the tracker's (``on_tracker``), or, with no token or
with ``--dry-run``, ones that only print (``summary_writer``, ``branch_only``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from incidentctl.commands.new import NewRequest, prepare, write
from incidentctl.errors import EXIT_CLEAN, EXIT_FINDINGS
from incidentctl.intake.parse import Answers, IssueEvent, interpret, shown
from incidentctl.store import git, yamlread
from incidentctl.store.repo import Repository

if TYPE_CHECKING:
    from incidentctl.escalation.tracker import Tracker

# Posts Markdown as a comment on the issue.
Comment = Callable[[str], None]
# Opens a pull request (branch, title, body) and returns its address, if known.
OpenPullRequest = Callable[[str, str, str], str | None]


@dataclass(frozen=True)
class IntakeRequest:
    """One issue to take in, and how to answer on it."""

    repo: Repository
    event: IssueEvent
    now: datetime
    comment: Comment
    open_pull_request: OpenPullRequest
    pull_request: bool = False
    dry_run: bool = False

    @property
    def branch(self) -> str:
        """The intake branch of this issue: one per issue, so a re-run finds it."""
        return f"intake/issue-{self.event.number}"


def linked_in_tree(repo: Repository, url: str) -> str | None:
    """The incident of the working tree whose ``source_issue`` is ``url``, if any."""
    for rel in repo.incident_paths():
        try:
            text = (repo.root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if url in text:  # cheap filter; the field decides
            record = repo.load_incident(rel)
            if record is not None and record.model.source_issue == url:
                return record.model.id
    return None


def linked_on_branch(repo: Repository, branch: str, url: str) -> str | None:
    """The incident on ``origin``'s ``branch`` whose ``source_issue`` is ``url``, if any."""
    if not git.is_repository(repo.root) or not git.remote_branch_exists(repo.root, branch):
        return None
    ref = git.fetch_branch(repo.root, branch)
    names = [n for n in git.tree_names(repo.root, ref, "incidents") if n.endswith(".yaml")]
    blobs = git.read_blobs(repo.root, [(ref, name) for name in names])
    for (_, name), blob in sorted(blobs.items()):
        if blob is None or url.encode() not in blob:
            continue
        try:
            data = yamlread.load(blob.decode("utf-8"))
        except (yamlread.YamlProblem, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and data.get("source_issue") == url:
            return str(data.get("id", name))
    return None


def _new_request(request: IntakeRequest, answers: Answers) -> NewRequest:
    event = request.event
    return NewRequest(
        request.repo,
        {**answers.fields, "channel": "portal", "reported_by": event.author},
        event.created_at,
        request.now,
        event.author,
        branch=request.branch if request.pull_request else None,
        push=request.pull_request,
        configuration_item=answers.configuration_item,
        source_issue=event.url,
    )


def _repository_url(issue_url: str) -> str:
    return issue_url.rsplit("/issues/", 1)[0]


def problems_comment(problems: list[str]) -> str:
    """The comment that tells the caller what to fix."""
    items = "\n".join(f"- {problem}" for problem in problems)
    return (
        "This issue could not be recorded as an incident yet:\n\n"
        f"{items}\n\n"
        "Edit the issue to fix the answers; it is taken in again when you save."
    )


def execute(request: IntakeRequest, out: TextIO | None = None) -> int:
    """Take the issue in; returns the exit code (1: the caller must fix the form)."""
    out = sys.stdout if out is None else out
    event = request.event
    existing = linked_in_tree(request.repo, event.url)
    if existing is None and request.pull_request:
        existing = linked_on_branch(request.repo, request.branch, event.url)
    if existing is not None:
        out.write(f"issue #{event.number} is already recorded as {existing}; nothing to do\n")
        return EXIT_CLEAN
    answers, problems = interpret(event, request.repo.policies)
    if answers is None:
        out.write(f"issue #{event.number}: {len(problems)} answer(s) to fix\n")
        request.comment(problems_comment(problems))
        return EXIT_FINDINGS
    new_request = _new_request(request, answers)
    ready = prepare(new_request)
    if request.dry_run:
        out.write(f"would create {ready.incident_id} ({ready.rel}):\n{ready.text}")
        return EXIT_CLEAN
    write(new_request, ready, out)
    ready_id, rel = ready.incident_id, ready.rel
    where = request.branch if request.pull_request else request.repo.config.default_branch
    link = f"{_repository_url(event.url)}/blob/{where}/{rel}"
    pr_url = None
    if request.pull_request:
        title = f"{ready_id}: {answers.fields['title']}"
        body = f"Records the incident reported in #{event.number}.\n\nCloses #{event.number}"
        pr_url = request.open_pull_request(request.branch, title, body)
    text = f"Recorded as **{ready_id}**: [{rel}]({link})"
    if pr_url:
        text += f", in pull request {pr_url}"
    request.comment(text + f".\n\nTitle: {shown(answers.fields['title'])}")
    return EXIT_CLEAN


def summary_writer(out: TextIO, summary: Path | None, number: int) -> Comment:
    """A ``Comment`` that prints the text and appends it to the step summary."""

    def comment(text: str) -> None:
        out.write(f"comment on issue #{number}:\n{text}\n")
        if summary is not None:
            with summary.open("a", encoding="utf-8") as handle:
                handle.write(f"### Intake of issue #{number}\n\n{text}\n\n")

    return comment


def branch_only(out: TextIO) -> OpenPullRequest:
    """An ``OpenPullRequest`` that only says which branch to open the pull request from."""

    def open_pull_request(branch: str, title: str, body: str) -> str | None:
        out.write(f"open a pull request from {branch}: {title}\n")
        return None

    return open_pull_request


def on_tracker(
    tracker: Tracker, number: int, base: str, local: Comment
) -> tuple[Comment, OpenPullRequest]:
    """The callables that answer on the issue itself: a comment, a pull request to ``base``.

    Every comment is also given to ``local`` (printed, and added to the step summary).
    """

    def comment(text: str) -> None:
        local(text)
        tracker.comment(number, text)

    def open_pull_request(branch: str, title: str, body: str) -> str | None:
        return tracker.open_pull_request(title, branch, base, body).url or None

    return comment, open_pull_request
