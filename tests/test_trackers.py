"""Trackers against a plain-Python reference: every period, aggregate and key kind.

The helpers they share with the other tracker tests are in tests/factories.py.
"""

from __future__ import annotations

import datetime
import decimal
import statistics

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Avg, Count, Max, Min, Sum
from django.utils import timezone

from tests.factories import (
    REFERENCE_AGGREGATES,
    approx,
    assert_cents,
    customer,
    here,
    local_today,
    make_metric,
    order,
    reference,
    stored,
)
from tests.testapp.models import (
    AverageStatistic,
    Customer,
    Order,
    RevenueStatistic,
    StatisticByCountry,
)
from trackstats.models import (
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)
from trackstats.trackers import (
    CountObjectsByDateAndObjectTracker,
    CountObjectsByDateTracker,
    ObjectsByDateAndObjectTracker,
    ObjectsByDateTracker,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- data
@pytest.fixture
def week_of_orders():
    """Orders of three customers over ten days up to today (current time zone)."""
    today = local_today()
    alice, bob, carol = customer("alice"), customer("bob"), customer("carol")
    plan = [
        (9, alice, 3, "2.50"),
        (9, bob, 1, "1.25"),
        (7, alice, 2, "4.00"),
        (4, carol, 5, "10.10"),
        (4, carol, 1, "0.10"),
        (3, bob, 2, "3.00"),
        (1, alice, 7, "7.77"),
        (0, bob, 4, "0.01"),
    ]
    orders = [
        order(here(today - datetime.timedelta(days=ago), 10 + i), who, quantity=q, amount=a)
        for i, (ago, who, q, a) in enumerate(plan)
    ]
    return today, orders


PERIODS = [Period.DAY, Period.WEEK, 3 * Period.DAY, Period.DAYS_28, Period.MONTH, Period.LIFETIME]


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize(
    ("aggr_op", "name", "value_of"),
    [
        (Count("*"), "count", lambda o: 1),
        (Count("customer", distinct=True), "distinct", lambda o: o.customer_id),
        (Sum("quantity"), "sum", lambda o: o.quantity),
        (Min("quantity"), "min", lambda o: o.quantity),
        (Max("quantity"), "max", lambda o: o.quantity),
    ],
)
def test_by_date_every_period_and_integer_aggregate(
    week_of_orders, period, aggr_op, name, value_of
):
    today, orders = week_of_orders
    tracker = ObjectsByDateTracker(
        period=period, metric=make_metric(), date_field="created", aggr_op=aggr_op
    )
    result = tracker.track(Order.objects.all())
    start = today - datetime.timedelta(days=9)
    expected = reference(
        [(timezone.localdate(o.created), (), value_of(o)) for o in orders],
        period,
        start,
        today,
        REFERENCE_AGGREGATES[name],
    )
    assert stored(tracker) == expected
    assert tracker.compute(Order.objects.all(), since=start).values == expected
    assert (result.start_date, result.end_date) == (start, today)
    assert result.rows_written == len(expected)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize(
    ("aggr_op", "name", "value_of"),
    [
        (Sum("amount"), "sum", lambda o: decimal.Decimal(o.amount)),
        (Avg("amount"), "avg", lambda o: decimal.Decimal(o.amount)),
        (Avg("quantity"), "avg", lambda o: o.quantity),
        (Max("amount"), "max", lambda o: decimal.Decimal(o.amount)),
    ],
)
def test_fractional_aggregates_into_decimal_and_float_models(
    week_of_orders, period, aggr_op, name, value_of
):
    today, orders = week_of_orders
    start = today - datetime.timedelta(days=9)
    expected = reference(
        [(timezone.localdate(o.created), (), value_of(o)) for o in orders],
        period,
        start,
        today,
        REFERENCE_AGGREGATES[name],
    )
    for model in (RevenueStatistic, AverageStatistic):
        tracker = ObjectsByDateTracker(
            period=period,
            metric=make_metric(f"m{model.__name__}"),
            date_field="created",
            aggr_op=aggr_op,
            statistic_model=model,
        )
        tracker.track(Order.objects.all())
        # What compute() reports is what was stored, as read back.
        assert tracker.compute(Order.objects.all(), since=start).values == stored(tracker)
        if model is RevenueStatistic:
            assert_cents(stored(tracker), expected)
        else:
            assert stored(tracker) == approx(expected)


def test_week_distinct_count_is_weekly_active_users():
    today = local_today()
    alice, bob = customer("alice"), customer("bob")
    # Alice orders every day, Bob once: daily sums would say 8 for the week.
    for ago in range(7):
        order(here(today - datetime.timedelta(days=ago)), alice)
    order(here(today - datetime.timedelta(days=3)), bob)
    tracker = ObjectsByDateTracker(
        period=Period.WEEK,
        metric=make_metric(),
        date_field="created",
        aggr_op=Count("customer", distinct=True),
    )
    tracker.track(Order.objects.all())
    values = stored(tracker)
    assert values[(today,)] == 2
    assert values[(today - datetime.timedelta(days=4),)] == 1
    assert values[(today - datetime.timedelta(days=3),)] == 2


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK, Period.LIFETIME])
@pytest.mark.parametrize(
    ("aggr_op", "name", "value_of"),
    [
        (Count("*"), "count", lambda o: 1),
        (Sum("quantity"), "sum", lambda o: o.quantity),
        (Count("quantity", distinct=True), "distinct", lambda o: o.quantity),
    ],
)
def test_by_object_every_period(week_of_orders, period, aggr_op, name, value_of):
    today, orders = week_of_orders
    tracker = ObjectsByDateAndObjectTracker(
        period=period,
        metric=make_metric(),
        date_field="created",
        aggr_op=aggr_op,
        object_model=Customer,
        object_field="customer",
    )
    tracker.track(Order.objects.all())
    content_type = ContentType.objects.get_for_model(Customer).pk
    expected = reference(
        [
            (timezone.localdate(o.created), (content_type, str(o.customer_id)), value_of(o))
            for o in orders
        ],
        period,
        today - datetime.timedelta(days=9),
        today,
        REFERENCE_AGGREGATES[name],
    )
    assert stored(tracker) == expected


def test_lifetime_has_a_row_for_every_date_through_today(week_of_orders):
    today, _ = week_of_orders
    tracker = CountObjectsByDateTracker(
        period=Period.LIFETIME, metric=make_metric(), date_field="created"
    )
    tracker.track(Order.objects.all())
    values = stored(tracker)
    assert len(values) == 10
    assert values[(today,)] == 8
    assert values[(today - datetime.timedelta(days=2),)] == 6


def test_day_rows_exist_only_for_days_with_data(week_of_orders):
    today, _ = week_of_orders
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created"
    )
    tracker.track(Order.objects.all())
    assert sorted((today - d).days for (d,) in stored(tracker)) == [0, 1, 3, 4, 7, 9]


def test_rolling_window_rows_stop_when_the_window_is_empty():
    today = local_today()
    order(here(today - datetime.timedelta(days=10)), customer())
    tracker = CountObjectsByDateTracker(
        period=3 * Period.DAY, metric=make_metric(), date_field="created"
    )
    tracker.track(Order.objects.all())
    ago = sorted((today - d).days for (d,) in stored(tracker))
    assert ago == [8, 9, 10]


def test_aggregate_filter_is_respected(week_of_orders):
    today, orders = week_of_orders
    from django.db.models import Q

    tracker = ObjectsByDateTracker(
        period=Period.WEEK,
        metric=make_metric(),
        date_field="created",
        aggr_op=Sum("quantity", filter=Q(quantity__gte=3)),
    )
    tracker.track(Order.objects.all())
    expected = reference(
        [
            (timezone.localdate(o.created), (), o.quantity if o.quantity >= 3 else 0)
            for o in orders
        ],
        Period.WEEK,
        today - datetime.timedelta(days=9),
        today,
        sum,
    )
    values = stored(tracker)
    assert {k: v or 0 for k, v in values.items()} == expected


def test_queryset_filters_are_respected(week_of_orders):
    today, orders = week_of_orders
    tracker = CountObjectsByDateTracker(
        period=Period.LIFETIME, metric=make_metric(), date_field="created"
    )
    tracker.track(Order.objects.filter(quantity__gt=2))
    assert stored(tracker)[(today,)] == sum(1 for o in orders if o.quantity > 2)


def test_sum_of_only_null_values_is_stored_as_null():
    today = local_today()
    order(here(today), customer(), quantity=1)
    tracker = ObjectsByDateTracker(
        period=Period.DAY,
        metric=make_metric(),
        date_field="created",
        aggr_op=Sum("uuid_customer__orders__quantity"),
    )
    tracker.track(Order.objects.all())
    assert stored(tracker) == {(today,): None}


def test_custom_dimension_model(week_of_orders):
    today, orders = week_of_orders
    for o in orders[::2]:
        o.country = "BE"
        o.save()
    tracker = CountObjectsByDateTracker(
        period=Period.WEEK,
        metric=make_metric(),
        date_field="created",
        statistic_model=StatisticByCountry,
        dimensions={"country": "country"},
    )
    tracker.track(Order.objects.all())
    expected = reference(
        [(timezone.localdate(o.created), (o.country,), 1) for o in Order.objects.all()],
        Period.WEEK,
        today - datetime.timedelta(days=9),
        today,
        len,
    )
    assert stored(tracker) == expected
    assert {k[1] for k in expected} == {"BE", "NL"}


def test_count_tracker_of_the_reference_readme():
    from tests.testapp.models import Comment

    today = local_today()
    user = customer()
    for hour in (1, 2, 3):
        Comment.objects.create(user=user, timestamp=here(today, hour))
    CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric("comments"), date_field="timestamp"
    ).track(Comment.objects.all())
    CountObjectsByDateAndObjectTracker(
        period=Period.DAY,
        metric=make_metric("comments_by_user"),
        object_model=Customer,
        object_field="user",
        date_field="timestamp",
    ).track(Comment.objects.all())
    assert StatisticByDate.objects.get(metric__ref="comments").value == 3
    by_user = StatisticByDateAndObject.objects.get(metric__ref="comments_by_user")
    assert (by_user.object, by_user.value, by_user.date) == (user, 3, today)


def test_stddev_and_distinct_sum_take_the_generic_path(week_of_orders):
    from django.db.models import StdDev

    today, orders = week_of_orders
    for period in (Period.WEEK, Period.LIFETIME):
        for aggr_op, fn in (
            (StdDev("quantity"), statistics.pstdev),
            (Sum("quantity", distinct=True), lambda v: sum(set(v))),
        ):
            tracker = ObjectsByDateTracker(
                period=period,
                metric=make_metric(f"{period}{aggr_op.function}{aggr_op.distinct}"),
                date_field="created",
                aggr_op=aggr_op,
                statistic_model=AverageStatistic,
            )
            tracker.track(Order.objects.all())
            expected = reference(
                [(timezone.localdate(o.created), (), o.quantity) for o in orders],
                period,
                today - datetime.timedelta(days=9),
                today,
                fn,
            )
            assert stored(tracker) == approx(expected)


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK, Period.LIFETIME])
def test_distinct_count_of_null_values_still_makes_a_row(period):
    from tests.testapp.models import UUIDCustomer

    today = local_today()
    buyer = UUIDCustomer.objects.create(name="u")
    who = customer()
    order(here(today - datetime.timedelta(days=9)), who)  # no uuid_customer: NULL
    order(here(today - datetime.timedelta(days=2)), who, uuid_customer=buyer)
    order(here(today - datetime.timedelta(days=1)), who, uuid_customer=buyer)
    tracker = ObjectsByDateTracker(
        period=period,
        metric=make_metric(),
        date_field="created",
        aggr_op=Count("uuid_customer", distinct=True),
    )
    tracker.track(Order.objects.all())
    expected = reference(
        [(timezone.localdate(o.created), (), o.uuid_customer_id) for o in Order.objects.all()],
        period,
        today - datetime.timedelta(days=9),
        today,
        REFERENCE_AGGREGATES["distinct"],
    )
    assert stored(tracker) == expected
    assert expected[(today - datetime.timedelta(days=9),)] == 0


@pytest.mark.parametrize("period", [Period.WEEK, Period.LIFETIME])
def test_aggregate_default_fills_windows_without_values(period):
    from django.db.models import Q

    today = local_today()
    order(here(today - datetime.timedelta(days=1)), customer(), quantity=2)
    tracker = ObjectsByDateTracker(
        period=period,
        metric=make_metric(),
        date_field="created",
        aggr_op=Sum("quantity", filter=Q(quantity__gt=5), default=0),
    )
    tracker.track(Order.objects.all())
    assert stored(tracker) == {(today - datetime.timedelta(days=1),): 0, (today,): 0}


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK, Period.LIFETIME])
def test_average_keeps_full_precision(period):
    # MySQL's AVG() of integers keeps four decimal places; a float statistic must not.
    today = local_today()
    who = customer()
    for quantity in (1, 1, 2):
        order(here(today), who, quantity=quantity)
    tracker = ObjectsByDateTracker(
        period=period,
        metric=make_metric(),
        date_field="created",
        aggr_op=Avg("quantity"),
        statistic_model=AverageStatistic,
    )
    tracker.track(Order.objects.all())
    assert stored(tracker)[(today,)] == pytest.approx(4 / 3, rel=1e-12)


def test_decimal_sums_are_stored_at_the_columns_scale():
    """SQLite adds decimals as floats: the stored value must still be exact cents."""
    today = local_today()
    who = customer()
    for amount in ("0.10", "0.20"):
        order(here(today), who, amount=decimal.Decimal(amount))
    tracker = ObjectsByDateTracker(
        period=Period.DAY,
        metric=make_metric("revenue"),
        date_field="created",
        aggr_op=Sum("amount"),
        statistic_model=RevenueStatistic,
    )
    tracker.track(Order.objects.all())
    table = connection.ops.quote_name(RevenueStatistic._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table}")
        (raw,) = cursor.fetchone()
    # As floats, 0.1 + 0.2 is 0.30000000000000004.
    assert decimal.Decimal(str(raw)) == decimal.Decimal("0.30")
    assert tracker.compute(Order.objects.all()).values == {(today,): decimal.Decimal("0.30")}
