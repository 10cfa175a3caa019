"""Every git call incidentctl makes: the only module that runs git.

The git command line is used through ``subprocess`` rather than GitPython: it is
faster for the few, batched questions asked here (one ``diff``, one ``ls-tree``,
one ``cat-file --batch`` for all the blobs), and its messages are what users
know. Paths given and returned are relative to ``root`` (the incident
repository, which may be a folder inside a larger git repository).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from incidentctl.errors import IncidentctlError

SHALLOW_HINT = (
    "the pull-request check needs the history back to the merge base. In GitHub Actions,"
    " check out with `fetch-depth: 0` (actions/checkout: `with: {fetch-depth: 0}`);"
    " elsewhere run `git fetch --unshallow` (or fetch the base branch, e.g."
    " `git fetch origin main`)"
)


class GitError(IncidentctlError):
    """git is missing, the folder is not a repository, or a git command failed."""


class ShallowClone(GitError):
    """The clone lacks the history a command needs."""


@dataclass(frozen=True)
class Change:
    """One entry of ``git diff``: ``A``dded, ``M``odified or ``D``eleted, with the blob
    object IDs of both sides ("" for a side without one: an added file's base, a
    deleted file's head, a working-tree file git has not hashed)."""

    status: str
    path: str
    old: str = field(default="", compare=False)
    new: str = field(default="", compare=False)


def _env() -> dict[str, str]:
    # Messages in English so that they can be recognised; never wait for a password.
    return {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}


def _run(
    root: Path, args: Sequence[str], *, stdin: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            input=stdin,
            capture_output=True,
            env=_env(),
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)", "install git") from None
    if check and proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
        raise GitError(f"git {args[0]} failed: {detail}")
    return proc


def _out(root: Path, *args: str) -> str:
    return _run(root, args).stdout.decode("utf-8", "replace").strip()


def is_repository(root: Path) -> bool:
    """Whether ``root`` is inside a git work tree."""
    proc = _run(root, ["rev-parse", "--is-inside-work-tree"], check=False)
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


def require_repository(root: Path, why: str) -> None:
    """Raise a clear error unless ``root`` is inside a git work tree."""
    if not is_repository(root):
        raise GitError(
            f"{why} needs a git repository, and {root} is not inside one",
            "run it in a clone of the incident repository",
        )


def is_shallow(root: Path) -> bool:
    """Whether the clone is shallow (``git clone --depth``, GitHub Actions' default)."""
    return _out(root, "rev-parse", "--is-shallow-repository") == "true"


def resolve_commit(root: Path, ref: str) -> str | None:
    """The commit a branch, tag or SHA names, or None if there is no such revision."""
    if ref.startswith("-"):
        return None
    proc = _run(root, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False)
    return _first_line(proc)


def merge_base(root: Path, a: str, b: str) -> str | None:
    """The best common ancestor of two commits, or None when they share no history."""
    return _first_line(_run(root, ["merge-base", a, b], check=False))


def _first_line(proc: subprocess.CompletedProcess[bytes]) -> str | None:
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip() or None


def diff_names(
    root: Path, base: str, head: str | None, folders: Iterable[str] = ()
) -> list[Change]:
    """Files that differ between ``base`` and ``head`` (the working tree when None).

    Renames are reported as a deletion and an addition, so that the caller decides
    what a move means. The blob IDs let the caller read either side by ID: a
    ``rev:path`` look-up scans the path's folder tree, entry by entry (50,000 of them
    in a year of a large repository).
    """
    args = ["diff", "--raw", "--no-abbrev", "-z", "--no-renames", "--no-ext-diff", "--relative"]
    args.append(base)
    if head is not None:
        args.append(head)
    args += ["--", *folders]
    fields = _run(root, args).stdout.decode("utf-8", "surrogateescape").split("\0")
    changes = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split(" ")  # ":<mode> <mode> <old id> <new id> <status>"
        if len(parts) == 5 and parts[4]:
            old, new = (oid if oid.strip("0") else "" for oid in parts[2:4])
            changes.append(Change(parts[4][0], path, old, new))
    return changes


def untracked(root: Path, folders: Iterable[str] = ()) -> list[str]:
    """Files in the working tree that git does not track (and does not ignore)."""
    out = _run(root, ["ls-files", "--others", "--exclude-standard", "-z", "--", *folders]).stdout
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def tree_names(root: Path, rev: str, folder: str) -> list[str]:
    """Every file under ``folder`` in the tree of ``rev``."""
    out = _run(root, ["ls-tree", "-r", "-z", "--name-only", rev, "--", folder]).stdout
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def tree_entries(root: Path, rev: str, paths: Sequence[str]) -> list[str]:
    """Which of ``paths`` the tree of ``rev`` holds, and the entries of folders ending in ``/``.

    Not recursive: asking for ``incidents/`` lists the year folders, and asking for
    exact file paths costs a look-up each, however many files the tree holds.
    """
    if not paths:
        return []
    out = _run(root, ["ls-tree", "-z", "--name-only", rev, "--", *paths]).stdout
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def tree_blobs(root: Path, rev: str, paths: Sequence[str]) -> dict[str, str]:
    """Every file under ``paths`` in the tree of ``rev``: path -> blob object ID (one ``ls-tree``).

    Reading blobs by object ID is what makes a snapshot of a large folder fast: a
    ``rev:path`` look-up scans the folder's tree entry by entry, for every file.
    """
    out = _run(root, ["ls-tree", "-r", "-z", rev, "--", *paths]).stdout
    found: dict[str, str] = {}
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = record.partition("\t")
        fields = meta.split(" ")
        if path and len(fields) == 3 and fields[1] == "blob":
            found[path] = fields[2]
    return found


def read_objects(root: Path, oids: Sequence[str]) -> list[bytes | None]:
    """The content of each blob, by object ID, in one ``git cat-file --batch``."""
    if not oids:
        return []
    out = _run(root, ["cat-file", "--batch"], stdin="".join(f"{o}\n" for o in oids).encode()).stdout
    found: list[bytes | None] = []
    pos = 0
    for _ in oids:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) == 3:
            size = int(header[2])
            found.append(out[pos : pos + size] if header[1] == b"blob" else None)
            pos += size + 1
        else:  # "<oid> missing"
            found.append(None)
    return found


def read_blobs(
    root: Path, wanted: Sequence[tuple[str, str]], ids: Mapping[tuple[str, str], str] | None = None
) -> dict[tuple[str, str], bytes | None]:
    """The content of each (revision, path) in one ``git cat-file --batch``; None if
    missing. ``ids`` gives the blob ID of some (read by ID: no look-up in a tree)."""
    if not wanted:
        return {}
    ids = ids or {}
    request = "".join(f"{ids.get((rev, path)) or f'{rev}:./{path}'}\n" for rev, path in wanted)
    stdin = request.encode("utf-8", "surrogateescape")
    out = _run(root, ["cat-file", "--batch"], stdin=stdin).stdout
    found: dict[tuple[str, str], bytes | None] = {}
    pos = 0
    for key in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[key] = out[pos : pos + size]
            pos += size + 1
        else:  # "<spec> missing", or not a file
            if len(header) == 3:
                pos += int(header[2]) + 1
            found[key] = None
    return found


def checked_out_blobs(root: Path, rels: Sequence[str]) -> dict[str, str]:
    """Of the files ``rels``, those that git finds unchanged since they were checked
    out and that checkout wrote as stored: path -> blob object ID. A file's bytes are
    then the blob's, without reading them (a fresh clone: 100,000 files in well under a
    second instead of seconds of hashing).

    Nothing is taken on trust that git's own settings may weaken: none at all when
    ``core.autocrlf`` converts line ends, or when the stat checks are relaxed
    (``core.trustctime``, ``core.checkStat``, ``core.ignoreStat``); never a file marked
    assume-unchanged or skip-worktree, in conflict, or a symbolic link; never a file
    whose attributes convert it (``eol=crlf``, ``text`` with ``core.eol=crlf``,
    ``filter``, ``working-tree-encoding``, ``ident``). Empty when git cannot tell.
    """
    wanted = set(rels)
    if not wanted or not _stat_checks_kept(root):
        return {}
    folders = sorted({rel.partition("/")[0] for rel in rels})  # one pathspec, not 100,000
    listed = _run(root, ["ls-files", "-s", "-v", "-z", "--", *folders], check=False)
    dirty = _run(
        root, ["diff-files", "--name-only", "--relative", "-z", "--", *folders], check=False
    )
    if listed.returncode != 0 or dirty.returncode != 0:
        return {}
    changed = set(dirty.stdout.decode("utf-8", "surrogateescape").split("\0"))
    entries = _TRACKED.findall(listed.stdout.decode("utf-8", "surrogateescape"))
    found = {path: blob for blob, path in entries if path in wanted and path not in changed}
    return _unconverted(root, found)


# an entry of ``ls-files -s -v -z``: tag "H" (tracked, no flag), a regular file, the
# object, stage 0 (not in conflict), the path; one pattern for 100,000 entries
_TRACKED = re.compile(r"(?:^|(?<=\0))H 100(?:644|755) ([0-9a-f]+) 0\t([^\0]*)\0")


_CONVERTING = ("text", "eol", "filter", "working-tree-encoding", "ident")


def _stat_checks_kept(root: Path) -> bool:
    """Whether git's settings keep its stat checks whole and check out text as stored
    (line ends as LF: ``core.eol`` is what a ``text`` attribute converts to)."""
    proc = _run(root, ["config", "-z", "--get-regexp", r"^core\."], check=False)
    if proc.returncode not in (0, 1):  # 1: no such setting
        return False
    values = {}
    for item in proc.stdout.decode("utf-8", "replace").split("\0"):
        key, _, value = item.partition("\n")
        values[key.lower()] = value.strip().lower()
    native = "crlf" if os.name == "nt" else "lf"
    return (
        values.get("core.autocrlf", "false") in (*_FALSE, "input")
        and values.get("core.trustctime", "true") in _TRUE
        and values.get("core.checkstat", "default") == "default"
        and values.get("core.ignorestat", "false") in _FALSE
        and values.get("core.eol", "native").replace("native", native) == "lf"
    )


_TRUE = ("true", "yes", "on", "1", "")  # a key written alone is true
_FALSE = ("false", "no", "off", "0")


def _unconverted(root: Path, found: dict[str, str]) -> dict[str, str]:
    """``found`` less the files whose attributes make checkout convert them."""
    if not found:
        return found
    request = "".join(f"{p}\0" for p in found).encode("utf-8", "surrogateescape")
    # -a: only the attributes set for a path are printed (none, most often)
    proc = _run(root, ["check-attr", "-a", "-z", "--stdin"], stdin=request, check=False)
    if proc.returncode != 0:
        return {}
    fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    converted = set()
    for path, attr, value in zip(fields[0::3], fields[1::3], fields[2::3], strict=False):
        if attr not in _CONVERTING or value in ("unspecified", "unset"):
            continue
        if attr == "eol" and value == "lf":
            continue  # checked out as stored (LF; a stored CRLF is left as it is)
        if attr == "text":
            continue  # normalised when added; checkout converts only by eol (above)
        converted.add(path)
    return {p: b for p, b in found.items() if p not in converted}


def config_value(root: Path, key: str) -> str | None:
    """A git configuration value (``user.email``), or None when unset."""
    proc = _run(root, ["config", "--get", key], check=False)
    return proc.stdout.decode("utf-8", "replace").strip() or None


def branch_exists(root: Path, name: str) -> bool:
    return (
        _run(
            root, ["rev-parse", "--verify", "--quiet", f"refs/heads/{name}"], check=False
        ).returncode
        == 0
    )


def create_branch(root: Path, name: str) -> None:
    """Create ``name`` at HEAD and switch to it (uncommitted changes come along)."""
    if _run(root, ["check-ref-format", "--branch", name], check=False).returncode != 0:
        raise GitError(f"--branch: {name!r} is not a valid branch name")
    if branch_exists(root, name):
        raise GitError(
            f"--branch: the branch {name} already exists",
            "choose another name, or switch to it and run without --branch",
        )
    _run(root, ["switch", "--quiet", "-c", name])


def commit_files(root: Path, paths: Sequence[str], message: str) -> str:
    """Commit exactly ``paths`` (whatever else is staged stays staged); returns the SHA."""
    _run(root, ["add", "--", *paths])
    proc = _run(root, ["commit", "--quiet", "-m", message, "--", *paths], check=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip()
        hint = None
        if "tell me who you are" in detail.lower() or "user.email" in detail:
            hint = 'set your identity: git config user.email "you@example.com"'
        raise GitError(f"git commit failed: {detail.splitlines()[0] if detail else ''}", hint)
    return _out(root, "rev-parse", "HEAD")


def push(root: Path, branch: str, remote: str = "origin") -> None:
    """Push ``branch`` to ``remote`` and set it as the upstream."""
    _run(root, ["push", "--quiet", "-u", remote, branch])


def remote_branch_exists(root: Path, branch: str, remote: str = "origin") -> bool:
    """Whether ``remote`` has the branch (asks the remote: not what was last fetched)."""
    proc = _run(root, ["ls-remote", "--exit-code", "--heads", remote, branch], check=False)
    if proc.returncode not in (0, 2):  # 2: no such branch; anything else: no remote
        detail = proc.stderr.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
        raise GitError(f"git ls-remote {remote} failed: {detail}")
    return proc.returncode == 0


def fetch_branch(root: Path, branch: str, remote: str = "origin") -> str:
    """Fetch ``branch`` from ``remote`` into its remote-tracking ref; returns the ref."""
    ref = f"refs/remotes/{remote}/{branch}"
    _run(root, ["fetch", "--quiet", remote, f"+refs/heads/{branch}:{ref}"])
    return ref
