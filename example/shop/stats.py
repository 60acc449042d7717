"""Trackers of the demo, found by ``manage.py trackstats`` through autodiscovery.

Each registration pairs a tracker with the source rows it aggregates: a queryset (its
field names are checked when Django starts) or a callable returning one.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Sum

from trackstats import registry
from trackstats.models import Metric, Period, StatisticByDateAndObject
from trackstats.trackers import (
    CountObjectsByDateAndObjectTracker,
    CountObjectsByDateTracker,
    ObjectsByDateTracker,
)

from . import metrics  # noqa: F401  (registers the domains and metrics)
from .models import Comment, Order, RevenueStatistic

User = get_user_model()

# The 0.7 README's examples, run for you: signups and orders per day and in total.
for period in (Period.DAY, Period.LIFETIME):
    registry.register(
        CountObjectsByDateTracker(
            period=period, metric=Metric.objects.USERS_USER_COUNT, date_field="date_joined"
        ),
        # Customers only: the demo's admin login is no signup.
        User.objects.filter(is_staff=False),
    )
for period in (Period.DAY, Period.WEEK, Period.MONTH, Period.LIFETIME):
    registry.register(
        CountObjectsByDateTracker(
            period=period, metric=Metric.objects.SHOPPING_ORDER_COUNT, date_field="created"
        ),
        Order.objects.all(),
    )

# Money needs a Decimal value: a custom statistic model holds it.
for period in (Period.DAY, Period.MONTH):
    registry.register(
        ObjectsByDateTracker(
            period=period,
            metric=Metric.objects.SHOPPING_REVENUE,
            date_field="created",
            aggr_op=Sum("amount"),
            statistic_model=RevenueStatistic,
        ),
        Order.objects.filter(status__in=[Order.Status.PAID, Order.Status.SHIPPED]),
    )

# A distinct count over a rolling week: the true weekly active commenters.
registry.register(
    ObjectsByDateTracker(
        period=Period.WEEK,
        metric=Metric.objects.COMMUNITY_ACTIVE_COMMENTERS,
        date_field="timestamp",
        aggr_op=Count("user", distinct=True),
    ),
    Comment.objects.all(),
)
registry.register(
    CountObjectsByDateTracker(
        period=Period.DAY, metric=Metric.objects.COMMUNITY_COMMENT_COUNT, date_field="timestamp"
    ),
    Comment.objects.all(),
)

# One statistic per user and day: how many orders each user placed.
registry.register(
    CountObjectsByDateAndObjectTracker(
        period=Period.DAY,
        metric=Metric.objects.SHOPPING_ORDERS_PER_USER,
        date_field="created",
        object_model=User,
        object_field="user",
        statistic_model=StatisticByDateAndObject,
    ),
    Order.objects.all(),
)
