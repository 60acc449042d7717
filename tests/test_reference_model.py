"""The reference itself, on examples worked out by hand (no database)."""

import datetime
import decimal
import zoneinfo
from fractions import Fraction

import pytest

from tests import reference
from tests.reference import Row

UTC = datetime.timezone.utc
AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
KIRITIMATI = zoneinfo.ZoneInfo("Pacific/Kiritimati")
PAGO_PAGO = zoneinfo.ZoneInfo("Pacific/Pago_Pago")
D = datetime.date


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def test_local_date_follows_the_zone_and_its_dst():
    # 2025-10-26: Amsterdam falls back from +02:00 to +01:00 at 01:00 UTC.
    assert reference.local_date(at(2025, 10, 25, 21, 59, 59), AMS) == D(2025, 10, 25)
    assert reference.local_date(at(2025, 10, 25, 22, 0), AMS) == D(2025, 10, 26)
    assert reference.local_date(at(2025, 10, 26, 22, 59, 59), AMS) == D(2025, 10, 26)
    assert reference.local_date(at(2025, 10, 26, 23, 0), AMS) == D(2025, 10, 27)


def test_local_date_at_plus_14_and_minus_11():
    instant = at(2026, 1, 1, 10, 30)
    assert reference.local_date(instant, KIRITIMATI) == D(2026, 1, 2)
    assert reference.local_date(instant, PAGO_PAGO) == D(2025, 12, 31)


def test_local_date_of_a_date_ignores_the_zone():
    assert reference.local_date(D(2026, 3, 1), KIRITIMATI) == D(2026, 3, 1)


def test_local_date_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        reference.local_date(datetime.datetime(2026, 1, 1), UTC)


@pytest.mark.parametrize(
    ("days", "inside", "outside"),
    [
        (1, [D(2026, 5, 10)], [D(2026, 5, 9), D(2026, 5, 11)]),
        (7, [D(2026, 5, 4), D(2026, 5, 10)], [D(2026, 5, 3), D(2026, 5, 11)]),
        (28, [D(2026, 4, 13)], [D(2026, 4, 12)]),
        (30, [D(2026, 4, 11)], [D(2026, 4, 10)]),
        (None, [D(1970, 1, 1), D(2026, 5, 10)], [D(2026, 5, 11)]),
    ],
)
def test_windows(days, inside, outside):
    day = D(2026, 5, 10)
    assert all(reference.in_window(d, day, days) for d in inside)
    assert not any(reference.in_window(d, day, days) for d in outside)


def test_aggregates():
    values = [3, 1, 3, None]
    assert reference.aggregate("count", values) == 4
    assert reference.aggregate("count_distinct", values) == 2
    assert reference.aggregate("count_if", [True, False, True]) == 2
    assert reference.aggregate("count_if", [False]) == 0
    assert reference.aggregate("sum", [3, 1, 3]) == 7
    assert reference.aggregate("min", [3, 1, 3]) == 1
    assert reference.aggregate("max", [3, 1, 3]) == 3
    assert reference.aggregate("avg", [1, 2]) == Fraction(3, 2)
    assert reference.aggregate("sum", [decimal.Decimal("0.10"), decimal.Decimal("0.20")]) == (
        decimal.Decimal("0.30")
    )
    with pytest.raises(ValueError, match="unknown aggregate"):
        reference.aggregate("median", [1])


def test_start_date_prefers_since_then_stored_then_first_row():
    rows = [Row(at(2026, 5, 3, 12)), Row(at(2026, 5, 1, 12))]
    assert reference.start_date(rows, UTC, D(2026, 4, 1), [D(2026, 5, 2)]) == D(2026, 4, 1)
    assert reference.start_date(rows, UTC, None, [D(2026, 5, 2), D(2026, 4, 2)]) == D(2026, 5, 2)
    assert reference.start_date(rows, UTC, None, []) == D(2026, 5, 1)
    assert reference.start_date([], UTC, None, []) is None


def test_expected_values_by_date_rolling_window():
    rows = [Row(at(2026, 5, 1, 12), 1), Row(at(2026, 5, 3, 12), 2), Row(at(2026, 5, 9, 12), 4)]
    week = reference.expected_values(rows, UTC, 7, "sum", D(2026, 5, 1), D(2026, 5, 12), False)
    assert week == {
        (D(2026, 5, 1),): 1,
        (D(2026, 5, 2),): 1,
        (D(2026, 5, 3),): 3,
        (D(2026, 5, 4),): 3,
        (D(2026, 5, 5),): 3,
        (D(2026, 5, 6),): 3,
        (D(2026, 5, 7),): 3,  # 1 May leaves the window on 8 May
        (D(2026, 5, 8),): 2,
        (D(2026, 5, 9),): 6,
        (D(2026, 5, 10),): 4,  # 3 May left
        (D(2026, 5, 11),): 4,
        (D(2026, 5, 12),): 4,
    }
    day = reference.expected_values(rows, UTC, 1, "count", D(2026, 5, 2), D(2026, 5, 12), False)
    assert day == {(D(2026, 5, 3),): 1, (D(2026, 5, 9),): 1}


def test_expected_values_lifetime_distinct_by_object():
    rows = [
        Row(at(2026, 5, 1, 12), "u1", "a"),
        Row(at(2026, 5, 2, 12), "u1", "a"),
        Row(at(2026, 5, 2, 13), "u2", "a"),
        Row(at(2026, 5, 3, 12), "u1", "b"),
    ]
    life = reference.expected_values(
        rows, UTC, None, "count_distinct", D(2026, 5, 1), D(2026, 5, 4), True
    )
    assert life == {
        (D(2026, 5, 1), "a"): 1,
        (D(2026, 5, 2), "a"): 2,
        (D(2026, 5, 3), "a"): 2,
        (D(2026, 5, 4), "a"): 2,
        (D(2026, 5, 3), "b"): 1,
        (D(2026, 5, 4), "b"): 1,
    }


def test_expected_values_ignore_rows_after_today():
    rows = [Row(at(2026, 5, 2, 12)), Row(at(2026, 5, 3, 0, 0))]
    life = reference.expected_values(rows, UTC, None, "count", D(2026, 5, 2), D(2026, 5, 2), False)
    assert life == {(D(2026, 5, 2),): 1}


def test_same_value_tolerates_storage_rounding_only():
    assert reference.same_value(Fraction(1, 3), 1 / 3)
    assert reference.same_value(Fraction(1, 3), decimal.Decimal("0.33"))
    assert not reference.same_value(Fraction(1, 3), decimal.Decimal("0.34"))
    assert not reference.same_value(Fraction(1, 3), 0.3334)
    assert reference.same_value(decimal.Decimal("1.10"), 1.1)
    assert reference.same_value(5, decimal.Decimal("5.00"))
    assert not reference.same_value(5, 6)
    assert not reference.same_value(0, None)


def test_track_differences():
    before = {(D(2026, 5, 1),): 9, (D(2026, 5, 3),): 9, (D(2026, 5, 4),): 9}
    expected = {(D(2026, 5, 3),): 2}
    start, today = D(2026, 5, 3), D(2026, 5, 5)
    good = {(D(2026, 5, 1),): 9, (D(2026, 5, 3),): 2, (D(2026, 5, 4),): 0}
    assert reference.track_differences(before, good, expected, start, today) == []
    removed = {(D(2026, 5, 1),): 9, (D(2026, 5, 3),): 2}
    assert reference.track_differences(before, removed, expected, start, today) == []

    bad = {(D(2026, 5, 3),): 3, (D(2026, 5, 4),): 9, (D(2026, 5, 6),): 1}
    problems = reference.track_differences(before, bad, expected, start, today)
    assert len(problems) == 4
    assert any("2026, 5, 1" in p and "deleted" in p for p in problems)
    assert any("2026, 5, 3" in p and "expected 2" in p for p in problems)
    assert any("2026, 5, 4" in p and "empty window" in p for p in problems)
    assert any("2026, 5, 6" in p and "outside" in p for p in problems)


def test_rows_without_an_object_only_move_the_start_date():
    rows = [Row(at(2026, 5, 1, 12), 1, None), Row(at(2026, 5, 2, 12), 1, "a")]
    assert reference.start_date(rows, UTC, None, []) == D(2026, 5, 1)
    day = reference.expected_values(rows, UTC, 1, "count", D(2026, 5, 1), D(2026, 5, 2), True)
    assert day == {(D(2026, 5, 2), "a"): 1}
