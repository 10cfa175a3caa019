"""A repository made with ``init --install tools/<wheel>`` installs incidentctl as a runner would.

The wheel of this checkout is built once, offline, with the command the docs give
(``pip wheel --no-deps``; the build backend is in the test environment). The
workflow's install step is then taken from the YAML and run by bash with the
job's ``env:`` value, as Actions runs it, in a fresh ``python -m venv``. No
network: pip reads no index (``PIP_NO_INDEX``); incidentctl's dependencies are
lent to the fresh venv from the test environment, all but incidentctl itself,
so that only the wheel can provide it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import incidentctl
from incidentctl.cli import main
from tests.automation.test_workflows import need

ROOT = Path(__file__).resolve().parents[2]
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]  # how Actions runs `run:`


def offline_env(path_first: Path | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PIP_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CONFIG_FILE=os.devnull)
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout, built once, offline, from a copy of the sources."""
    for module in ("pip", "setuptools"):
        need(f"{module} in the test environment", importlib.util.find_spec(module) is not None)
    work = tmp_path_factory.mktemp("wheel")
    source = work / "incidentctl"
    # a copy: the build writes build/ and *.egg-info next to the sources
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    out = work / "dist"
    command = "-m pip wheel --no-deps --no-build-isolation --quiet -w"
    run([sys.executable, *command.split(), str(out), str(source)], work, offline_env())
    [built] = out.glob("incidentctl-*.whl")
    return built


def lend_dependencies(venv: Path, into: Path) -> None:
    """Make the test environment's packages but incidentctl importable in ``venv``.

    A folder of links to them, named in a ``.pth`` file: pip (one of them) sees the
    dependencies as installed, so it installs the wheel without an index.
    """
    into.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if "incidentctl" not in entry.name.lower() and not entry.name.endswith(".pth"):
            (into / entry.name).symlink_to(entry)
    [venv_site] = venv.glob("lib/python3*/site-packages")
    (venv_site / "lent-dependencies.pth").write_text(f"{into}\n", encoding="utf-8")


def install_step(workflow: Any) -> tuple[str, str]:
    """The ``run`` of the install step of a workflow's first installing job, and its value."""
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            if step.get("name") == "Install incidentctl":
                return step["run"], job["env"]["INCIDENTCTL_INSTALL"]
    raise AssertionError("no install step")


def test_a_repository_installs_incidentctl_from_its_committed_wheel(
    wheel: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "incidents"
    rel = f"tools/{wheel.name}"
    result = CliRunner().invoke(main, ["init", str(repo), "--install", rel])
    assert result.exit_code == 0, result.output
    (repo / "tools").mkdir()
    shutil.copy2(wheel, repo / rel)  # what the team commits

    flows = [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted((repo / ".github/workflows").glob("*.yml"))
    ]
    assert len(flows) == 4
    [(script, value)] = {install_step(flow) for flow in flows}  # all install the same way
    assert value == rel

    venv = tmp_path / "runner"
    # pip comes with the lent packages, as setup-python's Python comes with pip
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, offline_env())
    lend_dependencies(venv, tmp_path / "lent")
    env = offline_env(venv / "bin") | {"INCIDENTCTL_INSTALL": value}  # the job's env:
    run([*BASH, script], repo, env)

    version = run([str(venv / "bin/incidentctl"), "--version"], repo, offline_env())
    assert version.stdout.strip() == f"incidentctl, version {incidentctl.__version__}"
    where = run(
        [str(venv / "bin/python"), "-c", "import incidentctl; print(incidentctl.__file__)"],
        repo,
        offline_env(),
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)  # the wheel's, not this checkout's
    checked = run([str(venv / "bin/incidentctl"), "validate"], repo, offline_env())
    assert checked.stdout.endswith("no problems\n")
