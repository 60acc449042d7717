"""Calendar weeks, months, quarters and years: encoding, tracking, reading, exchange."""

import datetime
import io
import zoneinfo

import pytest
from django.db.models import Avg, Count, Sum

from tests.factories import at, customer, make_metric, order, stored
from tests.testapp.models import AverageStatistic, Customer, Order
from trackstats.exchange import export_statistics, import_statistics
from trackstats.models import Period, StatisticByDate, StatisticByDateAndObject
from trackstats.periods import (
    PERIOD_CHOICES,
    bucket_start,
    calendar_week,
    is_calendar,
    next_bucket,
    parse_period_name,
    period_days,
    period_label,
    period_name,
    validate_period,
)
from trackstats.trackers import (
    CountObjectsByDateAndObjectTracker,
    CountObjectsByDateTracker,
    ObjectsByDateTracker,
)

D = datetime.date
UTC = datetime.timezone.utc
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
KIRITIMATI = zoneinfo.ZoneInfo("Pacific/Kiritimati")  # +14:00
PAGO_PAGO = zoneinfo.ZoneInfo("Pacific/Pago_Pago")  # -11:00
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")  # +05:30
pytestmark = pytest.mark.django_db

CALENDAR = [Period.CALENDAR_WEEK, calendar_week(6), Period.CALENDAR_MONTH, Period.QUARTER]


# ---------------------------------------------------------------- encoding
def test_codes_keep_every_value_django_trackstats_stored():
    assert [int(p) for p in (Period.DAY, Period.WEEK, Period.DAYS_28, Period.MONTH)] == [
        86400,
        604800,
        2419200,
        2592000,
    ]
    assert Period.LIFETIME == 0
    assert [int(p) for p in (Period.CALENDAR_WEEK, Period.CALENDAR_MONTH)] == [-7, -1]
    assert [int(p) for p in (Period.QUARTER, Period.YEAR)] == [-3, -12]
    assert [calendar_week(n) for n in range(7)] == [-7, -107, -207, -307, -407, -507, -607]
    assert (Period.YEAR, "Year") in PERIOD_CHOICES
    assert not is_calendar(Period.MONTH)
    assert all(is_calendar(p) for p in CALENDAR)


@pytest.mark.parametrize("bad", [-2, -5, -8, -13, -700, -86400])
def test_other_negative_codes_are_refused(bad):
    with pytest.raises(ValueError, match="calendar period"):
        validate_period(bad)


def test_names_and_labels():
    assert period_label(Period.WEEK) == "7 days, rolling"
    assert period_label(Period.MONTH) == "30 days, rolling"
    assert period_label(10 * Period.DAY) == "10 days, rolling"
    assert period_label(Period.CALENDAR_MONTH) == "Calendar month"
    assert period_label(calendar_week(6)) == "Calendar week (from Sunday)"
    names = {p: period_name(p) for p in [*CALENDAR, Period.YEAR, calendar_week(2)]}
    assert names == {
        Period.CALENDAR_WEEK: "calendar_week",
        calendar_week(6): "calendar_week_sunday",
        Period.CALENDAR_MONTH: "calendar_month",
        Period.QUARTER: "quarter",
        Period.YEAR: "year",
        calendar_week(2): "calendar_week_wednesday",
    }
    assert all(parse_period_name(name) == p for p, name in names.items())
    assert parse_period_name("-3") == Period.QUARTER
    with pytest.raises(ValueError, match="calendar period"):
        period_days(Period.QUARTER)
    with pytest.raises(ValueError, match="first_weekday"):
        calendar_week(7)


@pytest.mark.parametrize(
    ("day", "period", "start", "following"),
    [
        (D(2026, 12, 2), Period.CALENDAR_WEEK, D(2026, 11, 30), D(2026, 12, 7)),
        (D(2026, 11, 30), Period.CALENDAR_WEEK, D(2026, 11, 30), D(2026, 12, 7)),
        (D(2026, 12, 2), calendar_week(6), D(2026, 11, 29), D(2026, 12, 6)),
        (D(2026, 11, 29), calendar_week(6), D(2026, 11, 29), D(2026, 12, 6)),
        (D(2024, 2, 29), Period.CALENDAR_MONTH, D(2024, 2, 1), D(2024, 3, 1)),
        (D(2026, 12, 31), Period.CALENDAR_MONTH, D(2026, 12, 1), D(2027, 1, 1)),
        (D(2026, 6, 30), Period.QUARTER, D(2026, 4, 1), D(2026, 7, 1)),
        (D(2026, 11, 15), Period.QUARTER, D(2026, 10, 1), D(2027, 1, 1)),
        (D(2026, 7, 4), Period.YEAR, D(2026, 1, 1), D(2027, 1, 1)),
    ],
)
def test_buckets(day, period, start, following):
    assert bucket_start(day, period) == start
    assert next_bucket(start, period) == following


# ---------------------------------------------------------------- tracking


def _today(tz):
    return datetime.datetime.now(tz).date()


@pytest.mark.parametrize(
    ("tz", "utc", "month"),
    [
        # 00:30 on April 1st in Amsterdam (+02:00 since the DST change of March 29th).
        (AMSTERDAM, datetime.datetime(2025, 3, 31, 22, 30, tzinfo=UTC), D(2025, 4, 1)),
        # 23:30 on March 31st in Amsterdam.
        (AMSTERDAM, datetime.datetime(2025, 3, 31, 21, 30, tzinfo=UTC), D(2025, 3, 1)),
        (KIRITIMATI, datetime.datetime(2025, 1, 31, 11, 0, tzinfo=UTC), D(2025, 2, 1)),
        (KIRITIMATI, datetime.datetime(2025, 1, 31, 9, 59, tzinfo=UTC), D(2025, 1, 1)),
        (PAGO_PAGO, datetime.datetime(2025, 2, 1, 10, 59, tzinfo=UTC), D(2025, 1, 1)),
        (PAGO_PAGO, datetime.datetime(2025, 2, 1, 11, 0, tzinfo=UTC), D(2025, 2, 1)),
        (KOLKATA, datetime.datetime(2025, 1, 31, 18, 30, tzinfo=UTC), D(2025, 2, 1)),
        (KOLKATA, datetime.datetime(2025, 1, 31, 18, 29, tzinfo=UTC), D(2025, 1, 1)),
    ],
)
def test_a_row_falls_in_the_month_of_its_local_date(tz, utc, month):
    order(utc, customer())
    tracker = CountObjectsByDateTracker(
        period=Period.CALENDAR_MONTH, metric=make_metric(), date_field="created", tz=tz
    )
    tracker.track(Order.objects.all(), until=D(2025, 6, 30))
    assert stored(tracker) == {(month,): 1}


def test_monthly_active_users_are_exact_not_a_sum_of_days():
    ada, ben = customer("ada"), customer("ben")
    for day, who in [(3, ada), (4, ada), (10, ben), (20, ada)]:
        order(at(D(2025, 5, day)), who)
    order(at(D(2025, 6, 2)), ben)
    tracker = ObjectsByDateTracker(
        period=Period.CALENDAR_MONTH,
        metric=make_metric("mau"),
        date_field="created",
        aggr_op=Count("customer", distinct=True),
        tz=UTC,
    )
    tracker.track(Order.objects.all(), until=D(2025, 7, 31))
    # No order in July: no row for it.
    assert stored(tracker) == {(D(2025, 5, 1),): 2, (D(2025, 6, 1),): 1}


def test_average_over_a_quarter():
    who = customer()
    for day, quantity in [(D(2025, 1, 5), 1), (D(2025, 3, 31), 2), (D(2025, 4, 1), 10)]:
        order(at(day), who, quantity=quantity)
    tracker = ObjectsByDateTracker(
        period=Period.QUARTER,
        metric=make_metric("avg"),
        date_field="created",
        aggr_op=Avg("quantity"),
        statistic_model=AverageStatistic,
        tz=UTC,
    )
    tracker.track(Order.objects.all(), until=D(2025, 6, 30))
    assert stored(tracker) == {(D(2025, 1, 1),): 1.5, (D(2025, 4, 1),): 10.0}


def test_current_bucket_holds_its_value_so_far_and_every_run_recomputes_it():
    who = customer()
    today = _today(UTC)
    this_week = bucket_start(today, Period.CALENDAR_WEEK)
    order(at(this_week), who)
    tracker = CountObjectsByDateTracker(
        period=Period.CALENDAR_WEEK, metric=make_metric(), date_field="created", tz=UTC
    )
    tracker.track(Order.objects.all())
    assert stored(tracker) == {(this_week,): 1}
    order(at(today), who)
    result = tracker.track(Order.objects.all())
    assert result.start_date == this_week
    assert stored(tracker) == {(this_week,): 2}


def test_since_and_lookback_start_at_the_first_day_of_their_bucket():
    who = customer()
    for day in (D(2025, 1, 10), D(2025, 2, 10), D(2025, 3, 10)):
        order(at(day), who)
    tracker = CountObjectsByDateTracker(
        period=Period.CALENDAR_MONTH, metric=make_metric(), date_field="created", tz=UTC
    )
    tracker.track(Order.objects.all(), until=D(2025, 3, 31))
    Order.objects.filter(created__month=2).delete()
    order(at(D(2025, 2, 20)), who)
    order(at(D(2025, 2, 21)), who)
    assert tracker.start_date(Order.objects.all(), since=D(2025, 2, 15)) == D(2025, 2, 1)
    result = tracker.track(Order.objects.all(), until=D(2025, 3, 31), lookback=20)
    assert result.start_date == D(2025, 2, 1)  # March 1st minus 20 days, aligned
    assert stored(tracker) == {(D(2025, 1, 1),): 1, (D(2025, 2, 1),): 2, (D(2025, 3, 1),): 1}


def test_by_object_weeks_from_sunday():
    ada, ben = customer("ada"), customer("ben")
    # 2025-03-01 is a Saturday, 03-02 a Sunday.
    order(at(D(2025, 3, 1)), ada)
    order(at(D(2025, 3, 2)), ada)
    order(at(D(2025, 3, 8)), ben)
    tracker = CountObjectsByDateAndObjectTracker(
        period=calendar_week(6),
        metric=make_metric(),
        date_field="created",
        object_model=Customer,
        object_field="customer",
        tz=UTC,
    )
    tracker.track(Order.objects.all(), until=D(2025, 3, 31))
    rows = sorted(
        StatisticByDateAndObject.objects.values_list("date", "object_id", "value", "period")
    )
    assert rows == [
        (D(2025, 2, 23), str(ada.pk), 1, -607),
        (D(2025, 3, 2), str(ada.pk), 1, -607),
        (D(2025, 3, 2), str(ben.pk), 1, -607),
    ]


# ---------------------------------------------------------------- record, increment, read
def test_record_and_increment_date_a_row_on_the_first_day_of_its_bucket():
    metric = make_metric()
    row = StatisticByDate.objects.record(
        metric=metric, value=5, period=Period.CALENDAR_MONTH, date=D(2025, 3, 17)
    )
    assert row.date == D(2025, 3, 1)
    for day in (D(2025, 3, 2), D(2025, 3, 31)):
        row = StatisticByDate.objects.increment(
            metric=metric, period=Period.CALENDAR_MONTH, by=2, date=day
        )
    assert (row.date, row.value) == (D(2025, 3, 1), 9)
    week = StatisticByDate.objects.increment(
        metric=metric, period=Period.CALENDAR_WEEK, date=D(2025, 3, 6)
    )
    assert week.date == D(2025, 3, 3)
    assert StatisticByDate.objects.count() == 2


def test_series_has_one_point_per_bucket_starting_in_the_range():
    metric = make_metric()
    for day, value in [(D(2025, 1, 1), 3), (D(2025, 3, 1), 4)]:
        StatisticByDate.objects.record(
            metric=metric, value=value, period=Period.CALENDAR_MONTH, date=day
        )
    narrowed = StatisticByDate.objects.narrow(metric=metric, period=Period.CALENDAR_MONTH)
    assert narrowed.series(D(2025, 1, 1), D(2025, 4, 30)) == [
        (D(2025, 1, 1), 3),
        (D(2025, 2, 1), 0),
        (D(2025, 3, 1), 4),
        (D(2025, 4, 1), 0),
    ]
    # A range starting mid-month begins with the next month's point.
    assert narrowed.series(D(2025, 1, 15), D(2025, 3, 1)) == [
        (D(2025, 2, 1), 0),
        (D(2025, 3, 1), 4),
    ]
    # period= says it for a queryset not narrowed to the period.
    plain = StatisticByDate.objects.filter(metric=metric)
    assert plain.series(D(2025, 1, 1), D(2025, 2, 28), period=Period.CALENDAR_MONTH) == [
        (D(2025, 1, 1), 3),
        (D(2025, 2, 1), 0),
    ]


def test_series_by_object_and_dataframe_per_bucket():
    pytest.importorskip("pandas")
    metric = make_metric()
    ada = customer("ada")
    StatisticByDateAndObject.objects.record(
        metric=metric, value=2, period=Period.QUARTER, date=D(2025, 4, 1), object=ada
    )
    by_object = StatisticByDateAndObject.objects.narrow(
        metric=metric, period=Period.QUARTER
    ).series_by_object(D(2025, 1, 1), D(2025, 12, 31), objects=[ada])
    assert by_object[ada] == [
        (D(2025, 1, 1), 0),
        (D(2025, 4, 1), 2),
        (D(2025, 7, 1), 0),
        (D(2025, 10, 1), 0),
    ]
    frame = StatisticByDateAndObject.objects.narrow(metric=metric).to_dataframe(
        D(2025, 1, 1), D(2025, 12, 31)
    )
    assert list(frame["value"]) == [0, 2, 0, 0]
    assert set(frame["period"]) == {"quarter"}


def test_export_and_import_by_period_name():
    metric = make_metric()
    for period in [*CALENDAR, Period.YEAR]:
        StatisticByDate.objects.record(metric=metric, value=1, period=period, date=D(2025, 5, 5))
    buffer = io.StringIO()
    export_statistics(buffer, format="csv")
    text = buffer.getvalue()
    for name in ("calendar_week", "calendar_week_sunday", "calendar_month", "quarter", "year"):
        assert f",{name}," in text
    before = sorted(StatisticByDate.objects.values_list("period", "date", "value"))
    StatisticByDate.objects.all().delete()
    import_statistics(_written(text))
    assert sorted(StatisticByDate.objects.values_list("period", "date", "value")) == before


def _written(text: str):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    path = folder / "statistics.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_sum_into_a_calendar_year_by_date_field():
    who = customer()
    order(at(D(2024, 12, 31)), who, booked_on=D(2025, 1, 2), amount=1)
    order(at(D(2025, 6, 1)), who, booked_on=D(2025, 12, 31), amount=2)
    tracker = ObjectsByDateTracker(
        period=Period.YEAR,
        metric=make_metric(),
        date_field="booked_on",
        aggr_op=Sum("quantity"),
        tz=UTC,
    )
    tracker.track(Order.objects.all(), until=D(2025, 12, 31))
    assert stored(tracker) == {(D(2025, 1, 1),): 2}


def test_increment_refuses_rolling_windows_and_names_the_calendar_periods():
    with pytest.raises(ValueError, match="calendar period"):
        StatisticByDate.objects.increment(metric=make_metric(), period=Period.WEEK)
    assert not StatisticByDate.objects.exists()
