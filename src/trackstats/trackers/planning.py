"""Planning a run: which dates it recomputes, from what it starts.

The start date is ``since`` when given; else, with statistics stored, the most recent
stored date minus the lookback; else the first source row's date. A time zone change
since the last run widens the range to every stored date, calendar periods start on
a bucket's first day, and a LIFETIME run may continue from the day before its start.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Min
from django.utils import timezone

from .. import clock
from ..engine.calendar import local_date
from ..periods import Period, bucket_start, is_calendar
from ..runlog import Scope, previous_zone, zone_name
from .declaration import check_day, check_lookback
from .results import TimeZoneChanged
from .source import check_queryset, engine_source

if TYPE_CHECKING:
    from .classes import ObjectsByDateTracker

logger = logging.getLogger("trackstats")


@dataclass(frozen=True)
class Plan:
    """The dates a run covers, ``start`` through ``end``; start None: nothing to do."""

    start: datetime.date | None
    end: datetime.date
    #: Stored rows after ``end`` to remove as well (a time zone change moved them).
    delete_until: datetime.date | None = None
    #: LIFETIME: the day before ``start``, when statistics are stored for it; the run
    #: continues from them instead of reading the source history before ``start``.
    continue_from: datetime.date | None = None
    #: Whether ``start`` is the first source row's date (nothing stored yet): the run
    #: reads every source row.
    whole_source: bool = False


def plan_run(
    tracker: ObjectsByDateTracker,
    queryset: models.QuerySet[Any],
    since: datetime.date | None,
    until: datetime.date | None,
    lookback: int | None,
    scope: Scope | None = None,
) -> Plan:
    """The plan of a run of ``tracker`` over ``queryset``; raise on bad arguments."""
    check_queryset(tracker, queryset)
    tz = tracker._zone()
    today = clock.today_in(tz)
    since = check_day(since, "since")
    end = check_day(until, "until") or today
    if end > today:
        raise ValueError(f"until {end} is after today ({today} in {zone_name(tz)})")
    if since is not None and until is not None and since > until:
        raise ValueError(f"since {since} is after until {until}")
    lookback = tracker.lookback if lookback is None else check_lookback(lookback)
    scope = scope or tracker.scope(queryset.db)
    plan = _plan_dates(tracker, queryset, since, until, end, lookback, tz, scope)
    if plan.start is None:
        return plan
    if tracker.period == Period.LIFETIME:
        return replace(plan, continue_from=_continue_from(tracker, queryset, plan, scope))
    if not is_calendar(tracker.period):
        return plan
    # A calendar bucket is computed whole: from its first day.
    return replace(plan, start=bucket_start(plan.start, tracker.period))


def _plan_dates(
    tracker: ObjectsByDateTracker,
    queryset: models.QuerySet[Any],
    since: datetime.date | None,
    until: datetime.date | None,
    end: datetime.date,
    lookback: int,
    tz: datetime.tzinfo,
    scope: Scope,
) -> Plan:
    rows = scope.stored_rows(queryset.db)
    # Two aggregates, not MIN and MAX in one: SQLite reads one end of the (metric,
    # period, date) index for a lone MIN or MAX, but the whole range for both at once.
    stored = {**rows.aggregate(first=Min("date")), **rows.aggregate(last=models.Max("date"))}
    previous = previous_zone(scope, queryset.db) if stored["last"] is not None else None
    zone = zone_name(tz)
    if previous is not None and previous != zone:
        return _plan_zone_change(tracker, queryset, since, end, until, stored, previous, zone)
    if since is not None:
        return Plan(since, end)
    if stored["last"] is not None:
        start = min(stored["last"], end) - datetime.timedelta(days=lookback)
        return Plan(max(start, stored["first"]), end)
    return Plan(first_source_date(tracker, queryset, tz), end, whole_source=True)


def _continue_from(
    tracker: ObjectsByDateTracker, queryset: models.QuerySet[Any], plan: Plan, scope: Scope
) -> datetime.date | None:
    """The day before a LIFETIME run's start, if statistics are stored for it.

    A run that writes LIFETIME rows writes one for every date of its range and
    every key with data by then, so a stored row on that day means the values of
    that day are there to continue from. None (read the history) after a time
    zone change, or when nothing is stored for that day: a first run, or a
    ``since`` before the first stored date.
    """
    if not tracker.lifetime_from_stored or plan.delete_until is not None or plan.start is None:
        return None
    day = plan.start - datetime.timedelta(days=1)
    return day if scope.stored_rows(queryset.db).filter(date=day).exists() else None


def _plan_zone_change(
    tracker: ObjectsByDateTracker,
    queryset: models.QuerySet[Any],
    since: datetime.date | None,
    end: datetime.date,
    until: datetime.date | None,
    stored: dict[str, datetime.date],
    previous: str,
    zone: str,
) -> Plan:
    """The statistics were computed in another zone: recompute all of them.

    Every stored date may move, so a run that would leave some of them in the old
    zone (a ``since`` after the first stored date, an ``until`` before the last)
    is refused instead.
    """
    if (since is not None and since > stored["first"]) or (
        until is not None and until < stored["last"]
    ):
        raise TimeZoneChanged(
            f"the statistics of {tracker.default_name()} were computed in {previous}, "
            f"this run is in {zone}: a run from {since or stored['first']} through "
            f"{end} would leave dates outside it in {previous}. Run without since/until "
            f"(--since) to recompute {stored['first']}..{stored['last']} in {zone}, "
            f"or with since on or before {stored['first']}"
        )
    first = first_source_date(tracker, queryset, tracker._zone())
    candidates = [day for day in (since, stored["first"], first) if day is not None]
    start = since if since is not None else min(candidates)
    logger.warning(
        "%s: time zone changed from %s to %s; recomputing %s..%s",
        tracker.default_name(),
        previous,
        zone,
        start,
        end,
    )
    return Plan(start, end, delete_until=stored["last"])


def first_source_date(
    tracker: ObjectsByDateTracker, queryset: models.QuerySet[Any], tz: datetime.tzinfo
) -> datetime.date | None:
    """The local date in ``tz`` of the source's first row; None for an empty source."""
    first: datetime.date | None = (
        engine_source(queryset)
        .order_by()
        .aggregate(trackstats_first=Min(tracker.date_field))["trackstats_first"]
    )
    if first is None:
        return None
    if isinstance(first, datetime.datetime):
        if timezone.is_naive(first):
            first = timezone.make_aware(first, timezone.get_default_timezone())
        return local_date(first, tz)
    return first
