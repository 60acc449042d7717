"""Running registered trackers: track, dry run, verify and describe.

The ``trackstats`` command and the tasks in :mod:`trackstats.tasks` share these, so a
run started from cron, a shell or a worker does the same thing and reports the same way.
"""

from __future__ import annotations

import datetime
import math
import time
from dataclasses import asdict, dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.db import models, router
from django.db.models.expressions import Star

from . import clock
from .models import TrackerRun
from .periods import period_name
from .registry import Registration
from .runlog import RunRecord, log_failure
from .statistic_schema import dimension_fields, forward_field
from .tracker_protocol import Tracker


@dataclass(frozen=True)
class RunReport:
    """What one tracker run did (or, for a dry run, would do)."""

    name: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    rows_written: int
    rows_removed: int
    seconds: float
    dry_run: bool = False
    time_zone: str = ""

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready values, the return value of a tracking task."""
        data = asdict(self)
        for key in ("start_date", "end_date"):
            data[key] = data[key].isoformat() if data[key] is not None else None
        return data


@dataclass(frozen=True)
class Difference:
    """One statistic whose stored value differs from a recomputation."""

    key: tuple[Any, ...]
    stored: Any
    computed: Any
    missing: bool  # True when no row is stored for the key

    def describe(self) -> str:
        stored = "no row" if self.missing else repr(self.stored)
        return f"{_key_text(self.key)}: stored {stored}, computed {self.computed!r}"


def source_queryset(entry: Registration, using: str | None = None) -> models.QuerySet[Any]:
    return entry.queryset(using=using)


def statistics_database(entry: Registration, using: str | None = None) -> str:
    """Where a run of ``entry`` reads and writes statistics.

    ``using`` when given; otherwise the database of the source queryset, which is
    where a tracker writes.
    """
    return using or source_queryset(entry).db


def track(
    entry: Registration,
    since: datetime.date | None = None,
    using: str | None = None,
    until: datetime.date | None = None,
    lookback: int | None = None,
) -> RunReport:
    """Run the tracker of ``entry`` and store its statistics.

    ``lookback`` overrides the registration's, which overrides the tracker's. The run
    is logged under the registration's name, failures included.
    """
    started = time.perf_counter()
    started_at = clock.now()
    try:
        queryset = source_queryset(entry, using)
    except Exception as error:
        # The tracker never ran: log the failure under the registration's name.
        record = RunRecord(
            name=entry.name,
            started_at=started_at,
            seconds=time.perf_counter() - started,
            time_zone="",
        )
        log_failure(record, None, using or router.db_for_write(TrackerRun), error)
        raise
    result = entry.tracker.track(
        queryset,
        since=since,
        until=until,
        lookback=_lookback(entry, lookback),
        name=entry.name,
    )
    return RunReport(
        name=entry.name,
        start_date=result.start_date,
        end_date=result.end_date,
        rows_written=result.rows_written,
        rows_removed=result.rows_removed,
        seconds=time.perf_counter() - started,
        time_zone=result.time_zone,
    )


async def atrack(
    entry: Registration,
    since: datetime.date | None = None,
    using: str | None = None,
    until: datetime.date | None = None,
    lookback: int | None = None,
) -> RunReport:
    """``track()`` for async code, same arguments, report and exceptions.

    The source callable, the run and its log all happen in one ``track()`` call in the
    thread of Django's sync code.
    """
    return await sync_to_async(track, thread_sensitive=True)(
        entry, since=since, using=using, until=until, lookback=lookback
    )


def track_by_name(
    name: str, since: str | None = None, database: str | None = None
) -> dict[str, Any]:
    """The body of the tracking tasks (Django Tasks and Celery): run the registered
    tracker called ``name`` from the ISO date ``since`` (None: incrementally) on
    ``database`` (None: the source queryset's own); its report as JSON values."""
    from .registry import registry

    since_date = datetime.date.fromisoformat(since) if since is not None else None
    return track(registry.get(name), since=since_date, using=database).as_json()


def dry_run(
    entry: Registration,
    since: datetime.date | None = None,
    using: str | None = None,
    until: datetime.date | None = None,
    lookback: int | None = None,
) -> RunReport:
    """Compute what a run of ``entry`` would store, writing nothing."""
    started = time.perf_counter()
    computed = entry.tracker.compute(
        source_queryset(entry, using),
        since=since,
        until=until,
        lookback=_lookback(entry, lookback),
    )
    return RunReport(
        name=entry.name,
        start_date=computed.start_date,
        end_date=computed.end_date,
        rows_written=len(computed.values),
        rows_removed=0,
        seconds=time.perf_counter() - started,
        dry_run=True,
    )


def verify(
    entry: Registration,
    since: datetime.date | None = None,
    using: str | None = None,
    until: datetime.date | None = None,
) -> list[Difference]:
    """Recompute without writing; the statistics whose stored value differs.

    From ``since`` through ``until`` (default today); by default from the earliest
    date of the tracker's stored rows (its scope: see ``tracker.stored_rows()``), or,
    with nothing stored, from the first source row, so the whole stored history is
    checked. A key the recomputation leaves out (its
    window holds no source rows) may be stored as 0, since trackers set such rows to 0
    or remove them; any other stored value for it is a difference.
    """
    tracker = entry.tracker
    if since is None:
        since = first_stored_date(entry, using)
    computed = tracker.compute(source_queryset(entry, using), since=since, until=until)
    if computed.start_date is None:
        return []
    stored = _stored_values(entry, computed.start_date, computed.end_date, using)
    differences: list[Difference] = []
    for key in sorted(set(computed.values) | set(stored), key=_sort_key):
        if key in computed.values:
            value = computed.values[key]
            if key not in stored:
                differences.append(Difference(key, None, value, missing=True))
            elif not _same(stored[key], value):
                differences.append(Difference(key, stored[key], value, missing=False))
        elif stored[key] != 0:
            differences.append(Difference(key, stored[key], 0, missing=False))
    return differences


def last_stored_date(entry: Registration, using: str | None = None) -> datetime.date | None:
    """The most recent date of the tracker's stored rows."""
    found = _stored_rows(entry, using).aggregate(last=models.Max("date"))
    last: datetime.date | None = found["last"]
    return last


def first_stored_date(entry: Registration, using: str | None = None) -> datetime.date | None:
    """The earliest date of the tracker's stored rows."""
    found = _stored_rows(entry, using).aggregate(first=models.Min("date"))
    first: datetime.date | None = found["first"]
    return first


def _stored_rows(entry: Registration, using: str | None) -> models.QuerySet[Any]:
    return entry.tracker.stored_rows(statistics_database(entry, using))


def _lookback(entry: Registration, lookback: int | None) -> int | None:
    if lookback is not None:
        return lookback
    return entry.lookback


def describe_aggregate(tracker: Tracker) -> str:
    """A short text for the tracker's aggregate, such as ``Count(*)`` or ``Sum(amount)``."""
    aggr_op = getattr(tracker, "aggr_op", None)
    if aggr_op is None:
        return "Count(*)"
    name = type(aggr_op).__name__
    arguments = []
    for expression in aggr_op.get_source_expressions():
        if expression is None:
            continue
        if isinstance(expression, Star):
            arguments.append("*")
        else:
            arguments.append(getattr(expression, "name", None) or str(expression))
    distinct = "distinct " if getattr(aggr_op, "distinct", False) else ""
    return f"{name}({distinct}{', '.join(arguments) or '*'})"


def describe_period(tracker: Tracker) -> str:
    return period_name(tracker.period)


def _stored_values(
    entry: Registration,
    start_date: datetime.date,
    end_date: datetime.date,
    using: str | None,
) -> dict[tuple[Any, ...], Any]:
    tracker = entry.tracker
    model = tracker.statistic_model
    columns = [forward_field(model, name).attname for name in dimension_fields(model)]
    rows = (
        _stored_rows(entry, using)
        .filter(date__gte=start_date, date__lte=end_date)
        .values_list("date", *columns, "value")
    )
    return {tuple(row[:-1]): row[-1] for row in rows.iterator()}


def _same(stored: Any, computed: Any) -> bool:
    if isinstance(stored, float) or isinstance(computed, float):
        if stored is None or computed is None:
            return stored is computed
        return math.isclose(float(stored), float(computed), rel_tol=1e-9, abs_tol=1e-9)
    return bool(stored == computed)


def _sort_key(key: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if part is None else str(part) for part in key)


def _key_text(key: tuple[Any, ...]) -> str:
    date, *dimensions = key
    text = date.isoformat() if isinstance(date, datetime.date) else str(date)
    if dimensions:
        text += " " + " ".join(str(part) for part in dimensions)
    return text
