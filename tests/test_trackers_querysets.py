"""Property: a tracker keeps the exact meaning of every queryset it accepts.

Distinct querysets, aggregate filters (HAVING), subqueries, ``exclude()`` across a
multi-valued relation, combined querysets and sources that can match nothing are
tracked as the rows ``list(queryset)`` yields: each example evaluates the queryset in
Python, buckets the rows by local date and compares every stored value.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable

import pytest
from django.db import NotSupportedError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_metric, reference, stored
from tests.testapp.models import Customer, Order, OrderLine
from trackstats import clock
from trackstats.models import Period, StatisticByDate
from trackstats.trackers import CountObjectsByDateTracker, ObjectsByDateTracker

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo("Pacific/Kiritimati")  # +14:00: local dates differ from UTC

QUERYSETS: dict[str, Callable[[], object]] = {
    "distinct over a join": lambda: Order.objects.filter(lines__isnull=False).distinct(),
    "aggregate filter": lambda: Order.objects.annotate(n=Count("lines")).filter(n__gte=1),
    "aggregate filter of two": lambda: Order.objects.annotate(n=Count("lines")).filter(n__gte=2),
    "join without distinct": lambda: Order.objects.filter(lines__product="a"),
    "distinct over a filtered join": lambda: Order.objects.filter(
        lines__product__in=["a", "b"]
    ).distinct(),
    "exclude across a multi-valued relation": lambda: Order.objects.exclude(lines__product="a"),
    "subquery": lambda: Order.objects.filter(
        pk__in=Subquery(OrderLine.objects.filter(product="b").values("order"))
    ),
    "exists": lambda: Order.objects.filter(
        Exists(OrderLine.objects.filter(order=OuterRef("pk"), quantity__gte=2))
    ),
    "union": lambda: Order.objects.filter(status="paid").union(
        Order.objects.filter(quantity__gte=3)
    ),
    "intersection": lambda: Order.objects.filter(status="paid").intersection(
        Order.objects.filter(quantity__gte=2)
    ),
    "empty in-list": lambda: Order.objects.filter(status__in=[]),
    "empty in-list or a filter": lambda: Order.objects.filter(Q(status__in=[]) | Q(quantity=1)),
    "none()": lambda: Order.objects.none(),
    "distinct annotated with a sum": lambda: Order.objects.annotate(
        lined=Sum("lines__quantity")
    ).filter(lined__gt=2),
}

PERIODS = (Period.DAY, Period.WEEK, Period.LIFETIME)


def _supported(name: str) -> bool:
    return not (name == "intersection" and not connection.features.supports_select_intersection)


orders_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20),  # days ago
        st.integers(min_value=0, max_value=23),  # UTC hour
        st.sampled_from(["paid", "void"]),
        st.integers(min_value=1, max_value=4),  # quantity
        st.integers(min_value=0, max_value=2),  # customer
        st.lists(
            st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(min_value=1, max_value=3)),
            max_size=3,
        ),
    ),
    max_size=12,
)


def _make(orders) -> None:
    customers = [Customer.objects.create(name=f"c{i}", joined=clock.now()) for i in range(3)]
    today = clock.today_in(datetime.timezone.utc)
    for days_ago, hour, status, quantity, who, lines in orders:
        day = today - datetime.timedelta(days=days_ago)
        created = datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.timezone.utc)
        made = Order.objects.create(
            created=created, customer=customers[who], status=status, quantity=quantity
        )
        for product, line_quantity in lines:
            OrderLine.objects.create(order=made, product=product, quantity=line_quantity)


def _expected(queryset, period, value_of, aggregate, end, zone=ZONE):
    rows = [(o.created.astimezone(zone).date(), (), value_of(o)) for o in list(queryset)]
    if not rows:
        return {}
    start = min(day for day, _, _ in rows)
    return reference(rows, period, start, end, aggregate)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    orders=orders_strategy,
    name=st.sampled_from(sorted(QUERYSETS)),
    period=st.sampled_from(PERIODS),
    measure=st.sampled_from(["count", "sum", "distinct"]),
)
def test_stored_values_follow_the_queryset_evaluated_in_python(orders, name, period, measure):
    if not _supported(name):
        return
    with transaction.atomic():
        _make(orders)
        metric = make_metric()
        if measure == "count":
            tracker = CountObjectsByDateTracker(
                period=period, metric=metric, date_field="created", tz=ZONE
            )
            value_of, aggregate = (lambda o: 1), len
        elif measure == "sum":
            tracker = ObjectsByDateTracker(
                period=period,
                metric=metric,
                date_field="created",
                aggr_op=Sum("quantity"),
                tz=ZONE,
            )
            value_of, aggregate = (lambda o: o.quantity), sum
        else:
            tracker = ObjectsByDateTracker(
                period=period,
                metric=metric,
                date_field="created",
                aggr_op=Count("customer", distinct=True),
                tz=ZONE,
            )
            value_of, aggregate = (lambda o: o.customer_id), (lambda v: len(set(v)))
        queryset = QUERYSETS[name]()
        result = tracker.track(queryset)
        expected = _expected(QUERYSETS[name](), period, value_of, aggregate, result.end_date)
        assert stored(tracker) == expected, name
        assert tracker.compute(QUERYSETS[name](), since=result.start_date).values == expected
        transaction.set_rollback(True)


def test_a_distinct_join_counts_each_order_once():
    """The case of the issue: ``.distinct()`` was dropped, so orders with two lines
    counted twice; the stored count equals ``qs.count()``."""
    _make([(1, 10, "paid", 1, 0, [("a", 1), ("b", 1)]), (1, 11, "paid", 1, 0, [("a", 1)])])
    queryset = Order.objects.filter(lines__isnull=False).distinct()
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created", tz=datetime.timezone.utc
    )
    tracker.track(queryset)
    assert list(StatisticByDate.objects.values_list("value", flat=True)) == [queryset.count()]
    assert queryset.count() == 2


def test_having_filter_is_kept():
    _make([(1, 10, "paid", 1, 0, [("a", 1), ("b", 1)]), (1, 11, "paid", 1, 0, [])])
    queryset = Order.objects.annotate(n=Count("lines")).filter(n__gte=1)
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created", tz=datetime.timezone.utc
    )
    tracker.track(queryset)
    assert list(StatisticByDate.objects.values_list("value", flat=True)) == [1]


def test_an_empty_source_is_no_error_and_clears_stored_rows():
    _make([(1, 10, "paid", 1, 0, []), (3, 10, "paid", 1, 0, [])])
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created", tz=datetime.timezone.utc
    )
    tracker.track(Order.objects.all())
    assert StatisticByDate.objects.count() == 2
    since = clock.today_in(datetime.timezone.utc) - datetime.timedelta(days=5)
    result = tracker.track(Order.objects.filter(status__in=[]), since=since)
    assert (result.rows_written, result.rows_removed) == (0, 2)
    assert not StatisticByDate.objects.exists()


def test_union_all_is_refused_before_anything_is_written():
    _make([(1, 10, "paid", 1, 0, [])])
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created", tz=datetime.timezone.utc
    )
    both = Order.objects.all().union(Order.objects.all(), all=True)
    with pytest.raises(TypeError, match=r"union\(all=True\)"):
        tracker.track(both)
    assert not StatisticByDate.objects.exists()


def test_values_queryset_tracks_the_model_rows():
    _make([(1, 10, "paid", 2, 0, []), (1, 12, "void", 3, 1, [])])
    tracker = ObjectsByDateTracker(
        period=Period.DAY,
        metric=make_metric(),
        date_field="created",
        aggr_op=Sum("quantity"),
        tz=datetime.timezone.utc,
    )
    tracker.track(Order.objects.filter(status="paid").values("pk", "status"))
    assert list(StatisticByDate.objects.values_list("value", flat=True)) == [2]


def test_distinct_on_fields_keeps_its_meaning_on_postgresql():
    _make(
        [
            (1, 10, "paid", 2, 0, []),
            (1, 12, "paid", 3, 0, []),
            (2, 12, "paid", 5, 1, []),
        ]
    )
    queryset = Order.objects.order_by("customer", "-created").distinct("customer")
    tracker = ObjectsByDateTracker(
        period=Period.LIFETIME,
        metric=make_metric(),
        date_field="created",
        aggr_op=Sum("quantity"),
        tz=datetime.timezone.utc,
    )
    if not connection.features.can_distinct_on_fields:
        with pytest.raises(NotSupportedError):
            list(queryset)
        return
    tracker.track(queryset)
    # The latest order of each customer: customer 0's of 1 day ago (3), customer 1's (5).
    today = clock.today_in(datetime.timezone.utc)
    expected = _expected(
        queryset, Period.LIFETIME, lambda o: o.quantity, sum, today, zone=datetime.timezone.utc
    )
    assert stored(tracker) == expected
    assert stored(tracker)[(today,)] == 8
