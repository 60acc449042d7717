"""StatisticAdmin on a project's own admin site, for custom statistic models."""

import datetime
import decimal

import pytest
from django.contrib.admin import AdminSite
from django.urls import NoReverseMatch, path, reverse

from tests.testapp.models import AverageStatistic, RevenueStatistic, StatisticByCountry
from trackstats.admin import StatisticAdmin
from trackstats.models import Domain, Metric, Period

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

site = AdminSite(name="ops")
site.register(RevenueStatistic, StatisticAdmin)
site.register(AverageStatistic, StatisticAdmin)
site.register(StatisticByCountry, StatisticAdmin)

urlpatterns = [path("ops/", site.urls)]

JAN = datetime.date(2026, 1, 1)


@pytest.fixture
def metric():
    domain = Domain.objects.create(ref="shop")
    return Metric.objects.create(domain=domain, ref="revenue")


def test_decimal_statistics_chart_on_a_custom_site(admin_client, metric):
    RevenueStatistic.objects.record(metric, decimal.Decimal("1234.50"), Period.DAY, date=JAN)
    url = reverse("ops:testapp_revenuestatistic_chart")
    assert url == "/ops/testapp/revenuestatistic/chart/"
    response = admin_client.get(url, {"from_date": "2026-01-01", "to_date": "2026-01-02"})
    page = response.content.decode()
    assert '<g class="ts-point" data-date="2026-01-01" data-value="1234.50">' in page
    # USE_THOUSAND_SEPARATOR is off in the test settings: no grouping.
    assert "<title>Jan. 1, 2026: 1234.5</title>" in page
    csv = admin_client.get(
        url, {"from_date": "2026-01-01", "to_date": "2026-01-02", "format": "csv"}
    )
    assert csv.content.decode() == "date,value\n2026-01-01,1234.50\n2026-01-02,0\n"
    changelist = admin_client.get(reverse("ops:testapp_revenuestatistic_changelist"))
    assert f'href="{url}" class="trackstats-chart-link"' in changelist.content.decode()


def test_float_statistics_chart(admin_client, metric):
    AverageStatistic.objects.record(metric, 2.5, Period.WEEK, date=JAN)
    AverageStatistic.objects.record(metric, None, Period.WEEK, date=JAN + datetime.timedelta(1))
    response = admin_client.get(
        reverse("ops:testapp_averagestatistic_chart"),
        {"period": "week", "from_date": "2026-01-01", "to_date": "2026-01-03"},
    )
    page = response.content.decode()
    assert "<title>Jan. 1, 2026: 2.5</title>" in page
    assert "<title>Jan. 2, 2026: no data</title>" in page
    assert "<title>Jan. 3, 2026: 0</title>" in page


def test_models_with_extra_dimensions_get_no_chart(admin_client, metric):
    StatisticByCountry.objects.record(metric, 1, Period.DAY, date=JAN, country="NL")
    StatisticByCountry.objects.record(metric, 2, Period.DAY, date=JAN, country="BE")
    with pytest.raises(NoReverseMatch):
        reverse("ops:testapp_statisticbycountry_chart")
    response = admin_client.get(reverse("ops:testapp_statisticbycountry_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    page = response.content.decode()
    assert "trackstats-chart-link" not in page
    assert "/chart/" not in page
