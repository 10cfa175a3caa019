"""What --install accepts: a requirement, a git URL, a committed wheel; what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidentctl import __version__
from incidentctl.errors import UsageError
from incidentctl.workflows.spec import (
    DEFAULT_INSTALL,
    install_warnings,
    parse_install,
)

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("text", "kind", "pinned"),
    [
        (f"incidentctl=={__version__}", "requirement", True),
        ("incidentctl===0.1.0", "requirement", True),
        ("incidentctl>=0.1", "requirement", False),
        ("incidentctl", "requirement", False),
        ("Incidentctl==0.1.*", "requirement", False),
        (f"git+https://github.com/acme/incidentctl@{SHA}", "vcs", True),
        (f"git+https://github.com/acme/incidentctl@{SHA}#egg=incidentctl", "vcs", True),
        (f"git+ssh://git@github.com/acme/incidentctl@{SHA}", "vcs", True),
        ("git+https://github.com/acme/incidentctl@main", "vcs", False),
        ("git+https://github.com/acme/incidentctl@v0.1.0", "vcs", False),
        ("git+https://github.com/acme/incidentctl", "vcs", False),
        (f"git+https://github.com/acme/incidentctl@{SHA[:12]}", "vcs", False),
        (f"incidentctl @ git+https://github.com/acme/incidentctl@{SHA}", "vcs", True),
        ("incidentctl @ git+https://github.com/acme/incidentctl@main", "vcs", False),
        ("tools/incidentctl-0.1.0-py3-none-any.whl", "wheel", True),
        ("./incidentctl-0.1.0-py3-none-any.whl", "wheel", True),
        ('tools/ünï "q" #1/incidentctl-0.1.0-py3-none-any.whl', "wheel", True),
        (".", "source", True),
        ("./vendor/incidentctl", "source", True),
    ],
)
def test_accepted_forms(text: str, kind: str, pinned: bool) -> None:
    spec = parse_install(text)
    assert (spec.text, spec.kind, spec.pinned) == (text, kind, pinned)


def test_the_default_is_this_release() -> None:
    assert f"incidentctl=={__version__}" == DEFAULT_INSTALL
    assert parse_install(DEFAULT_INSTALL).pinned


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("incidentctl==0.1.0\nrm -rf /", "control character U+000A"),
        ("incidentctl==0.1.0\r", "control character U+000D"),
        ("incidentctl==0.1.0\u2028", "control character U+2028"),
        (" incidentctl==0.1.0", "starts or ends with a space"),
        ("--index-url=https://evil.example/simple", "pip would read it as an option"),
        ("-e .", "pip would read it as an option"),
        ("requests==2.0", "installs requests, not incidentctl"),
        ("incidentctl=>0.1", "not a pip requirement"),
        ("git+http://github.com/acme/incidentctl@main", "must start with git+https"),
        ("git+https:///incidentctl", "must start with git+https"),
        ("git+https://github.com/acme/incidentctl@main x", "cannot contain spaces"),
        ("/opt/incidentctl-0.1.0-py3-none-any.whl", "a path inside the repository"),
        ("../incidentctl-0.1.0-py3-none-any.whl", "a path inside the repository"),
        ("~/incidentctl-0.1.0-py3-none-any.whl", "a path inside the repository"),
        ("tools\\incidentctl-0.1.0-py3-none-any.whl", "with '/'"),
        ("tools/incidentctl.whl", "not a wheel's file name"),
        ("tools/requests-2.0-py3-none-any.whl", "the wheel is requests"),
        ("./../incidentctl", "a folder inside the repository"),
        ("./vendor\\incidentctl", "with '/'"),
    ],
)
def test_refused_values_name_the_option_and_the_accepted_forms(text: str, why: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_install(text)
    assert caught.value.message.startswith(f"--install {text!r}: ")
    assert why in caught.value.message
    hint = caught.value.hint or ""
    assert "incidentctl==0.1.0" in hint and "git+https://" in hint and ".whl" in hint


@given(st.text(max_size=60))
def test_whatever_is_accepted_is_one_printable_line_that_is_no_option(text: str) -> None:
    try:
        spec = parse_install(text)
    except UsageError:
        return
    assert spec.text == text and text == text.strip() and not text.startswith("-")
    assert all(c.isprintable() for c in text)


def test_warnings_for_an_unpinned_install_and_a_wheel_not_committed_yet(tmp_path: Path) -> None:
    assert install_warnings(parse_install(DEFAULT_INSTALL), tmp_path) == []
    [branch] = install_warnings(parse_install("git+https://h.example/a/incidentctl@main"), tmp_path)
    assert "is not pinned to a commit" in branch and "40-hex commit SHA" in branch
    [loose] = install_warnings(parse_install("incidentctl>=0.1"), tmp_path)
    assert "use incidentctl==VERSION" in loose
    wheel = parse_install("tools/incidentctl-0.1.0-py3-none-any.whl")
    [missing] = install_warnings(wheel, tmp_path)
    assert "is not in" in missing and "pip wheel --no-deps -w tools ." in missing
    (tmp_path / "tools").mkdir()
    (tmp_path / wheel.text).write_bytes(b"PK")
    assert install_warnings(wheel, tmp_path) == []


def test_a_source_folder_is_warned_about_until_it_holds_incidentctl(tmp_path: Path) -> None:
    spec = parse_install("./vendor/incidentctl")
    [missing] = install_warnings(spec, tmp_path)
    assert "does not hold incidentctl's source" in missing
    (tmp_path / "vendor/incidentctl").mkdir(parents=True)
    (tmp_path / "vendor/incidentctl/pyproject.toml").write_text('[project]\nname = "other"\n')
    assert len(install_warnings(spec, tmp_path)) == 1
    (tmp_path / "vendor/incidentctl/pyproject.toml").write_text('[project]\nname = "incidentctl"\n')
    assert install_warnings(spec, tmp_path) == []
    # this repository is incidentctl's own source: its workflows install "."
    root = Path(__file__).resolve().parents[2]
    assert install_warnings(parse_install("."), root) == []
