"""What a statistic model's fields and constraints say: its key, dimensions and columns.

A leaf module: the models, the query API (``trackstats.querysets``) and the gap-filled
reads (``trackstats.series``) all read a statistic model's schema, so it imports none
of them. The names stay importable from ``trackstats.models`` too.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models

STATISTIC_CORE_FIELDS = frozenset({"metric", "period", "date"})


def statistic_key_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The field names of the unique key that identifies one statistic row.

    It is the unique constraint (or ``unique_together``) that covers ``metric``,
    ``period`` and ``date``; for by-object and custom models it also holds the object
    and dimension fields. Raises ImproperlyConfigured when the model has none.
    """
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
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise FieldDoesNotExist(f"{model._meta.label}.{name} is a reverse relation")
    return field


def column_of(model: type[models.Model], name: str) -> str:
    """The database column of the field ``name`` declared on ``model``."""
    column = forward_field(model, name).column
    if column is None:
        raise FieldDoesNotExist(f"{model._meta.label}.{name} has no column")
    return column


def is_by_object(model: type[models.Model]) -> bool:
    field_names = {f.name for f in model._meta.get_fields()}
    return {"object_type", "object_id"} <= field_names
