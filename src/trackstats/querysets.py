"""The query API shared by every statistic model: record(), increment(), narrow() and more."""

from __future__ import annotations

import datetime
import decimal
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from asgiref.sync import sync_to_async
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields.related import RelatedField
from django.db.models.functions import Coalesce

from . import series as gap_filled
from .clock import today_in
from .engine.dialects import dialect_for
from .lazy_registration import resolve_instance
from .object_ids import ObjectIdText, object_id_of
from .periods import Period, bucket_start, is_event_period, period_label, validate_period
from .signals import post_record
from .statistic_schema import (
    column_of,
    dimension_fields,
    forward_field,
    is_by_object,
    statistic_key_fields,
)

if TYPE_CHECKING:
    # Types only: trackstats.models imports this module for the statistic managers.
    from .models import AbstractStatistic, Metric

_S = TypeVar("_S", bound="AbstractStatistic")


class StatisticQuerySet(models.QuerySet[_S]):
    if TYPE_CHECKING:
        # QuerySet's own: the alias of using(), None until it is called.
        _db: str | None

    # ------------------------------------------------------------------ writing
    def record(
        self,
        metric: Any,
        value: Any,
        period: int,
        date: datetime.date | None = None,
        object: models.Model | None = None,
        **extra_dimensions: Any,
    ) -> _S:
        """Create or update the one row for this key and return it.

        ``date`` defaults to today in the current time zone; for a calendar period the
        row is that of the bucket holding it, dated on the bucket's first day. Every
        argument is checked before anything is written.
        """
        model = self.model
        key = self._statistic_key(
            "record", metric, period, validate_period, date, object, extra_dimensions
        )
        clean_value = clean_statistic_value(model, value)

        db = self._write_db()
        key_fields = statistic_key_fields(model)
        connection = connections[db]
        unique_fields = (
            list(key_fields) if connection.features.supports_update_conflicts_with_target else None
        )
        # One upsert statement: concurrent writers of the same key never see an
        # IntegrityError, and the last writer's value wins.
        model._default_manager.using(db).bulk_create(
            [model(**key, value=clean_value)],
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=["value"],
        )
        stored = self._stored(db).get(**key)
        post_record.send(sender=model, instance=stored, using=db)
        return stored

    def increment(
        self,
        metric: Any,
        period: int,
        by: int | float | decimal.Decimal = 1,
        date: datetime.date | None = None,
        object: models.Model | None = None,
        **extra_dimensions: Any,
    ) -> _S:
        """Add ``by`` to the counter of this key, created at ``by``; return the row.

        For events without a source table (API calls, page views). A NULL value
        counts as 0. ``period`` is DAY, LIFETIME or a calendar period (the row of the
        bucket holding ``date``); ``date`` defaults to today in the current time zone.
        Concurrent increments add up exactly: a DAY or calendar increment is one
        upsert statement; a LIFETIME increment adds to a running total, the row
        of its date (started from the latest earlier total) and every later row, with
        the key's writers serialized by a lock.
        """
        model = self.model
        key = self._statistic_key(
            "increment", metric, period, _event_period, date, object, extra_dimensions
        )
        db = self._write_db()
        connection = connections[db]
        step = _clean_increment(model, by, connection)
        opts = model._meta
        value_field = forward_field(model, "value")
        dialect = dialect_for(connection)
        # Built first, so that a database without an upsert refuses before any write.
        clause = dialect.increment_clause(
            opts.db_table,
            [column_of(model, name) for name in statistic_key_fields(model)],
            column_of(model, "value"),
        )
        manager = self._stored(db)
        running_total = key["period"] == Period.LIFETIME
        lock_name = _increment_lock_name(model, key) if running_total else None
        try:
            # The read shares the write's transaction, which holds the row until it
            # commits: the row is returned as this increment left it.
            with transaction.atomic(using=db), connection.cursor() as cursor:
                initial = step
                if lock_name is not None:
                    dialect.lock(cursor, lock_name)
                    totals = manager.filter(
                        **{name: value for name, value in key.items() if name != "date"}
                    )
                    # The first write of the transaction, so that SQLite takes its
                    # write lock before reading the total (no lock upgrade to fail).
                    totals.filter(date__gt=key["date"]).update(
                        value=Coalesce("value", models.Value(0, output_field=value_field))
                        + models.Value(step, output_field=value_field)
                    )
                    # Of the value field's type, which only the model knows.
                    earlier: Any = (
                        totals.filter(date__lt=key["date"])
                        .order_by("-date")
                        .values_list("value", flat=True)
                        .first()
                    )
                    initial = (earlier or 0) + step
                sql, params = _increment_insert(model, connection, key, initial)
                cursor.execute(
                    sql + clause, [*params, value_field.get_db_prep_value(step, connection)]
                )
                stored = manager.get(**key)
        finally:
            if lock_name is not None:
                with connection.cursor() as cursor:
                    dialect.unlock(cursor, lock_name)
        post_record.send(sender=model, instance=stored, using=db)
        return stored

    async def aincrement(
        self,
        metric: Any,
        period: int,
        by: int | float | decimal.Decimal = 1,
        date: datetime.date | None = None,
        object: models.Model | None = None,
        **extra_dimensions: Any,
    ) -> _S:
        """``increment()`` for async code: it runs in the thread of Django's sync code."""
        return await sync_to_async(self.increment, thread_sensitive=True)(
            metric, period, by, date, object, **extra_dimensions
        )

    async def arecord(
        self,
        metric: Any,
        value: Any,
        period: int,
        date: datetime.date | None = None,
        object: models.Model | None = None,
        **extra_dimensions: Any,
    ) -> _S:
        """``record()`` for async code: it runs in the thread of Django's sync code,
        where a lazy registration may resolve (a query)."""
        return await sync_to_async(self.record, thread_sensitive=True)(
            metric, value, period, date, object, **extra_dimensions
        )

    def _stored(self, db: str) -> models.QuerySet[_S]:
        """The model's rows on ``db`` through its default manager, whatever this
        queryset's filters: where a write reads its row back."""
        # The stubs type the manager of a type[_S] by _S's bound, AbstractStatistic.
        return cast("models.QuerySet[_S]", self.model._default_manager.using(db))

    def _write_db(self) -> str:
        return self._db or router.db_for_write(self.model)

    def _statistic_key(
        self,
        method: str,
        metric: Any,
        period: Any,
        check_period: Callable[[Any], int],
        date: datetime.date | None,
        object: models.Model | None,
        extra_dimensions: dict[str, Any],
    ) -> dict[str, Any]:
        """The checked key fields of one statistic row, for ``method``'s messages."""
        model = self.model
        key: dict[str, Any] = {
            "metric": _saved_metric(model, metric),
            "period": check_period(period),
            "date": today_in() if date is None else _check_date(date, "date"),
        }
        if key["period"] < 0:
            # A calendar period's row is dated on the first day of its bucket.
            key["date"] = bucket_start(key["date"], key["period"])
        dimensions = set(dimension_fields(model))
        if is_by_object(model):
            if object is None:
                raise TypeError(f"{model.__name__}.{method}() needs object=")
            key["object_type"] = ContentType.objects.db_manager(self._write_db()).get_for_model(
                object
            )
            key["object_id"] = object_id_of(object)
            dimensions -= {"object_type", "object_id"}
        elif object is not None:
            raise TypeError(
                f"{model.__name__} has no object: drop object= or use a by-object model"
            )
        unknown = set(extra_dimensions) - dimensions
        if unknown:
            raise TypeError(
                f"{model.__name__}.{method}() got unknown dimension(s) {sorted(unknown)}; "
                f"its dimensions are {sorted(dimensions) or 'none'}"
            )
        missing = dimensions - set(extra_dimensions)
        if missing:
            raise TypeError(f"{model.__name__}.{method}() needs dimension(s) {sorted(missing)}")
        for name, dim_value in extra_dimensions.items():
            key[name] = _clean_field(model, name, dim_value)
        return key

    # ------------------------------------------------------------------ reading
    def narrow(
        self,
        metric: Any = None,
        metrics: Iterable[Any] | None = None,
        period: int | None = None,
        date: datetime.date | None = None,
        from_date: datetime.date | None = None,
        to_date: datetime.date | None = None,
        object: models.Model | None = None,
        objects: Iterable[models.Model] | models.QuerySet[Any] | None = None,
        object_type: ContentType | type[models.Model] | None = None,
    ) -> StatisticQuerySet[_S]:
        """Filter statistics. Dates are inclusive; ``period=Period.LIFETIME`` filters too."""
        qs = self
        model = self.model
        if metric is not None and metrics is not None:
            raise TypeError("narrow() takes metric= or metrics=, not both")
        if metric is not None:
            qs = qs.filter(metric=_saved_metric(model, metric))
        if metrics is not None:
            if isinstance(metrics, models.QuerySet):
                if metrics.model is not _metric_model(model):
                    raise TypeError("metrics= must be a queryset of Metric")
                qs = qs.filter(metric__in=metrics)
            else:
                qs = qs.filter(metric__in=[_saved_metric(model, m) for m in metrics])
        if period is not None:
            qs = qs.filter(period=validate_period(period))
        if date is not None:
            qs = qs.filter(date=_check_date(date, "date"))
        if from_date is not None:
            qs = qs.filter(date__gte=_check_date(from_date, "from_date"))
        if to_date is not None:
            qs = qs.filter(date__lte=_check_date(to_date, "to_date"))

        if object is None and objects is None and object_type is None:
            return qs
        if not is_by_object(model):
            raise TypeError(f"{model.__name__} has no object to narrow by")
        if object is not None and objects is not None:
            raise TypeError("narrow() takes object= or objects=, not both")
        if object_type is not None:
            qs = qs.filter(object_type=_content_type(object_type))
        if object is not None:
            objects = [resolve_instance(object)]
        if objects is not None:
            qs = qs.filter(_objects_condition(objects))
        return qs

    def most_recent(self, **narrow_kwargs: Any) -> _S | None:
        """The latest row by date among those ``narrow(**narrow_kwargs)`` selects."""
        return self.narrow(**narrow_kwargs).order_by("-date", "-pk").first()

    async def amost_recent(self, **narrow_kwargs: Any) -> _S | None:
        """``most_recent()`` for async code: ``narrow()`` (which may resolve a lazy
        registration) and the query run in the thread of Django's sync code."""
        return await sync_to_async(self.most_recent, thread_sensitive=True)(**narrow_kwargs)

    # ------------------------------------------------------------ gap-filled reads
    def series(
        self,
        from_date: datetime.date,
        to_date: datetime.date,
        fill: Any = 0,
        period: int | None = None,
    ) -> list[tuple[datetime.date, Any]]:
        """``[(date, value), ...]`` for every date of the range (every bucket of a
        calendar period); see trackstats.series."""
        return gap_filled.series(self, from_date, to_date, fill=fill, period=period)

    def series_by_object(
        self,
        from_date: datetime.date,
        to_date: datetime.date,
        fill: Any = 0,
        objects: Iterable[models.Model] | models.QuerySet[Any] | None = None,
        period: int | None = None,
    ) -> dict[Any, list[tuple[datetime.date, Any]]]:
        """One gap-filled series per object; see trackstats.series.series_by_object."""
        return gap_filled.series_by_object(
            self, from_date, to_date, fill=fill, objects=objects, period=period
        )

    def previous_series(
        self,
        from_date: datetime.date,
        to_date: datetime.date,
        fill: Any = 0,
        period: int | None = None,
    ) -> list[tuple[datetime.date, Any]]:
        """The series of the range just before, for comparison with ``series()`` of
        the same arguments; see trackstats.series.previous_series."""
        return gap_filled.previous_series(self, from_date, to_date, fill=fill, period=period)

    def to_dataframe(
        self,
        from_date: datetime.date | None = None,
        to_date: datetime.date | None = None,
        fill: Any = 0,
    ) -> Any:
        """A pandas DataFrame of these statistics (needs pandas); see trackstats.series."""
        return gap_filled.to_dataframe(self, from_date, to_date, fill=fill)

    # The async reads run the sync ones, query and gap filling both, in the thread of
    # Django's sync code: the ORM may not query from an event loop's thread.
    async def aseries(
        self,
        from_date: datetime.date,
        to_date: datetime.date,
        fill: Any = 0,
        period: int | None = None,
    ) -> list[tuple[datetime.date, Any]]:
        """``series()`` for async code."""
        return await sync_to_async(self.series, thread_sensitive=True)(
            from_date, to_date, fill=fill, period=period
        )

    async def aseries_by_object(
        self,
        from_date: datetime.date,
        to_date: datetime.date,
        fill: Any = 0,
        objects: Iterable[models.Model] | models.QuerySet[Any] | None = None,
        period: int | None = None,
    ) -> dict[Any, list[tuple[datetime.date, Any]]]:
        """``series_by_object()`` for async code."""
        return await sync_to_async(self.series_by_object, thread_sensitive=True)(
            from_date, to_date, fill=fill, objects=objects, period=period
        )

    async def aprevious_series(
        self,
        from_date: datetime.date,
        to_date: datetime.date,
        fill: Any = 0,
        period: int | None = None,
    ) -> list[tuple[datetime.date, Any]]:
        """``previous_series()`` for async code."""
        return await sync_to_async(self.previous_series, thread_sensitive=True)(
            from_date, to_date, fill=fill, period=period
        )

    async def ato_dataframe(
        self,
        from_date: datetime.date | None = None,
        to_date: datetime.date | None = None,
        fill: Any = 0,
    ) -> Any:
        """``to_dataframe()`` for async code (needs pandas)."""
        return await sync_to_async(self.to_dataframe, thread_sensitive=True)(
            from_date, to_date, fill=fill
        )


def _event_period(period: Any) -> int:
    checked = validate_period(period)
    if not is_event_period(checked):
        raise ValueError(
            f"increment() counts events in Period.DAY, Period.LIFETIME or a calendar "
            "period (CALENDAR_WEEK, CALENDAR_MONTH, QUARTER, YEAR), not in "
            f"{period_label(checked)} ({checked}), a rolling window: an event belongs to "
            f"one date, and the windows of the {checked // Period.DAY} dates from that "
            "date on all hold it, so counting it would mean updating as many rows. "
            "Increment the DAY counter and read windows over it with a tracker or series()"
        )
    return checked


def _clean_increment(
    model: type[models.Model], by: Any, connection: BaseDatabaseWrapper
) -> int | float | decimal.Decimal:
    """``by`` as a step the model's value field takes on ``connection``.

    An int for an integer field; an int or Decimal for a DecimalField; an int or
    float for a FloatField. A bool, NaN, infinity, a number out of the field's range
    and anything else are refused with TypeError or ValueError.
    """
    field = model._meta.get_field("value")
    kinds: tuple[type, ...]
    if isinstance(field, models.IntegerField):
        kinds = (int,)
    elif isinstance(field, models.DecimalField):
        kinds = (int, decimal.Decimal)
    elif isinstance(field, models.FloatField):
        kinds = (int, float)
    else:
        raise TypeError(
            f"increment() adds numbers, and {model.__name__}.value is a "
            f"{type(field).__name__}: use an integer, decimal or float value field"
        )
    # bool is an int subclass; True would otherwise count as 1.
    if isinstance(by, bool) or not isinstance(by, kinds):
        raise TypeError(
            f"by must be {' or '.join(kind.__name__ for kind in kinds)} for "
            f"{model.__name__}.value ({type(field).__name__}), got {by!r}"
        )
    if (isinstance(by, float) and not math.isfinite(by)) or (
        isinstance(by, decimal.Decimal) and not by.is_finite()
    ):
        raise ValueError(f"by must be a finite number, got {by!r}")
    if isinstance(field, models.IntegerField):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and by < low) or (high is not None and by > high):
            raise ValueError(
                f"by={by!r} is out of the range of {model.__name__}.value ({low} .. {high})"
            )
        return by
    if isinstance(field, models.DecimalField):
        step = decimal.Decimal(by)
        try:
            DecimalValidator(field.max_digits, field.decimal_places)(step)
        except ValidationError as exc:
            raise ValueError(
                f"by={by!r} does not fit {model.__name__}.value: {'; '.join(exc.messages)}"
            ) from exc
        return step
    try:
        return float(by)
    except OverflowError as exc:
        raise ValueError(f"by={by!r} does not fit {model.__name__}.value, a float") from exc


def _increment_insert(
    model: type[models.Model], connection: BaseDatabaseWrapper, key: dict[str, Any], value: Any
) -> tuple[str, list[Any]]:
    """``INSERT INTO ... VALUES (...)`` of the row ``key`` with ``value``, and its
    parameters, converted for ``connection`` as a save would convert them."""
    opts = model._meta
    quote = connection.ops.quote_name
    # Related objects by their ids: assigning an instance would ask the router whether
    # the new row may relate to it before the row has a database.
    raw = {}
    for name, key_value in key.items():
        field = forward_field(model, name)
        if isinstance(field, RelatedField):
            raw[field.attname] = getattr(key_value, field.target_field.attname)
        else:
            raw[name] = key_value
    instance = model(**raw, value=value)
    columns: list[str] = []
    params: list[Any] = []
    for field in opts.concrete_fields:
        if field.generated or (field.primary_key and getattr(instance, field.attname) is None):
            continue
        field_value = field.pre_save(instance, add=True)
        if hasattr(field_value, "resolve_expression"):
            # A db_default: the database fills the column.
            continue
        columns.append(quote(field.column))
        params.append(field.get_db_prep_save(field_value, connection))
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(opts.db_table)} ({', '.join(columns)}) VALUES ({placeholders})"
    return sql, params


def _increment_lock_name(model: type[models.Model], key: dict[str, Any]) -> str:
    """The lock that serializes the running-total writers of ``key``'s dates."""
    parts = [
        f"{name}={value.pk if isinstance(value, models.Model) else value}"
        for name, value in key.items()
        if name != "date"
    ]
    return f"{model._meta.db_table}:increment:{','.join(parts)}"


def _objects_condition(objects: Iterable[models.Model] | models.QuerySet[Any]) -> models.Q:
    if isinstance(objects, models.QuerySet):
        pk_field = objects.model._meta.pk
        ids = objects.order_by().values(_trackstats_id=ObjectIdText("pk", pk_field))
        return models.Q(
            object_type=ContentType.objects.get_for_model(objects.model),
            object_id__in=ids,
        )
    by_type: dict[ContentType, list[str]] = defaultdict(list)
    for obj in objects:
        by_type[ContentType.objects.get_for_model(obj)].append(object_id_of(obj))
    if not by_type:
        # An empty list selects nothing, as in 0.7.
        return models.Q(pk__in=[])
    condition = models.Q()
    for content_type, object_ids in by_type.items():
        condition |= models.Q(object_type=content_type, object_id__in=object_ids)
    return condition


def _content_type(value: ContentType | type[models.Model]) -> ContentType:
    if isinstance(value, ContentType):
        return value
    if isinstance(value, type) and issubclass(value, models.Model):
        return ContentType.objects.get_for_model(value)
    raise TypeError(f"object_type must be a ContentType or a model class, got {value!r}")


def _metric_model(model: type[models.Model]) -> type[Metric]:
    """The Metric model, which the statistic model's ``metric`` foreign key points to.

    Read from the field rather than imported: trackstats.models imports this module,
    so importing Metric back would make the two modules a cycle again.
    """
    return cast("type[Metric]", forward_field(model, "metric").related_model)


def _saved_metric(model: type[models.Model], metric: Any) -> Metric:
    metric = resolve_instance(metric)
    if metric is None:
        raise TypeError("metric is required")
    if not isinstance(metric, _metric_model(model)):
        raise TypeError(f"metric must be a Metric, got {type(metric).__name__}")
    if metric.pk is None:
        raise ValueError(f"metric {metric.ref!r} is unsaved: save or register it first")
    return metric


def _check_date(value: Any, argument: str) -> datetime.date:
    # datetime is a date subclass; refuse it, since its local date depends on a zone.
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"{argument} must be a datetime.date, got {value!r}")
    return value


def _clean_field(model: type[models.Model], name: str, value: Any) -> Any:
    field = forward_field(model, name)
    try:
        cleaned = field.clean(value, None) if not field.is_relation else value
    except ValidationError as exc:
        raise ValidationError(f"{name}: {'; '.join(exc.messages)}") from exc
    return cleaned


def clean_statistic_value(model: type[models.Model], value: Any) -> Any:
    """Check that the model's value field can hold ``value``; return it converted.

    Raises ``ValidationError`` naming ``value`` for text, fractions on an integer
    field and numbers out of range.
    """
    if value is None:
        return None
    field = forward_field(model, "value")
    if isinstance(value, bool):
        raise ValidationError(f"value must be a number, got {value!r}")
    if isinstance(field, models.IntegerField):
        integral = (
            isinstance(value, int)
            or (isinstance(value, float) and value.is_integer())
            or (
                isinstance(value, decimal.Decimal)
                and value.is_finite()
                and value == value.to_integral_value()
            )
        )
        if not integral:
            raise ValidationError(
                f"value {value!r} does not fit {model.__name__}.value, an integer field; "
                "use a statistic model with a DecimalField or FloatField value"
            )
        value = int(value)
    elif isinstance(value, str):
        raise ValidationError(f"value must be a number, got {value!r}")
    try:
        return field.clean(value, None)
    except ValidationError as exc:
        raise ValidationError(f"value {value!r}: {'; '.join(exc.messages)}") from exc


def statistic_rows(model: type[models.Model], using: str) -> StatisticQuerySet[Any]:
    """The rows of the statistic model ``model`` on database ``using``, with the query API.

    Its default manager comes from ``AbstractStatistic.objects`` (or a subclass's own,
    built on StatisticQuerySet as well), which ``type[Model]`` cannot tell mypy.
    """
    return cast("StatisticQuerySet[Any]", model._default_manager.using(using))
