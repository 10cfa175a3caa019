"""Set what a workflow installs, leaving every other byte of the file as it was.

Each job that installs incidentctl carries ``INCIDENTCTL_INSTALL`` in its ``env:``.
ruamel.yaml composes the file into nodes that know where each scalar starts and
ends in the text; only those spans are replaced, so comments, quoting, flow
style and a team's own edits survive exactly (ruamel's dumper would re-space
lines nobody touched). The result is read again and compared with the data the
edit meant to produce before anything is written.

Workflows written before the install value existed carry ``INCIDENTCTL_VERSION``
and ``pip install "incidentctl==${INCIDENTCTL_VERSION}"``: those are rewritten to
the new form, keeping the version they named unless another value is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from incidentctl.errors import IncidentctlError

WORKFLOWS = ".github/workflows"
ENV = "INCIDENTCTL_INSTALL"
LEGACY_ENV = "INCIDENTCTL_VERSION"
RUN = f'"${{{ENV}}}"'
LEGACY_RUN = f'"incidentctl==${{{LEGACY_ENV}}}"'


@dataclass
class WorkflowEdit:
    """The new text of one workflow and the jobs whose install value it sets."""

    text: str
    jobs: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # job -> the value found before


def quoted(value: str) -> str:
    """``value`` as a YAML double-quoted scalar (JSON's escapes are YAML's too)."""
    return json.dumps(value, ensure_ascii=False)


def _get(node: Node | None, key: str) -> tuple[ScalarNode, Node] | None:
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def _compose(text: str, path: str) -> Node | None:
    try:
        return YAML(typ="rt").compose(text)  # type: ignore[no-any-return]
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise IncidentctlError(
            f"{path}{line}: not valid YAML ({problem}); no workflow was changed",
            "fix the file (or remove it), then run the command again",
        ) from None


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def set_install(text: str, install: str | None, path: str) -> WorkflowEdit:
    """``text`` with every job's install value set to ``install`` (None: keep each one's).

    A job without the value is left alone, so a workflow a team wrote itself is
    never touched. Raises ``IncidentctlError`` naming ``path`` and the line when
    the file is not YAML or the value is not a plain string.
    """
    root = _compose(text, path)
    jobs = _get(root, "jobs")
    spans: dict[tuple[int, int], str] = {}
    result = WorkflowEdit(text)
    expected_runs: dict[tuple[str, int], str] = {}
    if jobs is None or not isinstance(jobs[1], MappingNode):
        return result
    for job_key, job in jobs[1].value:
        env = _get(job, "env")
        found = (_get(env[1], ENV) or _get(env[1], LEGACY_ENV)) if env else None
        if found is None:
            continue
        key, value = found
        if not isinstance(value, ScalarNode) or str(value.tag).endswith(":null"):
            raise IncidentctlError(
                f"{path}:{_line(key)}: {key.value} of job {job_key.value} is not a string",
                f'write it as {ENV}: "incidentctl==VERSION", or give --install',
            )
        current = str(value.value)
        legacy = key.value == LEGACY_ENV
        if legacy:
            current = f"incidentctl=={current}"
            spans[(key.start_mark.index, key.end_mark.index)] = ENV
            _migrate_runs(text, path, job_key, job, spans, expected_runs)
        new = current if install is None else install
        result.values[str(job_key.value)] = current
        # a value that stays the same keeps its spelling (quotes, style) as the team wrote it
        if legacy or new != current:
            spans[(value.start_mark.index, value.end_mark.index)] = _scalar(text, value, new)
            result.jobs.append(str(job_key.value))
    result.text = _splice(text, spans)
    if result.text != text:
        _verify(text, result, install, path, expected_runs)
    return result


def _scalar(text: str, node: ScalarNode, value: str) -> str:
    # a block scalar's span ends after its line break: keep one so the next key stays put
    span = text[node.start_mark.index : node.end_mark.index]
    return quoted(value) + ("\n" if node.style in ("|", ">") and span.endswith("\n") else "")


def _migrate_runs(
    text: str,
    path: str,
    job_key: ScalarNode,
    node: Node,
    spans: dict[tuple[int, int], str],
    expected: dict[tuple[str, int], str],
) -> None:
    job = str(job_key.value)
    steps = _get(node, "steps")
    rewritten = 0
    for index, step in enumerate(steps[1].value if steps else []):
        run = _get(step, "run")
        if run is None or not isinstance(run[1], ScalarNode) or LEGACY_RUN not in run[1].value:
            continue
        span = text[run[1].start_mark.index : run[1].end_mark.index]
        if run[1].style == '"' or LEGACY_RUN not in span:
            raise _cannot_migrate(path, run[1], job)
        spans[(run[1].start_mark.index, run[1].end_mark.index)] = span.replace(LEGACY_RUN, RUN)
        expected[(job, index)] = str(run[1].value).replace(LEGACY_RUN, RUN)
        rewritten += 1
    start, end = node.start_mark.index, node.end_mark.index
    if text[start:end].count(LEGACY_ENV) != 1 + rewritten:
        raise _cannot_migrate(path, job_key, job)


def _cannot_migrate(path: str, node: Node, job: str) -> IncidentctlError:
    return IncidentctlError(
        f"{path}:{_line(node)}: job {job} uses ${LEGACY_ENV} in a way that cannot be"
        " rewritten safely; no workflow was changed",
        f'set {ENV}: "incidentctl==VERSION" in its env and install with'
        f" python -m pip install {RUN}, by hand",
    )


def _splice(text: str, spans: dict[tuple[int, int], str]) -> str:
    out, last = [], 0
    for (start, end), new in sorted(spans.items()):
        out += [text[last:start], new]
        last = end
    return "".join([*out, text[last:]])


def _verify(
    old: str,
    result: WorkflowEdit,
    install: str | None,
    path: str,
    runs: dict[tuple[str, int], str],
) -> None:
    """Refuse the edit unless the new text reads as the old data with the values set."""
    reader = YAML(typ="safe", pure=True)
    want: Any = reader.load(old)
    for job in result.jobs:
        env = want["jobs"][job]["env"]
        env.pop(LEGACY_ENV, None)
        env[ENV] = result.values[job] if install is None else install
    for (job, index), run in runs.items():
        want["jobs"][job]["steps"][index]["run"] = run
    try:
        got = reader.load(result.text)
    except YAMLError:
        got = None
    if got != want:  # pragma: no cover - a guard: the spans above cannot produce this
        raise IncidentctlError(f"{path}: the install value could not be set safely")
