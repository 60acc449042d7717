"""trackstats.tasks in process, on the Tasks framework's default (immediate) backend.

tests/test_tasks_worker.py runs the same tasks on real db_worker processes.
"""

import datetime
import importlib
import sys

import pytest
from django.utils import timezone

from tests.testapp.models import Customer, Order
from trackstats import clock, tasks
from trackstats.models import Domain, Metric, Period, StatisticByDate
from trackstats.registry import registry
from trackstats.trackers import CountObjectsByDateTracker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch):
    monkeypatch.setattr(registry, "_entries", [])


@pytest.fixture
def orders_metric():
    today = clock.today_in()
    customer = Customer.objects.create(name="c", joined=clock.now())
    for days_ago in (3, 1, 1):
        created = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=days_ago), datetime.time(12))
        )
        Order.objects.create(customer=customer, created=created)
    metric = Metric.objects.create(domain=Domain.objects.create(ref="shop"), ref="orders")
    for period in (Period.DAY, Period.LIFETIME):
        registry.register(
            CountObjectsByDateTracker(period=period, metric=metric, date_field="created"),
            Order.objects.all,
        )
    return metric


def lifetime_today(metric):
    return StatisticByDate.objects.get(
        metric=metric, period=Period.LIFETIME, date=clock.today_in()
    ).value


def test_track_metric_task_returns_its_report(orders_metric):
    result = tasks.track_metric.enqueue("shop.orders.lifetime")

    assert result.status == "SUCCESSFUL"
    report = result.return_value
    assert report["name"] == "shop.orders.lifetime"
    assert report["rows_written"] == 4  # every date from the first order through today
    assert report["rows_removed"] == 0
    assert report["dry_run"] is False
    assert report["end_date"] == clock.today_in().isoformat()
    assert lifetime_today(orders_metric) == 3
    assert not StatisticByDate.objects.filter(period=Period.DAY).exists()


def test_track_metric_with_since_and_database(orders_metric):
    tasks.track_metric.call("shop.orders.lifetime")
    StatisticByDate.objects.filter(period=Period.LIFETIME).update(value=0)
    since = clock.today_in() - datetime.timedelta(days=1)

    report = tasks.track_metric.call("shop.orders.lifetime", since.isoformat(), "default")

    assert report["start_date"] == since.isoformat()
    assert report["rows_written"] == 2
    values = StatisticByDate.objects.filter(period=Period.LIFETIME).order_by("date")
    assert [stat.value for stat in values] == [0, 0, 3, 3]


def test_enqueue_all_enqueues_one_task_per_tracker(orders_metric):
    results = tasks.enqueue_all()
    assert [result.args[0] for result in results] == ["shop.orders.day", "shop.orders.lifetime"]
    assert {result.status for result in results} == {"SUCCESSFUL"}
    assert StatisticByDate.objects.filter(period=Period.DAY).count() == 2
    assert lifetime_today(orders_metric) == 3

    selected = tasks.enqueue_all(metrics=["shop.orders.day"], since=clock.today_in())
    assert [result.args for result in selected] == [
        ["shop.orders.day", clock.today_in().isoformat(), None]
    ]


def test_enqueue_all_checks_its_arguments(orders_metric):
    with pytest.raises(LookupError, match=r"no tracker is registered for 'shop\.order'"):
        tasks.enqueue_all(metrics=["shop.order"])
    with pytest.raises(TypeError, match=r"since must be a datetime\.date"):
        tasks.enqueue_all(since="2024-01-01")


def test_unknown_name_fails_the_task(orders_metric):
    with pytest.raises(LookupError, match=r"no tracker is registered as 'shop\.x\.day'"):
        tasks.track_metric.call("shop.x.day")


def test_without_a_tasks_framework_the_module_imports_and_using_it_explains(monkeypatch):
    """Celery's autodiscover_tasks() imports every app's ``tasks`` module: without the
    Tasks framework it must import, and using it must name what to install."""
    import trackstats

    monkeypatch.setitem(sys.modules, "django.tasks", None)
    monkeypatch.setitem(sys.modules, "django_tasks", None)
    monkeypatch.delitem(sys.modules, "trackstats.tasks")
    monkeypatch.setattr(trackstats, "tasks", trackstats.tasks)
    module = importlib.import_module("trackstats.tasks")
    assert module.task is None
    explained = r"Django 6, or on Django 5\.2 the django-tasks backport"
    with pytest.raises(ImportError, match=explained):
        module.track_metric("shop.orders.day")
    with pytest.raises(ImportError, match=explained):
        module.enqueue_all()
