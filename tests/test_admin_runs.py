"""The run log in the admin, and "last tracked" on the statistic lists and charts."""

import datetime
import re
import zoneinfo

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from tests.testapp.models import Customer, Order
from trackstats.admin import StatisticByDateAdmin
from trackstats.admin.run_log import buckets_by_local_date
from trackstats.models import (
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
    TrackerRun,
)
from trackstats.trackers import CountObjectsByDateAndObjectTracker, CountObjectsByDateTracker

pytestmark = pytest.mark.django_db

# A site without the run log, for the test that no link points at a missing page.
no_runs_site = AdminSite(name="norunlog")
no_runs_site.register(StatisticByDate, StatisticByDateAdmin)
urlpatterns = [path("admin/", admin.site.urls), path("norunlog/", no_runs_site.urls)]

RUNS = "admin:trackstats_trackerrun_changelist"
BY_DATE_LIST = "admin:trackstats_statisticbydate_changelist"
BY_OBJECT_LIST = "admin:trackstats_statisticbydateandobject_changelist"
BY_DATE_CHART = "admin:trackstats_graph_by_date"
BY_OBJECT_CHART = "admin:trackstats_graph_by_date_and_object"
BY_DATE_LABEL = "trackstats.StatisticByDate"
BY_OBJECT_LABEL = "trackstats.StatisticByDateAndObject"
JAN = datetime.date(2026, 1, 1)
# "Now" of the running test, in whole seconds so that the ISO text of <time datetime>
# is predictable. Taken when each test starts, not at import: with the tests in random
# order an import-time "now" can be minutes old when a test renders "3 hours ago".
_now = [timezone.now().replace(microsecond=0)]


@pytest.fixture(autouse=True)
def _now_of_this_test():
    _now[0] = timezone.now().replace(microsecond=0)


def hours_ago(hours):
    return _now[0] - datetime.timedelta(hours=hours)


@pytest.fixture
def metric():
    domain = Domain.objects.create(ref="shop", name="Shop")
    return Metric.objects.create(domain=domain, ref="orders", name="Orders")


@pytest.fixture
def customer():
    return Customer.objects.create(name="Ann", joined="2025-01-01T00:00:00Z")


def make_run(metric, *, started_at=None, status=TrackerRun.Status.SUCCESS, **fields):
    started_at = hours_ago(3) if started_at is None else started_at
    values = {
        "name": f"{metric.label}.day" if metric is not None else "broken.source",
        "statistic_model": BY_DATE_LABEL,
        "metric": metric,
        "period": int(Period.DAY),
        "started_at": started_at,
        "finished_at": started_at + datetime.timedelta(seconds=1.5),
        "seconds": 1.5,
        "start_date": JAN,
        "end_date": JAN + datetime.timedelta(days=2),
        "rows_written": 3,
        "rows_removed": 1,
        "time_zone": "Europe/Amsterdam",
        "status": status,
        "error": "ValueError: boom" if status == TrackerRun.Status.FAILED else "",
        **fields,
    }
    return TrackerRun.objects.create(**values)


def staff_user(*codenames):
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def iso(moment):
    return timezone.localtime(moment).isoformat()


def last_tracked_paragraph(response):
    found = re.search(
        r'<p class="trackstats-last-tracked">(.*?)</p>', response.content.decode(), re.S
    )
    return None if found is None else " ".join(found.group(1).split())


def shown_ids(client, **params):
    response = client.get(reverse(RUNS), params)
    assert response.status_code == 200
    return sorted(run.pk for run in response.context["cl"].result_list)


# ----------------------------------------------------------------- permissions


def test_staff_without_the_view_permission_neither_sees_nor_opens_the_log(client, metric):
    run = make_run(metric)
    client.force_login(staff_user("view_statisticbydate"))
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "/admin/trackstats/statisticbydate/" in index.content.decode()
    assert "/admin/trackstats/trackerrun/" not in index.content.decode()
    assert client.get(reverse(RUNS)).status_code == 403
    change = reverse("admin:trackstats_trackerrun_change", args=[run.pk])
    assert client.get(change).status_code == 403


def test_anonymous_is_sent_to_login(client, metric):
    response = client.get(reverse(RUNS))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_view_permission_shows_the_list_and_the_detail_read_only(client, metric):
    run = make_run(metric)
    client.force_login(staff_user("view_trackerrun"))
    index = client.get(reverse("admin:index")).content.decode()
    assert 'href="/admin/trackstats/trackerrun/"' in index
    assert "/admin/trackstats/trackerrun/add/" not in index
    listing = client.get(reverse(RUNS))
    assert listing.status_code == 200
    assert [r.pk for r in listing.context["cl"].result_list] == [run.pk]
    change = reverse("admin:trackstats_trackerrun_change", args=[run.pk])
    detail = client.get(change)
    assert detail.status_code == 200
    page = detail.content.decode()
    assert '<div class="readonly">shop.orders.day</div>' in page
    assert 'name="_save"' not in page
    assert 'name="_continue"' not in page
    assert client.get(reverse("admin:trackstats_trackerrun_add")).status_code == 403
    assert client.post(change, {"name": "changed"}).status_code == 403


def test_change_permission_also_lets_staff_read_the_log(client, metric):
    run = make_run(metric, name="shop.orders.lifetime", period=int(Period.LIFETIME))
    client.force_login(staff_user("change_trackerrun"))
    response = client.get(reverse(RUNS))
    assert response.status_code == 200
    assert '<td class="field-period_text">lifetime</td>' in response.content.decode()
    change = reverse("admin:trackstats_trackerrun_change", args=[run.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"name": "changed"}).status_code == 403


@pytest.mark.parametrize("as_superuser", [True, False])
def test_nobody_adds_or_changes_runs_in_the_admin(client, admin_user, metric, as_superuser):
    run = make_run(metric)
    if as_superuser:
        client.force_login(admin_user)
    else:
        client.force_login(
            staff_user(
                "view_trackerrun", "add_trackerrun", "change_trackerrun", "delete_trackerrun"
            )
        )
    index = client.get(reverse("admin:index")).content.decode()
    assert "/admin/trackstats/trackerrun/add/" not in index
    change = reverse("admin:trackstats_trackerrun_change", args=[run.pk])
    assert client.get(reverse("admin:trackstats_trackerrun_add")).status_code == 403
    assert client.post(change, {"name": "changed", "status": "failed"}).status_code == 403
    page = client.get(change).content.decode()
    assert 'name="_save"' not in page
    assert '<div class="readonly">shop.orders.day</div>' in page
    run.refresh_from_db()
    assert (run.name, run.status) == ("shop.orders.day", "success")


def test_deleting_runs_needs_the_delete_permission(client, metric):
    old, recent = make_run(metric, started_at=hours_ago(48)), make_run(metric)
    user = staff_user("view_trackerrun")
    client.force_login(user)
    delete = reverse("admin:trackstats_trackerrun_delete", args=[old.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    # No actions, so no bulk delete either.
    assert client.get(reverse(RUNS)).context["action_form"] is None
    bulk = {"action": "delete_selected", "_selected_action": [old.pk], "post": "yes"}
    client.post(reverse(RUNS), bulk)
    assert TrackerRun.objects.count() == 2

    user.user_permissions.add(Permission.objects.get(codename="delete_trackerrun"))
    client.force_login(User.objects.get(pk=user.pk))
    listing = client.get(reverse(RUNS))
    assert listing.context["action_form"] is not None
    assert "Delete selected tracker runs" in listing.content.decode()
    # Confirmation first, then the delete.
    unconfirmed = {"action": "delete_selected", "_selected_action": [old.pk]}
    confirm = client.post(reverse(RUNS), unconfirmed)
    assert confirm.status_code == 200
    assert "Delete multiple objects" in confirm.content.decode()
    assert TrackerRun.objects.count() == 2
    assert client.post(reverse(RUNS), bulk).status_code == 302
    assert list(TrackerRun.objects.values_list("pk", flat=True)) == [recent.pk]
    assert (
        client.get(reverse("admin:trackstats_trackerrun_delete", args=[recent.pk])).status_code
        == 200
    )


def test_deleting_a_metric_in_the_admin_deletes_its_runs(admin_client, metric):
    make_run(metric)
    delete = reverse("admin:trackstats_metric_delete", args=[metric.pk])
    response = admin_client.get(delete)
    assert response.status_code == 200
    # The run log does not stand in the way of the cascade.
    assert not response.context["perms_lacking"]
    assert "Tracker run" in response.content.decode()
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Metric.objects.filter(pk=metric.pk).exists()
    assert not TrackerRun.objects.exists()


# ---------------------------------------------------------------- list content


def test_list_shows_each_runs_columns(admin_client, metric):
    make_run(metric, started_at=hours_ago(5))
    make_run(
        metric,
        name="shop.orders.10_days",
        period=10 * Period.DAY,
        started_at=hours_ago(4),
        seconds=62.25,
        start_date=JAN,
        end_date=JAN,
        rows_written=1200,
        rows_removed=0,
        time_zone="UTC",
    )
    make_run(
        None,
        statistic_model="",
        period=None,
        start_date=None,
        end_date=None,
        rows_written=0,
        rows_removed=0,
        started_at=hours_ago(2),
        status=TrackerRun.Status.FAILED,
    )
    response = admin_client.get(reverse(RUNS))
    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode().split("<tbody>")[1], re.S)
    cells = [re.findall(r'class="field-(\w+)[^"]*">(.*?)</t[dh]>', row, re.S) for row in rows]
    texts = [{name: re.sub(r"<[^>]+>", "", html).strip() for name, html in row} for row in cells]
    # Newest first.
    assert [t["name"] for t in texts] == [
        "broken.source",
        "shop.orders.10_days",
        "shop.orders.day",
    ]
    assert texts[2] == {
        "name": "shop.orders.day",
        "metric_label": "shop.orders",
        "period_text": "day",
        "status_marker": "success",
        "started_at": texts[2]["started_at"],
        "duration": "1.500 s",
        "date_range": "2026-01-01 to 2026-01-03",
        "rows_written": "3",
        "rows_removed": "1",
        "time_zone": "Europe/Amsterdam",
    }
    assert texts[2]["started_at"] == date_format(
        timezone.localtime(hours_ago(5)), "DATETIME_FORMAT"
    )
    assert texts[1]["period_text"] == "10_days"
    assert texts[1]["duration"] == "62.250 s"
    assert texts[1]["date_range"] == "2026-01-01"
    assert texts[1]["rows_written"] == "1200"
    # A run that failed before its scope was known has no metric, period or dates.
    assert (texts[0]["metric_label"], texts[0]["period_text"], texts[0]["date_range"]) == (
        "-",
        "-",
        "-",
    )
    assert texts[0]["status_marker"] == "failed"
    page = response.content.decode()
    newest = TrackerRun.objects.latest()
    assert f'<a href="/admin/trackstats/trackerrun/{newest.pk}/change/">broken.source</a>' in page
    # The metric filter offers runs without a metric too.
    assert '<a href="?metric__isnull=True">-</a>' in page
    assert shown_ids(admin_client, metric__isnull="True") == [newest.pk]


def test_failed_runs_are_marked(admin_client, metric):
    make_run(metric, started_at=hours_ago(2))
    make_run(
        metric,
        status=TrackerRun.Status.FAILED,
        error='OperationalError: no such table "x" <b>\n  more detail',
    )
    page = admin_client.get(reverse(RUNS)).content.decode()
    assert page.count('class="trackstats-run-failed"') == 1
    assert page.count('class="trackstats-run-success"') == 1
    # The marker is an alert icon and bold text, its tooltip the error's first line.
    assert (
        '<span class="trackstats-run-failed" title="OperationalError: no such table '
        '&quot;x&quot; &lt;b&gt;" style="white-space: nowrap">'
        '<img src="/static/admin/img/icon-alert.svg" alt=""> '
        "<strong>failed</strong></span>"
    ) in page
    assert "<b>" not in page


def test_detail_shows_the_error_preformatted(admin_client, metric):
    error = 'Traceback-ish text <script>x</script>\n    indented "line"\n'
    failed = make_run(metric, status=TrackerRun.Status.FAILED, error=error)
    succeeded = make_run(metric)
    page = admin_client.get(
        reverse("admin:trackstats_trackerrun_change", args=[failed.pk])
    ).content.decode()
    pre = re.search(r'<pre class="trackstats-run-error"[^>]*>(.*?)</pre>', page, re.S)
    assert pre.group(1) == (
        "Traceback-ish text &lt;script&gt;x&lt;/script&gt;\n    indented &quot;line&quot;\n"
    )
    assert "<script>x" not in page
    # The scope and the figures of the run are all there.
    for text in ("trackstats.StatisticByDate", "2026-01-01 to 2026-01-03", "Europe/Amsterdam"):
        assert text in page
    page = admin_client.get(
        reverse("admin:trackstats_trackerrun_change", args=[succeeded.pk])
    ).content.decode()
    assert "trackstats-run-error" not in page


# --------------------------------------------------------------------- filters


def test_filters_search_and_date_hierarchy(admin_client, metric):
    visits = Metric.objects.create(domain=metric.domain, ref="visits", name="Visits")
    day_run = make_run(
        metric, started_at=datetime.datetime(2026, 1, 5, 12, tzinfo=datetime.timezone.utc)
    )
    week_run = make_run(
        metric,
        name="shop.orders.week",
        period=int(Period.WEEK),
        started_at=datetime.datetime(2026, 2, 5, 12, tzinfo=datetime.timezone.utc),
    )
    failed = make_run(
        visits,
        name="shop.visits.10_days",
        period=10 * Period.DAY,
        statistic_model=BY_OBJECT_LABEL,
        status=TrackerRun.Status.FAILED,
        started_at=datetime.datetime(2026, 2, 6, 12, tzinfo=datetime.timezone.utc),
    )
    assert shown_ids(admin_client) == sorted([day_run.pk, week_run.pk, failed.pk])
    assert shown_ids(admin_client, status__exact="failed") == [failed.pk]
    assert shown_ids(admin_client, status__exact="success") == [day_run.pk, week_run.pk]
    assert shown_ids(admin_client, metric__id__exact=visits.pk) == [failed.pk]
    assert shown_ids(admin_client, period=int(Period.WEEK)) == [week_run.pk]
    assert shown_ids(admin_client, period=10 * Period.DAY) == [failed.pk]
    assert shown_ids(admin_client, period="week") == []
    assert shown_ids(admin_client, statistic_model=BY_OBJECT_LABEL) == [failed.pk]
    assert shown_ids(admin_client, q="orders") == [day_run.pk, week_run.pk]
    assert shown_ids(admin_client, q="10_days") == [failed.pk]
    if buckets_by_local_date(connection.alias):
        assert shown_ids(admin_client, started_at__year=2026, started_at__month=2) == [
            week_run.pk,
            failed.pk,
        ]
    page = admin_client.get(reverse(RUNS)).content.decode()
    # The period filter offers the logged periods by name, N-day windows included.
    assert '<a href="?period=864000">10_days</a>' in page
    assert '<a href="?period=604800">week</a>' in page
    assert '<a href="?status__exact=failed">failed</a>' in page
    assert f'<a href="?statistic_model={BY_OBJECT_LABEL}">{BY_OBJECT_LABEL}</a>' in page


def test_list_in_a_time_zone_the_database_may_not_know(admin_client, metric):
    # 03:00 UTC on 1 February is still January in New York.
    run = make_run(
        metric, started_at=datetime.datetime(2026, 2, 1, 3, tzinfo=datetime.timezone.utc)
    )
    zone_tables = connection.vendor != "mysql" or connection.features.has_zoneinfo_database
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        response = admin_client.get(reverse(RUNS))
        assert response.status_code == 200
        if zone_tables:
            assert response.context["cl"].date_hierarchy == "started_at"
            assert 'href="?started_at__year=2026"' in response.content.decode()
            assert shown_ids(admin_client, started_at__year=2026, started_at__month=1) == [run.pk]
            assert shown_ids(admin_client, started_at__year=2026, started_at__month=2) == []
        else:
            # MySQL or MariaDB without its time zone tables: no hierarchy, no error.
            assert response.context["cl"].date_hierarchy is None
            assert [r.pk for r in response.context["cl"].result_list] == [run.pk]


# --------------------------------------------------------------------- queries


def test_list_and_detail_queries_are_bounded(admin_client, metric, django_assert_max_num_queries):
    domains = [Domain.objects.create(ref=f"d{i}") for i in range(3)]
    metrics = [Metric.objects.create(domain=d, ref="m") for d in domains]
    counts = []
    for runs in (3, 60):
        TrackerRun.objects.all().delete()
        for i in range(runs):
            make_run(
                metrics[i % 3],
                period=(1 + i % 4) * int(Period.DAY),
                status=TrackerRun.Status.FAILED if i % 2 else TrackerRun.Status.SUCCESS,
                started_at=hours_ago(i + 1),
            )
        # Session, user, the metric and period filters' choices, two counts, the page,
        # the date hierarchy's range and months, the statistic models' filter.
        with django_assert_max_num_queries(10) as captured:
            response = admin_client.get(reverse(RUNS))
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == runs
        counts.append(len(captured))
    assert counts[0] == counts[1]
    run = TrackerRun.objects.first()
    detail = reverse("admin:trackstats_trackerrun_change", args=[run.pk])
    # Session, user, the run, the content type of the model, the run's metric.
    with django_assert_max_num_queries(5) as captured:
        assert admin_client.get(detail).status_code == 200


# ----------------------------------------------------------- last tracked: list


def test_change_list_of_one_metric_says_when_it_was_last_tracked(admin_client, metric):
    StatisticByDate.objects.record(metric, 1, Period.DAY, date=JAN)
    older = make_run(metric, started_at=hours_ago(30))
    latest = make_run(metric, started_at=hours_ago(3))
    url = reverse(BY_DATE_LIST)
    response = admin_client.get(url, {"metric__id__exact": metric.pk})
    text = last_tracked_paragraph(response)
    assert f'Last tracked: <time datetime="{iso(latest.started_at)}">' in text
    assert "(3 hours ago)" in text
    assert iso(older.started_at) not in text
    assert "failed" not in text
    run_log = (
        f"/admin/trackstats/trackerrun/?metric__id__exact={metric.pk}"
        f"&amp;statistic_model={BY_DATE_LABEL}"
    )
    assert f'<a href="{run_log}" class="trackstats-run-log-link">run log</a>' in text
    # The link opens the run log of exactly those runs.
    assert shown_ids(
        admin_client, metric__id__exact=metric.pk, statistic_model=BY_DATE_LABEL
    ) == sorted([older.pk, latest.pk])
    # A list of every metric has no single "last tracked".
    assert last_tracked_paragraph(admin_client.get(url)) is None


def test_period_filter_narrows_last_tracked_to_that_period(admin_client, metric):
    day_run = make_run(metric, started_at=hours_ago(5))
    make_run(metric, name="shop.orders.week", period=int(Period.WEEK), started_at=hours_ago(1))
    response = admin_client.get(
        reverse(BY_DATE_LIST), {"metric__id__exact": metric.pk, "period": int(Period.DAY)}
    )
    text = last_tracked_paragraph(response)
    assert f'<time datetime="{iso(day_run.started_at)}">' in text
    assert f"period={int(Period.DAY)}" in text
    # Without the period filter: the latest run of any period of the metric.
    text = last_tracked_paragraph(
        admin_client.get(reverse(BY_DATE_LIST), {"metric__id__exact": metric.pk})
    )
    assert f'<time datetime="{iso(hours_ago(1))}">' in text


def test_runs_of_other_metrics_and_models_do_not_count(admin_client, metric):
    other = Metric.objects.create(domain=metric.domain, ref="visits")
    make_run(other, started_at=hours_ago(1))
    make_run(metric, statistic_model=BY_OBJECT_LABEL, started_at=hours_ago(1))
    response = admin_client.get(reverse(BY_DATE_LIST), {"metric__id__exact": metric.pk})
    text = last_tracked_paragraph(response)
    assert text.startswith("Never tracked")
    assert "<time" not in text
    # The link is there all the same: the log is where a missing run shows.
    assert "trackstats-run-log-link" in text


def test_a_failed_latest_run_is_marked(admin_client, metric):
    succeeded = make_run(metric, started_at=hours_ago(26))
    failed = make_run(metric, started_at=hours_ago(2), status=TrackerRun.Status.FAILED)
    text = last_tracked_paragraph(
        admin_client.get(reverse(BY_DATE_LIST), {"metric__id__exact": metric.pk})
    )
    assert f'Last tracked: <time datetime="{iso(succeeded.started_at)}">' in text
    assert "(1 day, 2 hours ago)" in text
    assert (
        '<strong class="trackstats-run-failed">the latest run failed: '
        f'<time datetime="{iso(failed.started_at)}">'
    ) in text
    # Only ever failed: never tracked, and the failure marked.
    TrackerRun.objects.filter(pk=succeeded.pk).delete()
    text = last_tracked_paragraph(
        admin_client.get(reverse(BY_DATE_LIST), {"metric__id__exact": metric.pk})
    )
    assert text.startswith("Never tracked")
    assert "the latest run failed" in text
    # A success after the failure clears the marker.
    make_run(metric, started_at=hours_ago(1))
    text = last_tracked_paragraph(
        admin_client.get(reverse(BY_DATE_LIST), {"metric__id__exact": metric.pk})
    )
    assert "failed" not in text


def test_the_run_log_link_needs_the_view_permission_on_runs(client, metric):
    make_run(metric)
    user = staff_user("view_statisticbydate")
    client.force_login(user)
    params = {"metric__id__exact": metric.pk}
    text = last_tracked_paragraph(client.get(reverse(BY_DATE_LIST), params))
    assert text.startswith("Last tracked:")
    assert "trackstats-run-log-link" not in text
    assert "/admin/trackstats/trackerrun/" not in text
    user.user_permissions.add(Permission.objects.get(codename="view_trackerrun"))
    client.force_login(User.objects.get(pk=user.pk))
    text = last_tracked_paragraph(client.get(reverse(BY_DATE_LIST), params))
    assert "trackstats-run-log-link" in text


@pytest.mark.urls(__name__)
def test_a_site_without_the_run_log_shows_no_link(admin_client, metric):
    make_run(metric)
    response = admin_client.get(
        reverse("norunlog:trackstats_statisticbydate_changelist"),
        {"metric__id__exact": metric.pk},
    )
    text = last_tracked_paragraph(response)
    assert text.startswith("Last tracked:")
    assert "trackstats-run-log-link" not in text


def test_by_object_list_filtered_by_object_type(admin_client, metric, customer):
    customer_type = ContentType.objects.get_for_model(Customer)
    other_type = ContentType.objects.get_for_model(Metric)
    StatisticByDateAndObject.objects.record(metric, 1, Period.DAY, date=JAN, object=customer)
    by_customer = make_run(
        metric, statistic_model=BY_OBJECT_LABEL, object_type=customer_type, started_at=hours_ago(4)
    )
    make_run(
        metric, statistic_model=BY_OBJECT_LABEL, object_type=other_type, started_at=hours_ago(1)
    )
    params = {"metric__id__exact": metric.pk, "object_type__id__exact": customer_type.pk}
    text = last_tracked_paragraph(admin_client.get(reverse(BY_OBJECT_LIST), params))
    assert f'<time datetime="{iso(by_customer.started_at)}">' in text
    assert f"statistic_model={BY_OBJECT_LABEL}" in text


@pytest.mark.parametrize("value", ["abc", "\u00b2", "99999999999999999999999", "999999"])
@pytest.mark.parametrize("list_name", [BY_DATE_LIST, BY_OBJECT_LIST])
def test_odd_filter_values_do_not_break_the_list(admin_client, metric, value, list_name):
    make_run(metric)
    for params in (
        {"metric__id__exact": value},
        {"metric__id__exact": metric.pk, "period": value},
        {"metric__id__exact": metric.pk, "object_type__id__exact": value},
    ):
        response = admin_client.get(reverse(list_name), params)
        if list_name == BY_DATE_LIST and "object_type__id__exact" in params:
            # Not a field of that model: the admin's own answer, a redirect to "?e=1".
            assert response.status_code == 302
            continue
        assert response.status_code == 200
        if value.isascii() and value.isdigit():
            assert last_tracked_paragraph(response).startswith("Never tracked")


def test_change_list_last_tracked_costs_one_query(
    admin_client, metric, django_assert_max_num_queries
):
    for i in range(5):
        StatisticByDate.objects.record(metric, i, Period.DAY, date=JAN + datetime.timedelta(i))
    url = reverse(BY_DATE_LIST)
    params = {"metric__id__exact": metric.pk}
    counts = {}
    for runs in (0, 1, 50):
        TrackerRun.objects.all().delete()
        for i in range(runs):
            make_run(
                metric,
                started_at=hours_ago(i + 1),
                status=TrackerRun.Status.FAILED if i % 3 == 0 else TrackerRun.Status.SUCCESS,
            )
        with CaptureQueriesContext(connection) as unfiltered:
            admin_client.get(url)
        with django_assert_max_num_queries(11) as filtered:
            response = admin_client.get(url, params)
        assert last_tracked_paragraph(response) is not None
        # The metric filter itself adds no query; the run log one query.
        run_queries = [q["sql"] for q in filtered if "trackstats_trackerrun" in q["sql"]]
        assert len(run_queries) == 1
        counts[runs] = len(filtered)
        assert len(filtered) == len(unfiltered) + 1
        assert not [q for q in unfiltered if "trackstats_trackerrun" in q["sql"]]
    assert counts[0] == counts[1] == counts[50]


# --------------------------------------------------------- last tracked: charts


def test_chart_says_when_its_series_was_last_tracked(admin_client, metric):
    StatisticByDate.objects.record(metric, 1, Period.WEEK, date=JAN)
    week_run = make_run(
        metric, name="shop.orders.week", period=int(Period.WEEK), started_at=hours_ago(6)
    )
    make_run(metric, started_at=hours_ago(1))
    params = {"metric": metric.pk, "period": "week", "to_date": "2026-01-01"}
    response = admin_client.get(reverse(BY_DATE_CHART), params)
    text = last_tracked_paragraph(response)
    assert f'Last tracked: <time datetime="{iso(week_run.started_at)}">' in text
    assert "(6 hours ago)" in text
    run_log = (
        f"/admin/trackstats/trackerrun/?metric__id__exact={metric.pk}"
        f"&amp;statistic_model={BY_DATE_LABEL}&amp;period={int(Period.WEEK)}"
    )
    assert f'<a href="{run_log}" class="trackstats-run-log-link">run log</a>' in text
    assert shown_ids(
        admin_client,
        metric__id__exact=metric.pk,
        statistic_model=BY_DATE_LABEL,
        period=int(Period.WEEK),
    ) == [week_run.pk]


def test_chart_of_a_series_never_tracked(admin_client, metric):
    StatisticByDate.objects.record(metric, 1, Period.DAY, date=JAN)
    make_run(metric, period=int(Period.WEEK))
    response = admin_client.get(reverse(BY_DATE_CHART), {"metric": metric.pk, "period": "day"})
    text = last_tracked_paragraph(response)
    assert text.startswith("Never tracked")
    # A form error draws no chart and says nothing about runs.
    response = admin_client.get(reverse(BY_DATE_CHART), {"metric": "nope.nope"})
    assert last_tracked_paragraph(response) is None


def test_chart_run_log_link_needs_the_view_permission(client, metric):
    make_run(metric)
    client.force_login(staff_user("view_statisticbydate"))
    text = last_tracked_paragraph(
        client.get(reverse(BY_DATE_CHART), {"metric": metric.pk, "period": "day"})
    )
    assert text.startswith("Last tracked:")
    assert "trackstats-run-log-link" not in text


def test_object_chart_counts_the_runs_that_wrote_that_object(admin_client, metric, customer):
    other = Customer.objects.create(name="Bob", joined="2025-01-01T00:00:00Z")
    customer_type = ContentType.objects.get_for_model(Customer)
    StatisticByDateAndObject.objects.record(metric, 1, Period.DAY, date=JAN, object=customer)
    every_customer = make_run(
        metric, statistic_model=BY_OBJECT_LABEL, object_type=customer_type, started_at=hours_ago(8)
    )
    # A one-object tracker of another customer wrote nothing of this one.
    make_run(
        metric,
        statistic_model=BY_OBJECT_LABEL,
        object_type=customer_type,
        object_id=str(other.pk),
        started_at=hours_ago(2),
    )
    params = {
        "metric": metric.pk,
        "period": "day",
        "object_type": "testapp.customer",
        "object_id": customer.pk,
    }
    text = last_tracked_paragraph(admin_client.get(reverse(BY_OBJECT_CHART), params))
    assert f'<time datetime="{iso(every_customer.started_at)}">' in text
    # Its own one-object tracker counts too.
    own = make_run(
        metric,
        statistic_model=BY_OBJECT_LABEL,
        object_type=customer_type,
        object_id=str(customer.pk),
        started_at=hours_ago(1),
    )
    text = last_tracked_paragraph(admin_client.get(reverse(BY_OBJECT_CHART), params))
    assert f'<time datetime="{iso(own.started_at)}">' in text


def test_chart_last_tracked_costs_one_query(admin_client, metric, django_assert_max_num_queries):
    StatisticByDate.objects.record(metric, 1, Period.DAY, date=JAN)
    params = {"metric": metric.pk, "period": "day", "to_date": "2026-01-01"}
    counts = []
    for runs in (1, 50):
        TrackerRun.objects.all().delete()
        for i in range(runs):
            make_run(metric, started_at=hours_ago(i + 1))
        with django_assert_max_num_queries(7) as captured:
            response = admin_client.get(reverse(BY_DATE_CHART), params)
        assert last_tracked_paragraph(response).startswith("Last tracked:")
        assert len([q for q in captured if "trackstats_trackerrun" in q["sql"]]) == 1
        counts.append(len(captured))
    assert counts[0] == counts[1]


# ------------------------------------------------------------ with real trackers


def test_runs_of_real_trackers_show_in_the_log_and_as_last_tracked(admin_client, metric, customer):
    Order.objects.create(customer=customer, created=timezone.now())
    CountObjectsByDateTracker(period=Period.DAY, metric=metric, date_field="created").track(
        Order.objects.all()
    )
    CountObjectsByDateAndObjectTracker(
        period=Period.WEEK,
        metric=metric,
        date_field="created",
        object_model=Customer,
        object_field="customer",
    ).track(Order.objects.all())
    by_date, by_object = (
        TrackerRun.objects.get(statistic_model=label) for label in (BY_DATE_LABEL, BY_OBJECT_LABEL)
    )
    response = admin_client.get(reverse(RUNS))
    page = response.content.decode()
    assert sorted(r.pk for r in response.context["cl"].result_list) == sorted(
        [by_date.pk, by_object.pk]
    )
    assert '<td class="field-period_text">week</td>' in page
    assert "trackstats-run-failed" not in page
    text = last_tracked_paragraph(
        admin_client.get(reverse(BY_DATE_LIST), {"metric__id__exact": metric.pk})
    )
    assert f'Last tracked: <time datetime="{iso(by_date.started_at)}">' in text
    params = {
        "metric": metric.pk,
        "period": "week",
        "object_type": "testapp.customer",
        "object_id": customer.pk,
    }
    text = last_tracked_paragraph(admin_client.get(reverse(BY_OBJECT_CHART), params))
    assert f'Last tracked: <time datetime="{iso(by_object.started_at)}">' in text
