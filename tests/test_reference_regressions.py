"""Explicit examples at the edges the property draws only now and then.

Local days that DST makes 23 or 25 hours long in Europe/Amsterdam, and the minutes
around local midnight at +14:00, -11:00, +05:30, +10:30 and +13:45, with values
worked out by hand; then the same data through the full reference harness for
rolling windows, distinct counts and re-runs.
"""

import datetime
import decimal
import zoneinfo
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Avg, Count, Sum
from django.utils import timezone

from tests.reference_support import Case, Edit, OrderSpec, Run, Scenario, run_scenario
from tests.testapp.models import AverageStatistic, Customer, Order
from trackstats.models import Domain, Metric, StatisticByDate, StatisticByDateAndObject
from trackstats.periods import Period
from trackstats.trackers import CountObjectsByDateTracker, ObjectsByDateTracker

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc
D = datetime.date


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


# (UTC instant, its local date in the zone): the instants straddle local midnights.
EDGES = {
    # Fall back on 2025-10-26 at 01:00 UTC: that local day lasts 25 hours.
    "Europe/Amsterdam fall": (
        "Europe/Amsterdam",
        [
            (at(2025, 10, 25, 21, 59, 59, 999999), D(2025, 10, 25)),
            (at(2025, 10, 25, 22, 0), D(2025, 10, 26)),
            (at(2025, 10, 26, 0, 30), D(2025, 10, 26)),  # 02:30 CEST
            (at(2025, 10, 26, 1, 30), D(2025, 10, 26)),  # 02:30 CET, the repeated hour
            (at(2025, 10, 26, 22, 59, 59), D(2025, 10, 26)),
            (at(2025, 10, 26, 23, 0), D(2025, 10, 27)),
        ],
    ),
    # Spring forward on 2025-03-30 at 01:00 UTC: that local day lasts 23 hours.
    "Europe/Amsterdam spring": (
        "Europe/Amsterdam",
        [
            (at(2025, 3, 29, 22, 59, 59), D(2025, 3, 29)),
            (at(2025, 3, 29, 23, 0), D(2025, 3, 30)),
            (at(2025, 3, 30, 0, 59, 59), D(2025, 3, 30)),  # 01:59:59 CET
            (at(2025, 3, 30, 1, 0), D(2025, 3, 30)),  # 03:00 CEST
            (at(2025, 3, 30, 21, 59, 59, 999999), D(2025, 3, 30)),
            (at(2025, 3, 30, 22, 0), D(2025, 3, 31)),
        ],
    ),
    # Beirut moves its clocks at local midnight: 2026-03-29 has no 00:00 ...
    "Asia/Beirut spring (midnight skipped)": (
        "Asia/Beirut",
        [
            (at(2026, 3, 28, 21, 59, 59), D(2026, 3, 28)),
            (at(2026, 3, 28, 22, 0), D(2026, 3, 29)),  # 01:00 +03:00
        ],
    ),
    # ... and on 2026-10-24 the hour before midnight happens twice.
    "Asia/Beirut fall (hour before midnight repeated)": (
        "Asia/Beirut",
        [
            (at(2026, 10, 24, 20, 59, 59), D(2026, 10, 24)),  # 23:59:59 +03:00
            (at(2026, 10, 24, 21, 0), D(2026, 10, 24)),  # 23:00 +02:00
            (at(2026, 10, 24, 21, 59, 59), D(2026, 10, 24)),
            (at(2026, 10, 24, 22, 0), D(2026, 10, 25)),
        ],
    ),
    # Santiago: 2026-04-05 00:00 -03:00 becomes 04-04 23:00 -04:00.
    "America/Santiago fall": (
        "America/Santiago",
        [
            (at(2026, 4, 5, 2, 59, 59), D(2026, 4, 4)),
            (at(2026, 4, 5, 3, 0), D(2026, 4, 4)),
            (at(2026, 4, 5, 3, 59, 59), D(2026, 4, 4)),
            (at(2026, 4, 5, 4, 0), D(2026, 4, 5)),
        ],
    ),
    "+14:00": (
        "Pacific/Kiritimati",
        [
            (at(2026, 1, 1, 9, 59, 59), D(2026, 1, 1)),
            (at(2026, 1, 1, 10, 0), D(2026, 1, 2)),
            (at(2026, 1, 1, 10, 59, 59), D(2026, 1, 2)),
            (at(2026, 1, 1, 11, 0), D(2026, 1, 2)),
        ],
    ),
    "-11:00": (
        "Pacific/Pago_Pago",
        [
            (at(2026, 1, 1, 9, 59, 59), D(2025, 12, 31)),
            (at(2026, 1, 1, 10, 0), D(2025, 12, 31)),
            (at(2026, 1, 1, 10, 59, 59), D(2025, 12, 31)),
            (at(2026, 1, 1, 11, 0), D(2026, 1, 1)),
        ],
    ),
    "+05:30": (
        "Asia/Kolkata",
        [
            (at(2025, 12, 31, 18, 29, 59), D(2025, 12, 31)),
            (at(2025, 12, 31, 18, 30), D(2026, 1, 1)),
        ],
    ),
    "+10:30 (Adelaide summer time)": (
        "Australia/Adelaide",
        [
            (at(2026, 1, 1, 13, 29, 59), D(2026, 1, 1)),
            (at(2026, 1, 1, 13, 30), D(2026, 1, 2)),
        ],
    ),
    "+13:45 (Chatham summer time)": (
        "Pacific/Chatham",
        [
            (at(2026, 1, 1, 10, 14, 59), D(2026, 1, 1)),
            (at(2026, 1, 1, 10, 15), D(2026, 1, 2)),
        ],
    ),
}


@pytest.fixture
def metric():
    return Metric.objects.create(domain=Domain.objects.create(ref="edges"), ref="orders")


def make_orders(instants):
    customer = Customer.objects.create(name="c", joined=instants[0])
    for instant in instants:
        Order.objects.create(customer=customer, created=instant, quantity=1)


def stored_values(metric, period):
    return dict(
        StatisticByDate.objects.filter(metric=metric, period=period).values_list("date", "value")
    )


@pytest.mark.parametrize("edge", sorted(EDGES))
@pytest.mark.parametrize("tz_via_current", [False, True], ids=["tz", "current"])
def test_day_counts_at_local_midnight(metric, edge, tz_via_current):
    zone_name, instants = EDGES[edge]
    zone = zoneinfo.ZoneInfo(zone_name)
    make_orders([instant for instant, _ in instants])
    kwargs = {} if tz_via_current else {"tz": zone}
    # The current zone differs from the tracker's unless it is the one in use.
    with timezone.override(zone if tz_via_current else zoneinfo.ZoneInfo("UTC")):
        tracker = CountObjectsByDateTracker(
            period=Period.DAY, metric=metric, date_field="created", **kwargs
        )
        tracker.track(Order.objects.all())
    assert stored_values(metric, Period.DAY) == dict(Counter(day for _, day in instants))


def test_week_window_spans_the_25_hour_day(metric):
    zone = zoneinfo.ZoneInfo("Europe/Amsterdam")
    # One order on the last local second of 2025-10-20 and one on the first of 10-27.
    make_orders([at(2025, 10, 20, 21, 59, 59), at(2025, 10, 26, 23, 0)])
    tracker = ObjectsByDateTracker(
        period=Period.WEEK,
        metric=metric,
        date_field="created",
        aggr_op=Sum("quantity"),
        tz=zone,
    )
    tracker.track(Order.objects.all())
    week = stored_values(metric, Period.WEEK)
    assert week[D(2025, 10, 20)] == 1
    assert week[D(2025, 10, 26)] == 1  # 20..26
    assert week[D(2025, 10, 27)] == 1  # 21..27: the first order left, the second came
    assert week[D(2025, 11, 2)] == 1
    assert D(2025, 11, 3) not in week or week[D(2025, 11, 3)] == 0
    assert min(week) == D(2025, 10, 20)


@pytest.mark.parametrize("zone_name", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_today_ends_at_local_midnight(metric, zone_name):
    """Rows later today count for today, rows of local tomorrow do not."""
    zone = zoneinfo.ZoneInfo(zone_name)
    for _attempt in range(2):  # a local midnight passing mid-test would move "today"
        with transaction.atomic():
            today = timezone.localdate(timezone=zone)

            def local(day, *clock):
                return datetime.datetime.combine(day, datetime.time(*clock), tzinfo=zone)

            yesterday = today - datetime.timedelta(days=1)
            tomorrow = today + datetime.timedelta(days=1)
            make_orders(
                [
                    local(yesterday, 23, 59, 59, 999999),
                    local(today, 0, 0),
                    local(today, 23, 59, 59, 999999),
                    local(tomorrow, 0, 0),
                ]
            )
            results = [
                CountObjectsByDateTracker(
                    period=period, metric=metric, date_field="created", tz=zone
                ).track(Order.objects.all())
                for period in (Period.DAY, Period.LIFETIME)
            ]
            if all(result.end_date == today for result in results):
                assert stored_values(metric, Period.DAY) == {yesterday: 1, today: 2}
                assert stored_values(metric, Period.LIFETIME) == {yesterday: 1, today: 3}
                return
            transaction.set_rollback(True)
    raise AssertionError("today changed twice during the test")


def _spec(created, customer, quantity=1, paid=True, lines=()):
    return OrderSpec(
        created=created,
        booked_on=created.date(),
        amount=decimal.Decimal(quantity),
        quantity=quantity,
        customer=customer,
        uuid_customer=customer,
        shop=customer,
        country="NL",
        paid=paid,
        lines=tuple(lines),
    )


def _case(zone_name, period, op, field, model=StatisticByDate, grouping="date"):
    return Case(
        tz_name=zone_name,
        tz_via_current=False,
        period=period,
        source="created",
        op=op,
        field=field,
        grouping=grouping,
        statistic_model=model,
        paid_only=False,
        count_tracker=False,
        with_nulls=False,
    )


@pytest.mark.parametrize("edge", sorted(EDGES))
@pytest.mark.parametrize(
    ("period", "op", "field", "model", "grouping"),
    [
        (Period.WEEK, "count_distinct", "customer", StatisticByDate, "date"),
        (2 * Period.DAY, "count", None, StatisticByDateAndObject, "customer"),
        (Period.LIFETIME, "avg", "quantity", AverageStatistic, "date"),
    ],
    ids=["week-distinct", "2-days-by-object", "lifetime-avg"],
)
def test_edges_through_the_reference(edge, period, op, field, model, grouping):
    zone_name, instants = EDGES[edge]
    orders = [_spec(instant, n % 2, quantity=n) for n, (instant, _) in enumerate(instants)]
    # The second run moves the first order a day later and recomputes from its date.
    moved = _spec(instants[0][0] + datetime.timedelta(days=1), 1, quantity=7)
    runs = [
        Run((), None),
        Run((Edit("replace", 0, moved),), instants[0][1] - datetime.timedelta(days=1)),
        Run((Edit("delete", 1),), None),
    ]
    run_scenario(
        Scenario(
            case=_case(zone_name, period, op, field, model, grouping),
            orders=orders,
            runs=runs,
            seeds=[],
        )
    )


def test_count_of_pk_counts_rows(metric):
    """``Count("pk")`` is Django's usual way to count rows; it must work as aggr_op."""
    make_orders([at(2026, 1, 1, 12), at(2026, 1, 1, 13), at(2026, 1, 3, 12)])
    ObjectsByDateTracker(
        period=Period.DAY, metric=metric, date_field="created", aggr_op=Count("pk"), tz=UTC
    ).track(Order.objects.all())
    assert stored_values(metric, Period.DAY) == {D(2026, 1, 1): 2, D(2026, 1, 3): 1}


@pytest.mark.parametrize(
    ("zone_name", "before", "inside", "since"),
    [
        # 2026-03-29 in Beirut starts at 01:00 +03:00; the row before is 23:30 +02:00.
        ("Asia/Beirut", at(2026, 3, 28, 21, 30), at(2026, 3, 28, 22, 30), D(2026, 3, 29)),
        # 2026-04-05 in Santiago starts after the repeated hour 23:00-24:00 of 04-04.
        ("America/Santiago", at(2026, 4, 5, 3, 30), at(2026, 4, 5, 4, 30), D(2026, 4, 5)),
        # 2026-10-25 in Amsterdam starts at 00:00 +02:00, an hour before the change.
        ("Europe/Amsterdam", at(2025, 10, 25, 21, 30), at(2025, 10, 25, 22, 30), D(2025, 10, 26)),
    ],
)
def test_since_on_a_day_next_to_a_clock_change(metric, zone_name, before, inside, since):
    """A run from ``since`` must not pull in the row of the evening before."""
    zone = zoneinfo.ZoneInfo(zone_name)
    assert before.astimezone(zone).date() == since - datetime.timedelta(days=1)
    assert inside.astimezone(zone).date() == since
    make_orders([before, inside])
    for period, first in ((Period.DAY, since), (Period.WEEK, since + datetime.timedelta(days=6))):
        CountObjectsByDateTracker(
            period=period, metric=metric, date_field="created", tz=zone
        ).track(Order.objects.all(), since=first)
        assert stored_values(metric, period)[first] == 1


@pytest.mark.parametrize("period", [Period.DAY, Period.WEEK, Period.LIFETIME])
def test_average_of_integers_keeps_full_precision(metric, period):
    """MySQL's AVG() of integers keeps four decimal places; a float value must not."""
    make_orders([at(2026, 1, 1, 12)] * 3)
    Order.objects.filter(pk=Order.objects.order_by("pk").first().pk).update(quantity=0)
    Order.objects.filter(pk=Order.objects.order_by("pk")[1].pk).update(quantity=0)
    ObjectsByDateTracker(
        period=period,
        metric=metric,
        date_field="created",
        aggr_op=Avg("quantity"),
        statistic_model=AverageStatistic,
        tz=UTC,
    ).track(Order.objects.all(), since=D(2026, 1, 1))
    stored = AverageStatistic.objects.get(metric=metric, period=period, date=D(2026, 1, 1))
    assert stored.value == pytest.approx(1 / 3, rel=1e-12)
