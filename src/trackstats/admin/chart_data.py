"""The daily series a chart page draws, read in one query."""

from __future__ import annotations

import datetime

from django.db import models

from ..charts import ChartPoint
from ..series import series_dates, series_period


def daily_points(
    queryset: models.QuerySet, from_date: datetime.date, to_date: datetime.date
) -> list[ChartPoint]:
    """One point per date from ``from_date`` to ``to_date`` inclusive (per bucket
    starting in the range, for a calendar period).

    ``queryset`` must already select a single series (one metric, period and, by
    object, one object), so that a date has at most one row. A date without a row
    reads 0, as trackers store no row for an empty window; a row whose value is NULL
    stays None ("no data"), which the chart draws as a gap.
    """
    if to_date < from_date:
        raise ValueError(f"from_date ({from_date}) must not be after to_date ({to_date})")
    stored = dict(
        queryset.filter(date__gte=from_date, date__lte=to_date)
        .order_by()
        .values_list("date", "value")
    )
    # A calendar period has one point per bucket, dated on its first day.
    dates = series_dates(from_date, to_date, series_period(queryset))
    return [ChartPoint(date, stored.get(date, 0)) for date in dates]
