"""The chart pages' figures and series: summary, previous period, quick ranges,
LIFETIME gaps and carry-forward, the top objects and the locale."""

import csv
import datetime
import decimal
import io
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.testapp.models import Customer
from trackstats.clock import today_in
from trackstats.models import (
    DecimalStatisticByDate,
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)

pytestmark = pytest.mark.django_db

BY_DATE = "admin:trackstats_graph_by_date"
BY_OBJECT = "admin:trackstats_graph_by_date_and_object"
SVG = "{http://www.w3.org/2000/svg}"
JAN = datetime.date(2026, 1, 1)


def day(n, start=JAN):
    return start + datetime.timedelta(days=n)


@pytest.fixture
def metric():
    domain = Domain.objects.create(ref="shop", name="Shop")
    return Metric.objects.create(domain=domain, ref="orders", name="Orders")


def chart_svg(response):
    page = response.content.decode()
    match = re.search(
        r"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ts-chart.*?</svg>", page, re.S
    )
    assert match, "no chart on the page"
    return ET.fromstring(match.group(0))


def series_values(response):
    """{label: [value text, ...]} of every series drawn, previous periods included."""
    root = chart_svg(response)
    return {
        g.get("data-label"): g.get("data-values").split(",")
        for g in root.iter(f"{SVG}g")
        if "ts-series" in g.get("class", "").split()
    }


def summary(response):
    page = response.content.decode()
    table = re.search(r'<table class="trackstats-summary">(.*?)</table>', page, re.S).group(1)
    return {
        unescape(label): unescape(value)
        for label, value in re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', table)
    }


def tooltips(response):
    root = chart_svg(response)
    return [
        g.find(f"{SVG}title").text
        for g in root.iter(f"{SVG}g")
        if "ts-point" in g.get("class", "").split()
    ]


def get(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response


# ------------------------------------------------------------------- summary


def test_summary_has_total_and_average_of_the_days_with_data(admin_client, metric):
    for offset, value in [(0, 5), (1, 7), (3, 20)]:
        StatisticByDate.objects.record(metric, value, Period.DAY, date=day(offset))
    StatisticByDate.objects.record(metric, None, Period.DAY, date=day(2))
    response = get(admin_client, BY_DATE, metric=metric.pk, from_date=day(0), to_date=day(4))
    rows = summary(response)
    # Day 4 has no row (0); day 2 is NULL (no data): 4 days with data.
    assert rows["Days"] == "5"
    assert rows["Days without data"] == "1"
    assert rows["Total"] == "32"
    assert rows["Average of the 4 days with data"] == "8"
    assert rows["Latest"] == "0 (Jan. 5, 2026)"
    assert rows["Highest"] == "20 (Jan. 4, 2026)"
    assert rows["Lowest"] == "0 (Jan. 5, 2026)"


@pytest.mark.parametrize("period", [Period.WEEK, Period.LIFETIME])
def test_no_total_for_rolling_windows_and_lifetime(admin_client, metric, period):
    StatisticByDate.objects.record(metric, 3, period, date=day(0))
    StatisticByDate.objects.record(metric, 4, period, date=day(1))
    response = get(
        admin_client, BY_DATE, metric=metric.pk, period=int(period), from_date=day(0),
        to_date=day(1),
    )  # fmt: skip
    rows = summary(response)
    assert "Total" not in rows
    assert rows["Average of the 2 days with data"] == "3.5"


def test_calendar_summary_counts_buckets(admin_client, metric):
    StatisticByDate.objects.record(metric, 10, Period.CALENDAR_MONTH, date=JAN)
    StatisticByDate.objects.record(
        metric, 20, Period.CALENDAR_MONTH, date=datetime.date(2026, 2, 1)
    )
    response = get(
        admin_client, BY_DATE, metric=metric.pk, period="calendar_month", from_date=JAN,
        to_date=datetime.date(2026, 3, 31),
    )  # fmt: skip
    rows = summary(response)
    assert rows["Buckets"] == "3"
    assert rows["Total"] == "30"
    assert rows["Average of the 3 buckets with data"] == "10"


def test_a_range_without_a_bucket_says_so(admin_client, metric):
    response = get(
        admin_client, BY_DATE, metric=metric.pk, period="calendar_month",
        from_date="2026-01-05", to_date="2026-01-20",
    )  # fmt: skip
    page = response.content.decode()
    assert "No bucket of this period starts in this range." in page
    assert 'class="ts-chart' not in page


# ----------------------------------------------------------- previous period


def test_previous_period_is_a_second_lighter_series(admin_client, metric):
    # The 3 days before Jan 10..12 are Jan 7..9.
    StatisticByDate.objects.record(metric, 4, Period.DAY, date=day(6))
    StatisticByDate.objects.record(metric, 6, Period.DAY, date=day(8))
    StatisticByDate.objects.record(metric, 1, Period.DAY, date=day(9))
    params = {"metric": metric.pk, "from_date": day(9), "to_date": day(11)}
    without = get(admin_client, BY_DATE, **params)
    assert len(series_values(without)) == 1
    response = get(admin_client, BY_DATE, **params, previous="on")
    values = series_values(response)
    assert values["Previous period"] == ["4", "0", "6"]
    root = chart_svg(response)
    previous = next(g for g in root.iter(f"{SVG}g") if "ts-previous" in g.get("class", ""))
    assert previous.find(f"{SVG}path").get("stroke-dasharray") == "6 4"
    assert tooltips(response)[0] == "Jan. 10, 2026: 1\nPrevious period, Jan. 7, 2026: 4"
    rows = summary(response)
    assert rows["Previous period total (Jan. 7, 2026 to Jan. 9, 2026)"] == "10"
    page = response.content.decode()
    assert 'name="previous" id="id_previous" checked' in page
    assert "the previous period, Jan. 7, 2026 to Jan. 9, 2026" in page


def test_previous_period_of_calendar_months(admin_client, metric):
    for month, value in [(10, 1), (11, 2), (12, 3), (1, 4)]:
        year = 2025 if month > 1 else 2026
        StatisticByDate.objects.record(
            metric, value, Period.CALENDAR_MONTH, date=datetime.date(year, month, 1)
        )
    response = get(
        admin_client, BY_DATE, metric=metric.pk, period="calendar_month",
        from_date="2025-12-01", to_date="2026-01-31", previous="1",
    )  # fmt: skip
    assert series_values(response)["Previous period"] == ["1", "2"]
    assert summary(response)["Previous period total (Oct. 1, 2025 to Nov. 1, 2025)"] == "3"


# --------------------------------------------------------------- quick ranges


def quick_links(response):
    page = response.content.decode()
    block = re.search(r'<p class="trackstats-quick-ranges">(.*?)</p>', page, re.S).group(1)
    return [
        (unescape(text), parse_qs(urlsplit(unescape(href)).query))
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', block)
    ]


def test_quick_ranges_end_on_the_range_and_keep_the_other_parameters(admin_client, metric):
    response = get(
        admin_client, BY_DATE, metric=metric.pk, period="week", chart="bars",
        from_date="2026-01-01", to_date="2026-03-31", previous="on",
    )  # fmt: skip
    links = quick_links(response)
    labels = [label for label, _query in links]
    assert labels == ["7 days", "30 days", "90 days", "365 days", "Same length, ending today"]
    seven = links[0][1]
    assert seven["from_date"] == ["2026-03-25"]
    assert seven["to_date"] == ["2026-03-31"]
    assert seven["period"] == [str(int(Period.WEEK))]
    assert seven["chart"] == ["bars"]
    assert seven["previous"] == ["on"]
    assert seven["metric"] == [str(metric.pk)]
    assert "format" not in seven
    assert links[3][1]["from_date"] == ["2025-04-01"]
    today = today_in()
    assert links[4][1]["to_date"] == [today.isoformat()]
    assert links[4][1]["from_date"] == [(today - datetime.timedelta(days=89)).isoformat()]
    # 90 days is the range shown.
    assert 'class="active" aria-current="true">90 days</a>' in response.content.decode()


def test_quick_ranges_ending_today_offer_no_extra_link(admin_client, metric):
    labels = [label for label, _query in quick_links(get(admin_client, BY_DATE))]
    assert labels == ["7 days", "30 days", "90 days", "365 days"]


# ------------------------------------------------------------ LIFETIME gauges


def test_recorded_lifetime_gauge_has_a_gap_first_then_carries_forward(admin_client, metric):
    today = today_in()
    start = today - datetime.timedelta(days=5)
    StatisticByDate.objects.record(metric, 100, Period.LIFETIME, date=day(1, start))
    StatisticByDate.objects.record(metric, None, Period.LIFETIME, date=day(3, start))
    StatisticByDate.objects.record(metric, 130, Period.LIFETIME, date=day(4, start))
    response = get(
        admin_client, BY_DATE, metric=metric.pk, period="lifetime", from_date=start,
        to_date=today + datetime.timedelta(days=2),
    )  # fmt: skip
    (values,) = series_values(response).values()
    # Gap before the first row, carried forward, NULL stays a gap, no value after today.
    assert values == ["", "100", "100", "", "130", "130", "", ""]
    csv_rows = list(
        csv.reader(
            io.StringIO(
                admin_client.get(
                    reverse(BY_DATE),
                    {
                        "metric": metric.pk,
                        "period": "lifetime",
                        "from_date": start,
                        "to_date": today,
                        "format": "csv",
                    },
                ).content.decode()
            )
        )
    )
    assert [row[1] for row in csv_rows[1:]] == ["", "100", "100", "", "130", "130"]


def test_lifetime_value_before_the_range_is_carried_in(admin_client, metric):
    StatisticByDate.objects.record(metric, 40, Period.LIFETIME, date=day(0))
    StatisticByDate.objects.record(metric, 45, Period.LIFETIME, date=day(12))
    response = get(
        admin_client, BY_DATE, metric=metric.pk, period="lifetime", from_date=day(10),
        to_date=day(13),
    )  # fmt: skip
    (values,) = series_values(response).values()
    assert values == ["40", "40", "45", "45"]


def test_day_counters_still_read_a_missing_row_as_zero(admin_client, metric):
    StatisticByDate.objects.record(metric, 3, Period.DAY, date=day(1))
    response = get(admin_client, BY_DATE, metric=metric.pk, from_date=day(0), to_date=day(2))
    (values,) = series_values(response).values()
    assert values == ["0", "3", "0"]


# --------------------------------------------------------------- top objects


@pytest.fixture
def customers(metric):
    """Seven customers whose totals over Jan 1..3 are 70, 60 ... 10."""
    made = []
    for index in range(7):
        customer = Customer.objects.create(name=f"C{index}", joined="2025-01-01T00:00:00Z")
        total = (7 - index) * 10
        StatisticByDateAndObject.objects.record(
            metric, total - 1, Period.DAY, date=day(0), object=customer
        )
        StatisticByDateAndObject.objects.record(
            metric, 1, Period.DAY, date=day(2), object=customer
        )
        made.append(customer)
    # Outside the range: does not count for the ranking.
    StatisticByDateAndObject.objects.record(metric, 10**6, Period.DAY, date=day(5), object=made[6])
    return made


def test_top_objects_each_a_series_and_the_rest_summed(admin_client, metric, customers):
    Customer.objects.filter(pk=customers[6].pk).update(name="Zed <b>")
    params = {"metric": metric.pk, "from_date": day(0), "to_date": day(2), "top": 3}
    response = get(admin_client, BY_OBJECT, **params)
    legend = response.context["legend"]
    assert [row["object_id"] for row in legend] == [str(c.pk) for c in customers[:3]] + [None]
    labels = [row["label"] for row in legend]
    assert labels[:3] == [f"Customer object ({c.pk})" for c in customers[:3]]
    assert labels[3] == "Other (4 objects)"
    values = series_values(response)
    assert values[labels[0]] == ["69", "0", "1"]
    # Others: 39 + 29 + 19 + 9 on the first day, 1 each on the third.
    assert values["Other (4 objects)"] == ["96", "0", "4"]
    assert [row["total"] for row in legend] == ["70", "60", "50", "100"]
    colours = [row["colour"] for row in legend]
    assert len(set(colours)) == 4
    # Each object's name links to its own chart.
    first = parse_qs(urlsplit(unescape(legend[0]["url"])).query)
    assert first["object_id"] == [str(customers[0].pk)]
    assert first["top"] == ["3"]
    page = response.content.decode()
    assert "top 3 testapp.customer objects" in page
    assert "<b>" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_top_objects_default_to_five(admin_client, metric, customers):
    response = get(admin_client, BY_OBJECT, metric=metric.pk, from_date=day(0), to_date=day(2))
    assert response.context["form"].cleaned_data["top"] == 5
    assert [row["label"] for row in response.context["legend"]][-1] == "Other (2 objects)"
    assert 'name="top" value="5"' in response.content.decode()


@pytest.mark.parametrize("top", ["0", "11", "many"])
def test_bad_top_is_a_form_error(admin_client, metric, customers, top):
    response = get(admin_client, BY_OBJECT, metric=metric.pk, top=top)
    assert 'class="errornote"' in response.content.decode()
    assert 'class="ts-chart' not in response.content.decode()


def test_top_objects_as_csv(admin_client, metric, customers):
    response = admin_client.get(
        reverse(BY_OBJECT),
        {"metric": metric.pk, "from_date": day(0), "to_date": day(2), "top": 2, "format": "csv"},
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="shop.orders_day_testapp.customer_top_2_2026-01-01_2026-01-03.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "date",
        f"testapp.customer {customers[0].pk}",
        f"testapp.customer {customers[1].pk}",
        "other",
    ]
    assert rows[1] == ["2026-01-01", "69", "59", str(49 + 39 + 29 + 19 + 9)]
    assert rows[3] == ["2026-01-03", "1", "1", "5"]


def test_top_objects_of_a_lifetime_gauge_rank_by_highest_and_carry(admin_client, metric):
    small, big = (
        Customer.objects.create(name=name, joined="2025-01-01T00:00:00Z") for name in "ab"
    )
    StatisticByDateAndObject.objects.record(metric, 5, Period.LIFETIME, date=day(0), object=small)
    StatisticByDateAndObject.objects.record(metric, 8, Period.LIFETIME, date=day(3), object=small)
    StatisticByDateAndObject.objects.record(metric, 50, Period.LIFETIME, date=day(2), object=big)
    response = get(
        admin_client, BY_OBJECT, metric=metric.pk, period="lifetime", from_date=day(1),
        to_date=day(4), top=2,
    )  # fmt: skip
    legend = response.context["legend"]
    assert [row["object_id"] for row in legend] == [str(big.pk), str(small.pk)]
    assert [row["total"] for row in legend] == ["", ""]
    values = series_values(response)
    assert values[legend[0]["label"]] == ["", "50", "50", "50"]
    # Carried in from before the range.
    assert values[legend[1]["label"]] == ["5", "5", "8", "8"]


def test_top_objects_cost_a_constant_number_of_queries(admin_client, metric):
    counts = []
    # More objects than the top five, so that both have "other".
    for objects in (6, 30):
        StatisticByDateAndObject.objects.all().delete()
        for index in range(objects):
            customer = Customer.objects.create(name=f"x{index}", joined="2025-01-01T00:00:00Z")
            for offset in range(5):
                StatisticByDateAndObject.objects.record(
                    metric, index + offset, Period.DAY, date=day(offset), object=customer
                )
        with CaptureQueriesContext(connection) as queries:
            get(admin_client, BY_OBJECT, metric=metric.pk, from_date=day(0), to_date=day(4))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_top_objects_of_a_deleted_object_are_labelled(admin_client, metric):
    gone = Customer.objects.create(name="gone", joined="2025-01-01T00:00:00Z")
    StatisticByDateAndObject.objects.record(metric, 3, Period.DAY, date=day(0), object=gone)
    pk = gone.pk
    gone.delete()
    response = get(admin_client, BY_OBJECT, metric=metric.pk, from_date=day(0), to_date=day(0))
    assert [row["label"] for row in response.context["legend"]] == [f"{pk} (deleted)"]


# -------------------------------------------------------------------- locale


@pytest.mark.parametrize(
    ("settings_kwargs", "value", "date"),
    [
        ({"LANGUAGE_CODE": "de", "USE_THOUSAND_SEPARATOR": True}, "1.234,5", "2. Januar 2026"),
        ({"LANGUAGE_CODE": "en-us", "USE_THOUSAND_SEPARATOR": True}, "1,234.5", "Jan. 2, 2026"),
        ({"LANGUAGE_CODE": "de", "USE_THOUSAND_SEPARATOR": False}, "1234,5", "2. Januar 2026"),
    ],
)
def test_numbers_and_dates_follow_the_locale(
    admin_client, metric, settings, settings_kwargs, value, date
):
    for name, setting in settings_kwargs.items():
        setattr(settings, name, setting)

    DecimalStatisticByDate.objects.record(
        metric, decimal.Decimal("1234.5"), Period.DAY, date=day(1)
    )
    DecimalStatisticByDate.objects.record(metric, decimal.Decimal("1000"), Period.DAY, date=day(2))
    with translation.override(settings.LANGUAGE_CODE):
        response = get(
            admin_client, "admin:trackstats_decimalstatisticbydate_chart", metric=metric.pk,
            from_date=day(0), to_date=day(2),
        )  # fmt: skip
        # The summary's labels are translated too (German: "Höchstwert").
        highest = translation.gettext("Highest")
    assert tooltips(response)[1] == f"{date}: {value}"
    rows = {label: text for label, text in summary(response).items()}
    assert rows[highest] == f"{value} ({date})"
    root = chart_svg(response)
    axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ts-value-axis")
    labels = [t.text for t in axis.iter(f"{SVG}text")]
    thousand = "1.000" if value == "1.234,5" else "1,000" if value == "1,234.5" else "1000"
    assert thousand in labels


def test_an_object_type_without_statistics_in_the_range_says_so(admin_client, metric, customers):
    response = get(
        admin_client, BY_OBJECT, metric=metric.pk, object_type="testapp.shop",
        from_date=day(0), to_date=day(2),
    )  # fmt: skip
    page = response.content.decode()
    assert "No object has statistics in this range." in page
    assert 'class="ts-chart' not in page


def test_top_objects_draw_no_previous_period(admin_client, metric, customers):
    response = get(
        admin_client, BY_OBJECT, metric=metric.pk, from_date=day(0), to_date=day(2),
        previous="on",
    )  # fmt: skip
    assert "Previous period" not in series_values(response)
    assert len(series_values(response)) == 6
