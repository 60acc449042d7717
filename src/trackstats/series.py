"""Gap-filled reads of stored statistics: date series and pandas DataFrames.

Trackers store a row only for dates whose window holds data, and ``record()`` stores
whatever the application gives it, so a reader who wants one value per day has to
fill the gaps. The functions here do that in Python over one query: the database
returns only the rows that exist.

A *missing* row reads as ``fill`` (0 unless told otherwise). A stored ``NULL`` value
means "no data available" and stays ``None``: filling it would hide the difference.

The ``StatisticQuerySet`` methods ``series()``, ``series_by_object()`` and
``to_dataframe()`` delegate here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import dimension_fields, is_by_object, resolve_instance
from .objects import object_id_of
from .periods import bucket_start, is_calendar, next_bucket, parse_period_name, period_name

if TYPE_CHECKING:
    import pandas

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
    if day < from_date:
        day = next_bucket(day, period)
    while day <= to_date:
        dates.append(day)
        day = next_bucket(day, period)
    return dates


def series_period(queryset: models.QuerySet) -> int | None:
    """The period a queryset is narrowed to (``narrow(period=...)`` or
    ``filter(period=...)``), or None."""
    for child in queryset.query.where.children:
        lhs = getattr(child, "lhs", None)
        target = getattr(lhs, "target", None)
        if getattr(child, "lookup_name", None) == "exact" and getattr(target, "name", None) == (
            "period"
        ):
            return int(child.rhs)
    return None


def _period_of(queryset: models.QuerySet, period: int | None) -> int | None:
    return period if period is not None else series_period(queryset)


def series(
    queryset: models.QuerySet,
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
    queryset: models.QuerySet,
    from_date: datetime.date,
    to_date: datetime.date,
    fill: Any = 0,
    objects: Iterable[models.Model] | models.QuerySet | None = None,
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
        queryset = queryset.narrow(objects=instances)
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


def series_columns(model: type[models.Model]) -> list[str]:
    """Columns of :func:`to_dataframe` for a statistic model, value last."""
    columns = ["date", "metric", "period"]
    if is_by_object(model):
        columns += ["object_type", "object_id"]
    columns += _extra_dimensions(model)
    columns.append("value")
    return columns


def to_dataframe(
    queryset: models.QuerySet,
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


def _series_records(queryset: models.QuerySet, model: type[models.Model]) -> Iterator[tuple]:
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
    records: Iterator[tuple], from_date: datetime.date, to_date: datetime.date, fill: Any
) -> Iterator[tuple]:
    # Records arrive grouped by series and ordered by date within each series. Each
    # series is filled on the dates of its own period (one per bucket for calendar
    # periods); its period name is the second part of its key.
    current_key: tuple | None = None
    stored: dict[datetime.date, Any] = {}

    def flush() -> Iterator[tuple]:
        period = parse_period_name(current_key[1])
        for date in series_dates(from_date, to_date, period):
            yield (date, *current_key, stored.get(date, fill))

    for date, *middle, value in records:
        key = tuple(middle)
        if key != current_key:
            if current_key is not None:
                yield from flush()
            current_key, stored = key, {}
        stored[date] = value
    if current_key is not None:
        yield from flush()


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
