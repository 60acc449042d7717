"""Two runs of the same tracker at the same time both succeed and leave correct values.

Real concurrent sessions need a database server: these tests exist for PostgreSQL and
MySQL/MariaDB (SQLite serializes writers by locking the whole database file).
"""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction

from tests.factories import UTC, at, customer, make_metric, order, stored
from tests.testapp.models import Customer, Order
from trackstats import clock
from trackstats.models import Period, StatisticByDateAndObject
from trackstats.trackers import CountObjectsByDateAndObjectTracker, CountObjectsByDateTracker


def run_in_threads(*functions):
    """Run each function in its own thread (own connection); re-raise their errors."""
    errors: list[BaseException] = []

    def wrapper(function):
        try:
            function()
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrapper, args=(f,)) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def days_ago(n: int) -> datetime.date:
    return clock.today_in(UTC) - datetime.timedelta(days=n)


if connection.vendor in {"postgresql", "mysql"}:

    @pytest.mark.django_db(transaction=True)
    def test_simultaneous_runs_both_succeed():
        people = [customer(f"c{i}") for i in range(5)]
        tracker = CountObjectsByDateAndObjectTracker(
            period=Period.WEEK,
            metric=make_metric(),
            date_field="created",
            object_model=Customer,
            object_field="customer",
            tz=UTC,
        )
        for round_ in range(3):
            for n, who in enumerate(people):
                order(at(days_ago((n + round_) % 9), 9 + round_), who)
            barrier = threading.Barrier(2)

            def run(barrier=barrier):
                barrier.wait(timeout=30)
                tracker.track(Order.objects.all(), since=days_ago(12))

            run_in_threads(run, run)
            expected = tracker.compute(Order.objects.all(), since=days_ago(12)).values
            assert stored(tracker) == expected
            assert StatisticByDateAndObject.objects.count() == len(expected)

    @pytest.mark.django_db(transaction=True)
    def test_a_run_waits_for_a_concurrent_run_to_commit():
        who = customer()
        for n in range(4):
            order(at(days_ago(n)), who)
        tracker = CountObjectsByDateTracker(
            period=Period.LIFETIME, metric=make_metric(), date_field="created", tz=UTC
        )
        first_tracked = threading.Event()
        timeline: dict[str, float] = {}

        def slow_transaction():
            with transaction.atomic():
                tracker.track(Order.objects.all(), since=days_ago(5))
                first_tracked.set()
                time.sleep(0.5)
                timeline["first committed"] = time.monotonic()

        def second_run():
            first_tracked.wait(timeout=30)
            tracker.track(Order.objects.all(), since=days_ago(5))
            timeline["second done"] = time.monotonic()

        run_in_threads(slow_transaction, second_run)
        assert timeline["second done"] >= timeline["first committed"]
        assert stored(tracker) == {(days_ago(n),): 4 - n for n in range(4)}
