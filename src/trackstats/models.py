"""Domains, metrics and the statistics stored for them."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext_lazy as _

from .object_ids import OBJECT_ID_MAX_LENGTH
from .periods import PERIOD_CHOICES, Period
from .querysets import StatisticQuerySet

__all__ = [
    "PERIOD_CHOICES",
    "AbstractStatistic",
    "DecimalStatisticByDate",
    "DecimalStatisticByDateAndObject",
    "Domain",
    "Metric",
    "Period",
    "StatisticByDate",
    "StatisticByDateAndObject",
    "TrackerRun",
    "statistic_key_fields",
]


_M = TypeVar("_M", bound=models.Model)
_T = TypeVar("_T")


class LazyRegistration(SimpleLazyObject, Generic[_M]):
    """A registered row, created or updated on first use.

    Registration happens at import time (``Domain.objects.SHOPPING = ...``), before the
    database may be reachable, so the row is only touched when the object is used.
    """

    if TYPE_CHECKING:
        # LazyObject's internals, which the Django 5.2 stubs leave out.
        _wrapped: object

        def _setup(self) -> None: ...

    def resolve(self) -> _M:
        if self._wrapped is empty:
            self._setup()
        return cast(_M, self._wrapped)

    def forget(self) -> None:
        self._wrapped = empty


class RegisteringManager(models.Manager[_M]):
    def __init__(self) -> None:
        super().__init__()
        # Per manager instance: django-trackstats 0.7 shared one class-level list
        # between the Domain and Metric managers.
        self._lazy_entries: list[LazyRegistration[_M]] = []

    def _register_lazily(self, factory: Callable[[], _M]) -> _M:
        entry: LazyRegistration[_M] = LazyRegistration(factory)
        self._lazy_entries.append(entry)
        # Typed as the instance it stands for: every attribute access goes through to
        # it, and the query API resolves it (resolve_instance) where it needs the row.
        return cast(_M, entry)

    def clear_cache(self) -> None:
        """Forget resolved registrations, so the next use creates the row again."""
        for entry in self._lazy_entries:
            entry.forget()

    if TYPE_CHECKING:
        # For type checkers only (at run time the manager is a plain object): the
        # documented ``Metric.objects.SHOPPING_ORDERS = Metric.objects.register(...)``
        # keeps registrations as attributes of the manager, so an attribute the manager
        # class does not define is one of those.
        def __getattr__(self, name: str) -> _M: ...

        def __setattr__(self, name: str, value: _M) -> None: ...


def resolve_instance(value: _T) -> _T:
    """Unwrap a lazy registration into its model instance; other values pass through."""
    if isinstance(value, LazyRegistration):
        return cast(_T, value.resolve())
    return value


class DomainManager(RegisteringManager["Domain"]):
    def register(self, ref: str, name: str = "") -> Domain:
        _require_ref(ref, "ref")

        def create_or_update() -> Domain:
            return self.update_or_create(ref=ref, defaults={"name": name})[0]

        return self._register_lazily(create_or_update)

    def get_by_natural_key(self, ref: str) -> Domain:
        return self.get(ref=ref)


class Domain(models.Model):
    ref = models.CharField(
        _("ref"), max_length=100, unique=True, help_text=_("Unique reference ID for this domain")
    )
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("Short descriptive name")
    )

    objects = DomainManager()

    class Meta:
        ordering = ["ref"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __str__(self) -> str:
        return self.name or self.ref

    def natural_key(self) -> tuple[str]:
        return (self.ref,)


class MetricManager(RegisteringManager["Metric"]):
    def register(self, domain: Domain, ref: str, name: str = "", description: str = "") -> Metric:
        _require_ref(ref, "ref")
        if domain is None:
            raise ValueError("domain is required to register a metric")

        def create_or_update() -> Metric:
            return self.update_or_create(
                domain=resolve_instance(domain),
                ref=ref,
                defaults={"name": name, "description": description},
            )[0]

        return self._register_lazily(create_or_update)

    def get_by_natural_key(self, domain_ref: str, ref: str) -> Metric:
        return self.get(domain__ref=domain_ref, ref=ref)

    def get_by_label(self, label: str) -> Metric:
        """Look up ``"domain_ref.metric_ref"``, the form used by the command line."""
        domain_ref, sep, ref = label.rpartition(".")
        if not sep:
            raise Metric.DoesNotExist(f"metric {label!r} must be written DOMAIN.REF")
        return self.select_related("domain").get(domain__ref=domain_ref, ref=ref)


class Metric(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, verbose_name=_("domain"))
    ref = models.CharField(
        _("ref"),
        max_length=100,
        help_text=_("Unique reference ID for this metric within the domain"),
    )
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("Short descriptive name")
    )
    description = models.TextField(_("description"), blank=True, help_text=_("Description"))

    objects = MetricManager()

    class Meta:
        unique_together = [("domain", "ref")]
        ordering = ["domain__ref", "ref"]
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")

    def __str__(self) -> str:
        return self.name or self.ref

    def natural_key(self) -> tuple[str, str]:
        return (*self.domain.natural_key(), self.ref)

    # A function attribute that dumpdata reads, which mypy cannot declare on a method.
    natural_key.dependencies = ["trackstats.domain"]  # type: ignore[attr-defined]

    @property
    def label(self) -> str:
        return f"{self.domain.ref}.{self.ref}"


def _require_ref(ref: object, argument: str) -> None:
    if not isinstance(ref, str) or not ref.strip():
        raise ValueError(f"{argument} must be a non-empty string, got {ref!r}")


class AbstractStatistic(models.Model):
    """Base of every statistic model: a value of a metric for a period and date.

    Subclass it to add dimensions (say ``country``) or to redefine ``value`` as a
    ``DecimalField`` or ``FloatField``. Declare a unique constraint over ``date``,
    ``metric``, ``period`` and your dimensions, with ``date`` first: it is the key that
    ``record()`` and the trackers upsert on, and the index for date lookups.
    """

    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, verbose_name=_("metric"))
    # NULL means "no data available", which differs from a value of 0. Typed as any
    # number field: subclasses may redefine it as a DecimalField or a FloatField.
    value: models.Field[Any, int | float | decimal.Decimal | None] = models.BigIntegerField(
        _("value"), null=True
    )
    period = models.IntegerField(_("period"), choices=PERIOD_CHOICES)
    # No index of its own: the unique key of every statistic model starts with date
    # and serves date lookups, and one index less makes tracking writes cheaper.
    date = models.DateField(_("date"))

    objects = StatisticQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period} {self.date}: {self.value}"


class StatisticByDate(AbstractStatistic):
    class Meta:
        unique_together = [("date", "metric", "period")]
        # A tracker's run reads its latest date and replaces a date range of one
        # metric and period: this index makes both small range scans.
        indexes = [models.Index(fields=["metric", "period", "date"], name="trackstats_bydate_run")]
        verbose_name = _("statistic by date")
        verbose_name_plural = _("statistics by date")


class StatisticByDateAndObject(AbstractStatistic):
    object_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("object type")
    )
    # Text, so that integer, UUID and string primary keys all fit.
    object_id = models.CharField(_("object ID"), max_length=OBJECT_ID_MAX_LENGTH)
    object = GenericForeignKey("object_type", "object_id")

    class Meta:
        unique_together = [("date", "metric", "object_type", "object_id", "period")]
        indexes = [
            models.Index(
                fields=["metric", "period", "object_type", "date"], name="trackstats_byobject_run"
            )
        ]
        verbose_name = _("statistic by date and object")
        verbose_name_plural = _("statistics by date and object")


# Sized for money on all three databases: 20 digits, 4 of them after the point, hold
# sums below 10**16 (MariaDB allows 65 digits, PostgreSQL more) and keep averages of
# cents to a hundredth of a cent. An average's extra places are rounded half away from
# zero (PostgreSQL and MariaDB on insert, trackers with ROUND() on SQLite); SQLite keeps
# the number as a binary float, exact to 15 significant digits.
DECIMAL_VALUE_DIGITS = 20
DECIMAL_VALUE_PLACES = 4


def _decimal_value() -> models.DecimalField[
    str | float | decimal.Decimal | None, decimal.Decimal | None
]:
    return models.DecimalField(
        _("value"), null=True, max_digits=DECIMAL_VALUE_DIGITS, decimal_places=DECIMAL_VALUE_PLACES
    )


class DecimalStatisticByDate(AbstractStatistic):
    """Like ``StatisticByDate``, with a Decimal value: sums of money, averages."""

    value = _decimal_value()

    class Meta:
        unique_together = [("date", "metric", "period")]
        indexes = [
            models.Index(fields=["metric", "period", "date"], name="trackstats_decbydate_run")
        ]
        verbose_name = _("decimal statistic by date")
        verbose_name_plural = _("decimal statistics by date")


class DecimalStatisticByDateAndObject(AbstractStatistic):
    """Like ``StatisticByDateAndObject``, with a Decimal value."""

    object_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("object type")
    )
    object_id = models.CharField(_("object ID"), max_length=OBJECT_ID_MAX_LENGTH)
    object = GenericForeignKey("object_type", "object_id")
    value = _decimal_value()

    class Meta:
        unique_together = [("date", "metric", "object_type", "object_id", "period")]
        indexes = [
            models.Index(
                fields=["metric", "period", "object_type", "date"],
                name="trackstats_decbyobject_run",
            )
        ]
        verbose_name = _("decimal statistic by date and object")
        verbose_name_plural = _("decimal statistics by date and object")


class TrackerRun(models.Model):
    """One run of a tracker: when, over which dates, what it wrote, and how it ended.

    Written by every ``track()`` (successful runs in the transaction of their writes,
    failed ones after the rollback), on the database the statistics live in. The scope
    fields (statistic model, metric, period and, for a tracker of one object, that
    object) say whose statistics the run wrote; the latest successful run of a scope
    remembers the time zone its dates were computed in.
    """

    class Status(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILED = "failed", _("failed")

    name = models.CharField(_("tracker"), max_length=255)
    statistic_model = models.CharField(_("statistic model"), max_length=255)
    # Nullable: a run can fail before its metric is known (a broken source callable).
    metric = models.ForeignKey(
        Metric,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("metric"),
    )
    period = models.IntegerField(_("period"), null=True, blank=True)
    object_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("object type"),
    )
    # The fixed object of a one-object tracker; empty for every other tracker.
    object_id = models.CharField(
        _("object ID"), max_length=OBJECT_ID_MAX_LENGTH, blank=True, default=""
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    seconds = models.FloatField(_("duration (s)"))
    start_date = models.DateField(_("from date"), null=True, blank=True)
    end_date = models.DateField(_("to date"), null=True, blank=True)
    rows_written = models.IntegerField(_("rows written"), default=0)
    rows_removed = models.IntegerField(_("rows removed"), default=0)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    error = models.TextField(_("error"), blank=True, default="")

    class Meta:
        indexes = [
            # The latest run of one scope: the time zone check before every run.
            models.Index(
                fields=["metric", "period", "statistic_model", "started_at"],
                name="trackstats_run_scope",
            ),
            # The latest run of one tracker: `trackstats status` and the admin.
            models.Index(fields=["name", "started_at"], name="trackstats_run_name"),
        ]
        get_latest_by = ["started_at", "id"]
        verbose_name = _("tracker run")
        verbose_name_plural = _("tracker runs")

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"


STATISTIC_CORE_FIELDS = frozenset({"metric", "period", "date"})


def statistic_key_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The field names of the unique key that identifies one statistic row.

    It is the unique constraint (or ``unique_together``) that covers ``metric``,
    ``period`` and ``date``; for by-object and custom models it also holds the object
    and dimension fields. Raises ImproperlyConfigured when the model has none.
    """
    from django.core.exceptions import ImproperlyConfigured

    candidates: list[tuple[str, ...]] = [tuple(f) for f in model._meta.unique_together]
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.fields
            and constraint.condition is None
            and not constraint.expressions
        ):
            candidates.append(tuple(constraint.fields))
    matching = [key for key in candidates if set(key) >= STATISTIC_CORE_FIELDS]
    if not matching:
        raise ImproperlyConfigured(
            f"{model._meta.label} needs a unique constraint over metric, period, date and "
            "its dimension fields, so that each statistic is stored once"
        )
    # The smallest such key is the identity; larger ones are implied by it.
    return min(matching, key=len)


def dimension_fields(model: type[models.Model]) -> tuple[str, ...]:
    """Key fields beyond metric, period and date (object fields, custom dimensions)."""
    return tuple(f for f in statistic_key_fields(model) if f not in STATISTIC_CORE_FIELDS)


def forward_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """``model._meta.get_field(name)`` for a field declared on ``model``, such as the key,
    dimension and value fields of a statistic; FieldDoesNotExist for a reverse relation.
    """
    from django.core.exceptions import FieldDoesNotExist

    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise FieldDoesNotExist(f"{model._meta.label}.{name} is a reverse relation")
    return field


def column_of(model: type[models.Model], name: str) -> str:
    """The database column of the field ``name`` declared on ``model``."""
    from django.core.exceptions import FieldDoesNotExist

    column = forward_field(model, name).column
    if column is None:
        raise FieldDoesNotExist(f"{model._meta.label}.{name} has no column")
    return column


def statistic_rows(model: type[models.Model], using: str) -> StatisticQuerySet[Any]:
    """The rows of the statistic model ``model`` on database ``using``, with the query API.

    Its default manager comes from ``AbstractStatistic.objects`` (or a subclass's own,
    built on StatisticQuerySet as well), which ``type[Model]`` cannot tell mypy.
    """
    return cast("StatisticQuerySet[Any]", model._default_manager.using(using))


def is_by_object(model: type[models.Model]) -> bool:
    field_names = {f.name for f in model._meta.get_fields()}
    return {"object_type", "object_id"} <= field_names
