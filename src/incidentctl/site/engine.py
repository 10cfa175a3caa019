"""From generated pages to a built site: the configuration, then one engine call.

The engine sits behind ``build()``: MkDocs (Material theme) in-process, or Zensical,
which reads the same ``mkdocs.yml``, as a subprocess. Everything else (pages,
navigation, configuration) is the same for both.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from incidentctl.errors import IncidentctlError
from incidentctl.site.pages import Section

ENGINES = ("mkdocs", "zensical")
DEFAULT_CONFIG = Path(__file__).parent / "default"
SITE_FOLDER = "site"
Progress = Callable[[int, int], None]


class SiteBuildError(IncidentctlError):
    """The site configuration is unusable or the engine failed."""


def config_folder(root: Path) -> Path:
    """The repository's ``site/`` when it has a ``mkdocs.yml``, else the bundled default."""
    folder = root / SITE_FOLDER
    return folder if (folder / "mkdocs.yml").is_file() else DEFAULT_CONFIG


def read_config(folder: Path, rel: str) -> dict[str, Any]:
    """``mkdocs.yml`` as a mapping; a YAML error names the file and line."""
    path = folder / "mkdocs.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise SiteBuildError(
            f"{rel}:{line}: not valid YAML: {exc.problem}",
            "fix the file; `!!python/...` tags are not supported, name extensions by string",
        ) from None
    if not isinstance(data, dict):
        raise SiteBuildError(f"{rel}: must be a mapping of MkDocs settings")
    return data


def write_project(site: Section, root: Path, title: str, work: Path, out: Path) -> tuple[Path, int]:
    """The generated docs folder and its ``mkdocs.yml`` in ``work``; returns the config
    path and the number of Markdown pages written (each as it is made).

    ``site_dir`` is ``out`` for MkDocs; ``build()`` points Zensical elsewhere.
    """
    folder = config_folder(root)
    rel = f"{SITE_FOLDER}/mkdocs.yml" if folder != DEFAULT_CONFIG else "bundled mkdocs.yml"
    config = read_config(folder, rel)
    docs = work / "docs"
    count = 0
    made: set[Path] = set()
    for page in site.pages:
        target = docs / page.path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_text(page.text, encoding="utf-8")
        count += page.path.endswith(".md")
    if (folder / "assets").is_dir():
        shutil.copytree(folder / "assets", docs / "assets", dirs_exist_ok=True)
    theme = config.get("theme") or {}
    theme = {"name": theme} if isinstance(theme, str) else dict(theme)
    custom = theme.get("custom_dir")
    if custom:
        theme["custom_dir"] = str((folder / custom).resolve())
    theme["font"] = False  # never fonts from a CDN: the site must build and read offline
    extensions = config.get("markdown_extensions") or []
    if isinstance(extensions, list) and not any(
        (e if isinstance(e, str) else next(iter(e), "")).endswith("attr_list")
        for e in extensions
        if isinstance(e, str | dict)
    ):
        extensions.append("attr_list")  # incident pages mark sections out of search with it
    config["markdown_extensions"] = extensions
    config.update(
        site_name=title,
        docs_dir="docs",  # relative to mkdocs.yml: Zensical panics on an absolute one
        site_dir=str(out.resolve()),
        nav=site.nav,  # explicit: the automatic nav makes build time quadratic in pages
        use_directory_urls=False,  # plain .html files also read from a file:// folder
        theme=theme,
    )
    path = work / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path, count


def build(
    config: Path,
    engine: str,
    pages: int,
    progress: Progress | None = None,
    streamed: Callable[[str], bool] | None = None,
) -> list[str]:
    """Build the site described by ``config`` into its ``site_dir``; returns engine warnings.

    ``streamed`` chooses, by docs path, the pages MkDocs renders only as it writes them
    (``stream.StreamedPages``): the register's, which would not all fit in memory.
    """
    if engine == "mkdocs":
        return _mkdocs(config, pages, progress, streamed)
    if engine == "zensical":
        return _zensical(config)
    raise SiteBuildError(f"--engine: unknown engine {engine!r}", "use mkdocs or zensical")


def _set_site_dir(config: Path, site_dir: str) -> None:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["site_dir"] = site_dir
    config.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


class _Collect(logging.Handler):
    """Counts pages as MkDocs reads and builds them; keeps its warnings."""

    def __init__(self, pages: int, progress: Progress | None) -> None:
        super().__init__(logging.DEBUG)
        self.done, self.total, self.progress = 0, 2 * pages, progress
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.warnings.append(message)
        elif message.startswith(("Reading: ", "Building page ")):
            self.done += 1
            if self.progress and self.done % 50 == 0:
                self.progress(self.done, self.total)


def _mkdocs(
    config: Path, pages: int, progress: Progress | None, streamed: Callable[[str], bool] | None
) -> list[str]:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    logger = logging.getLogger("mkdocs")
    handler = _Collect(pages, progress)
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    # DEBUG only while counting pages: MkDocs logs one line per page read and built.
    logger.setLevel(logging.DEBUG if progress else logging.WARNING)
    logger.propagate = False
    try:
        loaded = load_config(config_file=str(config))
        if streamed is not None:
            from incidentctl.site.stream import NAME, StreamedPages

            loaded.plugins[NAME] = StreamedPages(streamed)
        mkdocs_build(loaded)
    except MkDocsException as exc:
        raise SiteBuildError(f"mkdocs: {exc}", f"check {SITE_FOLDER}/mkdocs.yml") from None
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
    if progress:
        progress(handler.total, handler.total)
    return handler.warnings


def _zensical(config: Path) -> list[str]:
    # Zensical refuses a site_dir outside the folder of mkdocs.yml: build next to the
    # configuration, then move the result to where it was asked for.
    out = Path(yaml.safe_load(config.read_text(encoding="utf-8"))["site_dir"])
    inner = config.parent / "_site"
    _set_site_dir(config, "_site")
    warnings = _run_zensical(config)
    if out.exists():
        shutil.rmtree(out)
    shutil.move(inner, out)
    return warnings


def _run_zensical(config: Path) -> list[str]:
    command = [sys.executable, "-m", "zensical", "build", "--clean", "-f", str(config)]
    try:
        proc = subprocess.run(
            command, cwd=config.parent, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise SiteBuildError(f"zensical: cannot run: {exc}", "pip install zensical") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        hint = "pip install zensical" if "No module named zensical" in proc.stderr else None
        raise SiteBuildError(f"zensical failed: {' / '.join(tail)}", hint)
    return [line for line in proc.stderr.splitlines() if "warning" in line.lower()]
