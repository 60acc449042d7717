"""Running a tracker: ``track()`` writes a plan's statistics, ``compute()`` reads them.

Both build one select from the plan (:func:`select_for`); ``track()`` hands it to the
engine to replace the scope's rows of the plan's dates and logs the run, inside the
same transaction, while ``compute()`` only reads what the select yields.
"""

from __future__ import annotations

import datetime
import time
from typing import TYPE_CHECKING, Any

from django.db import connections, models, transaction

from .. import clock
from ..engine.dialects import dialect_for
from ..engine.execute import Statement, convert_date, convert_value, read, write, write_statements
from ..engine.statements import DateRange, Select, Source, StoredBase, build_select
from ..periods import calendar_months, is_calendar, period_days, week_first_weekday
from ..runlog import RunRecord, Scope, log_failure, log_success, zone_name
from ..signals import post_track
from ..statistic_schema import dimension_fields, forward_field
from .declaration import OBJECT_FIELDS, check_day, check_lookback
from .keys import target_of
from .paths import resolve_path
from .planning import Plan, plan_run
from .results import ComputedRun, TrackResult
from .source import check_queryset, engine_source

if TYPE_CHECKING:
    from .classes import ObjectsByDateTracker


def track(
    tracker: ObjectsByDateTracker,
    queryset: models.QuerySet[Any],
    since: datetime.date | None,
    until: datetime.date | None,
    lookback: int | None,
    name: str | None,
) -> TrackResult:
    """``tracker.track()``: plan, write, log, announce; see its documentation."""
    check_queryset(tracker, queryset)
    check_day(since, "since")
    check_day(until, "until")
    if lookback is not None:
        check_lookback(lookback)
    using = queryset.db
    started_at = clock.now()
    timer = time.perf_counter()
    zone = zone_name(tracker._zone())
    name = name or tracker.default_name()
    scope: Scope | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    try:
        scope = tracker.scope(using)
        plan = plan_run(tracker, queryset, since, until, lookback, scope=scope)
        start, end = plan.start, plan.end
        if start is None or start > end:
            result = TrackResult(start, end, 0, 0, zone)
            with transaction.atomic(using=using):
                log_success(_record(name, started_at, timer, result), scope, using)
        else:
            select = select_for(tracker, queryset, plan, scope)

            def log(written: int, deleted: int) -> None:
                done = TrackResult(start, end, written, max(deleted - written, 0), zone)
                log_success(_record(name, started_at, timer, done), scope, using)

            written, deleted = write(
                select,
                target_of(scope, keyed_fields(tracker)),
                using,
                start,
                end,
                before_commit=log,
                delete_until=plan.delete_until,
            )
            result = TrackResult(start, end, written, max(deleted - written, 0), zone)
    except Exception as error:
        failed = RunRecord(
            name=name,
            started_at=started_at,
            seconds=time.perf_counter() - timer,
            time_zone=zone,
            start_date=start,
            end_date=end,
        )
        log_failure(failed, scope, using, error)
        raise
    post_track.send(sender=type(tracker), tracker=tracker, result=result, name=name, using=using)
    return result


def compute(
    tracker: ObjectsByDateTracker,
    queryset: models.QuerySet[Any],
    since: datetime.date | None,
    until: datetime.date | None,
    lookback: int | None,
) -> ComputedRun:
    """``tracker.compute()``: the statistics a run would store now, read, not written."""
    check_queryset(tracker, queryset)
    scope = tracker.scope(queryset.db)
    plan = plan_run(tracker, queryset, since, until, lookback, scope=scope)
    start, end = plan.start, plan.end
    if start is None or start > end:
        return ComputedRun(start, end, {})
    select = select_for(tracker, queryset, plan, scope)
    model = tracker.statistic_model
    keyed = keyed_fields(tracker)
    fields = [forward_field(model, name) for name in keyed]
    value_field = forward_field(model, "value")
    fixed_objects: dict[str, Any] = {
        name: value for name, value in target_of(scope, keyed).fixed if name in OBJECT_FIELDS
    }
    order = dimension_fields(model)
    values: dict[tuple[Any, ...], Any] = {}
    for row in read(select, queryset.db, value_field):
        day, *keys, value = row
        by_name = {
            name: (field.to_python(key) if not field.is_relation else key)
            for name, field, key in zip(keyed, fields, keys, strict=True)
        }
        by_name.update(fixed_objects)
        statistic_key = (convert_date(day), *(by_name[name] for name in order))
        values[statistic_key] = convert_value(value_field, value)
    return ComputedRun(start, end, values)


def statements(
    tracker: ObjectsByDateTracker,
    queryset: models.QuerySet[Any],
    since: datetime.date | None,
    until: datetime.date | None,
    lookback: int | None,
) -> list[Statement]:
    """``tracker.sql()``: the statements ``track()`` would execute now, not executed."""
    check_queryset(tracker, queryset)
    scope = tracker.scope(queryset.db)
    plan = plan_run(tracker, queryset, since, until, lookback, scope=scope)
    start, end = plan.start, plan.end
    if start is None or start > end:
        return []
    select = select_for(tracker, queryset, plan, scope)
    target = target_of(scope, keyed_fields(tracker))
    return write_statements(
        select, target, queryset.db, start, end, delete_until=plan.delete_until
    )


def keyed_fields(tracker: ObjectsByDateTracker) -> tuple[str, ...]:
    """The statistic fields a run fills from each source row: object, dimensions."""
    return tracker._object_key.keyed_fields + tuple(tracker.dimensions)


def select_for(
    tracker: ObjectsByDateTracker, queryset: models.QuerySet[Any], plan: Plan, scope: Scope
) -> Select:
    """The select yielding (date, keyed fields..., value) for the plan's dates."""
    start, end = plan.start, plan.end
    assert start is not None
    model = queryset.model
    date = resolve_path(model, tracker.date_field, "date_field")
    object_field, object_target = tracker._object_key.object_source(model)
    source = Source(
        queryset=engine_source(queryset),
        date_field=tracker.date_field,
        date_is_datetime=isinstance(date, models.DateTimeField),
        aggregate=tracker.aggr_op,
        object_field=object_field,
        object_target=object_target,
        dimensions=tuple(tracker.dimensions.items()),
        stored_base=_stored_base(tracker, scope, queryset.db, plan.continue_from),
    )
    tz = tracker._zone()
    if is_calendar(tracker.period):
        window = DateRange(
            start,
            end,
            None,
            tz,
            week_from=week_first_weekday(tracker.period),
            months=calendar_months(tracker.period),
            whole_source=plan.whole_source,
        )
    else:
        window = DateRange(
            start, end, period_days(tracker.period), tz, whole_source=plan.whole_source
        )
    value = forward_field(tracker.statistic_model, "value")
    dialect = dialect_for(connections[queryset.db])
    return build_select(source, window, dialect, isinstance(value, models.FloatField))


def _stored_base(
    tracker: ObjectsByDateTracker, scope: Scope, using: str, day: datetime.date | None
) -> StoredBase | None:
    """The stored statistics of ``day`` a LIFETIME run continues from, if any."""
    if day is None:
        return None
    return StoredBase(scope.stored_rows(using).filter(date=day), keyed_fields(tracker))


def _record(
    name: str, started_at: datetime.datetime, timer: float, result: TrackResult
) -> RunRecord:
    return RunRecord(
        name=name,
        started_at=started_at,
        seconds=time.perf_counter() - timer,
        time_zone=result.time_zone,
        start_date=result.start_date,
        end_date=result.end_date,
        rows_written=result.rows_written,
        rows_removed=result.rows_removed,
    )
