"""A read-only JSON API over stored statistics: ``path("stats/",
include("trackstats.urls"))``. See docs/json-api.md."""

from .access import default_permission, is_allowed
from .payload import json_value, read_series, series_payload
from .query import InvalidQuery, SeriesQuery, parse_metric, parse_model, parse_query
from .views import SeriesView

__all__ = [
    "InvalidQuery",
    "SeriesQuery",
    "SeriesView",
    "default_permission",
    "is_allowed",
    "json_value",
    "parse_metric",
    "parse_model",
    "parse_query",
    "read_series",
    "series_payload",
]
