"""The admin change lists and chart pages: permissions, queries, errors, escaping."""

import csv
import datetime
import io
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.testapp.models import Customer, Shop, UUIDCustomer
from trackstats.admin.forms import MAX_DAYS
from trackstats.clock import today_in
from trackstats.models import (
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)

pytestmark = pytest.mark.django_db

BY_DATE = "admin:trackstats_graph_by_date"
BY_OBJECT = "admin:trackstats_graph_by_date_and_object"
JAN = datetime.date(2026, 1, 1)
HOSTILE = "<script>alert(1)</script>"


def day(n):
    return JAN + datetime.timedelta(days=n)


@pytest.fixture
def metric():
    domain = Domain.objects.create(ref="shop", name="Shop")
    return Metric.objects.create(domain=domain, ref="orders", name="Orders")


@pytest.fixture
def customer():
    return Customer.objects.create(name="Ann", joined="2025-01-01T00:00:00Z")


def svg_points(response):
    return re.findall(
        r'<g class="ts-point[^"]*" data-date="([^"]+)" data-value="([^"]*)"',
        (response.content.decode()),
    )


def staff_user(*permissions):
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


# ---------------------------------------------------------------- change lists


@pytest.mark.parametrize(
    "model_name", ["domain", "metric", "statisticbydate", "statisticbydateandobject"]
)
def test_change_lists_open(admin_client, metric, customer, model_name):
    StatisticByDate.objects.record(metric, 3, Period.DAY, date=JAN)
    StatisticByDateAndObject.objects.record(metric, 4, Period.DAY, date=JAN, object=customer)
    response = admin_client.get(reverse(f"admin:trackstats_{model_name}_changelist"))
    assert response.status_code == 200


def fill(model, metric, rows, customer=None):
    extra = {}
    if customer is not None:
        extra = {
            "object_type": ContentType.objects.get_for_model(customer),
            "object_id": str(customer.pk),
        }
    model.objects.bulk_create(
        model(metric=metric, value=i, period=Period.DAY, date=day(i), **extra) for i in range(rows)
    )


@pytest.mark.parametrize("model", [StatisticByDate, StatisticByDateAndObject])
def test_change_list_queries_do_not_grow_with_rows(admin_client, metric, customer, model):
    other = Metric.objects.create(domain=metric.domain, ref="visits")
    url = reverse(f"admin:trackstats_{model._meta.model_name}_changelist")
    counts = []
    for rows in (5, 100):
        model.objects.all().delete()
        for each in (metric, other):
            fill(model, each, rows, customer if model is StatisticByDateAndObject else None)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == 2 * rows
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_metric_change_list_queries_do_not_grow(admin_client):
    counts = []
    for rows in (5, 60):
        Metric.objects.all().delete()
        Domain.objects.all().delete()
        for i in range(rows):
            domain = Domain.objects.create(ref=f"d{i}")
            Metric.objects.create(domain=domain, ref="m")
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse("admin:trackstats_metric_changelist")).status_code
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_change_list_search_filters_and_date_hierarchy(admin_client, metric):
    visits = Metric.objects.create(domain=metric.domain, ref="visits", name="Visits")
    StatisticByDate.objects.record(metric, 1, Period.DAY, date=JAN)
    StatisticByDate.objects.record(metric, 2, Period.WEEK, date=JAN)
    StatisticByDate.objects.record(metric, 3, 10 * Period.DAY, date=day(40))
    StatisticByDate.objects.record(visits, 4, Period.DAY, date=JAN)
    url = reverse("admin:trackstats_statisticbydate_changelist")

    def shown(**params):
        return sorted(s.value for s in admin_client.get(url, params).context["cl"].result_list)

    assert shown(q="visits") == [4]
    assert shown(q="shop") == [1, 2, 3, 4]
    assert shown(metric__id__exact=visits.pk) == [4]
    assert shown(metric__domain__id__exact=metric.domain.pk) == [1, 2, 3, 4]
    assert shown(period=Period.WEEK) == [2]
    assert shown(period=10 * Period.DAY) == [3]
    assert shown(date__year=2026, date__month=2) == [3]
    page = admin_client.get(url).content.decode()
    # The period filter offers the N-day window that is stored, by its label.
    assert "10 days" in page


def test_by_object_change_list_shows_type_and_id(admin_client, metric, customer):
    StatisticByDateAndObject.objects.record(metric, 4, Period.DAY, date=JAN, object=customer)
    url = reverse("admin:trackstats_statisticbydateandobject_changelist")
    page = admin_client.get(url, {"q": str(customer.pk)}).content.decode()
    assert f"testapp.customer {customer.pk}" in page


def test_change_list_links_to_its_chart(admin_client, metric):
    StatisticByDate.objects.record(metric, 1, Period.WEEK, date=JAN)
    url = reverse("admin:trackstats_statisticbydate_changelist")
    chart = reverse(BY_DATE)
    assert chart == "/admin/trackstats/statisticbydate/chart/"
    page = admin_client.get(url).content.decode()
    assert f'href="{chart}" class="trackstats-chart-link"' in page
    filtered = admin_client.get(url, {"metric__id__exact": metric.pk, "period": Period.WEEK})
    assert (
        f'href="{chart}?metric={metric.pk}&amp;period={Period.WEEK}" '
        'class="trackstats-chart-link"' in filtered.content.decode()
    )
    # Each row links to the chart of its own series, ending on its date.
    assert f"{chart}?metric={metric.pk}&amp;period={Period.WEEK}&amp;to_date=2026-01-01" in page
    by_object = reverse("admin:trackstats_statisticbydateandobject_changelist")
    assert reverse(BY_OBJECT) in admin_client.get(by_object).content.decode()


# ----------------------------------------------------------------- permissions


@pytest.mark.parametrize("name", [BY_DATE, BY_OBJECT])
@pytest.mark.parametrize("params", [{}, {"format": "csv"}])
def test_anonymous_is_sent_to_login(client, metric, name, params):
    url = reverse(name)
    response = client.get(url, params)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "next=" in response["Location"]


def test_non_staff_is_sent_to_login(client, metric):
    user = User.objects.create_user("plain", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="view_statisticbydate"))
    client.force_login(user)
    response = client.get(reverse(BY_DATE))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("name", "codename"),
    [(BY_DATE, "view_statisticbydate"), (BY_OBJECT, "view_statisticbydateandobject")],
)
@pytest.mark.parametrize("params", [{}, {"format": "csv"}])
def test_staff_needs_the_view_permission_of_that_model(client, metric, name, codename, params):
    # The permission on the other statistic model does not open this chart.
    other = "view_statisticbydateandobject" if name == BY_DATE else "view_statisticbydate"
    user = staff_user(other)
    client.force_login(user)
    assert client.get(reverse(name), params).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename=codename))
    assert client.get(reverse(name), params).status_code == 200


def test_change_permission_also_lets_staff_view(client, metric):
    client.force_login(staff_user("change_statisticbydate"))
    assert client.get(reverse(BY_DATE)).status_code == 200


# --------------------------------------------------------------- chart by date


def test_chart_draws_one_point_per_day_missing_zero_null_gap(admin_client, metric):
    StatisticByDate.objects.record(metric, 5, Period.DAY, date=day(0))
    StatisticByDate.objects.record(metric, None, Period.DAY, date=day(2))
    StatisticByDate.objects.record(metric, 7, Period.DAY, date=day(3))
    # Rows of another period, another metric and outside the range stay out.
    StatisticByDate.objects.record(metric, 99, Period.WEEK, date=day(1))
    StatisticByDate.objects.record(metric, 99, Period.DAY, date=day(10))
    other = Metric.objects.create(domain=metric.domain, ref="other")
    StatisticByDate.objects.record(other, 99, Period.DAY, date=day(1))
    response = admin_client.get(
        reverse(BY_DATE),
        {"metric": metric.pk, "period": "day", "from_date": "2026-01-01", "to_date": "2026-01-05"},
    )
    assert response.status_code == 200
    assert svg_points(response) == [
        ("2026-01-01", "5"),
        ("2026-01-02", "0"),
        ("2026-01-03", ""),
        ("2026-01-04", "7"),
        ("2026-01-05", "0"),
    ]
    # Dates in tooltips are written as the locale writes them (English here).
    assert "Jan. 3, 2026: no data" in response.content.decode()


def test_chart_accepts_labels_and_period_names(admin_client, metric):
    StatisticByDate.objects.record(metric, 8, 10 * Period.DAY, date=day(1))
    response = admin_client.get(
        reverse(BY_DATE),
        {
            "metric": "shop.orders",
            "period": "10_days",
            "from_date": "2026-01-01",
            "to_date": "2026-01-02",
            "chart": "bars",
        },
    )
    assert svg_points(response) == [("2026-01-01", "0"), ("2026-01-02", "8")]
    page = response.content.decode()
    assert "ts-chart-bars" in page
    # The form shows what was drawn, in its canonical form.
    assert f'<option value="{metric.pk}" selected>' in page
    assert f'<option value="{10 * Period.DAY}" selected>10 days, rolling</option>' in page


def test_chart_defaults(admin_client, metric):
    latest = Metric.objects.create(domain=metric.domain, ref="zzz")
    today = today_in()
    StatisticByDate.objects.record(metric, 1, Period.DAY, date=today - datetime.timedelta(3))
    StatisticByDate.objects.record(latest, 2, Period.DAY, date=today)
    response = admin_client.get(reverse(BY_DATE))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.cleaned_data["metric"] == latest
    assert form.cleaned_data["period"] == Period.DAY
    assert form.cleaned_data["to_date"] == today
    assert form.cleaned_data["from_date"] == today - datetime.timedelta(days=29)
    points = svg_points(response)
    assert len(points) == 30
    assert points[-1] == (today.isoformat(), "2")
    page = response.content.decode()
    assert f'value="{today.isoformat()}"' in page


def test_chart_defaults_without_statistics_use_the_first_metric(admin_client, metric):
    Metric.objects.create(domain=metric.domain, ref="zzz")
    response = admin_client.get(reverse(BY_DATE))
    assert response.context["form"].cleaned_data["metric"] == metric
    assert len(svg_points(response)) == 30


def test_chart_without_any_metric_says_so(admin_client):
    response = admin_client.get(reverse(BY_DATE))
    assert response.status_code == 200
    assert "No metric exists yet." in response.content.decode()
    assert svg_points(response) == []


def test_from_date_alone_ends_today_and_to_date_alone_spans_30_days(admin_client, metric):
    today = today_in()
    start = today - datetime.timedelta(days=6)
    response = admin_client.get(reverse(BY_DATE), {"from_date": start.isoformat()})
    assert len(svg_points(response)) == 7
    response = admin_client.get(reverse(BY_DATE), {"to_date": "2026-01-30"})
    points = svg_points(response)
    assert (points[0][0], points[-1][0], len(points)) == ("2026-01-01", "2026-01-30", 30)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"metric": "999999"}, "Unknown metric"),
        ({"metric": "99999999999999999999999"}, "Unknown metric"),
        ({"metric": "nope.nope"}, "Unknown metric"),
        ({"metric": "noseparator"}, "Unknown metric"),
        ({"from_date": "2026-13-01"}, "Enter a valid date"),
        ({"to_date": "yesterday"}, "Enter a valid date"),
        ({"from_date": "2026-02-01", "to_date": "2026-01-01"}, "The range is reversed"),
        ({"from_date": "0001-01-01", "to_date": "2026-01-01"}, "a chart shows at most"),
        ({"period": "fortnight"}, "Unknown period"),
        ({"period": "100"}, "Unknown period"),
        ({"period": "-86400"}, "Unknown period"),
        ({"chart": "pie"}, "Select a valid choice"),
    ],
)
def test_bad_query_strings_are_form_errors(admin_client, metric, params, message):
    for extra in ({}, {"format": "csv"}):
        response = admin_client.get(reverse(BY_DATE), {**params, **extra})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert message in page
        assert 'class="errornote"' in page
        assert svg_points(response) == []


def test_longest_range_is_drawn(admin_client, metric):
    end = datetime.date(2026, 1, 1)
    start = end - datetime.timedelta(days=MAX_DAYS - 1)
    response = admin_client.get(
        reverse(BY_DATE), {"from_date": start.isoformat(), "to_date": end.isoformat()}
    )
    assert len(svg_points(response)) == MAX_DAYS


def test_chart_queries_do_not_grow_with_the_range(admin_client, metric):
    counts = []
    for days in (7, 365):
        StatisticByDate.objects.all().delete()
        for i in range(days):
            StatisticByDate.objects.record(metric, i, Period.DAY, date=day(i))
        params = {"metric": metric.pk, "from_date": "2026-01-01", "to_date": day(days - 1)}
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse(BY_DATE), params)
        assert len(svg_points(response)) == days
        counts.append(len(queries))
    assert counts[0] == counts[1]


# ------------------------------------------------------------ chart by object


def test_object_chart_draws_only_that_object(admin_client, metric, customer):
    other = Customer.objects.create(name="Bob", joined="2025-01-01T00:00:00Z")
    StatisticByDateAndObject.objects.record(metric, 3, Period.DAY, date=day(0), object=customer)
    StatisticByDateAndObject.objects.record(metric, None, Period.DAY, date=day(1), object=customer)
    StatisticByDateAndObject.objects.record(metric, 50, Period.DAY, date=day(0), object=other)
    response = admin_client.get(
        reverse(BY_OBJECT),
        {
            "metric": metric.pk,
            "from_date": "2026-01-01",
            "to_date": "2026-01-03",
            "object_type": "testapp.customer",
            "object_id": customer.pk,
        },
    )
    assert svg_points(response) == [("2026-01-01", "3"), ("2026-01-02", ""), ("2026-01-03", "0")]
    page = response.content.decode()
    assert f"testapp.customer {customer.pk}: Customer object ({customer.pk})" in page


def test_object_chart_with_uuid_and_string_keys(admin_client, metric):
    for obj in (
        UUIDCustomer.objects.create(name="U"),
        Shop.objects.create(code="ams/01 & co", name="Amsterdam"),
    ):
        StatisticByDateAndObject.objects.record(metric, 6, Period.DAY, date=day(0), object=obj)
        object_type = ContentType.objects.get_for_model(obj)
        response = admin_client.get(
            reverse(BY_OBJECT),
            {
                "metric": metric.pk,
                "from_date": "2026-01-01",
                "to_date": "2026-01-01",
                "object_type": object_type.pk,
                "object_id": str(obj.pk),
            },
        )
        assert svg_points(response) == [("2026-01-01", "6")]


def test_object_chart_defaults_to_the_top_objects_of_the_busiest_type(
    admin_client, metric, customer
):
    # The object written last used to be the default: often a flat line of zeros.
    other = Customer.objects.create(name="Bob", joined="2025-01-01T00:00:00Z")
    StatisticByDateAndObject.objects.record(metric, 9, Period.DAY, date=day(0), object=other)
    StatisticByDateAndObject.objects.record(metric, 2, Period.DAY, date=day(1), object=customer)
    shop = Shop.objects.create(code="s1", name="S")
    StatisticByDateAndObject.objects.record(metric, 50, Period.DAY, date=day(1), object=shop)
    response = admin_client.get(reverse(BY_OBJECT), {"to_date": "2026-01-02"})
    data = response.context["form"].cleaned_data
    # Two customer rows against one shop row: customers, Bob (9) before Ann (2).
    assert data["object_type"].model == "customer"
    assert data["object_id"] == ""
    assert [row["object_id"] for row in response.context["legend"]] == [
        str(other.pk),
        str(customer.pk),
    ]


def test_object_chart_of_a_deleted_object(admin_client, metric, customer):
    StatisticByDateAndObject.objects.record(metric, 2, Period.DAY, date=day(0), object=customer)
    pk = customer.pk
    customer.delete()
    response = admin_client.get(
        reverse(BY_OBJECT),
        {
            "metric": metric.pk,
            "from_date": "2026-01-01",
            "to_date": "2026-01-01",
            "object_type": "testapp.customer",
            "object_id": pk,
        },
    )
    assert svg_points(response) == [("2026-01-01", "2")]
    assert f"testapp.customer {pk} (deleted)" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"object_type": "999999", "object_id": "1"}, "Unknown object type"),
        ({"object_type": "nope.model", "object_id": "1"}, "Unknown object type"),
        ({"object_type": "testapp.customer", "object_id": "424242"}, "exists or has statistics"),
        ({"object_type": "testapp.customer", "object_id": "abc"}, "exists or has statistics"),
        ({"object_type": "testapp.uuidcustomer", "object_id": "x"}, "exists or has statistics"),
        ({"object_id": "1"}, "Choose the type of the object"),
        ({"object_id": "x" * 300, "object_type": "testapp.customer"}, "at most 255"),
        ({"metric": "nope"}, "Unknown metric"),
    ],
)
def test_bad_object_query_strings_are_form_errors(admin_client, metric, customer, params, message):
    StatisticByDateAndObject.objects.record(metric, 1, Period.DAY, date=day(0), object=customer)
    response = admin_client.get(reverse(BY_OBJECT), params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert svg_points(response) == []


def test_object_chart_without_statistics_asks_for_an_object(admin_client, metric):
    response = admin_client.get(reverse(BY_OBJECT))
    assert response.status_code == 200
    assert "No object has statistics of this metric and period" in response.content.decode()


# ------------------------------------------------------------------------ CSV


def test_csv_download_of_the_series_shown(admin_client, metric):
    StatisticByDate.objects.record(metric, 5, Period.WEEK, date=day(0))
    StatisticByDate.objects.record(metric, None, Period.WEEK, date=day(1))
    params = {
        "metric": metric.pk,
        "period": "week",
        "from_date": "2026-01-01",
        "to_date": "2026-01-03",
    }
    page = admin_client.get(reverse(BY_DATE), params).content.decode()
    link = re.search(
        r'<a href="([^"]+)" class="button trackstats-csv-link">Download CSV</a>', page
    )
    href = link.group(1).replace("&amp;", "&")
    assert href.startswith("?")
    assert "format=csv" in href
    response = admin_client.get(reverse(BY_DATE) + href)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="shop.orders_week_2026-01-01_2026-01-03.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["date", "value"],
        ["2026-01-01", "5"],
        ["2026-01-02", ""],
        ["2026-01-03", "0"],
    ]


def test_csv_filename_is_safe_for_odd_refs(admin_client, metric):
    shop = Shop.objects.create(code='a"b/c;\r\nd', name="odd")
    StatisticByDateAndObject.objects.record(metric, 1, Period.DAY, date=day(0), object=shop)
    response = admin_client.get(
        reverse(BY_OBJECT),
        {
            "metric": metric.pk,
            "from_date": "2026-01-01",
            "to_date": "2026-01-01",
            "object_type": "testapp.shop",
            "object_id": shop.pk,
            "format": "csv",
        },
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="shop.orders_day_testapp.shop_a_b_c_d_2026-01-01_2026-01-01.csv"'
    )
    assert response.content.decode() == "date,value\n2026-01-01,1\n"


# --------------------------------------------------- escaping and offline page


class ResourceCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href", "xlink:href", "data", "poster", "srcset", "action"):
            if attributes.get(name):
                self.urls.append((tag, attributes[name]))


@pytest.mark.parametrize("name", [BY_DATE, BY_OBJECT])
def test_page_loads_nothing_from_elsewhere_and_escapes_names(admin_client, name, customer):
    domain = Domain.objects.create(ref=HOSTILE, name=HOSTILE)
    metric = Metric.objects.create(domain=domain, ref=HOSTILE, name=HOSTILE, description=HOSTILE)
    hostile_customer = Customer.objects.create(name=HOSTILE, joined="2025-01-01T00:00:00Z")
    StatisticByDate.objects.record(metric, 1, Period.DAY, date=day(0))
    StatisticByDateAndObject.objects.record(
        metric, 1, Period.DAY, date=day(0), object=hostile_customer
    )
    response = admin_client.get(reverse(name), {"metric": metric.pk, "to_date": "2026-01-01"})
    page = response.content.decode()
    assert len(svg_points(response)) == 30
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    collector = ResourceCollector()
    collector.feed(page)
    assert collector.urls
    for tag, url in collector.urls:
        # Same-origin paths and query strings only: no scheme, no host.
        assert url.startswith(("/", "?", "#")), (tag, url)
        assert not url.startswith("//"), (tag, url)
    assert "@import" not in page
    assert "url(http" not in page


def test_change_lists_escape_names(admin_client):
    domain = Domain.objects.create(ref=HOSTILE, name=HOSTILE)
    metric = Metric.objects.create(domain=domain, ref=HOSTILE, name=HOSTILE)
    StatisticByDate.objects.record(metric, 1, Period.DAY, date=day(0))
    for model_name in ("domain", "metric", "statisticbydate"):
        page = admin_client.get(
            reverse(f"admin:trackstats_{model_name}_changelist")
        ).content.decode()
        assert HOSTILE not in page


def test_uuid_object_link_in_change_list(admin_client, metric):
    obj = UUIDCustomer.objects.create(id=uuid.UUID(int=7), name="U")
    StatisticByDateAndObject.objects.record(metric, 1, Period.DAY, date=day(0), object=obj)
    page = admin_client.get(
        reverse("admin:trackstats_statisticbydateandobject_changelist")
    ).content.decode()
    assert f"testapp.uuidcustomer {uuid.UUID(int=7)}" in page


def test_filters_offer_only_what_is_stored(admin_client, metric, customer):
    Metric.objects.create(domain=metric.domain, ref="never_stored", name="Never stored")
    Domain.objects.create(ref="empty_domain", name="Empty domain")
    StatisticByDateAndObject.objects.record(metric, 1, Period.DAY, date=JAN, object=customer)
    StatisticByDateAndObject.objects.record(
        metric, 1, Period.DAY, date=JAN, object=Shop.objects.create(code="s1", name="S")
    )
    page = admin_client.get(
        reverse("admin:trackstats_statisticbydateandobject_changelist")
    ).content.decode()
    assert "Never stored" not in page
    assert "Empty domain" not in page
    assert "Testapp | customer" in page
    assert "Testapp | shop" in page
    assert "Testapp | order" not in page


@pytest.mark.parametrize("period", ["lifetime", "0"])
def test_lifetime_period_is_not_mistaken_for_missing(admin_client, metric, period):
    StatisticByDate.objects.record(metric, 11, Period.LIFETIME, date=JAN)
    StatisticByDate.objects.record(metric, 22, Period.DAY, date=JAN)
    response = admin_client.get(
        reverse(BY_DATE),
        {
            "metric": metric.pk,
            "period": period,
            "from_date": "2026-01-01",
            "to_date": "2026-01-01",
        },
    )
    assert svg_points(response) == [("2026-01-01", "11")]
    assert '<option value="0" selected>Lifetime</option>' in response.content.decode()


def test_chart_of_a_calendar_period_has_one_point_per_bucket(admin_client, metric):
    StatisticByDate.objects.record(metric, 8, Period.CALENDAR_MONTH, date=day(1))
    StatisticByDate.objects.record(metric, 5, Period.CALENDAR_MONTH, date=day(1).replace(month=3))
    response = admin_client.get(
        reverse(BY_DATE),
        {
            "metric": "shop.orders",
            "period": "calendar_month",
            "from_date": "2026-01-01",
            "to_date": "2026-03-31",
            "chart": "bars",
        },
    )
    assert svg_points(response) == [("2026-01-01", "8"), ("2026-02-01", "0"), ("2026-03-01", "5")]
    page = response.content.decode()
    assert f'<option value="{Period.CALENDAR_MONTH}" selected>Calendar month</option>' in page
    listing = admin_client.get(
        reverse("admin:trackstats_statisticbydate_changelist"), {"period": "-1"}
    )
    assert "Calendar month" in listing.content.decode()
