"""Trackers the worker test runs, found by autodiscovery like any project's stats.py."""

from django.db.models import Sum

from tests.testapp.models import Customer, Order
from trackstats import registry
from trackstats.models import Domain, Metric, Period, StatisticByDateAndObject
from trackstats.trackers import (
    CountObjectsByDateAndObjectTracker,
    CountObjectsByDateTracker,
    ObjectsByDateTracker,
)

WORKER = Domain.objects.register(ref="worker", name="Worker test")
ORDERS = Metric.objects.register(domain=WORKER, ref="orders", name="Orders")
QUANTITY = Metric.objects.register(domain=WORKER, ref="quantity", name="Items ordered")
ORDERS_PER_CUSTOMER = Metric.objects.register(domain=WORKER, ref="orders_per_customer")

for period in (Period.DAY, Period.LIFETIME):
    registry.register(
        CountObjectsByDateTracker(period=period, metric=ORDERS, date_field="created"),
        Order.objects.all,
    )
registry.register(
    ObjectsByDateTracker(
        period=Period.WEEK, metric=QUANTITY, date_field="created", aggr_op=Sum("quantity")
    ),
    Order.objects.all,
)
registry.register(
    CountObjectsByDateAndObjectTracker(
        period=Period.DAY,
        metric=ORDERS_PER_CUSTOMER,
        date_field="created",
        object_model=Customer,
        object_field="customer",
        statistic_model=StatisticByDateAndObject,
    ),
    Order.objects.all,
)
