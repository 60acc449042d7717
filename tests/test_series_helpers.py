"""Series helpers: cumulative(), previous_range(), previous_series() and top_objects()."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from hypothesis import given
from hypothesis import strategies as st

from tests.testapp.models import Customer, UUIDCustomer
from trackstats.models import (
    DecimalStatisticByDateAndObject,
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)
from trackstats.periods import calendar_week
from trackstats.series import (
    cumulative,
    object_breakdown,
    previous_range,
    previous_series,
    series,
    series_dates,
    top_objects,
)

D = datetime.date
JOINED = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
CALENDAR_PERIODS = [
    Period.CALENDAR_WEEK,
    calendar_week(6),
    Period.CALENDAR_MONTH,
    Period.QUARTER,
    Period.YEAR,
]


@pytest.fixture
def metric():
    domain = Domain.objects.create(ref="shop")
    return Metric.objects.create(domain=domain, ref="orders")


# ------------------------------------------------------------------ cumulative


def test_cumulative_running_total_keeps_null_at_its_date():
    points = [(D(2024, 1, 1), 2), (D(2024, 1, 2), None), (D(2024, 1, 3), 0), (D(2024, 1, 4), 5)]

    assert cumulative(points) == [
        (D(2024, 1, 1), 2),
        (D(2024, 1, 2), None),
        (D(2024, 1, 3), 2),
        (D(2024, 1, 4), 7),
    ]
    assert cumulative(points, start=10)[-1] == (D(2024, 1, 4), 17)
    assert cumulative([]) == []


def test_cumulative_of_decimals_stays_exact():
    points = [(D(2024, 1, 1), Decimal("0.10")), (D(2024, 1, 2), Decimal("0.20"))]

    assert cumulative(points, start=Decimal("0")) == [
        (D(2024, 1, 1), Decimal("0.10")),
        (D(2024, 1, 2), Decimal("0.30")),
    ]


@given(st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), max_size=40))
def test_cumulative_matches_plain_python(values):
    points = [(D(2024, 1, 1) + datetime.timedelta(days=i), v) for i, v in enumerate(values)]

    result = cumulative(points)

    assert [date for date, _ in result] == [date for date, _ in points]
    for index, (_, value) in enumerate(result):
        if values[index] is None:
            assert value is None
        else:
            assert value == sum(v for v in values[: index + 1] if v is not None)


# ------------------------------------------------------------- previous_range


def test_previous_range_of_days_is_just_before():
    assert previous_range(D(2024, 3, 1), D(2024, 3, 10)) == (D(2024, 2, 20), D(2024, 2, 29))
    assert previous_range(D(2024, 3, 1), D(2024, 3, 1), Period.WEEK) == (
        D(2024, 2, 29),
        D(2024, 2, 29),
    )


def test_previous_range_of_calendar_months_moves_back_by_its_buckets():
    # Two month starts (April 1 and May 1): back two months, the 31st clamped.
    assert previous_range(D(2024, 3, 31), D(2024, 5, 1), Period.CALENDAR_MONTH) == (
        D(2024, 1, 31),
        D(2024, 3, 1),
    )
    assert previous_range(D(2024, 1, 1), D(2024, 12, 31), Period.CALENDAR_MONTH) == (
        D(2023, 1, 1),
        D(2023, 12, 31),
    )
    # No bucket start in the range: back one bucket.
    assert previous_range(D(2024, 3, 5), D(2024, 3, 20), Period.QUARTER) == (
        D(2023, 12, 5),
        D(2023, 12, 20),
    )


def test_previous_range_refuses_bad_input():
    with pytest.raises(ValueError, match="after to_date"):
        previous_range(D(2024, 3, 2), D(2024, 3, 1))
    with pytest.raises(ValueError, match="before year 1"):
        previous_range(D(1, 1, 3), D(1, 2, 3), Period.CALENDAR_MONTH)
    with pytest.raises(TypeError, match=r"datetime\.date"):
        previous_range(datetime.datetime(2024, 1, 1), D(2024, 1, 2))


_dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2060, 12, 31))


@given(_dates, st.integers(0, 800), st.sampled_from([None, Period.DAY, *CALENDAR_PERIODS]))
def test_previous_range_has_as_many_points_just_before(from_date, days, period):
    to_date = from_date + datetime.timedelta(days=days)

    previous_from, previous_to = previous_range(from_date, to_date, period)

    current = series_dates(from_date, to_date, period)
    previous = series_dates(previous_from, previous_to, period)
    assert len(previous) == len(current)
    assert previous_from <= previous_to
    if period is None or period == Period.DAY:
        assert previous_to == from_date - datetime.timedelta(days=1)
        assert previous == [d - datetime.timedelta(days=days + 1) for d in current]
    elif current:
        # The previous buckets are the ones right before the range's first bucket.
        every = series_dates(previous[0], current[-1], period)
        assert every == previous + current


# ------------------------------------------------------------ previous_series


@pytest.mark.django_db
def test_previous_series_has_the_same_length_and_its_own_dates(metric):
    record = StatisticByDate.objects.record
    record(metric, 4, Period.DAY, date=D(2024, 2, 27))
    record(metric, None, Period.DAY, date=D(2024, 2, 28))
    record(metric, 9, Period.DAY, date=D(2024, 3, 1))
    qs = StatisticByDate.objects.narrow(metric=metric, period=Period.DAY)

    assert previous_series(qs, D(2024, 3, 1), D(2024, 3, 3)) == [
        (D(2024, 2, 27), 4),
        (D(2024, 2, 28), None),
        (D(2024, 2, 29), 0),
    ]
    assert previous_series(qs, D(2024, 3, 1), D(2024, 3, 3), fill=None)[2] == (
        D(2024, 2, 29),
        None,
    )


@pytest.mark.django_db
def test_previous_series_of_calendar_months_uses_the_querysets_period(metric):
    record = StatisticByDate.objects.record
    record(metric, 10, Period.CALENDAR_MONTH, date=D(2024, 1, 1))
    record(metric, 20, Period.CALENDAR_MONTH, date=D(2024, 2, 1))
    record(metric, 30, Period.CALENDAR_MONTH, date=D(2024, 3, 1))
    qs = StatisticByDate.objects.narrow(metric=metric, period=Period.CALENDAR_MONTH)

    current = series(qs, D(2024, 3, 1), D(2024, 4, 30))
    previous = previous_series(qs, D(2024, 3, 1), D(2024, 4, 30))

    assert current == [(D(2024, 3, 1), 30), (D(2024, 4, 1), 0)]
    assert previous == [(D(2024, 1, 1), 10), (D(2024, 2, 1), 20)]


# --------------------------------------------------------------- top_objects


@pytest.fixture
def customers():
    return [Customer.objects.create(name=f"c{i}", joined=JOINED) for i in range(4)]


@pytest.mark.django_db
def test_top_objects_ranks_by_total_and_sums_the_others(metric, customers):
    record = StatisticByDateAndObject.objects.record
    a, b, c, d = customers
    record(metric, 5, Period.DAY, date=D(2024, 1, 1), object=a)
    record(metric, 5, Period.DAY, date=D(2024, 1, 3), object=a)
    record(metric, 7, Period.DAY, date=D(2024, 1, 2), object=b)
    record(metric, 2, Period.DAY, date=D(2024, 1, 1), object=c)
    record(metric, None, Period.DAY, date=D(2024, 1, 2), object=c)
    record(metric, None, Period.DAY, date=D(2024, 1, 3), object=d)
    record(metric, 100, Period.DAY, date=D(2024, 1, 9), object=d)  # outside the range
    qs = StatisticByDateAndObject.objects.narrow(metric=metric, period=Period.DAY)

    top = top_objects(qs, D(2024, 1, 1), D(2024, 1, 3), limit=2)

    assert list(top.series) == [str(a.pk), str(b.pk)]
    assert top.totals == {str(a.pk): 5 + 5, str(b.pk): 7}
    assert top.series[str(a.pk)] == [(D(2024, 1, 1), 5), (D(2024, 1, 2), 0), (D(2024, 1, 3), 5)]
    # c and d: a sum on 1 Jan, only a NULL on 2 and 3 Jan.
    assert top.other == [(D(2024, 1, 1), 2), (D(2024, 1, 2), None), (D(2024, 1, 3), None)]
    assert top.other_objects == 2
    assert top.object_type == ContentType.objects.get_for_model(Customer)
    assert top.objects() == {str(a.pk): a, str(b.pk): b}
    assert top.dates == [D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 3)]


@pytest.mark.django_db
def test_top_objects_ties_by_object_id_and_null_totals_last(metric):
    first, second = (UUIDCustomer.objects.create(name=n) for n in "xy")
    low, high = sorted([first, second], key=lambda obj: str(obj.pk))
    nulls = UUIDCustomer.objects.create(name="z")
    record = StatisticByDateAndObject.objects.record
    record(metric, None, Period.DAY, date=D(2024, 1, 1), object=nulls)
    record(metric, 3, Period.DAY, date=D(2024, 1, 1), object=high)
    record(metric, 3, Period.DAY, date=D(2024, 1, 1), object=low)
    qs = StatisticByDateAndObject.objects.narrow(metric=metric, period=Period.DAY)

    top = top_objects(qs, D(2024, 1, 1), D(2024, 1, 1), limit=5)

    assert list(top.series) == [str(low.pk), str(high.pk), str(nulls.pk)]
    assert top.totals[str(nulls.pk)] is None
    assert top.other == [(D(2024, 1, 1), 0)]
    assert top.other_objects == 0


@pytest.mark.django_db
def test_top_objects_with_limit_zero_empty_range_and_decimals(metric, customers):
    record = DecimalStatisticByDateAndObject.objects.record
    record(metric, Decimal("1.25"), Period.CALENDAR_MONTH, date=D(2024, 1, 1), object=customers[0])
    record(metric, Decimal("2.50"), Period.CALENDAR_MONTH, date=D(2024, 1, 1), object=customers[1])
    qs = DecimalStatisticByDateAndObject.objects.narrow(
        metric=metric, period=Period.CALENDAR_MONTH
    )

    everything_other = top_objects(qs, D(2024, 1, 1), D(2024, 2, 29), limit=0)
    nothing = top_objects(qs, D(2023, 1, 1), D(2023, 2, 28), limit=3, fill=None)

    assert everything_other.series == {}
    assert everything_other.other == [(D(2024, 1, 1), Decimal("3.75")), (D(2024, 2, 1), 0)]
    assert everything_other.other_objects == 2
    assert nothing.series == {}
    assert nothing.object_type is None
    assert nothing.objects() == {}
    assert nothing.other == [(D(2023, 1, 1), None), (D(2023, 2, 1), None)]


@pytest.mark.django_db
def test_top_objects_refuses_bad_input(metric, customers):
    StatisticByDateAndObject.objects.record(
        metric, 1, Period.DAY, date=D(2024, 1, 1), object=customers[0]
    )
    StatisticByDateAndObject.objects.record(
        metric, 1, Period.DAY, date=D(2024, 1, 1), object=UUIDCustomer.objects.create(name="u")
    )
    by_object = StatisticByDateAndObject.objects.narrow(metric=metric, period=Period.DAY)

    with pytest.raises(TypeError, match="by object"):
        top_objects(StatisticByDate.objects.all(), D(2024, 1, 1), D(2024, 1, 2), 3)
    with pytest.raises(ValueError, match="limit"):
        top_objects(by_object, D(2024, 1, 1), D(2024, 1, 2), -1)
    with pytest.raises(ValueError, match="several types"):
        top_objects(by_object, D(2024, 1, 1), D(2024, 1, 2), 3)


@pytest.mark.django_db
def test_top_objects_refuses_several_rows_per_date(metric, customers):
    record = StatisticByDateAndObject.objects.record
    record(metric, 1, Period.DAY, date=D(2024, 1, 1), object=customers[0])
    record(metric, 2, Period.WEEK, date=D(2024, 1, 1), object=customers[0])
    not_narrowed_by_period = StatisticByDateAndObject.objects.narrow(metric=metric)

    with pytest.raises(ValueError, match="several statistics"):
        top_objects(not_narrowed_by_period, D(2024, 1, 1), D(2024, 1, 2), 3)


@pytest.mark.django_db
def test_object_breakdown_compares_the_same_objects_over_the_previous_range(metric, customers):
    record = StatisticByDateAndObject.objects.record
    a, b, c, _ = customers
    record(metric, 9, Period.DAY, date=D(2024, 1, 3), object=a)
    record(metric, 8, Period.DAY, date=D(2024, 1, 4), object=b)
    record(metric, 1, Period.DAY, date=D(2024, 1, 1), object=b)
    record(metric, 4, Period.DAY, date=D(2024, 1, 2), object=c)
    qs = StatisticByDateAndObject.objects.narrow(metric=metric, period=Period.DAY)
    top = top_objects(qs, D(2024, 1, 3), D(2024, 1, 4), limit=2)

    before = object_breakdown(qs, *previous_range(D(2024, 1, 3), D(2024, 1, 4)), list(top.series))

    assert list(top.series) == [str(a.pk), str(b.pk)]
    assert before.series == {
        str(a.pk): [(D(2024, 1, 1), 0), (D(2024, 1, 2), 0)],
        str(b.pk): [(D(2024, 1, 1), 1), (D(2024, 1, 2), 0)],
    }
    assert before.totals == {str(a.pk): None, str(b.pk): 1}
    assert before.other == [(D(2024, 1, 1), 0), (D(2024, 1, 2), 4)]
    assert before.other_objects == 1
