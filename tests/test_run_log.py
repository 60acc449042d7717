"""The run log, the ``trackstats`` logger line and the post_track/post_record signals."""

import datetime
import logging

import pytest
from django.db import DatabaseError, connection

from tests.factories import UTC, at, customer, make_metric, order, stored
from tests.testapp.models import Customer, Order
from trackstats import clock, runs
from trackstats.models import Period, StatisticByDate, StatisticByDateAndObject, TrackerRun
from trackstats.registry import TrackerRegistry
from trackstats.signals import post_record, post_track
from trackstats.trackers import CountObjectsByDateAndObjectTracker, CountObjectsByDateTracker

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.date:
    return clock.today_in(UTC) - datetime.timedelta(days=n)


def counter(**kwargs):
    return CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created", tz=UTC, **kwargs
    )


def test_a_successful_run_is_logged_with_its_scope_and_numbers():
    who = customer()
    for n in (3, 1, 1):
        order(at(days_ago(n)), who)
    tracker = counter()
    result = tracker.track(Order.objects.all())
    run = TrackerRun.objects.get()
    assert run.name == "shop.orders.day"
    assert run.status == TrackerRun.Status.SUCCESS
    assert (run.statistic_model, run.metric, run.period) == (
        "trackstats.StatisticByDate",
        tracker.metric,
        Period.DAY,
    )
    assert (run.object_type, run.object_id) == (None, "")
    assert (run.start_date, run.end_date) == (days_ago(3), days_ago(0))
    assert (run.rows_written, run.rows_removed) == (result.rows_written, 0) == (2, 0)
    assert run.time_zone == "UTC"
    assert run.error == ""
    assert run.started_at <= run.finished_at
    assert run.seconds >= 0


def test_a_run_with_nothing_to_do_is_logged_too():
    counter().track(Order.objects.all(), name="nightly")
    run = TrackerRun.objects.get()
    assert (run.name, run.status, run.start_date, run.rows_written) == (
        "nightly",
        "success",
        None,
        0,
    )


def test_a_failed_run_is_logged_and_writes_nothing():
    who = customer()
    order(at(days_ago(2)), who)
    tracker = counter()
    tracker.track(Order.objects.all())
    before = stored(tracker)
    order(at(days_ago(1)), who)

    def fail_on_insert(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO") and "trackstats_result" in sql:
            raise DatabaseError("simulated failure after the delete")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_on_insert), pytest.raises(DatabaseError):
        tracker.track(Order.objects.all(), since=days_ago(5))
    assert stored(tracker) == before
    failed = TrackerRun.objects.get(status=TrackerRun.Status.FAILED)
    assert "simulated failure after the delete" in failed.error
    assert (failed.start_date, failed.end_date) == (days_ago(5), days_ago(0))
    assert failed.rows_written == 0
    # The successful run's entry is still the latest success.
    assert TrackerRun.objects.filter(status="success").count() == 1


def test_a_broken_source_callable_is_logged_under_the_registration_name():
    def broken():
        raise RuntimeError("no source today")

    entry = TrackerRegistry().register(counter(), broken, name="broken.source")
    with pytest.raises(RuntimeError):
        runs.track(entry)
    failed = TrackerRun.objects.get()
    assert (failed.name, failed.status, failed.metric) == ("broken.source", "failed", None)
    assert "RuntimeError: no source today" in failed.error


def test_a_one_object_trackers_run_records_its_object():
    alice = customer("alice")
    order(at(days_ago(1)), alice)
    tracker = CountObjectsByDateAndObjectTracker(
        period=Period.WEEK, metric=make_metric(), date_field="created", object=alice, tz=UTC
    )
    tracker.track(Order.objects.all())
    run = TrackerRun.objects.get()
    assert run.object_type.model_class() is Customer
    assert run.object_id == str(alice.pk)
    assert run.name == "shop.orders.week"


def test_logger_line_per_run(caplog):
    order(at(days_ago(1)), customer())
    with caplog.at_level(logging.INFO, logger="trackstats"):
        counter().track(Order.objects.all())
    lines = [r.getMessage() for r in caplog.records if r.name == "trackstats"]
    assert len(lines) == 1
    assert lines[0].startswith(f"tracked shop.orders.day: {days_ago(1)}..{days_ago(0)} in UTC")
    assert "1 rows written, 0 removed" in lines[0]


def test_post_track_signal_after_the_write():
    order(at(days_ago(1)), customer())
    tracker = counter()
    received = []

    def receiver(sender, tracker, result, name, using, **kwargs):
        # The rows are written when the signal is sent.
        received.append((sender, result, name, using, StatisticByDate.objects.count()))

    post_track.connect(receiver)
    try:
        result = tracker.track(Order.objects.all())
    finally:
        post_track.disconnect(receiver)
    assert received == [(CountObjectsByDateTracker, result, "shop.orders.day", "default", 1)]


def test_post_track_is_not_sent_for_a_failed_run():
    received = []
    post_track.connect(received.append)
    try:
        with pytest.raises(ValueError, match="after today"):
            counter().track(Order.objects.all(), until=days_ago(-2))
    finally:
        post_track.disconnect(received.append)
    assert received == []


def test_post_record_signal():
    received = []

    def receiver(sender, instance, using, **kwargs):
        received.append((sender, instance.value, using))

    post_record.connect(receiver)
    try:
        StatisticByDate.objects.record(metric=make_metric(), value=5, period=Period.LIFETIME)
        StatisticByDateAndObject.objects.record(
            metric=make_metric(), value=6, period=Period.DAY, object=customer()
        )
    finally:
        post_record.disconnect(receiver)
    assert received == [(StatisticByDate, 5, "default"), (StatisticByDateAndObject, 6, "default")]
