"""The user guide: the repository's ``docs/*.md``, sanitised like every author page."""

from __future__ import annotations

import re

from incidentctl.site import markup
from incidentctl.site.context import SiteContext
from incidentctl.site.pages import Page, Section

# The reading order of the bundled guide, and its short titles in the navigation (the
# pages' own headings are sentences); other pages follow alphabetically, by their heading.
TITLES = {
    "formats": "File formats",
    "lifecycle": "Lifecycle and pull requests",
    "authoring": "Authoring incidents",
    "sla": "SLA clocks",
    "escalation": "SLA escalation",
    "kpi": "KPI definitions",
    "audit": "Audit trail",
    "rules": "Rules reference",
    "site": "The published site",
    "automation": "GitHub automation",
    "performance": "Performance",
    "development": "Development",
}
ORDER = list(TITLES)
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def section(ctx: SiteContext) -> Section | None:
    """``guide/<name>.md`` for each ``docs/<name>.md``; None without a docs folder."""
    folder = ctx.repo.root / "docs"
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    if not files:
        return None
    rank = {name: i for i, name in enumerate(ORDER)}
    files.sort(key=lambda f: (rank.get(f.stem, len(ORDER)), f.stem))
    pages, nav = [], []
    for f in files:
        text = f.read_text(encoding="utf-8")
        m = _H1.search(text)
        title = m.group(1).replace("`", "") if m else f.stem.replace("-", " ").capitalize()
        title = TITLES.get(f.stem, title)
        path = f"guide/{f.name}"
        pages.append(Page(path, markup.author_page(text)))
        nav.append({title: path})
    return Section(pages, [{"User guide": nav}])
