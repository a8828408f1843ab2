"""Small charts rendered on the server as inline SVG: no JavaScript, no chart library.

Pure functions of their arguments: the caller passes the texts already translated and the number
formatter of the reader's locale, so this module knows nothing of requests or Babel and is tested
alone. Each chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``; series differ
by marker shape and dash pattern as well as colour, so nothing is told by colour alone. The page
puts the same numbers in a table under each chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 260
#: Room for the y tick labels (start), the legend (top) and the x tick labels and axis title (bottom).
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 36, 52
#: At most this many x tick labels, so 30 dates stay readable.
MAX_X_LABELS = 8

#: Per series: marker shape, stroke dash pattern (None: solid), colour.
SERIES_STYLES: tuple[tuple[str, str | None, str], ...] = (
    ("circle", None, "#1f5fa8"),
    ("square", "7 4", "#b3541e"),
    ("triangle", "2 3", "#2e7d32"),
    ("diamond", "10 3 2 3", "#6a1b9a"),
)
BAR_COLOUR = "#1f5fa8"
GRID_COLOUR = "#d0d4da"
TEXT_COLOUR = "#333"

Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One line: its name (shown in the legend) and one value per x label, None for no data."""

    name: str
    values: Sequence[float | None]


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above ``value`` (at least 1), so ticks are round."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _plot_x(index: int, count: int) -> float:
    """Centre of the ``index``-th of ``count`` slots across the plot area."""
    slot = (WIDTH - LEFT - RIGHT) / max(count, 1)
    return LEFT + slot * (index + 0.5)


def _plot_y(value: float, y_max: float) -> float:
    height = HEIGHT - TOP - BOTTOM
    return TOP + height * (1 - min(max(value / y_max, 0.0), 1.0))


def _open(chart_id: str, title: str, desc: str) -> list[str]:
    """The root element, named for assistive technology. It is laid out left to right in every
    locale (time runs rightwards); ``direction="ltr"`` stops an RTL page from flipping every
    text-anchor inside it."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-family="system-ui, sans-serif" font-size="12" direction="ltr">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]


def _axes(
    x_labels: Sequence[str], y_max: float, y_ticks: int, x_label: str, y_label: str, fmt: Formatter
) -> list[str]:
    parts = []
    for tick in range(y_ticks + 1):
        value = y_max * tick / y_ticks
        y = _plot_y(value, y_max)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{_num(y + 4)}" text-anchor="end" fill="{TEXT_COLOUR}">'
            f"{escape(fmt(value))}</text>"
        )
    every = max(1, math.ceil(len(x_labels) / MAX_X_LABELS))
    baseline = HEIGHT - BOTTOM
    last = len(x_labels) - 1
    for index, label in enumerate(x_labels):
        # Counted back from the last label, so the latest day is always named and none crowd it.
        if (last - index) % every:
            continue
        x = _plot_x(index, len(x_labels))
        parts.append(
            f'<text x="{_num(x)}" y="{baseline + 16}" text-anchor="middle" fill="{TEXT_COLOUR}">'
            f"{escape(label)}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{baseline}" y2="{baseline}" stroke="{TEXT_COLOUR}"/>'
    )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) // 2}" y="{HEIGHT - 8}" text-anchor="middle" '
        f'fill="{TEXT_COLOUR}">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text x="{LEFT}" y="{TOP - 22}" text-anchor="start" fill="{TEXT_COLOUR}">{escape(y_label)}</text>'
    )
    return parts


def marker(shape: str, x: float, y: float, colour: str, size: float = 4.5) -> str:
    """A point marker of the given shape centred on (x, y)."""
    if shape == "square":
        return (
            f'<rect x="{_num(x - size)}" y="{_num(y - size)}" width="{_num(2 * size)}" '
            f'height="{_num(2 * size)}" fill="{colour}"/>'
        )
    if shape == "triangle":
        points = [(x, y - size * 1.2), (x - size * 1.1, y + size), (x + size * 1.1, y + size)]
    elif shape == "diamond":
        points = [(x, y - size * 1.3), (x + size * 1.3, y), (x, y + size * 1.3), (x - size * 1.3, y)]
    else:
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size)}" fill="{colour}"/>'
    coords = " ".join(f"{_num(px)},{_num(py)}" for px, py in points)
    return f'<polygon points="{coords}" fill="{colour}"/>'


def _legend(series: Sequence[Series]) -> list[str]:
    parts = []
    x = float(WIDTH - RIGHT)
    # Laid out from the end so the legend never overlaps the y axis title at the start.
    for index in range(len(series) - 1, -1, -1):
        shape, dash, colour = SERIES_STYLES[index % len(SERIES_STYLES)]
        label = series[index].name
        x -= 7 * len(label) + 8
        parts.append(f'<text x="{_num(x)}" y="{TOP - 18}" fill="{TEXT_COLOUR}">{escape(label)}</text>')
        x -= 30
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{_num(x)}" x2="{_num(x + 24)}" y1="{TOP - 22}" y2="{TOP - 22}" '
            f'stroke="{colour}" stroke-width="2"{dashes}/>'
        )
        parts.append(marker(shape, x + 12, TOP - 22, colour, 3.5))
        x -= 16
    return parts


def line_chart(
    chart_id: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
    y_format: Formatter,
    y_max: float = 1.0,
) -> Markup:
    """Rates over time: one line per series, broken where a value is missing, a marker per point."""
    parts = _open(chart_id, title, desc)
    parts += _axes(x_labels, y_max, 4, x_label, y_label, y_format)
    parts += _legend(series)
    for index, line in enumerate(series):
        shape, dash, colour = SERIES_STYLES[index % len(SERIES_STYLES)]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments: list[list[str]] = []
        markers = []
        for position, value in enumerate(line.values):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            x, y = _plot_x(position, len(x_labels)), _plot_y(value, y_max)
            segment.append(f"{_num(x)},{_num(y)}")
            markers.append(marker(shape, x, y, colour))
        if segment:
            segments.append(segment)
        parts.append(f'<g class="series series-{index}">')
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dashes}/>'
                )
        parts += markers
        parts.append("</g>")
    parts.append("</svg>")
    # Every text and attribute that came from the caller went through escape() above.
    return Markup("".join(parts))  # noqa: S704


def bar_chart(
    chart_id: str,
    x_labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
    y_format: Formatter,
) -> Markup:
    """Daily counts: one bar per x label, on a y axis rounded up to a round maximum."""
    y_max = nice_ceiling(max(values, default=0))
    ticks = 4 if y_max >= 4 else int(y_max) or 1
    parts = _open(chart_id, title, desc)
    parts += _axes(x_labels, y_max, ticks, x_label, y_label, y_format)
    slot = (WIDTH - LEFT - RIGHT) / max(len(x_labels), 1)
    width = max(slot * 0.7, 1.0)
    baseline = HEIGHT - BOTTOM
    parts.append('<g class="bars">')
    for index, value in enumerate(values):
        if value <= 0:
            continue
        top = _plot_y(value, y_max)
        x = _plot_x(index, len(x_labels)) - width / 2
        parts.append(
            f'<rect x="{_num(x)}" y="{_num(top)}" width="{_num(width)}" height="{_num(baseline - top)}" '
            f'fill="{BAR_COLOUR}"/>'
        )
    parts.append("</g></svg>")
    # Every text and attribute that came from the caller went through escape() above.
    return Markup("".join(parts))  # noqa: S704
