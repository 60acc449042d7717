"""The ready-made decimal statistic models: money and averages without a model of your own."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Avg, Sum
from django.urls import reverse

from tests.factories import customer, here, local_today, make_metric, order, stored
from tests.testapp.models import Order
from trackstats import registry
from trackstats.models import (
    DecimalStatisticByDate,
    DecimalStatisticByDateAndObject,
    Period,
    dimension_fields,
    statistic_key_fields,
)
from trackstats.trackers import ObjectsByDateAndObjectTracker, ObjectsByDateTracker

pytestmark = pytest.mark.django_db

SUGGESTION = (
    "use statistic_model=DecimalStatisticByDate (or DecimalStatisticByDateAndObject by "
    "object), or a model of your own whose value is a DecimalField or FloatField"
)


def test_models_have_the_keys_and_run_indexes_of_the_built_in_models():
    assert statistic_key_fields(DecimalStatisticByDate) == ("date", "metric", "period")
    assert dimension_fields(DecimalStatisticByDateAndObject) == ("object_type", "object_id")
    indexes = {
        model: [(index.name, index.fields) for index in model._meta.indexes]
        for model in (DecimalStatisticByDate, DecimalStatisticByDateAndObject)
    }
    assert indexes == {
        DecimalStatisticByDate: [("trackstats_decbydate_run", ["metric", "period", "date"])],
        DecimalStatisticByDateAndObject: [
            ("trackstats_decbyobject_run", ["metric", "period", "object_type", "date"])
        ],
    }
    for model in (DecimalStatisticByDate, DecimalStatisticByDateAndObject):
        value = model._meta.get_field("value")
        assert (value.max_digits, value.decimal_places, value.null) == (20, 4, True)


def test_record_keeps_four_places_and_refuses_more():
    metric = make_metric("revenue")
    day = datetime.date(2026, 3, 1)
    row = DecimalStatisticByDate.objects.record(metric, Decimal("19.9901"), Period.DAY, date=day)
    assert DecimalStatisticByDate.objects.get(pk=row.pk).value == Decimal("19.9901")
    with pytest.raises(ValidationError, match="4 decimal places"):
        DecimalStatisticByDate.objects.record(metric, Decimal("0.00001"), Period.DAY, date=day)
    # Sixteen digits before the point: sums up to ten quadrillion (exact on the servers;
    # SQLite keeps 15 significant digits).
    big = Decimal("9999999999999999.9999" if connection.vendor != "sqlite" else "99999999999.9999")
    DecimalStatisticByDate.objects.record(metric, big, Period.LIFETIME, date=day)
    assert DecimalStatisticByDate.objects.get(period=Period.LIFETIME).value == big
    with pytest.raises(ValidationError, match="16 digits before the decimal point"):
        DecimalStatisticByDate.objects.record(metric, Decimal(10**16), Period.WEEK, date=day)


def test_sums_of_money_by_date_and_by_object():
    today = local_today()
    ada, bob = customer("ada"), customer("bob")
    for days_ago, who, amount in [(2, ada, "19.99"), (0, ada, "5.01"), (0, bob, "0.10")]:
        order(here(today - datetime.timedelta(days=days_ago)), who, amount=Decimal(amount))

    by_date = ObjectsByDateTracker(
        period=Period.WEEK,
        metric=make_metric("revenue"),
        date_field="created",
        aggr_op=Sum("amount"),
        statistic_model=DecimalStatisticByDate,
        model=Order,
    )
    by_date.track(Order.objects.all())
    assert stored(by_date)[(today,)] == Decimal("25.10")
    start = today - datetime.timedelta(days=2)
    assert by_date.compute(Order.objects.all(), since=start).values == stored(by_date)

    by_object = ObjectsByDateAndObjectTracker(
        period=Period.DAY,
        metric=make_metric("revenue_per_customer"),
        date_field="created",
        aggr_op=Sum("amount"),
        object_model=type(ada),
        object_field="customer",
        statistic_model=DecimalStatisticByDateAndObject,
    )
    by_object.track(Order.objects.all())
    today_rows = DecimalStatisticByDateAndObject.objects.narrow(date=today)
    assert {row.object: row.value for row in today_rows} == {
        ada: Decimal("5.01"),
        bob: Decimal("0.10"),
    }
    assert by_object.compute(Order.objects.all(), since=start).values == stored(by_object)


def test_an_average_keeps_four_places():
    today = local_today()
    ada = customer("ada")
    # Eight orders averaging 0.00125: one place too many for the field.
    for amount in ["0.01"] + ["0.00"] * 7:
        order(here(today), ada, amount=Decimal(amount))
    order(here(today - datetime.timedelta(days=1)), ada, amount=Decimal("-0.01"))
    for _ in range(7):
        order(here(today - datetime.timedelta(days=1)), ada, amount=Decimal("0.00"))
    tracker = ObjectsByDateTracker(
        period=Period.DAY,
        metric=make_metric("basket"),
        date_field="created",
        aggr_op=Avg("amount"),
        statistic_model=DecimalStatisticByDate,
    )
    tracker.track(Order.objects.all())
    values = stored(tracker)
    # Half away from zero: PostgreSQL and MariaDB when they store the exact average,
    # and on SQLite the tracker's ROUND() of its floating-point average.
    assert values == {
        (today,): Decimal("0.0013"),
        (today - datetime.timedelta(days=1),): Decimal("-0.0013"),
    }
    since = today - datetime.timedelta(days=1)
    assert tracker.compute(Order.objects.all(), since=since).values == values


def test_fractional_aggregates_into_an_integer_model_name_the_decimal_models():
    common = {"period": Period.DAY, "metric": make_metric(), "date_field": "created"}
    with pytest.raises(ValueError, match="DecimalStatisticByDate") as average:
        ObjectsByDateTracker(aggr_op=Avg("quantity"), **common)
    assert str(average.value) == (
        "Avg has a fractional result but StatisticByDate.value is an integer field; " + SUGGESTION
    )
    with pytest.raises(ValueError, match="DecimalStatisticByDate") as money:
        ObjectsByDateTracker(aggr_op=Sum("amount"), model=Order, **common)
    assert str(money.value) == (
        "aggr_op Sum('amount') has fractional values but StatisticByDate.value is an "
        "integer field; " + SUGGESTION
    )


def test_registering_a_sum_of_money_into_an_integer_model_says_what_to_use(monkeypatch):
    # A stats.py does this at import time: the error is what the developer sees first.
    monkeypatch.setattr(registry.registry, "_entries", [])
    tracker = ObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created", aggr_op=Sum("amount")
    )
    with pytest.raises(ValueError, match="statistic_model=DecimalStatisticByDate"):
        registry.register(tracker, Order.objects.all())
    fixed = ObjectsByDateTracker(
        period=Period.DAY,
        metric=make_metric(),
        date_field="created",
        aggr_op=Sum("amount"),
        statistic_model=DecimalStatisticByDate,
    )
    assert registry.register(fixed, Order.objects.all()).tracker is fixed


def test_admin_lists_and_charts_the_decimal_models(admin_client):
    metric = make_metric("revenue")
    day = datetime.date(2026, 1, 1)
    DecimalStatisticByDate.objects.record(metric, Decimal("1234.5000"), Period.DAY, date=day)
    ada = customer("ada")
    DecimalStatisticByDateAndObject.objects.record(
        metric, Decimal("0.2500"), Period.DAY, date=day, object=ada
    )
    for model, value in [
        ("decimalstatisticbydate", "1234.5000"),
        ("decimalstatisticbydateandobject", "0.2500"),
    ]:
        changelist = admin_client.get(reverse(f"admin:trackstats_{model}_changelist"))
        assert changelist.status_code == 200
        assert value in changelist.content.decode()
        chart_url = reverse(f"admin:trackstats_{model}_chart")
        assert chart_url == f"/admin/trackstats/{model}/chart/"
        assert chart_url in changelist.content.decode()
    chart = admin_client.get(
        reverse("admin:trackstats_decimalstatisticbydate_chart"),
        {"metric": metric.pk, "from_date": "2026-01-01", "to_date": "2026-01-02", "format": "csv"},
    )
    assert chart.content.decode() == "date,value\n2026-01-01,1234.5000\n2026-01-02,0\n"
