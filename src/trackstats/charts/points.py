"""The data a chart draws: one point per date, whose value may be missing."""

from __future__ import annotations

import datetime
import decimal
import math
from dataclasses import dataclass

Number = int | float | decimal.Decimal


@dataclass(frozen=True)
class ChartPoint:
    """The value of one date. ``value`` None means "no data": the chart draws a gap."""

    date: datetime.date
    value: Number | None

    @property
    def is_gap(self) -> bool:
        return plottable(self.value) is None


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
    """Human text for a value in tooltips and tick labels: 1,234 / 0.25 / no data."""
    if value is None:
        return "no data"
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        # normalize() would print 1E+3; quantizing to the integral keeps 1000.
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value.normalize():,f}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.6g}" if abs(value) >= 1e-4 else f"{value:.3g}"
    return f"{value:,}"
