"""Gap-filled reads: series(), series_by_object() and to_dataframe()."""

import datetime
import math
import sys
import uuid
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from tests.testapp.models import (
    Customer,
    RevenueStatistic,
    StatisticByCountry,
    UUIDCustomer,
)
from trackstats.models import (
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def metric():
    domain = Domain.objects.create(ref="shop")
    return Metric.objects.create(domain=domain, ref="orders")


@pytest.fixture
def other_metric(metric):
    return Metric.objects.create(domain=metric.domain, ref="refunds")


def joined():
    return datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def test_series_fills_missing_dates_and_keeps_null(metric):
    record = StatisticByDate.objects.record
    record(metric, 5, Period.DAY, date=D(2024, 3, 2))
    record(metric, None, Period.DAY, date=D(2024, 3, 4))
    record(metric, 9, Period.DAY, date=D(2024, 3, 9))  # outside the range
    record(metric, 7, Period.WEEK, date=D(2024, 3, 3))  # another period

    series = StatisticByDate.objects.narrow(metric=metric, period=Period.DAY).series(
        D(2024, 3, 1), D(2024, 3, 5)
    )

    assert series == [
        (D(2024, 3, 1), 0),
        (D(2024, 3, 2), 5),
        (D(2024, 3, 3), 0),
        (D(2024, 3, 4), None),
        (D(2024, 3, 5), 0),
    ]


def test_series_custom_fill_and_single_day(metric):
    StatisticByDate.objects.record(metric, 3, Period.LIFETIME, date=D(2024, 2, 29))
    qs = StatisticByDate.objects.narrow(metric=metric, period=Period.LIFETIME)

    assert qs.series(D(2024, 2, 28), D(2024, 3, 1), fill=None) == [
        (D(2024, 2, 28), None),
        (D(2024, 2, 29), 3),
        (D(2024, 3, 1), None),
    ]
    assert qs.series(D(2024, 2, 29), D(2024, 2, 29)) == [(D(2024, 2, 29), 3)]


def test_series_refuses_ambiguous_querysets(metric, other_metric):
    StatisticByDate.objects.record(metric, 1, Period.DAY, date=D(2024, 1, 1))
    StatisticByDate.objects.record(other_metric, 2, Period.DAY, date=D(2024, 1, 1))

    with pytest.raises(ValueError, match=r"several statistics for 2024-01-01.*one metric"):
        StatisticByDate.objects.narrow(period=Period.DAY).series(D(2024, 1, 1), D(2024, 1, 2))


def test_series_checks_its_range(metric):
    qs = StatisticByDate.objects.narrow(metric=metric)
    with pytest.raises(ValueError, match="from_date 2024-01-02 is after to_date 2024-01-01"):
        qs.series(D(2024, 1, 2), D(2024, 1, 1))
    with pytest.raises(TypeError, match=r"to_date must be a datetime\.date"):
        qs.series(D(2024, 1, 1), datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc))
    with pytest.raises(TypeError, match=r"from_date must be a datetime\.date"):
        qs.series("2024-01-01", D(2024, 1, 2))


def test_series_of_decimal_values(metric):
    RevenueStatistic.objects.record(metric, Decimal("12.50"), Period.DAY, date=D(2024, 1, 2))
    series = RevenueStatistic.objects.narrow(metric=metric).series(
        D(2024, 1, 1), D(2024, 1, 2), fill=Decimal("0.00")
    )
    assert series == [(D(2024, 1, 1), Decimal("0.00")), (D(2024, 1, 2), Decimal("12.50"))]


def test_series_by_object_keys_by_object_id(metric):
    alice = Customer.objects.create(name="alice", joined=joined())
    bob = Customer.objects.create(name="bob", joined=joined())
    record = StatisticByDateAndObject.objects.record
    record(metric, 4, Period.DAY, date=D(2024, 5, 1), object=alice)
    record(metric, 6, Period.DAY, date=D(2024, 5, 3), object=alice)
    record(metric, 1, Period.DAY, date=D(2024, 5, 2), object=bob)

    result = StatisticByDateAndObject.objects.narrow(metric=metric).series_by_object(
        D(2024, 5, 1), D(2024, 5, 3)
    )

    assert list(result) == sorted([str(alice.pk), str(bob.pk)])
    assert result[str(alice.pk)] == [(D(2024, 5, 1), 4), (D(2024, 5, 2), 0), (D(2024, 5, 3), 6)]
    assert result[str(bob.pk)] == [(D(2024, 5, 1), 0), (D(2024, 5, 2), 1), (D(2024, 5, 3), 0)]


def test_series_by_object_for_given_objects_includes_empty_ones(metric):
    first = UUIDCustomer.objects.create(id=uuid.UUID(int=7), name="first")
    second = UUIDCustomer.objects.create(name="second")
    outsider = Customer.objects.create(name="outsider", joined=joined())
    record = StatisticByDateAndObject.objects.record
    record(metric, 2, Period.DAY, date=D(2024, 5, 2), object=first)
    record(metric, None, Period.DAY, date=D(2024, 5, 1), object=first)
    record(metric, 8, Period.DAY, date=D(2024, 5, 2), object=outsider)

    qs = StatisticByDateAndObject.objects.narrow(metric=metric)
    result = qs.series_by_object(
        D(2024, 5, 1), D(2024, 5, 2), fill=-1, objects=UUIDCustomer.objects.order_by("name")
    )

    assert list(result) == [first, second]
    assert result[first] == [(D(2024, 5, 1), None), (D(2024, 5, 2), 2)]
    assert result[second] == [(D(2024, 5, 1), -1), (D(2024, 5, 2), -1)]


def test_series_by_object_refuses_mixed_object_types(metric):
    customer = Customer.objects.create(name="c", joined=joined())
    uuid_customer = UUIDCustomer.objects.create(name="u")
    record = StatisticByDateAndObject.objects.record
    record(metric, 1, Period.DAY, date=D(2024, 1, 1), object=customer)
    record(metric, 1, Period.DAY, date=D(2024, 1, 1), object=uuid_customer)
    qs = StatisticByDateAndObject.objects.narrow(metric=metric)

    with pytest.raises(ValueError, match="objects of several types"):
        qs.series_by_object(D(2024, 1, 1), D(2024, 1, 1))
    narrowed = qs.narrow(object_type=Customer).series_by_object(D(2024, 1, 1), D(2024, 1, 1))
    assert narrowed == {str(customer.pk): [(D(2024, 1, 1), 1)]}


def test_series_by_object_needs_a_by_object_model(metric):
    with pytest.raises(TypeError, match="StatisticByDate has no object"):
        StatisticByDate.objects.series_by_object(D(2024, 1, 1), D(2024, 1, 2))


def test_to_dataframe_is_long_and_gap_filled(metric, other_metric):
    record = StatisticByDate.objects.record
    record(metric, 5, Period.DAY, date=D(2024, 3, 2))
    record(metric, None, Period.DAY, date=D(2024, 3, 3))
    record(other_metric, 1, Period.WEEK, date=D(2024, 3, 1))
    record(metric, 100, Period.DAY, date=D(2024, 4, 1))  # outside the range

    frame = StatisticByDate.objects.all().to_dataframe(D(2024, 3, 1), D(2024, 3, 3))

    assert list(frame.columns) == ["date", "metric", "period", "value"]
    assert str(frame["date"].dtype).startswith("datetime64")
    rows = [
        (row.date.date(), row.metric, row.period, None if _missing(row.value) else row.value)
        for row in frame.itertuples()
    ]
    assert rows == [
        (D(2024, 3, 1), "shop.orders", "day", 0),
        (D(2024, 3, 2), "shop.orders", "day", 5),
        (D(2024, 3, 3), "shop.orders", "day", None),
        (D(2024, 3, 1), "shop.refunds", "week", 1),
        (D(2024, 3, 2), "shop.refunds", "week", 0),
        (D(2024, 3, 3), "shop.refunds", "week", 0),
    ]


def test_to_dataframe_without_range_lists_stored_rows_only(metric):
    customer = Customer.objects.create(name="c", joined=joined())
    StatisticByDateAndObject.objects.record(metric, 3, Period.DAY, D(2024, 1, 5), customer)
    StatisticByDateAndObject.objects.record(metric, 4, Period.DAY, D(2024, 1, 9), customer)

    frame = StatisticByDateAndObject.objects.to_dataframe(from_date=D(2024, 1, 6))

    assert list(frame.columns) == [
        "date",
        "metric",
        "period",
        "object_type",
        "object_id",
        "value",
    ]
    assert frame.to_dict("records") == [
        {
            "date": frame["date"].iloc[0],
            "metric": "shop.orders",
            "period": "day",
            "object_type": "testapp.customer",
            "object_id": str(customer.pk),
            "value": 4,
        }
    ]
    assert frame["date"].iloc[0].date() == D(2024, 1, 9)


def test_to_dataframe_has_custom_dimension_columns(metric):
    StatisticByCountry.objects.record(metric, 2, Period.DAY, D(2024, 1, 1), country="NL")
    StatisticByCountry.objects.record(metric, 3, Period.DAY, D(2024, 1, 2), country="DE")

    frame = StatisticByCountry.objects.to_dataframe(D(2024, 1, 1), D(2024, 1, 2), fill=0)

    assert list(frame.columns) == ["date", "metric", "period", "country", "value"]
    assert [(r.country, r.date.day, r.value) for r in frame.itertuples()] == [
        ("DE", 1, 0),
        ("DE", 2, 3),
        ("NL", 1, 2),
        ("NL", 2, 0),
    ]


def test_to_dataframe_of_nothing_has_the_columns(metric):
    frame = StatisticByDate.objects.none().to_dataframe(D(2024, 1, 1), D(2024, 1, 3))
    assert list(frame.columns) == ["date", "metric", "period", "value"]
    assert frame.empty


def test_to_dataframe_explains_missing_pandas(metric, monkeypatch):
    # A None entry in sys.modules makes `import pandas` fail as if it were not installed.
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"needs pandas.*django-trackstats\[pandas\]"):
        StatisticByDate.objects.to_dataframe()


def test_series_module_does_not_import_pandas():
    import subprocess

    code = (
        "import os, sys, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings'; "
        "django.setup(); import trackstats.series, trackstats.querysets; "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_content_types_come_from_the_statistics_database(metric):
    # series_by_object(objects=...) matches rows by content type and canonical id.
    customer = Customer.objects.create(name="c", joined=joined())
    content_type = ContentType.objects.get_for_model(Customer)
    StatisticByDateAndObject.objects.create(
        metric=metric,
        period=Period.DAY,
        date=D(2024, 1, 1),
        object_type=content_type,
        object_id=str(customer.pk),
        value=11,
    )
    result = StatisticByDateAndObject.objects.series_by_object(
        D(2024, 1, 1), D(2024, 1, 1), objects=[customer]
    )
    assert result == {customer: [(D(2024, 1, 1), 11)]}


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))
