"""The query API shared by every statistic model: record(), narrow(), most_recent()."""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, models, router

from .objects import ObjectIdText, object_id_of
from .periods import validate_period
from .signals import post_record


class StatisticQuerySet(models.QuerySet):
    # ------------------------------------------------------------------ writing
    def record(
        self,
        metric: Any,
        value: Any,
        period: int,
        date: datetime.date | None = None,
        object: models.Model | None = None,
        **extra_dimensions: Any,
    ) -> models.Model:
        """Create or update the one row for this key and return it.

        ``date`` defaults to today in the current time zone. Every argument is
        checked before anything is written.
        """
        from .models import dimension_fields, is_by_object, statistic_key_fields, today_in

        model = self.model
        key: dict[str, Any] = {
            "metric": _saved_metric(metric),
            "period": validate_period(period),
            "date": today_in() if date is None else _check_date(date, "date"),
        }
        dimensions = set(dimension_fields(model))
        if is_by_object(model):
            if object is None:
                raise TypeError(f"{model.__name__}.record() needs object=")
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
                f"{model.__name__}.record() got unknown dimension(s) {sorted(unknown)}; "
                f"its dimensions are {sorted(dimensions) or 'none'}"
            )
        missing = dimensions - set(extra_dimensions)
        if missing:
            raise TypeError(f"{model.__name__}.record() needs dimension(s) {sorted(missing)}")
        for name, dim_value in extra_dimensions.items():
            key[name] = _clean_field(model, name, dim_value)
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
        stored = model._default_manager.using(db).get(**key)
        post_record.send(sender=model, instance=stored, using=db)
        return stored

    def _write_db(self) -> str:
        return self._db or router.db_for_write(self.model)

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
        objects: Iterable[models.Model] | models.QuerySet | None = None,
        object_type: ContentType | type[models.Model] | None = None,
    ) -> StatisticQuerySet:
        """Filter statistics. Dates are inclusive; ``period=Period.LIFETIME`` filters too."""
        from .models import Metric, is_by_object, resolve_instance

        qs = self
        if metric is not None and metrics is not None:
            raise TypeError("narrow() takes metric= or metrics=, not both")
        if metric is not None:
            qs = qs.filter(metric=_saved_metric(metric))
        if metrics is not None:
            if isinstance(metrics, models.QuerySet):
                if metrics.model is not Metric:
                    raise TypeError("metrics= must be a queryset of Metric")
                qs = qs.filter(metric__in=metrics)
            else:
                qs = qs.filter(metric__in=[_saved_metric(m) for m in metrics])
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
        if not is_by_object(self.model):
            raise TypeError(f"{self.model.__name__} has no object to narrow by")
        if object is not None and objects is not None:
            raise TypeError("narrow() takes object= or objects=, not both")
        if object_type is not None:
            qs = qs.filter(object_type=_content_type(object_type))
        if object is not None:
            objects = [resolve_instance(object)]
        if objects is not None:
            qs = qs.filter(_objects_condition(objects))
        return qs

    def most_recent(self, **narrow_kwargs: Any) -> models.Model | None:
        """The latest row by date among those ``narrow(**narrow_kwargs)`` selects."""
        return self.narrow(**narrow_kwargs).order_by("-date", "-pk").first()

    # ------------------------------------------------------------ gap-filled reads
    def series(self, from_date: datetime.date, to_date: datetime.date, fill: Any = 0) -> list:
        """``[(date, value), ...]`` for every date of the range; see trackstats.series."""
        from .series import series

        return series(self, from_date, to_date, fill=fill)

    def series_by_object(
        self,
        from_date: datetime.date,
        to_date: datetime.date,
        fill: Any = 0,
        objects: Iterable[models.Model] | models.QuerySet | None = None,
    ) -> dict:
        """One gap-filled series per object; see trackstats.series.series_by_object."""
        from .series import series_by_object

        return series_by_object(self, from_date, to_date, fill=fill, objects=objects)

    def to_dataframe(
        self,
        from_date: datetime.date | None = None,
        to_date: datetime.date | None = None,
        fill: Any = 0,
    ) -> Any:
        """A pandas DataFrame of these statistics (needs pandas); see trackstats.series."""
        from .series import to_dataframe

        return to_dataframe(self, from_date, to_date, fill=fill)


def _objects_condition(objects: Iterable[models.Model] | models.QuerySet) -> models.Q:
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
    for content_type, ids in by_type.items():
        condition |= models.Q(object_type=content_type, object_id__in=ids)
    return condition


def _content_type(value: ContentType | type[models.Model]) -> ContentType:
    if isinstance(value, ContentType):
        return value
    if isinstance(value, type) and issubclass(value, models.Model):
        return ContentType.objects.get_for_model(value)
    raise TypeError(f"object_type must be a ContentType or a model class, got {value!r}")


def _saved_metric(metric: Any) -> Any:
    from .models import Metric, resolve_instance

    metric = resolve_instance(metric)
    if metric is None:
        raise TypeError("metric is required")
    if not isinstance(metric, Metric):
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
    field = model._meta.get_field(name)
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
    field = model._meta.get_field("value")
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
