"""store/git.py against real repositories built with the git CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from incidentctl.store import git
from incidentctl.store.cache import digest
from tests.gitrepo import GIT_ENV, GitRepo, git_env, incident_text  # noqa: F401

pytestmark = pytest.mark.usefixtures("git_env")
INC = "incidents/2026/INC-2026-0042.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo.create(tmp_path / "repo")


def test_is_repository(repo: GitRepo, tmp_path: Path) -> None:
    assert git.is_repository(repo.root)
    plain = tmp_path / "plain"
    plain.mkdir()
    assert not git.is_repository(plain)
    with pytest.raises(git.GitError, match="needs a git repository"):
        git.require_repository(plain, "validate --base")


def test_resolve_branch_tag_sha_and_unknown(repo: GitRepo) -> None:
    sha = repo.git("rev-parse", "HEAD")
    repo.git("tag", "v1")
    assert git.resolve_commit(repo.root, "main") == sha
    assert git.resolve_commit(repo.root, "v1") == sha
    assert git.resolve_commit(repo.root, sha[:10]) == sha
    assert git.resolve_commit(repo.root, "no-such-branch") is None
    assert git.resolve_commit(repo.root, "--all") is None


def test_diff_names_committed_uncommitted_and_untracked(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("switch", "--quiet", "-c", "work")
    repo.replace(INC, "title: Payroll", "title: The payroll")
    repo.write("incidents/2026/INC-2026-0043.yaml", "id: x\n")
    repo.git("rm", "--quiet", "kb/KB-0007-payroll-export-times-out.md")
    repo.commit("work")
    committed = git.diff_names(repo.root, base, "HEAD", ("incidents", "kb"))
    assert sorted((c.status, c.path) for c in committed) == [
        ("A", "incidents/2026/INC-2026-0043.yaml"),
        ("D", "kb/KB-0007-payroll-export-times-out.md"),
        ("M", INC),
    ]
    repo.write("policies/priority.yaml", repo.read("policies/priority.yaml") + "\n")
    repo.write("incidents/2026/INC-2026-0044.yaml", "id: y\n")
    working = git.diff_names(repo.root, "HEAD", None, ("policies",))
    assert working == [git.Change("M", "policies/priority.yaml")]
    # both sides' blob IDs, where git has them (a working-tree file is not hashed)
    ids = {c.path: (c.old, c.new) for c in committed}
    assert ids[INC] == (
        repo.git("rev-parse", f"{base}:{INC}"),
        repo.git("rev-parse", f"HEAD:{INC}"),
    )
    assert ids["incidents/2026/INC-2026-0043.yaml"][0] == ""
    assert ids["kb/KB-0007-payroll-export-times-out.md"][1] == ""
    assert working[0].old == repo.git("rev-parse", "HEAD:policies/priority.yaml")
    assert working[0].new == ""
    assert git.untracked(repo.root, ("incidents",)) == ["incidents/2026/INC-2026-0044.yaml"]


def test_read_blobs_by_id_where_given(repo: GitRepo) -> None:
    oid = repo.git("rev-parse", f"HEAD:{INC}")
    found = git.read_blobs(
        repo.root, [("no-such-rev", INC), ("HEAD", INC)], {("no-such-rev", INC): oid}
    )
    assert found[("no-such-rev", INC)] == found[("HEAD", INC)] == (repo.root / INC).read_bytes()


def test_renames_are_a_deletion_and_an_addition(repo: GitRepo) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.git("mv", INC, "incidents/2026/INC-2026-0099.yaml")
    repo.commit("rename")
    changes = git.diff_names(repo.root, base, "HEAD")
    assert {(c.status, c.path) for c in changes} == {
        ("D", INC),
        ("A", "incidents/2026/INC-2026-0099.yaml"),
    }


def test_read_blobs_in_one_batch(repo: GitRepo) -> None:
    first = repo.git("rev-parse", "HEAD")
    repo.replace(INC, "urgency: high", "urgency: low")
    second = repo.commit("edit")
    blobs = git.read_blobs(
        repo.root, [(first, INC), (second, INC), (second, "missing.yaml"), (first, "incidents")]
    )
    assert b"urgency: high" in (blobs[(first, INC)] or b"")
    assert b"urgency: low" in (blobs[(second, INC)] or b"")
    assert blobs[(second, "missing.yaml")] is None
    assert blobs[(first, "incidents")] is None  # a tree, not a file
    assert git.read_blobs(repo.root, []) == {}


def test_tree_names_and_merge_base(repo: GitRepo) -> None:
    root_commit = repo.git("rev-parse", "HEAD")
    repo.git("switch", "--quiet", "-c", "side")
    repo.write("incidents/2026/INC-2026-0043.yaml", "id: x\n")
    repo.commit("side")
    assert git.merge_base(repo.root, "main", "side") == root_commit
    assert git.tree_names(repo.root, "side", "incidents") == [
        INC,
        "incidents/2026/INC-2026-0043.yaml",
    ]
    assert git.tree_names(repo.root, "main", "incidents") == [INC]


def test_paths_are_relative_to_an_incident_repository_in_a_subfolder(tmp_path: Path) -> None:
    outer = GitRepo.create(tmp_path / "outer", template=None)
    outer.write("README.md", "outer\n")
    GitRepo(outer.root / "ops").write("incidents/2026/INC-2026-0001.yaml", "id: a\n")
    base = outer.commit("add")
    outer.write("ops/incidents/2026/INC-2026-0002.yaml", "id: b\n")
    outer.commit("more")
    sub = outer.root / "ops"
    assert git.diff_names(sub, base, "HEAD", ("incidents",)) == [
        git.Change("A", "incidents/2026/INC-2026-0002.yaml")
    ]
    assert git.tree_names(sub, "HEAD", "incidents") == [
        "incidents/2026/INC-2026-0001.yaml",
        "incidents/2026/INC-2026-0002.yaml",
    ]
    assert git.read_blobs(sub, [("HEAD", "incidents/2026/INC-2026-0002.yaml")]) == {
        ("HEAD", "incidents/2026/INC-2026-0002.yaml"): b"id: b\n"
    }
    outer.write("ops/incidents/2026/INC-2026-0001.yaml", "id: changed\n")
    rels = ["incidents/2026/INC-2026-0001.yaml", "incidents/2026/INC-2026-0002.yaml"]
    assert git.checked_out_blobs(sub, rels) == {rels[1]: digest("id: b\n")}


def test_shallow_clone_is_detected(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("extra.txt", "x\n")
    repo.commit("second")
    clone = tmp_path / "clone"
    GitRepo(tmp_path).git("clone", "--quiet", "--depth", "1", f"file://{repo.root}", str(clone))
    assert git.is_shallow(clone)
    assert not git.is_shallow(repo.root)


def test_branch_commit_and_identity(repo: GitRepo) -> None:
    assert git.config_value(repo.root, "user.email") == "test@example.com"
    assert git.config_value(repo.root, "no.such-key") is None
    git.create_branch(repo.root, "inc/ack")
    assert repo.git("branch", "--show-current") == "inc/ack"
    with pytest.raises(git.GitError, match="already exists"):
        git.create_branch(repo.root, "inc/ack")
    with pytest.raises(git.GitError, match="not a valid branch name"):
        git.create_branch(repo.root, "bad..name")
    repo.replace(INC, "urgency: high", "urgency: low")
    repo.write("unrelated.txt", "stays uncommitted\n")
    sha = git.commit_files(repo.root, [INC], "INC-2026-0042: lower urgency")
    assert repo.git("log", "-1", "--format=%H %s") == f"{sha} INC-2026-0042: lower urgency"
    assert repo.git("status", "--porcelain") == "?? unrelated.txt"


def test_push_to_a_remote(repo: GitRepo, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    GitRepo(tmp_path).git("init", "--quiet", "--bare", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    git.create_branch(repo.root, "inc/x")
    git.push(repo.root, "inc/x")
    assert GitRepo(remote).git("branch", "--list", "inc/x").strip() == "inc/x"


OTHER = "incidents/2026/INC-2026-0050.yaml"


@pytest.fixture
def clone(repo: GitRepo, tmp_path: Path) -> GitRepo:
    """A fresh clone of a repository of two incidents: every file as checked out."""
    repo.write(OTHER, incident_text())
    repo.commit("another")
    subprocess.run(
        ["git", "clone", "--quiet", str(repo.root), str(tmp_path / "clone")],
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return GitRepo(tmp_path / "clone")


def test_checked_out_files_are_known_by_their_blob_ids_which_are_their_digests(
    clone: GitRepo,
) -> None:
    found = git.checked_out_blobs(clone.root, [INC, OTHER, "incidents/2026/INC-2026-0099.yaml"])
    assert found == {rel: digest(clone.read(rel)) for rel in (INC, OTHER)}
    assert found[INC] == clone.git("hash-object", INC)
    assert git.checked_out_blobs(clone.root, []) == {}


def test_a_file_changed_since_checkout_is_not_known(clone: GitRepo) -> None:
    clone.replace(OTHER, "priority: P3", "priority: P2")
    assert git.checked_out_blobs(clone.root, [INC, OTHER]).keys() == {INC}
    clone.replace(OTHER, "priority: P2", "priority: P3")  # as stored again: git compares
    assert git.checked_out_blobs(clone.root, [INC, OTHER]).keys() == {INC, OTHER}


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_files_git_does_not_look_at_are_not_known(clone: GitRepo, flag: str) -> None:
    clone.git("update-index", flag, OTHER)
    clone.replace(OTHER, "priority: P3", "priority: P2")  # git would not see this
    assert git.checked_out_blobs(clone.root, [INC, OTHER]).keys() == {INC}


@pytest.mark.parametrize(
    "setting",
    [
        ("core.autocrlf", "true"),
        ("core.eol", "crlf"),
        ("core.trustctime", "false"),
        ("core.checkStat", "minimal"),
        ("core.ignoreStat", "true"),
    ],
)
def test_settings_that_convert_or_relax_the_stat_checks_make_every_file_read(
    clone: GitRepo, setting: tuple[str, str]
) -> None:
    assert git.checked_out_blobs(clone.root, [INC, OTHER]).keys() == {INC, OTHER}
    clone.git("config", *setting)
    assert git.checked_out_blobs(clone.root, [INC, OTHER]) == {}


@pytest.mark.parametrize(
    ("attributes", "known"),
    [
        ("*.yaml text eol=lf\n", {INC, OTHER}),
        ("*.yaml -text\n", {INC, OTHER}),
        ("*.yaml text\n", {INC, OTHER}),
        (f"{OTHER} eol=crlf\n", {INC}),
        (f"{OTHER} filter=lfs\n", {INC}),
        (f"{OTHER} ident\n", {INC}),
        (f"{OTHER} working-tree-encoding=UTF-16\n", {INC}),
    ],
)
def test_files_whose_attributes_convert_them_are_not_known(
    clone: GitRepo, attributes: str, known: set[str]
) -> None:
    clone.write(".gitattributes", attributes)
    assert git.checked_out_blobs(clone.root, [INC, OTHER]).keys() == known


def test_outside_a_work_tree_nothing_is_known(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "incidents/2026").mkdir(parents=True)
    (plain / INC).write_text("id: INC-2026-0042\n")
    assert git.checked_out_blobs(plain, [INC]) == {}
