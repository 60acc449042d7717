"""User code as README.md, docs/api.md and docs/custom-models.md write it, for
``mypy --strict`` only.

CI type-checks this module (``[tool.mypy] files`` in pyproject.toml, run by
tests/test_typecheck.py) so that the documented patterns keep type-checking in the
projects that use trackstats; nothing imports or runs it, and pytest does not collect
it (no ``test_`` prefix). ``assert_type`` fails the check when a type drifts; a
``type: ignore[code]`` marks a mistake that must stay an error (``--strict`` reports an
ignore that is no longer needed).
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Sum
from typing_extensions import assert_type

from tests.testapp.models import RevenueStatistic, StatisticByCountry
from trackstats import registry
from trackstats.models import DecimalStatisticByDate, Domain, Metric, Period, StatisticByDate
from trackstats.querysets import StatisticQuerySet
from trackstats.registry import Registration
from trackstats.tracker_protocol import Tracker
from trackstats.trackers import CountObjectsByDateTracker, ObjectsByDateTracker, TrackResult

# Registrations stored on the manager, as django-trackstats 0.7 documented them.
Domain.objects.SHOPPING = Domain.objects.register(ref="shopping", name="Shopping")
Metric.objects.SHOPPING_ORDER_COUNT = Metric.objects.register(
    domain=Domain.objects.SHOPPING, ref="order_count", name="Number of orders"
)
Metric.objects.SHOPPING_BUYERS = Metric.objects.register(
    domain=Domain.objects.SHOPPING, ref="buyers"
)
Metric.objects.SHOPPING_REVENUE = Metric.objects.register(
    domain=Domain.objects.SHOPPING, ref="revenue", name="Revenue"
)
assert_type(Domain.objects.SHOPPING, Domain)
assert_type(Metric.objects.SHOPPING_ORDER_COUNT, Metric)
assert_type(Metric.objects.SHOPPING_ORDER_COUNT.label, str)
assert_type(Metric.objects.SHOPPING_ORDER_COUNT.domain, Domain)

# Only registrations of the manager's own model may be stored on it.
Metric.objects.SHOPPING_TYPO = Domain.objects.SHOPPING  # type: ignore[assignment]
Domain.objects.NOT_A_ROW = "shopping"  # type: ignore[assignment]

# Registrations kept in variables of their own need nothing more.
api = Domain.objects.register(ref="api", name="Public API")
api_calls = Metric.objects.register(domain=api, ref="calls")
assert_type(api_calls, Metric)
assert_type(Metric.objects.get_by_label("api.calls"), Metric)
assert_type(Metric.objects.get_by_natural_key("api", "calls").natural_key(), tuple[str, str])

# Trackers are Trackers: what the registry and the runs take.
orders_per_day = CountObjectsByDateTracker(
    period=Period.DAY, metric=Metric.objects.SHOPPING_ORDER_COUNT, date_field="date_joined"
)
weekly_buyers = ObjectsByDateTracker(
    period=Period.WEEK,
    metric=Metric.objects.SHOPPING_BUYERS,
    date_field="date_joined",
    aggr_op=Count("username", distinct=True),
)
revenue_per_day = ObjectsByDateTracker(
    period=Period.DAY,
    metric=Metric.objects.SHOPPING_REVENUE,
    date_field="date_joined",
    aggr_op=Sum("id"),
    statistic_model=DecimalStatisticByDate,
)
trackers: list[Tracker] = [orders_per_day, weekly_buyers, revenue_per_day]
assert_type(orders_per_day.track(User.objects.all()), TrackResult)
assert_type(registry.register(orders_per_day, User.objects.all, lookback=7), Registration)
assert_type(registry.register(weekly_buyers, User.objects.all()).name, str)
registry.register("orders_per_day", User.objects.all)  # type: ignore[arg-type]

# The statistic models' managers have the query API, typed by model.
order_count_row = StatisticByDate.objects.record(
    metric=Metric.objects.SHOPPING_ORDER_COUNT,
    value=17,
    period=Period.LIFETIME,
    date=datetime.date(2024, 1, 31),
)
assert_type(order_count_row, StatisticByDate)
assert_type(order_count_row.value, int | float | decimal.Decimal | None)
assert_type(order_count_row.date, datetime.date)
calls = StatisticByDate.objects.increment(metric=api_calls, period=Period.DAY, by=2)
assert_type(calls, StatisticByDate)
revenue = DecimalStatisticByDate.objects.narrow(
    metric=Metric.objects.SHOPPING_REVENUE, period=Period.DAY
)
assert_type(revenue, StatisticQuerySet[DecimalStatisticByDate])
assert_type(revenue.most_recent(), DecimalStatisticByDate | None)
assert_type(revenue.first(), DecimalStatisticByDate | None)
latest_revenue = revenue.most_recent()
if latest_revenue is not None:
    assert_type(latest_revenue.value, decimal.Decimal | None)
last_week = StatisticByDate.objects.narrow(metric=api_calls).series(
    datetime.date(2024, 1, 25), datetime.date(2024, 1, 31)
)
assert_type(last_week, list[tuple[datetime.date, Any]])
latest_calls = StatisticByDate.objects.most_recent(metric=api_calls, period=Period.DAY)
assert_type(latest_calls, StatisticByDate | None)
assert_type(StatisticByDate.objects.narrow(metric=api_calls), StatisticQuerySet[StatisticByDate])

# Custom statistic models, declared on AbstractStatistic as docs/custom-models.md does
# (tests/testapp/models.py), get the same query API, typed by their own model.
by_country = StatisticByCountry.objects.record(
    metric=api_calls, value=12, period=Period.DAY, country="NL"
)
assert_type(by_country, StatisticByCountry)
assert_type(by_country.country, str)
assert_type(
    StatisticByCountry.objects.increment(metric=api_calls, period=Period.DAY, country="BE"),
    StatisticByCountry,
)
dutch_calls = StatisticByCountry.objects.narrow(metric=api_calls, period=Period.DAY).filter(
    country="NL"
)
assert_type(dutch_calls, StatisticQuerySet[StatisticByCountry])
assert_type(
    dutch_calls.series(datetime.date(2024, 1, 25), datetime.date(2024, 1, 31)),
    list[tuple[datetime.date, Any]],
)
assert_type(StatisticByCountry.objects.most_recent(metric=api_calls), StatisticByCountry | None)
takings = RevenueStatistic.objects.record(
    metric=Metric.objects.SHOPPING_REVENUE, value=decimal.Decimal("1234.50"), period=Period.DAY
)
assert_type(takings, RevenueStatistic)
assert_type(takings.value, decimal.Decimal | None)
assert_type(
    RevenueStatistic.objects.narrow(metric=Metric.objects.SHOPPING_REVENUE).most_recent(),
    RevenueStatistic | None,
)
