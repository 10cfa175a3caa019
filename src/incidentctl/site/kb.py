"""Knowledge-base pages: one per published article, and the indexes that find them.

Drafts and retired articles are never read here (the context holds published ones
only). Articles are linked from index pages rather than listed in the navigation,
so the navigation stays the same size however large the KB grows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from incidentctl.model.kb import KbType
from incidentctl.site import markup
from incidentctl.site.context import SiteContext, article_page, review_due
from incidentctl.site.links import href, incident_ref, incident_title, link
from incidentctl.site.pages import NavItem, Page, Section, front
from incidentctl.store.repo import KbRecord

TYPE_LABEL = {
    KbType.KNOWN_ERROR: "Known error",
    KbType.WORKAROUND: "Workaround",
    KbType.HOW_TO: "How-to",
    KbType.RESOLUTION_PROCEDURE: "Resolution procedure",
}
INDEXES = [
    ("By service", "kb/services.md"),
    ("By category", "kb/categories.md"),
    ("By type", "kb/types.md"),
    ("Tags", "kb/tags.md"),
    ("Known errors", "kb/known-errors.md"),
    ("Stale articles", "kb/stale.md"),
]


def _listing(ctx: SiteContext, source: str, records: Iterable[KbRecord]) -> str:
    rows = [
        [
            link(source, article_page(r), r.model.id),
            link(source, article_page(r), r.model.title),
            TYPE_LABEL[r.model.type],
            markup.cell(r.model.services),
        ]
        for r in records
    ]
    if not rows:
        return "No articles.\n"
    return markup.table(["ID", "Title", "Type", "Services"], rows)


def _grouped(
    ctx: SiteContext,
    source: str,
    title: str,
    keys: Callable[[KbRecord], Iterable[str]],
    label: Callable[[str], str] = str,
) -> Page:
    groups: dict[str, list[KbRecord]] = defaultdict(list)
    for rec in ctx.articles:
        for key in keys(rec) or ["(none)"]:
            groups[key].append(rec)
    parts = [front(search=False) + f"# {title}\n"]
    for key in sorted(groups, key=lambda k: label(k).lower()):
        heading = f"## {markup.text(label(key))} {{#{anchor(key)}}}"
        parts.append(f"{heading}\n\n{_listing(ctx, source, groups[key])}")
    return Page(source, "\n".join(parts))


def anchor(key: str) -> str:
    """The explicit anchor of a group heading, so links do not depend on the engine's slugs."""
    return "g-" + markup.slug(key)


def _service_name(ctx: SiteContext) -> Callable[[str], str]:
    services = ctx.repo.policies.services
    catalog = services.services if services else {}
    return lambda key: catalog[key].name if key in catalog else key


def article(ctx: SiteContext, rec: KbRecord) -> Page:
    """One article: facts, the author's body (sanitised), the incidents it resolved."""
    path = article_page(rec)
    art = rec.model
    tags = ", ".join(
        f'<a href="{href(path, "kb/tags.md")[:-3]}.html#{anchor(t)}">{markup.text(t)}</a>'
        for t in art.tags
    )
    review = review_due(rec).isoformat()
    if ctx.stale(rec):
        review += ' <span class="ic-badge ic-breached">overdue</span>'
    services = [_service_name(ctx)(s) for s in art.services]
    facts = [
        ("Article", markup.text(art.id)),
        ("Type", TYPE_LABEL[art.type]),
        ("Services", markup.cell(services)),
        ("Categories", markup.cell(art.categories)),
        ("Tags", tags or "—"),
        ("Owner", markup.cell(art.owner)),
        ("Reviewed", f"{art.reviewed_at.isoformat()}; next review {review}"),
        ("Problem", markup.cell(art.problem)),
    ]
    # raw HTML (every value escaped above) so the facts read as a compact card
    items = "\n".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    parts = [
        f"# {markup.text(art.title)}\n",
        f'<dl class="ic-facts">\n{items}\n</dl>\n',
        markup.author_page(rec.body, shift=1),
        _resolved(ctx, path, art.id),
    ]
    return Page(path, "\n".join(parts))


def _resolved(ctx: SiteContext, path: str, kb_id: str) -> str:
    ids = sorted(set(ctx.resolved_by.get(kb_id, [])))
    incidents = [ctx.by_id[i] for i in ids]
    head = "## Incidents resolved with this article\n\n"
    if not incidents:
        return head + "None recorded yet.\n"
    rows = [
        [
            incident_ref(ctx, path, i),
            incident_title(ctx, i),
            markup.cell(i.priority) if ctx.public("priority") else "—",
            i.reported_at.date().isoformat() if ctx.public("reported_at") else "—",
        ]
        for i in incidents
    ]
    return head + markup.table(["Incident", "Title", "Priority", "Reported"], rows)


def _index(ctx: SiteContext) -> Page:
    path = "kb/index.md"
    links = "\n".join(f"- {link(path, p, title)}" for title, p in INDEXES)
    body = (
        front("toc", search=False) + "# Knowledge base\n\n"
        f"{len(ctx.articles)} published articles. Search finds any word of any article;"
        " the indexes below group them.\n\n"
        f"{links}\n\n## All articles\n\n{_listing(ctx, path, ctx.articles)}"
    )
    return Page(path, body)


def _known_errors(ctx: SiteContext) -> Page:
    path = "kb/known-errors.md"
    known = [r for r in ctx.articles if r.model.type is KbType.KNOWN_ERROR]
    intro = "# Known errors\n\nProblems whose cause is known, with a documented workaround.\n\n"
    return Page(path, front("toc", search=False) + intro + _listing(ctx, path, known))


def _stale(ctx: SiteContext) -> Page:
    path = "kb/stale.md"
    stale = [r for r in ctx.articles if ctx.stale(r)]
    intro = front("toc", search=False) + (
        "# Stale articles\n\nPublished articles past their review date"
        f" (`reviewed_at` + `review_every`) on {ctx.now.date().isoformat()}.\n\n"
    )
    if not stale:
        return Page(path, intro + "Every published article is within its review period.\n")
    rows = [
        [
            link(path, article_page(r), r.model.title),
            markup.cell(r.model.owner),
            review_due(r).isoformat(),
        ]
        for r in stale
    ]
    return Page(path, intro + markup.table(["Article", "Owner", "Review due"], rows))


def section(ctx: SiteContext) -> Section:
    """Every KB page and the KB entry of the navigation."""
    pages = [
        _index(ctx),
        _grouped(
            ctx,
            "kb/services.md",
            "Articles by service",
            lambda r: r.model.services,
            _service_name(ctx),
        ),
        _grouped(ctx, "kb/categories.md", "Articles by category", lambda r: r.model.categories),
        _grouped(ctx, "kb/types.md", "Articles by type", lambda r: [TYPE_LABEL[r.model.type]]),
        _grouped(ctx, "kb/tags.md", "Tags", lambda r: r.model.tags),
        _known_errors(ctx),
        _stale(ctx),
        *(article(ctx, rec) for rec in ctx.articles),
    ]
    entries: list[NavItem] = ["kb/index.md", *({t: p} for t, p in INDEXES)]
    nav: list[NavItem] = [{"Knowledge base": entries}]
    return Section(pages, nav)
