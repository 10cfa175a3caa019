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
from collections.abc import Callable
from html import escape, unescape

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
_MD_LINK = re.compile(r'href="(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"#?]*)\.md([#?][^"]*)?"')


def text(value: object) -> str:
    """A field as inert inline Markdown: markup characters become character references."""
    flat = " ".join(str(value).split())
    return re.sub(r"[^\w ,]|_", lambda m: f"&#{ord(m.group())};", flat)


def html_text(value: object) -> str:
    """A field as inert HTML text, for raw HTML blocks (``html_table``): only ``&<>"'``
    need escaping there, and each character reference is a step for every HTML parser
    the page goes through."""
    return escape(" ".join(str(value).split()))


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


_MARKDOWN = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
_HTML_HEADING = re.compile(r"<h([1-6])(?:\s[^>]*)?>(.*?)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def render(md_text: str) -> str:
    """Author Markdown to sanitised HTML; links to ``x.md`` point at ``x.html``."""
    html = _MARKDOWN.reset().convert(md_text)  # one parser, reused: building one costs 1 ms
    return _MD_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', sanitise(html))


def author_page(md_text: str, shift: int = 0) -> str:
    """Author Markdown as page Markdown: sanitised HTML blocks between Markdown headings.

    The headings go back to Markdown (their text escaped) so that the engine puts
    them in the table of contents. ``shift`` demotes them (a KB body's ``#`` sits
    under the page's own title). A heading inside a code block is escaped text in
    the HTML, so it is not split on.
    """
    html_text = render(md_text)
    out: list[str] = []
    start = 0
    for m in [*_HTML_HEADING.finditer(html_text), None]:
        block = html_text[start : m.start() if m else len(html_text)].strip()
        if block:
            out.append(f'<div class="ic-author">\n{block}\n</div>')
        if m is None:
            break
        level = min(int(m.group(1)) + shift, 6)
        out.append("#" * level + " " + text(unescape(_TAG.sub("", m.group(2)))))
        start = m.end()
    return "\n\n".join(out) + "\n"


def cell(value: object, escaped: Callable[[object], str] = text) -> str:
    """A table cell: escaped text (``text``, or ``html_text`` for an ``html_table``), or
    an em dash for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(escaped(v) for v in value)
    return escaped(value)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table; cells must already be escaped (``cell``) or trusted links."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def html_table(headers: list[str], rows: list[list[str]], *, search: bool = True) -> str:
    """The same table as raw HTML: the engine passes it through without reading each cell
    as Markdown. Cells must be escaped with ``html_text`` (``cell(v, html_text)``) or be
    trusted HTML; a Markdown link would stay as typed.
    ``search=False`` keeps its text out of the search index (``data-search-exclude``)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    attr = "" if search else " data-search-exclude"
    return (
        f"<table{attr}>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
    )


def slug(value: str) -> str:
    """A file or anchor name: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"
