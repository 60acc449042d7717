"""A plain-Python reading of what a tracker must store.

It follows DESIGN.md, "Semantics trackers must hold exactly", and the LIFETIME
re-run guarantee of docs/concepts.md (``continued_values``), and nothing else: no code
is shared with ``trackstats.trackers``. It is deliberately naive (every date times every
source row) so that it is easy to check by eye; the property tests compare the engine
with it on small inputs.

Vocabulary:

- a source row is a :class:`Row`: the moment it happened (an aware datetime, or a date
  for ``DateField`` sources), the value the aggregate reads, and the object it belongs
  to (by-object trackers);
- ``days`` is the length of the rolling window, ``None`` for LIFETIME;
- a key is ``(date, object_id)`` for by-object trackers and ``(date,)`` by date.
"""

from __future__ import annotations

import datetime
import decimal
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

# The aggregates the reference knows, by the name the tests use for them.
AGGREGATES = ("count", "count_if", "count_distinct", "sum", "min", "max", "avg")

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Row:
    moment: datetime.datetime | datetime.date
    value: Any = None
    object_id: str | None = None


def local_date(moment: datetime.datetime | datetime.date, tz: datetime.tzinfo) -> datetime.date:
    """The calendar date of a source row in the tracker's time zone."""
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is None:
            raise ValueError(f"source datetimes must be aware, got {moment!r}")
        return moment.astimezone(tz).date()
    # A DateField holds a calendar date already: no zone applies.
    return moment


def in_window(row_date: datetime.date, day: datetime.date, days: int | None) -> bool:
    """Is a row of local date ``row_date`` inside the window of stored date ``day``?

    An N-day window is ``day - (N - 1) .. day``; LIFETIME is every date up to ``day``.
    """
    if row_date > day:
        return False
    if days is None:
        return True
    return row_date >= day - datetime.timedelta(days=days - 1)


def aggregate(op: str, values: list[Any]) -> Any:
    """The aggregate of the values of the rows in one window (never empty)."""
    if op == "count":
        return len(values)
    if op == "count_if":
        # Count(..., filter=...): the rows whose value (the filter's verdict) is true.
        return sum(1 for v in values if v)
    if op == "count_distinct":
        # SQL's COUNT(DISTINCT x) ignores NULL.
        return len({v for v in values if v is not None})
    if op == "sum":
        return sum(values)
    if op == "min":
        return min(values)
    if op == "max":
        return max(values)
    if op == "avg":
        # Exact, so that the comparison's tolerance is the engine's rounding only.
        return sum(Fraction(v) for v in values) / len(values)
    raise ValueError(f"unknown aggregate {op!r}")


def dates_between(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def first_date(rows: Iterable[Row], tz: datetime.tzinfo) -> datetime.date | None:
    """The local date of the earliest row, with or without an object."""
    dates = [local_date(row.moment, tz) for row in rows]
    return min(dates) if dates else None


def start_date(
    rows: Iterable[Row],
    tz: datetime.tzinfo,
    since: datetime.date | None,
    stored_dates: Iterable[datetime.date],
    lookback: int = 0,
    end: datetime.date | None = None,
) -> datetime.date | None:
    """Where a run starts: ``since``; else the latest stored date (not after ``end``)
    minus ``lookback`` days, but not before the earliest stored date; else the first
    row's date."""
    if since is not None:
        return since
    stored = list(stored_dates)
    if stored:
        latest = max(stored) if end is None else min(max(stored), end)
        return max(latest - datetime.timedelta(days=lookback), min(stored))
    return first_date(rows, tz)


def expected_values(
    rows: Iterable[Row],
    tz: datetime.tzinfo,
    days: int | None,
    op: str,
    start: datetime.date | None,
    today: datetime.date,
    by_object: bool,
) -> dict[Key, Any]:
    """Every value a run from ``start`` through ``today`` must store.

    Only keys whose window holds at least one source row appear.
    """
    rows = list(rows)
    result: dict[Key, Any] = {}
    if start is None:
        return result
    dated = [(local_date(row.moment, tz), row) for row in rows]
    for day in dates_between(start, today):
        windows: dict[Key, list[Any]] = defaultdict(list)
        for row_date, row in dated:
            if by_object and row.object_id is None:
                continue  # a row without an object (a NULL foreign key) has no statistic
            if in_window(row_date, day, days):
                key = (day, row.object_id) if by_object else (day,)
                windows[key].append(row.value)
        for key, values in windows.items():
            result[key] = aggregate(op, values)
    return result


# LIFETIME re-runs of these aggregates of whole numbers continue from the values stored
# for the day before the start (docs/concepts.md, "What a run guarantees").
CONTINUED_AGGREGATES = ("count", "count_if", "sum", "min", "max")


def continued_values(
    rows: Iterable[Row],
    tz: datetime.tzinfo,
    op: str,
    start: datetime.date,
    today: datetime.date,
    by_object: bool,
    base: Mapping[Key, Any],
) -> dict[Key, Any]:
    """What a LIFETIME run from ``start`` stores when it continues from ``base``.

    ``base`` maps each key without its date (``()`` by date, ``(object_id,)`` by
    object) to the value stored for it on the day before ``start``. The value of date
    ``d`` is that stored value combined (added, or the smaller or larger of the two)
    with the aggregate of the rows dated ``start`` through ``d``; source rows dated
    before ``start`` are not read. A key appears from ``start`` on when it has a
    stored value or, from its first row's date on, when it has rows.
    """
    if op not in CONTINUED_AGGREGATES:
        raise ValueError(f"a LIFETIME run of {op!r} does not continue from stored values")
    dated = [(local_date(row.moment, tz), row) for row in rows]
    result: dict[Key, Any] = {}
    for day in dates_between(start, today):
        windows: dict[Key, list[Any]] = {key: [] for key in base}
        for row_date, row in dated:
            if by_object and row.object_id is None:
                continue
            if start <= row_date <= day:
                windows.setdefault((row.object_id,) if by_object else (), []).append(row.value)
        for key, values in windows.items():
            part = aggregate(op, values) if values else None
            known = [value for value in (base.get(key), part) if value is not None]
            if not known:
                combined = None
            elif op == "min":
                combined = min(known)
            elif op == "max":
                combined = max(known)
            else:
                combined = sum(known)
            result[(day, *key)] = combined
    return result


def same_value(expected: Any, actual: Any) -> bool:
    """Equal, allowing for the rounding of float and 2-place decimal value fields."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(actual, float) or isinstance(expected, (float, Fraction)):
        gap = abs(Fraction(actual) - Fraction(expected))
        if isinstance(actual, decimal.Decimal):
            # Stored in a decimal field with 2 places: off by at most half a cent.
            return gap <= Fraction(1, 200)
        return gap <= Fraction(abs(Fraction(expected))) * Fraction(1, 10**9) + Fraction(1, 10**9)
    return actual == expected


def track_differences(
    before: Mapping[Key, Any],
    after: Mapping[Key, Any],
    expected: Mapping[Key, Any],
    start: datetime.date | None,
    today: datetime.date,
) -> list[str]:
    """What is wrong with the stored rows ``after`` a run, given those ``before`` it.

    - dates from ``start`` through ``today``: exactly the expected keys hold their
      expected value; any other stored key there holds 0 (its window became empty);
    - every other date: the stored rows are untouched.
    """
    problems: list[str] = []

    def recomputed(key: Key) -> bool:
        return start is not None and start <= key[0] <= today

    for key, value in expected.items():
        if key not in after:
            problems.append(f"{key}: missing, expected {value!r}")
        elif not same_value(value, after[key]):
            problems.append(f"{key}: stored {after[key]!r}, expected {value!r}")
    for key, value in after.items():
        if key in expected:
            continue
        if recomputed(key):
            if value != 0:
                problems.append(f"{key}: stored {value!r} for an empty window, expected 0/none")
        elif key not in before:
            problems.append(f"{key}: written outside {start}..{today}: {value!r}")
        elif before[key] != value:
            problems.append(f"{key}: outside the run, changed from {before[key]!r} to {value!r}")
    for key, value in before.items():
        if not recomputed(key) and key not in after:
            problems.append(f"{key}: outside the run, deleted (was {value!r})")
    return sorted(problems)


# ---------------------------------------------------------------- calendar periods
# The codes of trackstats.periods, spelled out here rather than imported: a calendar
# week is -7 - 100 * (days its first day is after Monday); months, quarters and years
# are minus their number of months.
WEEK_CODES = {-7 - 100 * first: first for first in range(7)}
MONTH_CODES = {-1: 1, -3: 3, -12: 12}


def is_calendar(period: int) -> bool:
    return period in WEEK_CODES or period in MONTH_CODES


def bucket_of(day: datetime.date, period: int) -> datetime.date:
    """The first day of the calendar bucket holding ``day``, found by walking back."""
    if period in WEEK_CODES:
        while day.weekday() != WEEK_CODES[period]:
            day -= datetime.timedelta(days=1)
        return day
    months = MONTH_CODES[period]
    month = day.month
    while (month - 1) % months:
        month -= 1
    return datetime.date(day.year, month, 1)


def expected_calendar_values(
    rows: Iterable[Row],
    tz: datetime.tzinfo,
    period: int,
    op: str,
    start: datetime.date | None,
    end: datetime.date,
    by_object: bool,
) -> dict[Key, Any]:
    """Every value a run of a calendar period from ``start`` (a bucket's first day)
    through ``end`` must store: one per bucket (and object) holding rows, over the rows
    of the bucket up to ``end``."""
    buckets: dict[Key, list[Any]] = defaultdict(list)
    if start is None:
        return {}
    for row in rows:
        if by_object and row.object_id is None:
            continue
        row_date = local_date(row.moment, tz)
        if row_date > end:
            continue
        bucket = bucket_of(row_date, period)
        if bucket < start:
            continue
        key = (bucket, row.object_id) if by_object else (bucket,)
        buckets[key].append(row.value)
    return {key: aggregate(op, values) for key, values in buckets.items()}
