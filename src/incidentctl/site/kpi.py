"""The KPI report page: tables and the six charts, inlined so they follow the site's theme.

The charts are drawn by ``kpi.page`` as SVG files. They are inlined in the page
rather than linked as ``<img>``: an image cannot inherit the page's colours, so
its text would follow the reader's system preference instead of the light/dark
toggle of the site. Inlined, their ``currentColor`` is the page's text colour
(``.incidentctl-chart`` in the site's extra CSS). The files are published too,
for readers who want to paste a chart into a report.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

from incidentctl.kpi.charts import Chart
from incidentctl.site import markup
from incidentctl.site.context import SiteContext
from incidentctl.site.pages import Page, Section, front

PATH = "kpi/index.md"
CHARTS = "kpi/charts"
_REFERENCE = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def inline(chart: Chart, link_prefix: str) -> str:
    """The chart as a raw HTML block: its ``<svg>`` element, scoped, and a link to its file.

    matplotlib names elements ``figure_1``, ``axes_1``... in every chart, and
    reuses clip-path and marker IDs between charts of the same shape: in one
    page these must be unique, so each ID is prefixed with the chart's name.
    Its global ``*{stroke-...}`` style is scoped to the chart.
    """
    svg = chart.svg[chart.svg.index("<svg ") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = svg.replace(">*{", ">.incidentctl-chart *{")

    def prefixed(m: re.Match[str]) -> str:
        name = m.group(2)
        return m.group(1) + (name if name.startswith("chart-") else f"{chart.name}-{name}")

    svg = _REFERENCE.sub(prefixed, svg)
    # no blank line inside: Markdown would end the raw HTML block there
    svg = "\n".join(line for line in svg.splitlines() if line.strip())
    download = f"{link_prefix}{chart.name}.svg"
    return (
        f'<figure class="ic-chart" data-search-exclude>\n{svg}\n'
        f'<figcaption><a href="{download}" download>Download the chart (SVG)</a>'
        "</figcaption>\n</figure>"
    )


def section(ctx: SiteContext) -> Section | None:
    """``kpi/index.md`` and ``kpi/charts/*.svg``; None without a usable SLA policy."""
    if ctx.policies is None:
        return None  # the KPIs measure SLA targets: the context has said why it has none
    from incidentctl.commands.kpi import kpi_dashboard
    from incidentctl.kpi.page import page_markdown

    # its warnings (invalid records, incidents without a target) repeat the context's
    dashboard = kpi_dashboard(ctx.repo, ctx.now, err=io.StringIO())
    with tempfile.TemporaryDirectory(prefix="incidentctl-kpi-") as tmp:
        folder = Path(tmp)
        text = page_markdown(dashboard, folder, "charts/", cell=markup.text, figure=inline)
        files = sorted(folder.glob("*.svg"))
        charts = [Page(f"{CHARTS}/{f.name}", f.read_text(encoding="utf-8")) for f in files]
    pages = [Page(PATH, front("navigation") + text), *charts]
    return Section(pages, [{"KPI report": PATH}])
