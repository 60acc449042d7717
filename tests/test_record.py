"""record(): one row per key, clear errors for bad input, nothing written on error."""

import datetime
import decimal
import uuid
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.testapp.models import (
    AverageStatistic,
    BigCustomer,
    Customer,
    RevenueStatistic,
    Shop,
    StatisticByCountry,
    UUIDCustomer,
)
from trackstats.models import Domain, Metric, StatisticByDate, StatisticByDateAndObject
from trackstats.periods import Period

pytestmark = pytest.mark.django_db

D = datetime.date(2024, 5, 17)


@pytest.fixture
def metric():
    domain = Domain.objects.create(ref="shop")
    return Metric.objects.create(domain=domain, ref="orders")


def test_record_creates_then_updates_one_row(metric):
    first = StatisticByDate.objects.record(metric=metric, value=3, period=Period.DAY, date=D)
    second = StatisticByDate.objects.record(metric=metric, value=5, period=Period.DAY, date=D)
    assert first.pk == second.pk
    assert second.value == 5
    assert StatisticByDate.objects.get().value == 5


def test_record_keeps_periods_and_dates_apart(metric):
    for period in (Period.DAY, Period.WEEK, Period.LIFETIME, 3 * Period.DAY):
        StatisticByDate.objects.record(metric=metric, value=period, period=period, date=D)
    StatisticByDate.objects.record(
        metric=metric, value=1, period=Period.DAY, date=D.replace(day=18)
    )
    assert StatisticByDate.objects.count() == 5
    assert StatisticByDate.objects.get(period=3 * Period.DAY).value == 3 * Period.DAY


def test_record_stores_null_as_no_data(metric):
    row = StatisticByDate.objects.record(metric=metric, value=None, period=Period.DAY, date=D)
    assert row.value is None


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_record_defaults_to_the_local_date(metric, zone):
    """0.7 used the server's date.today(); ours follows the current time zone."""
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        expected = timezone.localdate()
        row = StatisticByDate.objects.record(metric=metric, value=1, period=Period.DAY)
    assert row.date == expected
    assert row.date == timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()


def test_record_accepts_a_lazy_metric():
    domain = Domain.objects.register(ref="lazy")
    lazy = Metric.objects.register(domain=domain, ref="count")
    row = StatisticByDate.objects.record(metric=lazy, value=1, period=Period.DAY, date=D)
    assert row.metric_id == lazy.pk


@pytest.mark.parametrize(
    ("model", "pk_kwargs"),
    [
        (Customer, {"joined": "2024-01-01T00:00:00Z"}),
        (BigCustomer, {"id": 2**40}),
        (UUIDCustomer, {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")}),
        (Shop, {"code": "ams-01 centraal"}),
    ],
)
def test_record_by_object_with_any_primary_key(metric, model, pk_kwargs):
    obj = model.objects.create(name="x", **pk_kwargs)
    row = StatisticByDateAndObject.objects.record(
        metric=metric, value=4, period=Period.DAY, date=D, object=obj
    )
    row.refresh_from_db()
    assert row.object == obj
    assert row.object_id == str(obj.pk)
    again = StatisticByDateAndObject.objects.record(
        metric=metric, value=6, period=Period.DAY, date=D, object=obj
    )
    assert again.pk == row.pk
    assert StatisticByDateAndObject.objects.get().value == 6


def test_record_with_an_extra_dimension(metric):
    nl = StatisticByCountry.objects.record(
        metric=metric, value=1, period=Period.DAY, date=D, country="NL"
    )
    StatisticByCountry.objects.record(
        metric=metric, value=2, period=Period.DAY, date=D, country="BE"
    )
    StatisticByCountry.objects.record(
        metric=metric, value=3, period=Period.DAY, date=D, country="NL"
    )
    assert StatisticByCountry.objects.count() == 2
    nl.refresh_from_db()
    assert nl.value == 3


def test_record_decimal_and_float_values(metric):
    money = RevenueStatistic.objects.record(
        metric=metric, value=decimal.Decimal("12.34"), period=Period.DAY, date=D
    )
    assert money.value == decimal.Decimal("12.34")
    average = AverageStatistic.objects.record(metric=metric, value=2.5, period=Period.WEEK, date=D)
    assert average.value == pytest.approx(2.5)


@pytest.mark.parametrize("value", [2.0, decimal.Decimal("7.00"), 2**62])
def test_integral_numbers_fit_an_integer_value(metric, value):
    row = StatisticByDate.objects.record(metric=metric, value=value, period=Period.DAY, date=D)
    assert row.value == int(value)


# --------------------------------------------------------------------------- bad input
def _bad(metric):
    base = {"metric": metric, "value": 1, "period": Period.DAY, "date": D}
    return base


@pytest.mark.parametrize(
    ("change", "error", "argument"),
    [
        ({"value": "lots"}, ValidationError, "value"),
        ({"value": 1.5}, ValidationError, "value"),
        ({"value": decimal.Decimal("0.1")}, ValidationError, "value"),
        ({"value": True}, ValidationError, "value"),
        ({"value": float("nan")}, ValidationError, "value"),
        ({"value": decimal.Decimal("Infinity")}, ValidationError, "value"),
        ({"value": 2**63}, ValidationError, "value"),
        ({"period": 3600}, ValueError, "period"),
        ({"period": -Period.DAY}, ValueError, "period"),
        ({"period": "day"}, TypeError, "period"),
        ({"period": None}, TypeError, "period"),
        ({"date": "2024-05-17"}, TypeError, "date"),
        (
            {"date": datetime.datetime(2024, 5, 17, tzinfo=datetime.timezone.utc)},
            TypeError,
            "date",
        ),
        ({"metric": None}, TypeError, "metric"),
        ({"metric": "shop.orders"}, TypeError, "metric"),
        ({"object": object()}, TypeError, "object"),
        ({"country": "NL"}, TypeError, "dimension"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(metric, change, error, argument):
    kwargs = {**_bad(metric), **change}
    with pytest.raises(error, match=argument):
        StatisticByDate.objects.record(**kwargs)
    assert not StatisticByDate.objects.exists()


def test_unsaved_metric_is_refused(metric):
    unsaved = Metric(domain=metric.domain, ref="new")
    with pytest.raises(ValueError, match="metric"):
        StatisticByDate.objects.record(metric=unsaved, value=1, period=Period.DAY, date=D)
    assert not StatisticByDate.objects.exists()


def test_by_object_needs_a_saved_object(metric):
    with pytest.raises(TypeError, match="object"):
        StatisticByDateAndObject.objects.record(metric=metric, value=1, period=Period.DAY, date=D)
    with pytest.raises(ValueError, match="unsaved"):
        StatisticByDateAndObject.objects.record(
            metric=metric, value=1, period=Period.DAY, date=D, object=Customer(name="new")
        )
    assert not StatisticByDateAndObject.objects.exists()


def test_custom_dimension_is_required_and_validated(metric):
    with pytest.raises(TypeError, match="country"):
        StatisticByCountry.objects.record(metric=metric, value=1, period=Period.DAY, date=D)
    with pytest.raises(ValidationError, match="country"):
        StatisticByCountry.objects.record(
            metric=metric, value=1, period=Period.DAY, date=D, country="NLD"
        )
    assert not StatisticByCountry.objects.exists()


def test_decimal_value_out_of_range_is_refused(metric):
    with pytest.raises(ValidationError, match="value"):
        RevenueStatistic.objects.record(
            metric=metric, value=decimal.Decimal("1.234"), period=Period.DAY, date=D
        )
    with pytest.raises(ValidationError, match="value"):
        RevenueStatistic.objects.record(metric=metric, value="lots", period=Period.DAY, date=D)
    assert not RevenueStatistic.objects.exists()


def test_record_default_date_without_time_zone_support(metric, settings):
    settings.USE_TZ = False
    settings.TIME_ZONE = "Pacific/Kiritimati"
    row = StatisticByDate.objects.record(metric=metric, value=1, period=Period.DAY)
    kiritimati_today = datetime.datetime.now(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    assert row.date == kiritimati_today
