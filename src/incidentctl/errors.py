"""One error family for every failure a user can cause, and the exit codes."""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_CRASH = 3


class IncidentctlError(Exception):
    """An expected failure: printed as one clear message, never a traceback.

    ``hint`` tells the user what to do; ``exit_code`` is 2 (usage or environment)
    unless a subclass says otherwise.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nhint: {self.hint}"
        return self.message


class RepositoryNotFound(IncidentctlError):
    """No incident repository at or above the working directory."""


class UsageError(IncidentctlError):
    """A bad option value or combination."""
