"""KPI charts as static SVG strings, drawn by matplotlib's SVG backend (no raster backend).

matplotlib is the maintained plotting library that writes SVG itself, offline,
with deterministic output once its hash salt and metadata are fixed; the other
candidates render SVG through a browser (Vega, Plotly's kaleido) or need one
at view time. Each chart:

- has a transparent background, and text, axes and grid in ``currentColor``,
  set by a style inside the SVG to a dark grey, or a light grey when the reader
  prefers a dark scheme (a page that inlines the SVG may set ``color`` on
  ``.incidentctl-chart`` instead); the series use mid-luminance colours that
  read on white and on a dark slate background;
- carries a ``<title>`` and ``<desc>`` (``role="img"``), and comes with an alt
  text and its data as a table for the page;
- is deterministic: no dates, a fixed creator, a fixed ``svg.hashsalt``, text
  kept as text (``svg.fonttype: none``) and laid out with the bundled DejaVu Sans.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SENTINEL = "#010203"  # drawn in this colour, then replaced by currentColor
PALETTE = ("#E4572E", "#F3A712", "#4C9BE8", "#2BA84A", "#A566C9", "#17BECF", "#B07B4F")
STYLE = (
    "<style>.incidentctl-chart{color:#3b3b3b}"
    "@media (prefers-color-scheme: dark){.incidentctl-chart{color:#d4d4d4}}</style>"
)
# Any: matplotlib types rcParams keys as a Literal of every known name
RC: Any = {
    "svg.hashsalt": "incidentctl",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "text.parse_math": False,  # a "$" in a service or priority name is text, not TeX
    "text.color": SENTINEL,
    "axes.edgecolor": SENTINEL,
    "axes.labelcolor": SENTINEL,
    "axes.titlecolor": SENTINEL,
    "xtick.color": SENTINEL,
    "ytick.color": SENTINEL,
    "grid.color": SENTINEL,
    "grid.alpha": 0.2,
    "axes.facecolor": "none",
    "figure.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.edgecolor": "none",
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
METADATA = {"Date": None, "Creator": "incidentctl"}


@dataclass(frozen=True)
class Chart:
    """One chart: ``name`` is its file stem; ``table`` its data, header first."""

    name: str
    title: str
    alt: str
    table: list[list[str]]
    svg: str


@contextmanager
def figure(width: float = 7.0, height: float = 3.4) -> Iterator[tuple[Figure, Axes]]:
    """A figure with one set of axes, drawn under the chart style."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height))
        ax = fig.add_subplot()
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        yield fig, ax


def to_svg(fig: Figure, name: str, title: str, desc: str) -> str:
    """The figure as a standalone SVG with its title, description and colour style."""
    import matplotlib

    fig.tight_layout()
    buf = io.StringIO()
    with matplotlib.rc_context({**RC, "svg.id": f"chart-{name}"}):
        fig.savefig(buf, format="svg", metadata=METADATA)
    svg = buf.getvalue().replace(SENTINEL.upper(), "currentColor")
    svg = svg.replace(SENTINEL, "currentColor")
    start = svg.index("<svg ")
    end = svg.index(">", start)
    ident = f"chart-{name}"
    opening = svg[start:end].replace("<svg ", '<svg class="incidentctl-chart" role="img" ', 1)
    opening += f' aria-labelledby="{ident}-title {ident}-desc"'
    head = (
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>{STYLE}'
    )
    return svg[:start] + opening + ">" + head + svg[end + 1 :]


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, "No data", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def stacked_bars(
    name: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    ylabel: str,
    alt: str,
) -> str:
    """Bars per category, one stacked segment per series (with a legend)."""
    with figure() as (fig, ax):
        if not categories or not any(v for _, values in series for v in values):
            _no_data(ax)
        else:
            bottom = [0.0] * len(categories)
            for i, (label, values) in enumerate(series):
                ax.bar(categories, values, bottom=bottom, label=label, color=PALETTE[i % 7])
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            ax.set_ylabel(ylabel)
            _legend(ax)
            _integers(ax)
            _rotate(ax, categories)
        ax.set_title(title)
        return to_svg(fig, name, title, alt)


def grouped_bars(
    name: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    ylabel: str,
    alt: str,
    ylim: tuple[float, float] | None = None,
    integer: bool = False,
) -> str:
    """Bars side by side per category, one per series; a missing value leaves a gap.

    ``integer``: the values are counts, so the axis has whole ticks only.
    """
    with figure() as (fig, ax):
        if not categories or all(v is None for _, values in series for v in values):
            _no_data(ax)
        else:
            width = 0.8 / len(series)
            xs = range(len(categories))
            for i, (label, values) in enumerate(series):
                offsets = [x - 0.4 + width * (i + 0.5) for x in xs]
                heights = [_nan(v) for v in values]
                ax.bar(offsets, heights, width=width, label=label, color=PALETTE[(i + 2) % 7])
            ax.set_xticks(list(xs), list(categories))
            ax.set_ylabel(ylabel)
            if ylim:
                ax.set_ylim(*ylim)
            if len(series) > 1:
                _legend(ax)
            if integer:
                _integers(ax)
            _rotate(ax, categories)
        ax.set_title(title)
        return to_svg(fig, name, title, alt)


def lines(
    name: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    ylabel: str,
    alt: str,
) -> str:
    """One line with markers per series over the categories (gaps where no data)."""
    with figure() as (fig, ax):
        if not categories or all(v is None for _, values in series for v in values):
            _no_data(ax)
        else:
            for i, (label, values) in enumerate(series):
                ys = [_nan(v) for v in values]
                ax.plot(categories, ys, marker="o", label=label, color=PALETTE[(i * 2) % 7])
            ax.set_ylabel(ylabel)
            ax.set_ylim(bottom=0)
            _legend(ax)
            _rotate(ax, categories)
        ax.set_title(title)
        return to_svg(fig, name, title, alt)


def _legend(ax: Axes) -> None:
    # beside the plot, never over the data
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)


def _integers(ax: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _rotate(ax: Axes, categories: Sequence[str]) -> None:
    if len(categories) > 6:
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
