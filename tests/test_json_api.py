"""The JSON read API: trackstats.urls, trackstats.json_api."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.testapp.models import (
    AverageStatistic,
    Customer,
    StatisticByCountry,
    UUIDCustomer,
)
from trackstats.json_api import SeriesView, json_value, read_series
from trackstats.json_api.query import InvalidQuery, _field_value, point_count
from trackstats.models import (
    DecimalStatisticByDate,
    DecimalStatisticByDateAndObject,
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)
from trackstats.periods import calendar_week
from trackstats.series import series_dates

pytestmark = pytest.mark.django_db

D = datetime.date
JOINED = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
URL = "/stats/series/"


def only_reader_of_orders(request, metric, model):
    return request.user.username == "reader" and metric is not None and metric.ref == "orders"


class PublicSeriesView(SeriesView):
    def has_permission(self, request, metric, model):
        return True


urlpatterns = [path("public/", PublicSeriesView.as_view())]


@pytest.fixture
def metric():
    domain = Domain.objects.create(ref="shop")
    return Metric.objects.create(domain=domain, ref="orders")


def staff(django_user_model, username="staff", *codenames, **flags):
    user = django_user_model.objects.create_user(username, is_staff=True, **flags)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def reader(client, django_user_model):
    """Active staff allowed to view every built-in and test statistic model."""
    user = staff(
        django_user_model,
        "reader",
        "view_statisticbydate",
        "view_statisticbydateandobject",
        "view_decimalstatisticbydate",
        "view_decimalstatisticbydateandobject",
        "view_statisticbycountry",
        "view_averagestatistic",
    )
    client.force_login(user)
    return client


def get(client, **params):
    response = client.get(URL, params)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


# ------------------------------------------------------------------ by date


def test_series_by_date_tells_missing_rows_from_stored_nulls(reader, metric):
    record = StatisticByDate.objects.record
    record(metric, 5, Period.DAY, date=D(2024, 3, 2))
    record(metric, None, Period.DAY, date=D(2024, 3, 3))
    record(metric, 8, Period.WEEK, date=D(2024, 3, 2))  # another period

    status, body = get(reader, metric="shop.orders", **{"from": "2024-03-01", "to": "2024-03-04"})

    assert status == 200
    assert body == {
        "metric": "shop.orders",
        "model": "trackstats.statisticbydate",
        "period": "day",
        "from": "2024-03-01",
        "to": "2024-03-04",
        "fill": 0,
        "cumulative": False,
        "points": [["2024-03-01", 0], ["2024-03-02", 5], ["2024-03-03", None], ["2024-03-04", 0]],
        "missing": ["2024-03-01", "2024-03-04"],
    }
    _, with_null_fill = get(
        reader, metric="shop.orders", fill="null", **{"from": "2024-03-01", "to": "2024-03-02"}
    )
    assert with_null_fill["points"] == [["2024-03-01", None], ["2024-03-02", 5]]
    assert with_null_fill["missing"] == ["2024-03-01"]
    assert with_null_fill["fill"] is None


def test_cumulative_and_previous_by_date(reader, metric):
    record = StatisticByDate.objects.record
    for day, value in [(1, 1), (2, 2), (4, None), (5, 10), (6, 20)]:
        record(metric, value, Period.DAY, date=D(2024, 3, day))

    status, body = get(
        reader,
        metric="shop.orders",
        cumulative="true",
        previous="1",
        **{"from": "2024-03-04", "to": "2024-03-06"},
    )

    assert status == 200
    assert body["cumulative"] is True
    assert body["points"] == [["2024-03-04", None], ["2024-03-05", 10], ["2024-03-06", 30]]
    assert body["missing"] == []
    assert body["previous"] == {
        "from": "2024-03-01",
        "to": "2024-03-03",
        "points": [["2024-03-01", 1], ["2024-03-02", 3], ["2024-03-03", 3]],
        "missing": ["2024-03-03"],
    }


def test_calendar_months_one_point_per_bucket_with_previous(reader, metric):
    record = StatisticByDate.objects.record
    record(metric, 31, Period.CALENDAR_MONTH, date=D(2024, 1, 1))
    record(metric, 29, Period.CALENDAR_MONTH, date=D(2024, 2, 1))
    record(metric, 40, Period.CALENDAR_MONTH, date=D(2024, 3, 1))

    status, body = get(
        reader,
        metric="shop.orders",
        period="calendar_month",
        previous="true",
        **{"from": "2024-02-15", "to": "2024-04-30"},
    )

    assert status == 200
    assert body["period"] == "calendar_month"
    assert body["points"] == [["2024-03-01", 40], ["2024-04-01", 0]]
    assert body["missing"] == ["2024-04-01"]
    assert body["previous"]["points"] == [["2024-01-01", 31], ["2024-02-01", 29]]
    assert body["previous"]["missing"] == []


def test_decimals_are_exact_strings(reader, metric):
    record = DecimalStatisticByDate.objects.record
    record(metric, Decimal("0.10"), Period.DAY, date=D(2024, 1, 1))
    record(metric, Decimal("0.20"), Period.DAY, date=D(2024, 1, 3))

    status, body = get(
        reader,
        metric="shop.orders",
        model="trackstats.DecimalStatisticByDate",
        cumulative="true",
        fill="0",
        **{"from": "2024-01-01", "to": "2024-01-03"},
    )

    assert status == 200
    assert body["model"] == "trackstats.decimalstatisticbydate"
    # The model stores four decimal places; the fill is written with them too.
    assert body["fill"] == "0.0000"
    assert body["points"] == [
        ["2024-01-01", "0.1000"],
        ["2024-01-02", "0.1000"],
        ["2024-01-03", "0.3000"],
    ]


def test_floats_are_numbers_and_a_non_finite_fill_is_refused(reader, metric):
    AverageStatistic.objects.record(metric, 2.5, Period.DAY, date=D(2024, 1, 1))
    dates = {"from": "2024-01-01", "to": "2024-01-02"}

    status, body = get(reader, metric="shop.orders", model="testapp.averagestatistic", **dates)
    refused, error = get(
        reader, metric="shop.orders", model="testapp.averagestatistic", fill="nan", **dates
    )

    assert status == 200
    assert body["points"] == [["2024-01-01", 2.5], ["2024-01-02", 0.0]]
    assert refused == 400
    assert "finite" in error["error"]


def test_extra_dimensions_are_required_parameters(reader, metric):
    StatisticByCountry.objects.record(metric, 3, Period.DAY, date=D(2024, 1, 1), country="FR")
    StatisticByCountry.objects.record(metric, 4, Period.DAY, date=D(2024, 1, 1), country="DE")
    params = {"metric": "shop.orders", "model": "testapp.statisticbycountry"}
    dates = {"from": "2024-01-01", "to": "2024-01-01"}

    status, body = get(reader, country="DE", **params, **dates)
    missing, error = get(reader, **params, **dates)

    assert status == 200
    assert body["points"] == [["2024-01-01", 4]]
    assert missing == 400
    assert error == {
        "error": "country is required: testapp.statisticbycountry stores one series per country"
    }


# ---------------------------------------------------------------- by object


@pytest.fixture
def customers():
    return [Customer.objects.create(name=name, joined=JOINED) for name in "abcd"]


def test_top_objects_with_other_and_previous(reader, metric, customers):
    record = StatisticByDateAndObject.objects.record
    a, b, c, d = customers
    record(metric, 9, Period.DAY, date=D(2024, 1, 3), object=a)
    record(metric, 7, Period.DAY, date=D(2024, 1, 4), object=b)
    record(metric, 2, Period.DAY, date=D(2024, 1, 3), object=c)
    record(metric, None, Period.DAY, date=D(2024, 1, 4), object=d)
    record(metric, 5, Period.DAY, date=D(2024, 1, 1), object=b)  # previous range
    record(metric, 1, Period.DAY, date=D(2024, 1, 2), object=c)  # previous range

    status, body = get(
        reader,
        metric="shop.orders",
        model="trackstats.statisticbydateandobject",
        top="2",
        previous="true",
        **{"from": "2024-01-03", "to": "2024-01-04"},
    )

    assert status == 200
    assert body["top"] == 2
    assert body["object_type"] == "testapp.customer"
    assert body["objects"] == [
        {
            "id": str(a.pk),
            "label": str(a),
            "total": 9,
            "points": [["2024-01-03", 9], ["2024-01-04", 0]],
            "missing": ["2024-01-04"],
            "previous": {"points": [["2024-01-01", 0], ["2024-01-02", 0]], "missing": []}
            | {"missing": ["2024-01-01", "2024-01-02"]},
        },
        {
            "id": str(b.pk),
            "label": str(b),
            "total": 7,
            "points": [["2024-01-03", 0], ["2024-01-04", 7]],
            "missing": ["2024-01-03"],
            "previous": {
                "points": [["2024-01-01", 5], ["2024-01-02", 0]],
                "missing": ["2024-01-02"],
            },
        },
    ]
    assert body["other"] == {
        "objects": 2,
        "points": [["2024-01-03", 2], ["2024-01-04", None]],
        "missing": [],
        "previous": {
            "objects": 1,
            "points": [["2024-01-01", 0], ["2024-01-02", 1]],
            "missing": ["2024-01-01"],
        },
    }
    assert body["previous"] == {"from": "2024-01-01", "to": "2024-01-02"}


def test_top_defaults_to_ten_and_decimal_totals_are_strings(reader, metric, customers):
    record = DecimalStatisticByDateAndObject.objects.record
    record(metric, Decimal("1.50"), Period.DAY, date=D(2024, 1, 1), object=customers[0])

    status, body = get(
        reader,
        metric="shop.orders",
        model="trackstats.decimalstatisticbydateandobject",
        **{"from": "2024-01-01", "to": "2024-01-01"},
    )

    assert status == 200
    assert body["top"] == 10
    assert [entry["total"] for entry in body["objects"]] == ["1.5000"]
    assert body["other"] == {
        "objects": 0,
        "points": [["2024-01-01", "0.0000"]],
        "missing": ["2024-01-01"],
    }


def test_one_objects_series_and_object_types_that_collide(reader, metric, customers):
    record = StatisticByDateAndObject.objects.record
    uuid_customer = UUIDCustomer.objects.create(name="u")
    record(metric, 3, Period.DAY, date=D(2024, 1, 1), object=customers[0])
    record(metric, 4, Period.DAY, date=D(2024, 1, 1), object=uuid_customer)
    params = {
        "metric": "shop.orders",
        "model": "trackstats.statisticbydateandobject",
        "from": "2024-01-01",
        "to": "2024-01-02",
    }

    mixed, error = get(reader, **params)
    one, body = get(
        reader, object_type="testapp.uuidcustomer", object_id=str(uuid_customer.pk), **params
    )
    top, by_type = get(reader, object_type="testapp.customer", **params)

    assert mixed == 400
    assert "object_type=" in error["error"]
    assert one == 200
    assert body["object_type"] == "testapp.uuidcustomer"
    assert body["object_id"] == str(uuid_customer.pk)
    assert body["points"] == [["2024-01-01", 4], ["2024-01-02", 0]]
    assert top == 200
    assert [entry["id"] for entry in by_type["objects"]] == [str(customers[0].pk)]


# ------------------------------------------------------------------- access


def test_anonymous_gets_json_403_not_a_login_redirect(client, metric):
    status, body = get(client, metric="shop.orders", **{"from": "2024-01-01", "to": "2024-01-02"})

    assert status == 403
    assert body == {"error": "you may not read these statistics"}


@pytest.mark.parametrize(
    ("codenames", "flags", "allowed"),
    [
        (("view_statisticbydate",), {}, True),
        (("change_statisticbydate",), {}, True),
        ((), {}, False),
        (("view_statisticbydateandobject",), {}, False),
        (("view_statisticbydate",), {"is_active": False}, False),
    ],
)
def test_default_rule_is_active_staff_with_view_permission(
    client, django_user_model, metric, codenames, flags, allowed
):
    client.force_login(staff(django_user_model, "someone", *codenames))
    if flags:
        django_user_model.objects.filter(username="someone").update(**flags)

    status, _ = get(client, metric="shop.orders", **{"from": "2024-01-01", "to": "2024-01-02"})

    assert status == (200 if allowed else 403)


def test_non_staff_with_permission_is_refused_and_superuser_allowed(
    client, django_user_model, metric
):
    user = django_user_model.objects.create_user("plain")
    user.user_permissions.add(Permission.objects.get(codename="view_statisticbydate"))
    client.force_login(user)
    refused, _ = get(client, metric="shop.orders", **{"from": "2024-01-01", "to": "2024-01-02"})
    client.force_login(django_user_model.objects.create_superuser("root"))
    allowed, _ = get(client, metric="shop.orders", **{"from": "2024-01-01", "to": "2024-01-02"})

    assert refused == 403
    assert allowed == 200


def test_unknown_metric_is_404_only_to_those_allowed(client, reader, metric):
    dates = {"from": "2024-01-01", "to": "2024-01-02"}

    status, body = get(reader, metric="shop.nothing", **dates)
    reader.logout()
    anonymous, _ = get(reader, metric="shop.nothing", **dates)

    assert status == 404
    assert body == {"error": "no metric shop.nothing"}
    assert anonymous == 403


@override_settings(TRACKSTATS_API_PERMISSION="tests.test_json_api.only_reader_of_orders")
def test_permission_setting_replaces_the_default_rule(client, django_user_model, metric):
    Metric.objects.create(domain=metric.domain, ref="refunds")
    client.force_login(django_user_model.objects.create_user("reader"))  # not even staff
    dates = {"from": "2024-01-01", "to": "2024-01-02"}

    orders, _ = get(client, metric="shop.orders", **dates)
    refunds, _ = get(client, metric="shop.refunds", **dates)

    assert orders == 200
    assert refunds == 403


def test_permission_setting_can_be_a_callable_and_is_checked(client, metric):
    dates = {"from": "2024-01-01", "to": "2024-01-02"}
    with override_settings(TRACKSTATS_API_PERMISSION=lambda request, metric, model: True):
        assert get(client, metric="shop.orders", **dates)[0] == 200
    with (
        override_settings(TRACKSTATS_API_PERMISSION="tests.test_json_api.no_such_rule"),
        pytest.raises(ImproperlyConfigured, match="TRACKSTATS_API_PERMISSION"),
    ):
        client.get(URL, {"metric": "shop.orders", **dates})
    with (
        override_settings(TRACKSTATS_API_PERMISSION=42),
        pytest.raises(ImproperlyConfigured, match="callable"),
    ):
        client.get(URL, {"metric": "shop.orders", **dates})


@override_settings(ROOT_URLCONF="tests.test_json_api")
def test_view_subclass_overrides_has_permission(client, metric):
    response = client.get(
        "/public/", {"metric": "shop.orders", "from": "2024-01-01", "to": "2024-01-01"}
    )

    assert response.status_code == 200
    assert response.json()["points"] == [["2024-01-01", 0]]


def test_only_get_is_allowed_and_responses_are_private(reader, metric):
    response = reader.post(URL, {"metric": "shop.orders"})
    ok = reader.get(URL, {"metric": "shop.orders", "from": "2024-01-01", "to": "2024-01-01"})

    assert response.status_code == 405
    assert response.json() == {"error": "POST is not allowed: use GET"}
    assert "GET" in response["Allow"]
    assert ok["Cache-Control"] == "private, no-store"
    head = reader.head(URL, {"metric": "shop.orders", "from": "2024-01-01", "to": "2024-01-01"})
    assert head.status_code == 200
    assert head.content == b""


def test_url_name_reverses():
    assert reverse("trackstats:series") == URL


# -------------------------------------------------------------- bad requests

GOOD = {"metric": "shop.orders", "from": "2024-01-01", "to": "2024-01-31"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"metric": None}, "metric is required"),
        ({"metric": "orders"}, "must be written domain.metric"),
        ({"model": "auth.user"}, "unknown model 'auth.user'"),
        ({"period": "fortnight"}, "period: unknown period 'fortnight'"),
        ({"period": "90000"}, "period: period must be"),
        ({"from": None}, "from is required"),
        ({"to": ""}, "to is required"),
        ({"from": "2024-1-1"}, "from must be a date written YYYY-MM-DD"),
        ({"from": "20240101"}, "from must be a date written YYYY-MM-DD"),
        ({"to": "2024-02-30"}, "to: '2024-02-30' is no date"),
        ({"from": "2024-02-01"}, "from (2024-02-01) is after to (2024-01-31)"),
        ({"fill": "zero"}, "fill must be null or a number"),
        ({"fill": "0.5"}, "fill must be null or a number"),
        ({"cumulative": "yes"}, "cumulative must be true or false"),
        ({"previous": ""}, "previous must be true or false"),
        ({"top": "3"}, "top applies to statistics by object"),
        ({"object_type": "testapp.customer"}, "object_type applies to statistics by object"),
        ({"from": "1900-01-01", "to": "9999-12-31"}, "is 2958464 points; at most 3660"),
        ({"from": "0001-01-01", "to": "0001-01-31", "previous": "true"}, "previous: the range"),
        (
            {"from": "0001-01-01", "period": "calendar_week_sunday"},
            "from 0001-01-01 is too early for calendar_week_sunday",
        ),
        ({"form": "2024-01-01"}, "unknown parameter 'form'"),
    ],
)
def test_bad_parameters_get_400_with_a_message(reader, metric, changes, message):
    params = {**GOOD, **changes}
    params = {name: value for name, value in params.items() if value is not None}

    status, body = get(reader, **params)

    assert status == 400
    assert message in body["error"]
    assert set(body) == {"error"}


BY_OBJECT = {**GOOD, "model": "trackstats.statisticbydateandobject"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"top": "101"}, "top must be an integer from 0 to 100"),
        ({"top": "-1"}, "top must be an integer from 0 to 100"),
        ({"top": "two"}, "top must be an integer from 0 to 100"),
        ({"object_id": "1"}, "object_id needs object_type"),
        ({"object_type": "nope.nothing"}, "object_type 'nope.nothing' is no installed model"),
        ({"object_type": "testapp.customer", "object_id": "1", "top": "3"}, "not both"),
    ],
)
def test_bad_by_object_parameters_get_400(reader, metric, changes, message):
    status, body = get(reader, **{**BY_OBJECT, **changes})

    assert status == 400
    assert message in body["error"]


def test_a_repeated_parameter_gets_400(reader, metric):
    response = reader.get(
        URL + "?metric=shop.orders&from=2024-01-01&from=2024-01-02&to=2024-01-03"
    )

    assert response.status_code == 400
    assert response.json() == {"error": "from is given more than once"}


# ------------------------------------------------------------------- bounds


@override_settings(TRACKSTATS_API_MAX_POINTS=10)
def test_the_point_bound_is_a_setting(reader, metric):
    ten, _ = get(reader, metric="shop.orders", **{"from": "2024-01-01", "to": "2024-01-10"})
    eleven, body = get(reader, metric="shop.orders", **{"from": "2024-01-01", "to": "2024-01-11"})
    months, _ = get(
        reader,
        metric="shop.orders",
        period="calendar_month",
        **{"from": "2024-01-01", "to": "2024-10-31"},
    )

    assert ten == 200
    assert eleven == 400
    assert body["error"] == (
        "from 2024-01-01 to 2024-01-11 is 11 points; at most 10 are served per series: "
        "shorten the range or use a longer calendar period"
    )
    assert months == 200


def test_the_largest_dates_serve_calendar_buckets(reader, metric):
    status, body = get(
        reader,
        metric="shop.orders",
        period="quarter",
        **{"from": "9999-01-01", "to": "9999-12-31"},
    )
    years, _ = get(
        reader, metric="shop.orders", period="year", **{"from": "1900-01-01", "to": "9999-12-31"}
    )

    assert status == 200
    assert [date for date, _ in body["points"]] == [
        "9999-01-01",
        "9999-04-01",
        "9999-07-01",
        "9999-10-01",
    ]
    assert years == 400  # 8100 yearly points


@pytest.mark.parametrize("name", ["TRACKSTATS_API_MAX_POINTS", "TRACKSTATS_API_MAX_OBJECTS"])
@pytest.mark.parametrize("value", [0, -5, "10", True])
def test_bounds_must_be_positive_integers(reader, metric, name, value):
    with override_settings(**{name: value}), pytest.raises(ImproperlyConfigured, match=name):
        reader.get(URL, {**BY_OBJECT, "top": "1"})


_periods = st.sampled_from(
    [
        *(Period.DAY, Period.WEEK, Period.LIFETIME, Period.CALENDAR_WEEK, calendar_week(3)),
        *(Period.CALENDAR_MONTH, Period.QUARTER, Period.YEAR),
    ]
)


@given(
    st.dates(min_value=D(1, 2, 1), max_value=D(9999, 12, 31)),
    st.integers(0, 2000),
    _periods,
)
def test_point_count_is_the_length_of_series_dates(from_date, days, period):
    to_date = min(from_date + datetime.timedelta(days=days), D(9999, 12, 31))

    assert point_count(from_date, to_date, period) == len(series_dates(from_date, to_date, period))


# ------------------------------------------------------------- reuse, cost


def test_read_series_serves_any_mapping_of_parameters(rf, django_user_model, metric):
    StatisticByDate.objects.record(metric, 2, Period.DAY, date=D(2024, 1, 1))
    request = rf.get("/anywhere/")
    request.user = django_user_model.objects.create_superuser("root")
    params = {"metric": "shop.orders", "from": "2024-01-01", "to": "2024-01-01"}

    status, body = read_series(request, params)
    refused, _ = read_series(request, params, lambda request, metric, model: False)

    assert status == 200
    assert body["points"] == [["2024-01-01", 2]]
    assert refused == 403


def _queries_of_a_top_request(client, metric, objects, days):
    customers = [Customer.objects.create(name=f"c{i}", joined=JOINED) for i in range(objects)]
    StatisticByDateAndObject.objects.bulk_create(
        StatisticByDateAndObject(
            metric=metric,
            period=Period.DAY,
            date=D(2024, 1, 1) + datetime.timedelta(days=day),
            object=customer,
            value=day + index,
        )
        for index, customer in enumerate(customers)
        for day in range(days)
    )
    params = {**BY_OBJECT, "top": "25", "previous": "true", "cumulative": "true"}
    with CaptureQueriesContext(connection) as queries:
        status, body = get(client, **params)
    StatisticByDateAndObject.objects.all().delete()
    assert status == 200
    assert len(body["objects"]) == min(objects, 25)
    return len(queries)


def test_queries_do_not_grow_with_objects_or_dates(reader, metric):
    few = _queries_of_a_top_request(reader, metric, objects=2, days=2)
    many = _queries_of_a_top_request(reader, metric, objects=40, days=31)

    assert many == few


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("1.50"), "1.50"),
        (3, 3),
        (2.5, 2.5),
        (None, None),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
    ],
)
def test_json_value_writes_what_json_can_hold(value, written):
    assert json_value(value) == written


def test_point_count_of_a_range_whose_next_bucket_is_past_year_9999():
    assert point_count(D(9999, 12, 2), D(9999, 12, 31), Period.CALENDAR_MONTH) == 0
    assert series_dates(D(9999, 12, 2), D(9999, 12, 31), Period.CALENDAR_MONTH) == []
    assert point_count(D(9999, 12, 28), D(9999, 12, 31), Period.CALENDAR_WEEK) == 0


def test_a_dimension_value_its_field_refuses_gets_the_fields_message():
    # The test models' dimensions are text, which every value fits; an integer
    # dimension of a custom model is checked by its field.
    with pytest.raises(InvalidQuery, match=r"^store: .*must be an integer"):
        _field_value(models.IntegerField(), {"store": "main"}, "store")
