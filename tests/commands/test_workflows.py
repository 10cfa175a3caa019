"""`init --install SPEC` and `init --refresh-workflows`: what the workflows install."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.workflows.spec import DEFAULT_INSTALL

NOW = "2026-11-23T12:00:00+00:00"
SHA = "0123456789abcdef0123456789abcdef01234567"
WHEEL = "tools/incidentctl-0.1.0-py3-none-any.whl"
NAMES = ["intake.yml", "pages.yml", "sla.yml", "validate.yml"]


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def installs(repo: Path) -> dict[str, set[str]]:
    """The install value of every job of every workflow, by file name."""
    found = {}
    for path in sorted((repo / ".github/workflows").glob("*.yml")):
        jobs = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values()
        found[path.name] = {j["env"]["INCIDENTCTL_INSTALL"] for j in jobs if "env" in j}
    return found


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (repo / ".github/workflows").iterdir()}


@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    target = tmp_path / "r"
    assert cli("init", str(target), "--now", NOW)[0] == 0
    return target


def test_init_writes_the_install_value_into_every_job(tmp_path: Path) -> None:
    spec = f"git+https://github.com/acme/incidentctl@{SHA}"
    code, out, err = cli("init", str(tmp_path / "r"), "--now", NOW, "--install", spec)
    assert code == 0 and "created an incident repository" in out and err == ""
    assert installs(tmp_path / "r") == {key: {spec} for key in NAMES}


def test_init_by_default_installs_this_release(scaffold: Path) -> None:
    assert installs(scaffold) == {key: {DEFAULT_INSTALL} for key in NAMES}


def test_init_warns_of_a_branch_and_of_a_wheel_still_to_commit(tmp_path: Path) -> None:
    code, _, err = cli(
        "init", str(tmp_path / "a"), "--install", "git+https://github.com/acme/incidentctl@main"
    )
    assert code == 0
    assert err == (
        "incidentctl: warning: --install git+https://github.com/acme/incidentctl@main is not"
        " pinned to a commit: each run installs what the branch or tag names then; use the full"
        " 40-hex commit SHA after '@'\n"
    )
    code, _, err = cli("init", str(tmp_path / "b"), "--install", WHEEL)
    assert code == 0 and f"{WHEEL} is not in {tmp_path / 'b'} yet" in err


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("", "--install '': is empty"),
        ("incidentctl==0.1.0\nrun: evil", r"--install 'incidentctl==0.1.0\nrun: evil': contains"),
        ("flask", "--install 'flask': installs flask, not incidentctl"),
    ],
)
def test_a_bad_install_value_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, value: str, shown: str
) -> None:
    code, out, err = cli("init", str(tmp_path / "r"), "--install", value)
    assert code == 2 and out == ""
    first, hint = err.splitlines()
    assert first.startswith(f"incidentctl: error: {shown}")
    assert hint.startswith("hint: one of: incidentctl==0.1.0")
    assert not (tmp_path / "r").exists()


def test_refresh_sets_the_value_and_keeps_everything_else(scaffold: Path) -> None:
    flows = scaffold / ".github/workflows"
    (flows / "pages.yml").unlink()  # the team does not publish a site
    sla = flows / "sla.yml"
    edited = sla.read_text().replace(
        "    name: sla check\n", "    name: sla check  # renamed by us\n    timeout-minutes: 5\n"
    )
    sla.write_text(edited)
    (flows / "other.yaml").write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n")
    before = snapshot(scaffold)
    code, out, err = cli("--repo", str(scaffold), "init", "--refresh-workflows", "--install", WHEEL)
    assert code == 0
    assert out == (
        f'.github/workflows/intake.yml: updated (jobs intake): "{WHEEL}"\n'
        f'.github/workflows/sla.yml: updated (jobs escalate, autoclose): "{WHEEL}"\n'
        f'.github/workflows/validate.yml: updated (jobs validate): "{WHEEL}"\n'
        "3 of 3 workflows updated\n"
    )
    assert "is not in" in err  # the wheel is still to be committed
    assert not (flows / "pages.yml").exists()
    after = snapshot(scaffold)
    assert after["other.yaml"] == before["other.yaml"]
    assert sla.read_text() == edited.replace(f'"{DEFAULT_INSTALL}"', f'"{WHEEL}"')
    assert installs(scaffold) == {n: {WHEEL} for n in ["intake.yml", "sla.yml", "validate.yml"]}


def test_refresh_without_a_value_keeps_each_one(scaffold: Path) -> None:
    validate = scaffold / ".github/workflows/validate.yml"
    validate.write_text(validate.read_text().replace(DEFAULT_INSTALL, "incidentctl==0.0.9"))
    before = snapshot(scaffold)
    code, out, _ = cli("init", "--refresh-workflows", str(scaffold))
    assert code == 0 and out.endswith("0 of 4 workflows updated\n")
    assert ".github/workflows/validate.yml: up to date\n" in out
    assert snapshot(scaffold) == before


def test_refresh_rewrites_workflows_of_the_earlier_form(scaffold: Path) -> None:
    flows = scaffold / ".github/workflows"
    for path in flows.iterdir():  # what init wrote before the install value existed
        path.write_text(
            path.read_text()
            .replace(f'INCIDENTCTL_INSTALL: "{DEFAULT_INSTALL}"', 'INCIDENTCTL_VERSION: "0.1.0"')
            .replace('"${INCIDENTCTL_INSTALL}"', '"incidentctl==${INCIDENTCTL_VERSION}"')
        )
    code, out, _ = cli("--repo", str(scaffold), "init", "--refresh-workflows")
    assert code == 0 and out.endswith("4 of 4 workflows updated\n")
    fresh = scaffold.parent / "fresh"
    cli("init", str(fresh), "--now", NOW)
    assert snapshot(scaffold) == snapshot(fresh)


def test_refresh_without_workflows_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    code, out, err = cli("--repo", str(tmp_path), "init", "--refresh-workflows")
    assert (code, out) == (2, "")
    assert err.startswith(
        f"incidentctl: error: {tmp_path}/.github/workflows does not exist: there is no workflow"
    )


def test_refresh_of_a_file_that_is_not_yaml_names_it_and_writes_nothing(scaffold: Path) -> None:
    broken = scaffold / ".github/workflows/zz-ours.yml"
    broken.write_text("on: push\njobs:\n  a: {runs-on: [ubuntu\n")
    before = snapshot(scaffold)
    code, out, err = cli("--repo", str(scaffold), "init", "--refresh-workflows", "--install", WHEEL)
    assert (code, out) == (2, "")
    assert err.startswith("incidentctl: error: .github/workflows/zz-ours.yml:4: not valid YAML")
    assert "no workflow was changed" in err
    assert snapshot(scaffold) == before


def test_refresh_when_no_workflow_installs_incidentctl(scaffold: Path) -> None:
    flows = scaffold / ".github/workflows"
    shutil.rmtree(flows)
    flows.mkdir()
    (flows / "ci.yml").write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n")
    code, out, _ = cli("--repo", str(scaffold), "init", "--refresh-workflows", "--install", WHEEL)
    assert code == 0
    assert out == (
        "no workflow in .github/workflows installs incidentctl"
        " (no INCIDENTCTL_INSTALL in a job's env)\n"
    )
    assert [p.name for p in flows.iterdir()] == ["ci.yml"]


def test_install_goes_with_a_directory_or_refresh_workflows(scaffold: Path) -> None:
    code, _, err = cli("--repo", str(scaffold), "init", "--refresh-forms", "--install", WHEEL)
    assert code == 2 and "--install goes with DIRECTORY or --refresh-workflows" in err
    code, _, err = cli(
        "--repo", str(scaffold), "init", "--refresh-workflows", "--install", "-r x.txt"
    )
    assert code == 2 and "pip would read it as an option" in err


def test_a_workflow_that_is_not_utf8_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    from incidentctl.commands.workflows import refresh_workflows_in
    from incidentctl.errors import UsageError

    folder = tmp_path / ".github/workflows"
    folder.mkdir(parents=True)
    (folder / "a.yml").write_text('jobs: {x: {env: {INCIDENTCTL_INSTALL: "."}}}\n')
    (folder / "b.yml").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(UsageError) as caught:
        refresh_workflows_in(tmp_path, "incidentctl==0.1.0")
    assert caught.value.message.startswith(".github/workflows/b.yml: cannot be read as UTF-8")
    assert (folder / "a.yml").read_text() == 'jobs: {x: {env: {INCIDENTCTL_INSTALL: "."}}}\n'
