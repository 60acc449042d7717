"""End to end in a real Chromium: log in, open a chart, stay on the local server.

Needs Debian's ``chromium`` package and the ``browser`` extra (Playwright for Python).
Playwright drives the system browser; it never downloads one.
"""

import csv
import datetime
import io
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import django.contrib.admin
import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from trackstats.models import Domain, Metric, Period, StatisticByDate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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


@pytest.fixture
def admin_static(settings):
    # The test settings have no staticfiles app; the live server then serves
    # STATIC_ROOT, so point it at the admin's own files for a styled page.
    settings.STATIC_ROOT = str(Path(django.contrib.admin.__file__).parent / "static")


@pytest.fixture
def chart_metric():
    # All database work happens here, before Playwright starts: its sync API keeps an
    # event loop running in this thread, and ORM calls made then would open a second,
    # context-local connection that outlives the test (and need
    # DJANGO_ALLOW_ASYNC_UNSAFE).
    user = User.objects.create_user("viewer", password="secret-pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_statisticbydate"))
    domain = Domain.objects.create(ref="shop", name="Shop")
    metric = Metric.objects.create(domain=domain, ref="orders", name="Orders <b>&</b>")
    for offset in range(DAYS):
        if offset % 5 == 4:
            continue  # missing rows read 0
        value = None if offset == 10 else offset * 3
        StatisticByDate.objects.record(
            metric, value, Period.DAY, date=START + datetime.timedelta(days=offset)
        )
    return metric


@pytest.fixture
def browser_page(chart_metric):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1100, "height": 800}, accept_downloads=True
            )
            yield context.new_page()
            context.close()
        finally:
            browser.close()


def test_staff_logs_in_and_sees_an_offline_chart(
    live_server, admin_static, chart_metric, browser_page
):
    metric = chart_metric
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    failed: list[str] = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))

    last = START + datetime.timedelta(days=DAYS - 1)
    query = urlencode(
        {"metric": metric.pk, "from_date": START.isoformat(), "to_date": last.isoformat()}
    )
    chart_url = f"{live_server.url}{reverse('admin:trackstats_graph_by_date')}?{query}"
    page.goto(chart_url)
    # Not logged in: the admin login form, which leads back to the chart.
    assert "/admin/login/" in page.url
    page.fill("#id_username", "viewer")
    page.fill("#id_password", "secret-pw")
    page.click("input[type=submit]")
    page.wait_for_selector("svg.ts-chart")
    assert page.url == chart_url

    dates = page.eval_on_selector_all(
        "svg.ts-chart .ts-point", "nodes => nodes.map(n => n.dataset.date)"
    )
    assert dates == [(START + datetime.timedelta(days=i)).isoformat() for i in range(DAYS)]
    assert page.locator("svg.ts-chart .ts-gap").count() == 1
    assert page.locator("svg.ts-chart .ts-point").nth(4).locator("title").text_content() == (
        "2026-02-05: 0"
    )
    assert page.locator("svg.ts-chart .ts-point").nth(10).locator("title").text_content() == (
        "2026-02-11: no data"
    )
    # The name is shown as text, not interpreted as markup.
    assert "Orders <b>&</b>" in page.locator("h2").filter(has_text="shop.orders").inner_text()
    # The admin stylesheet arrived from the live server: the page is styled.
    assert page.eval_on_selector("#header", "el => getComputedStyle(el).display") == "flex"
    box = page.locator("svg.ts-chart").bounding_box()
    assert box is not None
    assert box["width"] > 300

    with page.expect_download() as download_info:
        page.click("a.trackstats-csv-link")
    download = download_info.value
    assert download.suggested_filename == "shop.orders_day_2026-02-01_2026-02-21.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
    assert len(rows) == DAYS + 1
    assert rows[11] == ["2026-02-11", ""]

    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "chart.png"), full_page=True)

    host = urlsplit(live_server.url).netloc
    assert requested
    assert [url for url in requested if urlsplit(url).netloc != host] == []
    # Every stylesheet and script was found; the browser's own favicon probe may miss.
    assert [url for url in failed if urlsplit(url).path != "/favicon.ico"] == []
