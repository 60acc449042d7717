"""The figures beside a chart: latest, highest, lowest, total and average.

Numbers and dates are written as the current locale writes them. The total is
shown only where summing means something (:func:`~.chart_data.has_total`): DAY
values and calendar buckets; N-day rolling windows overlap, so their sum counts each
day several times, and LIFETIME values are running totals already.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..charts import ChartPoint
from ..charts.points import Number, format_date, format_value, plottable
from ..periods import is_calendar
from .chart_data import has_total


@dataclass(frozen=True)
class Figures:
    """What a summary says of one series; values are None without data."""

    drawn: int
    missing: int
    latest: ChartPoint | None
    highest: ChartPoint | None
    lowest: ChartPoint | None
    total: Number | None
    average: Number | None


def figures(points: Sequence[ChartPoint]) -> Figures:
    drawn = [p for p in points if not p.is_gap]
    if not drawn:
        return Figures(0, len(points), None, None, None, None, None)
    total = _sum([p.value for p in drawn])
    return Figures(
        drawn=len(drawn),
        missing=len(points) - len(drawn),
        latest=drawn[-1],
        highest=max(drawn, key=lambda p: plottable(p.value) or 0.0),
        lowest=min(drawn, key=lambda p: plottable(p.value) or 0.0),
        total=total,
        average=_average(total, len(drawn)),
    )


def summary_rows(
    points: Sequence[ChartPoint],
    *,
    period: int,
    previous: Sequence[ChartPoint] | None = None,
) -> list[tuple[str, str]]:
    """``(label, text)`` rows for the summary table of one series."""
    shown = figures(points)
    unit = _unit(period)
    rows = [
        (unit.capitalize(), format_value(len(points))),
        (_("%(unit)s without data") % {"unit": unit.capitalize()}, format_value(shown.missing)),
    ]
    if shown.latest is None:
        return rows
    assert shown.highest is not None
    assert shown.lowest is not None
    rows += [
        (_("Latest"), _point_text(shown.latest)),
        (_("Highest"), _point_text(shown.highest)),
        (_("Lowest"), _point_text(shown.lowest)),
    ]
    if has_total(period):
        rows.append((_("Total"), format_value(shown.total)))
    rows.append((average_label(shown.drawn, period), format_value(shown.average)))
    if previous is not None and previous:
        before = figures(previous)
        span = _("%(first)s to %(last)s") % {
            "first": format_date(previous[0].date),
            "last": format_date(previous[-1].date),
        }
        if has_total(period):
            label = _("Previous period total (%(span)s)") % {"span": span}
            rows.append((label, format_value(before.total)))
        else:
            label = _("Previous period average (%(span)s)") % {"span": span}
            rows.append((label, format_value(before.average)))
    return rows


def average_label(count: int, period: int) -> str:
    """Which values the average is of: those with data, never the gaps."""
    if is_calendar(period):
        return ngettext(
            "Average of the %(count)s bucket with data",
            "Average of the %(count)s buckets with data",
            count,
        ) % {"count": format_value(count)}
    return ngettext(
        "Average of the %(count)s day with data",
        "Average of the %(count)s days with data",
        count,
    ) % {"count": format_value(count)}


def _unit(period: int) -> str:
    return _("buckets") if is_calendar(period) else _("days")


def _point_text(point: ChartPoint) -> str:
    return f"{format_value(point.value)} ({format_date(point.date)})"


def _sum(values: Sequence[Number | None]) -> Number | None:
    numbers = [v for v in values if v is not None and plottable(v) is not None]
    if not numbers:
        return None
    if any(isinstance(v, float) for v in numbers):
        return math.fsum(float(v) for v in numbers)
    if any(isinstance(v, decimal.Decimal) for v in numbers):
        return sum((decimal.Decimal(v) for v in numbers), decimal.Decimal(0))
    return sum(int(v) for v in numbers)


def _average(total: Number | None, count: int) -> Number | None:
    if total is None or not count:
        return None
    if isinstance(total, int):
        # Exact for counts; a Decimal keeps 2.5 from becoming 2.4999999.
        return (decimal.Decimal(total) / count).quantize(decimal.Decimal("0.01")).normalize()
    if isinstance(total, decimal.Decimal):
        return total / count
    return total / count
