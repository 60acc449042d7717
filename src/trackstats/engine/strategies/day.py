"""DAY, and the calendar periods: one value per date (or bucket) from its own rows.

A calendar bucket holds each source row once, as a day does: ``SourceRows.rows()``
dates the rows on their bucket's first day, and the buckets are aggregated as days.
The ORM groups and aggregates; only an average is divided here (see ``day_totals``).
"""

from __future__ import annotations

import datetime

from ..aggregates import AggregatePlan
from ..source import SourceRows
from ..sql import AT, DAY, RESULT, SRC, VALUE, Select, columns, part, widening, with_default


def day_totals(rows: SourceRows, select: Select, plan: AggregatePlan) -> None:
    """DAY: the ORM groups by local date and applies the aggregate as given.

    An average is the exception: it is divided here, in floating point or widened
    decimals, because MySQL's AVG() of integers keeps only four decimal places.
    """
    q = rows.quote
    keys = rows.key_names
    if len(plan.parts) > 1:
        daily_parts(rows, select, plan, rows.dates.start)
        parts = [f"s.{q(part(i))}" for i in range(len(plan.parts))]
        assert plan.finish is not None  # every plan with parts has one
        value = with_default(
            rows.source.aggregate, plan.finish(parts, widening(rows.dialect, select))
        )
        select.add(
            RESULT,
            f"SELECT s.{q(AT)} AS {q(DAY)}{columns(q, 's', keys)}, "
            + value
            + f" AS {q(VALUE)} FROM {q(SRC)} s",
        )
        return
    queryset = (
        rows.rows(rows.dates.start).values(AT, *keys).annotate(**{VALUE: rows.source.aggregate})
    )
    select.add(SRC, rows.compile(queryset))
    select.add(
        RESULT,
        f"SELECT s.{q(AT)} AS {q(DAY)}{columns(q, 's', keys)}, "
        f"s.{q(VALUE)} AS {q(VALUE)} FROM {q(SRC)} s",
    )


def daily_parts(
    rows: SourceRows,
    select: Select,
    plan: AggregatePlan,
    first: datetime.date | None,
    collapse: bool = False,
) -> None:
    """The source CTE: each part of the aggregate per (day, key), from ``first``."""
    parts = {part(i): p.aggregate for i, p in enumerate(plan.parts)}
    queryset = rows.rows(first, collapse).values(AT, *rows.key_names).annotate(**parts)
    select.add(SRC, rows.compile(queryset))
