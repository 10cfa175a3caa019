"""The tracker protocol: what escalation (and later intake) needs from an issue tracker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from incidentctl.escalation.state import Issue, PullRequest


class Tracker(Protocol):
    """An issue tracker. Every method raises ``http.ServiceError`` (exit 2) on failure."""

    name: str  # e.g. "acme/incidents", for messages

    def issues(self) -> list[Issue]:
        """Every issue the tool opened, open or closed, in one (paginated) listing."""
        ...

    def issue(self, number: int) -> Issue:
        """One issue by number."""
        ...

    def create_issue(
        self, title: str, body: str, labels: Sequence[str], assignees: Sequence[str], key: str
    ) -> Issue:
        """Open an issue; ``key`` is its marker, looked for before a retry (no duplicates)."""
        ...

    def update_issue(
        self,
        number: int,
        *,
        body: str | None = None,
        labels: Sequence[str] | None = None,
        assignees: Sequence[str] | None = None,
        open: bool | None = None,
    ) -> Issue:
        """Change an issue; closing records ``completed`` as the reason."""
        ...

    def comment(self, number: int, body: str) -> None:
        """Add a comment to an issue."""
        ...

    def ensure_labels(self, names: Sequence[str]) -> list[str]:
        """Create the labels the repository lacks (listed once per run); the created ones."""
        ...

    def open_pull_request(self, title: str, head: str, base: str, body: str) -> PullRequest:
        """Propose merging branch ``head`` into ``base`` (for commands that file records)."""
        ...
