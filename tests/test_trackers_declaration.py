"""Mistakes in a tracker's declaration raise when it is built, with a clear message."""

import zoneinfo

import pytest
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Avg, Count, F, StdDev, Sum
from django.db.models.functions import Upper
from django.test.utils import isolate_apps

from tests.factories import make_metric
from tests.testapp.models import (
    AverageStatistic,
    Customer,
    Order,
    OrderLine,
    RevenueStatistic,
    StatisticByCountry,
)
from trackstats.models import (
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)
from trackstats.trackers import (
    CountObjectsByDateAndObjectTracker,
    CountObjectsByDateTracker,
    ObjectsByDateAndObjectTracker,
    ObjectsByDateTracker,
)

pytestmark = pytest.mark.django_db


def by_date(**overrides):
    kwargs = {
        "period": Period.DAY,
        "metric": make_metric(),
        "date_field": "created",
        "aggr_op": Count("id"),
    }
    kwargs.update(overrides)
    return ObjectsByDateTracker(**kwargs)


def by_object(**overrides):
    kwargs = {
        "period": Period.DAY,
        "metric": make_metric(),
        "date_field": "created",
        "object_model": Customer,
        "object_field": "customer",
    }
    kwargs.update(overrides)
    return CountObjectsByDateAndObjectTracker(**kwargs)


@pytest.mark.parametrize(
    ("period", "error"),
    [(None, TypeError), (3600, ValueError), (-86400, ValueError), ("day", TypeError)],
)
def test_bad_period(period, error):
    with pytest.raises(error, match="period"):
        by_date(period=period)


@pytest.mark.parametrize("period", [*Period.values, 10 * 86400])
def test_every_period_is_accepted(period):
    assert by_date(period=period).period == period


def test_metric_is_required_and_checked():
    with pytest.raises(TypeError, match="metric"):
        by_date(metric=None)
    with pytest.raises(TypeError, match="metric"):
        by_date(metric="shop.orders")


def test_lazy_metric_is_resolved_on_use_only():
    domain = Domain.objects.register("lazy")
    metric = Metric.objects.register(domain, "orders")
    tracker = by_date(metric=metric)
    assert not Metric.objects.filter(domain__ref="lazy").exists()
    assert tracker.metric == Metric.objects.get(domain__ref="lazy", ref="orders")


@pytest.mark.parametrize(
    ("aggr_op", "error", "match"),
    [
        (None, TypeError, "aggr_op"),
        ("count", TypeError, "aggregate"),
        (F("amount"), TypeError, "aggregate"),
        (models.Func(F("amount"), function="ABS"), TypeError, "aggregate"),
    ],
)
def test_aggr_op_must_be_an_aggregate(aggr_op, error, match):
    with pytest.raises(error, match=match):
        by_date(aggr_op=aggr_op)


def test_fractional_aggregate_needs_a_fractional_value_field():
    with pytest.raises(ValueError, match="integer field"):
        by_date(aggr_op=Avg("quantity"))
    with pytest.raises(ValueError, match="integer field"):
        by_date(aggr_op=StdDev("quantity"))
    assert by_date(aggr_op=Avg("quantity"), statistic_model=AverageStatistic)
    assert by_date(aggr_op=Avg("amount"), statistic_model=RevenueStatistic)


def test_sum_of_a_decimal_field_needs_a_fractional_value_field():
    with pytest.raises(ValueError, match="fractional"):
        by_date(aggr_op=Sum("amount"), model=Order)
    tracker = by_date(aggr_op=Sum("amount"))
    with pytest.raises(ValueError, match="fractional"):
        tracker.track(Order.objects.all())
    assert by_date(aggr_op=Sum("amount"), statistic_model=RevenueStatistic, model=Order)


def test_expression_arguments_are_typed_by_the_orm():
    with pytest.raises(ValueError, match="fractional"):
        by_date(aggr_op=Sum(F("amount") * F("quantity")), model=Order)
    with pytest.raises(TypeError, match="numeric"):
        by_date(aggr_op=Sum(Upper("status")), model=Order)
    assert by_date(aggr_op=Sum(F("quantity") * 2), model=Order)


def test_pk_is_a_field_name_in_paths():
    assert by_date(aggr_op=Count("pk"), model=Order)
    assert by_date(aggr_op=Count("customer__pk", distinct=True), model=Order)


def test_count_trackers_count_rows_by_default_and_only_count():
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=make_metric(), date_field="created"
    )
    assert isinstance(tracker.aggr_op, Count)
    with pytest.raises(TypeError, match="Count"):
        CountObjectsByDateTracker(
            period=Period.DAY, metric=make_metric(), date_field="created", aggr_op=Sum("id")
        )


def test_unknown_fields_raise_at_construction_with_model():
    with pytest.raises(FieldDoesNotExist, match="date_field 'nope'"):
        by_date(date_field="nope", model=Order)
    with pytest.raises(FieldDoesNotExist, match="Customer has no field 'nope'"):
        by_date(date_field="customer__nope", model=Order)
    with pytest.raises(FieldDoesNotExist, match="aggr_op"):
        by_date(aggr_op=Count("nope"), model=Order)
    with pytest.raises(TypeError, match="DateTimeField or DateField"):
        by_date(date_field="quantity", model=Order)
    with pytest.raises(FieldDoesNotExist, match="not a relation"):
        by_date(date_field="quantity__created", model=Order)


def test_unknown_fields_raise_before_a_run_touches_the_database(django_assert_num_queries):
    tracker = by_date(date_field="nope")
    with django_assert_num_queries(0), pytest.raises(FieldDoesNotExist):
        tracker.track(Order.objects.all())
    with pytest.raises(TypeError, match="declared for Order"):
        by_date(model=Order).track(OrderLine.objects.all())


def test_object_arguments():
    with pytest.raises(TypeError, match="got neither"):
        by_object(object_model=None, object_field=None)
    customer = Customer.objects.create(name="c", joined="2024-01-01T00:00Z")
    with pytest.raises(TypeError, match="not both"):
        by_object(object=customer)
    with pytest.raises(TypeError, match="object_model"):
        by_object(object_model="Customer")
    with pytest.raises(ValueError, match="unsaved"):
        by_object(object_model=None, object_field=None, object=Customer(name="x"))
    assert by_object(object_model=None, object_field=None, object=customer)


def test_object_field_must_be_a_foreign_key_to_object_model():
    with pytest.raises(TypeError, match="ForeignKey"):
        by_object(object_field="quantity", model=Order)
    with pytest.raises(ValueError, match="points to Customer"):
        by_object(object_model=Order, model=Order)
    with pytest.raises(FieldDoesNotExist, match="object_field"):
        by_object(object_field="nope", model=Order)
    assert by_object(object_field="order__customer", date_field="order__created", model=OrderLine)


def test_statistic_model_must_fit_the_tracker():
    with pytest.raises(ValueError, match="without object_type"):
        by_date(statistic_model=StatisticByDateAndObject)
    with pytest.raises(ValueError, match="with object_type"):
        by_object(statistic_model=StatisticByDate)
    with pytest.raises(TypeError, match="statistic_model"):
        by_date(statistic_model=Order)


@isolate_apps("tests.testapp")
def test_statistic_model_without_unique_key():
    # Isolated: a model left in the app registry would fail every later system check.
    from trackstats.models import AbstractStatistic

    class KeylessStatistic(AbstractStatistic):
        class Meta:
            app_label = "testapp"

    with pytest.raises(ImproperlyConfigured, match="unique constraint"):
        by_date(statistic_model=KeylessStatistic)


def test_dimensions_must_match_the_models_key():
    with pytest.raises(ValueError, match="country"):
        by_date(statistic_model=StatisticByCountry)
    with pytest.raises(ValueError, match="not key fields"):
        by_date(dimensions={"colour": "status"})
    with pytest.raises(FieldDoesNotExist, match="dimensions"):
        by_date(statistic_model=StatisticByCountry, dimensions={"country": "nope"}, model=Order)
    assert by_date(statistic_model=StatisticByCountry, dimensions={"country": "country"})


def test_other_arguments():
    with pytest.raises(TypeError, match="unexpected keyword"):
        by_date(timezone="UTC")
    with pytest.raises(TypeError, match="tz"):
        by_date(tz="Europe/Amsterdam")
    with pytest.raises(TypeError, match="date_field"):
        by_date(date_field=None)
    with pytest.raises(TypeError, match="sliced"):
        by_date().track(Order.objects.all()[:3])
    assert by_date(tz=zoneinfo.ZoneInfo("Asia/Kolkata")).tz.key == "Asia/Kolkata"


def test_subclass_attributes_are_defaults():
    metric = make_metric("sub")

    class OrdersPerDay(CountObjectsByDateTracker):
        period = Period.WEEK
        date_field = "created"

    OrdersPerDay.metric = metric  # set after the class body, too
    tracker = OrdersPerDay(metric=metric)
    assert (tracker.period, tracker.metric, tracker.date_field) == (Period.WEEK, metric, "created")

    class Declared(ObjectsByDateAndObjectTracker):
        period = Period.DAY
        date_field = "created"
        object_model = Customer
        object_field = "customer"
        aggr_op = Count("id")

    assert Declared(metric=metric).object_field == "customer"
