"""The parameters of a JSON API series request, checked into a :class:`SeriesQuery`.

Every mistake a client can make raises :class:`InvalidQuery` with a message meant for
that client; the view answers it with 400. Nothing here trusts the request: ranges are
bounded before any date list is built, so ``from=1900-01-01&to=9999-12-31`` costs no
more than a bad date.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, router

from ..conf import app_settings
from ..exchange import extra_dimensions, statistic_models
from ..models import Metric
from ..periods import (
    bucket_start,
    calendar_months,
    is_calendar,
    next_bucket,
    parse_period_name,
    period_name,
)
from ..querysets import statistic_rows
from ..series import previous_range
from ..statistic_schema import forward_field, is_by_object

DEFAULT_MODEL = "trackstats.statisticbydate"
DEFAULT_TOP = 10
PARAMETERS = frozenset(
    {
        "metric",
        "model",
        "period",
        "from",
        "to",
        "fill",
        "cumulative",
        "previous",
        "top",
        "object_type",
        "object_id",
    }
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class InvalidQuery(ValueError):
    """A request parameter is missing or wrong; the message says which and why."""


@dataclass(frozen=True)
class SeriesQuery:
    """A checked request: which statistics, over which range, shaped how.

    ``top`` is set for statistics by object read as a top-N breakdown; it is None for
    statistics by date and for one object's series (``object_id`` given).
    """

    model: type[models.Model]
    metric: Metric
    period: int
    from_date: datetime.date
    to_date: datetime.date
    fill: Any = 0
    cumulative: bool = False
    previous: bool = False
    top: int | None = None
    object_type: ContentType | None = None
    object_id: str | None = None
    dimensions: dict[str, Any] = field(default_factory=dict)

    def queryset(self) -> models.QuerySet[Any]:
        """The statistics of this query (every date: series functions cut the range)."""
        queryset = statistic_rows(self.model, router.db_for_read(self.model)).narrow(
            metric=self.metric, period=self.period
        )
        if self.object_type is not None:
            queryset = queryset.filter(object_type=self.object_type)
        if self.object_id is not None:
            queryset = queryset.filter(object_id=self.object_id)
        return queryset.filter(**self.dimensions)

    def in_scale(self, value: Any) -> Any:
        """A Decimal with the model's decimal places (sums come back without them on
        some databases); other values unchanged."""
        return _in_scale(forward_field(self.model, "value"), value)

    @property
    def zero(self) -> Any:
        """Zero in the type of the model's values: where a running total starts."""
        value_field = forward_field(self.model, "value")
        return _in_scale(value_field, value_field.to_python(0))


def parse_model(params: Mapping[str, Any]) -> type[models.Model]:
    """The statistic model named by ``model`` (``app_label.modelname``)."""
    name = _text(params, "model", DEFAULT_MODEL).strip().lower()
    by_label = {model._meta.label_lower: model for model in statistic_models()}
    if name not in by_label:
        raise InvalidQuery(f"unknown model {name!r}: use one of {', '.join(sorted(by_label))}")
    return by_label[name]


def parse_metric(
    params: Mapping[str, Any], model: type[models.Model]
) -> tuple[str, Metric | None]:
    """The ``metric`` label (``domain.metric``) and its Metric, None when none has it."""
    label = _single(params, "metric")
    if label is None or not label.strip():
        raise InvalidQuery("metric is required: write it domain.metric, e.g. metric=shop.orders")
    label = label.strip()
    if "." not in label:
        raise InvalidQuery(f"metric {label!r} must be written domain.metric")
    manager = Metric.objects.db_manager(router.db_for_read(model))
    try:
        return label, manager.get_by_label(label)
    except Metric.DoesNotExist:
        return label, None


def parse_query(
    params: Mapping[str, Any], model: type[models.Model], metric: Metric
) -> SeriesQuery:
    """Check every other parameter of a request for ``metric`` in ``model``."""
    dimensions = _dimension_fields(model)
    unknown = sorted(set(params) - PARAMETERS - set(dimensions))
    if unknown:
        raise InvalidQuery(
            f"unknown parameter {unknown[0]!r}: use {', '.join(sorted(PARAMETERS))}"
            + (f" or the dimensions {', '.join(dimensions)}" if dimensions else "")
        )
    period = _period(params)
    from_date = _date(params, "from")
    to_date = _date(params, "to")
    if from_date > to_date:
        raise InvalidQuery(f"from ({from_date}) is after to ({to_date})")
    _check_points(from_date, to_date, period)
    previous = _boolean(params, "previous")
    if previous:
        try:
            previous_range(from_date, to_date, period)
        except ValueError as exc:
            raise InvalidQuery(f"previous: {exc}") from None
    object_type, object_id, top = _objects(params, model)
    return SeriesQuery(
        model=model,
        metric=metric,
        period=period,
        from_date=from_date,
        to_date=to_date,
        fill=_fill(params, model),
        cumulative=_boolean(params, "cumulative"),
        previous=previous,
        top=top,
        object_type=object_type,
        object_id=object_id,
        dimensions={
            field.attname: _field_value(field, params, name) for name, field in dimensions.items()
        },
    )


def point_count(from_date: datetime.date, to_date: datetime.date, period: int) -> int:
    """How many points ``series_dates(from_date, to_date, period)`` has, counted without
    building them."""
    if not is_calendar(period):
        return (to_date - from_date).days + 1
    first = bucket_start(from_date, period)
    if first < from_date:
        try:
            first = next_bucket(first, period)
        except (ValueError, OverflowError):  # the next bucket starts after year 9999
            return 0
    if first > to_date:
        return 0
    months = calendar_months(period)
    if months is None:
        return (to_date - first).days // 7 + 1
    month_index = (to_date.year - first.year) * 12 + to_date.month - first.month
    return month_index // months + 1


def _check_points(from_date: datetime.date, to_date: datetime.date, period: int) -> None:
    most = app_settings.TRACKSTATS_API_MAX_POINTS
    try:
        count = point_count(from_date, to_date, period)
    except OverflowError:  # a week that would start before 1 January of year 1
        raise InvalidQuery(f"from {from_date} is too early for {period_name(period)}") from None
    if count > most:
        raise InvalidQuery(
            f"from {from_date} to {to_date} is {count} points; at most {most} are served "
            "per series: shorten the range or use a longer calendar period"
        )


def _single(params: Mapping[str, Any], name: str, default: str | None = None) -> str | None:
    # A repeated parameter is ambiguous; a QueryDict would silently keep the last.
    getlist = getattr(params, "getlist", None)
    if getlist is not None and len(getlist(name)) > 1:
        raise InvalidQuery(f"{name} is given more than once")
    value = params.get(name, default)
    return value if value is None else str(value)


def _text(params: Mapping[str, Any], name: str, default: str) -> str:
    text = _single(params, name, default)
    return default if text is None else text


def _period(params: Mapping[str, Any]) -> int:
    text = _text(params, "period", "day")
    try:
        return parse_period_name(text)
    except (TypeError, ValueError) as exc:
        raise InvalidQuery(f"period: {exc}") from None


def _date(params: Mapping[str, Any], name: str) -> datetime.date:
    text = _single(params, name)
    if text is None or not text.strip():
        raise InvalidQuery(f"{name} is required: a date written YYYY-MM-DD")
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        raise InvalidQuery(f"{name} must be a date written YYYY-MM-DD, got {text!r}")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidQuery(f"{name}: {text!r} is no date ({exc})") from None


def _boolean(params: Mapping[str, Any], name: str) -> bool:
    text = _text(params, name, "false").strip().lower()
    if text not in _BOOLEANS:
        raise InvalidQuery(f"{name} must be true or false (or 1 or 0), got {text!r}")
    return _BOOLEANS[text]


def _fill(params: Mapping[str, Any], model: type[models.Model]) -> Any:
    text = _text(params, "fill", "0").strip()
    if text.lower() == "null":
        return None
    value_field = forward_field(model, "value")
    try:
        value = value_field.to_python(text)
    except ValidationError:
        raise InvalidQuery(
            f"fill must be null or a number {model._meta.label_lower} can store "
            f"({type(value_field).__name__}), got {text!r}"
        ) from None
    if value is None or (isinstance(value, (float, Decimal)) and not math.isfinite(value)):
        raise InvalidQuery(f"fill must be null or a finite number, got {text!r}")
    return _in_scale(value_field, value)


def _in_scale(value_field: models.Field[Any, Any], value: Any) -> Any:
    # Decimal values come back from the database with the field's decimal places
    # ("0.1000"); a fill or a running total's start written the same way keeps every
    # point of a series in one form.
    if isinstance(value, Decimal) and isinstance(value_field, models.DecimalField):
        return value.quantize(Decimal(1).scaleb(-value_field.decimal_places))
    return value


def _objects(
    params: Mapping[str, Any], model: type[models.Model]
) -> tuple[ContentType | None, str | None, int | None]:
    type_text = _single(params, "object_type")
    object_id = _single(params, "object_id")
    top_text = _single(params, "top")
    if not is_by_object(model):
        given = {"object_type": type_text, "object_id": object_id, "top": top_text}
        for name, value in given.items():
            if value is not None:
                raise InvalidQuery(
                    f"{name} applies to statistics by object; {model._meta.label_lower} has none"
                )
        return None, None, None
    object_type = None
    if type_text is not None:
        app_label, _, model_name = type_text.strip().lower().partition(".")
        try:
            object_type = ContentType.objects.db_manager(
                router.db_for_read(model)
            ).get_by_natural_key(app_label, model_name)
        except ContentType.DoesNotExist:
            raise InvalidQuery(
                f"object_type {type_text!r} is no installed model: write it app_label.model"
            ) from None
    if object_id is not None:
        if object_type is None:
            raise InvalidQuery("object_id needs object_type, e.g. object_type=shop.customer")
        if top_text is not None:
            raise InvalidQuery("give top or object_id, not both")
        return object_type, object_id, None
    return object_type, None, _top(top_text)


def _top(text: str | None) -> int:
    if text is None:
        return DEFAULT_TOP
    most = app_settings.TRACKSTATS_API_MAX_OBJECTS
    text = text.strip()
    if not text.isdigit() or int(text) > most:
        raise InvalidQuery(f"top must be an integer from 0 to {most}, got {text!r}")
    return int(text)


def _dimension_fields(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    fields = {name: forward_field(model, name) for name in extra_dimensions(model)}
    clashing = sorted(set(fields) & PARAMETERS)
    if clashing:
        raise InvalidQuery(
            f"{model._meta.label_lower} cannot be read over the JSON API: its dimension "
            f"{clashing[0]!r} has the name of a parameter"
        )
    return fields


def _field_value(field: models.Field[Any, Any], params: Mapping[str, Any], name: str) -> Any:
    text = _single(params, name)
    if text is None:
        raise InvalidQuery(
            f"{name} is required: {field.model._meta.label_lower} stores one series per {name}"
        )
    try:
        return field.to_python(text)
    except ValidationError as exc:
        raise InvalidQuery(f"{name}: {' '.join(exc.messages)}") from None
