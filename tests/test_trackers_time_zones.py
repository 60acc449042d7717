"""Local dates are exact in the tracker's time zone on every database.

MariaDB in the test setup has no time zone tables: the engine never asks the database
to convert zones.
"""

import datetime
import zoneinfo

import pytest
from django.db.models import Count
from django.utils import timezone

from tests.factories import UTC, customer, make_metric, order, reference, stored
from tests.testapp.models import Order, OrderLine
from trackstats import clock
from trackstats.models import Period
from trackstats.trackers import CountObjectsByDateTracker, ObjectsByDateTracker

pytestmark = pytest.mark.django_db

ZONES = [
    "Europe/Amsterdam",
    "Pacific/Kiritimati",  # +14:00
    "Pacific/Pago_Pago",  # -11:00
    "Asia/Kolkata",  # +05:30
    "Australia/Lord_Howe",  # +10:30, half-hour DST
    "America/Santiago",  # DST at local midnight
]

# Dates around DST changes of the zones above, in 2024 and 2025.
DAYS = [
    datetime.date(2024, 3, 30),
    datetime.date(2024, 3, 31),
    datetime.date(2024, 4, 6),
    datetime.date(2024, 4, 7),
    datetime.date(2024, 9, 7),
    datetime.date(2024, 9, 8),
    datetime.date(2024, 10, 6),
    datetime.date(2024, 10, 27),
    datetime.date(2025, 3, 30),
]


def boundary_instants(tz: zoneinfo.ZoneInfo) -> list[datetime.datetime]:
    """Instants just before, at and after local midnights, and in DST hours."""
    from trackstats.engine.calendar import day_start

    instants = []
    for day in DAYS:
        start = day_start(day, tz)
        for delta in (
            -datetime.timedelta(microseconds=1),
            datetime.timedelta(0),
            datetime.timedelta(hours=1, minutes=59),
            datetime.timedelta(hours=2, minutes=30),
            datetime.timedelta(hours=23, minutes=30),
        ):
            instants.append(start + delta)
    return instants


@pytest.mark.parametrize("zone", ZONES)
def test_day_buckets_match_the_wall_clock_date(zone):
    tz = zoneinfo.ZoneInfo(zone)
    who = customer()
    instants = boundary_instants(tz)
    for instant in instants:
        order(instant, who)
    since = DAYS[0] - datetime.timedelta(days=1)
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created", tz=tz
    )
    tracker.track(Order.objects.all(), since=since)
    today = clock.today_in(tz)
    expected = reference(
        [(i.astimezone(tz).date(), (), 1) for i in instants], Period.DAY, since, today, len
    )
    assert stored(tracker) == expected


@pytest.mark.parametrize("zone", ["Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"])
def test_week_and_lifetime_windows_in_a_zone(zone):
    tz = zoneinfo.ZoneInfo(zone)
    who = customer()
    instants = boundary_instants(tz)[:20]
    for instant in instants:
        order(instant, who)
    since = DAYS[0]
    today = clock.today_in(tz)
    for period in (Period.WEEK, Period.LIFETIME):
        tracker = CountObjectsByDateTracker(
            period=period, metric=make_metric(f"p{period}"), date_field="created", tz=tz
        )
        tracker.track(Order.objects.all(), since=since)
        expected = reference(
            [(i.astimezone(tz).date(), (), 1) for i in instants], period, since, today, len
        )
        assert stored(tracker) == expected


def test_default_zone_is_the_current_time_zone_when_tracking():
    kolkata = zoneinfo.ZoneInfo("Asia/Kolkata")
    day = datetime.date(2024, 5, 1)
    # 20:00 UTC on April 30 is 01:30 on May 1 in Kolkata.
    order(datetime.datetime(2024, 4, 30, 20, 0, tzinfo=UTC), customer())
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created"
    )
    assert tracker.tz is None
    with timezone.override(kolkata):
        assert tracker.start_date(Order.objects.all()) == day
        tracker.track(Order.objects.all())
    assert stored(tracker) == {(day,): 1}
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        tracker.track(Order.objects.all(), since=datetime.date(2024, 4, 30))
    assert stored(tracker) == {(datetime.date(2024, 4, 30),): 1}


def test_date_field_needs_no_zone_and_may_have_its_own_column():
    who = customer()
    tz = zoneinfo.ZoneInfo("Pacific/Kiritimati")
    today = clock.today_in(tz)
    for ago, count in ((0, 2), (3, 1)):
        for _ in range(count):
            order(
                clock.now(),
                who,
                booked_on=today - datetime.timedelta(days=ago),
            )
    tracker = CountObjectsByDateTracker(
        period=Period.WEEK, metric=make_metric(), date_field="booked_on", tz=tz
    )
    tracker.track(Order.objects.all())
    values = stored(tracker)
    assert values[(today,)] == 3
    assert values[(today - datetime.timedelta(days=3),)] == 1
    assert len(values) == 4


def test_date_field_across_a_relation():
    tz = zoneinfo.ZoneInfo("Pacific/Pago_Pago")
    today = clock.today_in(tz)
    late = datetime.datetime.combine(today, datetime.time(23, 30)).replace(tzinfo=tz)
    first = order(late - datetime.timedelta(days=1), customer())
    second = order(late, customer())
    for parent, lines in ((first, 2), (second, 3)):
        for _ in range(lines):
            OrderLine.objects.create(order=parent, product="p")
    tracker = ObjectsByDateTracker(
        period=Period.DAY,
        metric=make_metric(),
        date_field="order__created",
        aggr_op=Count("id"),
        tz=tz,
    )
    tracker.track(OrderLine.objects.all())
    assert stored(tracker) == {(today - datetime.timedelta(days=1),): 2, (today,): 3}


def test_today_is_the_last_date_in_the_trackers_zone():
    # Far ahead and far behind UTC, "today" differs; rows dated later are not stored.
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        tz = zoneinfo.ZoneInfo(zone)
        tracker = CountObjectsByDateTracker(
            period=Period.LIFETIME, metric=make_metric(zone), date_field="created", tz=tz
        )
        order(clock.now(), customer())
        result = tracker.track(Order.objects.all())
        assert result.end_date == clock.today_in(tz)
        assert max(d for (d,) in stored(tracker)) == result.end_date


def test_naive_datetimes_with_use_tz_false():
    from django.test import override_settings

    who = customer()
    with override_settings(USE_TZ=False, TIME_ZONE="Europe/Amsterdam"):
        # Wall-clock readings around midnight on the day clocks went back.
        for reading in ("2024-10-26 23:59:59.999999", "2024-10-27 00:00:00", "2024-10-27 23:30"):
            order(datetime.datetime.fromisoformat(reading), who)
        tracker = CountObjectsByDateTracker(
            period=Period.DAY, metric=make_metric(), date_field="created"
        )
        tracker.track(Order.objects.all())
        assert stored(tracker) == {
            (datetime.date(2024, 10, 26),): 1,
            (datetime.date(2024, 10, 27),): 2,
        }


@pytest.fixture
def database_time_zone():
    """Store timestamps as Amsterdam wall-clock readings (DATABASES TIME_ZONE), on the
    backends that store readings rather than instants."""
    from django.db import connections

    connection = connections["default"]  # the wrapper itself, whose cache we reset
    if connection.features.supports_timezones:
        yield None  # PostgreSQL stores instants: the setting changes nothing there
        return
    original = connection.settings_dict.get("TIME_ZONE")

    def reset(value):
        connection.settings_dict["TIME_ZONE"] = value
        for cached in ("timezone", "timezone_name"):
            connection.__dict__.pop(cached, None)

    reset("Europe/Amsterdam")
    try:
        yield "Europe/Amsterdam"
    finally:
        reset(original)


def test_database_time_zone_is_the_storage_zone(database_time_zone):
    who = customer()
    instants = [
        datetime.datetime(2024, 3, 30, 23, 30, tzinfo=UTC),  # 00:30 on the 31st there
        datetime.datetime(2024, 3, 31, 0, 30, tzinfo=UTC),  # 02:30 (DST) there
        datetime.datetime(2024, 3, 31, 23, 59, 59, tzinfo=UTC),
    ]
    for instant in instants:
        order(instant, who)
    assert [o.created for o in Order.objects.order_by("created")] == instants
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created", tz=UTC
    )
    tracker.track(Order.objects.all())
    assert stored(tracker) == {(datetime.date(2024, 3, 30),): 1, (datetime.date(2024, 3, 31),): 2}
