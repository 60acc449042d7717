"""One definition of a tracker's rows: track, verify, dry runs and stored dates agree."""

import datetime

import pytest

from tests.factories import UTC, at, customer, make_metric, order
from tests.testapp.models import Customer, Order
from trackstats import clock, runs
from trackstats.models import Period, StatisticByDateAndObject
from trackstats.registry import TrackerRegistry
from trackstats.trackers import CountObjectsByDateAndObjectTracker

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.date:
    return clock.today_in(UTC) - datetime.timedelta(days=n)


@pytest.fixture
def two_fixed_object_trackers():
    alice, bob = customer("alice"), customer("bob")
    for n, who in [(5, alice), (3, alice), (2, bob), (1, bob), (1, bob)]:
        order(at(days_ago(n)), who)
    metric = make_metric()
    trackers = TrackerRegistry()
    entries = {}
    for who in (alice, bob):
        tracker = CountObjectsByDateAndObjectTracker(
            period=Period.DAY, metric=metric, date_field="created", object=who, tz=UTC
        )
        entries[who.name] = trackers.register(
            tracker, lambda who=who: Order.objects.filter(customer=who), name=who.name
        )
    return entries


def test_verify_and_stored_dates_see_only_the_trackers_own_rows(two_fixed_object_trackers):
    alice, bob = two_fixed_object_trackers["alice"], two_fixed_object_trackers["bob"]
    runs.track(alice)
    runs.track(bob)
    assert StatisticByDateAndObject.objects.count() == 4
    assert runs.verify(alice) == []
    assert runs.verify(bob) == []
    assert runs.first_stored_date(alice) == days_ago(5)
    assert runs.last_stored_date(alice) == days_ago(3)
    assert runs.first_stored_date(bob) == days_ago(2)
    assert runs.last_stored_date(bob) == days_ago(1)
    assert runs.dry_run(bob).start_date == days_ago(1)
    bob_rows = bob.tracker.stored_rows("default")
    assert sorted(bob_rows.values_list("value", flat=True)) == [1, 2]


def test_one_trackers_run_never_touches_the_others_rows(two_fixed_object_trackers):
    alice, bob = two_fixed_object_trackers["alice"], two_fixed_object_trackers["bob"]
    runs.track(alice)
    runs.track(bob)
    Order.objects.filter(customer__name="bob").delete()
    runs.track(bob, since=days_ago(10))
    assert not bob.tracker.stored_rows("default").exists()
    assert alice.tracker.stored_rows("default").count() == 2
    assert runs.verify(alice) == []


def test_by_related_object_scope_is_the_object_type():
    who = customer()
    order(at(days_ago(1)), who)
    metric = make_metric()
    tracker = CountObjectsByDateAndObjectTracker(
        period=Period.DAY,
        metric=metric,
        date_field="created",
        object_model=Customer,
        object_field="customer",
        tz=UTC,
    )
    tracker.track(Order.objects.all())
    # A row of another object type on the same metric and period is not this tracker's.
    StatisticByDateAndObject.objects.record(
        metric=metric, value=7, period=Period.DAY, date=days_ago(1), object=metric
    )
    assert tracker.stored_rows().count() == 1
    entry = TrackerRegistry().register(tracker, Order.objects.all)
    assert runs.verify(entry) == []


def test_track_dry_run_verify_and_stored_dates_all_ask_the_trackers_scope(
    two_fixed_object_trackers, monkeypatch
):
    bob = two_fixed_object_trackers["bob"]
    asked: list[str] = []
    scope = bob.tracker.scope

    def spied_scope(using: str = "default"):
        asked.append(using)
        return scope(using)

    monkeypatch.setattr(bob.tracker, "scope", spied_scope)
    for run in (runs.track, runs.dry_run, runs.verify, runs.last_stored_date):
        asked.clear()
        run(bob)
        assert asked, f"{run.__name__} decided which rows are the tracker's by itself"
    written = StatisticByDateAndObject.objects.filter(metric=scope("default").metric)
    assert set(written.filter(object_id=scope("default").object_id)) == set(
        bob.tracker.stored_rows("default")
    )
