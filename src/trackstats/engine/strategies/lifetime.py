"""LIFETIME: the value of each date from every source row up to it.

Aggregates that compose keep running totals of their per-day parts, after one row
per key that carries everything before the start: either the parts of the earlier
source rows (``lifetime_parts``) or, for a re-run with ``lifetime_from_stored``, the
stored values of the day before (``lifetime_from_base``). Distinct counts count
first sightings (``distinct.first_sightings``); the other aggregates join every row
to every later date (``lifetime_generic``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count, F, Value

from ...object_ids import OBJECT_ID_MAX_LENGTH, ObjectIdText
from ..aggregates import AggregatePlan, Strategy, aggregate_default, generic_call
from ..calendar import ONE_DAY, day_start
from ..source import SourceRows, db_instant
from ..sql import (
    ARGUMENT,
    AT,
    CALENDAR,
    DAY,
    EARLIER_ROWS,
    NUMBERS,
    OBJECT,
    RESULT,
    SRC,
    VALUE,
    Select,
    add_numbers,
    columns,
    date_value,
    dialect_sql,
    part,
    with_default,
)
from .distinct import first_sightings
from .totals import stretches


def lifetime(rows: SourceRows, select: Select, plan: AggregatePlan) -> None:
    if plan.strategy is Strategy.GENERIC:
        lifetime_generic(rows, select, plan)
        return
    if plan.strategy is Strategy.COMPOSABLE:
        if not lifetime_from_base(rows, select, plan):
            lifetime_parts(rows, select, plan)
        combine = [p.combine for p in plan.parts]
        finish = plan.finish
    else:
        first_sightings(rows, select, plan)
        combine = ["SUM"]
        finish = lambda p, _: p[0]  # noqa: E731
    names = [part(i) for i in range(len(combine))]
    # One row per (day, key) already: the running totals need no grid of dates.
    stretches(rows, select, names, combine, finish, rows.dates.start - ONE_DAY, False)


def lifetime_from_base(rows: SourceRows, select: Select, plan: AggregatePlan) -> bool:
    """LIFETIME from the values stored for the day before the start, when exact.

    Only for one part (count, sum, minimum, maximum: an average's stored ratio cannot
    be continued) of whole numbers (stored as they are computed, with no rounding)
    and without a ``default`` (a stored default is not the aggregate of the earlier
    rows). The stored rows, dated the day before the start, take the place of
    ``lifetime_parts()``'s aggregate over every earlier source row: the run reads only
    the rows from the start on, whatever the length of the history. Returns False
    (nothing added) when the stored values cannot be used.
    """
    source = rows.source
    base = source.stored_base
    if base is None or len(plan.parts) != 1 or aggregate_default(source.aggregate) is not None:
        return False
    q = rows.quote
    keys = rows.key_names
    # The stored rows hold the object id as text: the source's key is that text too.
    daily = rows.rows(rows.dates.start, object_as_text=True).values(AT, *keys)
    daily = daily.annotate(**{part(0): plan.parts[0].aggregate})
    if not isinstance(daily.query.annotations[part(0)].output_field, models.IntegerField):
        return False
    stored_keys: dict[str, Any] = {}
    fields = iter(base.key_fields)
    if source.object_field:
        text: models.CharField[str, str] = models.CharField(max_length=OBJECT_ID_MAX_LENGTH)
        # Through the same expression as the source's keys: the same type and, on
        # MySQL, the same collation, so that both sides partition together.
        stored_keys[OBJECT] = ObjectIdText(F(next(fields)), text)
    for name, field_name in zip(rows.dimension_names, fields, strict=True):
        stored_keys[name] = F(field_name)
    eve = Value(rows.dates.start - ONE_DAY, output_field=models.DateField())
    stored = base.rows.order_by().values(**{AT: eve}, **stored_keys, **{part(0): F("value")})
    listed = ", ".join(f"e.{q(c)}" for c in (AT, *keys, part(0)))
    select.add(
        SRC,
        f"SELECT {listed} FROM ("
        + rows.compile(stored)
        + f") e UNION ALL SELECT {listed} FROM ("
        + rows.compile(daily)
        + ") e",
    )
    select.object_key_is_text = True
    return True


def lifetime_parts(rows: SourceRows, select: Select, plan: AggregatePlan) -> None:
    """LIFETIME parts per day from the start, after one row per key that carries
    everything earlier, dated the day before the start.

    The earlier rows are selected by a plain range condition on the date field and
    never get a local date computed, so a re-run from a recent date reads its history
    cheaply (an index range scan where the date field is indexed).
    """
    q = rows.quote
    dates = rows.dates
    keys = rows.key_names
    parts = {part(i): p.aggregate for i, p in enumerate(plan.parts)}
    name = rows.source.date_field
    if rows.source.date_is_datetime:
        before: Any = db_instant(day_start(dates.start, dates.tz))
    else:
        before = dates.start
    eve = Value(dates.start - ONE_DAY, output_field=models.DateField())
    earlier = (
        rows.rows(None)
        .filter(**{f"{name}__lt": before})
        # A constant: the ORM leaves it out of GROUP BY, so there is one group per key.
        .annotate(**{AT: eve})
        .values(AT, *keys)
        .annotate(**parts, **{EARLIER_ROWS: Count("*")})
    )
    daily = rows.rows(dates.start).values(AT, *keys).annotate(**parts)
    listed = ", ".join(f"e.{q(c)}" for c in (AT, *keys, *parts))
    select.add(
        SRC,
        # Without keys the earlier part is one aggregate row even when no row precedes
        # the start: keep it only when it has rows.
        f"SELECT {listed} FROM ("
        + rows.compile(earlier)
        + f") e WHERE e.{q(EARLIER_ROWS)} > 0 UNION ALL SELECT {listed} FROM ("
        + rows.compile(daily)
        + ") e",
    )


def lifetime_generic(rows: SourceRows, select: Select, plan: AggregatePlan) -> None:
    """LIFETIME of an aggregate that does not compose: every row joins every later
    date of the range. Quadratic, and only for aggregates such as a distinct sum or a
    standard deviation; the common ones take the running-total path."""
    q = rows.quote
    dates = rows.dates
    dialect = rows.dialect
    keys = rows.key_names
    queryset = rows.rows(None).values(AT, *keys, **{ARGUMENT: plan.argument})
    select.add(SRC, rows.compile(queryset))
    add_numbers(select, dialect, NUMBERS, (dates.end - dates.start).days)
    select.add(
        CALENDAR,
        "SELECT "
        + dialect_sql(dialect.add_days, date_value(dialect, dates.start), "n.n")
        + f" AS {q(DAY)} FROM {q(NUMBERS)} n",
    )
    value = with_default(
        rows.source.aggregate, generic_call(rows.source.aggregate, f"s.{q(ARGUMENT)}")
    )
    group = f"c.{q(DAY)}{columns(q, 's', keys)}"
    select.add(
        RESULT,
        f"SELECT {group}, " + value + f" AS {q(VALUE)} FROM {q(CALENDAR)} c "
        f"JOIN {q(SRC)} s ON s.{q(AT)} <= c.{q(DAY)} GROUP BY {group}",
    )
