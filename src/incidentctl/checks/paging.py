"""Paging rules: `paging:` in `policies/sla.yaml` names real priorities and steps."""

from __future__ import annotations

from collections.abc import Iterator

from incidentctl.checks.context import Context
from incidentctl.diagnostics import Diagnostic, Severity, define
from incidentctl.model.policy import BREACH

PAGING = define(
    "POL012",
    "unknown-paging-reference",
    Severity.ERROR,
    """
    A paging rule in `policies/sla.yaml` names a priority that has no SLA target, or a step
    that is neither `breach` nor the action of a declared threshold.

    `sla check --page` pages the on-call for the steps a rule lists; a rule that names
    nothing real would never page, silently. Best practice:
    `paging: [{priorities: [P1, P2], steps: [breach]}]`.
    """,
)


def check_paging(ctx: Context) -> Iterator[Diagnostic]:
    """POL012: every priority and step of every paging rule exists."""
    pol = ctx.repo.policies
    sla = pol.sla
    if sla is None or not sla.paging:
        return
    src = pol.sources["sla"]
    priorities = set(pol.priority.priorities()) if pol.priority else set(sla.targets)
    steps = {BREACH} | {t.action.value for t in sla.thresholds}
    for i, rule in enumerate(sla.paging):
        for j, priority in enumerate(rule.priorities):
            if priority not in priorities or priority not in sla.targets:
                line, col = src.locate(("paging", i, "priorities", j))
                yield PAGING.at(
                    src.rel,
                    line,
                    col,
                    f'paging names "{priority}", which is not a priority with an SLA target',
                    "one of: " + ", ".join(sorted(sla.targets)),
                )
        for j, step in enumerate(rule.steps):
            if step not in steps:
                line, col = src.locate(("paging", i, "steps", j))
                yield PAGING.at(
                    src.rel,
                    line,
                    col,
                    f'paging names step "{step}", which no threshold of this policy takes',
                    "one of: " + ", ".join(sorted(steps)),
                )
