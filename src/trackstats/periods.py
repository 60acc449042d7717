"""Periods: the span of time a stored value covers, as a number of seconds.

The integers are what django-trackstats 0.7 stored in the ``period`` column, so they
must never change. Besides the named periods, any positive multiple of ``DAY`` is an
N-day rolling window.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

DAY_SECONDS = 86400


class Period(models.IntegerChoices):
    DAY = DAY_SECONDS, _("Day")
    WEEK = 7 * DAY_SECONDS, _("Week")
    DAYS_28 = 28 * DAY_SECONDS, _("28 days")
    MONTH = 30 * DAY_SECONDS, _("Month")
    LIFETIME = 0, _("Lifetime")


PERIOD_CHOICES = tuple(Period.choices)

_NAMES = {
    Period.DAY: "day",
    Period.WEEK: "week",
    Period.DAYS_28: "days_28",
    Period.MONTH: "month",
    Period.LIFETIME: "lifetime",
}
_BY_NAME = {name: int(period) for period, name in _NAMES.items()}


def validate_period(period: object) -> int:
    """Return ``period`` as a plain int, or raise ValueError naming the argument.

    Valid: a ``Period`` member, 0 (lifetime) or any positive multiple of ``DAY``.
    """
    # bool is an int subclass; True would otherwise pass as 1 second.
    if isinstance(period, bool) or not isinstance(period, int):
        raise TypeError(
            f"period must be an int number of seconds (a Period value), got {period!r}"
        )
    if period == Period.LIFETIME:
        return 0
    if period < 0 or period % DAY_SECONDS:
        raise ValueError(
            f"period must be Period.LIFETIME (0) or a positive multiple of Period.DAY "
            f"({DAY_SECONDS}), got {period!r}"
        )
    return int(period)


def is_event_period(period: object) -> bool:
    """Whether ``increment()`` can count events in ``period``: DAY and LIFETIME.

    An event belongs to one DAY row, its date's, and adds to the LIFETIME running
    totals from its date on. A rolling window (WEEK, 28 days, MONTH, any N days) holds
    an event in the N rows that end on the N dates from its date on, so counting it
    would mean N rows to update; such counters are read from the DAY rows instead.
    Raises like :func:`validate_period` for a value that is no period at all.
    """
    # The one list of event periods: calendar periods (an event falls in exactly one
    # calendar week or month) join it when they are added.
    return validate_period(period) in (Period.DAY, Period.LIFETIME)


def period_days(period: int) -> int | None:
    """Length of the rolling window in days; None for LIFETIME (unbounded)."""
    period = validate_period(period)
    return None if period == 0 else period // DAY_SECONDS


def period_name(period: int) -> str:
    """Stable text name of a period, used in exports: ``day``, ``week``, ``10_days``."""
    period = validate_period(period)
    if period in _NAMES:
        return _NAMES[Period(period)]
    return f"{period // DAY_SECONDS}_days"


def period_label(period: int) -> str:
    """Human label for display: the choice label, or ``N days``."""
    period = validate_period(period)
    if period in Period.values:
        return str(Period(period).label)
    return f"{period // DAY_SECONDS} days"


def parse_period_name(name: str) -> int:
    """Inverse of :func:`period_name`; also accepts a plain number of seconds."""
    text = str(name).strip().lower()
    if text in _BY_NAME:
        return _BY_NAME[text]
    if text.endswith("_days") and text[: -len("_days")].isdigit():
        return validate_period(int(text[: -len("_days")]) * DAY_SECONDS)
    if text.isdigit():
        return validate_period(int(text))
    raise ValueError(f"unknown period {name!r}: use one of {', '.join(_BY_NAME)} or N_days")
