"""Render daily series as a self-contained SVG: no script, font, image or stylesheet.

Every date gets one ``<g class="ts-point">`` holding a ``<title>`` (the browser's
tooltip, naming every series' value on that date) and a transparent band as tall as
the plot, so the tooltip is easy to hit even when the marker is tiny. A ``None``
value is a gap: the line breaks and no bar or marker is drawn. All text is escaped.

The SVG has a ``viewBox`` and ``width="100%"``: it takes the width of its container
and keeps its proportions, so text grows and shrinks with it. Give the container a
minimum width (the admin uses 640px) to keep the text legible on narrow screens.
"""

from __future__ import annotations

import bisect
import datetime
import enum
import itertools
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .palette import series_colours
from .points import ChartPoint, ChartSeries, format_date, format_value, plottable
from .ticks import date_ticks, value_scale, value_tick_label

# Markers on every point stop helping once they overlap; the hover band still carries
# the tooltip.
MAX_MARKED_POINTS = 120

FONT_SIZE = 13
# Rough advance of one character of a 13px sans-serif text, to reserve label room.
CHAR_WIDTH = 7.5
# Room per date label ("September 30" is about 12 characters).
DATE_LABEL_ROOM = 120


class ChartStyle(str, enum.Enum):
    LINE = "line"
    BARS = "bars"


def render_chart(
    points: Sequence[ChartPoint],
    *,
    title: str,
    style: ChartStyle | str = ChartStyle.LINE,
    previous: Sequence[ChartPoint] | None = None,
    width: int = 800,
    height: int = 300,
    chart_id: str = "ts-chart",
) -> SafeString:
    """The SVG markup of ``points``: dates oldest first, consecutive days or the first
    days of consecutive calendar buckets (one point per week, month ...).

    ``previous``, as many points as ``points``, is drawn as a lighter dashed line in
    the same slots: the period before, for comparison.
    """
    series = [ChartSeries(title, points)]
    if previous is not None:
        series.append(ChartSeries(gettext("Previous period"), previous, previous=True))
    return render_series_chart(
        series, title=title, style=style, width=width, height=height, chart_id=chart_id
    )


def render_series_chart(
    series: Sequence[ChartSeries],
    *,
    title: str,
    style: ChartStyle | str = ChartStyle.LINE,
    width: int = 800,
    height: int = 300,
    chart_id: str = "ts-chart",
) -> SafeString:
    """The SVG markup of several series over the same dates, each in its own colour
    (see :func:`~trackstats.charts.palette.series_colours`). Bars of several series
    stand side by side in each date's slot; previous-period series are lines."""
    style = _check_style(style)
    main = _check_series(series)
    if width < 200 or height < 120:
        raise ValueError(f"width and height must be at least 200x120, got {width}x{height}")
    colours = series_colours(series)
    points = main[0][1].points
    dates = [p.date for p in points]
    single = len(main) == 1

    values = [
        v for each in series for v in (plottable(p.value) for p in each.points) if v is not None
    ]
    integral = all(
        isinstance(p.value, int) for each in series for p in each.points if not p.is_gap
    )
    scale = value_scale(values, integral=integral)
    labels = [value_tick_label(t) for t in scale.ticks]
    left = 16 + CHAR_WIDTH * max(len(label) for label in labels)
    right, top, bottom = 28.0, 14.0, 38.0
    plot_w = width - left - right
    plot_h = height - top - bottom
    slot = plot_w / len(points)

    def x_of(index: float) -> float:
        return left + slot * (index + 0.5)

    def y_of(value: float) -> float:
        return top + plot_h * (scale.high - value) / (scale.high - scale.low)

    gaps = sum(1 for p in points if p.is_gap)
    svg_id = escape(chart_id)
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ts-chart ts-chart-{style.value}" '
        f'id="{svg_id}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{svg_id}-title {svg_id}-desc" font-family="sans-serif" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{svg_id}-title">{escape(title)}</title>',
        f'<desc id="{svg_id}-desc">{escape(_description(points, gaps))}</desc>',
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

    def x_of_date(day: datetime.date) -> float:
        # A date between two points sits between them in proportion to the days.
        index = max(bisect.bisect_right(dates, day) - 1, 0)
        if index + 1 < len(dates):
            span = (dates[index + 1] - dates[index]).days
            return x_of(index + (day - dates[index]).days / span)
        return x_of(index)

    max_ticks = max(2, int(plot_w // DATE_LABEL_ROOM))
    for date_tick in date_ticks(dates[0], dates[-1], max_ticks=max_ticks):
        x = x_of_date(date_tick.date)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" y2="{base + 5:.1f}" '
            f'stroke="#777"/><text x="{x:.1f}" y="{base + 8 + FONT_SIZE:.1f}" '
            f'text-anchor="middle" fill="#555">{escape(date_tick.label)}</text>'
        )
    parts.append("</g>")

    marked = len(points) <= MAX_MARKED_POINTS
    bar_count = len(main) if style is ChartStyle.BARS else 0
    bar_index = 0
    # Previous periods first, so that the current series are drawn over them.
    order = sorted(range(len(series)), key=lambda i: not series[i].previous)
    for index in order:
        each, colour = series[index], colours[index]
        classes = "ts-series ts-previous" if each.previous else "ts-series"
        values_text = ",".join(
            "" if plottable(p.value) is None else str(p.value) for p in each.points
        )
        parts.append(
            f'<g class="{classes}" data-label="{escape(each.label)}" '
            f'data-colour="{escape(colour)}" data-values="{escape(values_text)}">'
        )
        if style is ChartStyle.BARS and not each.previous:
            parts.append(
                _bars(each.points, bar_index, bar_count, slot, x_of, y_of, escape(colour))
            )
            bar_index += 1
        else:
            path = _line_path(each.points, x_of, y_of)
            if path:
                dash = ' stroke-dasharray="6 4"' if each.previous else ""
                parts.append(
                    f'<path class="ts-line" d="{path}" fill="none" stroke="{escape(colour)}" '
                    f'stroke-width="2"{dash} stroke-linejoin="round" stroke-linecap="round"/>'
                )
            if marked and not each.previous:
                parts.append(_markers(each.points, x_of, y_of, escape(colour)))
        parts.append("</g>")

    parts.append('<g class="ts-points">')
    for index, point in enumerate(points):
        classes = "ts-point ts-gap" if point.is_gap else "ts-point"
        value_attr = ""
        if single:
            shown = "" if point.is_gap else escape(str(point.value))
            value_attr = f' data-value="{shown}"'
        parts.append(
            f'<g class="{classes}" data-date="{point.date.isoformat()}"{value_attr}>'
            f"<title>{escape(_tooltip(series, index, single))}</title>"
            f'<rect class="ts-hover" x="{left + slot * index:.1f}" y="{top:.1f}" '
            f'width="{slot:.2f}" height="{plot_h:.1f}" fill="transparent"/></g>'
        )
    parts.append("</g></svg>")
    # Every piece of text above went through escape().
    return mark_safe("".join(parts))


def _tooltip(series: Sequence[ChartSeries], index: int, single: bool) -> str:
    # One series needs no name: "date: value". Several list "name: value" under the date.
    day = series[0].points[index].date
    lines = [f"{format_date(day)}: {format_value(series[0].points[index].value)}"]
    if not single:
        lines = [format_date(day)]
    for each in series:
        point = each.points[index]
        if each.previous:
            lines.append(f"{each.label}, {format_date(point.date)}: {format_value(point.value)}")
        elif not single:
            lines.append(f"{each.label}: {format_value(point.value)}")
    return "\n".join(lines)


def _bars(
    points: Sequence[ChartPoint],
    position: int,
    count: int,
    slot: float,
    x_of: Callable[[float], float],
    y_of: Callable[[float], float],
    colour: str,
) -> str:
    # Several series share each slot side by side, 80% of it in all.
    bar_w = max(slot * 0.8 / count, 0.5)
    offset = (position - (count - 1) / 2) * bar_w
    zero = y_of(0)
    parts = []
    for index, point in enumerate(points):
        value = plottable(point.value)
        if value is None:
            continue
        y = y_of(value)
        parts.append(
            f'<rect class="ts-bar" x="{x_of(index) + offset - bar_w / 2:.2f}" '
            f'y="{min(y, zero):.1f}" width="{bar_w:.2f}" height="{abs(zero - y):.1f}" '
            f'fill="{colour}" data-date="{point.date.isoformat()}"/>'
        )
    return "".join(parts)


def _markers(
    points: Sequence[ChartPoint],
    x_of: Callable[[float], float],
    y_of: Callable[[float], float],
    colour: str,
) -> str:
    parts = []
    for index, point in enumerate(points):
        value = plottable(point.value)
        if value is not None:
            parts.append(
                f'<circle class="ts-marker" cx="{x_of(index):.1f}" cy="{y_of(value):.1f}" '
                f'r="3" fill="{colour}" data-date="{point.date.isoformat()}"/>'
            )
    return "".join(parts)


def _line_path(
    points: Sequence[ChartPoint],
    x_of: Callable[[float], float],
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
    text = gettext("%(count)s values from %(first)s to %(last)s") % {
        "count": format_value(len(points)),
        "first": format_date(points[0].date),
        "last": format_date(points[-1].date),
    }
    if gaps:
        text += gettext(", %(gaps)s without data") % {"gaps": format_value(gaps)}
    return text + "."


def _check_style(style: ChartStyle | str) -> ChartStyle:
    try:
        return ChartStyle(style)
    except ValueError:
        choices = ", ".join(s.value for s in ChartStyle)
        raise ValueError(f"style must be one of {choices}, got {style!r}") from None


def _check_series(series: Sequence[ChartSeries]) -> list[tuple[int, ChartSeries]]:
    main = [(i, each) for i, each in enumerate(series) if not each.previous]
    if not main:
        raise ValueError("series must hold at least one series that is not a previous period")
    if series[0].previous:
        raise ValueError("the first series must not be a previous period: it gives the dates")
    points = series[0].points
    _check_points(points)
    dates = [p.date for p in points]
    for each in series[1:]:
        if len(each.points) != len(points):
            raise ValueError(
                f"every series must have as many points as the first ({len(points)}); "
                f"{each.label!r} has {len(each.points)}"
            )
        if each.previous:
            _check_points(each.points)
        elif [p.date for p in each.points] != dates:
            raise ValueError(f"series {each.label!r} must have the dates of the first series")
    return main


def _check_points(points: Sequence[ChartPoint]) -> None:
    if not points:
        raise ValueError("points must hold at least one date")
    for previous, current in itertools.pairwise(points):
        if current.date <= previous.date:
            raise ValueError(
                "points must be dates in increasing order, oldest first: "
                f"{current.date} follows {previous.date}"
            )
