"""The site as a list of independent page generators.

Each generator takes the ``SiteContext`` and returns a ``Section`` (its pages and
its entries in the navigation) or None when it has nothing to show. Adding a part
of the site is one line in ``GENERATORS``; the home page is built from
``HOME_BLOCKS`` the same way.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from incidentctl.site.context import SiteContext

NavItem = str | dict[str, Any]


@dataclass(frozen=True)
class Page:
    """A file of the generated docs folder: Markdown, or any text asset such as an SVG."""

    path: str  # relative, with forward slashes
    text: str


@dataclass
class Section:
    """A part of the site: its files and its top-level navigation entries.

    ``pages`` may be made as they are read (the register's page per incident is): read
    them once.
    """

    pages: Iterable[Page] = field(default_factory=list)
    nav: list[NavItem] = field(default_factory=list)


def front(*hide: str, search: bool = True) -> str:
    """Page front matter: Material panels to hide (``navigation``, ``toc``), search exclusion.

    Wide tables (the home page, the register) need the room more than the panels.
    Listing pages are left out of search: they only repeat titles that the pages
    they list already carry, and a list of thousands of rows would exceed Zensical's
    per-page search limit.
    """
    lines = ["hide:", *(f"  - {p}" for p in hide)] if hide else []
    if not search:
        lines += ["search:", "  exclude: true"]
    return "---\n" + "".join(f"{line}\n" for line in lines) + "---\n" if lines else ""


Generator = Callable[[SiteContext], Section | None]
HomeBlock = Callable[[SiteContext], str | None]


def generators() -> list[Generator]:
    """Every part of the site, in navigation order."""
    from incidentctl.site import audit, guide, home, kb, kpi, policy, register

    return [
        home.section,
        kb.section,
        kpi.section,
        policy.section,
        register.section,
        audit.section,
        guide.section,
    ]


def generate(ctx: SiteContext, parts: list[Generator] | None = None) -> Section:
    """All pages (made as they are read) and the whole navigation; a path generated
    twice is a bug, refused when it comes."""
    chosen = generators() if parts is None else parts
    sections = [s for s in (part(ctx) for part in chosen) if s is not None]
    nav = [item for section in sections for item in section.nav]
    return Section(_once(itertools.chain.from_iterable(s.pages for s in sections)), nav)


def _once(pages: Iterable[Page]) -> Iterator[Page]:
    seen: set[str] = set()
    for page in pages:
        if page.path in seen:
            raise ValueError(f"two generators wrote {page.path}")
        seen.add(page.path)
        yield page
