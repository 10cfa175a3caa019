"""The GitHub implementation of the tracker, on the REST API (``X-GitHub-Api-Version``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from incidentctl.errors import UsageError
from incidentctl.escalation.http import (
    AccessDenied,
    Clock,
    Http,
    Policy,
    Redactor,
    Retry,
    ServiceError,
    header_number,
    message_of,
    pages,
)
from incidentctl.escalation.plan import LABEL_ALL
from incidentctl.escalation.state import Issue, PullRequest, key_of
from incidentctl.model.config import TrackerConfig

DEFAULT_API = "https://api.github.com"
API_VERSION = "2022-11-28"
PERMISSION = "issues: write"
PERMISSION_HINT = (
    "give the workflow `permissions: {issues: write}` (or a token with the Issues"
    " read and write permission on the repository) and run again"
)
LABEL_COLOURS = {"sla-breach": "b60205", "sla-warning": "fbca04", LABEL_ALL: "5319e7"}


@dataclass(frozen=True)
class Settings:
    """Where the tracker is and how to reach it; the token is never printed."""

    repository: str  # owner/name
    api_url: str
    token: str = field(repr=False)  # never in a repr, a log or a traceback's locals
    server_url: str = "https://github.com"  # for links to records, e.g. https://github.com

    @classmethod
    def load(
        cls, env: Mapping[str, str], config: TrackerConfig, option: str = "--open-issues"
    ) -> Settings:
        """From GitHub Actions' environment, else ``incidentctl.yaml`` (the environment wins).

        ``option`` names what needs the tracker, in the messages.
        """
        repository = env.get("GITHUB_REPOSITORY") or config.repository
        if not repository or repository.count("/") != 1:
            raise UsageError(
                f"{option}: which repository? $GITHUB_REPOSITORY is not set and"
                " incidentctl.yaml has no tracker.repository",
                "set GITHUB_REPOSITORY=owner/name, or `tracker: {repository: owner/name}`"
                " in incidentctl.yaml",
            )
        token = env.get("GITHUB_TOKEN", "")
        if not token:
            raise UsageError(
                f"{option}: $GITHUB_TOKEN is not set",
                f"pass a token with `{PERMISSION}`: in a workflow,"
                " `env: {GITHUB_TOKEN: ${{ github.token }}}` and `permissions: {issues: write}`",
            )
        api = env.get("GITHUB_API_URL") or config.api_url or DEFAULT_API
        server = env.get("GITHUB_SERVER_URL") or "https://github.com"
        return cls(repository, api.rstrip("/"), token, server.rstrip("/"))


def classifier(clock: Clock, repository: str) -> Callable[[httpx.Response], Retry | None]:
    """How GitHub's answers are taken: success, wait and retry, or a final refusal."""

    def classify(response: httpx.Response) -> Retry | None:
        status = response.status_code
        if status < 300:
            return None
        message = message_of(response)
        if status in (403, 429):
            retry_after = header_number(response, "retry-after")
            if retry_after is not None:
                return Retry(f"secondary rate limit (HTTP {status})", retry_after)
            if response.headers.get("x-ratelimit-remaining") == "0":
                reset = header_number(response, "x-ratelimit-reset") or clock.time() + 60
                return Retry("primary rate limit exhausted", max(reset - clock.time(), 0) + 1)
            if status == 429 or "rate limit" in message.lower():
                # GitHub's guidance without retry-after: wait at least a minute
                return Retry(f"secondary rate limit (HTTP {status})", 60.0)
            raise AccessDenied(
                f"GitHub refused {response.request.method} {response.request.url.path}"
                f" (HTTP 403: {message}): the token lacks `{PERMISSION}` on {repository}",
                PERMISSION_HINT,
            )
        if status == 401:
            raise AccessDenied(
                f"GitHub refused the token (HTTP 401: {message})",
                f"set GITHUB_TOKEN to a valid token with `{PERMISSION}` on {repository}",
            )
        if status >= 500:
            return Retry(f"HTTP {status}", ambiguous=True)
        if status == 404:
            raise AccessDenied(
                f"GitHub: {response.request.url.path} not found: the repository {repository}"
                " does not exist or the token cannot see it",
                f"check GITHUB_REPOSITORY and that the token has `{PERMISSION}` on it",
            )
        raise ServiceError(
            f"GitHub refused {response.request.method} {response.request.url.path}"
            f" (HTTP {status}: {message})"
        )

    return classify


class GitHubTracker:
    """Issues of one GitHub repository."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock,
        policy: Policy,
        redact: Redactor,
        budget: list[float],
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        redact.add(settings.token)
        self.name = settings.repository
        self.base = f"{settings.api_url}/repos/{quote(settings.repository, safe='/')}"
        client = httpx.Client(
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {settings.token}",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "incidentctl",
            },
            timeout=timeout,
            transport=transport,
        )
        self.http = Http(
            client,
            "GitHub",
            classifier(clock, settings.repository),
            clock=clock,
            policy=policy,
            redact=redact,
            budget=budget,
        )
        self._labels: set[str] | None = None

    def close(self) -> None:
        self.http.client.close()

    def issues(self) -> list[Issue]:
        params = {"state": "all", "labels": LABEL_ALL, "per_page": 100}
        items = pages(self.http, f"{self.base}/issues", params)
        return [_issue(item) for item in items if "pull_request" not in item]

    def issue(self, number: int) -> Issue:
        return _issue(self.http.request("GET", f"{self.base}/issues/{number}").json())

    def create_issue(
        self, title: str, body: str, labels: Sequence[str], assignees: Sequence[str], key: str
    ) -> Issue:
        payload = {
            "title": title,
            "body": body,
            "labels": list(labels),
            "assignees": list(assignees),
        }

        def recover() -> httpx.Response | None:
            # the failed attempt may have created the issue: look for its marker first
            params = {"state": "all", "labels": LABEL_ALL, "sort": "created"}
            response = self.http.request(
                "GET", f"{self.base}/issues", params={**params, "per_page": 30}
            )
            for item in response.json():
                if key_of(item.get("body")) == key:
                    return httpx.Response(200, json=item)
            return None

        response = self.http.request("POST", f"{self.base}/issues", json=payload, recover=recover)
        return _issue(response.json())

    def update_issue(
        self,
        number: int,
        *,
        body: str | None = None,
        labels: Sequence[str] | None = None,
        assignees: Sequence[str] | None = None,
        open: bool | None = None,
    ) -> Issue:
        payload: dict[str, Any] = {}
        if body is not None:
            payload["body"] = body
        if labels is not None:
            payload["labels"] = list(labels)
        if assignees is not None:
            payload["assignees"] = list(assignees)
        if open is not None:
            payload["state"] = "open" if open else "closed"
            payload["state_reason"] = "reopened" if open else "completed"
        response = self.http.request("PATCH", f"{self.base}/issues/{number}", json=payload)
        return _issue(response.json())

    def comment(self, number: int, body: str) -> None:
        self.http.request("POST", f"{self.base}/issues/{number}/comments", json={"body": body})

    def ensure_labels(self, names: Sequence[str]) -> list[str]:
        if self._labels is None:
            items = pages(self.http, f"{self.base}/labels", {"per_page": 100})
            self._labels = {str(item["name"]).lower() for item in items}
        created = []
        for name in names:
            if name.lower() in self._labels:
                continue
            payload = {
                "name": name,
                "color": LABEL_COLOURS.get(name, "ededed"),
                "description": "incidentctl: SLA escalation",
            }
            try:
                self.http.request("POST", f"{self.base}/labels", json=payload)
            except ServiceError as exc:
                if "HTTP 422" not in exc.message:  # 422: it exists already (a race)
                    raise
            self._labels.add(name.lower())
            created.append(name)
        return created

    def open_pull_request(self, title: str, head: str, base: str, body: str) -> PullRequest:
        # not retried blindly after an ambiguous failure: GitHub refuses a second pull
        # request for the same head and base with 422, which is reported
        payload = {"title": title, "head": head, "base": base, "body": body}
        item = self.http.request("POST", f"{self.base}/pulls", json=payload).json()
        return PullRequest(int(item["number"]), str(item.get("html_url") or ""))


def _issue(item: dict[str, Any]) -> Issue:
    return Issue(
        number=int(item["number"]),
        title=str(item.get("title") or ""),
        body=str(item.get("body") or ""),
        open=item.get("state") == "open",
        labels=tuple(
            str(label["name"] if isinstance(label, dict) else label)
            for label in item.get("labels") or []
        ),
        assignees=tuple(str(a["login"]) for a in item.get("assignees") or []),
        url=str(item.get("html_url") or ""),
    )
