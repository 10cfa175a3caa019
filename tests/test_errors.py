"""The error family: what reaches the user from another process."""

from __future__ import annotations

import pickle

import pytest

from incidentctl.edits import Refused
from incidentctl.errors import EXIT_FINDINGS, IncidentctlError, UsageError
from incidentctl.escalation.http import GaveUp
from incidentctl.site.engine import SiteBuildError


@pytest.mark.parametrize("kind", [IncidentctlError, UsageError, SiteBuildError, Refused, GaveUp])
@pytest.mark.parametrize("hint", [None, "do this instead"])
def test_an_error_pickles_with_its_message_hint_and_exit_code(
    kind: type[IncidentctlError], hint: str | None
) -> None:
    error = kind("site/mkdocs.yml:4: not valid YAML", hint)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is kind
    assert (back.message, back.hint, back.exit_code) == (error.message, hint, error.exit_code)
    assert str(back) == str(error)


def test_a_refusal_keeps_its_exit_code_across_processes() -> None:
    assert pickle.loads(pickle.dumps(Refused("no"))).exit_code == EXIT_FINDINGS
