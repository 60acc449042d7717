"""The series a chart page draws, each read in a constant number of queries.

How a date without a stored row is drawn depends on the period:

- DAY, N-day rolling windows and calendar periods count what happened in a window,
  and trackers store no row for an empty window: a missing row is **0**.
- LIFETIME values are running totals or gauges ("registered users"), often written
  with ``record()`` now and then: a missing row is **the latest stored value before
  it, carried forward** (through today, never into the future), and a **gap** before
  the first stored row. Drawing 0 there would show a cliff that never happened.

A stored NULL is "no data" and stays a gap whatever the period.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Max, OuterRef, Subquery, Sum
from django.utils.translation import gettext as _

from ..charts import ChartPoint
from ..object_ids import object_id_of
from ..periods import Period, is_calendar
from ..series import previous_range as series_previous_range
from ..series import series_dates


def is_gauge(period: int) -> bool:
    """Whether the period's values carry forward over missing rows (LIFETIME)."""
    return period == Period.LIFETIME


def has_total(period: int) -> bool:
    """Whether summing the values over a range means something: DAY and calendar
    buckets do not overlap; rolling windows overlap and LIFETIME values accumulate."""
    return period == Period.DAY or is_calendar(period)


def fill(
    dates: Sequence[datetime.date],
    stored: dict[datetime.date, Any],
    *,
    period: int,
    today: datetime.date,
    carried: Any = None,
) -> list[ChartPoint]:
    """One point per date: the stored value, else 0 or (LIFETIME) the value carried
    forward from the previous row, ``carried`` being the latest before ``dates``."""
    if not is_gauge(period):
        return [ChartPoint(day, stored.get(day, 0)) for day in dates]
    points = []
    last = carried
    for day in dates:
        if day in stored:
            last = stored[day]
            points.append(ChartPoint(day, last))
        else:
            # Tomorrow's total is unknown; today's is the latest one recorded.
            points.append(ChartPoint(day, None if day > today else last))
    return points


def read_points(
    queryset: models.QuerySet[Any],
    from_date: datetime.date,
    to_date: datetime.date,
    *,
    period: int,
    today: datetime.date,
) -> list[ChartPoint]:
    """The points of one series: ``queryset`` selects one metric, period (and object),
    so that a date has at most one row. One query; two for LIFETIME."""
    if to_date < from_date:
        raise ValueError(f"from_date ({from_date}) must not be after to_date ({to_date})")
    stored = dict(
        queryset.filter(date__gte=from_date, date__lte=to_date)
        .order_by()
        .values_list("date", "value")
    )
    carried = None
    if is_gauge(period):
        before = queryset.filter(date__lt=from_date).order_by("-date").values_list("value")
        row = before.first()
        carried = row[0] if row is not None else None
    dates = series_dates(from_date, to_date, period)
    return fill(dates, stored, period=period, today=today, carried=carried)


def previous_range(
    from_date: datetime.date, to_date: datetime.date, period: int
) -> tuple[datetime.date, datetime.date] | None:
    """:func:`trackstats.series.previous_range`, or None when that range would start
    before year 1 (the chart then has no previous period to draw)."""
    try:
        return series_previous_range(from_date, to_date, period)
    except ValueError:
        return None


@dataclass(frozen=True)
class ObjectSeries:
    """The series of one object of a by-object chart, or of "other" (``object_id``
    None): every object outside the top ones, summed per date."""

    label: str
    points: list[ChartPoint]
    object_id: str | None = None
    found: bool = True


def top_object_ids(
    queryset: models.QuerySet[Any],
    from_date: datetime.date,
    to_date: datetime.date,
    *,
    period: int,
    limit: int,
) -> list[str]:
    """The ``limit`` objects with the largest sum over the range (LIFETIME: the
    largest value), in one query; ``queryset`` selects one metric, period and type."""
    score = Max("value") if is_gauge(period) else Sum("value")
    rows = (
        queryset.filter(date__gte=from_date, date__lte=to_date)
        .order_by()
        .values("object_id")
        .annotate(score=score)
        .order_by(F("score").desc(nulls_last=True), "object_id")
        .values_list("object_id", flat=True)
    )
    return list(rows[:limit])


def read_top_series(
    queryset: models.QuerySet[Any],
    object_type: ContentType,
    from_date: datetime.date,
    to_date: datetime.date,
    *,
    period: int,
    today: datetime.date,
    limit: int,
) -> list[ObjectSeries]:
    """A series for each of the top ``limit`` objects of the range, then "other".

    Queries: the ranking, the top objects' rows, their labels, and the sums and count
    of the others; LIFETIME adds one for the values carried into the range.
    """
    ids = top_object_ids(queryset, from_date, to_date, period=period, limit=limit)
    if not ids:
        return []
    in_range = queryset.filter(date__gte=from_date, date__lte=to_date).order_by()
    stored: dict[str, dict[datetime.date, Any]] = {object_id: {} for object_id in ids}
    for object_id, day, value in in_range.filter(object_id__in=ids).values_list(
        "object_id", "date", "value"
    ):
        stored[object_id][day] = value
    carried: dict[str, Any] = {}
    if is_gauge(period):
        latest_before = (
            queryset.filter(object_id=OuterRef("object_id"), date__lt=from_date)
            .order_by("-date")
            .values("date")[:1]
        )
        carried = dict(
            queryset.filter(object_id__in=ids, date=Subquery(latest_before))
            .order_by()
            .values_list("object_id", "value")
        )
    dates = series_dates(from_date, to_date, period)
    labels = object_labels(object_type, ids)
    result = [
        ObjectSeries(
            label=labels.get(object_id, _("%(id)s (deleted)") % {"id": object_id}),
            points=fill(
                dates,
                stored[object_id],
                period=period,
                today=today,
                carried=carried.get(object_id),
            ),
            object_id=object_id,
            found=object_id in labels,
        )
        for object_id in ids
    ]
    others = in_range.exclude(object_id__in=ids)
    count = others.values("object_id").distinct().count()
    if count:
        sums = dict(
            others.values("date").annotate(total=Sum("value")).values_list("date", "total")
        )
        label = _("Other (%(count)s objects)") % {"count": count}
        result.append(ObjectSeries(label, fill(dates, sums, period=period, today=today)))
    return result


def object_labels(object_type: ContentType, object_ids: Sequence[str]) -> dict[str, str]:
    """``str()`` of the objects that still exist, by object id, in one query."""
    model = object_type.model_class()
    if model is None:
        return {}
    keys = []
    for object_id in object_ids:
        try:
            keys.append(model._meta.pk.to_python(object_id))
        except ValidationError:
            continue  # An id this key type cannot hold names no object.
    found = model._default_manager.in_bulk(keys)
    return {object_id_of(obj): str(obj) for obj in found.values()}
