"""The source queryset: what a tracker accepts, and the form the engine reads it in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldError
from django.db import NotSupportedError, models

if TYPE_CHECKING:
    from .classes import ObjectsByDateTracker


def check_queryset(tracker: ObjectsByDateTracker, queryset: Any) -> None:
    """Raise unless ``queryset`` is one ``tracker`` can run on."""
    if not isinstance(queryset, models.QuerySet):
        raise TypeError(f"queryset must be a QuerySet, got {type(queryset).__name__}")
    if queryset.query.is_sliced:
        raise TypeError("queryset must not be sliced: filter it instead")
    if tracker.model is not None and not issubclass(queryset.model, tracker.model):
        raise TypeError(
            f"this tracker was declared for {tracker.model.__name__}, got a queryset of "
            f"{queryset.model.__name__}"
        )
    tracker.check_source(queryset.model)


def engine_source(queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """The queryset as one the engine can extend with filters and grouping.

    A run adds filters, annotations and a GROUP BY to the source. That keeps the
    meaning of a plain filtered queryset, joins and all, but not of one that is
    distinct, grouped (an aggregate annotation, HAVING), windowed, combined
    (``union()``) or of values: such a source becomes the rows of its model whose
    primary key it yields, each once, which is what the queryset means.
    """
    query = queryset.query
    annotated = any(
        getattr(annotation, "contains_aggregate", False)
        or getattr(annotation, "contains_over_clause", False)
        for annotation in query.annotations.values()
    )
    if not (
        query.distinct
        or query.combinator
        or query.group_by is not None
        or annotated
        # values() and values_list() set the private _fields, unknown to the stubs.
        or getattr(queryset, "_fields", None) is not None
    ):
        return queryset
    model = queryset.model
    if query.combinator and query.combinator_all:
        raise TypeError(
            f"cannot track a {query.combinator}(all=True) queryset of {model.__name__}: "
            "it may yield a row twice, and a tracker counts each row once; use "
            f"{query.combinator}() or combine the filters with Q objects"
        )
    try:
        fields = getattr(queryset, "_fields", None)
        keys = queryset.values("pk") if fields != ("pk",) else queryset
    except (FieldError, NotSupportedError, TypeError) as error:
        raise TypeError(f"cannot track this queryset of {model.__name__}: {error}") from error
    rows: models.QuerySet[Any] = model._base_manager.using(queryset.db).filter(pk__in=keys)
    return rows
