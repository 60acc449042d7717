"""The SQL of one tracker run: a SELECT of every statistic in a date range.

``build_select()`` is the engine's entry point for the tracker: it picks the strategy
of the period (``engine.strategies``), which wraps the ORM's query of the source
(``engine.source``) in common table expressions (``engine.sql``) that bucket rows by
local date, spread them over the windows of the period and aggregate.
``engine.execute`` runs the result.
"""

from __future__ import annotations

from .aggregates import plan_aggregate
from .dialects import Dialect
from .source import DateRange, Source, SourceRows, StoredBase
from .sql import DAY, OUTPUT, VALUE, Select
from .strategies.day import day_totals
from .strategies.lifetime import lifetime
from .strategies.rolling import rolling


def build_select(
    source: Source, dates: DateRange, dialect: Dialect, value_is_float: bool
) -> Select:
    """The statistics of ``dates`` for ``source`` as a chain of CTEs."""
    rows = SourceRows(source, dates, dialect)
    select = Select(key_columns=rows.key_names, value_is_float=value_is_float)
    plan = plan_aggregate(source.aggregate)
    if dates.days == 1 or dates.calendar:
        day_totals(rows, select, plan)
    elif dates.days is None:
        lifetime(rows, select, plan)
    else:
        rolling(rows, select, plan)
    if source.object_field and not select.object_key_is_text:
        # Grouped, sorted and joined by the key as stored (an integer, usually); the
        # canonical object id text only at the very end.
        select.add(OUTPUT, rows.object_output(select))
    return select


__all__ = ["DAY", "VALUE", "DateRange", "Select", "Source", "StoredBase", "build_select"]
