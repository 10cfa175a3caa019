"""A stateful fake of GitHub's issues API, of PagerDuty's events endpoint and of a chat
webhook, served over real HTTP on 127.0.0.1 so that faults are real ones: a status
code, a connection closed without an answer, an answer that comes too late, or an
answer lost after the request took effect.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghs_FAKEtokenVALUE1234567890"
ROUTING_KEY = "R0UTINGkeyFAKE0123456789abcdef"
CHAT_PATH = "/services/T000/B000/CHATsecretXYZ"
REPOSITORY = "acme/incidents"


@dataclass
class Fault:
    """Applied to the next ``times`` requests matching ``method`` and the ``path`` regex.

    kind: ``status`` (answer ``status`` with ``headers`` and ``body``), ``reset`` (close
    the connection unanswered), ``timeout`` (answer after ``delay`` seconds), ``lost``
    (do the request, then close the connection unanswered).
    """

    method: str
    path: str
    kind: str = "status"
    status: int = 502
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"message": "Server Error"})
    times: int = 1
    delay: float = 1.5


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    fault: str | None


class FakeState:
    """Everything the fake holds; tests read it directly."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[str]] = {}
        self.pulls: list[dict[str, Any]] = []
        self.labels: set[str] = {"bug"}
        self.events: list[dict[str, Any]] = []  # every accepted pager event
        self.alerts: dict[str, str] = {}  # dedup_key -> triggered | resolved
        self.pages = 0  # triggers that raised an alert (PagerDuty folds repeats)
        self.chat: list[str] = []
        self.requests: list[Seen] = []
        self.faults: list[Fault] = []
        self.base = ""

    def writes(self, since: int = 0) -> list[Seen]:
        """Non-GET requests to GitHub, pager or chat since request number ``since``."""
        return [r for r in self.requests[since:] if r.method != "GET"]

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.search(fault.path, path):
                    fault.times -= 1
                    return fault
        return None

    def add_issue(self, title: str, body: str, labels: list[str], open_: bool = True) -> int:
        number = len(self.issues) + 1
        self.issues[number] = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open" if open_ else "closed",
            "state_reason": None,
            "labels": list(labels),
            "assignees": [],
        }
        self.comments[number] = []
        return number

    def issue_json(self, number: int) -> dict[str, Any]:
        item = self.issues[number]
        return {
            "id": 1000 + number,
            "number": number,
            "title": item["title"],
            "body": item["body"],
            "state": item["state"],
            "state_reason": item["state_reason"],
            "labels": [{"name": n} for n in item["labels"]],
            "assignees": [{"login": a} for a in item["assignees"]],
            "html_url": f"https://github.example/{REPOSITORY}/issues/{number}",
        }


class Handler(BaseHTTPRequestHandler):
    state: FakeState
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body in one segment: no delayed-ACK stall per request

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        fault = self.state.take_fault(method, url.path)
        self.state.requests.append(
            Seen(
                method,
                url.path,
                parse_qs(url.query),
                dict(self.headers.items()),
                body,
                fault.kind if fault else None,
            )
        )
        if fault is not None and fault.kind == "reset":
            self.close_connection = True
            return
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "status":
            self._send(fault.status, fault.body, fault.headers)
            return
        with self.state.lock:
            status, payload, headers = self._route(method, url.path, parse_qs(url.query), body)
        if fault is not None and fault.kind == "lost":
            self.close_connection = True
            return
        self._send(status, payload, headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode() if payload is not None else b""
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        st = self.state
        if path == "/v2/enqueue":
            return self._pager(body)
        if path == CHAT_PATH:
            st.chat.append(body["text"])
            return 200, None, {}
        if self.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}, {}
        prefix = f"/repos/{REPOSITORY}"
        if not path.startswith(prefix):
            return 404, {"message": "Not Found"}, {}
        rest = path[len(prefix) :]
        if rest == "/issues" and method == "GET":
            return self._list(query)
        if rest == "/issues" and method == "POST":
            number = st.add_issue(body["title"], body.get("body") or "", body.get("labels") or [])
            st.labels.update(body.get("labels") or [])
            st.issues[number]["assignees"] = list(body.get("assignees") or [])
            return 201, st.issue_json(number), {}
        m = re.fullmatch(r"/issues/(\d+)(/comments)?", rest)
        if m and int(m.group(1)) in st.issues:
            number = int(m.group(1))
            if m.group(2) and method == "POST":
                st.comments[number].append(body["body"])
                return 201, {"id": len(st.comments[number]), "body": body["body"]}, {}
            if method == "PATCH":
                item = st.issues[number]
                for key in ("body", "labels", "assignees", "state", "state_reason", "title"):
                    if key in body:
                        item[key] = body[key]
                return 200, st.issue_json(number), {}
            if method == "GET":
                return 200, st.issue_json(number), {}
        if rest == "/pulls" and method == "POST":
            number = 1000 + len(st.pulls)
            st.pulls.append({**body, "number": number})
            url = f"https://github.example/{REPOSITORY}/pull/{number}"
            return 201, {"number": number, "html_url": url}, {}
        if rest == "/labels" and method == "GET":
            names = sorted(st.labels)
            return 200, [{"name": n, "color": "ededed"} for n in names], {}
        if rest == "/labels" and method == "POST":
            if body["name"] in st.labels:
                return 422, {"message": "Validation Failed"}, {}
            st.labels.add(body["name"])
            return 201, {"name": body["name"], "color": body.get("color")}, {}
        return 404, {"message": "Not Found"}, {}

    def _list(self, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        st = self.state
        per_page = int(query.get("per_page", ["30"])[0])
        page = int(query.get("page", ["1"])[0])
        wanted = query.get("labels", [""])[0]
        state = query.get("state", ["open"])[0]
        items = [
            st.issue_json(n)
            for n in sorted(st.issues, reverse=True)
            if (not wanted or wanted in st.issues[n]["labels"])
            and (state == "all" or st.issues[n]["state"] == state)
        ]
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            rest = "&".join(f"{k}={v[0]}" for k, v in sorted(query.items()) if k != "page")
            nxt = f"{st.base}/repos/{REPOSITORY}/issues?{rest}&page={page + 1}"
            headers["link"] = f'<{nxt}>; rel="next"'
        return 200, chunk, headers

    def _pager(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        st = self.state
        if body.get("routing_key") != ROUTING_KEY:
            return 400, {"status": "invalid event", "message": "Invalid routing key"}, {}
        key, action = body["dedup_key"], body["event_action"]
        st.events.append(body)
        if action == "trigger" and st.alerts.get(key) != "triggered":
            st.pages += 1
            st.alerts[key] = "triggered"
        if action == "resolve":
            st.alerts[key] = "resolved"
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}, {}


@dataclass
class FakeServer:
    state: FakeState
    url: str

    @property
    def env(self) -> dict[str, str]:
        """The environment of a GitHub Actions run against this fake."""
        return {
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_API_URL": self.url,
            "GITHUB_SERVER_URL": "https://github.example",
            "INCIDENTCTL_PAGER_ROUTING_KEY": ROUTING_KEY,
            "INCIDENTCTL_PAGER_URL": f"{self.url}/v2/enqueue",
            "INCIDENTCTL_CHAT_WEBHOOK": f"{self.url}{CHAT_PATH}",
        }


def serve() -> Iterator[FakeServer]:
    """Start a fake on a free port of 127.0.0.1; stop it when the generator is closed."""
    state = FakeState()
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    state.base = url
    try:
        yield FakeServer(state, url)
    finally:
        server.shutdown()
        server.server_close()


class FakeClock:
    """Time that passes only when slept: retries and spacing cost nothing in tests."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
