"""narrow() and most_recent()."""

import datetime
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType

from tests.testapp.models import BigCustomer, Customer, Shop, UUIDCustomer
from trackstats.models import Domain, Metric, StatisticByDate, StatisticByDateAndObject
from trackstats.periods import Period

pytestmark = pytest.mark.django_db

JOINED = "2024-01-01T00:00:00Z"


def day(n):
    return datetime.date(2024, 6, n)


@pytest.fixture
def metrics():
    domain = Domain.objects.create(ref="shop")
    return (
        Metric.objects.create(domain=domain, ref="orders"),
        Metric.objects.create(domain=domain, ref="revenue"),
    )


@pytest.fixture
def by_date(metrics):
    orders, revenue = metrics
    for n in (1, 2, 3, 10):
        StatisticByDate.objects.record(metric=orders, value=n, period=Period.DAY, date=day(n))
        StatisticByDate.objects.record(
            metric=orders, value=100 + n, period=Period.LIFETIME, date=day(n)
        )
    StatisticByDate.objects.record(metric=revenue, value=9, period=Period.DAY, date=day(5))
    return metrics


def values(qs):
    return sorted(qs.values_list("value", flat=True))


def test_narrow_by_metric_and_metrics(by_date):
    orders, revenue = by_date
    assert values(StatisticByDate.objects.narrow(metric=orders, period=Period.DAY)) == [
        1,
        2,
        3,
        10,
    ]
    both = StatisticByDate.objects.narrow(metrics=[orders, revenue], period=Period.DAY)
    assert values(both) == [1, 2, 3, 9, 10]
    as_queryset = StatisticByDate.objects.narrow(
        metrics=Metric.objects.filter(ref="revenue"), period=Period.DAY
    )
    assert values(as_queryset) == [9]


def test_narrow_lifetime_filters(by_date):
    """0.7 skipped the filter because LIFETIME is 0."""
    orders, _ = by_date
    lifetime = StatisticByDate.objects.narrow(metric=orders, period=Period.LIFETIME)
    assert values(lifetime) == [101, 102, 103, 110]


def test_most_recent_lifetime(by_date):
    orders, _ = by_date
    assert StatisticByDate.objects.most_recent(metric=orders, period=Period.LIFETIME).value == 110
    assert StatisticByDate.objects.most_recent(metric=orders, period=Period.DAY).value == 10
    assert (
        StatisticByDate.objects.most_recent(metric=orders, period=Period.DAY, to_date=day(3)).value
        == 3
    )
    assert StatisticByDate.objects.most_recent(metric=orders, period=Period.WEEK) is None


def test_narrow_dates_are_inclusive(by_date):
    orders, _ = by_date
    qs = StatisticByDate.objects.narrow(
        metric=orders, period=Period.DAY, from_date=day(2), to_date=day(10)
    )
    assert values(qs) == [2, 3, 10]
    assert values(StatisticByDate.objects.narrow(period=Period.DAY, date=day(5))) == [9]


def test_narrow_composes_with_querysets(by_date):
    orders, _ = by_date
    qs = StatisticByDate.objects.filter(value__gt=2).narrow(metric=orders, period=Period.DAY)
    assert values(qs) == [3, 10]


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"metric": "orders"}, TypeError, "metric"),
        ({"period": 5}, ValueError, "period"),
        ({"from_date": "2024-01-01"}, TypeError, "from_date"),
        ({"object_type": Customer}, TypeError, "object"),
    ],
)
def test_narrow_refuses_bad_arguments(by_date, kwargs, error, argument):
    with pytest.raises(error, match=argument):
        StatisticByDate.objects.narrow(**kwargs)


def test_narrow_refuses_metric_and_metrics(by_date):
    orders, revenue = by_date
    with pytest.raises(TypeError, match="metrics"):
        StatisticByDate.objects.narrow(metric=orders, metrics=[revenue])


# --------------------------------------------------------------------------- objects
@pytest.fixture
def objects(metrics):
    orders, _ = metrics
    made = {
        "int": [Customer.objects.create(name=f"c{i}", joined=JOINED) for i in range(3)],
        "big": [BigCustomer.objects.create(id=2**40 + i, name=f"b{i}") for i in range(3)],
        "uuid": [UUIDCustomer.objects.create(id=uuid.uuid4(), name=f"u{i}") for i in range(3)],
        "str": [Shop.objects.create(code=f"shop {i}", name=f"s{i}") for i in range(3)],
    }
    for group in made.values():
        for value, obj in enumerate(group, start=1):
            StatisticByDateAndObject.objects.record(
                metric=orders, value=value, period=Period.DAY, date=day(1), object=obj
            )
    return made


@pytest.mark.parametrize("kind", ["int", "big", "uuid", "str"])
def test_narrow_objects_list_and_queryset_for_every_pk_type(objects, kind):
    group = objects[kind]
    model = type(group[0])
    chosen = group[:2]
    by_list = StatisticByDateAndObject.objects.narrow(objects=chosen)
    assert values(by_list) == [1, 2]
    pks = [o.pk for o in chosen]
    by_queryset = StatisticByDateAndObject.objects.narrow(objects=model.objects.filter(pk__in=pks))
    assert values(by_queryset) == [1, 2]
    one = StatisticByDateAndObject.objects.narrow(object=group[2])
    assert values(one) == [3]
    assert one.get().object == group[2]
    typed = StatisticByDateAndObject.objects.narrow(object_type=model)
    assert values(typed) == [1, 2, 3]
    typed_ct = StatisticByDateAndObject.objects.narrow(
        object_type=ContentType.objects.get_for_model(model)
    )
    assert values(typed_ct) == [1, 2, 3]


def test_narrow_objects_of_mixed_models(objects):
    mixed = [objects["int"][0], objects["uuid"][1], objects["str"][2]]
    assert values(StatisticByDateAndObject.objects.narrow(objects=mixed)) == [1, 2, 3]


def test_narrow_objects_empty_selects_nothing(objects):
    assert not StatisticByDateAndObject.objects.narrow(objects=[]).exists()
    assert not StatisticByDateAndObject.objects.narrow(objects=Customer.objects.none()).exists()


def test_narrow_object_and_objects_are_exclusive(objects):
    with pytest.raises(TypeError, match="objects"):
        StatisticByDateAndObject.objects.narrow(
            object=objects["int"][0], objects=objects["int"][1:]
        )


def test_narrow_unsaved_object_is_refused(objects):
    with pytest.raises(ValueError, match="unsaved"):
        StatisticByDateAndObject.objects.narrow(object=Customer(name="new"))
