"""Factories and helpers the tracker tests share: metrics, customers and orders, aware
instants, a plain-Python reference of what a tracker stores, and a reader of what it
stored.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.testapp.models import Customer, Order
from trackstats import clock
from trackstats.models import Domain, Metric
from trackstats.periods import period_days

UTC = datetime.timezone.utc


def make_metric(ref: str = "orders") -> Metric:
    domain, _ = Domain.objects.get_or_create(ref="shop")
    return Metric.objects.get_or_create(domain=domain, ref=ref)[0]


def local_today(tz: datetime.tzinfo | None = None) -> datetime.date:
    """Today as the code under test sees it: the package's clock, fixable in a test."""
    return clock.today_in(tz)


def at(day: datetime.date, hour: int = 12, minute: int = 0, tz: datetime.tzinfo = UTC):
    """An aware instant at a local time of ``day`` in ``tz``."""
    return datetime.datetime.combine(day, datetime.time(hour, minute)).replace(tzinfo=tz)


def here(day: datetime.date, hour: int = 12) -> datetime.datetime:
    """An aware instant at a local time of ``day`` in the current time zone."""
    return at(day, hour, tz=timezone.get_current_timezone())


def customer(name: str = "c") -> Customer:
    return Customer.objects.create(name=name, joined=timezone.now())


def order(created: datetime.datetime, who: Customer, **fields: Any) -> Order:
    return Order.objects.create(created=created, customer=who, **fields)


REFERENCE_AGGREGATES: dict[str, Callable[[list[Any]], Any]] = {
    "count": len,
    "distinct": lambda values: len({v for v in values if v is not None}),
    "sum": lambda values: sum(values),
    "min": min,
    "max": max,
    "avg": lambda values: sum(values) / len(values),
}


def reference(
    rows: Iterable[tuple[datetime.date, tuple[Any, ...], Any]],
    period: int,
    start: datetime.date,
    end: datetime.date,
    aggregate: Callable[[list[Any]], Any],
) -> dict[tuple[Any, ...], Any]:
    """Expected statistics: rows are (local date, key, value); one entry per date in
    start..end (and key) whose window holds at least one row."""
    days = period_days(period)
    by_key: dict[tuple[Any, ...], list[tuple[datetime.date, Any]]] = defaultdict(list)
    for day, key, value in rows:
        by_key[key].append((day, value))
    expected = {}
    for key, items in by_key.items():
        day = start
        while day <= end:
            low = datetime.date.min if days is None else day - datetime.timedelta(days - 1)
            values = [v for d, v in items if low <= d <= day]
            if values:
                expected[(day, *key)] = aggregate(values)
            day += datetime.timedelta(days=1)
    return expected


def stored(tracker, **filters: Any) -> dict[tuple[Any, ...], Any]:
    """What a tracker's statistic model holds for its metric and period, keyed like
    ComputedRun.values."""
    model = tracker.statistic_model
    rows = model.objects.filter(metric=tracker.metric, period=tracker.period, **filters)
    result = {}
    for row in rows:
        if hasattr(row, "object_id"):
            key = (row.date, row.object_type_id, row.object_id)
        elif hasattr(row, "country"):
            key = (row.date, row.country)
        else:
            key = (row.date,)
        result[key] = row.value
    return result


def assert_cents(actual: dict[Any, Any], expected: dict[Any, Any]) -> None:
    """Decimal statistics with two places: exact, except that SQLite computes decimals
    in floating point, so a value ending in a half cent may round either way there."""
    cents = decimal.Decimal("0.01")
    rounded = {
        k: decimal.Decimal(v).quantize(cents, decimal.ROUND_HALF_UP) for k, v in expected.items()
    }
    if connection.vendor != "sqlite":
        assert actual == rounded
        return
    assert actual.keys() == rounded.keys()
    for key, value in rounded.items():
        assert abs(actual[key] - value) <= cents, key


def approx(values: dict[Any, Any]) -> dict[Any, Any]:
    return {k: pytest.approx(float(v), rel=1e-6) for k, v in values.items()}
