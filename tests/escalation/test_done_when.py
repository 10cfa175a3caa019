"""Issue 8's "Done when": three runs across threshold changes and faults, then a quiet one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from incidentctl.escalation.state import key_of, record_of
from tests.escalation.fake import FakeServer, Fault
from tests.escalation.run import check
from tests.escalation.scenario import RUN1, RUN2, RUN3, resolve_p1, resolve_p2


def test_three_runs_with_faults_end_in_the_right_state(
    scenario_repo: Path, fake: FakeServer
) -> None:
    st = fake.state
    # run 1: a breached P1 (respond), warnings on three resolve clocks
    st.faults += [
        Fault("POST", r"/issues$", status=502),  # nothing created
        Fault("POST", r"/issues$", kind="lost"),  # created, answer lost
        Fault("POST", r"/v2/enqueue", kind="reset"),
        Fault("POST", r"/services/", status=429),
    ]
    first = check(scenario_repo, fake, RUN1)
    assert first.code == 1, first.out
    assert first.out.count(" open ") == 4 and "4 running clocks, 1 breached, 3 warning" in first.out
    assert "failed:" not in first.out
    # run 2: the P2 was resolved; thresholds move on for the P1 and the P3
    resolve_p2(scenario_repo)
    st.faults += [
        Fault("GET", r"/issues$", status=429, headers={"retry-after": "3"}),
        Fault("PATCH", r"/issues/", kind="timeout"),
        Fault("POST", r"/comments$", status=403, body={"message": "secondary rate limit"}),
    ]
    second = check(scenario_repo, fake, RUN2)
    assert second.code == 1, second.out
    assert 3.0 in second.clock.sleeps and 60.0 in second.clock.sleeps
    assert "close" in second.out and "comment" in second.out and "failed:" not in second.out
    # run 3: the P1 was resolved: its issues close and its page is resolved
    resolve_p1(scenario_repo)
    st.faults += [
        Fault("POST", r"/v2/enqueue", status=502),
        Fault("PATCH", r"/issues/", kind="reset"),
    ]
    third = check(scenario_repo, fake, RUN3)
    assert third.code == 0, third.out
    assert "page-resolve" in third.out and "failed:" not in third.out
    # run 4: nothing new, nothing written
    seen = len(st.requests)
    fourth = check(scenario_repo, fake, RUN3 + timedelta(minutes=5))
    assert st.writes(seen) == []
    assert "Nothing to do" in fourth.out

    # exactly one issue per incident and clock, in the right state
    issues = {key_of(i["body"]): i for i in st.issues.values()}
    assert len(issues) == len(st.issues) == 4
    state = {k: (i["state"], i["state_reason"]) for k, i in issues.items()}
    assert state == {
        "INC-2026-0050:respond": ("closed", "completed"),
        "INC-2026-0050:resolve": ("closed", "completed"),
        "INC-2026-0051:resolve": ("open", None),
        "INC-2026-0052:resolve": ("closed", "completed"),
    }
    p3 = issues["INC-2026-0051:resolve"]
    assert record_of(p3["body"]).steps == ["notify@50", "escalate@75"]
    assert "sla-warning" in p3["labels"] and p3["assignees"] == ["bob", "carol", "erin"]
    # exactly one page for the one breach seen, and one resolve
    actions = [(e["event_action"], e["dedup_key"]) for e in st.events]
    assert actions == [("trigger", "INC-2026-0050:respond"), ("resolve", "INC-2026-0050:respond")]
    assert st.pages == 1
    assert len(st.chat) == 4  # one notify@50 per clock, the 429 retried
