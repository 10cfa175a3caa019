"""``site build`` and ``site serve`` as commands: progress, engine choice, serving."""

from __future__ import annotations

import concurrent.futures
import io
import multiprocessing
import os
import socket
import sys
import threading
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from incidentctl.commands import site as site_command
from incidentctl.commands.site import SiteBuildRequest, SiteServeRequest, execute, serve
from incidentctl.errors import UsageError
from incidentctl.site.engine import SiteBuildError
from incidentctl.store.repo import load_repository
from tests.conftest import NOW
from tests.site.conftest import make_site_repo, require_zensical


def test_progress_is_shown_when_asked_and_absent_otherwise(tmp_path: Path) -> None:
    repo = load_repository(make_site_repo(tmp_path / "repo"))
    for progress, out_dir in ((True, "a"), (False, "b")):
        out, err = io.StringIO(), io.StringIO()
        request = SiteBuildRequest(repo, NOW, tmp_path / out_dir, progress=progress)
        assert execute(request, out, err) == 0
        assert ("page steps" in err.getvalue()) is progress
        assert out.getvalue().startswith("site built: ")


def test_the_engine_comes_from_incidentctl_yaml(tmp_path: Path) -> None:
    require_zensical()
    root = make_site_repo(tmp_path / "repo", "site:\n  engine: zensical\n")
    out = tmp_path / "out"
    assert execute(SiteBuildRequest(load_repository(root), NOW, out), io.StringIO()) == 0
    assert "zensical" in (out / "index.html").read_text(encoding="utf-8").lower()


@pytest.mark.parametrize("engine", ["zensical", "mkdocs"])
def test_a_large_zensical_build_is_warned_about_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    if engine == "zensical":
        require_zensical()
    monkeypatch.setattr(site_command, "ZENSICAL_HELD_PAGES", 10)
    repo = load_repository(make_site_repo(tmp_path / "repo"))
    err = io.StringIO()
    assert execute(SiteBuildRequest(repo, NOW, tmp_path / "out", engine), io.StringIO(), err) == 0
    warned = [line for line in err.getvalue().splitlines() if "holds all" in line]
    if engine == "mkdocs":
        assert warned == []  # MkDocs streams the register
    else:
        assert len(warned) == 1
        assert warned[0].startswith("incidentctl: warning: zensical holds all ")
        assert "--engine mkdocs" in warned[0] and "register: false" in warned[0]


def test_serve_builds_then_serves_on_localhost(tmp_path: Path) -> None:
    repo = load_repository(make_site_repo(tmp_path / "repo"))
    request = SiteServeRequest(SiteBuildRequest(repo, NOW), port=0)
    started = threading.Event()
    servers: list[ThreadingHTTPServer] = []

    def ready(httpd: ThreadingHTTPServer) -> None:
        servers.append(httpd)
        started.set()

    out = io.StringIO()
    thread = threading.Thread(target=serve, args=(request, out, io.StringIO(), ready))
    thread.start()
    try:
        assert started.wait(60)
        host, port = servers[0].server_address[:2]
        assert host == "127.0.0.1"
        assert f"serving on http://127.0.0.1:{port}/" in out.getvalue()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/kb/index.html") as response:
            assert b"Knowledge base" in response.read()
    finally:
        if servers:
            servers[0].shutdown()
        thread.join(30)
    assert not thread.is_alive()


def test_a_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    repo = load_repository(make_site_repo(tmp_path / "repo"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        request = SiteServeRequest(SiteBuildRequest(repo, NOW), port=port)
        with pytest.raises(UsageError, match=rf"--port: cannot listen on 127.0.0.1:{port}"):
            serve(request, io.StringIO(), io.StringIO())


@pytest.mark.parametrize(
    ("tty", "ci", "expected"),
    [(True, None, True), (True, "true", False), (False, None, False)],
)
def test_progress_only_on_a_terminal_outside_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tty: bool, ci: str | None, expected: bool
) -> None:
    from incidentctl import cli_site

    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    request = cli_site._request(make_site_repo(tmp_path / "repo"), None, None, None)
    assert isinstance(request, SiteBuildRequest) and request.progress is expected


def test_the_pages_are_generated_by_another_process(
    tmp_path: Path, incident_reads: list[str]
) -> None:
    """What the generation allocates is returned to the system before MkDocs starts:
    this process reads no record, and the register is built all the same."""
    repo = load_repository(make_site_repo(tmp_path / "repo"))
    out = tmp_path / "out"
    assert execute(SiteBuildRequest(repo, NOW, out), io.StringIO(), io.StringIO()) == 0
    assert incident_reads == []
    assert "INC-2026-0042" in (out / "incidents" / "2026" / "INC-2026-0042.html").read_text()


def test_without_worker_processes_the_pages_are_generated_here(
    tmp_path: Path, incident_reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: object, **kwargs: object) -> None:
        raise OSError(38, "Function not implemented")  # no /dev/shm semaphores, say

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", unavailable)
    repo = load_repository(make_site_repo(tmp_path / "repo"))
    out = tmp_path / "out"
    assert execute(SiteBuildRequest(repo, NOW, out), io.StringIO(), io.StringIO()) == 0
    assert "incidents/2026/INC-2026-0042.yaml" in incident_reads
    assert (out / "incidents" / "2026" / "INC-2026-0042.html").is_file()


def test_an_error_in_the_generation_reaches_the_user_whole(tmp_path: Path) -> None:
    root = make_site_repo(tmp_path / "repo")
    (root / "site").mkdir()
    (root / "site" / "mkdocs.yml").write_text("- a list\n- not settings\n")
    request = SiteBuildRequest(load_repository(root), NOW, tmp_path / "out")
    with pytest.raises(SiteBuildError) as raised:
        execute(request, io.StringIO(), io.StringIO())
    assert raised.value.message == "site/mkdocs.yml: must be a mapping of MkDocs settings"
    assert raised.value.hint is None
    (root / "site" / "mkdocs.yml").write_text("theme: [\n")
    with pytest.raises(SiteBuildError) as raised:
        execute(request, io.StringIO(), io.StringIO())
    assert raised.value.message.startswith("site/mkdocs.yml:2: not valid YAML")
    assert raised.value.hint and "!!python/" in raised.value.hint


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork",
    reason="the generation is made to die by a patch, which only a forked child sees",
)
def test_a_generation_process_that_dies_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    test_process = os.getpid()

    def killed(*args: object) -> None:
        assert os.getpid() != test_process, "the pages were generated in the build's process"
        os._exit(137)  # as the kernel's out-of-memory killer leaves it

    monkeypatch.setattr(site_command, "generate_project", killed)
    out = tmp_path / "out"
    request = SiteBuildRequest(load_repository(make_site_repo(tmp_path / "repo")), NOW, out)
    with pytest.raises(SiteBuildError, match="stopped before it finished") as raised:
        execute(request, io.StringIO(), io.StringIO())
    assert raised.value.hint and "memory" in raised.value.hint
    assert not (out / "index.html").exists()
