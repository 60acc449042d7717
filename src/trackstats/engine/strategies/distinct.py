"""Distinct counts (``Count(..., distinct=True)``), which neither add up over days nor
subtract when a day leaves the window: a value seen on two days counts once.

Rolling periods follow each value's runs of sightings (``distinct_runs``); LIFETIME
counts each value on the day it is first seen (``first_sightings``).
"""

from __future__ import annotations

import datetime

from django.db.models import Min

from ..aggregates import AggregatePlan
from ..source import SourceRows
from ..sql import (
    ARGUMENT,
    AT,
    FIRST,
    FIRST_SEEN,
    NEXT,
    PAIRS,
    PREV,
    SIGHTINGS,
    SIGN,
    SRC,
    Select,
    columns,
    part,
)
from .totals import stretches, window_changes


def distinct_runs(
    rows: SourceRows, select: Select, plan: AggregatePlan, first: datetime.date, days: int
) -> None:
    """Distinct count over N days without copying rows N times.

    A value is in the window of date d when it was seen within d-N+1..d. Its
    sightings (distinct (day, key, value) triples, by the ORM) form runs in which
    consecutive sightings are less than N days apart; a run counts from its first day
    through N-1 days after its last. So +1 at each run's start and -1 N days after its
    end, summed over all earlier days, is the distinct count of each date. Every
    sighting also counts +1 on its day and -1 N days later towards the rows of the
    window, so that source rows whose value is NULL still make a window non-empty.
    """
    q = rows.quote
    add_days = rows.dialect.add_days
    keys = rows.key_names
    queryset = rows.rows(first).values(AT, *keys, **{ARGUMENT: plan.argument}).distinct()
    select.add(PAIRS, rows.compile(queryset))
    partition = ", ".join([*(f"p.{q(k)}" for k in keys), f"p.{q(ARGUMENT)}"])
    order = f"OVER (PARTITION BY {partition} ORDER BY p.{q(AT)})"
    select.add(
        SIGHTINGS,
        f"SELECT p.{q(AT)}{columns(q, 'p', keys)}, p.{q(ARGUMENT)}, "
        f"LAG(p.{q(AT)}) {order} AS {q(PREV)}, "
        f"LEAD(p.{q(AT)}) {order} AS {q(NEXT)} "
        f"FROM {q(PAIRS)} p",
    )
    n = str(int(days))
    prev, nxt = f"s.{q(PREV)}", f"s.{q(NEXT)}"
    day = f"s.{q(AT)}"
    starts = f"CASE WHEN {prev} IS NULL OR {add_days(prev, n)} <= {day} THEN 1 ELSE 0 END"
    ends = f"CASE WHEN {nxt} IS NULL OR {add_days(day, n)} <= {nxt} THEN -1 ELSE 0 END"
    delta = (
        f"CASE WHEN s.{q(ARGUMENT)} IS NULL THEN 0 "
        f"WHEN e.{q(SIGN)} > 0 THEN {starts} ELSE {ends} END"
    )
    window_changes(rows, select, [part(0)], days, SIGHTINGS, delta)
    stretches(rows, select, [part(0)], ["SUM"], lambda parts, _: parts[0], first, True)


def first_sightings(rows: SourceRows, select: Select, plan: AggregatePlan) -> None:
    """The source CTE of a LIFETIME distinct count: per (day, key), the values first
    seen that day (every earlier row dated the day before the start)."""
    q = rows.quote
    keys = rows.key_names
    first_seen = (
        rows.rows(None, collapse=True)
        .values(*keys, **{ARGUMENT: plan.argument})
        .annotate(**{FIRST: Min(AT)})
    )
    select.add(FIRST_SEEN, rows.compile(first_seen))
    group = f"f.{q(FIRST)}{columns(q, 'f', keys)}"
    select.add(
        SRC,
        f"SELECT f.{q(FIRST)} AS {q(AT)}{columns(q, 'f', keys)}, COUNT(f.{q(ARGUMENT)}) AS "
        f"{q(part(0))} FROM {q(FIRST_SEEN)} f GROUP BY {group}",
    )
