"""Periods: the span of time a stored value covers, as an integer code.

Zero and the positive codes are what django-trackstats 0.7 stored in the ``period``
column, a number of seconds, and keep their meaning: 0 is LIFETIME, and any positive
multiple of ``DAY`` is an N-day rolling window ending on the stored date (``DAY`` is
the 1-day window). Calendar periods use negative codes, which 0.7 never stored:

- a calendar month, quarter or year is minus its number of months: -1, -3, -12;
- a calendar week is -7 when it starts on Monday (ISO 8601), and -7 - 100 * N when it
  starts N days after Monday: -107 on Tuesday ... -607 on Sunday.

A calendar period's row is dated on the first local day of its bucket and holds the
aggregate over the bucket's days (through today for the current bucket).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

DAY_SECONDS = 86400
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Period(models.IntegerChoices):
    DAY = DAY_SECONDS, _("Day")
    WEEK = 7 * DAY_SECONDS, _("7 days, rolling")
    DAYS_28 = 28 * DAY_SECONDS, _("28 days, rolling")
    MONTH = 30 * DAY_SECONDS, _("30 days, rolling")
    LIFETIME = 0, _("Lifetime")
    CALENDAR_WEEK = -7, _("Calendar week")
    CALENDAR_MONTH = -1, _("Calendar month")
    QUARTER = -3, _("Quarter")
    YEAR = -12, _("Year")


PERIOD_CHOICES = tuple(Period.choices)

# Keyed by int: the calendar weeks from other weekdays than Monday are codes, not members.
_NAMES: dict[int, str] = {
    Period.DAY: "day",
    Period.WEEK: "week",
    Period.DAYS_28: "days_28",
    Period.MONTH: "month",
    Period.LIFETIME: "lifetime",
    Period.CALENDAR_WEEK: "calendar_week",
    Period.CALENDAR_MONTH: "calendar_month",
    Period.QUARTER: "quarter",
    Period.YEAR: "year",
}
_MONTHS = {Period.CALENDAR_MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}
_WEEK_CODES = {-7 - 100 * weekday: weekday for weekday in range(7)}
for _weekday in range(1, 7):
    _NAMES[-7 - 100 * _weekday] = f"calendar_week_{_WEEKDAYS[_weekday]}"
_BY_NAME = {name: int(period) for period, name in _NAMES.items()}


def calendar_week(first_weekday: int = 0) -> int:
    """The period code of calendar weeks starting on ``first_weekday`` (0 = Monday,
    6 = Sunday, as ``datetime.date.weekday()``)."""
    if isinstance(first_weekday, bool) or first_weekday not in range(7):
        raise ValueError(f"first_weekday must be 0 (Monday) to 6 (Sunday), got {first_weekday!r}")
    return -7 - 100 * first_weekday


def is_calendar(period: int) -> bool:
    """Is ``period`` a calendar week, month, quarter or year?"""
    return validate_period(period) < 0


def bucket_start(day: datetime.date, period: int) -> datetime.date:
    """The first day of the calendar bucket holding ``day``."""
    period = validate_period(period)
    if period in _WEEK_CODES:
        return day - datetime.timedelta(days=(day.weekday() - _WEEK_CODES[period]) % 7)
    months = _MONTHS[Period(period)]
    return datetime.date(day.year, (day.month - 1) // months * months + 1, 1)


def next_bucket(start: datetime.date, period: int) -> datetime.date:
    """The first day of the bucket after the one starting on ``start``."""
    period = validate_period(period)
    if period in _WEEK_CODES:
        return start + datetime.timedelta(days=7)
    months = _MONTHS[Period(period)]
    index = start.year * 12 + start.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def week_first_weekday(period: int) -> int | None:
    """For a calendar week, its first weekday (0 = Monday); else None."""
    return _WEEK_CODES.get(validate_period(period))


def calendar_months(period: int) -> int | None:
    """For a calendar month, quarter or year, its number of months; else None."""
    period = validate_period(period)
    return _MONTHS[Period(period)] if period in _MONTHS else None


def validate_period(period: object) -> int:
    """Return ``period`` as a plain int, or raise ValueError naming the argument.

    Valid: a ``Period`` member, 0 (lifetime), any positive multiple of ``DAY`` or a
    calendar period's code (see :func:`calendar_week`).
    """
    # bool is an int subclass; True would otherwise pass as 1 second.
    if isinstance(period, bool) or not isinstance(period, int):
        raise TypeError(
            f"period must be an int number of seconds (a Period value), got {period!r}"
        )
    if period == Period.LIFETIME:
        return 0
    if int(period) in _WEEK_CODES or int(period) in (-1, -3, -12):
        return int(period)
    if period < 0 or period % DAY_SECONDS:
        raise ValueError(
            f"period must be Period.LIFETIME (0), a positive multiple of Period.DAY "
            f"({DAY_SECONDS}) or a calendar period (Period.CALENDAR_WEEK, "
            f"CALENDAR_MONTH, QUARTER, YEAR, calendar_week(n)), got {period!r}"
        )
    return int(period)


def is_event_period(period: object) -> bool:
    """Whether ``increment()`` can count events in ``period``: DAY, LIFETIME and the
    calendar periods.

    An event belongs to one DAY row, its date's, to one row of each calendar period,
    its bucket's, and adds to the LIFETIME running totals from its date on. A rolling
    window (WEEK, 28 days, MONTH, any N days) holds an event in the N rows that end on
    the N dates from its date on, so counting it would mean N rows to update; such
    counters are read from the DAY rows instead.
    Raises like :func:`validate_period` for a value that is no period at all.
    """
    # The one list of event periods: an event falls in exactly one day and one
    # calendar bucket, and every later LIFETIME total.
    checked = validate_period(period)
    return checked in (Period.DAY, Period.LIFETIME) or checked < 0


def period_days(period: int) -> int | None:
    """Length of the rolling window in days; None for LIFETIME (unbounded).

    A calendar period has no fixed length: ValueError.
    """
    period = validate_period(period)
    if period < 0:
        raise ValueError(f"{period_name(period)} is a calendar period: it has no fixed length")
    return None if period == 0 else period // DAY_SECONDS


def period_name(period: int) -> str:
    """Stable text name of a period, used in exports: ``day``, ``week``, ``10_days``."""
    period = validate_period(period)
    if period in _NAMES:
        return _NAMES[period]
    return f"{period // DAY_SECONDS}_days"


def period_label(period: int) -> str:
    """Human label for display: the choice label, ``N days, rolling`` or ``Calendar
    week (from Sunday)``."""
    period = validate_period(period)
    if period in Period.values:
        return str(Period(period).label)
    if period in _WEEK_CODES:
        return str(_WEEK_LABELS[_WEEK_CODES[period]])
    days = period // DAY_SECONDS
    return ngettext("%(days)d day, rolling", "%(days)d days, rolling", days) % {"days": days}


# One whole label per weekday rather than a weekday put into a pattern: languages
# inflect the weekday after "from" differently. Monday's week is Period.CALENDAR_WEEK.
_WEEK_LABELS = (
    Period.CALENDAR_WEEK.label,
    _("Calendar week (from Tuesday)"),
    _("Calendar week (from Wednesday)"),
    _("Calendar week (from Thursday)"),
    _("Calendar week (from Friday)"),
    _("Calendar week (from Saturday)"),
    _("Calendar week (from Sunday)"),
)


def parse_period_name(name: str) -> int:
    """Inverse of :func:`period_name`; also accepts a plain number of seconds."""
    text = str(name).strip().lower()
    if text in _BY_NAME:
        return _BY_NAME[text]
    if text.endswith("_days") and text[: -len("_days")].isdigit():
        return validate_period(int(text[: -len("_days")]) * DAY_SECONDS)
    if text.isdigit():
        return validate_period(int(text))
    if text.lstrip("-").isdigit():
        return validate_period(int(text))
    raise ValueError(
        f"unknown period {name!r}: use one of day, week, days_28, month, lifetime, "
        "N_days, calendar_week (or calendar_week_sunday and the other weekdays), "
        "calendar_month, quarter or year"
    )
