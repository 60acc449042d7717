"""``trackstats track``, ``--dry-run`` and ``verify``: one failing tracker stops no other.

Every tracker runs on its own; the failures are printed at the end, one line each, and
the command then fails naming how many of how many trackers failed. On PostgreSQL a
failed statement aborts the transaction it ran in: the trackers after it must still
run, inside a caller's transaction (these tests' own) as well as on their own.
"""

import datetime
import io

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.testapp.models import Customer, Order
from trackstats import clock
from trackstats.models import Domain, Metric, Period, StatisticByDate
from trackstats.registry import registry
from trackstats.trackers import CountObjectsByDateTracker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch):
    monkeypatch.setattr(registry, "_entries", [])


def broken_source():
    raise ValueError("the source is broken")


@pytest.fixture
def shop():
    """Three trackers; the middle one fails as chosen by the test."""
    domain = Domain.objects.create(ref="shop")
    metrics = {ref: Metric.objects.create(domain=domain, ref=ref) for ref in ("a", "broken", "z")}
    now = clock.now()
    customer = Customer.objects.create(name="ada", joined=now - datetime.timedelta(days=9))
    for days_ago in (2, 1, 0):
        Order.objects.create(customer=customer, created=now - datetime.timedelta(days=days_ago))

    def register(broken):
        for ref in ("a", "broken", "z"):
            tracker = CountObjectsByDateTracker(
                period=Period.LIFETIME, metric=metrics[ref], date_field="created"
            )
            registry.register(tracker, broken if ref == "broken" else Order.objects.all)
        return metrics

    return register


def failing_sql():
    # A statement the database rejects: on PostgreSQL it aborts the transaction.
    return Order.objects.extra(where=["no_such_column = 1"])


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("trackstats", *args, stdout=out, stderr=err, **options)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def tracked_metrics():
    return set(StatisticByDate.objects.values_list("metric__ref", flat=True))


@pytest.mark.parametrize("broken", [broken_source, failing_sql], ids=["raises", "sql"])
def test_track_runs_the_trackers_after_a_failing_one(shop, broken):
    shop(broken)

    out, err, error = run("track")

    assert str(error) == "1 of 3 trackers failed"
    assert tracked_metrics() == {"a", "z"}
    assert "Tracked 2 of 3 trackers: " in out
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("shop.broken.lifetime: ")
    if broken is broken_source:
        assert lines[0] == "shop.broken.lifetime: ValueError: the source is broken"
    assert "Traceback" not in err
    # The caller's transaction (this test's) is still usable afterwards.
    assert StatisticByDate.objects.filter(metric__ref="z").exists()


def test_a_traceback_at_verbosity_3_or_with_traceback(shop):
    shop(broken_source)
    for options in ({"verbosity": 3}, {"traceback": True}):
        _, err, error = run("track", **options)
        assert str(error) == "1 of 3 trackers failed"
        assert err.startswith("shop.broken.lifetime: ValueError: the source is broken\n")
        assert "Traceback (most recent call last):" in err
        assert 'raise ValueError("the source is broken")' in err


def test_every_failure_is_listed(shop):
    metrics = shop(broken_source)
    registry.register(
        CountObjectsByDateTracker(period=Period.DAY, metric=metrics["z"], date_field="created"),
        failing_sql,
    )
    out, err, error = run("track", verbosity=0)
    assert str(error) == "2 of 4 trackers failed"
    assert out == ""
    names = [line.split(":")[0] for line in err.splitlines()]
    assert names == ["shop.broken.lifetime", "shop.z.day"]


@pytest.mark.parametrize("broken", [broken_source, failing_sql], ids=["raises", "sql"])
def test_dry_run_goes_on_after_a_failure(shop, broken):
    shop(broken)
    out, err, error = run("track", "--dry-run")
    assert str(error) == "1 of 3 trackers failed"
    assert "shop.a.lifetime: would write " in out
    assert "shop.z.lifetime: would write " in out
    assert "Dry run of 2 of 3 trackers" in out
    assert err.startswith("shop.broken.lifetime: ")
    assert not StatisticByDate.objects.exists()


@pytest.mark.parametrize("broken", [broken_source, failing_sql], ids=["raises", "sql"])
def test_verify_goes_on_after_a_failure_and_reports_both(shop, broken):
    shop(Order.objects.all)
    run("track")
    registry.clear()
    shop(broken)
    StatisticByDate.objects.filter(metric__ref="z", date=clock.today_in()).update(value=7)

    out, err, error = run("verify")

    assert str(error) == (
        "1 stored statistic(s) of 1 tracker(s) differ from a recomputation; "
        "`trackstats track --since DATE` rewrites them; 1 of 3 trackers failed"
    )
    assert f"shop.z.lifetime {clock.today_in()}: stored 7, computed 3" in out
    assert err.startswith("shop.broken.lifetime: ")


def test_no_failure_no_error(shop):
    shop(Order.objects.all)
    out, err, error = run("track")
    assert error is None
    assert err == ""
    assert "Tracked 3 trackers: " in out


@pytest.mark.django_db(transaction=True)
def test_on_the_command_line_each_run_has_its_own_transaction(shop, capsys):
    # No transaction around the command: each run commits or rolls back on its own,
    # and a rejected statement leaves the connection usable for the next tracker.
    shop(failing_sql)

    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "trackstats", "track"]).execute()

    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert "Tracked 2 of 3 trackers: " in captured.out
    assert captured.err.startswith("shop.broken.lifetime: ")
    assert "CommandError: 1 of 3 trackers failed" in captured.err
    assert tracked_metrics() == {"a", "z"}
    assert not connection.in_atomic_block
