"""The async API: arecord(), amost_recent(), aseries() and friends, atrack().

Each async method runs its sync twin in the thread of Django's sync code, so the tests
check that they give the same results and raise the same exceptions, that a lazy
registration resolves from inside a running event loop, that routing and ``using()``
hold, that a run started from an event loop keeps its transaction, and that all of it
works in async views under Django's AsyncClient.

pytest-asyncio is not a dependency: coroutines run under ``async_to_sync`` (the sync
code then runs in the test's thread, inside its transaction) or ``asyncio.run`` (it runs
in asgiref's own sync thread, so those tests commit for real).
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.exceptions import SynchronousOnlyOperation, ValidationError
from django.db import DatabaseError, connection, connections
from django.test import override_settings
from django.utils.connection import ConnectionDoesNotExist

from tests.factories import UTC, at, customer, make_metric, order, stored
from tests.testapp.models import Order, RevenueStatistic, StatisticByCountry
from trackstats import runs
from trackstats.models import (
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
    TrackerRun,
    resolve_instance,
)
from trackstats.registry import TrackerRegistry
from trackstats.signals import post_record, post_track
from trackstats.trackers import CountObjectsByDateTracker

pytestmark = pytest.mark.django_db

D = datetime.date(2024, 5, 17)


def day(offset: int) -> datetime.date:
    return D + datetime.timedelta(days=offset)


def days_ago(n: int) -> datetime.date:
    return datetime.datetime.now(UTC).date() - datetime.timedelta(days=n)


def run(call: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
    """Await ``call(*args, **kwargs)`` in an event loop started from this test.

    Wrapped in a coroutine of our own: a manager's methods are plain functions that
    return the queryset method's coroutine, as Django's own ``aget()`` and friends are.
    """

    async def awaited() -> Any:
        return await call(*args, **kwargs)

    return async_to_sync(awaited)()


@pytest.fixture
def metric() -> Metric:
    return make_metric("signups")


def counter(**kwargs: Any) -> CountObjectsByDateTracker:
    kwargs.setdefault("metric", make_metric())
    return CountObjectsByDateTracker(period=Period.DAY, date_field="created", tz=UTC, **kwargs)


# ---------------------------------------------------------------- writing
def test_arecord_creates_then_updates_the_one_row_and_sends_post_record(metric):
    received = []

    def receiver(sender, instance, using, **kwargs):
        received.append((sender, instance.value, using, threading.get_ident()))

    post_record.connect(receiver)
    try:
        first = run(
            StatisticByDate.objects.arecord, metric=metric, value=5, period=Period.DAY, date=D
        )
        second = run(StatisticByDate.objects.arecord, metric, 7, Period.DAY, D)
    finally:
        post_record.disconnect(receiver)
    assert (first.value, second.value, second.pk) == (5, 7, first.pk)
    assert StatisticByDate.objects.get().value == 7
    # The receivers ran in the thread of the sync code: under async_to_sync, this one.
    here = threading.get_ident()
    assert received == [
        (StatisticByDate, 5, "default", here),
        (StatisticByDate, 7, "default", here),
    ]


def test_arecord_and_amost_recent_are_on_custom_statistic_managers(metric):
    async def write_and_read():
        await StatisticByCountry.objects.arecord(
            metric=metric, value=3, period=Period.DAY, date=D, country="NL"
        )
        await StatisticByCountry.objects.arecord(
            metric=metric, value=4, period=Period.DAY, date=day(1), country="BE"
        )
        money = await RevenueStatistic.objects.arecord(
            metric=metric, value=decimal.Decimal("12.50"), period=Period.DAY, date=D
        )
        dutch = await StatisticByCountry.objects.filter(country="NL").amost_recent(metric=metric)
        return money, dutch

    money, dutch = run(write_and_read)
    assert money.value == decimal.Decimal("12.50")
    assert (dutch.country, dutch.date, dutch.value) == ("NL", D, 3)


def test_a_lazy_registration_resolves_from_inside_a_running_event_loop():
    """Each lazy registration below is unresolved when an async method receives it."""
    domain = Domain.objects.register(ref="async_lazy")
    recorded = Metric.objects.register(domain=domain, ref="recorded")
    read = Metric.objects.register(domain=domain, ref="read")
    tracked = Metric.objects.register(domain=domain, ref="tracked")
    counted = Metric.objects.register(domain=domain, ref="counted")
    order(at(days_ago(1)), customer())

    async def use_them():
        asyncio.get_running_loop()  # raises unless this runs inside an event loop
        # The control: resolving here, in the loop's thread, is what Django refuses,
        # and what narrow() would do.
        with pytest.raises(SynchronousOnlyOperation):
            resolve_instance(recorded)
        with pytest.raises(SynchronousOnlyOperation):
            StatisticByDate.objects.narrow(metric=read)
        row = await StatisticByDate.objects.arecord(
            metric=recorded, value=1, period=Period.DAY, date=D
        )
        nothing = await StatisticByDate.objects.amost_recent(metric=read, period=Period.DAY)
        count = await StatisticByDate.objects.aincrement(metric=counted, period=Period.DAY)
        # Declaring a tracker does not resolve its metric; running it does, in the thread.
        tracker = CountObjectsByDateTracker(
            period=Period.DAY, metric=tracked, date_field="created", tz=UTC
        )
        result = await tracker.atrack(Order.objects.all())
        return row, nothing, count, result

    row, nothing, count, result = run(use_them)
    assert (row.metric.domain.ref, row.metric.ref, row.value) == ("async_lazy", "recorded", 1)
    assert nothing is None
    assert (count.metric.ref, count.value) == ("counted", 1)
    assert result.rows_written == 1
    assert set(Metric.objects.values_list("ref", flat=True)) >= {
        "recorded",
        "read",
        "counted",
        "tracked",
    }
    assert StatisticByDate.objects.get(metric__ref="tracked").value == 1


# ---------------------------------------------------------------- reading
def test_async_reads_return_what_the_sync_reads_return(metric):
    alice, bob = customer("alice"), customer("bob")
    for offset, value in [(-4, 2), (-1, 3), (0, 7)]:
        StatisticByDate.objects.record(metric, value, Period.DAY, day(offset))
    StatisticByDate.objects.record(metric, None, Period.DAY, day(-3))
    StatisticByDateAndObject.objects.record(metric, 1, Period.DAY, day(-1), object=alice)
    StatisticByDateAndObject.objects.record(metric, 4, Period.DAY, D, object=bob)
    by_date = StatisticByDate.objects.narrow(metric=metric, period=Period.DAY)
    by_object = StatisticByDateAndObject.objects.narrow(metric=metric, period=Period.DAY)

    async def read_all():
        return {
            "most_recent": await StatisticByDate.objects.amost_recent(metric=metric),
            "series": await by_date.aseries(day(-1), day(1)),
            "filled": await by_date.aseries(day(-1), day(1), fill=None),
            "previous": await by_date.aprevious_series(day(-1), day(1)),
            "by_object": await by_object.aseries_by_object(day(-1), D, objects=[alice, bob]),
        }

    got = run(read_all)
    assert got["most_recent"] == by_date.most_recent()
    assert got["most_recent"].value == 7
    assert got["series"] == by_date.series(day(-1), day(1)) == [(day(-1), 3), (D, 7), (day(1), 0)]
    assert got["filled"] == [(day(-1), 3), (D, 7), (day(1), None)]
    # The three days before, a stored NULL kept as None.
    assert got["previous"] == by_date.previous_series(day(-1), day(1))
    assert got["previous"] == [(day(-4), 2), (day(-3), None), (day(-2), 0)]
    assert got["by_object"] == by_object.series_by_object(day(-1), D, objects=[alice, bob])
    assert got["by_object"] == {alice: [(day(-1), 1), (D, 0)], bob: [(day(-1), 0), (D, 4)]}


def test_ato_dataframe_gives_what_to_dataframe_gives(metric):
    pandas = pytest.importorskip("pandas")
    for offset, value in [(-2, 2), (0, 7)]:
        StatisticByDate.objects.record(metric, value, Period.DAY, day(offset))
    StatisticByDate.objects.record(metric, None, Period.DAY, day(-1))
    rows = StatisticByDate.objects.narrow(metric=metric)
    frame = run(rows.ato_dataframe, day(-3), D, fill=0)
    pandas.testing.assert_frame_equal(frame, rows.to_dataframe(day(-3), D, fill=0))
    assert list(frame["value"].fillna(-1)) == [0, 2, -1, 7]
    assert list(frame["metric"].unique()) == ["shop.signups"]


def test_previous_series_follows_a_calendar_period(metric):
    StatisticByDate.objects.record(metric, 9, Period.CALENDAR_MONTH, datetime.date(2024, 3, 1))
    april, may = datetime.date(2024, 4, 1), datetime.date(2024, 5, 31)
    expected = [(datetime.date(2024, 2, 1), 0), (datetime.date(2024, 3, 1), 9)]
    # The period read from the queryset's narrowing, or given.
    monthly = StatisticByDate.objects.narrow(metric=metric, period=Period.CALENDAR_MONTH)
    assert monthly.previous_series(april, may) == expected
    assert run(monthly.aprevious_series, april, may) == expected
    unnarrowed = StatisticByDate.objects.narrow(metric=metric)
    assert unnarrowed.previous_series(april, may, period=Period.CALENDAR_MONTH) == expected
    assert run(unnarrowed.aprevious_series, april, may, period=Period.CALENDAR_MONTH) == expected


# ---------------------------------------------------------------- same exceptions
def _failure(call: Callable[[], Any]) -> BaseException:
    """What ``call()`` raises; each test then checks its exact type and message."""
    with pytest.raises(Exception) as caught:  # noqa: PT011
        call()
    return caught.value


FAILING_CALLS: dict[str, tuple[str, Callable[[Metric], tuple[tuple, dict]], type]] = {
    "record text": (
        "record",
        lambda m: ((), {"metric": m, "value": "many", "period": Period.DAY}),
        ValidationError,
    ),
    "record bad period": (
        "record",
        lambda m: ((m, 1, 5), {}),
        ValueError,
    ),
    "record object on a by-date model": (
        "record",
        lambda m: ((m, 1, Period.DAY), {"object": m}),
        TypeError,
    ),
    "record unsaved metric": (
        "record",
        lambda m: ((Metric(domain=m.domain, ref="unsaved"), 1, Period.DAY), {}),
        ValueError,
    ),
    "most_recent metric and metrics": (
        "most_recent",
        lambda m: ((), {"metric": m, "metrics": [m]}),
        TypeError,
    ),
    "most_recent datetime": (
        "most_recent",
        lambda m: ((), {"date": datetime.datetime(2024, 5, 17, 12, tzinfo=UTC)}),
        TypeError,
    ),
    "series reversed range": ("series", lambda m: ((D, day(-1)), {}), ValueError),
    "series by object of a by-date model": (
        "series_by_object",
        lambda m: ((day(-1), D), {}),
        TypeError,
    ),
    "previous_series text date": ("previous_series", lambda m: ((D, "2024-06-01"), {}), TypeError),
    "to_dataframe text date": ("to_dataframe", lambda m: ((), {"from_date": "2024"}), TypeError),
}


@pytest.mark.parametrize("case", FAILING_CALLS)
def test_async_methods_raise_what_the_sync_ones_raise(metric, case):
    name, arguments, expected = FAILING_CALLS[case]
    args, kwargs = arguments(metric)
    queryset = StatisticByDate.objects.all()
    sync_error = _failure(lambda: getattr(queryset, name)(*args, **kwargs))
    async_error = _failure(lambda: run(getattr(queryset, f"a{name}"), *args, **kwargs))
    assert type(sync_error) is expected
    assert type(async_error) is expected
    assert str(async_error) == str(sync_error)
    assert not StatisticByDate.objects.exists()


def test_aseries_refuses_several_series_like_series(metric):
    other = make_metric("other")
    for m in (metric, other):
        StatisticByDate.objects.record(m, 1, Period.DAY, D)
    both = StatisticByDate.objects.narrow(period=Period.DAY)
    sync_error = _failure(lambda: both.series(D, D))
    async_error = _failure(lambda: run(both.aseries, D, D))
    assert type(async_error) is type(sync_error) is ValueError
    assert str(async_error) == str(sync_error)
    assert "narrow the queryset to one metric" in str(async_error)


# ---------------------------------------------------------------- routing
class StatsRouter:
    """Routes statistics to a "stats" database, which these tests do not configure."""

    def db_for_read(self, model, **hints):
        return "stats" if issubclass(model, StatisticByDate) else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        # A row built for "stats" may point at a Metric of "default": using() decides
        # where it is written.
        return True


@override_settings(DATABASE_ROUTERS=[StatsRouter()])
def test_the_router_and_using_are_respected(metric):
    # The router's choice reaches the sync code: the "stats" alias is looked up.
    record_error = _failure(lambda: run(StatisticByDate.objects.arecord, metric, 1, Period.DAY, D))
    read_error = _failure(lambda: run(StatisticByDate.objects.amost_recent, metric=metric))
    sync_error = _failure(lambda: StatisticByDate.objects.record(metric, 1, Period.DAY, D))
    for error in (record_error, read_error):
        assert type(error) is type(sync_error) is ConnectionDoesNotExist
        assert str(error) == str(sync_error) == "The connection 'stats' doesn't exist."
    # using() wins over the router, as for the sync methods.
    on_default = StatisticByDate.objects.using("default")
    row = run(on_default.arecord, metric, 2, Period.DAY, D)
    latest = run(on_default.amost_recent, metric=metric)
    points = run(on_default.narrow(metric=metric).aseries, D, D)
    assert (row._state.db, latest._state.db, latest.value, points) == (
        "default",
        "default",
        2,
        [(D, 2)],
    )


# ---------------------------------------------------------------- tracking
def test_atrack_stores_logs_and_signals_like_track():
    who = customer()
    for n in (3, 1, 1):
        order(at(days_ago(n)), who)
    tracker = counter()
    received = []

    def receiver(sender, tracker, result, name, using, **kwargs):
        received.append((result, name, using, threading.get_ident()))

    post_track.connect(receiver)
    try:
        result = run(tracker.atrack, Order.objects.all(), name="nightly")
    finally:
        post_track.disconnect(receiver)
    assert stored(tracker) == {(days_ago(3),): 1, (days_ago(1),): 2}
    assert (result.start_date, result.end_date, result.rows_written) == (
        days_ago(3),
        days_ago(0),
        2,
    )
    logged = TrackerRun.objects.get()
    assert (logged.name, logged.status, logged.rows_written) == ("nightly", "success", 2)
    assert received == [(result, "nightly", "default", threading.get_ident())]


def test_atrack_passes_since_until_and_lookback_on():
    who = customer()
    for n in (5, 3, 2, 1):
        order(at(days_ago(n)), who)
    tracker = counter()
    first = run(tracker.atrack, Order.objects.all(), since=days_ago(5), until=days_ago(3))
    assert (first.start_date, first.end_date) == (days_ago(5), days_ago(3))
    assert stored(tracker) == {(days_ago(5),): 1, (days_ago(3),): 1}
    # Incremental from the last stored date (days_ago(3)) minus a lookback of 1 day.
    second = run(tracker.atrack, Order.objects.all(), lookback=1)
    assert (second.start_date, second.end_date) == (days_ago(4), days_ago(0))
    assert len(stored(tracker)) == 4


@pytest.mark.parametrize(
    ("arguments", "expected", "message"),
    [
        ({"since": datetime.datetime(2024, 5, 17, tzinfo=UTC)}, TypeError, "since"),
        ({"until": datetime.date.max}, ValueError, "after today"),
        ({"lookback": -1}, ValueError, "lookback"),
    ],
)
def test_atrack_raises_what_track_raises(arguments, expected, message):
    order(at(days_ago(1)), customer())
    tracker = counter()
    sync_error = _failure(lambda: tracker.track(Order.objects.all(), **arguments))
    async_error = _failure(lambda: run(tracker.atrack, Order.objects.all(), **arguments))
    assert type(async_error) is type(sync_error) is expected
    assert str(async_error) == str(sync_error)
    assert message in str(async_error)
    assert stored(tracker) == {}


def test_atrack_refuses_a_sliced_queryset_like_track():
    tracker = counter()
    sync_error = _failure(lambda: tracker.track(Order.objects.all()[:5]))
    async_error = _failure(lambda: run(tracker.atrack, Order.objects.all()[:5]))
    assert type(async_error) is type(sync_error) is TypeError
    assert str(async_error) == str(sync_error)


@pytest.mark.django_db(transaction=True)
def test_a_run_from_an_event_loop_commits_or_rolls_back_as_one_transaction():
    """Under asyncio.run the sync code runs in asgiref's thread, on its own connection,
    and commits for real; a statement failing after the run's delete rolls back all."""
    who = customer()
    order(at(days_ago(2)), who)
    tracker = counter()
    table = StatisticByDate._meta.db_table
    threads: list[int] = []

    def fail_on_insert(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO") and table in sql:
            raise DatabaseError("simulated failure after the delete")
        return execute(sql, params, many, context)

    def break_inserts() -> None:
        threads.append(threading.get_ident())
        connection.execute_wrappers.append(fail_on_insert)

    def mend_inserts() -> None:
        connection.execute_wrappers.remove(fail_on_insert)

    def on_track(sender, **kwargs):
        threads.append(threading.get_ident())

    async def two_runs():
        try:
            await tracker.atrack(Order.objects.all())
            await sync_to_async(order, thread_sensitive=True)(at(days_ago(1)), who)
            await sync_to_async(break_inserts, thread_sensitive=True)()
            try:
                await tracker.atrack(Order.objects.all(), since=days_ago(5))
            finally:
                await sync_to_async(mend_inserts, thread_sensitive=True)()
        finally:
            await sync_to_async(connections.close_all, thread_sensitive=True)()

    post_track.connect(on_track)
    try:
        with pytest.raises(DatabaseError, match="simulated failure after the delete"):
            asyncio.run(two_runs())
    finally:
        post_track.disconnect(on_track)
    # Seen from this test's own connection: the first run committed, the second run's
    # delete was rolled back with its failed insert, and its failure was logged.
    assert stored(tracker) == {(days_ago(2),): 1}
    assert list(TrackerRun.objects.order_by("pk").values_list("status", "start_date")) == [
        ("success", days_ago(2)),
        ("failed", days_ago(5)),
    ]
    # post_track of the first run (only) and the failing wrapper ran in one thread,
    # the sync thread, not this one.
    assert len(threads) == 2
    assert len(set(threads)) == 1
    assert threads[0] != threading.get_ident()


def test_runs_atrack_runs_a_registration_like_runs_track():
    order(at(days_ago(1)), customer())
    registry = TrackerRegistry()
    entry = registry.register(counter(), Order.objects.all, name="orders.async")
    report = run(runs.atrack, entry, since=days_ago(2), lookback=0)
    assert (report.name, report.start_date, report.rows_written) == (
        "orders.async",
        days_ago(2),
        1,
    )
    assert TrackerRun.objects.get().name == "orders.async"


def test_runs_atrack_logs_a_broken_source_like_runs_track():
    def broken():
        raise RuntimeError("no source today")

    entry = TrackerRegistry().register(counter(), broken, name="broken.async")
    sync_error = _failure(lambda: runs.track(entry))
    async_error = _failure(lambda: run(runs.atrack, entry))
    assert type(async_error) is type(sync_error) is RuntimeError
    assert str(async_error) == str(sync_error) == "no source today"
    assert list(TrackerRun.objects.values_list("name", "status")) == [
        ("broken.async", "failed"),
        ("broken.async", "failed"),
    ]


# ---------------------------------------------------------------- async views
@pytest.mark.urls("tests.async_urls")
def test_async_views_under_the_async_client(async_client):
    from tests import async_urls

    order(at(days_ago(2)), customer())
    order(at(days_ago(0)), customer())

    async def visit() -> dict[str, Any]:
        pages: dict[str, Any] = {}
        pages["empty"] = (await async_client.get("/latest/")).json()
        for date, value in [(D, 5), (D, 7), (day(-1), 3), (day(-3), 2)]:
            response = await async_client.post("/record/", {"date": date, "value": value})
            assert response.status_code == 200
        pages["recorded"] = response.json()
        pages["latest"] = (await async_client.get("/latest/")).json()
        pages["series"] = (
            await async_client.get("/series/", {"from": day(-1), "to": day(1)})
        ).json()
        pages["track"] = (await async_client.get("/track/")).json()
        return pages

    pages = run(visit)
    assert pages["empty"] == {"date": None, "value": None}
    assert pages["recorded"] == {"date": day(-3).isoformat(), "value": 2}
    assert pages["latest"] == {"date": D.isoformat(), "value": 7}
    assert pages["series"] == {
        "series": [[day(-1).isoformat(), 3], [D.isoformat(), 7], [day(1).isoformat(), 0]],
        "previous": [[day(-4).isoformat(), 0], [day(-3).isoformat(), 2], [day(-2).isoformat(), 0]],
    }
    assert pages["track"] == {
        "start_date": days_ago(2).isoformat(),
        "end_date": days_ago(0).isoformat(),
        "rows_written": 2,
    }
    assert stored(async_urls.orders_per_day) == {(days_ago(2),): 1, (days_ago(0),): 1}
    assert TrackerRun.objects.get().name == "async.orders"
