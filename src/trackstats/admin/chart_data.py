"""The daily series a chart page draws, read in one query."""

from __future__ import annotations

import datetime

from django.db import models

from ..charts import ChartPoint


def daily_points(
    queryset: models.QuerySet, from_date: datetime.date, to_date: datetime.date
) -> list[ChartPoint]:
    """One point per date from ``from_date`` to ``to_date`` inclusive.

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
    days = (to_date - from_date).days + 1
    dates = (from_date + datetime.timedelta(days=offset) for offset in range(days))
    return [ChartPoint(date, stored.get(date, 0)) for date in dates]
