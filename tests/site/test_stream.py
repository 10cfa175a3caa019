"""Streamed pages: rendered as MkDocs writes them, dropped after, and the same HTML."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from incidentctl.site.stream import NAME, StreamedPages


def chosen(path: str) -> bool:
    return path.startswith("many/")


class Watch(BasePlugin):  # type: ignore[type-arg]
    """Records what the chosen pages hold between MkDocs' read and write passes."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: list[Page] = []
        self.after_read: dict[str, str] = {}

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        for file in files.documentation_pages():
            if file.page is not None and chosen(file.src_uri):
                self.pages.append(file.page)
                self.after_read[file.src_uri] = file.page.content or ""
        return env


def project(root: Path) -> Path:
    docs = root / "docs"
    (docs / "many").mkdir(parents=True)
    (docs / "index.md").write_text(
        "# Home\n\n" + "".join(f"- [page {n}](many/p{n}.md#timeline)\n" for n in range(30))
    )
    for n in range(30):
        (docs / "many" / f"p{n}.md").write_text(
            "---\nhide:\n  - navigation\n---\n"
            f"# Page {n}: a title\n\nIntro with a [link back](../index.md).\n\n"
            + ("A [broken anchor](../index.md#nowhere).\n\n" if n == 3 else "")
            + "## Timeline { data-search-exclude }\n\n| When | What |\n|---|---|\n"
            + "".join(f"| {m} | row {m} of {n} |\n" for m in range(40))
        )
    config = {
        "site_name": "t",
        "docs_dir": "docs",
        "site_dir": str(root / "site"),
        "nav": ["index.md"],
        "use_directory_urls": False,
        "theme": {"name": "material", "font": False},
        "markdown_extensions": ["tables", "attr_list", {"toc": {"permalink": True}}],
        "plugins": ["search"],
        "validation": {"anchors": "warn"},
    }
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def built(root: Path, *plugins: tuple[str, BasePlugin]) -> dict[str, str]:
    config = load_config(config_file=str(project(root)))
    for name, plugin in plugins:
        config.plugins[name] = plugin
    build(config)
    site = root / "site"
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in site.rglob("*")
        if p.suffix in (".html", ".json")
    }


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return built(tmp_path_factory.mktemp("plain"))


def test_streamed_pages_are_the_same_html_and_search_index(
    tmp_path: Path, plain: dict[str, str]
) -> None:
    stream = StreamedPages(chosen)
    streamed = built(tmp_path, (NAME, stream))
    assert stream.rendered == 30
    assert streamed.keys() == plain.keys()
    for name, html in plain.items():
        assert streamed[name] == html, name
    page = streamed["many/p7.html"]
    assert "row 39 of 7" in page and 'id="timeline"' in page and "Page 7: a title" in page


def test_nothing_is_held_between_passes_and_only_the_title_after(tmp_path: Path) -> None:
    watch = Watch()
    built(tmp_path, (NAME, StreamedPages(chosen)), ("watch", watch))
    assert watch.after_read == {f"many/p{n}.md": "" for n in range(30)}
    for page in watch.pages:  # written: only the title kept
        assert page.content is None and page.markdown == "" and not page.toc
        assert page.title is not None and page.title.startswith("Page ")
        assert page.present_anchor_ids is None and page.links_to_anchors is None


def test_a_streamed_page_s_broken_anchor_link_is_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        built(tmp_path, (NAME, StreamedPages(chosen)))
    warned = [r.getMessage() for r in caplog.records if "#nowhere" in r.getMessage()]
    assert len(warned) == 1 and "many/p3.md" in warned[0], warned


def test_pages_not_chosen_are_left_to_mkdocs(tmp_path: Path) -> None:
    watch = Watch()
    stream = StreamedPages(lambda path: False)
    built(tmp_path, (NAME, stream), ("watch", watch))
    assert stream.rendered == 0 and len(watch.after_read) == 30
    assert all("row 39" in content for content in watch.after_read.values())
