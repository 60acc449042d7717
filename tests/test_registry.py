"""The tracker registry: registration, names, selection and autodiscovery."""

import sys

import pytest
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Sum
from django.test import override_settings

from tests.testapp.models import Order, RevenueStatistic
from trackstats import registry as registry_module
from trackstats.models import Domain, Metric, Period
from trackstats.registry import TrackerRegistry, autodiscover, register, registry
from trackstats.trackers import CountObjectsByDateTracker, ObjectsByDateTracker


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch):
    monkeypatch.setattr(registry, "_entries", [])
    return registry


@pytest.fixture
def lazy_metric():
    domain = Domain.objects.register(ref="shop")
    return Metric.objects.register(domain=domain, ref="orders")


def counter(metric, period=Period.DAY):
    return CountObjectsByDateTracker(period=period, metric=metric, date_field="created")


@pytest.mark.django_db
def test_register_names_by_metric_label_and_period(lazy_metric):
    day = register(counter(lazy_metric), Order.objects.all)
    ten_days = register(counter(lazy_metric, 10 * Period.DAY), Order.objects.all())
    money = register(
        ObjectsByDateTracker(
            period=Period.DAY,
            metric=lazy_metric,
            date_field="created",
            aggr_op=Sum("amount"),
            statistic_model=RevenueStatistic,
        ),
        Order.objects.all,
        name="shop.revenue.day",
    )

    assert [entry.name for entry in registry] == [
        "shop.orders.day",
        "shop.orders.10_days",
        "shop.revenue.day",
    ]
    assert day.metric_label == money.metric_label == "shop.orders"
    assert registry.get("shop.orders.10_days") is ten_days
    assert len(registry) == 3


def test_registering_touches_no_database(lazy_metric):
    # No django_db mark: any query would fail, as it would while apps load.
    entry = register(counter(lazy_metric), Order.objects.all)
    assert entry.source == Order.objects.all
    assert entry.explicit_name is None


@pytest.mark.django_db
def test_select_by_label_or_name_and_unknown_entries(lazy_metric):
    other = Metric.objects.register(domain=Domain.objects.register(ref="users"), ref="signups")
    day = register(counter(lazy_metric), Order.objects.all)
    lifetime = register(counter(lazy_metric, Period.LIFETIME), Order.objects.all)
    signups = register(counter(other), Order.objects.all)

    assert registry.select(None) == [day, lifetime, signups]
    assert registry.select(["shop.orders"]) == [day, lifetime]
    assert registry.select(["users.signups", "shop.orders.lifetime"]) == [lifetime, signups]
    with pytest.raises(LookupError, match=r"no tracker is registered for 'shop\.order', 'x'"):
        registry.select(["shop.order", "x", "shop.orders"])
    with pytest.raises(LookupError, match=r"registered: shop\.orders\.day, shop\.orders\.life"):
        registry.get("nope")


def test_empty_registry_says_so():
    with pytest.raises(LookupError, match="no trackers are registered"):
        TrackerRegistry().get("a.b.day")


@pytest.mark.django_db
def test_duplicate_names_are_refused_when_used(lazy_metric):
    register(counter(lazy_metric), Order.objects.all)
    second = register(counter(lazy_metric), Order.objects.filter(status="paid"))
    with pytest.raises(ImproperlyConfigured, match=r"two trackers are registered as 'shop\."):
        registry.all()
    registry.unregister(second)
    assert len(registry.all()) == 1
    registry.clear()
    assert registry.all() == []


def test_register_checks_its_arguments(lazy_metric):
    with pytest.raises(TypeError, match="queryset must be a queryset or a callable"):
        register(counter(lazy_metric), [1, 2])
    with pytest.raises(TypeError, match="tracker must be a trackstats tracker, got str"):
        register("tracker", Order.objects.all)
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        register(counter(lazy_metric), Order.objects.all, name=" ")


@pytest.mark.django_db
def test_queryset_is_fresh_at_every_run(lazy_metric):
    calls = []

    def source():
        calls.append(1)
        return Order.objects.filter(status="paid")

    by_callable = register(counter(lazy_metric), source)
    first, second = by_callable.queryset(), by_callable.queryset(using="default")
    assert len(calls) == 2
    assert first is not second
    assert second.db == "default"
    assert "paid" in str(first.query)

    shared = Order.objects.all()
    by_queryset = register(counter(lazy_metric, Period.WEEK), shared)
    assert by_queryset.queryset() is not shared

    broken = register(counter(lazy_metric, Period.MONTH), lambda: [])
    with pytest.raises(ImproperlyConfigured, match="must be a queryset or a callable returning"):
        broken.queryset()


WORKER_NAMES = [
    "worker.orders.day",
    "worker.orders.lifetime",
    "worker.quantity.week",
    "worker.orders_per_customer.day",
]


@pytest.fixture
def tasksapp_installed(monkeypatch):
    """tests.tasksapp, which has a stats.py, installed for one test."""
    monkeypatch.delitem(sys.modules, "tests.tasksapp.stats", raising=False)
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.tasksapp"]):
        yield
    sys.modules.pop("tests.tasksapp.stats", None)


def forget_tasksapp_registrations():
    registry.clear()
    sys.modules.pop("tests.tasksapp.stats", None)


@pytest.mark.django_db
@pytest.mark.usefixtures("tasksapp_installed")
def test_apps_ready_autodiscovers_the_registry_module_of_every_app():
    # Installing the app ran AppConfig.ready(), which imported tests/tasksapp/stats.py.
    assert [entry.name for entry in registry] == WORKER_NAMES
    forget_tasksapp_registrations()
    autodiscover()
    assert [entry.name for entry in registry] == WORKER_NAMES


@pytest.mark.django_db
@pytest.mark.usefixtures("tasksapp_installed")
def test_autodiscover_follows_the_setting():
    forget_tasksapp_registrations()
    with override_settings(TRACKSTATS_REGISTRY_MODULE="no_such_module"):
        autodiscover()
    assert len(registry) == 0
    assert "tests.tasksapp.stats" not in sys.modules


def test_module_level_register_uses_the_project_registry(lazy_metric):
    entry = registry_module.register(counter(lazy_metric), Order.objects.all)
    assert registry._entries == [entry]


def test_register_checks_field_names_against_a_queryset_at_once():
    metric = Metric.objects.register(domain=Domain.objects.register(ref="shop"), ref="orders")
    tracker = CountObjectsByDateTracker(period=Period.DAY, metric=metric, date_field="placed")
    with pytest.raises(FieldDoesNotExist, match="placed"):
        TrackerRegistry().register(tracker, Order.objects.all())
