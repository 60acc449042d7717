"""By-object trackers: any primary key type, a fixed object, object ids as canonical text."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum

from tests.factories import UTC, at, customer, make_metric, order, stored
from tests.testapp.models import Customer, Order, Shop, UUIDCustomer
from trackstats import clock
from trackstats.models import Period, StatisticByDateAndObject
from trackstats.object_ids import object_id_of
from trackstats.trackers import (
    CountObjectsByDateAndObjectTracker,
    ObjectsByDateAndObjectTracker,
)

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return clock.today_in(UTC)


def two_objects(model):
    if model is Customer:
        return customer("first"), customer("second")
    if model is UUIDCustomer:
        return UUIDCustomer.objects.create(name="u1"), UUIDCustomer.objects.create(name="u2")
    return Shop.objects.create(code="shop/ä 1", name="s"), Shop.objects.create(code="B-2")


@pytest.mark.parametrize(
    ("object_model", "object_field"),
    [(Customer, "customer"), (UUIDCustomer, "uuid_customer"), (Shop, "shop")],
)
@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK, Period.LIFETIME])
def test_object_ids_of_every_key_type(object_model, object_field, period):
    first, second = two_objects(object_model)
    who = customer()
    for target, count in ((first, 2), (second, 1)):
        for _ in range(count):
            fields = {"customer": who, object_field: target}
            Order.objects.create(created=at(today()), **fields)
    if object_model is not Customer:
        order(at(today()), who)  # no object: not counted for anyone
    tracker = CountObjectsByDateAndObjectTracker(
        period=period,
        metric=make_metric(),
        date_field="created",
        object_model=object_model,
        object_field=object_field,
        tz=UTC,
    )
    tracker.track(Order.objects.all())
    content_type = ContentType.objects.get_for_model(object_model).pk
    assert stored(tracker) == {
        (today(), content_type, object_id_of(first)): 2,
        (today(), content_type, object_id_of(second)): 1,
    }
    rows = StatisticByDateAndObject.objects.narrow(object=first, period=period)
    assert [(row.object, row.value) for row in rows] == [(first, 2)]
    computed = tracker.compute(Order.objects.all())
    assert computed.values == stored(tracker)


def test_fixed_object():
    shop = Shop.objects.create(code="main", name="Main")
    who = customer()
    order(at(today() - datetime.timedelta(days=1)), who, quantity=2)
    order(at(today()), who, quantity=5)
    tracker = ObjectsByDateAndObjectTracker(
        period=Period.LIFETIME,
        metric=make_metric(),
        date_field="created",
        aggr_op=Sum("quantity"),
        object=shop,
        tz=UTC,
    )
    tracker.track(Order.objects.all())
    content_type = ContentType.objects.get_for_model(Shop).pk
    yesterday = today() - datetime.timedelta(days=1)
    assert stored(tracker) == {
        (yesterday, content_type, "main"): 2,
        (today(), content_type, "main"): 7,
    }
    # Another fixed object of the same metric keeps its own rows and start date.
    other = Shop.objects.create(code="other", name="Other")
    other_tracker = ObjectsByDateAndObjectTracker(
        period=Period.LIFETIME,
        metric=tracker.metric,
        date_field="created",
        aggr_op=Sum("quantity"),
        object=other,
        tz=UTC,
    )
    assert other_tracker.start_date(Order.objects.filter(shop=other)) is None
    other_tracker.track(Order.objects.filter(quantity=5))
    assert stored(tracker)[(today(), content_type, "main")] == 7
    assert stored(tracker)[(today(), content_type, "other")] == 5
    assert tracker.start_date(Order.objects.all()) == today()


def test_object_field_across_a_relation():
    from tests.testapp.models import OrderLine

    alice = customer("alice")
    parent = order(at(today()), alice)
    for _ in range(3):
        OrderLine.objects.create(order=parent, product="p")
    tracker = CountObjectsByDateAndObjectTracker(
        period=Period.DAY,
        metric=make_metric(),
        date_field="order__created",
        object_model=Customer,
        object_field="order__customer",
        tz=UTC,
    )
    tracker.track(OrderLine.objects.all())
    content_type = ContentType.objects.get_for_model(Customer).pk
    assert stored(tracker) == {(today(), content_type, str(alice.pk)): 3}
