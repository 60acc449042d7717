"""The data a chart draws: series of points, one per date, whose value may be missing."""

from __future__ import annotations

import datetime
import decimal
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext

Number = int | float | decimal.Decimal


@dataclass(frozen=True)
class ChartPoint:
    """The value of one date. ``value`` None means "no data": the chart draws a gap."""

    date: datetime.date
    value: Number | None

    @property
    def is_gap(self) -> bool:
        return plottable(self.value) is None


@dataclass(frozen=True)
class ChartSeries:
    """One line (or set of bars) of a chart, named in tooltips and legends.

    ``previous`` marks the previous period drawn for comparison: lighter, dashed, and
    always as a line. Its points keep their own dates (shown in tooltips) but are
    drawn in the slots of the main series, point by point.
    """

    label: str
    points: Sequence[ChartPoint]
    previous: bool = False
    # A CSS colour; None takes the next one of the palette (or, for ``previous``, a
    # light grey-blue).
    colour: str | None = None


# Beyond this the axis arithmetic would overflow; such values are drawn at the edge
# while their tooltips keep the true value.
PLOT_LIMIT = 1e300


def plottable(value: Number | None) -> float | None:
    """The value as a float, or None when it cannot be drawn (NULL, NaN, infinity)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        # An int beyond the float range: draw it at the edge.
        number = PLOT_LIMIT if value > 0 else -PLOT_LIMIT
    if math.isinf(number) and isinstance(value, decimal.Decimal) and value.is_finite():
        number = math.copysign(PLOT_LIMIT, number)
    if not math.isfinite(number):
        return None
    return max(-PLOT_LIMIT, min(PLOT_LIMIT, number))


def format_value(value: Number | None) -> str:
    """A value as the current locale writes numbers: ``1234.5`` in English, ``1234,5``
    in German, with thousands separators when ``USE_THOUSAND_SEPARATOR`` is on;
    "no data" for None."""
    if value is None:
        return gettext("no data")
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        # normalize() would print 1E+3; the integral value keeps 1000.
        shown: Number = int(value) if value == value.to_integral_value() else value.normalize()
    elif isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            shown = int(value)
        else:
            # Six significant digits: floats carry noise such as 0.30000000000000004.
            shown = decimal.Decimal(f"{value:.6g}" if abs(value) >= 1e-4 else f"{value:.3g}")
    else:
        shown = value
    return formats.number_format(shown)


def format_date(day: datetime.date) -> str:
    """A date as the current locale writes it in full (``DATE_FORMAT``)."""
    return formats.date_format(day, "DATE_FORMAT")
