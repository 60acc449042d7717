"""Checks of what a tracker is declared with: its options, then its source fields.

The options are checked when a tracker is built, so that a mistake raises where the
tracker is declared rather than in a nightly run; the source fields are checked
against the source model (``check_source``), before a run touches the database.
Each check raises ``TypeError``/``ValueError`` naming the option.
"""

from __future__ import annotations

import datetime
from typing import Any, NoReturn, overload

from django.db import models
from django.db.models import Count, F
from django.db.models.expressions import Star
from django.db.models.sql import Query

from ..engine.aggregates import FRACTIONAL_AGGREGATES, SUPPORTED_AGGREGATES
from ..lazy_registration import LazyRegistration, resolve_instance
from ..models import AbstractStatistic, Metric
from ..statistic_schema import dimension_fields, is_by_object
from .paths import resolve_path

#: The key fields of a by-object statistic model that are not custom dimensions.
OBJECT_FIELDS = ("object_type", "object_id")

_FRACTIONAL_HINT = (
    "use statistic_model=DecimalStatisticByDate (or DecimalStatisticByDateAndObject by "
    "object), or a model of your own whose value is a DecimalField or FloatField"
)


class MetricAttribute:
    """``tracker.metric``: set to a Metric or a lazy registration, read as the Metric.

    Reading resolves a lazy registration (creating the row on first use), so a tracker
    can be declared at import time, before the database is reachable.
    """

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> MetricAttribute: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> Metric: ...

    def __get__(self, instance: Any, owner: type | None = None) -> Metric | MetricAttribute:
        if instance is None:
            return self
        metric: Metric = resolve_instance(instance._metric)
        if metric.pk is None:
            raise ValueError(f"metric {metric.ref!r} is unsaved: save or register it first")
        return metric

    def __set__(self, instance: Any, value: Any) -> None:
        if value is None:
            missing("metric")
        # The lazy check comes first: isinstance(lazy, Metric) would resolve it.
        if not (_is_lazy(value) or isinstance(value, Metric)):
            raise TypeError(
                f"metric must be a Metric or Metric.objects.register(...), got {value!r}"
            )
        instance._metric = value


def _is_lazy(value: Any) -> bool:
    return isinstance(value, LazyRegistration)


def missing(argument: str) -> NoReturn:
    raise TypeError(f"the tracker needs {argument}=")


# ---------------------------------------------------------------- options
def check_statistic_model(model: Any, by_object: bool, tracker_name: str) -> None:
    if not (
        isinstance(model, type)
        and issubclass(model, AbstractStatistic)
        and not model._meta.abstract
    ):
        raise TypeError(
            f"statistic_model must be a concrete subclass of AbstractStatistic, got {model!r}"
        )
    dimension_fields(model)  # ImproperlyConfigured without a unique key
    if is_by_object(model) != by_object:
        wanted = "with" if by_object else "without"
        raise ValueError(
            f"{tracker_name} needs a statistic model {wanted} object_type and "
            f"object_id; {model.__name__} is not one"
        )


def check_date_field_name(date_field: Any) -> None:
    if not isinstance(date_field, str) or not date_field:
        raise TypeError(
            f"date_field must be the name of a DateTimeField or DateField, got {date_field!r}"
        )


def check_aggregate(
    aggregate: Any, count_only: bool, statistic_model: type[models.Model], tracker_name: str
) -> models.Aggregate:
    """The aggregate to compute; a counting tracker counts rows when given none."""
    if aggregate is None:
        if count_only:
            return Count("*")
        missing("aggr_op")
    if not isinstance(aggregate, models.Aggregate):
        raise TypeError(
            f"aggr_op must be a Django aggregate such as Count('id') or Sum('amount'), "
            f"got {aggregate!r}"
        )
    if count_only and not isinstance(aggregate, Count):
        raise TypeError(f"{tracker_name} counts: aggr_op must be a Count, got {aggregate!r}")
    if not isinstance(aggregate, SUPPORTED_AGGREGATES):
        names = ", ".join(a.__name__ for a in SUPPORTED_AGGREGATES)
        raise TypeError(f"aggr_op must be one of {names}, got {type(aggregate).__name__}")
    if len(aggregate.source_expressions) != 1:
        raise TypeError(f"aggr_op must aggregate one expression, got {aggregate!r}")
    # Aggregate.default is missing from the Django 5.2 stubs.
    if hasattr(getattr(aggregate, "default", None), "resolve_expression"):
        raise TypeError("aggr_op's default= must be a plain number, not an expression")
    if isinstance(aggregate, FRACTIONAL_AGGREGATES) and has_integer_value(statistic_model):
        raise ValueError(
            f"{type(aggregate).__name__} has a fractional result but "
            f"{statistic_model.__name__}.value is an integer field; {_FRACTIONAL_HINT}"
        )
    return aggregate


def has_integer_value(statistic_model: type[models.Model]) -> bool:
    value = statistic_model._meta.get_field("value")
    return isinstance(value, models.IntegerField)


def check_tz(tz: Any) -> None:
    if tz is not None and not isinstance(tz, datetime.tzinfo):
        raise TypeError(f"tz must be a tzinfo (e.g. zoneinfo.ZoneInfo), got {tz!r}")


def check_lookback(value: Any) -> int:
    """A lookback is a whole number of days, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"lookback must be a number of days (an int), got {value!r}")
    if value < 0:
        raise ValueError(f"lookback must be 0 or more days, got {value}")
    return value


def check_lifetime_from_stored(value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"lifetime_from_stored must be True or False, got {value!r}")


def check_dimensions(given: Any, statistic_model: type[models.Model]) -> dict[str, str]:
    """The custom dimensions, one source field path per key field of the model."""
    dimensions: dict[str, str] = dict(given or {})
    wanted = set(dimension_fields(statistic_model)) - set(OBJECT_FIELDS)
    unknown = set(dimensions) - wanted
    if unknown:
        raise ValueError(
            f"dimensions {sorted(unknown)} are not key fields of "
            f"{statistic_model.__name__} (its dimensions: {sorted(wanted) or 'none'})"
        )
    absent = wanted - set(dimensions)
    if absent:
        raise ValueError(
            f"{statistic_model.__name__} has key field(s) {sorted(absent)}: pass "
            "dimensions={statistic field: source field path}"
        )
    for name, path in dimensions.items():
        if not isinstance(path, str) or not path:
            raise TypeError(f"dimensions[{name!r}] must be a source field path, got {path!r}")
    return dimensions


def check_model(model: Any) -> None:
    if not (isinstance(model, type) and issubclass(model, models.Model)):
        raise TypeError(f"model must be a model class, got {model!r}")


def check_day(value: Any, argument: str) -> datetime.date | None:
    """A run's ``since`` or ``until``: a date (not a datetime), or None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise TypeError(f"{argument} must be a datetime.date, got {value!r}")
    return value


# ---------------------------------------------------------------- source fields
def check_source_fields(
    model: type[models.Model],
    date_field: str,
    dimensions: dict[str, str],
    aggregate: models.Aggregate,
    statistic_model: type[models.Model],
) -> None:
    """The date field, dimension paths and aggregate argument exist on ``model`` and
    fit the statistic model."""
    date = resolve_path(model, date_field, "date_field")
    if not isinstance(date, models.DateField):
        raise TypeError(
            f"date_field {date_field!r} must be a DateTimeField or DateField, "
            f"not {type(date).__name__}"
        )
    for name, path in dimensions.items():
        resolve_path(model, path, f"dimensions[{name!r}]")
    _check_aggregated_field(model, aggregate, statistic_model)


def _check_aggregated_field(
    model: type[models.Model], aggregate: models.Aggregate, statistic_model: type[models.Model]
) -> None:
    argument = aggregate.source_expressions[0]
    if isinstance(argument, F):
        field = resolve_path(model, argument.name, "aggr_op")
        shown = repr(argument.name)
    elif isinstance(argument, models.Expression) and not isinstance(argument, Star):
        # An expression such as F("amount") * F("quantity"): the ORM works out its
        # type without touching the database (FieldError for unknown names).
        field = argument.resolve_expression(Query(model)).output_field
        shown = repr(argument)
    else:
        return
    if isinstance(aggregate, Count):
        return
    if field.is_relation or not isinstance(
        field, (models.IntegerField, models.DecimalField, models.FloatField)
    ):
        raise TypeError(
            f"aggr_op {type(aggregate).__name__}({shown}) needs a numeric "
            f"field, not {type(field).__name__}"
        )
    fractional = isinstance(field, models.FloatField) or (
        # A computed decimal has no declared places: it may have a fraction.
        isinstance(field, models.DecimalField)
        and (field.decimal_places is None or field.decimal_places > 0)
    )
    if fractional and has_integer_value(statistic_model):
        raise ValueError(
            f"aggr_op {type(aggregate).__name__}({shown}) has fractional "
            f"values but {statistic_model.__name__}.value is an integer field; "
            f"{_FRACTIONAL_HINT}"
        )
