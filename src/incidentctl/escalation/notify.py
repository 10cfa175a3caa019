"""Paging (PagerDuty Events API v2) and chat (Slack-compatible incoming webhooks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
)
from incidentctl.escalation.plan import Step, Target

DEFAULT_PAGER_URL = "https://events.pagerduty.com/v2/enqueue"
SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning"}  # others: info


def _classify(service: str) -> Any:
    def classify(response: httpx.Response) -> Retry | None:
        status = response.status_code
        if status < 300:
            return None
        if status == 429:
            return Retry(f"{service} rate limit", header_number(response, "retry-after"))
        if status >= 500:
            return Retry(f"HTTP {status}", ambiguous=True)
        if status in (401, 403, 404):
            raise AccessDenied(
                f"{service} refused the request (HTTP {status}: {message_of(response)})",
                "check the routing key or webhook URL",
            )
        raise ServiceError(f"{service} refused the event (HTTP {status}: {message_of(response)})")

    return classify


def _client(timeout: float, transport: httpx.BaseTransport | None) -> httpx.Client:
    return httpx.Client(headers={"User-Agent": "incidentctl"}, timeout=timeout, transport=transport)


class _Endpoint:
    """One URL that events are posted to, through the shared retrying HTTP layer."""

    def __init__(
        self,
        url: str,
        service: str,
        *,
        clock: Clock,
        policy: Policy,
        redact: Redactor,
        budget: list[float],
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.http = Http(
            _client(timeout, transport),
            service,
            _classify(service),
            clock=clock,
            policy=policy,
            redact=redact,
            budget=budget,
        )

    def close(self) -> None:
        self.http.client.close()


class Pager(_Endpoint):
    """Sends trigger and resolve events; ``dedup_key`` is the incident and clock."""

    def __init__(self, url: str, routing_key: str, *, redact: Redactor, **kwargs: Any) -> None:
        redact.add(routing_key)
        self.routing_key = routing_key
        # retrying a trigger is safe: the dedup_key folds repeats into one alert
        super().__init__(url, "the pager", redact=redact, **kwargs)

    @classmethod
    def from_env(cls, env: Mapping[str, str], **kwargs: Any) -> Pager:
        key = env.get("INCIDENTCTL_PAGER_ROUTING_KEY", "")
        if not key:
            raise UsageError(
                "--page: $INCIDENTCTL_PAGER_ROUTING_KEY is not set",
                "set it to the integration (routing) key of the PagerDuty service, or drop --page",
            )
        return cls(env.get("INCIDENTCTL_PAGER_URL") or DEFAULT_PAGER_URL, key, **kwargs)

    def trigger(self, target: Target, step: Step, link: str) -> None:
        summary = (
            f"{target.incident_id} {target.clock} SLA {step.name} ({target.priority},"
            f" {target.service}): deadline {target.deadline}, {target.percent:.1f} % used"
            f" - {target.title}"
        )
        event: dict[str, Any] = {
            "routing_key": self.routing_key,
            "event_action": "trigger",
            "dedup_key": target.key,
            "payload": {
                "summary": summary[:1024],
                "source": "incidentctl",
                "severity": SEVERITY.get(target.priority, "info"),
                "component": target.service,
                "class": f"sla-{step.action}",
                "custom_details": {
                    "incident": target.incident_id,
                    "clock": target.clock,
                    "step": step.name,
                    "priority": target.priority,
                    "deadline": target.deadline_iso,
                    "percent": target.percent,
                },
            },
        }
        if link:
            what = "escalation issue" if "/issues/" in link else "record"
            event["links"] = [{"href": link, "text": f"{target.incident_id} {what}"}]
        self.http.request("POST", self.url, json=event)

    def resolve(self, target: Target) -> None:
        event = {
            "routing_key": self.routing_key,
            "event_action": "resolve",
            "dedup_key": target.key,
        }
        self.http.request("POST", self.url, json=event)


class Chat(_Endpoint):
    """Posts ``{"text": ...}`` to a Slack-compatible incoming webhook (the URL is a secret)."""

    def __init__(self, url: str, *, redact: Redactor, **kwargs: Any) -> None:
        redact.add(url)
        redact.add(httpx.URL(url).path)  # a webhook's path is its secret
        super().__init__(url, "the chat webhook", redact=redact, **kwargs)

    def post(self, text: str) -> None:
        self.http.request("POST", self.url, json={"text": text})
