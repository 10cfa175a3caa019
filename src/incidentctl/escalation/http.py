"""HTTP with the patience an unattended job needs: retries, rate limits, spaced writes.

Built on httpx with a retry loop of its own rather than a general retry library:
how long to wait comes from each response (``retry-after``, ``x-ratelimit-reset``),
all waits of a run share one deadline, creating requests must look before they
retry (a timed-out create may have happened), and writes are spaced. Expressed in
a retry library's hooks, each of these would be as much code, less plainly.

Secrets (the token, the routing key, the webhook URL) are scrubbed from every
message this module builds, and httpx's own messages are never passed on: they
can quote URLs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from incidentctl.errors import IncidentctlError

MAX_ATTEMPTS = 20  # a hard stop even for a server that keeps saying "retry now"


class Clock(Protocol):
    """Time as the HTTP layer needs it; tests pass one that does not really sleep."""

    def monotonic(self) -> float: ...
    def time(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock (the edge of the program: the only place that sleeps)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ServiceError(IncidentctlError):
    """A remote service refused or failed a request (exit 2)."""


class AccessDenied(ServiceError):
    """The credentials are wrong or lack a permission: nothing later can succeed."""


class GaveUp(ServiceError):
    """Retries or the overall waiting deadline ran out."""


@dataclass(frozen=True)
class Retry:
    """A failed attempt that may succeed later: after ``wait`` seconds, or a backoff."""

    reason: str
    wait: float | None = None  # None: exponential backoff with jitter
    ambiguous: bool = False  # the request may have taken effect (5xx, lost connection)


@dataclass
class Policy:
    """How patient to be. ``max_wait`` bounds all waiting of a run, in seconds."""

    max_wait: float = 600.0
    attempts: int = 6  # per request, for server and connection errors
    backoff: float = 1.0
    backoff_cap: float = 30.0
    write_spacing: float = 1.0  # GitHub asks for a second between content-creating calls


@dataclass
class Redactor:
    """Replaces every secret in a text by ``***``."""

    secrets: list[str] = field(default_factory=list)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            self.secrets.append(secret)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


Classifier = Callable[[httpx.Response], Retry | None]


class Http:
    """One service's requests, retried and spaced; shares a waiting budget across calls."""

    def __init__(
        self,
        client: httpx.Client,
        service: str,
        classify: Classifier,
        *,
        clock: Clock,
        policy: Policy,
        redact: Redactor,
        budget: list[float] | None = None,
    ) -> None:
        self.client = client
        self.service = service
        self.classify = classify
        self.clock = clock
        self.policy = policy
        self.redact = redact
        self.budget = budget if budget is not None else [0.0]  # seconds waited, shared
        self._last_write: float | None = None

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        recover: Callable[[], httpx.Response | None] | None = None,
    ) -> httpx.Response:
        """Send until a success, a final refusal (raised by the classifier) or giving up.

        ``recover`` is asked before each retry of an attempt that may have taken
        effect; a response from it ends the request (the effect was found).
        """
        attempt = 0
        while True:
            attempt += 1
            if method != "GET":
                self._space()
            try:
                response = self.client.request(method, url, json=json, params=params)
            except httpx.TransportError as exc:
                retry = Retry(_transport_reason(exc), ambiguous=True)
            else:
                try:
                    found = self.classify(response)
                except ServiceError as exc:  # a service may quote a secret back
                    raise self._scrubbed(exc) from None
                if found is None:
                    return response
                retry = found
            self._wait(retry, attempt, f"{method} {httpx.URL(url).path}")
            if retry.ambiguous and recover is not None:
                recovered = recover()
                if recovered is not None:
                    return recovered

    def _scrubbed(self, exc: ServiceError) -> ServiceError:
        exc.message = self.redact(exc.message)
        exc.hint = self.redact(exc.hint) if exc.hint else exc.hint
        exc.args = (exc.message,)
        return exc

    def _space(self) -> None:
        now = self.clock.monotonic()
        if self._last_write is not None:
            gap = self._last_write + self.policy.write_spacing - now
            if gap > 0:
                self.clock.sleep(gap)
                now += gap
        self._last_write = now

    def _wait(self, retry: Retry, attempt: int, what: str) -> None:
        if retry.wait is None:
            if attempt >= self.policy.attempts:
                raise GaveUp(
                    self.redact(f"{self.service}: {what} failed {attempt} times: {retry.reason}"),
                    "the service may be down; the next run will pick up where this one stopped",
                )
            base = min(self.policy.backoff_cap, self.policy.backoff * 2 ** (attempt - 1))
            wait = base / 2 + random.uniform(0, base / 2)  # jitter: runs do not retry in step
        else:
            wait = max(retry.wait, 0.0)
        if attempt >= MAX_ATTEMPTS or self.budget[0] + wait > self.policy.max_wait:
            raise GaveUp(
                self.redact(
                    f"{self.service}: {what}: {retry.reason}; waiting {wait:.0f} s more would"
                    f" pass the deadline of {self.policy.max_wait:.0f} s (--max-wait)"
                ),
                "raise --max-wait, or let the next scheduled run continue",
            )
        self.budget[0] += wait
        self.clock.sleep(wait)


def _transport_reason(exc: httpx.TransportError) -> str:
    # the class name only: httpx messages may quote the URL, which can hold a secret
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return f"connection failed ({type(exc).__name__})"


def message_of(response: httpx.Response) -> str:
    """The ``message`` of a JSON error body, else a short piece of the text."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return response.text[:200].strip()


def next_link(response: httpx.Response) -> str | None:
    """The ``rel="next"`` URL of a paginated response, if any."""
    link = response.links.get("next")
    return link.get("url") if link else None


def header_number(response: httpx.Response, name: str) -> float | None:
    value = response.headers.get(name)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def pages(http: Http, url: str, params: dict[str, Any]) -> Iterable[Any]:
    """Every item of a paginated JSON list, following ``Link: rel=next``.

    A link to another host is refused: the request would carry the token there.
    """
    origin = httpx.URL(url).copy_with(path="/", query=None)
    response = http.request("GET", url, params=params)
    while True:
        yield from response.json()
        following = next_link(response)
        if following is None:
            return
        if httpx.URL(following).copy_with(path="/", query=None) != origin:
            raise ServiceError(
                f"{http.service}: the next page of {httpx.URL(url).path} is on another host"
                f" ({httpx.URL(following).host}); not following it with the token",
                "check GITHUB_API_URL: it must be the API the links point at",
            )
        response = http.request("GET", following)
