"""What every check receives: the repository and the clock."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from incidentctl.diagnostics import Diagnostic, Rule
from incidentctl.store.repo import IncidentRecord, Repository
from incidentctl.store.source import Source


@dataclass
class Context:
    repo: Repository
    now: datetime
    # the IDs of the files being checked, when not the whole repository: rules over
    # every record then look only at these (and what they name)
    ids: Collection[str] | None = None


def at(
    rule: Rule, source: Source, loc: Sequence[Any], message: str, hint: str | None = None
) -> Diagnostic:
    """A diagnostic for ``rule`` at the source position of ``loc``."""
    line, col = source.locate(loc)
    return rule.at(source.rel, line, col, message, hint)


IncidentCheck = Callable[[Context, IncidentRecord], Iterator[Diagnostic]]
RepoCheck = Callable[[Context], Iterator[Diagnostic]]
