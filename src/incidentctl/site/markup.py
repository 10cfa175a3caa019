"""Safe text for the site: escaping generated fields, sanitising author Markdown.

Two kinds of text reach a page:

- *fields* (incident titles, names, notes): never interpreted. ``text()`` turns
  every character Markdown or HTML could read as markup into a numeric character
  reference, so ``<script>``, ``[x](javascript:...)`` or ``|`` in a title show as
  typed and cannot break a table.
- *author Markdown* (KB bodies, the user guide): rendered here with Python-Markdown,
  then sanitised with nh3 (an allow-list HTML sanitiser), and handed to the site
  engine as a raw HTML block. Sanitising here, before the engine sees the page, is
  deliberate: an engine hook would only protect MkDocs (Zensical silently ignores
  MkDocs hooks and plugins it does not implement), while this protects any engine.
  Headings stay Markdown so the engine still builds the table of contents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import markdown
import nh3

EXTENSIONS = ["tables", "fenced_code", "sane_lists", "def_list", "admonition", "attr_list"]
_TAGS = (nh3.ALLOWED_TAGS | {"input"}) - {"map", "area"}
_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"class", "title"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
    "th": {"align", "colspan", "rowspan", "scope", "style"},
    "td": {"align", "colspan", "rowspan", "style"},
}
_ATTRIBUTES["a"] = {"href", "hreflang", "id"}
_ATTRIBUTES["input"] = {"type", "checked", "disabled"}
# http, https and mailto only: javascript:, data:, vbscript: and every other scheme
# are dropped from links (the link text stays, as plain text).
_URL_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^\s*[a-zA-Z][a-zA-Z0-9+.-]*:")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_MD_LINK = re.compile(r'href="(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"#?]*)\.md([#?][^"]*)?"')


def text(value: object) -> str:
    """A field as inert inline Markdown: markup characters become character references."""
    flat = " ".join(str(value).split())
    return re.sub(r"[^\w ,]|_", lambda m: f"&#{ord(m.group())};", flat)


def paragraphs(value: str) -> str:
    """Multi-line field text (a description) as escaped paragraphs."""
    parts = [p for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
    return "\n\n".join(text(p) for p in parts)


def _attribute(tag: str, attr: str, value: str) -> str | None:
    # Images load only from the site itself: an external src is a request at view
    # time (no network, no tracking pixels); data: URLs are refused like in links.
    if tag == "img" and attr == "src" and (_SCHEME.match(value) or value.startswith("//")):
        return None
    if tag == "input" and attr == "type" and value != "checkbox":
        return None
    if attr == "style" and not re.fullmatch(r"text-align:\s*(left|right|center);?", value):
        return None
    return value


def sanitise(html: str) -> str:
    """Author HTML reduced to an allow-list of tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render(md_text: str) -> str:
    """Author Markdown to sanitised HTML; links to ``x.md`` point at ``x.html``."""
    html = markdown.markdown(md_text, extensions=EXTENSIONS, output_format="html")
    return _MD_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', sanitise(html))


def _sections(md_text: str) -> Iterator[tuple[str | None, list[str]]]:
    """(heading line or None, body lines) for each ATX heading outside code fences."""
    heading: str | None = None
    body: list[str] = []
    fence: str | None = None
    for line in md_text.splitlines():
        m = _FENCE.match(line)
        if m and (fence is None or (m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence))):
            fence = m.group(1) if fence is None else None
        elif fence is None and _HEADING.match(line):
            yield heading, body
            heading, body = line, []
            continue
        body.append(line)
    yield heading, body


def author_page(md_text: str, shift: int = 0) -> str:
    """Author Markdown as page Markdown: escaped headings, sanitised HTML blocks between.

    ``shift`` demotes headings (a KB body's ``#`` under the page's own title).
    """
    out: list[str] = []
    for heading, body in _sections(md_text):
        if heading is not None:
            m = _HEADING.match(heading)
            assert m is not None
            level = min(len(m.group(1)) + shift, 6)
            out.append("#" * level + " " + text(m.group(2).replace("`", "").replace("**", "")))
        html = render("\n".join(body)).strip()
        if html:
            out.append(f'<div class="ic-author">\n{html}\n</div>')
    return "\n\n".join(out) + "\n"


def cell(value: object) -> str:
    """A table cell: escaped text, or an em dash for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(text(v) for v in value)
    return text(value)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table; cells must already be escaped (``cell``) or trusted links."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def slug(value: str) -> str:
    """A file or anchor name: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"
