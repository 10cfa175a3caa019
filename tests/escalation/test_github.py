"""The GitHub tracker against the fake over real HTTP: every fault of the issue."""

from __future__ import annotations

import pytest

from incidentctl.escalation.github import GitHubTracker, Settings
from incidentctl.escalation.http import AccessDenied, GaveUp, Policy, Redactor
from incidentctl.escalation.state import marker
from incidentctl.model.config import TrackerConfig
from tests.escalation.fake import REPOSITORY, TOKEN, FakeClock, FakeServer, Fault

KEY = "INC-2026-0050:respond"


def tracker(fake: FakeServer, clock: FakeClock, max_wait: float = 600.0) -> GitHubTracker:
    settings = Settings.load(fake.env, TrackerConfig())
    return GitHubTracker(
        settings,
        clock=clock,
        policy=Policy(max_wait=max_wait),
        redact=Redactor(),
        budget=[0.0],
        timeout=0.5,
    )


def create(t: GitHubTracker) -> int:
    return t.create_issue(
        "SLA respond", marker(KEY) + "\nbody", ["incidentctl"], ["bob"], KEY
    ).number


@pytest.mark.parametrize(
    ("fault", "waits"),
    [
        (Fault("POST", "/issues$", status=502), None),
        (Fault("POST", "/issues$", kind="reset"), None),
        (Fault("POST", "/issues$", kind="timeout"), None),
        (Fault("POST", "/issues$", kind="lost"), None),  # created, but the answer is lost
        (Fault("POST", "/issues$", status=403, headers={"retry-after": "7"}), 7.0),
        (Fault("POST", "/issues$", status=429, body={"message": "slow down"}), 60.0),
        (
            Fault(
                "POST",
                "/issues$",
                status=403,
                body={"message": "You have exceeded a secondary rate limit."},
            ),
            60.0,
        ),
    ],
    ids=["502", "reset", "timeout", "lost", "403-retry-after", "429", "403-secondary"],
)
def test_a_fault_on_create_ends_with_exactly_one_issue(
    fake: FakeServer, fault: Fault, waits: float | None
) -> None:
    clock = FakeClock()
    fake.state.faults.append(fault)
    number = create(tracker(fake, clock))
    assert list(fake.state.issues) == [number]
    if waits is not None:
        assert waits in clock.sleeps
    else:  # a backoff with jitter: between half and all of the first step
        assert any(0.5 <= s <= 1.0 for s in clock.sleeps)


def test_primary_rate_limit_waits_until_the_reset(fake: FakeServer) -> None:
    clock = FakeClock()
    reset = int(clock.time()) + 120
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    fake.state.faults.append(Fault("GET", "/issues$", status=403, headers=headers))
    assert tracker(fake, clock).issues() == []
    assert clock.sleeps == [121.0]


@pytest.mark.parametrize("kind", ["reset", "timeout", "status"])
def test_listing_and_updates_survive_faults(fake: FakeServer, kind: str) -> None:
    clock = FakeClock()
    t = tracker(fake, clock)
    number = create(t)
    fake.state.faults += [
        Fault("GET", "/issues$", kind=kind),
        Fault("PATCH", "/issues/", kind=kind),
    ]
    assert [i.number for i in t.issues()] == [number]
    issue = t.update_issue(number, labels=["incidentctl", "sla-breach"], open=False)
    assert not issue.open and issue.labels == ("incidentctl", "sla-breach")
    assert fake.state.issues[number]["state_reason"] == "completed"


def test_401_is_access_denied_without_the_token(fake: FakeServer) -> None:
    fake.state.faults.append(Fault("GET", "/issues$", status=401, body={"message": TOKEN}))
    with pytest.raises(AccessDenied) as info:
        tracker(fake, FakeClock()).issues()
    assert "refused the token" in info.value.message
    assert TOKEN not in str(info.value)  # scrubbed by the run's redactor (in sla_check)


def test_403_missing_permission_names_it(fake: FakeServer) -> None:
    body = {"message": "Resource not accessible by integration"}
    fake.state.faults.append(Fault("POST", "/issues/1/comments", status=403, body=body))
    t = tracker(fake, FakeClock())
    create(t)
    with pytest.raises(AccessDenied) as info:
        t.comment(1, "hello")
    assert "issues: write" in info.value.message
    assert info.value.hint and "permissions" in info.value.hint
    assert fake.state.comments[1] == []


def test_a_service_that_stays_down_is_given_up(fake: FakeServer) -> None:
    clock = FakeClock()
    fake.state.faults.append(Fault("GET", "/issues$", status=503, times=100))
    with pytest.raises(GaveUp, match="failed 6 times"):
        tracker(fake, clock).issues()
    assert len(fake.state.requests) == 6
    assert clock.sleeps == sorted(clock.sleeps)  # backoff grows


def test_a_wait_past_the_deadline_is_not_waited(fake: FakeServer) -> None:
    clock = FakeClock()
    fake.state.faults.append(Fault("GET", "/issues$", status=429, headers={"retry-after": "900"}))
    with pytest.raises(GaveUp, match="--max-wait"):
        tracker(fake, clock, max_wait=300).issues()
    assert clock.sleeps == []


def test_writes_are_spaced_and_reads_are_not(fake: FakeServer) -> None:
    clock = FakeClock()
    t = tracker(fake, clock)
    number = create(t)
    t.issues()
    t.comment(number, "one")
    t.comment(number, "two")
    assert clock.sleeps == [1.0, 1.0]


def test_requests_carry_the_api_version_and_media_type(fake: FakeServer) -> None:
    tracker(fake, FakeClock()).issues()
    seen = fake.state.requests[0]
    assert seen.headers["Accept"] == "application/vnd.github+json"
    assert seen.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen.query == {"state": ["all"], "labels": ["incidentctl"], "per_page": ["100"]}


def test_labels_are_listed_once_and_created_once(fake: FakeServer) -> None:
    t = tracker(fake, FakeClock())
    assert t.ensure_labels(["incidentctl", "bug", "sla-breach"]) == ["incidentctl", "sla-breach"]
    assert t.ensure_labels(["incidentctl", "sla-breach", "sla-warning"]) == ["sla-warning"]
    paths = [(r.method, r.path) for r in fake.state.requests]
    assert paths.count(("GET", f"/repos/{REPOSITORY}/labels")) == 1
    assert fake.state.labels == {"bug", "incidentctl", "sla-breach", "sla-warning"}


def test_settings_come_from_the_environment_then_the_configuration() -> None:
    config = TrackerConfig(repository="acme/from-config", api_url="https://ghe.example/api/v3")
    settings = Settings.load({"GITHUB_TOKEN": "t0ken"}, config)
    assert (settings.repository, settings.api_url) == (
        "acme/from-config",
        "https://ghe.example/api/v3",
    )
    env = {"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": "acme/env", "GITHUB_API_URL": "http://x/"}
    settings = Settings.load(env, config)
    assert (settings.repository, settings.api_url) == ("acme/env", "http://x")


def test_the_token_is_not_in_the_settings_repr() -> None:
    settings = Settings.load({"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "a/b"}, TrackerConfig())
    assert TOKEN not in repr(settings) and "a/b" in repr(settings)
