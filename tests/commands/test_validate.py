"""`incidentctl validate` end to end through click, with real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from incidentctl.cli import main

NOW = "2026-11-23T12:00:00+00:00"
INC = "incidents/2026/INC-2026-0042.yaml"


def invoke(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        main, ["--repo", str(root), *args], env=env or {}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def test_clean_repository_exits_0(base_repo: Path) -> None:
    code, out, _ = invoke(base_repo, "validate", "--now", NOW)
    assert code == 0
    assert out == "6 files checked: no problems\n"


def test_warnings_alone_exit_0(base_repo: Path) -> None:
    kb = base_repo / "kb/KB-0007-payroll-export-times-out.md"
    kb.write_text(kb.read_text().replace("reviewed_at: 2026-11-21", "reviewed_at: 2025-01-01"))
    code, out, _ = invoke(base_repo, "validate", "--now", NOW)
    assert code == 0
    assert "KB003 stale-review" in out


def test_errors_exit_1_with_json_contract(base_repo: Path) -> None:
    path = base_repo / INC
    path.write_text(path.read_text().replace("channel: portal", "chanel: portal"))
    code, out, _ = invoke(base_repo, "validate", "--now", NOW, "--format", "json")
    assert code == 1
    missing, diag = json.loads(out)["diagnostics"]
    assert (missing["code"], missing["line"], missing["message"]) == (
        "SCH001",
        1,
        "missing required field channel",
    )
    assert diag == {
        "code": "SCH002",
        "name": "unknown-key",
        "severity": "error",
        "path": INC,
        "line": 7,
        "column": 1,
        "message": 'unknown key "chanel"',
        "hint": 'did you mean "channel"?',
    }


def test_auto_format_under_github_actions(base_repo: Path) -> None:
    path = base_repo / INC
    path.write_text(path.read_text().replace("priority: P2", "priority: P1"))
    code, out, _ = invoke(base_repo, "validate", "--now", NOW, env={"GITHUB_ACTIONS": "true"})
    assert code == 1
    assert out.startswith(f"::error file={INC},line=14,col=11,title=INC010 priority-mismatch::")


def test_paths_limit_the_report_but_not_the_references(base_repo: Path) -> None:
    other = base_repo / "incidents/2026/INC-2026-0043.yaml"
    other.write_text("- not a mapping\n")
    code, out, _ = invoke(base_repo, "validate", "--now", NOW, str(base_repo / INC))
    assert (code, out) == (0, "1 file checked: no problems\n")
    code, out, _ = invoke(base_repo, "validate", "--now", NOW, str(base_repo / "incidents"))
    assert code == 1
    assert "INC-2026-0043.yaml:1:1: error" in out


def test_every_bad_file_is_reported_and_the_rest_still_checked(base_repo: Path) -> None:
    bad = {
        "INC-2026-0100.yaml": b"\x00\x01binary",
        "INC-2026-0101.yaml": b"title: caf\xe9\n",
        "INC-2026-0102.yaml": b"",
        "INC-2026-0103.yaml": b"- a\n- b\n",
        "INC-2026-0104.yaml": b"a: [\n",
        "INC-2026-0105.yaml": b"a: " + b"[" * 50000 + b"]" * 50000,
        "INC-2026-0106.yaml": b"a: &x [1]\nb: *x\n",
        "INC-2026-0107.yaml": b"id: x\nid: y\n",
    }
    for name, data in bad.items():
        (base_repo / "incidents/2026" / name).write_bytes(data)
    good = base_repo / INC
    good.write_text(good.read_text().replace("priority: P2", "priority: P3"))
    code, out, err = invoke(base_repo, "validate", "--now", NOW, "--format", "json")
    assert code == 1 and err == ""
    found = {(d["path"].rsplit("/", 1)[-1], d["code"]) for d in json.loads(out)["diagnostics"]}
    assert found == {
        ("INC-2026-0100.yaml", "FIL001"),
        ("INC-2026-0101.yaml", "FIL001"),
        ("INC-2026-0102.yaml", "FIL003"),
        ("INC-2026-0103.yaml", "FIL008"),
        ("INC-2026-0104.yaml", "FIL004"),
        ("INC-2026-0105.yaml", "FIL007"),
        ("INC-2026-0106.yaml", "FIL006"),
        ("INC-2026-0107.yaml", "FIL005"),
        ("INC-2026-0042.yaml", "INC010"),
    }


def test_future_timestamps_follow_now(base_repo: Path) -> None:
    code, out, _ = invoke(base_repo, "validate", "--now", "2026-11-21T10:00:00Z")
    assert code == 1
    assert "INC021 future-timestamp" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "--now", "yesterday"], "--now: 'yesterday' is not an ISO 8601 timestamp"),
        (["validate", "--now", "2026-11-23T12:00:00"], "has no UTC offset"),
        (["validate", "/elsewhere"], "is outside the repository"),
    ],
)
def test_usage_errors_exit_2_without_traceback(
    base_repo: Path, args: list[str], message: str
) -> None:
    code, _, err = invoke(base_repo, *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_not_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "no incident repository found" in result.stderr
    assert "incidentctl init DIR" in result.stderr


def test_missing_policies_one_message(base_repo: Path) -> None:
    for name in ("sla", "services"):
        (base_repo / f"policies/{name}.yaml").unlink()
    code, out, _ = invoke(base_repo, "validate", "--now", NOW)
    assert code == 1
    assert out.count("FIL011") == 1
    assert "policies/sla.yaml, policies/services.yaml" in out


def test_found_from_a_subdirectory(base_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(base_repo / "incidents/2026")
    result = CliRunner().invoke(main, ["validate", "--now", NOW], catch_exceptions=False)
    assert result.exit_code == 0
