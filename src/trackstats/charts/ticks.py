"""Where axis ticks go: round values on the value axis, calendar dates on the date axis."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.utils import formats

from .points import format_value

MIN_STEP = 1e-300


@dataclass(frozen=True)
class ValueScale:
    """The drawn value range and the tick values inside it, lowest first."""

    low: float
    high: float
    ticks: tuple[float, ...]


def nice_step(raw_step: float) -> float:
    """The smallest step of the form 1, 2 or 5 times a power of ten that is >= raw_step."""
    if raw_step <= 0 or not math.isfinite(raw_step):
        raise ValueError(f"raw_step must be a positive finite number, got {raw_step!r}")
    magnitude = 10.0 ** math.floor(math.log10(raw_step))
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        # Tolerate float noise such as 0.30000000000000004 for 0.3.
        if step >= raw_step * (1 - 1e-9):
            return step
    return 10 * magnitude


def value_scale(values: list[float], max_ticks: int = 6, integral: bool = False) -> ValueScale:
    """A range that holds every value and zero, split at round numbers.

    Zero is always inside so that bars grow from it and a line's height compares
    with nothing at all. ``integral`` keeps steps whole, for counts.
    """
    if max_ticks < 3:
        # Values on both sides of zero need a tick below, at and above it.
        raise ValueError(f"max_ticks must be at least 3, got {max_ticks!r}")
    low = min([0.0, *values])
    high = max([0.0, *values])
    if low == high:
        # All zero (or no data): draw 0..1 rather than a flat, unlabeled axis.
        high = 1.0
    # Divided before subtracting so that spans near the float limit stay finite; the floor
    # keeps subnormal values from rounding the step down to 0.
    step = nice_step(max(high / (max_ticks - 1) - low / (max_ticks - 1), MIN_STEP))
    if integral:
        step = max(step, 1.0)
    first, last = _tick_bounds(low, high, step)
    # Rounding can leave one tick too many; widen the step until it fits.
    while last - first + 1 > max_ticks:
        step = nice_step(step * 1.000001)
        first, last = _tick_bounds(low, high, step)
    ticks = tuple(_clean_float(i * step) for i in range(first, last + 1))
    return ValueScale(low=ticks[0], high=ticks[-1], ticks=ticks)


def _tick_bounds(low: float, high: float, step: float) -> tuple[int, int]:
    first = math.floor(low / step)
    last = math.ceil(high / step)
    # A value tiny next to the step divides to 0.0; it must still be inside the range.
    if low < 0 and first == 0:
        first = -1
    if high > 0 and last == 0:
        last = 1
    return first, last


def value_tick_label(value: float) -> str:
    return format_value(int(value) if float(value).is_integer() else value)


def _clean_float(value: float) -> float:
    # 3 * 0.1 is 0.30000000000000004; labels should read 0.3.
    return float(f"{value:.12g}")


@dataclass(frozen=True)
class DateTick:
    date: datetime.date
    label: str


_DAY_STEPS = (1, 2, 7, 14)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)


def date_ticks(first: datetime.date, last: datetime.date, max_ticks: int = 8) -> list[DateTick]:
    """Calendar-aligned ticks between two dates (inclusive), at most ``max_ticks``.

    Short ranges tick every day or two; weeks tick on Mondays; longer ranges tick on
    the first of a month (every 1, 2, 3, 6 months) or of a year. Labels follow the
    current locale: ``MONTH_DAY_FORMAT`` for days, ``YEAR_MONTH_FORMAT`` for months.
    """
    if last < first:
        raise ValueError(f"last ({last}) must not be before first ({first})")
    if max_ticks < 1:
        raise ValueError(f"max_ticks must be at least 1, got {max_ticks!r}")
    for step in _DAY_STEPS:
        if step in (7, 14):
            start = first + datetime.timedelta(days=(7 - first.weekday()) % 7)
        else:
            start = first
        ticks = _every_n_days(start, last, step)
        if ticks and len(ticks) <= max_ticks:
            return [DateTick(d, _day_label(d)) for d in ticks]
    for months in _MONTH_STEPS:
        ticks = _month_starts(first, last, months)
        if ticks and len(ticks) <= max_ticks:
            if months >= 12:
                return [DateTick(d, str(d.year)) for d in ticks]
            return [DateTick(d, formats.date_format(d, "YEAR_MONTH_FORMAT")) for d in ticks]
    # Nothing calendar-aligned fits: label where the range starts and ends.
    ends = [first] if first == last or max_ticks == 1 else [first, last]
    return [DateTick(d, formats.date_format(d, "SHORT_DATE_FORMAT")) for d in ends]


def _day_label(day: datetime.date) -> str:
    return formats.date_format(day, "MONTH_DAY_FORMAT")


def _every_n_days(start: datetime.date, last: datetime.date, step: int) -> list[datetime.date]:
    count = (last - start).days // step + 1 if start <= last else 0
    return [start + datetime.timedelta(days=i * step) for i in range(count)]


def _month_starts(first: datetime.date, last: datetime.date, months: int) -> list[datetime.date]:
    # Month index since year 0, aligned so that yearly ticks land on January.
    index = first.year * 12 + first.month - 1
    if first.day != 1:
        index += 1
    index += -index % months
    ticks = []
    while True:
        year, month = divmod(index, 12)
        if year > datetime.MAXYEAR:
            break
        tick = datetime.date(year, month + 1, 1)
        if tick > last:
            break
        ticks.append(tick)
        index += months
    return ticks
