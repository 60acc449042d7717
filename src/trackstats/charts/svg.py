"""Render a daily series as a self-contained SVG: no script, font, image or stylesheet.

Every date gets one ``<g class="ts-point">`` holding a ``<title>`` (the browser's
tooltip) and a transparent band as tall as the plot, so the tooltip is easy to hit
even when the marker is tiny. A ``None`` value is a gap: the line breaks and no bar
or marker is drawn. All text is escaped.
"""

from __future__ import annotations

import bisect
import datetime
import enum
import itertools
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .points import ChartPoint, format_value, plottable
from .ticks import date_ticks, value_scale, value_tick_label

# Markers on every point stop helping once they overlap; the hover band still carries
# the tooltip.
MAX_MARKED_POINTS = 120

FONT_SIZE = 11
# Rough advance of one character of an 11px sans-serif digit, to reserve label room.
CHAR_WIDTH = 6.5


class ChartStyle(str, enum.Enum):
    LINE = "line"
    BARS = "bars"


def render_chart(
    points: Sequence[ChartPoint],
    *,
    title: str,
    style: ChartStyle | str = ChartStyle.LINE,
    width: int = 760,
    height: int = 300,
    chart_id: str = "ts-chart",
) -> SafeString:
    """The SVG markup of ``points``: dates oldest first, consecutive days or the first
    days of consecutive calendar buckets (one point per week, month ...)."""
    style = _check_style(style)
    _check_points(points)
    if width < 200 or height < 120:
        raise ValueError(f"width and height must be at least 200x120, got {width}x{height}")

    values = [v for v in (plottable(p.value) for p in points) if v is not None]
    integral = all(isinstance(p.value, int) for p in points if not p.is_gap)
    scale = value_scale(values, integral=integral)
    labels = [value_tick_label(t) for t in scale.ticks]
    left = 14 + CHAR_WIDTH * max(len(label) for label in labels)
    right, top, bottom = 28.0, 12.0, 34.0
    plot_w = width - left - right
    plot_h = height - top - bottom
    slot = plot_w / len(points)

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    def y_of(value: float) -> float:
        return top + plot_h * (scale.high - value) / (scale.high - scale.low)

    first, last = points[0].date, points[-1].date
    gaps = sum(1 for p in points if p.is_gap)
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-chart ts-chart-{style.value}" '
        f'id="{escape(chart_id)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{escape(chart_id)}-title '
        f'{escape(chart_id)}-desc" font-family="sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(_description(points, gaps))}</desc>',
    ]

    parts.append('<g class="ts-value-axis">')
    for tick, label in zip(scale.ticks, labels, strict=True):
        y = y_of(tick)
        parts.append(
            f'<line class="ts-grid" x1="{left:.1f}" x2="{left + plot_w:.1f}" '
            f'y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{left - 6:.1f}" y="{y + FONT_SIZE / 3:.1f}" text-anchor="end" '
            f'fill="#555">{escape(label)}</text>'
        )
    parts.append(
        f'<line class="ts-axis" x1="{left:.1f}" x2="{left:.1f}" y1="{top:.1f}" '
        f'y2="{top + plot_h:.1f}" stroke="#777"/>'
    )
    if scale.low < 0:
        parts.append(
            f'<line class="ts-zero" x1="{left:.1f}" x2="{left + plot_w:.1f}" '
            f'y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" stroke="#777"/>'
        )
    parts.append("</g>")

    parts.append('<g class="ts-date-axis">')
    base = top + plot_h
    parts.append(
        f'<line class="ts-axis" x1="{left:.1f}" x2="{left + plot_w:.1f}" y1="{base:.1f}" '
        f'y2="{base:.1f}" stroke="#777"/>'
    )
    dates = [p.date for p in points]

    def x_of_date(day: datetime.date) -> float:
        # A date between two points sits between them in proportion to the days.
        index = max(bisect.bisect_right(dates, day) - 1, 0)
        if index + 1 < len(dates):
            span = (dates[index + 1] - dates[index]).days
            return x_of(index + (day - dates[index]).days / span)
        return x_of(index)

    for tick in date_ticks(first, last, max_ticks=max(2, int(plot_w // 90))):
        x = x_of_date(tick.date)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" y2="{base + 5:.1f}" '
            f'stroke="#777"/><text x="{x:.1f}" y="{base + 8 + FONT_SIZE:.1f}" '
            f'text-anchor="middle" fill="#555">{escape(tick.label)}</text>'
        )
    parts.append("</g>")

    if style is ChartStyle.LINE:
        path = _line_path(points, x_of, y_of)
        if path:
            parts.append(
                f'<path class="ts-line" d="{path}" fill="none" stroke="#417690" '
                'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>'
            )

    marked = len(points) <= MAX_MARKED_POINTS
    parts.append('<g class="ts-points">')
    for index, point in enumerate(points):
        value = plottable(point.value)
        classes = "ts-point ts-gap" if value is None else "ts-point"
        parts.append(
            f'<g class="{classes}" data-date="{point.date.isoformat()}" '
            f'data-value="{"" if value is None else escape(str(point.value))}">'
            f"<title>{escape(point.date.isoformat())}: {escape(format_value(point.value))}"
            "</title>"
            f'<rect class="ts-hover" x="{left + slot * index:.1f}" y="{top:.1f}" '
            f'width="{slot:.2f}" height="{plot_h:.1f}" fill="transparent"/>'
        )
        if value is not None:
            y, zero = y_of(value), y_of(0)
            if style is ChartStyle.BARS:
                bar_w = max(slot * 0.8, 0.5)
                parts.append(
                    f'<rect class="ts-bar" x="{x_of(index) - bar_w / 2:.2f}" '
                    f'y="{min(y, zero):.1f}" width="{bar_w:.2f}" height="{abs(zero - y):.1f}" '
                    'fill="#79aec8"/>'
                )
            elif marked:
                parts.append(
                    f'<circle class="ts-marker" cx="{x_of(index):.1f}" cy="{y:.1f}" r="3" '
                    'fill="#417690"/>'
                )
        parts.append("</g>")
    parts.append("</g></svg>")
    # Every piece of text above went through escape().
    return mark_safe("".join(parts))


def _line_path(
    points: Sequence[ChartPoint],
    x_of: Callable[[int], float],
    y_of: Callable[[float], float],
) -> str:
    commands: list[str] = []
    pen_down = False
    for index, point in enumerate(points):
        value = plottable(point.value)
        if value is None:
            # NULL is "no data": lift the pen so the line shows a gap.
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{x_of(index):.1f} {y_of(value):.1f}")
        pen_down = True
    return " ".join(commands)


def _description(points: Sequence[ChartPoint], gaps: int) -> str:
    first, last = points[0].date, points[-1].date
    text = f"{len(points)} daily values from {first.isoformat()} to {last.isoformat()}"
    if gaps:
        text += f", {gaps} without data"
    return text + "."


def _check_style(style: ChartStyle | str) -> ChartStyle:
    try:
        return ChartStyle(style)
    except ValueError:
        choices = ", ".join(s.value for s in ChartStyle)
        raise ValueError(f"style must be one of {choices}, got {style!r}") from None


def _check_points(points: Sequence[ChartPoint]) -> None:
    if not points:
        raise ValueError("points must hold at least one date")
    for previous, current in itertools.pairwise(points):
        if current.date <= previous.date:
            raise ValueError(
                "points must be dates in increasing order, oldest first: "
                f"{current.date} follows {previous.date}"
            )
