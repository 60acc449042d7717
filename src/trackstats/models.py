"""Domains, metrics and the statistics stored for them."""

from __future__ import annotations

import decimal
from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .lazy_registration import LazyRegistration, RegisteringManager, resolve_instance
from .object_ids import OBJECT_ID_MAX_LENGTH
from .periods import PERIOD_CHOICES, Period
from .querysets import StatisticQuerySet, statistic_rows
from .statistic_schema import (
    column_of,
    dimension_fields,
    forward_field,
    is_by_object,
    statistic_key_fields,
)

# The models, and helpers now defined where the query API reaches them without
# importing this module (statistic_schema, lazy_registration, querysets): code that
# imports them from trackstats.models keeps working.
__all__ = [
    "PERIOD_CHOICES",
    "AbstractStatistic",
    "DecimalStatisticByDate",
    "DecimalStatisticByDateAndObject",
    "Domain",
    "LazyRegistration",
    "Metric",
    "Period",
    "RegisteringManager",
    "StatisticByDate",
    "StatisticByDateAndObject",
    "TrackerRun",
    "column_of",
    "dimension_fields",
    "forward_field",
    "is_by_object",
    "resolve_instance",
    "statistic_key_fields",
    "statistic_rows",
]


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
