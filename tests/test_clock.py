"""trackstats.clock: one clock that a test can fix for the whole package."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.factories import UTC, at, customer, make_metric, order
from tests.testapp.models import Order
from trackstats import clock, runs
from trackstats.models import StatisticByDate, TrackerRun
from trackstats.periods import Period
from trackstats.registry import Registration
from trackstats.status import tracker_status
from trackstats.trackers import CountObjectsByDateTracker

# 23:30 UTC on 2026-03-28 is already 2026-03-29 in Auckland (UTC+13 that night).
INSTANT = datetime.datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


def test_fixed_clock_gives_the_instant_and_local_dates():
    with clock.fixed(INSTANT):
        assert clock.now() == INSTANT
        assert clock.today_in(UTC) == datetime.date(2026, 3, 28)
        assert clock.today_in(AUCKLAND) == datetime.date(2026, 3, 29)
    assert abs(clock.now() - timezone.now()) < datetime.timedelta(seconds=5)


def test_fixed_clocks_nest_and_restore():
    later = INSTANT + datetime.timedelta(days=3)
    with clock.fixed(INSTANT):
        with clock.fixed(later):
            assert clock.now() == later
        assert clock.now() == INSTANT


def test_a_naive_instant_is_refused():
    with (
        pytest.raises(ValueError, match="aware datetime"),
        clock.fixed(datetime.datetime(2026, 1, 1)),
    ):
        pass


@override_settings(USE_TZ=False, TIME_ZONE="Pacific/Auckland")
def test_without_use_tz_now_is_naive_local_time_like_django():
    with clock.fixed(INSTANT):
        assert clock.now() == datetime.datetime(2026, 3, 29, 12, 30)


@pytest.mark.django_db
def test_a_tracker_run_reads_today_and_its_start_from_the_fixed_clock():
    who = customer()
    order(at(datetime.date(2026, 3, 20)), who)
    order(at(datetime.date(2026, 3, 28), hour=20), who)
    order(at(datetime.date(2026, 4, 2)), who)  # "in the future" of the fixed clock
    tracker = CountObjectsByDateTracker(
        metric=make_metric(), period=Period.DAY, date_field="created", tz=UTC
    )
    with clock.fixed(INSTANT):
        result = tracker.track(Order.objects.all())
    assert result.end_date == datetime.date(2026, 3, 28)
    stored = dict(StatisticByDate.objects.values_list("date", "value"))
    assert max(stored) == datetime.date(2026, 3, 28)
    assert stored[datetime.date(2026, 3, 28)] == 1
    assert datetime.date(2026, 4, 2) not in stored
    run = TrackerRun.objects.get()
    assert run.started_at == INSTANT


@pytest.mark.django_db
def test_record_and_status_age_read_the_fixed_clock():
    metric = make_metric()
    with timezone.override(AUCKLAND), clock.fixed(INSTANT):
        StatisticByDate.objects.record(metric=metric, value=4, period=Period.DAY)
    assert StatisticByDate.objects.get().date == datetime.date(2026, 3, 29)

    tracker = CountObjectsByDateTracker(metric=metric, period=Period.DAY, date_field="created")
    entry = Registration(tracker=tracker, source=Order.objects.all(), explicit_name="orders.day")
    with clock.fixed(INSTANT):
        runs.track(entry)
    hours = datetime.timedelta(hours=1)
    with clock.fixed(INSTANT + 30 * hours):
        status = tracker_status(entry, warning_after=26 * hours, critical_after=50 * hours)
    assert 29 * hours < status.age <= 30 * hours
    assert status.state == "warning"
