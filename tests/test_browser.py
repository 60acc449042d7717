"""End to end in a real Chromium: log in, open the charts, stay on the local server.

Needs Debian's ``chromium`` package and the ``browser`` extra (Playwright for Python).
Playwright drives the system browser; it never downloads one. Every test records
each request the page makes and checks that none leaves the live server; each saves
screenshots into ``test-output/`` (the ones in docs/images/ come from here).
"""

import csv
import datetime
import io
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import django.contrib.admin
import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from tests.testapp.models import Customer
from trackstats.clock import today_in
from trackstats.models import (
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)

# The picker test's URLs: the default admin site, and one that can search customers.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.test_admin_object_picker"),
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
START = datetime.date(2026, 2, 1)
DAYS = 21
PERMISSIONS = ["view_statisticbydate", "view_statisticbydateandobject", "view_customer"]


@pytest.fixture
def admin_static(settings):
    # The test settings have no staticfiles app; the live server then serves
    # STATIC_ROOT, so point it at the admin's own files for a styled page (and the
    # admin's select2 for the object picker).
    settings.STATIC_ROOT = str(Path(django.contrib.admin.__file__).parent / "static")


@pytest.fixture
def data():
    # All database work happens here, before Playwright starts: its sync API keeps an
    # event loop running in this thread, and ORM calls made then would open a second,
    # context-local connection that outlives the test (and need
    # DJANGO_ALLOW_ASYNC_UNSAFE).
    user = User.objects.create_user("viewer", password="secret-pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=PERMISSIONS))
    domain = Domain.objects.create(ref="shop", name="Shop")
    metric = Metric.objects.create(domain=domain, ref="orders", name="Orders <b>&</b>")
    for offset in range(DAYS):
        if offset % 5 == 4:
            continue  # missing rows read 0
        value = None if offset == 10 else offset * 3
        StatisticByDate.objects.record(
            metric, value, Period.DAY, date=START + datetime.timedelta(days=offset)
        )
    # A month of orders after a quieter month: the previous period to compare with.
    today = today_in()
    for offset in range(60):
        date = today - datetime.timedelta(days=offset)
        value = 1000 + (offset * 37) % 400 if offset < 30 else 600 + (offset * 53) % 300
        StatisticByDate.objects.record(metric, value, Period.WEEK, date=date)
    # A gauge written now and then with record(): no row on most days.
    users = Metric.objects.create(domain=domain, ref="users", name="Registered users")
    for offset, value in [(20, 1200), (14, 1350), (9, 1410), (3, 1600)]:
        StatisticByDate.objects.record(
            users, value, Period.LIFETIME, date=today - datetime.timedelta(days=offset)
        )
    customers = []
    for index, name in enumerate(["Ann", "Bob", "Cy", "Di", "Ed", "Flo", "Gus", "Zoe"]):
        customer = Customer.objects.create(name=name, joined="2025-01-01T00:00:00Z")
        customers.append(customer)
        for offset in range(30):
            value = (8 - index) * 10 + (offset * (index + 3)) % 17
            StatisticByDateAndObject.objects.record(
                metric,
                value,
                Period.DAY,
                date=today - datetime.timedelta(days=offset),
                object=customer,
            )
    return SimpleNamespace(metric=metric, users=users, customers=customers, today=today)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Traffic:
    """Every URL a page asks for, and those that failed."""

    def __init__(self, page):
        self.requested: list[str] = []
        self.failed: list[str] = []
        page.on("request", lambda request: self.requested.append(request.url))
        page.on(
            "response",
            lambda response: response.status >= 400 and self.failed.append(response.url),
        )

    def assert_local(self, live_server):
        host = urlsplit(live_server.url).netloc
        assert self.requested
        assert [url for url in self.requested if urlsplit(url).netloc != host] == []
        # Every stylesheet and script was found; the browser's own favicon probe may miss.
        assert [url for url in self.failed if urlsplit(url).path != "/favicon.ico"] == []


def open_page(browser, live_server, *, width=1100, javascript=True):
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        accept_downloads=True,
        java_script_enabled=javascript,
    )
    page = context.new_page()
    traffic = Traffic(page)
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.fill("#id_username", "viewer")
    page.fill("#id_password", "secret-pw")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page, traffic


def screenshot(page, name):
    OUTPUT.mkdir(exist_ok=True)
    page.locator("#content").screenshot(path=str(OUTPUT / name))


def chart_url(live_server, name, **params):
    return f"{live_server.url}{reverse(name)}?{urlencode(params)}"


def series_of(page):
    return page.eval_on_selector_all(
        "svg.ts-chart g.ts-series",
        "nodes => nodes.map(n => [n.dataset.label, n.dataset.values.split(',')])",
    )


def test_staff_logs_in_and_sees_an_offline_chart(live_server, admin_static, data, browser):
    metric = data.metric
    context = browser.new_context(viewport={"width": 1100, "height": 800}, accept_downloads=True)
    page = context.new_page()
    traffic = Traffic(page)
    last = START + datetime.timedelta(days=DAYS - 1)
    url = chart_url(
        live_server,
        "admin:trackstats_graph_by_date",
        metric=metric.pk,
        from_date=START.isoformat(),
        to_date=last.isoformat(),
    )
    page.goto(url)
    # Not logged in: the admin login form, which leads back to the chart.
    assert "/admin/login/" in page.url
    page.fill("#id_username", "viewer")
    page.fill("#id_password", "secret-pw")
    page.click("input[type=submit]")
    page.wait_for_selector("svg.ts-chart")
    assert page.url == url

    dates = page.eval_on_selector_all(
        "svg.ts-chart .ts-point", "nodes => nodes.map(n => n.dataset.date)"
    )
    assert dates == [(START + datetime.timedelta(days=i)).isoformat() for i in range(DAYS)]
    assert page.locator("svg.ts-chart .ts-gap").count() == 1
    assert page.locator("svg.ts-chart .ts-point").nth(4).locator("title").text_content() == (
        "Feb. 5, 2026: 0"
    )
    assert page.locator("svg.ts-chart .ts-point").nth(10).locator("title").text_content() == (
        "Feb. 11, 2026: no data"
    )
    # The name is shown as text, not interpreted as markup.
    assert "Orders <b>&</b>" in page.locator("h2").filter(has_text="shop.orders").inner_text()
    # The admin stylesheet arrived from the live server: the page is styled.
    assert page.eval_on_selector("#header", "el => getComputedStyle(el).display") == "flex"

    with page.expect_download() as download_info:
        page.click("a.trackstats-csv-link")
    download = download_info.value
    assert download.suggested_filename == "shop.orders_day_2026-02-01_2026-02-21.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert len(rows) == DAYS + 1
    assert rows[11] == ["2026-02-11", ""]

    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "chart.png"), full_page=True)
    context.close()
    traffic.assert_local(live_server)


def test_summary_quick_ranges_and_previous_period(live_server, admin_static, data, browser):
    page, traffic = open_page(browser, live_server)
    page.goto(
        chart_url(live_server, "admin:trackstats_graph_by_date", metric=data.metric.pk,
                  period="week", previous="on")
    )  # fmt: skip
    summary = dict(
        page.eval_on_selector_all(
            ".trackstats-summary tr",
            "rows => rows.map(r => [r.cells[0].innerText, r.cells[1].innerText])",
        )
    )
    # Rolling weeks overlap: an average, no total.
    assert "Total" not in summary
    assert "Average of the 30 days with data" in summary
    assert any(label.startswith("Previous period average") for label in summary)
    labels = [label for label, _values in series_of(page)]
    assert labels[0] == "Previous period"
    assert page.is_checked("#id_previous")
    screenshot(page, "chart-previous-period.png")

    page.click(".trackstats-quick-ranges a:text-is('7 days')")
    page.wait_for_selector("svg.ts-chart")
    query = parse_qs(urlsplit(page.url).query)
    assert query["from_date"] == [(data.today - datetime.timedelta(days=6)).isoformat()]
    assert query["period"] == [str(int(Period.WEEK))]
    assert page.locator("svg.ts-chart .ts-point").count() == 7
    assert page.locator(".trackstats-quick-ranges a.active").inner_text() == "7 days"
    # The checkbox switches the previous period off.
    page.uncheck("#id_previous")
    page.click(".trackstats-chart-form input[type=submit]")
    page.wait_for_selector("svg.ts-chart")
    assert page.locator("svg.ts-chart .ts-previous").count() == 0
    assert "previous" not in parse_qs(urlsplit(page.url).query)
    traffic.assert_local(live_server)


def test_recorded_lifetime_gauge_is_not_drawn_as_zero(live_server, admin_static, data, browser):
    page, traffic = open_page(browser, live_server)
    page.goto(
        chart_url(live_server, "admin:trackstats_graph_by_date", metric=data.users.pk,
                  period="lifetime")
    )  # fmt: skip
    ((_label, values),) = series_of(page)
    # 30 days ending today: no row before day 9 of the range, then carried forward.
    assert values[:9] == [""] * 9
    assert values[9:16] == ["1200"] * 6 + ["1350"]
    assert values[-1] == "1600"
    assert "0" not in values
    assert page.locator("svg.ts-chart .ts-gap").count() == 9
    screenshot(page, "chart-lifetime.png")
    traffic.assert_local(live_server)


def test_top_objects_and_the_autocomplete_picker(live_server, admin_static, data, browser):
    page, traffic = open_page(browser, live_server)
    page.goto(chart_url(live_server, "picker:trackstats_graph_by_date_and_object",
                        metric=data.metric.pk))  # fmt: skip
    legend = page.eval_on_selector_all(
        ".trackstats-legend-row", "rows => rows.map(r => r.innerText.split('\\t')[0].trim())"
    )
    top = data.customers[:5]
    assert legend == [f"Customer object ({c.pk})" for c in top] + ["Other (3 objects)"]
    assert len(series_of(page)) == 6
    colours = page.eval_on_selector_all(
        ".trackstats-swatch", "nodes => nodes.map(n => getComputedStyle(n).backgroundColor)"
    )
    assert len(set(colours)) == 6
    screenshot(page, "chart-top-objects.png")

    # The admin's select2 searches every customer by name, not only the top ones.
    zoe = data.customers[-1]
    page.click(".field-object_id .select2-selection")
    page.fill(".select2-search__field", "Zoe")
    option = page.locator(".select2-results__option", has_text=f"Customer object ({zoe.pk})")
    option.wait_for()
    # The search answered: only the match is left in the list.
    page.wait_for_function("document.querySelectorAll('.select2-results__option').length === 1")
    page.screenshot(path=str(OUTPUT / "chart-object-picker.png"))
    option.click()
    page.click(".trackstats-chart-form input[type=submit]")
    page.wait_for_selector("svg.ts-chart")
    assert parse_qs(urlsplit(page.url).query)["object_id"] == [str(zoe.pk)]
    assert len(series_of(page)) == 1
    assert f"testapp.customer {zoe.pk}" in page.locator("h2").inner_text()
    traffic.assert_local(live_server)


def test_object_picker_works_without_script(live_server, admin_static, data, browser):
    page, traffic = open_page(browser, live_server, javascript=False)
    page.goto(chart_url(live_server, "picker:trackstats_graph_by_date_and_object",
                        metric=data.metric.pk, top=3))  # fmt: skip
    assert page.locator(".select2-container").count() == 0
    second = data.customers[1]
    page.select_option("#id_object_id", str(second.pk))
    page.click(".trackstats-chart-form input[type=submit]")
    page.wait_for_selector("svg.ts-chart")
    assert parse_qs(urlsplit(page.url).query)["object_id"] == [str(second.pk)]
    assert len(series_of(page)) == 1
    traffic.assert_local(live_server)


def test_width_follows_the_page_and_text_stays_legible(live_server, admin_static, data, browser):
    widths = {}
    for viewport in (1400, 700):
        page, traffic = open_page(browser, live_server, width=viewport)
        page.goto(chart_url(live_server, "admin:trackstats_graph_by_date",
                            metric=data.metric.pk, period="week"))  # fmt: skip
        chart = page.locator("svg.ts-chart").bounding_box()
        container = page.locator(".trackstats-chart").bounding_box()
        widths[viewport] = chart["width"]
        # Text of the axes, in screen pixels.
        heights = page.eval_on_selector_all(
            "svg.ts-chart .ts-value-axis text, svg.ts-chart .ts-date-axis text",
            "nodes => nodes.map(n => n.getBoundingClientRect().height)",
        )
        assert min(heights) >= 8
        assert max(heights) <= 30
        if viewport == 1400:
            # The chart fills its box (less its padding).
            assert chart["width"] >= container["width"] - 20
            screenshot(page, "chart-wide.png")
        else:
            screenshot(page, "chart-narrow.png")
        traffic.assert_local(live_server)
        page.context.close()
    assert widths[1400] > widths[700] + 300


def test_numbers_and_dates_in_german(live_server, admin_static, data, browser, settings):
    settings.LANGUAGE_CODE = "de"
    settings.USE_THOUSAND_SEPARATOR = True
    page, traffic = open_page(browser, live_server)
    page.goto(chart_url(live_server, "admin:trackstats_graph_by_date",
                        metric=data.metric.pk, period="week"))  # fmt: skip
    today = page.locator("svg.ts-chart .ts-point").last.locator("title").text_content()
    months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember"]  # fmt: skip
    # The week ending today holds 1000 orders.
    day = f"{data.today.day}. {months[data.today.month - 1]} {data.today.year}"
    assert today == f"{day}: 1.000"
    latest = page.locator(".trackstats-summary tr").nth(2).locator("td").inner_text()
    assert latest == f"1.000 ({day})"
    axis = page.eval_on_selector_all(
        "svg.ts-chart .ts-value-axis text", "nodes => nodes.map(n => n.textContent)"
    )
    assert "1.000" in axis
    screenshot(page, "chart-german.png")
    traffic.assert_local(live_server)
