"""Gap-filled reads of stored statistics: date series and pandas DataFrames.

Trackers store a row only for dates whose window holds data, and ``record()`` stores
whatever the application gives it, so a reader who wants one value per day has to
fill the gaps. The functions here do that in Python over one query: the database
returns only the rows that exist.

A *missing* row reads as ``fill`` (0 unless told otherwise). A stored ``NULL`` value
means "no data available" and stays ``None``: filling it would hide the difference.

The ``StatisticQuerySet`` methods ``series()``, ``series_by_object()`` and
``to_dataframe()`` delegate here. The helpers :func:`cumulative`,
:func:`previous_range`, :func:`previous_series` and :func:`top_objects` build on them
for running totals, comparison with the previous period and top-N charts.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Sum

from .lazy_registration import resolve_instance
from .object_ids import object_id_of
from .periods import (
    bucket_start,
    calendar_months,
    is_calendar,
    next_bucket,
    parse_period_name,
    period_name,
)
from .statistic_schema import dimension_fields, is_by_object

if TYPE_CHECKING:
    import pandas

    # Types only: trackstats.querysets imports this module for its gap-filled reads.
    from .querysets import StatisticQuerySet

Series = list[tuple[datetime.date, Any]]

_ONE_SERIES_HINT = (
    "narrow the queryset to one metric and one period (and, for statistics by object "
    "or with extra dimensions, one object or dimension value) first, or use "
    "series_by_object() / to_dataframe()"
)


def dates_between(from_date: datetime.date, to_date: datetime.date) -> list[datetime.date]:
    """Every date from ``from_date`` through ``to_date``, both included."""
    _check_range(from_date, to_date)
    days = (to_date - from_date).days
    return [from_date + datetime.timedelta(days=offset) for offset in range(days + 1)]


def series_dates(
    from_date: datetime.date, to_date: datetime.date, period: int | None = None
) -> list[datetime.date]:
    """The dates of a series over the inclusive range: every date, or for a calendar
    period the first day of every bucket that starts in the range (a bucket's row is
    dated on its first day)."""
    if period is None or not is_calendar(period):
        return dates_between(from_date, to_date)
    _check_range(from_date, to_date)
    dates = []
    day = bucket_start(from_date, period)
    try:
        if day < from_date:
            day = next_bucket(day, period)
        while day <= to_date:
            dates.append(day)
            day = next_bucket(day, period)
    except (ValueError, OverflowError):
        pass  # the next bucket would start after year 9999: the series ends here
    return dates


def series_period(queryset: models.QuerySet[Any]) -> int | None:
    """The period a queryset is narrowed to (``narrow(period=...)`` or
    ``filter(period=...)``), or None."""
    for child in queryset.query.where.children:
        lhs = getattr(child, "lhs", None)
        target = getattr(lhs, "target", None)
        if getattr(child, "lookup_name", None) == "exact" and getattr(target, "name", None) == (
            "period"
        ):
            return int(getattr(child, "rhs"))  # noqa: B009 (the Node types do not say it)
    return None


def _period_of(queryset: models.QuerySet[Any], period: int | None) -> int | None:
    return period if period is not None else series_period(queryset)


def series(
    queryset: models.QuerySet[Any],
    from_date: datetime.date,
    to_date: datetime.date,
    fill: Any = 0,
    period: int | None = None,
) -> Series:
    """One ``(date, value)`` pair per date of the inclusive range, ``fill`` where no row is.

    For a calendar period (given as ``period=``, or the period the queryset is narrowed
    to) there is one pair per bucket that starts in the range instead, dated on its
    first day. The queryset
    must hold at most one row per date (one metric, one period and, for by-object or
    custom models, one object or dimension value); otherwise the series would be
    ambiguous and ValueError says so.
    """
    dates = series_dates(from_date, to_date, _period_of(queryset, period))
    rows = (
        queryset.filter(date__gte=from_date, date__lte=to_date)
        .order_by()
        .values_list("date", "value")
    )
    stored: dict[datetime.date, Any] = {}
    for date, value in rows.iterator():
        if date in stored:
            raise ValueError(f"series() found several statistics for {date}: {_ONE_SERIES_HINT}")
        stored[date] = value
    return [(date, stored.get(date, fill)) for date in dates]


def series_by_object(
    queryset: models.QuerySet[Any],
    from_date: datetime.date,
    to_date: datetime.date,
    fill: Any = 0,
    objects: Iterable[models.Model] | models.QuerySet[Any] | None = None,
    period: int | None = None,
) -> dict[Any, Series]:
    """One gap-filled series per object of a by-object statistic queryset.

    Without ``objects`` the result maps each canonical object id (the text stored in
    ``object_id``) that has a row in the range to its series, ordered by object id;
    the rows must then all be of one object type (narrow by ``object_type=`` first).
    With ``objects`` (a list or queryset of model instances) the result maps every one
    of those instances, in their order, to its series, including objects without any
    row (a series of ``fill``); rows of other objects are ignored.
    """
    model = queryset.model
    if not is_by_object(model):
        raise TypeError(
            f"series_by_object() needs statistics by object; {model.__name__} has no object"
        )
    dates = series_dates(from_date, to_date, _period_of(queryset, period))
    if objects is not None:
        instances = [resolve_instance(obj) for obj in objects]
        keys = [
            (ContentType.objects.db_manager(queryset.db).get_for_model(obj).pk, object_id_of(obj))
            for obj in instances
        ]
        queryset = cast("StatisticQuerySet[Any]", queryset).narrow(objects=instances)
    rows = (
        queryset.filter(date__gte=from_date, date__lte=to_date)
        .order_by()
        .values_list("object_type_id", "object_id", "date", "value")
    )
    stored: dict[tuple[int, str], dict[datetime.date, Any]] = {}
    for object_type_id, object_id, date, value in rows.iterator():
        by_date = stored.setdefault((object_type_id, object_id), {})
        if date in by_date:
            raise ValueError(
                f"series_by_object() found several statistics for object {object_id!r} on "
                f"{date}: {_ONE_SERIES_HINT}"
            )
        by_date[date] = value

    def filled(by_date: dict[datetime.date, Any]) -> Series:
        return [(date, by_date.get(date, fill)) for date in dates]

    if objects is not None:
        return {obj: filled(stored.get(key, {})) for obj, key in zip(instances, keys, strict=True)}
    object_types = {object_type_id for object_type_id, _ in stored}
    if len(object_types) > 1:
        raise ValueError(
            "series_by_object() found objects of several types; narrow the queryset by "
            "object_type= or pass objects= so that object ids cannot collide"
        )
    return {key[1]: filled(stored[key]) for key in sorted(stored)}


def cumulative(points: Series, start: Any = 0) -> Series:
    """The running total of a ``[(date, value)]`` series, from ``start``.

    A ``None`` value (a stored NULL: no data for that date) adds nothing and stays
    ``None`` at its date, so the gap stays visible; the total carries on after it.
    """
    total = start
    running: Series = []
    for date, value in points:
        if value is None:
            running.append((date, None))
            continue
        total = total + value
        running.append((date, total))
    return running


def previous_range(
    from_date: datetime.date, to_date: datetime.date, period: int | None = None
) -> tuple[datetime.date, datetime.date]:
    """The range just before ``from_date .. to_date`` that a comparison series covers.

    Without a calendar period it is the same number of days immediately before
    ``from_date``. For a calendar period it is the range moved back by as many buckets
    as it holds bucket starts (one bucket when it holds none), a month's day clamped to
    the month's length (31 March back one month is 29 February in a leap year). Either
    way ``series_dates()`` of both ranges have the same length, and for a calendar
    period the previous range's buckets are those immediately before the range's first.
    """
    try:
        if period is None or not is_calendar(period):
            _check_range(from_date, to_date)
            days = (to_date - from_date).days + 1
            return (
                from_date - datetime.timedelta(days=days),
                from_date - datetime.timedelta(days=1),
            )
        buckets = max(len(series_dates(from_date, to_date, period)), 1)
        return (
            _buckets_back(from_date, period, buckets),
            _buckets_back(to_date, period, buckets),
        )
    except OverflowError:
        raise ValueError(
            f"the range before {from_date} .. {to_date} starts before year {datetime.MINYEAR}"
        ) from None


def _buckets_back(day: datetime.date, period: int, buckets: int) -> datetime.date:
    # Moving by whole buckets maps each bucket's first day to a first day and every
    # other day to another day, so the number of bucket starts in a range is kept.
    months = calendar_months(period)
    if months is None:
        return day - datetime.timedelta(days=7 * buckets)
    index = day.year * 12 + day.month - 1 - months * buckets
    year, month = index // 12, index % 12 + 1
    if year < datetime.MINYEAR:
        raise OverflowError(year)
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def previous_series(
    queryset: models.QuerySet[Any],
    from_date: datetime.date,
    to_date: datetime.date,
    fill: Any = 0,
    period: int | None = None,
) -> Series:
    """The series over :func:`previous_range`, for comparison with
    ``series(queryset, from_date, to_date, ...)``: same length, so the two pair up by
    position. Its dates are the previous range's own."""
    period = _period_of(queryset, period)
    previous_from, previous_to = previous_range(from_date, to_date, period)
    return series(queryset, previous_from, previous_to, fill=fill, period=period)


@dataclass
class TopObjects:
    """The result of :func:`top_objects`.

    ``series`` maps the canonical object id of each top object, best first, to its
    gap-filled series; ``totals`` maps the same ids to the sum of their stored values
    in the range (None when they have no row or only NULLs). ``other`` is the per-date
    sum over every other object (``fill`` on a date where none has a row, None where
    all of their rows are NULL) and ``other_objects`` counts those objects. ``object_type`` is the
    objects' content type, None when the range has no rows.
    """

    series: dict[str, Series]
    totals: dict[str, Any]
    other: Series
    other_objects: int
    object_type: ContentType | None = None
    dates: list[datetime.date] = field(default_factory=list)

    def objects(self) -> dict[str, models.Model | None]:
        """The top objects' model instances by object id (None for a deleted one)."""
        if self.object_type is None:
            return {}
        model = self.object_type.model_class()
        found = {} if model is None else model._default_manager.in_bulk(list(self.series))
        by_id = {object_id_of(obj): obj for obj in found.values()}
        return {object_id: by_id.get(object_id) for object_id in self.series}


def top_objects(
    queryset: models.QuerySet[Any],
    from_date: datetime.date,
    to_date: datetime.date,
    limit: int,
    fill: Any = 0,
    period: int | None = None,
) -> TopObjects:
    """The ``limit`` objects with the largest sum of stored values in the range, each
    with its gap-filled series, and the per-date total of all the others.

    The queryset must be narrowed like for :func:`series_by_object` (one metric, one
    period) and hold one object type (narrow by ``object_type=`` when it could hold
    several). Ties are broken by object id; objects whose values are all NULL rank
    last. The sum ranks DAY and calendar rows by their total; for rolling windows and
    LIFETIME, whose rows overlap, it still orders objects by how much they weigh over
    the range.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be an integer >= 0, got {limit!r}")
    in_range = _by_object_in_range(queryset, from_date, to_date, "top_objects")
    ranking = (
        in_range.values("object_id")
        .annotate(total=Sum("value"))
        .order_by(F("total").desc(nulls_last=True), "object_id")
        .values_list("object_id", flat=True)
    )
    top_ids = list(ranking[:limit]) if limit else []
    return object_breakdown(queryset, from_date, to_date, top_ids, fill=fill, period=period)


def object_breakdown(
    queryset: models.QuerySet[Any],
    from_date: datetime.date,
    to_date: datetime.date,
    object_ids: Iterable[str],
    fill: Any = 0,
    period: int | None = None,
) -> TopObjects:
    """Like :func:`top_objects`, for objects you choose: the series of each of
    ``object_ids`` (canonical object ids, in that order) and the per-date total of all
    the others. With the ids :func:`top_objects` picked and :func:`previous_range`,
    it gives the previous period of the same objects."""
    ids = [str(object_id) for object_id in object_ids]
    period = _period_of(queryset, period)
    dates = series_dates(from_date, to_date, period)
    in_range = _by_object_in_range(queryset, from_date, to_date, "object_breakdown")
    object_types = list(in_range.values_list("object_type_id", flat=True).distinct()[:2])
    if len(object_types) > 1:
        raise ValueError(
            "the statistics hold objects of several types; narrow the queryset by "
            "object_type= so that object ids cannot collide"
        )
    chosen = in_range.filter(object_id__in=ids)
    by_object: dict[str, dict[datetime.date, Any]] = {object_id: {} for object_id in ids}
    for object_id, date, value in chosen.values_list("object_id", "date", "value"):
        if date in by_object[object_id]:
            raise ValueError(
                f"found several statistics for object {object_id!r} on {date}: {_ONE_SERIES_HINT}"
            )
        by_object[object_id][date] = value
    totals = dict(
        chosen.values("object_id").annotate(total=Sum("value")).values_list("object_id", "total")
    )
    others = in_range.exclude(object_id__in=ids)
    other_by_date = dict(
        others.values("date").annotate(total=Sum("value")).values_list("date", "total")
    )
    return TopObjects(
        series={
            object_id: [(date, by_object[object_id].get(date, fill)) for date in dates]
            for object_id in ids
        },
        totals={object_id: totals.get(object_id) for object_id in ids},
        other=[(date, other_by_date.get(date, fill)) for date in dates],
        other_objects=others.values("object_id").distinct().count(),
        object_type=(
            ContentType.objects.db_manager(queryset.db).get_for_id(object_types[0])
            if object_types
            else None
        ),
        dates=dates,
    )


def _by_object_in_range(
    queryset: models.QuerySet[Any], from_date: datetime.date, to_date: datetime.date, caller: str
) -> models.QuerySet[Any]:
    model = queryset.model
    if not is_by_object(model):
        raise TypeError(f"{caller}() needs statistics by object; {model.__name__} has no object")
    _check_range(from_date, to_date)
    return queryset.filter(date__gte=from_date, date__lte=to_date).order_by()


def series_columns(model: type[models.Model]) -> list[str]:
    """Columns of :func:`to_dataframe` for a statistic model, value last."""
    columns = ["date", "metric", "period"]
    if is_by_object(model):
        columns += ["object_type", "object_id"]
    columns += _extra_dimensions(model)
    columns.append("value")
    return columns


def to_dataframe(
    queryset: models.QuerySet[Any],
    from_date: datetime.date | None = None,
    to_date: datetime.date | None = None,
    fill: Any = 0,
) -> pandas.DataFrame:
    """The statistics as a long-format pandas DataFrame, one row per statistic.

    Columns: ``date`` (datetime64), ``metric`` (``"domain.metric"`` label), ``period``
    (period name such as ``"day"``), for by-object models ``object_type``
    (``"app_label.model"``) and ``object_id``, then any extra dimension fields of a
    custom model, then ``value``. With both ``from_date`` and ``to_date`` every series
    present in the range (each metric, period, object and dimension combination) gets
    a row for every date, ``fill`` where none is stored; stored NULLs stay missing
    (NaN or None, as pandas holds them). Rows are ordered by series, then date.
    Needs pandas (``pip install 'django-trackstats[pandas]'``).
    """
    pandas = _import_pandas()
    model = queryset.model
    columns = series_columns(model)
    if from_date is not None:
        queryset = queryset.filter(date__gte=_check_date(from_date, "from_date"))
    if to_date is not None:
        queryset = queryset.filter(date__lte=_check_date(to_date, "to_date"))
    records = _series_records(queryset, model)
    if from_date is not None and to_date is not None:
        records = _gap_filled(records, from_date, to_date, fill)
    frame = pandas.DataFrame.from_records(list(records), columns=columns)
    frame["date"] = pandas.to_datetime(frame["date"])
    return frame


def _series_records(
    queryset: models.QuerySet[Any], model: type[models.Model]
) -> Iterator[tuple[Any, ...]]:
    by_object = is_by_object(model)
    extra = _extra_dimensions(model)
    fields = ["metric__domain__ref", "metric__ref", "period"]
    if by_object:
        fields += ["object_type__app_label", "object_type__model", "object_id"]
    fields += extra
    ordering = [*fields, "date"]
    rows = queryset.order_by(*ordering).values_list(*fields, "date", "value")
    for row in rows.iterator():
        domain_ref, metric_ref, period, *rest = row
        series_key: list[Any] = [f"{domain_ref}.{metric_ref}", period_name(period)]
        if by_object:
            app_label, model_name, object_id, *rest = rest
            series_key += [f"{app_label}.{model_name}", object_id]
        *dimensions, date, value = rest
        yield (date, *series_key, *dimensions, value)


def _gap_filled(
    records: Iterator[tuple[Any, ...]], from_date: datetime.date, to_date: datetime.date, fill: Any
) -> Iterator[tuple[Any, ...]]:
    # Records arrive grouped by series and ordered by date within each series. Each
    # series is filled on the dates of its own period (one per bucket for calendar
    # periods); its period name is the second part of its key.
    current_key: tuple[Any, ...] | None = None
    stored: dict[datetime.date, Any] = {}

    def flush(key: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        period = parse_period_name(key[1])
        for date in series_dates(from_date, to_date, period):
            yield (date, *key, stored.get(date, fill))

    for date, *middle, value in records:
        key = tuple(middle)
        if key != current_key:
            if current_key is not None:
                yield from flush(current_key)
            current_key, stored = key, {}
        stored[date] = value
    if current_key is not None:
        yield from flush(current_key)


def _extra_dimensions(model: type[models.Model]) -> list[str]:
    return [name for name in dimension_fields(model) if name not in ("object_type", "object_id")]


def _import_pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            "to_dataframe() needs pandas, which is not installed: "
            "pip install 'django-trackstats[pandas]'"
        ) from exc
    return pandas


def _check_range(from_date: Any, to_date: Any) -> None:
    _check_date(from_date, "from_date")
    _check_date(to_date, "to_date")
    if from_date > to_date:
        raise ValueError(f"from_date {from_date} is after to_date {to_date}")


def _check_date(value: Any, argument: str) -> datetime.date:
    # A datetime's local date depends on a time zone; statistics are keyed by date.
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"{argument} must be a datetime.date, got {value!r}")
    return value
