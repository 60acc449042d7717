"""Which statistics a tracker writes: its scope, and the key parts a run fills in.

A statistic's key is metric, period, date, by object the object type and id, and any
custom dimensions. The part every row of a tracker shares is its scope
(:class:`~trackstats.runlog.Scope`): the one definition of "this tracker's rows", which
a run replaces, ``verify`` compares and the run log records. The engine's ``Target`` is
built from it here, so the rows written are the rows the scope names.

The object part is where the trackers differ, one :class:`ObjectKey` each:

- :class:`NoObject`: statistics by date only (``ObjectsByDateTracker``);
- :class:`OneObject`: every value belongs to one fixed object (``object=``);
- :class:`RelatedObject`: one value per object a foreign key of the source rows points
  at (``object_model`` + ``object_field``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models

from ..engine.execute import Target
from ..lazy_registration import resolve_instance
from ..models import Domain, Metric
from ..object_ids import object_id_of
from ..runlog import Scope
from .paths import foreign_key


class ObjectKey(Protocol):
    """How a tracker's statistics are keyed by object."""

    #: Key fields a run fills from each source row (before the custom dimensions).
    @property
    def keyed_fields(self) -> tuple[str, ...]: ...

    def fixed_object(self, using: str) -> tuple[ContentType | None, str | None]:
        """The object type and object id shared by every row written, or None."""
        ...

    def object_source(self, model: type[models.Model]) -> tuple[str | None, Any]:
        """The source path of the object and the field it points at, or (None, None)."""
        ...

    def check_source(self, model: type[models.Model]) -> None:
        """Raise when the source model does not fit the declaration."""
        ...


@dataclass(frozen=True)
class NoObject:
    """Statistics by date only: no object in the key."""

    keyed_fields: ClassVar[tuple[str, ...]] = ()

    def fixed_object(self, using: str) -> tuple[ContentType | None, str | None]:
        return None, None

    def object_source(self, model: type[models.Model]) -> tuple[str | None, Any]:
        return None, None

    def check_source(self, model: type[models.Model]) -> None:
        pass


@dataclass(frozen=True)
class OneObject:
    """Every statistic belongs to one fixed object: the object is part of the scope."""

    #: A saved instance, or a lazy registration of one (resolved when used).
    given: Any
    keyed_fields: ClassVar[tuple[str, ...]] = ()

    def fixed_object(self, using: str) -> tuple[ContentType | None, str | None]:
        obj = resolve_instance(self.given)
        object_type = ContentType.objects.db_manager(using).get_for_model(obj)
        return object_type, object_id_of(obj)

    def object_source(self, model: type[models.Model]) -> tuple[str | None, Any]:
        return None, None

    def check_source(self, model: type[models.Model]) -> None:
        pass


@dataclass(frozen=True)
class RelatedObject:
    """One statistic per object that ``object_field`` of a source row points at."""

    object_model: type[models.Model]
    object_field: str
    keyed_fields: ClassVar[tuple[str, ...]] = ("object_id",)

    def fixed_object(self, using: str) -> tuple[ContentType | None, str | None]:
        object_type = ContentType.objects.db_manager(using).get_for_model(self.object_model)
        return object_type, None

    def object_source(self, model: type[models.Model]) -> tuple[str | None, Any]:
        return self.object_field, foreign_key(model, self.object_field).target_field

    def check_source(self, model: type[models.Model]) -> None:
        field = foreign_key(model, self.object_field)
        # Once apps are loaded, a model class (not the lazy "self" or "app.Model"),
        # whose concrete model is set.
        target = cast("type[models.Model]", field.related_model)
        related = cast("type[models.Model]", target._meta.concrete_model)
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


def object_key(
    object_model: Any, object_field: Any, given: Any, tracker_name: str
) -> OneObject | RelatedObject:
    """The object key a by-object tracker is declared with; raise on bad arguments."""
    has_field = object_field is not None
    if has_field == (given is not None):
        raise TypeError(
            f"{tracker_name} needs either object_model and object_field "
            "(one statistic per related object) or object (one fixed object), "
            + ("not both" if has_field else "got neither")
        )
    if has_field:
        if not (isinstance(object_model, type) and issubclass(object_model, models.Model)):
            raise TypeError(
                f"object_model must be the model class object_field points to, got "
                f"{object_model!r}"
            )
        if not isinstance(object_field, str) or not object_field:
            raise TypeError(f"object_field must be a field name, got {object_field!r}")
        return RelatedObject(object_model, object_field)
    obj = resolve_instance(given)
    object_id_of(obj)  # TypeError/ValueError for a non-instance or unsaved object
    if object_model is not None and not isinstance(obj, object_model):
        raise TypeError(f"object {obj!r} is not a {object_model.__name__} (object_model)")
    return OneObject(given)


def scope_of(
    statistic_model: type[models.Model],
    metric: Metric,
    period: int,
    key: ObjectKey,
    using: str,
) -> Scope:
    """The scope of a tracker's statistics as rows of database ``using``."""
    metric = metric_on(metric, using)
    object_type, object_id = key.fixed_object(using)
    return Scope(
        statistic_model=statistic_model,
        metric=metric,
        period=period,
        object_type=object_type,
        object_id=object_id,
    )


def target_of(scope: Scope, keyed_fields: tuple[str, ...]) -> Target:
    """Where a run writes: the scope's rows, with ``keyed_fields`` filled per row."""
    fixed: list[tuple[str, Any]] = [("metric", scope.metric.pk), ("period", scope.period)]
    if scope.object_type is not None:
        fixed.append(("object_type", scope.object_type.pk))
    if scope.object_id is not None:
        fixed.append(("object_id", scope.object_id))
    return Target(scope.statistic_model, tuple(fixed), keyed_fields)


def metric_on(metric: Metric, using: str) -> Metric:
    """``metric`` as a row of database ``using``.

    Statistics are written where the source queryset lives, but a registration
    resolves on the router's database; the same natural key is found or created
    there, so the foreign key points at a row of the right database.
    """
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
