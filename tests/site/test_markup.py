"""Escaping of fields and sanitising of author Markdown."""

from __future__ import annotations

import html
import re

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidentctl.site import markup


def _render(md_text: str) -> str:
    return markdown.markdown(md_text, extensions=["tables", "attr_list"])


# Cn (unassigned code points and noncharacters such as U+FDD0) is left out: the
# check below reads the output with html.unescape, which drops a reference to a
# noncharacter that browsers keep.
@given(st.text(st.characters(blacklist_categories=["Cs", "Cc", "Cn"]), max_size=80))
def test_escaped_text_renders_as_itself_and_never_as_markup(value: str) -> None:
    rendered = _render(markup.text(value))
    inner = re.fullmatch(r"(?:<p>(.*)</p>)?", rendered, re.DOTALL)
    assert inner is not None, rendered
    assert "<" not in (inner.group(1) or "")  # no element of any kind
    assert html.unescape(inner.group(1) or "") == " ".join(value.split())


@given(st.lists(st.text(max_size=20), min_size=1, max_size=4))
def test_escaped_cells_never_break_a_table(cells: list[str]) -> None:
    table = markup.table([f"h{i}" for i in range(len(cells))], [[markup.cell(c) for c in cells]])
    rendered = _render(table)
    assert rendered.count("<td") == len(cells)


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>window.x=1</script>", "<script"),
        ('<img src="a.png" onerror="window.x=1">', "onerror"),
        ("[a](javascript:alert(1))", "javascript:"),
        ("[a](JaVaScRiPt:alert(1))", "javascript"),
        ('<a href="data:text/html,hi">a</a>', "data:"),
        ('<svg onload="x()"></svg>', "onload"),
        ('<iframe src="https://example.com/"></iframe>', "<iframe"),
        ('<img src="https://example.com/p.png">', "example.com"),
        ('<img src="//example.com/p.png">', "example.com"),
        ('<a href="x" style="background:url(javascript:x)">a</a>', "style"),
        ("<style>body{}</style>", "<style"),
        ('<form action="https://example.com/"><input type="text"></form>', "<form"),
    ],
)
def test_sanitise_removes_script_vectors(source: str, forbidden: str) -> None:
    assert forbidden not in markup.author_page(source).lower()


def test_safe_markup_survives() -> None:
    page = markup.author_page(
        "Text with **bold**, `code` and [a link](https://example.com/).\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n![diagram](img/d.png)\n"
    )
    assert "<strong>bold</strong>" in page and "<code>code</code>" in page
    assert 'href="https://example.com/"' in page and "<table>" in page
    assert '<img alt="diagram" src="img/d.png">' in page


def test_headings_stay_markdown_and_code_fences_are_not_split() -> None:
    page = markup.author_page("# Title\nintro\n```\n# not a heading\n```\n## Two `x`\nend\n", 1)
    assert re.findall(r"^#+ .*$", page, re.MULTILINE) == ["## Title", "### Two x"]
    assert "# not a heading" in page


def test_links_to_markdown_pages_point_at_html() -> None:
    page = markup.author_page("[a](other.md#part) [b](https://example.com/x.md)")
    assert 'href="other.html#part"' in page
    assert 'href="https://example.com/x.md"' in page


def test_a_heading_cannot_carry_markup() -> None:
    page = markup.author_page("## <script>x</script> [a](javascript:y)\n")
    assert "<script" not in page and "](" not in page


def test_html_table_passes_escaped_cells_through_and_can_leave_search() -> None:
    row = [markup.cell("<script>x</script> | y"), '<span class="ic-badge ic-ok">ok</span>']
    html = markup.html_table(["A", "B"], [row], search=False)
    assert html.startswith("<table data-search-exclude>\n<thead>\n<tr><th>A</th><th>B</th></tr>")
    assert "<script>" not in html and "&#60;script&#62;x" in html and "ic-badge" in html
    assert "\n\n" not in html  # a blank line would end the raw HTML block early
    assert markup.html_table(["A"], []).startswith("<table>\n")
