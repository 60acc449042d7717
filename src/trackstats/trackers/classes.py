"""The four tracker classes: their options, and the public methods of a tracker.

A class checks its options when built and picks its object key (see ``keys``); the
methods hand the work to ``planning`` and ``running``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from asgiref.sync import sync_to_async
from django.db import DEFAULT_DB_ALIAS, models
from django.utils import timezone

from ..engine.execute import Statement
from ..models import Metric, StatisticByDate, StatisticByDateAndObject
from ..periods import period_name, validate_period
from ..runlog import Scope
from . import running
from .declaration import (
    MetricAttribute,
    check_aggregate,
    check_date_field_name,
    check_dimensions,
    check_lifetime_from_stored,
    check_lookback,
    check_model,
    check_source_fields,
    check_statistic_model,
    check_tz,
    missing,
)
from .keys import NoObject, ObjectKey, object_key, scope_of
from .planning import plan_run
from .results import ComputedRun, TrackResult


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

    Concurrency: see the documentation of :mod:`trackstats.trackers`; concurrent runs
    are serialized per metric and period and both leave correct values.
    """

    statistic_model: type[models.Model] = StatisticByDate
    metric = MetricAttribute()
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
    #: How the statistics are keyed by object; chosen by ``_choose_object_key()``.
    _object_key: ObjectKey
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
        if declared is not None and not isinstance(declared, MetricAttribute):
            cls._default_metric = declared
            cls.metric = MetricAttribute()

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
            missing("period")
        self.period = validate_period(self.period)
        check_statistic_model(self.statistic_model, self._by_object, type(self).__name__)
        self._object_key = self._choose_object_key()
        check_date_field_name(self.date_field)
        self.aggr_op = check_aggregate(
            self.aggr_op, self._count_only, self.statistic_model, type(self).__name__
        )
        check_tz(self.tz)
        self.lookback = check_lookback(self.lookback)
        check_lifetime_from_stored(self.lifetime_from_stored)
        self.dimensions = check_dimensions(self.dimensions, self.statistic_model)
        self._checked_models: set[type[models.Model]] = set()
        if self.model is not None:
            check_model(self.model)
            self.check_source(self.model)

    def _choose_object_key(self) -> ObjectKey:
        return NoObject()

    def check_source(self, model: type[models.Model]) -> None:
        """Check the field names against the source model; raise on mistakes.

        ``track()``, ``compute()`` and ``start_date()`` call it before any query, and
        the constructor calls it when given ``model``.
        """
        if model in self._checked_models:
            return
        check_source_fields(
            model, self.date_field, self.dimensions, self.aggr_op, self.statistic_model
        )
        self._object_key.check_source(model)
        self._checked_models.add(model)

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
        return plan_run(self, queryset, since, until, lookback).start

    def compute(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        *,
        lookback: int | None = None,
    ) -> ComputedRun:
        """The statistics a ``track()`` would store now, without writing anything."""
        return running.compute(self, queryset, since, until, lookback)

    def sql(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        *,
        lookback: int | None = None,
    ) -> list[Statement]:
        """The statements ``track()`` with the same arguments would execute now, in
        order, without executing them: the DELETE of the range it replaces and the
        ``INSERT ... SELECT`` that computes and stores it. Each prints as its SQL and
        its parameters; an empty list means there is nothing to compute.

        The planning reads (stored dates, the first source date) do run, and so may
        the creation of the metric's row on ``queryset``'s database.
        """
        return running.statements(self, queryset, since, until, lookback)

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
        return running.track(self, queryset, since, until, lookback, name)

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
        return scope_of(self.statistic_model, self.metric, self.period, self._object_key, using)

    def default_name(self) -> str:
        """The registry's default name for this tracker: ``"<metric label>.<period>"``."""
        return f"{self.metric.label}.{period_name(self.period)}"

    def _zone(self) -> datetime.tzinfo:
        return self.tz if self.tz is not None else timezone.get_current_timezone()

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

    def _choose_object_key(self) -> ObjectKey:
        return object_key(self.object_model, self.object_field, self.object, type(self).__name__)


class CountObjectsByDateTracker(ObjectsByDateTracker):
    """Counts a queryset's rows per date; ``aggr_op`` defaults to counting rows."""

    _count_only = True


class CountObjectsByDateAndObjectTracker(ObjectsByDateAndObjectTracker):
    """Counts a queryset's rows per date and object; ``aggr_op`` defaults to counting
    rows."""

    _count_only = True
