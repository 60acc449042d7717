"""A small ASGI app of async views over the async API, for tests/test_async_api.py.

The metric is a lazy registration made at import time, as a project's would be: the
first request that uses it resolves it, from a view running in the event loop.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, JsonResponse
from django.urls import path

from tests.testapp.models import Order
from trackstats.models import Domain, Metric, Period, StatisticByDate
from trackstats.trackers import CountObjectsByDateTracker

SIGNUPS = Metric.objects.register(
    domain=Domain.objects.register(ref="async_site", name="Async site"), ref="signups"
)
ORDERS = Metric.objects.register(domain=Domain.objects.register(ref="async_shop"), ref="orders")

orders_per_day = CountObjectsByDateTracker(
    period=Period.DAY, metric=ORDERS, date_field="created", tz=datetime.timezone.utc
)


def _day(request: HttpRequest, name: str) -> datetime.date:
    return datetime.date.fromisoformat(request.GET[name])


async def record(request: HttpRequest) -> JsonResponse:
    row = await StatisticByDate.objects.arecord(
        metric=SIGNUPS,
        value=int(request.POST["value"]),
        period=Period.DAY,
        date=datetime.date.fromisoformat(request.POST["date"]),
    )
    return JsonResponse({"date": row.date.isoformat(), "value": row.value})


async def latest(request: HttpRequest) -> JsonResponse:
    row = await StatisticByDate.objects.amost_recent(metric=SIGNUPS, period=Period.DAY)
    if row is None:
        return JsonResponse({"date": None, "value": None})
    return JsonResponse({"date": row.date.isoformat(), "value": row.value})


async def series(request: HttpRequest) -> JsonResponse:
    # narrow() would resolve the lazy registration on the spot, a query the event loop
    # may not run: fetch the Metric with the ORM's async API, then narrow needs none.
    metric = await Metric.objects.aget(domain__ref="async_site", ref="signups")
    rows = StatisticByDate.objects.narrow(metric=metric, period=Period.DAY)
    from_date, to_date = _day(request, "from"), _day(request, "to")
    points = await rows.aseries(from_date, to_date)
    previous = await rows.aprevious_series(from_date, to_date)
    return JsonResponse(
        {
            "series": [[day.isoformat(), value] for day, value in points],
            "previous": [[day.isoformat(), value] for day, value in previous],
        }
    )


async def track(request: HttpRequest) -> JsonResponse:
    result = await orders_per_day.atrack(Order.objects.all(), name="async.orders")
    return JsonResponse(
        {
            "start_date": result.start_date and result.start_date.isoformat(),
            "end_date": result.end_date.isoformat(),
            "rows_written": result.rows_written,
        }
    )


urlpatterns = [
    path("record/", record),
    path("latest/", latest),
    path("series/", series),
    path("track/", track),
]
