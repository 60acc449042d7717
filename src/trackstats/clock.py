"""The one clock of trackstats.

Every "now" and "today" the package reads (a run's start and finish, the last date a
tracker computes, ``record()``'s default date, the admin's default range, the status
age) comes from here, so that a test or a backfill script can fix time for all of it
at once::

    with clock.fixed(datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.timezone.utc)):
        tracker.track(Order.objects.all())

Durations are still measured with ``time.perf_counter()``: they are not dates.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone

_fixed_at: datetime.datetime | None = None


def now() -> datetime.datetime:
    """The current instant as ``timezone.now()`` gives it (aware in UTC, or naive local
    time when ``USE_TZ`` is False), or the fixed one."""
    if _fixed_at is None:
        return timezone.now()
    if settings.USE_TZ:
        return _fixed_at
    return timezone.make_naive(_fixed_at, timezone.get_default_timezone())


def today_in(tz: datetime.tzinfo | None = None) -> datetime.date:
    """Today's local date in ``tz``, or in the current time zone."""
    zone = tz or timezone.get_current_timezone()
    # Not timezone.localdate(): it refuses to work when USE_TZ is False.
    if _fixed_at is None:
        return datetime.datetime.now(zone).date()
    return _fixed_at.astimezone(zone).date()


@contextmanager
def fixed(at: datetime.datetime) -> Iterator[datetime.datetime]:
    """Make ``now()`` return ``at`` (an aware datetime) inside the block."""
    global _fixed_at
    if timezone.is_naive(at):
        raise ValueError(f"clock.fixed() needs an aware datetime, got {at!r}")
    previous, _fixed_at = _fixed_at, at.astimezone(datetime.timezone.utc)
    try:
        yield _fixed_at
    finally:
        _fixed_at = previous
