"""Field paths of a source model, such as ``"order__created"``, resolved to fields."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.related import RelatedField
from django.db.models.fields.reverse_related import ForeignObjectRel


def resolve_path(
    model: type[models.Model], path: str, argument: str
) -> models.Field[Any, Any] | ForeignObjectRel:
    """The field at the end of ``path`` (``"order__created"``), following relations.

    ``argument`` names the tracker option the path came from, for the error message.
    """
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


def foreign_key(model: type[models.Model], path: str) -> RelatedField[Any, Any]:
    """The foreign key or one-to-one field at the end of ``path`` (``object_field``)."""
    field = resolve_path(model, path, "object_field")
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
