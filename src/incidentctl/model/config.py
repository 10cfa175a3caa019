"""``incidentctl.yaml``: repository settings that are not policy (SPEC 2.5)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from incidentctl.model.common import Duration, Strict

DEFAULT_MAX_FILE_BYTES = 1024 * 1024


class TrackerConfig(Strict):
    kind: Literal["github"] = "github"
    repository: Annotated[str, StringConstraints(pattern=r"^[^/\s]+/[^/\s]+$")] | None = None
    api_url: str | None = None


class SiteConfig(Strict):
    title: str = "Incidents and knowledge base"
    register_: bool = Field(default=True, alias="register")
    public_fields: list[str] | None = None
    engine: Literal["mkdocs", "zensical"] = "mkdocs"
    audit: bool = True  # the audit summary page, when the clone has its whole history


class LimitsConfig(Strict):
    max_file_bytes: Annotated[int, Field(gt=0)] = DEFAULT_MAX_FILE_BYTES


class AuditConfig(Strict):
    require_merges: bool = False
    require_signed: bool = False
    max_drift: Duration | None = None
    # audit codes (AUD008, AUD010, AUD011, AUD012) reported as errors instead of warnings
    errors: list[Annotated[str, StringConstraints(pattern=r"^AUD0(08|10|11|12)$")]] = []


class RepoConfig(Strict):
    """Every setting has a default, so a repository without the file works."""

    tracker: TrackerConfig = TrackerConfig()
    site: SiteConfig = SiteConfig()
    limits: LimitsConfig = LimitsConfig()
    audit: AuditConfig = AuditConfig()
    default_branch: str = "main"
