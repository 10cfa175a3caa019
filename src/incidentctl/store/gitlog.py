"""Reading history in one pass: one ``git log`` stream and one blob reader.

The audit replays every version of every record. Asking git once per file or per
commit would take minutes on a long history, so this module asks twice: one
``git log --first-parent --raw`` lists every commit with the blob IDs of the files
it changed, and one ``git cat-file --batch`` process streams exactly the blobs the
caller asks for, in order. It sits beside ``store/git.py`` and runs git through
the same helper.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from incidentctl.store import git

NULL_SHA = "0" * 40
AUDIT_SHALLOW_HINT = (
    "the audit needs the whole history. In GitHub Actions check out with"
    " `fetch-depth: 0` (actions/checkout: `with: {fetch-depth: 0}`); elsewhere run"
    " `git fetch --unshallow`"
)
# Fields of one commit, separated by NUL like the paths of ``-z``: git refuses NUL in
# names, e-mails and messages, so no subject or path can pass for a field or a commit.
_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%G?", "%s")
_COUNT = len(_FIELDS) + 1  # and the trailers
_TRAILER = "%(trailers:key=Incident-Correction,valueonly,separator=%x1d)"
_PR = re.compile(r"^Merge pull request #(\d+)\b|\(#(\d+)\)\s*$")


@dataclass(frozen=True)
class FileChange:
    """One line of ``--raw``: status ``A``/``M``/``D`` and the blob IDs before and after."""

    status: str
    path: str
    old_blob: str
    new_blob: str


@dataclass(frozen=True)
class Commit:
    """A commit as the audit sees it; ``signature`` is git's ``%G?`` letter (``?`` unchecked)."""

    sha: str
    parents: tuple[str, ...]
    author: str
    author_email: str
    author_date: str
    committer: str
    committer_email: str
    committer_date: str
    signature: str
    subject: str
    corrections: tuple[str, ...]
    changes: tuple[FileChange, ...] = field(default=())

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def pull_request(self) -> int | None:
        """The pull request a merge or squash commit names in its subject, if any."""
        m = _PR.search(self.subject)
        return int(m.group(1) or m.group(2)) if m else None


def require_full_history(root: Path, why: str) -> None:
    """Refuse a shallow clone, whose history stops part-way."""
    git.require_repository(root, why)
    if git.is_shallow(root):
        raise git.ShallowClone(
            f"{why}: this clone is shallow, so its history is incomplete", AUDIT_SHALLOW_HINT
        )


def _log_args(
    revisions: Sequence[str], pathspecs: Sequence[str], first_parent: bool, signatures: bool
) -> list[str]:
    fields = [f if f != "%G?" or signatures else "?" for f in _FIELDS]
    fmt = "%x00".join([*fields, _TRAILER])
    args = ["log", "--reverse", "--raw", "--no-renames", "--no-abbrev", "--relative", "-z"]
    if first_parent:
        args += ["--first-parent", "--diff-merges=first-parent"]
    else:
        args.append("--no-merges")
    return [*args, f"--format={fmt}", *revisions, "--", *pathspecs]


def log(
    root: Path,
    revisions: Sequence[str],
    pathspecs: Sequence[str],
    *,
    first_parent: bool = True,
    signatures: bool = False,
) -> list[Commit]:
    """Every commit of ``revisions`` (oldest first) that changed ``pathspecs``, with changes.

    Along the first parent, a merge's changes are those it brought to the branch
    (its diff against the first parent). Without ``signatures`` no signature is
    checked (``%G?`` runs gpg for each signed commit) and ``signature`` is ``?``.
    """
    args = _log_args(revisions, pathspecs, first_parent, signatures)
    out = git._run(root, args).stdout.decode("utf-8", "surrogateescape")
    return list(_parse(iter(out.split("\0"))))


def iter_log(root: Path, revisions: Sequence[str], *, signatures: bool = False) -> Iterator[Commit]:
    """Like ``log`` along the first parent, with no pathspec, read as git writes it.

    Without a pathspec git computes each commit's diff once, while writing it
    (a pathspec makes it diff every commit a second time to decide what to
    list), and the caller works on early commits while git diffs later ones.
    """
    args = _log_args(revisions, [], True, signatures)
    proc = subprocess.Popen(
        ["git", "-C", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=git._env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    stdout = proc.stdout

    def tokens() -> Iterator[str]:
        tail = b""
        while chunk := stdout.read(1 << 20):
            parts = (tail + chunk).split(b"\0")
            tail = parts.pop()
            for part in parts:
                yield part.decode("utf-8", "surrogateescape")
        if tail:
            yield tail.decode("utf-8", "surrogateescape")

    try:
        yield from _parse(tokens())
    finally:
        proc.stdout.close()
        errors = proc.stderr.read().decode("utf-8", "replace").strip()
        proc.stderr.close()
        code = proc.wait()
    if code != 0:
        raise git.GitError(f"git log failed: {errors or f'exit {code}'}")


class BlobReader:
    """One ``git cat-file --batch`` process: request blobs, then read them in order."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(
            ["git", "-C", str(root), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=git._env(),
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin = self.proc.stdin
        self.stdout = self.proc.stdout

    def request(self, shas: Iterable[str]) -> None:
        """Ask for blobs; git answers in the order asked."""
        self.stdin.write("".join(f"{sha}\n" for sha in shas).encode())
        self.stdin.flush()

    def finish(self) -> None:
        """No more requests: git exits once it has answered them."""
        self.stdin.close()

    def read(self) -> bytes | None:
        """The next answer: a blob's content, or None for a missing object."""
        header = self.stdout.readline().split()
        if len(header) == 3 and header[1] == b"blob":
            return self.stdout.read(int(header[2]) + 1)[:-1]
        if len(header) == 3:
            self.stdout.read(int(header[2]) + 1)
        return None

    def close(self) -> None:
        """Stop reading (git exits on its next write) and wait for git."""
        self.stdout.close()
        self.proc.wait()


def _parse(tokens: Iterator[str]) -> Iterator[Commit]:
    """Commits from the NUL-separated tokens of the log: the fields, then ``--raw`` pairs.

    A raw pair is a ``:<modes> <blobs> <status>`` token and a path token; the first
    follows the fields after a newline. The next commit starts with the first
    token that is not a raw entry (a SHA never starts with ``:``).
    """
    pending: str | None = None
    while True:
        header = [] if pending is None else [pending]
        pending = None
        for token in tokens:
            header.append(token)
            if len(header) == _COUNT:
                break
        if len(header) < _COUNT:
            return
        changes = []
        for token in tokens:
            meta = token.lstrip("\n")
            if not meta.startswith(":"):
                pending = token
                break
            path = next(tokens, "")
            _, _, old, new, status = meta.split(" ")
            changes.append(FileChange(status[0], path, old, new))
        yield _commit(header, changes)
        if pending is None:
            return


def _commit(header: list[str], changes: list[FileChange]) -> Commit:
    sha, parents, an, ae, ad, cn, ce, cd, sig, subject, trailers = header
    corrections = tuple(t.strip() for t in trailers.split("\x1d") if t.strip())
    return Commit(
        sha,
        tuple(parents.split()),
        an,
        ae,
        ad,
        cn,
        ce,
        cd,
        sig,
        subject,
        corrections,
        tuple(changes),
    )


def stream_blobs(root: Path, shas: Sequence[str]) -> Iterator[bytes | None]:
    """The content of each blob in ``shas``, in order, from one ``git cat-file --batch``.

    A thread writes the requests while the caller reads, so neither pipe fills up.
    """
    if not shas:
        return
    reader = BlobReader(root)

    def feed() -> None:
        with contextlib.suppress(OSError):  # git went away: the reads below say so
            reader.request(shas)
            reader.finish()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for _ in shas:
            yield reader.read()
    finally:
        reader.close()
        writer.join()
