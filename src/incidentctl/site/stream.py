"""A MkDocs plugin that renders chosen pages as they are written, never all at once.

MkDocs reads and renders every page before it writes the first one, and keeps each
page's Markdown, HTML and table of contents until the end: with the register's page
per incident that is gigabytes at 100,000 incidents. The pages this plugin is given
(the register's) are neither read nor rendered in the read pass, so each holds only
its page object; the write pass reads and renders each just before its template,
through the same plugin events, and drops its text once it is written, keeping only
its title. Its links to anchors are checked when it is written; links from other
pages to an anchor in it are not checked (the register's pages are linked to whole).
Every other page, and everything else MkDocs checks (links, navigation), is as
MkDocs does it.

Zensical does not run MkDocs plugins; its builds are not streamed.
"""

from __future__ import annotations

from collections.abc import Callable

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils.templates import TemplateContext

NAME = "incidentctl-streamed-pages"
_NO_TOC = get_toc([])


class StreamedPages(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Pages whose docs path ``chosen`` accepts are rendered when written, then dropped."""

    def __init__(self, chosen: Callable[[str], bool]) -> None:
        super().__init__()
        self.chosen = chosen
        self.files: Files | None = None
        self.rendered = 0

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self.files = files
        return files

    @event_priority(100)
    def on_pre_page(self, page: Page, *, config: MkDocsConfig, files: Files) -> Page:
        """The read pass: the page is neither read nor rendered (its source stays on
        disk), so it holds nothing but its file until it is written."""
        if self.chosen(page.file.src_uri):
            page.__class__ = _Unread  # a class, not attributes: the page's dict stays shared
        return page

    @event_priority(100)  # first: search and the theme read the whole page
    def on_page_context(
        self, context: TemplateContext, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        if not self.chosen(page.file.src_uri):
            return context
        assert self.files is not None
        plugins = config.plugins
        page.__class__ = Page  # MkDocs' own reading and rendering again
        page.read_source(config)
        assert page.markdown is not None
        page.markdown = plugins.on_page_markdown(
            page.markdown, page=page, config=config, files=self.files
        )
        page.render(config, self.files)
        assert page.content is not None
        page.content = plugins.on_page_content(
            page.content, page=page, config=config, files=self.files
        )
        self.rendered += 1
        return context

    @event_priority(-100)  # last: the page is written
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if self.chosen(page.file.src_uri):
            # its links to anchors checked now, while it has them (MkDocs checks the
            # other pages' once all are written); then only its title stays
            assert self.files is not None
            page.validate_anchor_links(files=self.files, log_level=config.validation.links.anchors)
            page.markdown, page.content, page.toc, page.meta = "", None, _NO_TOC, {}
            page.links_to_anchors = page.present_anchor_ids = None
        return output


class _Unread(Page):
    """A page in the read pass: nothing read, nothing rendered."""

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown, self.meta = "", {}

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content, self.toc = "", _NO_TOC
