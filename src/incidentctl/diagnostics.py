"""Diagnostics are data: checks yield them, formatters render them."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about one place in one file.

    ``path`` is relative to the repository root, in POSIX form. ``line`` and
    ``column`` are 1-based; ``None`` when the finding is about a file that does not
    exist.
    """

    code: str
    name: str
    severity: Severity
    path: str
    line: int | None
    column: int | None
    message: str
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line or 0, self.column or 0, self.code)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: a stable code, a readable name, a default severity and its docs.

    ``doc`` is the user documentation of the rule (what, why, example); the rules
    reference page is generated from it.
    """

    code: str
    name: str
    severity: Severity
    doc: str

    @property
    def summary(self) -> str:
        """The first paragraph of the docs, on one line."""
        return " ".join(self.doc.strip().split("\n\n", 1)[0].split())

    def at(
        self,
        path: str,
        line: int | None,
        column: int | None,
        message: str,
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic:
        return Diagnostic(
            self.code, self.name, severity or self.severity, path, line, column, message, hint
        )


RULES: dict[str, Rule] = {}


def define(code: str, name: str, severity: Severity, doc: str) -> Rule:
    """Register a rule. Codes and names are unique and never reused."""
    if code in RULES:
        raise ValueError(f"rule code {code} defined twice")
    if any(r.name == name for r in RULES.values()):
        raise ValueError(f"rule name {name} defined twice")
    rule = Rule(code, name, severity, inspect.cleandoc(doc))
    RULES[code] = rule
    return rule


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diagnostics)
