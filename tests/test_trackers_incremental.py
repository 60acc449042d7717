"""Start dates, incremental and corrective runs, transactions and query counts."""

import datetime
import decimal

import pytest
from django.db import DatabaseError, connection
from django.db.models import Avg, Count, Sum
from django.test.utils import CaptureQueriesContext

from tests.factories import UTC, at, customer, make_metric, order, stored
from tests.testapp.models import Customer, Order
from trackstats import clock
from trackstats.models import DecimalStatisticByDate, Period, StatisticByDate
from trackstats.trackers import (
    CountObjectsByDateAndObjectTracker,
    CountObjectsByDateTracker,
    ObjectsByDateTracker,
    TrackResult,
)

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.date:
    return clock.today_in(UTC) - datetime.timedelta(days=n)


def counter(period=Period.DAY, **kwargs):
    return CountObjectsByDateTracker(
        period=period, metric=make_metric(), date_field="created", tz=UTC, **kwargs
    )


def test_nothing_to_track():
    tracker = counter()
    assert tracker.start_date(Order.objects.all()) is None
    assert tracker.track(Order.objects.all()) == TrackResult(None, days_ago(0), 0, 0)
    assert tracker.compute(Order.objects.all()).values == {}
    assert not StatisticByDate.objects.exists()


def test_start_date_rules():
    who = customer()
    order(at(days_ago(6)), who)
    order(at(days_ago(3)), who)
    tracker = counter()
    queryset = Order.objects.all()
    assert tracker.start_date(queryset) == days_ago(6)  # first source row
    tracker.track(queryset)
    assert tracker.start_date(queryset) == days_ago(3)  # most recent stored date
    assert tracker.start_date(queryset, since=days_ago(10)) == days_ago(10)
    with pytest.raises(TypeError, match="since"):
        tracker.start_date(queryset, since=clock.now())


def test_since_after_today_does_nothing():
    order(at(days_ago(0)), customer())
    tracker = counter()
    result = tracker.track(Order.objects.all(), since=days_ago(-3))
    assert result == TrackResult(days_ago(-3), days_ago(0), 0, 0)
    assert not StatisticByDate.objects.exists()


def test_rerun_recomputes_from_the_most_recent_stored_date():
    who = customer()
    order(at(days_ago(6)), who)
    order(at(days_ago(3)), who)
    tracker = counter()
    tracker.track(Order.objects.all())
    order(at(days_ago(3), 15), who)  # on the most recent stored date: picked up
    order(at(days_ago(1)), who)  # after it: picked up
    order(at(days_ago(5)), who)  # before it: only since= picks it up
    result = tracker.track(Order.objects.all())
    assert result.start_date == days_ago(3)
    assert stored(tracker) == {(days_ago(6),): 1, (days_ago(3),): 2, (days_ago(1),): 1}
    tracker.track(Order.objects.all(), since=days_ago(7))
    assert stored(tracker)[(days_ago(5),)] == 1


def test_deleted_and_edited_rows_are_reflected():
    who = customer()
    first = order(at(days_ago(5)), who, quantity=2)
    second = order(at(days_ago(2)), who, quantity=3)
    tracker = ObjectsByDateTracker(
        period=Period.LIFETIME,
        metric=make_metric(),
        date_field="created",
        aggr_op=Sum("quantity"),
        tz=UTC,
    )
    tracker.track(Order.objects.all())
    assert stored(tracker)[(days_ago(0),)] == 5
    first.quantity = 10
    first.save()
    second.delete()
    tracker.track(Order.objects.all(), since=days_ago(5))
    values = stored(tracker)
    assert values[(days_ago(0),)] == 10
    assert values[(days_ago(2),)] == 10
    assert len(values) == 6


def test_a_window_that_became_empty_is_removed():
    who = customer()
    order(at(days_ago(4)), who)
    doomed = order(at(days_ago(1)), who)
    tracker = counter(period=Period.WEEK)
    tracker.track(Order.objects.all())
    assert len(stored(tracker)) == 5
    doomed.delete()
    result = tracker.track(Order.objects.all(), since=days_ago(4))
    # Windows ending days_ago(4)..today still hold the older order.
    assert stored(tracker) == {(days_ago(n),): 1 for n in range(5)}
    Order.objects.all().delete()
    result = tracker.track(Order.objects.all(), since=days_ago(4))
    assert stored(tracker) == {}
    assert result.rows_removed == 5
    assert result.rows_written == 0


def test_rows_before_the_start_date_are_kept():
    who = customer()
    order(at(days_ago(8)), who)
    order(at(days_ago(2)), who)
    tracker = counter()
    tracker.track(Order.objects.all())
    Order.objects.all().delete()
    tracker.track(Order.objects.all(), since=days_ago(3))
    assert stored(tracker) == {(days_ago(8),): 1}


def test_by_object_start_is_the_most_recent_date_across_objects():
    alice, bob = customer("alice"), customer("bob")
    order(at(days_ago(6)), alice)
    order(at(days_ago(2)), bob)
    tracker = CountObjectsByDateAndObjectTracker(
        period=Period.DAY,
        metric=make_metric(),
        date_field="created",
        object_model=Customer,
        object_field="customer",
        tz=UTC,
    )
    tracker.track(Order.objects.all())
    assert tracker.start_date(Order.objects.all()) == days_ago(2)


def test_tracking_twice_is_idempotent():
    who = customer()
    for n in range(4):
        order(at(days_ago(n)), who)
    tracker = counter(period=Period.LIFETIME)
    tracker.track(Order.objects.all(), since=days_ago(5))
    first = stored(tracker)
    tracker.track(Order.objects.all(), since=days_ago(5))
    assert stored(tracker) == first
    assert StatisticByDate.objects.count() == len(first) == 4


def test_a_failure_mid_run_leaves_earlier_statistics_untouched():
    who = customer()
    order(at(days_ago(3)), who)
    order(at(days_ago(1)), who)
    tracker = counter()
    tracker.track(Order.objects.all())
    before = stored(tracker)
    order(at(days_ago(1), 15), who)

    def fail_on_insert(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO") and "trackstats_result" in sql:
            raise DatabaseError("simulated failure after the delete")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_on_insert), pytest.raises(DatabaseError):
        tracker.track(Order.objects.all(), since=days_ago(5))
    assert stored(tracker) == before


def test_queryset_database_is_used():
    who = customer()
    order(at(days_ago(1)), who)
    tracker = counter()
    tracker.track(Order.objects.using("default").all())
    assert stored(tracker) == {(days_ago(1),): 1}


def _queries_of_a_run(tracker, queryset) -> int:
    assert tracker.metric.pk  # resolved outside the measurement
    with CaptureQueriesContext(connection) as captured:
        tracker.track(queryset)
    return len(captured.captured_queries)


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK, Period.LIFETIME])
def test_query_count_does_not_grow_with_rows_days_or_objects(period):
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(Customer)
    counts = []
    for size in (1, 6):
        Order.objects.all().delete()
        customers = [customer(f"c{i}") for i in range(size * 2)]
        Order.objects.bulk_create(
            Order(created=at(days_ago(day), 8 + n % 10), customer=who)
            for day in range(size * 5)
            for n, who in enumerate(customers)
        )
        by_date = CountObjectsByDateTracker(
            period=period, metric=make_metric(f"d{size}"), date_field="created", tz=UTC
        )
        by_object = CountObjectsByDateAndObjectTracker(
            period=period,
            metric=make_metric(f"o{size}"),
            date_field="created",
            object_model=Customer,
            object_field="customer",
            tz=UTC,
        )
        first_runs = (
            _queries_of_a_run(by_date, Order.objects.all()),
            _queries_of_a_run(by_object, Order.objects.all()),
        )
        reruns = (
            _queries_of_a_run(by_date, Order.objects.all()),
            _queries_of_a_run(by_object, Order.objects.all()),
        )
        counts.append((first_runs, reruns))
    assert counts[0] == counts[1]
    # Start date (stored date, first row), LIFETIME's stored row of the day before the
    # start, lock, delete, insert, savepoint and its release (the test runs inside a
    # transaction), and MySQL's lock release.
    assert max(max(pair) for pair in counts[0]) <= 10


def test_lifetime_rerun_reads_the_history_by_default():
    # The guarantee of docs/concepts.md: from the start date on, a recomputation from
    # scratch, rows changed before the start included.
    who = customer()
    order(at(days_ago(6)), who)
    order(at(days_ago(3)), who)
    tracker = counter(period=Period.LIFETIME)
    tracker.track(Order.objects.all())
    order(at(days_ago(5)), who)  # before the re-run's start (today)
    Order.objects.filter(created=at(days_ago(6))).delete()
    order(at(days_ago(0)), who)
    assert tracker.track(Order.objects.all()).start_date == days_ago(0)
    assert stored(tracker)[(days_ago(1),)] == 2  # before the start: as stored
    assert stored(tracker)[(days_ago(0),)] == 3  # from scratch: days 5, 3 and 0


def test_lifetime_from_stored_must_be_a_bool():
    with pytest.raises(TypeError, match="lifetime_from_stored must be True or False"):
        counter(period=Period.LIFETIME, lifetime_from_stored="yes")


def test_lifetime_rerun_continues_from_the_value_stored_the_day_before_its_start():
    who = customer()
    order(at(days_ago(6)), who)
    order(at(days_ago(3)), who)
    tracker = counter(period=Period.LIFETIME, lifetime_from_stored=True)
    tracker.track(Order.objects.all())
    assert stored(tracker)[(days_ago(0),)] == 2
    order(at(days_ago(5)), who)  # before the re-run's start (today): not read
    order(at(days_ago(0)), who)
    result = tracker.track(Order.objects.all())
    assert result.start_date == days_ago(0)
    assert stored(tracker)[(days_ago(1),)] == 2
    assert stored(tracker)[(days_ago(0),)] == 3  # yesterday's 2, plus today's order
    # Nothing stored before the first stored date: since= there reads the whole history.
    tracker.track(Order.objects.all(), since=days_ago(7))
    assert stored(tracker)[(days_ago(5),)] == 2
    assert stored(tracker)[(days_ago(0),)] == 4


def test_lifetime_rerun_by_object_continues_per_object():
    old, new = customer("old"), customer("new")
    order(at(days_ago(4)), old)
    order(at(days_ago(2)), old)
    tracker = CountObjectsByDateAndObjectTracker(
        period=Period.LIFETIME,
        metric=make_metric(),
        date_field="created",
        object_model=Customer,
        object_field="customer",
        tz=UTC,
        lifetime_from_stored=True,
    )
    tracker.track(Order.objects.all())
    # A stored value that is not the source's (say, kept after old orders were
    # archived): the re-run adds to it.
    tracker.statistic_model.objects.filter(
        metric=tracker.metric, date=days_ago(2), object_id=str(old.pk)
    ).update(value=40)
    order(at(days_ago(3)), new)  # before the start, for an object with no stored row
    order(at(days_ago(0)), old)
    order(at(days_ago(0)), new)
    # From yesterday (today, the last stored date, minus one day of lookback), on top
    # of the day before.
    assert tracker.track(Order.objects.all(), lookback=1).start_date == days_ago(1)
    today = {key[2]: value for key, value in stored(tracker).items() if key[0] == days_ago(0)}
    assert today == {str(old.pk): 41, str(new.pk): 1}
    assert stored(tracker)[(days_ago(1), tracker.scope().object_type.pk, str(old.pk))] == 40


@pytest.mark.parametrize(
    ("aggregate", "expected"),
    [
        (Count("customer", distinct=True), decimal.Decimal(2)),
        (Avg("amount"), decimal.Decimal("2.5833")),  # 7.75 / 3, to 4 places
        (Sum("amount"), decimal.Decimal("7.75")),
    ],
    ids=["distinct", "average", "decimal-sum"],
)
def test_lifetime_reruns_that_cannot_continue_read_the_history(aggregate, expected):
    first, second = customer("a"), customer("b")
    order(at(days_ago(4)), first, amount=decimal.Decimal("1.25"))
    order(at(days_ago(2)), first, amount=decimal.Decimal("2.00"))
    tracker = ObjectsByDateTracker(
        period=Period.LIFETIME,
        metric=make_metric(),
        date_field="created",
        aggr_op=aggregate,
        statistic_model=DecimalStatisticByDate,
        tz=UTC,
        lifetime_from_stored=True,
    )
    tracker.track(Order.objects.all())
    order(at(days_ago(3)), second, amount=decimal.Decimal("4.50"))  # before the start
    assert tracker.track(Order.objects.all()).start_date == days_ago(0)
    assert stored(tracker)[(days_ago(0),)] == expected
