"""Late data (``lookback``) and an end date (``until``)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import UTC, at, customer, order, reference, stored
from tests.test_trackers_incremental import counter, days_ago
from tests.testapp.models import Order
from trackstats import runs
from trackstats.models import Period, StatisticByDate
from trackstats.registry import TrackerRegistry, registry

pytestmark = pytest.mark.django_db


def recomputed(period, start, end):
    rows = [(o.created.astimezone(UTC).date(), (), 1) for o in Order.objects.all()]
    return reference(rows, period, start, end, len)


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK, Period.LIFETIME])
def test_without_lookback_a_late_delete_stays_stale(period):
    """What the docs say of a plain re-run: rows before its start are not looked at."""
    who = customer()
    for n in range(0, 40, 2):
        order(at(days_ago(n)), who)
    tracker = counter(period)
    tracker.track(Order.objects.all())
    Order.objects.filter(created__date=days_ago(30)).delete()
    tracker.track(Order.objects.all())
    assert stored(tracker) != recomputed(period, days_ago(38), days_ago(0))


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK, Period.LIFETIME])
def test_lookback_reflects_deletes_and_edits_that_many_days_late(period):
    who = customer()
    for n in range(0, 40, 2):
        order(at(days_ago(n)), who)
    tracker = counter(period, lookback=31)
    tracker.track(Order.objects.all())
    Order.objects.filter(created__date=days_ago(30)).delete()
    Order.objects.filter(created__date=days_ago(20)).update(created=at(days_ago(21)))
    result = tracker.track(Order.objects.all())
    assert result.start_date == days_ago(31)
    expected = recomputed(period, days_ago(38), days_ago(0))
    assert stored(tracker) == expected


def test_lookback_never_starts_before_the_first_stored_date():
    who = customer()
    order(at(days_ago(20)), who)
    order(at(days_ago(3)), who)
    tracker = counter(lookback=400)
    tracker.track(Order.objects.all(), since=days_ago(5))
    assert tracker.start_date(Order.objects.all()) == days_ago(3)
    tracker.track(Order.objects.all())
    assert stored(tracker) == {(days_ago(3),): 1}


def test_lookback_argument_of_track_overrides_the_trackers():
    who = customer()
    order(at(days_ago(9)), who)
    order(at(days_ago(1)), who)
    tracker = counter(lookback=2)
    tracker.track(Order.objects.all())
    assert tracker.start_date(Order.objects.all()) == days_ago(3)
    assert tracker.start_date(Order.objects.all(), lookback=0) == days_ago(1)
    assert tracker.track(Order.objects.all(), lookback=8).start_date == days_ago(9)


@pytest.mark.parametrize(
    ("value", "error"),
    [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("3", TypeError)],
)
def test_bad_lookback_is_refused(value, error):
    with pytest.raises(error, match="lookback"):
        counter(lookback=value)
    order(at(days_ago(1)), customer())
    with pytest.raises(error, match="lookback"):
        counter().track(Order.objects.all(), lookback=value)
    with pytest.raises(error, match="lookback"):
        TrackerRegistry().register(counter(), Order.objects.all, lookback=value)
    assert not StatisticByDate.objects.exists()


def test_registration_and_command_lookback(monkeypatch):
    monkeypatch.setattr(registry, "_entries", [])
    who = customer()
    for n in (12, 6, 1):
        order(at(days_ago(n)), who)
    tracker = counter()
    entry = registry.register(tracker, Order.objects.all, lookback=7)
    runs.track(entry)
    Order.objects.filter(created__date=days_ago(6)).delete()
    Order.objects.filter(created__date=days_ago(12)).delete()
    assert runs.track(entry).start_date == days_ago(8)
    assert stored(tracker) == {(days_ago(12),): 1, (days_ago(1),): 1}
    call_command("trackstats", "track", "--lookback", "20", verbosity=0)
    assert stored(tracker) == {(days_ago(1),): 1}


def test_until_stops_a_historical_data_set():
    who = customer()
    order(at(days_ago(400)), who)
    order(at(days_ago(390)), who)
    tracker = counter(Period.LIFETIME)
    result = tracker.track(Order.objects.all(), until=days_ago(388))
    assert (result.start_date, result.end_date) == (days_ago(400), days_ago(388))
    assert stored(tracker) == recomputed(Period.LIFETIME, days_ago(400), days_ago(388))
    assert StatisticByDate.objects.count() == 13
    # An incremental run with the same end date starts from the last stored date.
    again = tracker.track(Order.objects.all(), until=days_ago(388))
    assert (again.start_date, again.rows_written) == (days_ago(388), 1)


def test_until_leaves_later_rows_alone():
    who = customer()
    for n in (5, 3, 1):
        order(at(days_ago(n)), who)
    tracker = counter()
    tracker.track(Order.objects.all())
    Order.objects.all().delete()
    tracker.track(Order.objects.all(), since=days_ago(6), until=days_ago(4))
    assert stored(tracker) == {(days_ago(3),): 1, (days_ago(1),): 1}


def test_bad_until_is_refused():
    order(at(days_ago(1)), customer())
    tracker = counter()
    with pytest.raises(ValueError, match="after today"):
        tracker.track(Order.objects.all(), until=days_ago(-1))
    with pytest.raises(ValueError, match=r"since .* is after until"):
        tracker.track(Order.objects.all(), since=days_ago(1), until=days_ago(2))
    with pytest.raises(TypeError, match="until"):
        tracker.track(Order.objects.all(), until="2024-01-01")
    assert not StatisticByDate.objects.exists()


def test_command_until_and_its_errors(monkeypatch):
    monkeypatch.setattr(registry, "_entries", [])
    who = customer()
    for n in (9, 5, 1):
        order(at(days_ago(n)), who)
    tracker = counter(Period.LIFETIME)
    registry.register(tracker, Order.objects.all)
    call_command("trackstats", "track", "--until", days_ago(5).isoformat(), verbosity=0)
    assert max(stored(tracker)) == (days_ago(5),)
    assert stored(tracker)[(days_ago(5),)] == 2
    call_command(
        "trackstats", "verify", "--until", days_ago(5).isoformat(), verbosity=0
    )  # matches: raises CommandError otherwise
    with pytest.raises(CommandError, match=r"--since .* is after --until"):
        call_command(
            "trackstats",
            "track",
            "--since",
            days_ago(1).isoformat(),
            "--until",
            days_ago(3).isoformat(),
        )
    with pytest.raises(CommandError, match="do not apply to --enqueue"):
        call_command("trackstats", "track", "--until", days_ago(3).isoformat(), "--enqueue")
    with pytest.raises(CommandError, match="1 of 1 tracker failed"):
        call_command("trackstats", "track", "--until", days_ago(-2).isoformat(), verbosity=0)
