"""What every check receives: the repository and the clock, and what it looked up.

A check of one incident may look at more than its file: the KB articles it cites,
whether the incidents it links to exist, its parent's status. It does so only
through the ``Context`` methods below, which note each look-up and its answer in
``reads`` while a record is checked. The answers are what the record's verdict
depends on outside its file (besides the policies and ``now``): a warm run asks the
same questions again and reuses the verdict only if every answer is the same.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from incidentctl.diagnostics import Diagnostic, Rule
from incidentctl.model.kb import KbArticle
from incidentctl.store.cache import digest
from incidentctl.store.repo import IncidentRecord, Repository
from incidentctl.store.source import Source

Answer = str | bool | None
Read = tuple[str, str, Answer]  # (question, subject, answer)


@dataclass
class Context:
    repo: Repository
    now: datetime
    # the IDs of the files being checked, when not the whole repository: rules over
    # every record then look only at these (and what they name)
    ids: Collection[str] | None = None
    # the look-ups of the record being checked, when they are being noted
    reads: list[Read] | None = None
    # the status of an incident by ID; the runner may answer from the index
    status_lookup: Callable[[str], str | None] | None = None
    _answers: dict[tuple[str, str], Answer] = field(default_factory=dict)

    def kb_article(self, kb_id: str) -> KbArticle | None:
        """The first KB article with this ID (noted: the verdict follows its text)."""
        self._note("kb", kb_id)
        return self.repo.kb_article(kb_id)

    def kb_ids(self) -> list[str]:
        """Every KB ID (for a "did you mean"; noted)."""
        self._note("kb-ids", "")
        return list(self.repo.kb)

    def has_incident(self, incident_id: str) -> bool:
        """Whether an incident file has this ID (noted)."""
        return bool(self._note("incident", incident_id))

    def incident_ids(self) -> list[str]:
        """Every incident ID (for a "did you mean"; noted, and lists every file)."""
        self._note("incident-ids", "")
        return list(self.repo.incident_files)

    def status_of(self, incident_id: str) -> str | None:
        """The status of the incident with this ID; None if there is none or it is invalid."""
        answer = self._note("status", incident_id)
        return answer if isinstance(answer, str) else None

    def answer(self, question: str, subject: str) -> Answer:
        """The answer to a look-up today (memoised for the run)."""
        key = (question, subject)
        if key not in self._answers:
            self._answers[key] = self._ask(question, subject)
        return self._answers[key]

    def still_holds(self, reads: Sequence[Sequence[Any]]) -> bool:
        """Whether every look-up noted earlier has the same answer now."""
        return all(self.answer(q, s) == a for q, s, a in reads)

    def _note(self, question: str, subject: str) -> Answer:
        answer = self.answer(question, subject)
        if self.reads is not None:
            self.reads.append((question, subject, answer))
        return answer

    def _ask(self, question: str, subject: str) -> Answer:
        repo = self.repo
        if question == "kb":
            records = repo.kb.get(subject)
            return digest(records[0].source.text) if records else None
        if question == "kb-ids":
            return digest("\n".join(sorted(repo.kb)))
        if question == "incident":
            return subject in repo.incident_files
        if question == "incident-ids":
            return digest("\n".join(sorted(repo.incident_files)))
        if question == "status":
            if self.status_lookup is not None:
                return self.status_lookup(subject)
            record = repo.incident(subject)
            return None if record is None else record.model.status.value
        raise ValueError(f"unknown look-up {question!r}")


def at(
    rule: Rule, source: Source, loc: Sequence[Any], message: str, hint: str | None = None
) -> Diagnostic:
    """A diagnostic for ``rule`` at the source position of ``loc``."""
    line, col = source.locate(loc)
    return rule.at(source.rel, line, col, message, hint)


IncidentCheck = Callable[[Context, IncidentRecord], Iterator[Diagnostic]]
RepoCheck = Callable[[Context], Iterator[Diagnostic]]
