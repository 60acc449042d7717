"""Canonical text form of an object's primary key, as stored in ``object_id``.

``StatisticByDateAndObject.object_id`` is text so that it can hold integer, big
integer, UUID and string primary keys alike. The canonical form is ``str(pk)`` in
Python (UUIDs with hyphens, lower case). :class:`ObjectIdText` produces the same text
inside SQL, so set-based code can compare and insert object ids without loading rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.functions import Cast, Concat, Lower, Substr

from .engine.dialects import dialect_for

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

OBJECT_ID_MAX_LENGTH = 255

#: SQL text and its parameters, as ``as_sql()`` returns them.
_Sql = tuple[str, Sequence[Any]]


def object_id_of(obj: object) -> str:
    """The canonical object id of a saved model instance."""
    if not isinstance(obj, models.Model):
        raise TypeError(f"object must be a model instance, got {type(obj).__name__}")
    if obj.pk is None or obj._state.adding:
        raise ValueError(f"object {obj!r} is unsaved: save it before recording statistics")
    return pk_to_object_id(obj.pk)


def pk_to_object_id(pk: Any) -> str:
    if isinstance(pk, uuid.UUID):
        return str(pk)
    text = str(pk)
    if len(text) > OBJECT_ID_MAX_LENGTH:
        raise ValueError(
            f"object primary key {text[:40]!r}... is longer than {OBJECT_ID_MAX_LENGTH} characters"
        )
    return text


class ObjectIdText(models.Func):
    """SQL expression: the canonical object id of a primary key or foreign key column.

    ``source_field`` is the model field whose values ``expression`` yields (the target
    primary key field for a foreign key). Integers and strings cast as they are; UUIDs
    need hyphens added on backends that store them as 32 hex characters.
    """

    output_field = models.CharField(max_length=OBJECT_ID_MAX_LENGTH)

    def __init__(self, expression: Any, source_field: models.Field[Any, Any]) -> None:
        super().__init__(expression)
        self.source_field = source_field

    # Narrower than Func.as_sql: the function, template and joiner are this class's own.
    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> _Sql:
        sql, params = self._canonical_sql(compiler, connection)
        return dialect_for(connection).exact_text(sql), params

    def _canonical_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _Sql:
        expr = self.source_expressions[0]
        text_field: models.CharField[str, str] = models.CharField(max_length=OBJECT_ID_MAX_LENGTH)
        if isinstance(self.source_field, models.UUIDField):
            if connection.features.has_native_uuid_field:
                return compiler.compile(Lower(Cast(expr, text_field)))
            # 32 hex characters: rebuild the 8-4-4-4-12 form of str(uuid).
            parts = [Substr(expr, start, length) for start, length in _UUID_GROUPS]
            pieces: list[Any] = []
            for part in parts:
                if pieces:
                    pieces.append(models.Value("-"))
                pieces.append(part)
            return compiler.compile(Lower(Concat(*pieces, output_field=text_field)))
        if isinstance(self.source_field, (models.CharField, models.TextField)):
            return compiler.compile(expr)
        return compiler.compile(Cast(expr, text_field))


_UUID_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
