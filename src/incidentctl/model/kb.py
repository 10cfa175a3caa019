"""Knowledge-base article front matter (SPEC 2.4)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

from pydantic import StringConstraints

from incidentctl.model.common import INCIDENT_ID, KB_ID, PROBLEM_ID, Duration, Strict

Text = Annotated[str, StringConstraints(min_length=1)]


class KbType(str, Enum):
    KNOWN_ERROR = "known_error"
    WORKAROUND = "workaround"
    HOW_TO = "how_to"
    RESOLUTION_PROCEDURE = "resolution_procedure"


class KbStatus(str, Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class KbArticle(Strict):
    """The YAML front matter of ``kb/<ID>-<slug>.md``."""

    id: Annotated[str, StringConstraints(pattern=KB_ID)]
    title: Text
    type: KbType
    status: KbStatus
    services: list[Text] = []
    categories: list[Annotated[str, StringConstraints(pattern=r"^[^/\s]+(/[^/\s]+)?$")]] = []
    tags: list[Text] = []
    owner: Text
    reviewed_at: date
    review_every: Duration
    related_incidents: list[Annotated[str, StringConstraints(pattern=INCIDENT_ID)]] = []
    problem: Annotated[str, StringConstraints(pattern=PROBLEM_ID)] | None = None
