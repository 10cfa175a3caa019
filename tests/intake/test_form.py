"""The incident issue form: generated from the policies, refreshed without losing edits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main
from incidentctl.errors import IncidentctlError
from incidentctl.intake.form import FIELDS, FORM_PATH, load_form, options, refresh
from incidentctl.store.repo import load_repository

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src/incidentctl/templates/init"
SCAFFOLD_FORM = TEMPLATES / "dot-github/ISSUE_TEMPLATE/incident.yml"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("root", "form"),
    [(ROOT, ROOT / FORM_PATH), (TEMPLATES, SCAFFOLD_FORM)],
    ids=["this repository", "the scaffold"],
)
def test_the_committed_form_is_in_step_with_the_policies(root: Path, form: Path) -> None:
    text = form.read_text(encoding="utf-8")
    assert refresh(text, load_repository(root).policies) == text, (
        "run incidentctl init --refresh-forms"
    )


def test_the_form_asks_every_field_and_offers_the_catalog() -> None:
    form = load_form((ROOT / FORM_PATH).read_text(encoding="utf-8"))
    by_id = {item["id"]: item for item in form["body"] if "id" in item}
    assert [f.id for f in FIELDS] == list(by_id)
    assert [by_id[f.id]["attributes"]["label"] for f in FIELDS] == [f.label for f in FIELDS]
    assert "Payroll" in by_id["service"]["attributes"]["options"]
    assert "network / vpn" in by_id["category"]["attributes"]["options"]
    assert form["labels"] == ["incident"]


def test_a_refresh_replaces_only_the_generated_options(base_repo: Path) -> None:
    policies = load_repository(base_repo).policies
    text = SCAFFOLD_FORM.read_text(encoding="utf-8").replace(
        "  - type: textarea\n",
        "  # our own question, kept\n  - type: input\n    id: phone\n"
        "    attributes: {label: Phone}\n  - type: textarea\n",
    )
    new = refresh(text, policies)
    assert "  # our own question, kept\n" in new and "id: phone" in new
    assert "- Intranet" not in new and "        - Payroll\n" in new
    assert load_form(new)["body"][2]["attributes"]["options"] == options(policies)["service"]
    assert refresh(new, policies) == new


def test_a_form_without_the_dropdowns_is_refused(base_repo: Path) -> None:
    policies = load_repository(base_repo).policies
    with pytest.raises(IncidentctlError, match="no dropdown with id category, impact, service"):
        refresh("name: x\nbody:\n  - type: input\n    id: title\n", policies)
    with pytest.raises(IncidentctlError, match=r"incident.yml:3: not valid YAML"):
        refresh("name: x\nbody: [\n", policies)  # found at the end of the input


def test_services_with_the_same_name_are_told_apart(base_repo: Path) -> None:
    services = base_repo / "policies/services.yaml"
    services.write_text(
        services.read_text() + "  payroll-us:\n    name: payroll\n    owner: hr-systems\n"
        "    tiers: [service-desk]\n    incident_manager: alice\n"
    )
    offered = options(load_repository(base_repo).policies)["service"]
    assert offered == ["Payroll (payroll)", "payroll (payroll-us)"]


def test_init_refresh_forms_writes_then_updates_the_form(base_repo: Path) -> None:
    code, out, _ = cli("--repo", str(base_repo), "init", "--refresh-forms")
    assert (code, out) == (0, f"{FORM_PATH} written from policies/\n")
    code, out, _ = cli("--repo", str(base_repo), "init", "--refresh-forms")
    assert (code, out) == (0, f"{FORM_PATH} is up to date\n")
    categories = base_repo / "policies/categories.yaml"
    categories.write_text(categories.read_text() + "  email:\n    subcategories: [spam]\n")
    code, out, _ = cli("init", "--refresh-forms", str(base_repo))
    assert (code, out) == (0, f"{FORM_PATH} updated from policies/\n")
    assert "- email / spam\n" in (base_repo / FORM_PATH).read_text()


def test_init_needs_a_directory_unless_refreshing(tmp_path: Path) -> None:
    code, _, err = cli("init")
    assert code == 2 and "missing DIRECTORY" in err


def test_a_scaffold_form_is_in_step_with_the_scaffold_policies(tmp_path: Path) -> None:
    shutil.rmtree(tmp_path)
    cli("init", str(tmp_path), "--now", "2026-11-23T12:00:00+00:00")
    code, out, _ = cli("--repo", str(tmp_path), "init", "--refresh-forms")
    assert (code, out) == (0, f"{FORM_PATH} is up to date\n")
