"""A tracker's statistics remember their time zone; a run in another zone recomputes
them all, or refuses when told to leave some behind."""

import datetime
import zoneinfo

import pytest
from django.core import checks
from django.test import override_settings
from django.utils import timezone

from tests.factories import at, customer, make_metric, order, reference, stored
from tests.testapp.models import Order
from trackstats import clock
from trackstats.checks import check_time_zones
from trackstats.models import Period, TrackerRun
from trackstats.registry import registry
from trackstats.trackers import CountObjectsByDateTracker, TimeZoneChanged

pytestmark = pytest.mark.django_db

EAST = zoneinfo.ZoneInfo("Pacific/Kiritimati")  # +14:00
WEST = zoneinfo.ZoneInfo("Pacific/Pago_Pago")  # -11:00


def today(tz):
    return clock.today_in(tz)


def make_orders():
    who = customer()
    now = clock.now()
    # 11:30 UTC is the next day at +14:00 and the same day at -11:00.
    for n in (1, 3, 4, 9, 30):
        day = (now - datetime.timedelta(days=n)).date()
        order(at(day, 11, 30), who)


def expected(period, tz):
    rows = [(o.created.astimezone(tz).date(), (), 1) for o in Order.objects.all()]
    return reference(rows, period, min(d for d, _, _ in rows), today(tz), len)


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK, Period.LIFETIME])
def test_a_change_of_time_zone_recomputes_everything(period):
    make_orders()
    metric = make_metric()
    with timezone.override(EAST):
        tracker = CountObjectsByDateTracker(period=period, metric=metric, date_field="created")
        tracker.track(Order.objects.all())
        assert stored(tracker) == expected(period, EAST)
    with timezone.override(WEST):
        result = tracker.track(Order.objects.all())
        assert result.time_zone == "Pacific/Pago_Pago"
        assert stored(tracker) == expected(period, WEST)
        # The next run is incremental again: from the most recent stored date.
        assert tracker.start_date(Order.objects.all()) == max(stored(tracker))[0]
    zones = list(TrackerRun.objects.order_by("started_at", "id").values_list("time_zone"))
    assert zones == [("Pacific/Kiritimati",), ("Pacific/Pago_Pago",)]


def test_a_tz_argument_change_is_a_change_too():
    make_orders()
    metric = make_metric()
    CountObjectsByDateTracker(
        period=Period.DAY, metric=metric, date_field="created", tz=EAST
    ).track(Order.objects.all())
    west = CountObjectsByDateTracker(
        period=Period.DAY, metric=metric, date_field="created", tz=WEST
    )
    west.track(Order.objects.all())
    assert stored(west) == expected(Period.DAY, WEST)


def test_a_partial_run_in_another_zone_is_refused():
    make_orders()
    metric = make_metric()
    east = CountObjectsByDateTracker(
        period=Period.DAY, metric=metric, date_field="created", tz=EAST
    )
    east.track(Order.objects.all())
    before = stored(east)
    west = CountObjectsByDateTracker(
        period=Period.DAY, metric=metric, date_field="created", tz=WEST
    )
    with pytest.raises(TimeZoneChanged, match=r"Pacific/Kiritimati.*--since"):
        west.track(Order.objects.all(), since=today(WEST) - datetime.timedelta(days=2))
    with pytest.raises(TimeZoneChanged):
        west.track(Order.objects.all(), until=today(WEST) - datetime.timedelta(days=20))
    assert stored(east) == before
    failed = TrackerRun.objects.filter(status=TrackerRun.Status.FAILED)
    assert failed.count() == 2
    assert "TimeZoneChanged" in failed.first().error
    # A since on or before the first stored date covers everything: allowed.
    west.track(Order.objects.all(), since=today(WEST) - datetime.timedelta(days=40))
    assert stored(west) == expected(Period.DAY, WEST)


def test_system_check_warns_of_a_changed_time_zone(monkeypatch):
    monkeypatch.setattr(registry, "_entries", [])
    make_orders()
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created"
    )
    registry.register(tracker, Order.objects.all)
    with override_settings(TIME_ZONE="Pacific/Kiritimati"):
        tracker.track(Order.objects.all())
        assert check_time_zones(databases=["default"]) == []
    with override_settings(TIME_ZONE="Pacific/Pago_Pago"):
        messages = check_time_zones(databases=["default"])
        assert [m.id for m in messages] == ["trackstats.W001"]
        assert messages[0].level == checks.WARNING
        assert "Pacific/Kiritimati" in messages[0].msg
        assert "shop.orders.day" in messages[0].msg
        # Without databases (plain `manage.py check`) it does not touch the database.
        assert check_time_zones(databases=None) == []
