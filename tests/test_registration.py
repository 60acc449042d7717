"""Lazy registration of domains and metrics, natural keys and fixtures."""

import io
import json

import pytest
from django.core import management

from tests.testapp.models import Customer
from trackstats.models import Domain, Metric, StatisticByDate, StatisticByDateAndObject
from trackstats.periods import Period

pytestmark = pytest.mark.django_db


def test_register_is_lazy_until_first_use(django_assert_num_queries):
    with django_assert_num_queries(0):
        shopping = Domain.objects.register(ref="shopping", name="Shopping")
    assert not Domain.objects.filter(ref="shopping").exists()
    assert shopping.name == "Shopping"
    assert Domain.objects.get(ref="shopping").pk == shopping.pk


def test_register_updates_an_existing_row():
    Domain.objects.create(ref="users", name="Old name")
    users = Domain.objects.register(ref="users", name="Users")
    assert users.pk is not None
    assert Domain.objects.get(ref="users").name == "Users"
    assert Domain.objects.count() == 1


def test_metric_register_accepts_a_lazy_domain():
    domain = Domain.objects.register(ref="twitter", name="Twitter")
    followers = Metric.objects.register(domain=domain, ref="followers_count")
    assert followers.domain.ref == "twitter"
    assert followers.label == "twitter.followers_count"
    again = Metric.objects.register(domain=domain, ref="followers_count", name="Followers")
    assert again.pk == followers.pk
    assert Metric.objects.get(pk=followers.pk).name == "Followers"


def test_class_attribute_registration_as_in_the_0_7_readme():
    Domain.objects.SHOPPING = Domain.objects.register(ref="shopping", name="Shopping")
    Metric.objects.SHOPPING_ORDER_COUNT = Metric.objects.register(
        domain=Domain.objects.SHOPPING, ref="order_count", name="Number of orders sold"
    )
    row = StatisticByDate.objects.record(
        metric=Metric.objects.SHOPPING_ORDER_COUNT, value=3, period=Period.LIFETIME
    )
    assert row.metric.ref == "order_count"
    assert row.metric.domain.ref == "shopping"


def test_clear_cache_recreates_rows_after_they_are_gone():
    domain = Domain.objects.register(ref="cache", name="Cache")
    first_pk = domain.pk
    Domain.objects.all().delete()
    assert domain.pk == first_pk  # still the resolved, now stale, instance
    Domain.objects.clear_cache()
    assert Domain.objects.filter(ref="cache").count() == 0
    assert domain.pk != first_pk
    assert Domain.objects.filter(ref="cache").count() == 1


def test_managers_keep_their_own_lazy_entries():
    # In 0.7 one class-level list was shared by every registering manager.
    domain = Domain.objects.register(ref="own", name="Own")
    Metric.objects.register(domain=domain, ref="m")
    assert Domain.objects._lazy_entries is not Metric.objects._lazy_entries
    assert domain in Domain.objects._lazy_entries
    assert domain not in Metric.objects._lazy_entries


@pytest.mark.parametrize("ref", ["", "   ", None, 3])
def test_register_refuses_a_bad_ref(ref):
    with pytest.raises(ValueError, match="ref"):
        Domain.objects.register(ref=ref)


def test_metric_register_needs_a_domain():
    with pytest.raises(ValueError, match="domain"):
        Metric.objects.register(domain=None, ref="x")


def test_natural_keys():
    domain = Domain.objects.create(ref="shop")
    metric = Metric.objects.create(domain=domain, ref="orders")
    assert metric.natural_key() == ("shop", "orders")
    assert Metric.objects.get_by_natural_key("shop", "orders") == metric
    assert Domain.objects.get_by_natural_key("shop") == domain


def test_get_by_label():
    domain = Domain.objects.create(ref="shop.eu")
    metric = Metric.objects.create(domain=domain, ref="orders")
    assert Metric.objects.get_by_label("shop.eu.orders") == metric
    with pytest.raises(Metric.DoesNotExist):
        Metric.objects.get_by_label("orders")


def test_dumpdata_loaddata_round_trip_with_natural_keys(tmp_path):
    """0.7's Metric.natural_key named a missing field, so this crashed there."""
    domain = Domain.objects.create(ref="shop", name="Shop")
    metric = Metric.objects.create(domain=domain, ref="orders", name="Orders")
    customer = Customer.objects.create(name="Ann", joined="2024-01-01T00:00:00Z")
    StatisticByDate.objects.record(metric=metric, value=7, period=Period.DAY, date=_d(1))
    StatisticByDateAndObject.objects.record(
        metric=metric, value=2, period=Period.WEEK, date=_d(2), object=customer
    )
    out = io.StringIO()
    management.call_command(
        "dumpdata",
        "trackstats",
        natural_foreign=True,
        natural_primary=True,
        indent=1,
        stdout=out,
    )
    payload = out.getvalue()
    records = json.loads(payload)
    assert {r["model"] for r in records} == {
        "trackstats.domain",
        "trackstats.metric",
        "trackstats.statisticbydate",
        "trackstats.statisticbydateandobject",
    }
    metric_record = next(r for r in records if r["model"] == "trackstats.metric")
    assert metric_record["fields"]["domain"] == ["shop"]
    assert "pk" not in metric_record

    StatisticByDate.objects.all().delete()
    StatisticByDateAndObject.objects.all().delete()
    Metric.objects.all().delete()
    Domain.objects.all().delete()

    fixture = tmp_path / "stats.json"
    fixture.write_text(payload)
    management.call_command("loaddata", str(fixture), verbosity=0)
    metric = Metric.objects.get_by_natural_key("shop", "orders")
    assert metric.name == "Orders"
    assert StatisticByDate.objects.get(metric=metric).value == 7
    by_object = StatisticByDateAndObject.objects.get(metric=metric)
    assert by_object.object == customer
    assert (by_object.value, by_object.period, by_object.date) == (2, Period.WEEK, _d(2))


def _d(day):
    import datetime

    return datetime.date(2024, 3, day)
