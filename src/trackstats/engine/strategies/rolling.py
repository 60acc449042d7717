"""Rolling periods of N days (WEEK, DAYS_28, MONTH), other than distinct counts.

Counts take the changes of their window totals (``totals.window_changes`` and
``stretches``); the other aggregates that compose (sums, minimums, maximums,
averages) the grid of ``totals.running``. Aggregates that do not compose copy every
source value onto the N dates whose window holds it and aggregate by date.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Count

from ..aggregates import AggregatePlan, Strategy, generic_call, is_distinct
from ..calendar import ONE_DAY
from ..source import SourceRows
from ..sql import (
    ARGUMENT,
    AT,
    DAY,
    OFFSETS,
    RESULT,
    SRC,
    VALUE,
    Select,
    Sql,
    add_numbers,
    columns,
    date_value,
    part,
    with_default,
)
from .day import daily_parts
from .distinct import distinct_runs
from .totals import running, stretches, window_changes


def rolling(rows: SourceRows, select: Select, plan: AggregatePlan) -> None:
    """N days: the value of each date from the rows of its last N days."""
    days = rows.dates.days or 1
    first = rows.dates.start - (days - 1) * ONE_DAY
    if plan.strategy is Strategy.COMPOSABLE:
        daily_parts(rows, select, plan, first)
        names = [part(i) for i in range(len(plan.parts))]
        if all(_is_count(p.aggregate) for p in plan.parts):
            window_changes(rows, select, names, days)
            stretches(rows, select, names, ["SUM"] * len(names), plan.finish, first, True)
            return
        combine = [p.combine for p in plan.parts]
        running(rows, select, names, combine, plan.finish, first, days)
        return
    if plan.strategy is Strategy.DISTINCT_COUNT:
        distinct_runs(rows, select, plan, first, days)
        return
    rolling_generic(rows, select, plan, first, days)


def rolling_generic(
    rows: SourceRows, select: Select, plan: AggregatePlan, first: datetime.date, days: int
) -> None:
    """An aggregate that does not compose: each source value joins the N dates whose
    window holds it (a cross join with 0..N-1), then the aggregate runs per date."""
    q = rows.quote
    dialect = rows.dialect
    keys = rows.key_names
    queryset = rows.rows(first).values(AT, *keys, **{ARGUMENT: plan.argument})
    select.add(SRC, rows.compile(queryset))
    names = [ARGUMENT]
    add_numbers(select, dialect, OFFSETS, days - 1)
    shifted = dialect.add_days(f"s.{q(AT)}", "o.n")
    expanded = (
        f"SELECT {shifted} AS {q(DAY)}{columns(q, 's', keys)}"
        f"{columns(q, 's', names)} FROM {q(SRC)} s CROSS JOIN {q(OFFSETS)} o"
    )
    value = with_default(
        rows.source.aggregate, generic_call(rows.source.aggregate, f"e.{q(ARGUMENT)}")
    )
    day = f"e.{q(DAY)}"
    in_range = (
        Sql(f"{day} >= ")
        + date_value(dialect, rows.dates.start)
        + f" AND {day} <= "
        + date_value(dialect, rows.dates.end)
    )
    group = f"{day}{columns(q, 'e', keys)}"
    select.add(
        RESULT,
        f"SELECT {group}, "
        + value
        + f" AS {q(VALUE)} FROM ({expanded}) e WHERE "
        + in_range
        + f" GROUP BY {group}",
    )


def _is_count(aggregate: models.Aggregate) -> bool:
    """A plain count: its daily parts are whole numbers, never NULL, so windows can
    add and subtract them exactly."""
    return isinstance(aggregate, Count) and not is_distinct(aggregate)
