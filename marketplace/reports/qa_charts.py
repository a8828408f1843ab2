"""Charts of the QA report as inline SVG: no script, no external file, no font download.

Why hand-written SVG: the report must render the same in a browser, in an e-mail attachment and in
WeasyPrint's PDF, offline. A plotting library would bring fonts, files or JavaScript. Each chart
has a ``<title>`` and ``<desc>`` (``role="img"``); the page puts a table with the same numbers
right after it, which is what screen readers and PDF text extraction read.

The drawings are left to right whatever the page's direction (``direction="ltr"`` on the root): a
scale from 0 to 1 reads left to right in Arabic documents too, and the labels are class names and
language codes. Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

from markupsafe import Markup, escape

#: Drawing width in SVG units; it scales to the page (``width="100%"``).
WIDTH: Final = 640
#: Height of one row (bar or interval) and the space for the axis below the rows.
ROW: Final = 26
AXIS: Final = 34
#: Left margin for the row labels, right margin for the value printed after a bar.
LABEL_SPACE: Final = 150
VALUE_SPACE: Final = 60
BAR_COLOUR: Final = "#2f6f9f"
POINT_COLOUR: Final = "#1f4e6e"
GRID_COLOUR: Final = "#c8cdd2"
TEXT_COLOUR: Final = "#1d232a"

Formatter = Callable[[float], str]


class Interval(NamedTuple):
    """One row of an interval chart: a point estimate and its interval (any may be missing)."""

    label: str
    value: float | None
    low: float | None
    high: float | None


def _drawable(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _plain(value: float) -> str:
    return f"{value:.2f}"


class _Scale:
    """Maps values in [low, high] onto the plotting band between the label and value margins."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.left, self.right = LABEL_SPACE, WIDTH - VALUE_SPACE

    def x(self, value: float) -> float:
        share = (min(max(value, self.low), self.high) - self.low) / (self.high - self.low)
        return round(self.left + share * (self.right - self.left), 2)


def _frame(chart_id: str, title: str, description: str, rows: int, body: list[str]) -> Markup:
    height = rows * ROW + AXIS
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qa-chart" role="img" direction="ltr" '
        f'width="100%" viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-family="DejaVu Sans, Arial, sans-serif" font-size="12" fill="{TEXT_COLOUR}">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
    )
    # Every text interpolated into the drawing went through ``escape``; numbers are formatted here.
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704


def _axis(scale: _Scale, rows: int, ticks: Sequence[float], fmt: Formatter) -> list[str]:
    """Vertical grid lines at ``ticks`` with their values under the rows."""
    bottom = rows * ROW
    parts = []
    for tick in ticks:
        x = scale.x(tick)
        parts.append(
            f'<line x1="{x}" y1="0" x2="{x}" y2="{bottom}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{x}" y="{bottom + 16}" text-anchor="middle">{escape(fmt(tick))}</text>'
        )
    return parts


def _row_label(index: int, label: str) -> str:
    y = index * ROW + ROW / 2 + 4
    return f'<text x="{LABEL_SPACE - 8}" y="{y}" text-anchor="end">{escape(label)}</text>'


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, float | None]],
    *,
    fmt: Formatter = _plain,
    missing: str = "–",
) -> Markup:
    """Horizontal bars of values in [0, 1] (F1, accuracy), one per labelled row; a missing value
    draws no bar and prints ``missing``."""
    scale = _Scale(0.0, 1.0)
    body = _axis(scale, len(rows), (0.0, 0.25, 0.5, 0.75, 1.0), fmt)
    for index, (label, value) in enumerate(rows):
        body.append(_row_label(index, label))
        top = index * ROW + 5
        if _drawable(value):
            assert value is not None
            end = scale.x(value)
            width = round(end - scale.left, 2)
            body.append(
                f'<rect x="{scale.left}" y="{top}" width="{width}" height="{ROW - 10}" fill="{BAR_COLOUR}"/>'
                f'<text x="{end + 6}" y="{top + ROW / 2 - 1}">{escape(fmt(value))}</text>'
            )
        else:
            body.append(f'<text x="{scale.left + 6}" y="{top + ROW / 2 - 1}">{escape(missing)}</text>')
    return _frame(chart_id, title, description, len(rows), body)


def interval_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[Interval],
    *,
    fmt: Formatter = _plain,
    missing: str = "–",
) -> Markup:
    """A point per row with whiskers from its interval's low to high end (α with its bootstrap
    interval). The scale runs to 1 and down to 0, or lower when a value is negative (α may be)."""
    lows = [v for row in rows for v in (row.value, row.low) if v is not None and math.isfinite(v)]
    floor = min(0.0, math.floor(min(lows, default=0.0) * 4) / 4)
    scale = _Scale(floor, 1.0)
    step = 0.25 if floor >= -1 else (1.0 - floor) / 4
    ticks = [round(floor + n * step, 6) for n in range(round((1.0 - floor) / step) + 1)]
    body = _axis(scale, len(rows), ticks, fmt)
    for index, row in enumerate(rows):
        body.append(_row_label(index, row.label))
        middle = index * ROW + ROW / 2
        if _drawable(row.low) and _drawable(row.high):
            assert row.low is not None and row.high is not None
            x1, x2 = scale.x(row.low), scale.x(row.high)
            body.append(
                f'<line x1="{x1}" y1="{middle}" x2="{x2}" y2="{middle}" stroke="{POINT_COLOUR}" '
                f'stroke-width="2"/>'
                f'<line x1="{x1}" y1="{middle - 6}" x2="{x1}" y2="{middle + 6}" stroke="{POINT_COLOUR}" '
                f'stroke-width="2"/>'
                f'<line x1="{x2}" y1="{middle - 6}" x2="{x2}" y2="{middle + 6}" stroke="{POINT_COLOUR}" '
                f'stroke-width="2"/>'
            )
        if _drawable(row.value):
            assert row.value is not None
            x = scale.x(row.value)
            body.append(f'<circle cx="{x}" cy="{middle}" r="5" fill="{POINT_COLOUR}"/>')
            body.append(f'<text x="{scale.right + 6}" y="{middle + 4}">{escape(fmt(row.value))}</text>')
        else:
            body.append(f'<text x="{scale.left + 6}" y="{middle + 4}">{escape(missing)}</text>')
    return _frame(chart_id, title, description, len(rows), body)
