"""Trackers: compute statistics of a queryset and store them, set-based.

A tracker is declared once (period, metric, date field, aggregate, statistic model)
and run with ``track(queryset)``. One run is a constant number of SQL statements: the
database buckets the source rows by local date, aggregates them over each date's window
and upserts the results, in one transaction. See docs/time-zones.md for how local dates
are computed and docs/custom-models.md for statistic models of your own.

Concurrency: runs that write the same statistics (same statistic table, metric, period
and, for a tracker of one object, that object) are serialized. On PostgreSQL a run takes
a transaction-level advisory lock, on MySQL/MariaDB a named lock (``GET_LOCK``): a second
run started meanwhile waits for the first to commit, then recomputes its range on top
of it, so both succeed and the stored values are correct. SQLite serializes writers
itself. A run that loses a deadlock is retried when it owns the whole transaction.
Inside a transaction of your own (``transaction.atomic()`` around ``track()``), the
PostgreSQL lock is held until your transaction ends; the MySQL/MariaDB lock is released
when ``track()`` returns, after which a concurrent run waits on the row locks of the
rows written instead, and still leaves correct values.

A run is one ``INSERT ... SELECT`` from the source table into the statistic table, so
both must live in the same database: the queryset's (``using()`` is respected).
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, cast, overload

from asgiref.sync import sync_to_async
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import DEFAULT_DB_ALIAS, NotSupportedError, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, F, Min
from django.db.models.expressions import Star
from django.db.models.fields.related import RelatedField
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.sql import Query
from django.utils import timezone

from . import clock
from .engine.aggregates import FRACTIONAL_AGGREGATES, SUPPORTED_AGGREGATES
from .engine.calendar import local_date
from .engine.dialects import dialect_for
from .engine.execute import Target, convert_date, convert_value, read, write
from .engine.statements import DateRange, Select, Source, StoredBase, build_select
from .models import (
    AbstractStatistic,
    Domain,
    Metric,
    StatisticByDate,
    StatisticByDateAndObject,
    dimension_fields,
    forward_field,
    is_by_object,
    resolve_instance,
)
from .object_ids import object_id_of
from .periods import (
    Period,
    bucket_start,
    calendar_months,
    is_calendar,
    period_days,
    period_name,
    validate_period,
    week_first_weekday,
)
from .runlog import RunRecord, Scope, log_failure, log_success, previous_zone, zone_name
from .signals import post_track

__all__ = [
    "ComputedRun",
    "CountObjectsByDateAndObjectTracker",
    "CountObjectsByDateTracker",
    "ObjectsByDateAndObjectTracker",
    "ObjectsByDateTracker",
    "TimeZoneChanged",
    "TrackResult",
    "check_lookback",
]

logger = logging.getLogger("trackstats")

_OBJECT_FIELDS = ("object_type", "object_id")


@dataclass(frozen=True)
class TrackResult:
    """What one ``track()`` did.

    ``start_date`` is None when there was nothing to track (no stored statistics and no
    source rows). ``rows_written`` counts the statistics written (inserted or
    replaced) for ``start_date`` through ``end_date``; ``rows_removed`` is by how many
    rows that range shrank, i.e. stored statistics whose window no longer holds any
    source row (a run deletes the range's rows and writes the recomputed ones).
    """

    start_date: datetime.date | None
    end_date: datetime.date
    rows_written: int
    rows_removed: int
    #: The time zone the run's dates are local dates of (its IANA name). Left out of
    #: comparisons, so results compare as they did before it was added.
    time_zone: str = field(default="", compare=False)


class TimeZoneChanged(ValueError):
    """A run in another time zone than the stored statistics' would mix the two."""


@dataclass(frozen=True)
class _Plan:
    """The dates a run covers, ``start`` through ``end``; start None: nothing to do."""

    start: datetime.date | None
    end: datetime.date
    #: Stored rows after ``end`` to remove as well (a time zone change moved them).
    delete_until: datetime.date | None = None
    #: LIFETIME: the day before ``start``, when statistics are stored for it; the run
    #: continues from them instead of reading the source history before ``start``.
    continue_from: datetime.date | None = None
    #: Whether ``start`` is the first source row's date (nothing stored yet): the run
    #: reads every source row.
    whole_source: bool = False


@dataclass(frozen=True)
class ComputedRun:
    """What a run would store, without storing it.

    ``values`` maps each statistic key, the tuple (date, then the key's dimension values
    in the model's key order: ``object_type_id, object_id`` for by-object statistics,
    custom dimensions such as ``country``) to its value. Only dates whose window holds
    source rows appear.
    """

    start_date: datetime.date | None
    end_date: datetime.date
    values: dict[tuple[Any, ...], Any]


class _MetricAttribute:
    """``tracker.metric``: set to a Metric or a lazy registration, read as the Metric.

    Reading resolves a lazy registration (creating the row on first use), so a tracker
    can be declared at import time, before the database is reachable.
    """

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _MetricAttribute: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> Metric: ...

    def __get__(self, instance: Any, owner: type | None = None) -> Metric | _MetricAttribute:
        if instance is None:
            return self
        metric: Metric = resolve_instance(instance._metric)
        if metric.pk is None:
            raise ValueError(f"metric {metric.ref!r} is unsaved: save or register it first")
        return metric

    def __set__(self, instance: Any, value: Any) -> None:
        if value is None:
            _missing("metric")
        # The lazy check comes first: isinstance(lazy, Metric) would resolve it.
        if not (_is_lazy(value) or isinstance(value, Metric)):
            raise TypeError(
                f"metric must be a Metric or Metric.objects.register(...), got {value!r}"
            )
        instance._metric = value


class ObjectsByDateTracker:
    """Stores ``aggr_op`` of a queryset's rows per date (and period) of ``date_field``.

    Keyword arguments (class attributes of a subclass work as defaults):

    - ``period``: a ``Period`` or any positive multiple of ``Period.DAY``; the value for
      date ``d`` covers the source rows of the window ending on ``d``
      (LIFETIME: every date up to ``d``).
    - ``metric``: a ``Metric`` or a lazy ``Metric.objects.register(...)``.
    - ``date_field``: a ``DateTimeField`` or ``DateField`` of the source model, possibly
      across relations (``"order__created"``).
    - ``aggr_op``: a Django aggregate: ``Count``, ``Sum``, ``Min``, ``Max``, ``Avg``,
      ``StdDev`` or ``Variance`` (``distinct=True`` and ``filter=`` allowed). Averages,
      and sums of fractional fields, need a statistic model with a ``DecimalField`` or
      ``FloatField`` value.
    - ``statistic_model``: where values are stored (default ``StatisticByDate``).
    - ``dimensions``: for custom statistic models with extra key fields, a mapping of
      statistic field name to source field path, e.g. ``{"country": "country"}``.
    - ``tz``: the time zone of the dates (default: the current time zone when the run
      starts).
    - ``model``: optionally, the source model, to check the field names at once.
    - ``lookback``: days recomputed before the most recent stored date on every run
      without ``since`` (default 0), so that source rows edited or deleted that many
      days late are reflected; see docs/concepts.md for the trade-off.
    - ``lifetime_from_stored``: for LIFETIME counts and integer sums, minimums and
      maximums, let a re-run continue from the values stored for the day before its
      start instead of reading the source history before it (default False: exact from
      the start date on even when old rows changed); see docs/concepts.md.

    Declaration mistakes raise when the tracker is built (or, for the source fields,
    when ``model`` is not given, before a run touches the database):
    ``TypeError``/``ValueError`` for bad arguments, ``FieldDoesNotExist`` for unknown
    fields, ``ImproperlyConfigured`` for a statistic model without a unique key.

    Concurrency: see the module documentation; concurrent runs are serialized per
    metric and period and both leave correct values.
    """

    statistic_model: type[models.Model] = StatisticByDate
    metric = _MetricAttribute()
    if TYPE_CHECKING:
        # The options as __init__ leaves them, checked and converted.
        period: int
        date_field: str
        aggr_op: models.Aggregate
        dimensions: dict[str, str]
    else:
        # Unset until given, as keyword arguments or in a subclass body.
        period = None
        date_field = None
        aggr_op = None
        dimensions = None
    tz: datetime.tzinfo | None = None
    model: type[models.Model] | None = None
    lookback: int = 0
    lifetime_from_stored: bool = False

    _default_metric: Any = None
    #: What ``metric`` was set to: a Metric, or a lazy registration of one.
    _metric: Metric
    _by_object = False
    _count_only = False
    _options: ClassVar[tuple[str, ...]] = (
        "period",
        "metric",
        "date_field",
        "aggr_op",
        "statistic_model",
        "tz",
        "dimensions",
        "model",
        "lookback",
        "lifetime_from_stored",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # ``metric = ...`` in a subclass body is a default, like the other options.
        declared = cls.__dict__.get("metric")
        if declared is not None and not isinstance(declared, _MetricAttribute):
            cls._default_metric = declared
            cls.metric = _MetricAttribute()

    def __init__(self, **kwargs: Any) -> None:
        unknown = set(kwargs) - set(self._options)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s) "
                f"{', '.join(sorted(unknown))}"
            )
        self.metric = kwargs.pop("metric", self._default_metric)
        for name, value in kwargs.items():
            setattr(self, name, value)
        if self.period is None:
            _missing("period")
        self.period = validate_period(self.period)
        self._check_statistic_model()
        self._check_object_arguments()
        self._check_date_field_name()
        self.aggr_op = self._check_aggregate(self.aggr_op)
        self._check_tz()
        self.lookback = check_lookback(self.lookback)
        if not isinstance(self.lifetime_from_stored, bool):
            raise TypeError(
                f"lifetime_from_stored must be True or False, got {self.lifetime_from_stored!r}"
            )
        self.dimensions = self._check_dimensions(self.dimensions)
        self._checked_models: set[type[models.Model]] = set()
        if self.model is not None:
            if not (isinstance(self.model, type) and issubclass(self.model, models.Model)):
                raise TypeError(f"model must be a model class, got {self.model!r}")
            self.check_source(self.model)

    # ------------------------------------------------------------ declaration checks
    def _check_object_arguments(self) -> None:
        """By-object trackers check object_model, object_field and object here."""

    def _check_statistic_model(self) -> None:
        model = self.statistic_model
        if not (
            isinstance(model, type)
            and issubclass(model, AbstractStatistic)
            and not model._meta.abstract
        ):
            raise TypeError(
                f"statistic_model must be a concrete subclass of AbstractStatistic, got {model!r}"
            )
        dimension_fields(model)  # ImproperlyConfigured without a unique key
        if is_by_object(model) != self._by_object:
            wanted = "with" if self._by_object else "without"
            raise ValueError(
                f"{type(self).__name__} needs a statistic model {wanted} object_type and "
                f"object_id; {model.__name__} is not one"
            )

    def _check_date_field_name(self) -> None:
        if not isinstance(self.date_field, str) or not self.date_field:
            raise TypeError(
                f"date_field must be the name of a DateTimeField or DateField, got "
                f"{self.date_field!r}"
            )

    def _check_aggregate(self, aggregate: Any) -> models.Aggregate:
        if aggregate is None:
            if self._count_only:
                return Count("*")
            _missing("aggr_op")
        if not isinstance(aggregate, models.Aggregate):
            raise TypeError(
                f"aggr_op must be a Django aggregate such as Count('id') or Sum('amount'), "
                f"got {aggregate!r}"
            )
        if self._count_only and not isinstance(aggregate, Count):
            raise TypeError(
                f"{type(self).__name__} counts: aggr_op must be a Count, got {aggregate!r}"
            )
        if not isinstance(aggregate, SUPPORTED_AGGREGATES):
            names = ", ".join(a.__name__ for a in SUPPORTED_AGGREGATES)
            raise TypeError(f"aggr_op must be one of {names}, got {type(aggregate).__name__}")
        if len(aggregate.source_expressions) != 1:
            raise TypeError(f"aggr_op must aggregate one expression, got {aggregate!r}")
        # Aggregate.default is missing from the Django 5.2 stubs.
        if hasattr(getattr(aggregate, "default", None), "resolve_expression"):
            raise TypeError("aggr_op's default= must be a plain number, not an expression")
        if isinstance(aggregate, FRACTIONAL_AGGREGATES) and self._integer_value():
            raise ValueError(
                f"{type(aggregate).__name__} has a fractional result but "
                f"{self.statistic_model.__name__}.value is an integer field; use "
                "statistic_model=DecimalStatisticByDate (or DecimalStatisticByDateAndObject "
                "by object), or a model of your own whose value is a DecimalField or "
                "FloatField"
            )
        return aggregate

    def _integer_value(self) -> bool:
        value = self.statistic_model._meta.get_field("value")
        return isinstance(value, models.IntegerField)

    def _check_tz(self) -> None:
        if self.tz is not None and not isinstance(self.tz, datetime.tzinfo):
            raise TypeError(f"tz must be a tzinfo (e.g. zoneinfo.ZoneInfo), got {self.tz!r}")

    def _check_dimensions(self, given: Any) -> dict[str, str]:
        dimensions: dict[str, str] = dict(given or {})
        wanted = set(dimension_fields(self.statistic_model)) - set(_OBJECT_FIELDS)
        unknown = set(dimensions) - wanted
        if unknown:
            raise ValueError(
                f"dimensions {sorted(unknown)} are not key fields of "
                f"{self.statistic_model.__name__} (its dimensions: {sorted(wanted) or 'none'})"
            )
        missing = wanted - set(dimensions)
        if missing:
            raise ValueError(
                f"{self.statistic_model.__name__} has key field(s) {sorted(missing)}: pass "
                "dimensions={statistic field: source field path}"
            )
        for name, path in dimensions.items():
            if not isinstance(path, str) or not path:
                raise TypeError(f"dimensions[{name!r}] must be a source field path, got {path!r}")
        return dimensions

    # ------------------------------------------------------------ source checks
    def check_source(self, model: type[models.Model]) -> None:
        """Check the field names against the source model; raise on mistakes.

        ``track()``, ``compute()`` and ``start_date()`` call it before any query, and
        the constructor calls it when given ``model``.
        """
        if model in self._checked_models:
            return
        date = _resolve_path(model, self.date_field, "date_field")
        if not isinstance(date, models.DateField):
            raise TypeError(
                f"date_field {self.date_field!r} must be a DateTimeField or DateField, "
                f"not {type(date).__name__}"
            )
        for name, path in self.dimensions.items():
            _resolve_path(model, path, f"dimensions[{name!r}]")
        self._check_argument(model)
        self._check_object_field(model)
        self._checked_models.add(model)

    def _check_argument(self, model: type[models.Model]) -> None:
        argument = self.aggr_op.source_expressions[0]
        if isinstance(argument, F):
            field = _resolve_path(model, argument.name, "aggr_op")
            shown = repr(argument.name)
        elif isinstance(argument, models.Expression) and not isinstance(argument, Star):
            # An expression such as F("amount") * F("quantity"): the ORM works out its
            # type without touching the database (FieldError for unknown names).
            field = argument.resolve_expression(Query(model)).output_field
            shown = repr(argument)
        else:
            return
        if isinstance(self.aggr_op, Count):
            return
        if field.is_relation or not isinstance(
            field, (models.IntegerField, models.DecimalField, models.FloatField)
        ):
            raise TypeError(
                f"aggr_op {type(self.aggr_op).__name__}({shown}) needs a numeric "
                f"field, not {type(field).__name__}"
            )
        fractional = isinstance(field, models.FloatField) or (
            # A computed decimal has no declared places: it may have a fraction.
            isinstance(field, models.DecimalField)
            and (field.decimal_places is None or field.decimal_places > 0)
        )
        if fractional and self._integer_value():
            raise ValueError(
                f"aggr_op {type(self.aggr_op).__name__}({shown}) has fractional "
                f"values but {self.statistic_model.__name__}.value is an integer field; use "
                "statistic_model=DecimalStatisticByDate (or DecimalStatisticByDateAndObject "
                "by object), or a model of your own whose value is a DecimalField or "
                "FloatField"
            )

    def _check_object_field(self, model: type[models.Model]) -> None:
        """By-object trackers check their foreign key here."""

    # ------------------------------------------------------------ running
    def start_date(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        *,
        lookback: int | None = None,
    ) -> datetime.date | None:
        """Where a run would start; None when there is nothing at all.

        ``since`` when given. Else, with statistics stored, the most recent stored
        date minus ``lookback`` days (never before the first stored date), or the
        first stored date when the time zone changed since the last run (the whole
        range is recomputed). Else the local date of the first source row.
        """
        return self._plan(queryset, since, until, lookback).start

    def compute(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        *,
        lookback: int | None = None,
    ) -> ComputedRun:
        """The statistics a ``track()`` would store now, without writing anything."""
        plan = self._plan(queryset, since, until, lookback)
        start, end = plan.start, plan.end
        if start is None or start > end:
            return ComputedRun(start, end, {})
        select = self._select(queryset, plan)
        target = self._target(queryset.db)
        fields = [forward_field(self.statistic_model, n) for n in target.keyed_fields]
        value_field = forward_field(self.statistic_model, "value")
        fixed = dict(target.fixed)
        order = [n for n in dimension_fields(self.statistic_model)]
        values: dict[tuple[Any, ...], Any] = {}
        for row in read(select, queryset.db, value_field):
            day, *keys, value = row
            by_name = {
                n: (f.to_python(k) if not f.is_relation else k)
                for n, f, k in zip(target.keyed_fields, fields, keys, strict=True)
            }
            by_name.update({n: v for n, v in fixed.items() if n in _OBJECT_FIELDS})
            key = (convert_date(day), *(by_name[n] for n in order))
            values[key] = convert_value(value_field, value)
        return ComputedRun(start, end, values)

    def track(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        *,
        lookback: int | None = None,
        name: str | None = None,
    ) -> TrackResult:
        """Compute and store the statistics from the start date through ``until``
        (default: today).

        Afterwards every stored value of this tracker from the start date through the
        end date equals a recomputation from the source: edited and deleted source rows
        are reflected, and a statistic whose window became empty is deleted (it reads
        0). Source changes dated before the start date are not looked at: see
        ``lookback`` and docs/concepts.md. The run is logged as a ``TrackerRun``
        called ``name`` (default ``"<metric label>.<period name>"``) and announced by
        the ``post_track`` signal.
        """
        self._check_queryset(queryset)
        _check_day(since, "since")
        _check_day(until, "until")
        if lookback is not None:
            check_lookback(lookback)
        using = queryset.db
        started_at = clock.now()
        timer = time.perf_counter()
        zone = zone_name(self._zone())
        name = name or self.default_name()
        scope: Scope | None = None
        start: datetime.date | None = None
        end: datetime.date | None = None
        try:
            scope = self.scope(using)
            plan = self._plan(queryset, since, until, lookback, scope=scope)
            start, end = plan.start, plan.end
            if start is None or start > end:
                result = TrackResult(start, end, 0, 0, zone)
                with transaction.atomic(using=using):
                    log_success(self._record(name, started_at, timer, result), scope, using)
            else:
                select = self._select(queryset, plan)

                def log(written: int, deleted: int) -> None:
                    done = TrackResult(start, end, written, max(deleted - written, 0), zone)
                    log_success(self._record(name, started_at, timer, done), scope, using)

                written, deleted = write(
                    select,
                    self._target(using),
                    using,
                    start,
                    end,
                    before_commit=log,
                    delete_until=plan.delete_until,
                )
                result = TrackResult(start, end, written, max(deleted - written, 0), zone)
        except Exception as error:
            failed = RunRecord(
                name=name,
                started_at=started_at,
                seconds=time.perf_counter() - timer,
                time_zone=zone,
                start_date=start,
                end_date=end,
            )
            log_failure(failed, scope, using, error)
            raise
        post_track.send(sender=type(self), tracker=self, result=result, name=name, using=using)
        return result

    async def atrack(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        *,
        lookback: int | None = None,
        name: str | None = None,
    ) -> TrackResult:
        """``track()`` for async code, same arguments, result and exceptions.

        The whole run (its checks, its transaction and locks, the run log and the
        ``post_track`` receivers) happens in one ``track()`` call in the thread of
        Django's sync code, so it holds one connection from start to end.
        """
        return await sync_to_async(self.track, thread_sensitive=True)(
            queryset, since, until, lookback=lookback, name=name
        )

    def stored_rows(self, using: str = DEFAULT_DB_ALIAS) -> models.QuerySet[Any]:
        """This tracker's statistics on database ``using``: the rows a run replaces,
        ``verify`` compares and ``last_stored_date`` reads."""
        return self.scope(using).stored_rows(using)

    def scope(self, using: str = DEFAULT_DB_ALIAS) -> Scope:
        """Whose statistics this tracker writes on database ``using``."""
        fields = self._scope(using)
        return Scope(
            statistic_model=self.statistic_model,
            metric=fields["metric"],
            period=fields["period"],
            object_type=fields.get("object_type"),
            object_id=fields.get("object_id"),
        )

    def default_name(self) -> str:
        """The registry's default name for this tracker: ``"<metric label>.<period>"``."""
        return f"{self.metric.label}.{period_name(self.period)}"

    # ------------------------------------------------------------ internals
    def _record(
        self, name: str, started_at: datetime.datetime, timer: float, result: TrackResult
    ) -> RunRecord:
        return RunRecord(
            name=name,
            started_at=started_at,
            seconds=time.perf_counter() - timer,
            time_zone=result.time_zone,
            start_date=result.start_date,
            end_date=result.end_date,
            rows_written=result.rows_written,
            rows_removed=result.rows_removed,
        )

    def _plan(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None,
        until: datetime.date | None,
        lookback: int | None,
        scope: Scope | None = None,
    ) -> _Plan:
        scope = scope or self.scope(queryset.db)
        plan = self._plan_dates(queryset, since, until, lookback, scope)
        if plan.start is None:
            return plan
        if self.period == Period.LIFETIME:
            return replace(plan, continue_from=self._plan_continue_from(queryset, plan, scope))
        if not is_calendar(self.period):
            return plan
        # A calendar bucket is computed whole: from its first day.
        aligned = bucket_start(plan.start, self.period)
        return replace(plan, start=aligned)

    def _plan_continue_from(
        self, queryset: models.QuerySet[Any], plan: _Plan, scope: Scope
    ) -> datetime.date | None:
        """The day before a LIFETIME run's start, if statistics are stored for it.

        A run that writes LIFETIME rows writes one for every date of its range and
        every key with data by then, so a stored row on that day means the values of
        that day are there to continue from. None (read the history) after a time
        zone change, or when nothing is stored for that day: a first run, or a
        ``since`` before the first stored date.
        """
        if not self.lifetime_from_stored or plan.delete_until is not None or plan.start is None:
            return None
        day = plan.start - datetime.timedelta(days=1)
        return day if scope.stored_rows(queryset.db).filter(date=day).exists() else None

    def _plan_dates(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None,
        until: datetime.date | None,
        lookback: int | None,
        scope: Scope | None,
    ) -> _Plan:
        self._check_queryset(queryset)
        tz = self._zone()
        today = clock.today_in(tz)
        since = _check_day(since, "since")
        end = _check_day(until, "until") or today
        if end > today:
            raise ValueError(f"until {end} is after today ({today} in {zone_name(tz)})")
        if since is not None and until is not None and since > until:
            raise ValueError(f"since {since} is after until {until}")
        lookback = self.lookback if lookback is None else check_lookback(lookback)
        scope = scope or self.scope(queryset.db)
        stored = scope.stored_rows(queryset.db).aggregate(
            first=Min("date"), last=models.Max("date")
        )
        previous = previous_zone(scope, queryset.db) if stored["last"] is not None else None
        zone = zone_name(tz)
        if previous is not None and previous != zone:
            return self._plan_zone_change(queryset, since, end, until, stored, previous, zone)
        if since is not None:
            return _Plan(since, end)
        if stored["last"] is not None:
            start = min(stored["last"], end) - datetime.timedelta(days=lookback)
            return _Plan(max(start, stored["first"]), end)
        return _Plan(self._first_source_date(queryset, tz), end, whole_source=True)

    def _plan_zone_change(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None,
        end: datetime.date,
        until: datetime.date | None,
        stored: dict[str, datetime.date],
        previous: str,
        zone: str,
    ) -> _Plan:
        """The statistics were computed in another zone: recompute all of them.

        Every stored date may move, so a run that would leave some of them in the old
        zone (a ``since`` after the first stored date, an ``until`` before the last)
        is refused instead.
        """
        if (since is not None and since > stored["first"]) or (
            until is not None and until < stored["last"]
        ):
            raise TimeZoneChanged(
                f"the statistics of {self.default_name()} were computed in {previous}, "
                f"this run is in {zone}: a run from {since or stored['first']} through "
                f"{end} would leave dates outside it in {previous}. Run without since/until "
                f"(--since) to recompute {stored['first']}..{stored['last']} in {zone}, "
                f"or with since on or before {stored['first']}"
            )
        first = self._first_source_date(queryset, self._zone())
        candidates = [day for day in (since, stored["first"], first) if day is not None]
        start = since if since is not None else min(candidates)
        logger.warning(
            "%s: time zone changed from %s to %s; recomputing %s..%s",
            self.default_name(),
            previous,
            zone,
            start,
            end,
        )
        return _Plan(start, end, delete_until=stored["last"])

    def _first_source_date(
        self, queryset: models.QuerySet[Any], tz: datetime.tzinfo
    ) -> datetime.date | None:
        first: datetime.date | None = (
            self._source(queryset)
            .order_by()
            .aggregate(trackstats_first=Min(self.date_field))["trackstats_first"]
        )
        if first is None:
            return None
        if isinstance(first, datetime.datetime):
            if timezone.is_naive(first):
                first = timezone.make_aware(first, timezone.get_default_timezone())
            return local_date(first, tz)
        return first

    def _check_queryset(self, queryset: Any) -> None:
        if not isinstance(queryset, models.QuerySet):
            raise TypeError(f"queryset must be a QuerySet, got {type(queryset).__name__}")
        if queryset.query.is_sliced:
            raise TypeError("queryset must not be sliced: filter it instead")
        if self.model is not None and not issubclass(queryset.model, self.model):
            raise TypeError(
                f"this tracker was declared for {self.model.__name__}, got a queryset of "
                f"{queryset.model.__name__}"
            )
        self.check_source(queryset.model)

    def _source(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """The queryset as one the engine can extend with filters and grouping.

        A run adds filters, annotations and a GROUP BY to the source. That keeps the
        meaning of a plain filtered queryset, joins and all, but not of one that is
        distinct, grouped (an aggregate annotation, HAVING), windowed, combined
        (``union()``) or of values: such a source becomes the rows of its model whose
        primary key it yields, each once, which is what the queryset means.
        """
        query = queryset.query
        annotated = any(
            getattr(annotation, "contains_aggregate", False)
            or getattr(annotation, "contains_over_clause", False)
            for annotation in query.annotations.values()
        )
        if not (
            query.distinct
            or query.combinator
            or query.group_by is not None
            or annotated
            # values() and values_list() set the private _fields, unknown to the stubs.
            or getattr(queryset, "_fields", None) is not None
        ):
            return queryset
        model = queryset.model
        if query.combinator and query.combinator_all:
            raise TypeError(
                f"cannot track a {query.combinator}(all=True) queryset of {model.__name__}: "
                "it may yield a row twice, and a tracker counts each row once; use "
                f"{query.combinator}() or combine the filters with Q objects"
            )
        try:
            fields = getattr(queryset, "_fields", None)
            keys = queryset.values("pk") if fields != ("pk",) else queryset
        except (FieldError, NotSupportedError, TypeError) as error:
            raise TypeError(f"cannot track this queryset of {model.__name__}: {error}") from error
        rows: models.QuerySet[Any] = model._base_manager.using(queryset.db).filter(pk__in=keys)
        return rows

    def _zone(self) -> datetime.tzinfo:
        return self.tz if self.tz is not None else timezone.get_current_timezone()

    def _select(self, queryset: models.QuerySet[Any], plan: _Plan) -> Select:
        start, end = plan.start, plan.end
        assert start is not None
        model = queryset.model
        date = _resolve_path(model, self.date_field, "date_field")
        object_field, object_target = self._object_source(model)
        source = Source(
            queryset=self._source(queryset),
            date_field=self.date_field,
            date_is_datetime=isinstance(date, models.DateTimeField),
            aggregate=self.aggr_op,
            object_field=object_field,
            object_target=object_target,
            dimensions=tuple(self.dimensions.items()),
            stored_base=self._stored_base(queryset.db, plan.continue_from),
        )
        if is_calendar(self.period):
            window = DateRange(
                start,
                end,
                None,
                self._zone(),
                week_from=week_first_weekday(self.period),
                months=calendar_months(self.period),
                whole_source=plan.whole_source,
            )
        else:
            window = DateRange(
                start, end, period_days(self.period), self._zone(), whole_source=plan.whole_source
            )
        value = forward_field(self.statistic_model, "value")
        dialect = dialect_for(_connection(queryset.db))
        return build_select(source, window, dialect, isinstance(value, models.FloatField))

    def _stored_base(self, using: str, day: datetime.date | None) -> StoredBase | None:
        if day is None:
            return None
        rows = self.stored_rows(using).filter(date=day)
        return StoredBase(rows, self._target(using).keyed_fields)

    def _object_source(self, model: type[models.Model]) -> tuple[str | None, Any]:
        return None, None

    def _scope(self, using: str) -> dict[str, Any]:
        """Key values shared by every statistic this tracker writes."""
        return {"metric": self._metric_on(using), "period": self.period}

    def _metric_on(self, using: str) -> Metric:
        """The tracker's metric as a row of database ``using``.

        Statistics are written where the source queryset lives, but a registration
        resolves on the router's database; the same natural key is found or created
        there, so the foreign key points at a row of the right database.
        """
        metric = self.metric
        if metric._state.db == using:
            return metric
        domain, _ = Domain.objects.using(using).get_or_create(
            ref=metric.domain.ref, defaults={"name": metric.domain.name}
        )
        found, _ = Metric.objects.using(using).get_or_create(
            domain=domain,
            ref=metric.ref,
            defaults={"name": metric.name, "description": metric.description},
        )
        return found

    def _target(self, using: str) -> Target:
        scope = self._scope(using)
        fixed = [("metric", scope.pop("metric").pk), ("period", scope.pop("period"))]
        fixed += [(name, getattr(value, "pk", value)) for name, value in scope.items()]
        keyed = self._keyed_fields() + tuple(self.dimensions)
        return Target(self.statistic_model, tuple(fixed), keyed)

    def _keyed_fields(self) -> tuple[str, ...]:
        return ()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} metric={self._metric!r} period={self.period} "
            f"date_field={self.date_field!r} aggr_op={self.aggr_op!r}>"
        )


class ObjectsByDateAndObjectTracker(ObjectsByDateTracker):
    """Like ``ObjectsByDateTracker``, with one statistic per date and object.

    Either ``object_model`` + ``object_field`` (a foreign key of the source model, or a
    path to one such as ``"order__customer"``, pointing at ``object_model``): one value
    per related object; or ``object``: every value is attributed to that one saved
    instance. The default statistic model is ``StatisticByDateAndObject``; object ids are
    stored in their canonical text form, so integer, UUID and string keys all work.
    """

    statistic_model: type[models.Model] = StatisticByDateAndObject
    object_model: type[models.Model] | None = None
    object_field: str | None = None
    object: models.Model | None = None

    _by_object = True
    _options = (*ObjectsByDateTracker._options, "object_model", "object_field", "object")

    def _check_object_arguments(self) -> None:
        has_field = self.object_field is not None
        has_object = self.object is not None
        if has_field == has_object:
            raise TypeError(
                f"{type(self).__name__} needs either object_model and object_field "
                "(one statistic per related object) or object (one fixed object), "
                + ("not both" if has_field else "got neither")
            )
        if has_field:
            model = self.object_model
            if not (isinstance(model, type) and issubclass(model, models.Model)):
                raise TypeError(
                    f"object_model must be the model class object_field points to, got "
                    f"{self.object_model!r}"
                )
            if not isinstance(self.object_field, str) or not self.object_field:
                raise TypeError(f"object_field must be a field name, got {self.object_field!r}")
        else:
            obj = resolve_instance(self.object)
            object_id_of(obj)  # TypeError/ValueError for a non-instance or unsaved object
            if self.object_model is not None and not isinstance(obj, self.object_model):
                raise TypeError(
                    f"object {obj!r} is not a {self.object_model.__name__} (object_model)"
                )

    def _check_object_field(self, model: type[models.Model]) -> None:
        if self.object_field is None:
            return
        field = _foreign_key(model, self.object_field)
        # Once apps are loaded, a model class (not the lazy "self" or "app.Model"),
        # whose concrete model is set.
        target = cast("type[models.Model]", field.related_model)
        related = cast("type[models.Model]", target._meta.concrete_model)
        assert self.object_model is not None  # __init__ requires it with object_field
        if related is not self.object_model._meta.concrete_model:
            raise ValueError(
                f"object_field {self.object_field!r} points to {related.__name__}, not "
                f"object_model {self.object_model.__name__}"
            )
        if field.target_field != related._meta.pk:
            raise ValueError(
                f"object_field {self.object_field!r} must point at the primary key of "
                f"{related.__name__}, not at {field.target_field.name!r}"
            )

    def _object_source(self, model: type[models.Model]) -> tuple[str | None, Any]:
        if self.object_field is None:
            return None, None
        return self.object_field, _foreign_key(model, self.object_field).target_field

    def _scope(self, using: str) -> dict[str, Any]:
        scope = super()._scope(using)
        if self.object_field is not None:
            assert self.object_model is not None  # __init__ requires it with object_field
            scope["object_type"] = ContentType.objects.db_manager(using).get_for_model(
                self.object_model
            )
        else:
            obj = resolve_instance(self.object)
            assert obj is not None  # __init__ requires object without object_field
            scope["object_type"] = ContentType.objects.db_manager(using).get_for_model(obj)
            scope["object_id"] = object_id_of(obj)
        return scope

    def _keyed_fields(self) -> tuple[str, ...]:
        return ("object_id",) if self.object_field is not None else ()


class CountObjectsByDateTracker(ObjectsByDateTracker):
    """Counts a queryset's rows per date; ``aggr_op`` defaults to counting rows."""

    _count_only = True


class CountObjectsByDateAndObjectTracker(ObjectsByDateAndObjectTracker):
    """Counts a queryset's rows per date and object; ``aggr_op`` defaults to counting
    rows."""

    _count_only = True


def check_lookback(value: Any) -> int:
    """A lookback is a whole number of days, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"lookback must be a number of days (an int), got {value!r}")
    if value < 0:
        raise ValueError(f"lookback must be 0 or more days, got {value}")
    return value


def _check_day(value: Any, argument: str) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"{argument} must be a datetime.date, got {value!r}")
    return value


def _missing(argument: str) -> Any:
    raise TypeError(f"the tracker needs {argument}=")


def _is_lazy(value: Any) -> bool:
    from .models import LazyRegistration

    return isinstance(value, LazyRegistration)


def _connection(using: str) -> BaseDatabaseWrapper:
    from django.db import connections

    return connections[using]


def _resolve_path(
    model: type[models.Model], path: str, argument: str
) -> models.Field[Any, Any] | ForeignObjectRel:
    """The field at the end of ``path`` (``"order__created"``), following relations."""
    current: type[models.Model] | None = model
    field: Any = None
    for part in path.split("__"):
        if current is None:
            raise FieldDoesNotExist(
                f"{argument} {path!r}: {field.name!r} is not a relation, cannot follow "
                f"it to {part!r}"
            )
        try:
            # "pk" is the ORM's alias of the primary key, at any step of a path.
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
        except FieldDoesNotExist as error:
            raise FieldDoesNotExist(
                f"{argument} {path!r}: {current.__name__} has no field {part!r}"
            ) from error
        current = field.related_model if field.is_relation else None
    found: models.Field[Any, Any] | ForeignObjectRel = field
    return found


def _foreign_key(model: type[models.Model], path: str) -> RelatedField[Any, Any]:
    """The foreign key or one-to-one field at the end of ``path`` (``object_field``)."""
    field = _resolve_path(model, path, "object_field")
    if (
        not isinstance(field, RelatedField)
        or not (field.many_to_one or field.one_to_one)
        or not field.concrete
    ):
        raise TypeError(
            f"object_field {path!r} must be a ForeignKey or OneToOneField, not "
            f"{type(field).__name__}"
        )
    return field
