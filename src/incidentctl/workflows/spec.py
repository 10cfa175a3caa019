"""What the workflows install: a pip requirement, a git URL, a wheel committed in the
repository, or incidentctl's own source in the repository (``.`` in incidentctl's).

The value is written into each job's ``env:`` as ``INCIDENTCTL_INSTALL`` and the
install step runs ``python -m pip install "${INCIDENTCTL_INSTALL}"``: the shell
passes it to pip as one argument, never as code. So what must be refused here
is what pip would read otherwise than as a requirement (an option, several
lines) and what cannot install incidentctl at all; an install that works but
is not pinned is only warned about, as zizmor does for unpinned actions.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from incidentctl import __version__
from incidentctl.errors import UsageError

DEFAULT_INSTALL = f"incidentctl=={__version__}"
ACCEPTED = (
    "one of: incidentctl==0.1.0 (a release on the package index the runner uses);"
    " git+https://github.com/OWNER/incidentctl@<40-hex commit>;"
    " tools/incidentctl-0.1.0-py3-none-any.whl (a wheel committed in the repository,"
    " made with: pip wheel --no-deps -w tools . in a checkout of incidentctl);"
    " ./vendor/incidentctl (incidentctl's source in the repository; . in incidentctl's own)"
)
VCS_SCHEMES = ("git+https", "git+ssh")
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1, or SHA-256 repositories


@dataclass(frozen=True)
class InstallSpec:
    """A checked install value: its text, its form and whether it names one exact build."""

    text: str
    kind: str  # "requirement", "vcs", "wheel" or "source"
    pinned: bool


def _refuse(option: str, text: str, why: str) -> UsageError:
    # the value is shown with escapes, so a newline or a control character is visible
    shown = repr(text)
    return UsageError(f"{option} {shown}: {why}", ACCEPTED)


def parse_install(text: str, option: str = "--install") -> InstallSpec:
    """Check an install value; a ``UsageError`` naming ``option`` says why it cannot be used."""
    if not text.strip():
        raise _refuse(option, text, "is empty")
    bad = next((c for c in text if not c.isprintable() and c != " "), None)
    if bad is not None:
        # a line break would end the YAML value or start a second pip argument list
        raise _refuse(option, text, f"contains the control character U+{ord(bad):04X}")
    if text != text.strip():
        raise _refuse(option, text, "starts or ends with a space")
    if text.startswith("-"):
        raise _refuse(option, text, "starts with '-', so pip would read it as an option")
    if text.startswith("git+"):
        return InstallSpec(text, "vcs", _vcs_pinned(option, text, text))
    if "://" not in text and text.lower().endswith(".whl"):
        return _wheel(option, text)
    if text == "." or text.startswith("./"):
        return _source(option, text)
    return _requirement(option, text)


def _vcs_pinned(option: str, text: str, url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in VCS_SCHEMES or not parts.netloc or parts.path in ("", "/"):
        raise _refuse(
            option, text, f"a git URL must start with {' or '.join(VCS_SCHEMES)}:// and name a host"
        )
    if " " in url:
        raise _refuse(option, text, "a URL cannot contain spaces")
    last = parts.path.rsplit("/", 1)[-1]
    ref = last.rpartition("@")[2] if "@" in last else ""
    return bool(_COMMIT.fullmatch(ref))


def _wheel(option: str, text: str) -> InstallSpec:
    path = PurePosixPath(text)
    if "\\" in text:
        raise _refuse(option, text, "write the wheel's path with '/' (the runner is Linux)")
    if path.is_absolute() or text.startswith("~") or ".." in path.parts:
        raise _refuse(
            option, text, "a wheel must be a path inside the repository, relative to its root"
        )
    try:
        name = parse_wheel_filename(path.name)[0]
    except InvalidWheelFilename:
        raise _refuse(option, text, f"{path.name} is not a wheel's file name") from None
    if name != "incidentctl":
        raise _refuse(option, text, f"the wheel is {name}, not incidentctl")
    return InstallSpec(text, "wheel", pinned=True)


def _source(option: str, text: str) -> InstallSpec:
    """A folder of the repository holding incidentctl's source: the checkout is the pin."""
    path = PurePosixPath(text)
    if "\\" in text:
        raise _refuse(option, text, "write the folder's path with '/' (the runner is Linux)")
    if ".." in path.parts:
        raise _refuse(option, text, "the source must be a folder inside the repository")
    return InstallSpec(text, "source", pinned=True)


def _requirement(option: str, text: str) -> InstallSpec:
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise _refuse(option, text, f"not a pip requirement ({exc})") from None
    if canonicalize_name(req.name) != "incidentctl":
        raise _refuse(option, text, f"installs {req.name}, not incidentctl")
    if req.url is not None:
        if req.url.startswith("git+"):
            return InstallSpec(text, "vcs", _vcs_pinned(option, text, req.url))
        return InstallSpec(text, "requirement", pinned="sha256=" in req.url)
    exact = [s for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    return InstallSpec(text, "requirement", pinned=len(exact) == 1)


def install_warnings(spec: InstallSpec, root: Path, option: str = "--install") -> list[str]:
    """What is worth saying about a usable value: not pinned, or a wheel not in ``root`` yet."""
    found = []
    if not spec.pinned:
        if spec.kind == "vcs":
            found.append(
                f"{option} {spec.text} is not pinned to a commit: each run installs what the"
                " branch or tag names then; use the full 40-hex commit SHA after '@'"
            )
        else:
            found.append(
                f"{option} {spec.text} is not pinned: each run may install another version;"
                " use incidentctl==VERSION"
            )
    if spec.kind == "source" and not _is_incidentctl_source(root / spec.text):
        found.append(
            f"{option}: {spec.text} does not hold incidentctl's source (a pyproject.toml"
            " naming incidentctl): put it there, e.g. as a git submodule, and commit it"
        )
    if spec.kind == "wheel" and not (root / spec.text).is_file():
        found.append(
            f"{option}: {spec.text} is not in {root} yet: put the wheel there"
            " (pip wheel --no-deps -w tools . in a checkout of incidentctl) and commit it"
        )
    return found


def _is_incidentctl_source(folder: Path) -> bool:
    try:
        with (folder / "pyproject.toml").open("rb") as fh:
            project = tomllib.load(fh).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return isinstance(project, dict) and project.get("name") == "incidentctl"
