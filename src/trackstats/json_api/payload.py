"""The JSON body of a series response, built from a checked :class:`SeriesQuery`.

Every series is a list of ``[date, value]`` points plus ``missing``, the dates that
have no stored row and so hold ``fill``. A stored NULL ("no data available") is
``null`` and is not missing, so a client can tell the two apart even with
``fill=null``. Decimal values are strings ("12.50"): a JSON number is a float to most
clients, which would round money. Integers and floats are numbers.

:func:`read_series` is the whole request cycle (parameters, access, body) as a
``(status, body)`` pair, so the same serialization serves a plain Django view or a
Django REST framework one.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models
from django.http import HttpRequest

from ..models import Metric
from ..periods import period_name
from ..series import Series, cumulative, object_breakdown, previous_range, series, top_objects
from .access import is_allowed
from .query import InvalidQuery, SeriesQuery, parse_metric, parse_model, parse_query

Permission = Callable[[HttpRequest, "Metric | None", type[models.Model]], bool]

# Passed as the fill of the series functions, so that the dates without a row can be
# told from the stored values afterwards, in the same single read.
_NO_ROW = object()


def read_series(
    request: HttpRequest, params: Mapping[str, Any], permission: Permission = is_allowed
) -> tuple[int, dict[str, Any]]:
    """Answer a series request: ``(200, body)``, or an error status with
    ``{"error": message}``.

    Access is checked once the model and metric are known and before any other
    parameter, so that a client without access learns nothing but 403: the
    ``permission`` callable gets ``metric=None`` for a label that names no metric,
    and only when it allows that does the client get 404.
    """
    try:
        model = parse_model(params)
        label, metric = parse_metric(params, model)
    except InvalidQuery as exc:
        return 400, {"error": str(exc)}
    if not permission(request, metric, model):
        return 403, {"error": "you may not read these statistics"}
    if metric is None:
        return 404, {"error": f"no metric {label}"}
    try:
        return 200, series_payload(parse_query(params, model, metric))
    except InvalidQuery as exc:
        return 400, {"error": str(exc)}


def series_payload(query: SeriesQuery) -> dict[str, Any]:
    """The JSON-ready body for ``query``: by date, one object's, or top objects."""
    body: dict[str, Any] = {
        "metric": query.metric.label,
        "model": query.model._meta.label_lower,
        "period": period_name(query.period),
        "from": query.from_date.isoformat(),
        "to": query.to_date.isoformat(),
        "fill": json_value(query.fill),
        "cumulative": query.cumulative,
    }
    if query.object_type is not None:
        body["object_type"] = _content_type_label(query.object_type)
    if query.object_id is not None:
        body["object_id"] = query.object_id
    if query.top is None:
        body.update(_by_date(query))
    else:
        body.update(_top_objects(query, query.top))
    return body


def json_value(value: Any) -> Any:
    """A stored value as JSON: Decimal as its exact text, None as null, a float NaN or
    infinity (PostgreSQL can store them) as ``"NaN"``, ``"Infinity"``, ``"-Infinity"``,
    which JSON has no numbers for."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _by_date(query: SeriesQuery) -> dict[str, Any]:
    queryset = query.queryset()
    body = _points(query, series(queryset, query.from_date, query.to_date, _NO_ROW, query.period))
    if query.previous:
        previous_from, previous_to = previous_range(query.from_date, query.to_date, query.period)
        body["previous"] = {
            "from": previous_from.isoformat(),
            "to": previous_to.isoformat(),
            **_points(query, series(queryset, previous_from, previous_to, _NO_ROW, query.period)),
        }
    return body


def _top_objects(query: SeriesQuery, limit: int) -> dict[str, Any]:
    queryset = query.queryset()
    try:
        top = top_objects(queryset, query.from_date, query.to_date, limit, _NO_ROW, query.period)
        if query.previous:
            previous_from, previous_to = previous_range(
                query.from_date, query.to_date, query.period
            )
            before = object_breakdown(
                queryset, previous_from, previous_to, list(top.series), _NO_ROW, query.period
            )
    except ValueError as exc:  # objects of several types: object_type= is needed
        raise InvalidQuery(str(exc)) from None
    instances = top.objects()
    objects = []
    for object_id, points in top.series.items():
        instance = instances.get(object_id)
        entry = {
            "id": object_id,
            "label": None if instance is None else str(instance),
            "total": json_value(query.in_scale(top.totals[object_id])),
            **_points(query, points),
        }
        if query.previous:
            entry["previous"] = _points(query, before.series[object_id])
        objects.append(entry)
    other: dict[str, Any] = {"objects": top.other_objects, **_points(query, top.other)}
    body: dict[str, Any] = {"top": limit}
    if top.object_type is not None and query.object_type is None:
        body["object_type"] = _content_type_label(top.object_type)
    body["objects"] = objects
    body["other"] = other
    if query.previous:
        body["previous"] = {"from": previous_from.isoformat(), "to": previous_to.isoformat()}
        other["previous"] = {"objects": before.other_objects, **_points(query, before.other)}
    return body


def _points(query: SeriesQuery, points: Series) -> dict[str, Any]:
    missing = [date for date, value in points if value is _NO_ROW]
    filled = [
        (date, query.fill if value is _NO_ROW else query.in_scale(value)) for date, value in points
    ]
    if query.cumulative:
        filled = cumulative(filled, start=query.zero)
    return {
        "points": [[_iso(date), json_value(value)] for date, value in filled],
        "missing": [_iso(date) for date in missing],
    }


def _iso(date: datetime.date) -> str:
    return date.isoformat()


def _content_type_label(content_type: Any) -> str:
    return f"{content_type.app_label}.{content_type.model}"
