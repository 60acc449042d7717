"""How each supported aggregate is computed over a window of days.

Aggregates that compose (count, sum, min, max, and an average kept as sum and count)
are computed once per day and then combined across the days of each window. The others
(distinct counts, distinct sums and averages, standard deviation, variance) are
computed over the source values of the whole window, so a WEEK distinct count of users
is the true number of weekly active users.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Avg, Count, Max, Min, StdDev, Sum, Variance

SUPPORTED_AGGREGATES: tuple[type[models.Aggregate], ...] = (
    Count,
    Sum,
    Min,
    Max,
    Avg,
    StdDev,
    Variance,
)

#: Aggregates whose result has a fraction even over integers.
FRACTIONAL_AGGREGATES: tuple[type[models.Aggregate], ...] = (Avg, StdDev, Variance)


class Strategy(enum.Enum):
    #: Per-day parts combined across the window (count, sum, min, max, avg).
    COMPOSABLE = "composable"
    #: Count(distinct=True): distinct (day, value) pairs, counted over the window.
    DISTINCT_COUNT = "distinct_count"
    #: Anything else: the aggregate applied to the window's source values.
    GENERIC = "generic"


@dataclass(frozen=True)
class Part:
    """One per-day aggregate and the SQL function that combines it across days."""

    aggregate: models.Aggregate
    combine: str


@dataclass(frozen=True)
class AggregatePlan:
    strategy: Strategy
    #: The aggregated source expression (``Star`` for Count("*")).
    argument: Any
    parts: tuple[Part, ...] = ()
    #: Builds the final value from the combined parts' SQL (COMPOSABLE only).
    finish: Callable[..., str] | None = None


def aggregate_condition(aggregate: models.Aggregate) -> Any:
    """The ``filter=`` condition an aggregate was built with, or None.

    Django 6.0 keeps it wrapped in an ``AggregateFilter``; 5.2 keeps it as given.
    """
    condition = aggregate.filter
    return getattr(condition, "condition", condition)


# Aggregate.distinct and Aggregate.default, set by every Aggregate's __init__, are
# missing from the Django 5.2 stubs.
def is_distinct(aggregate: models.Aggregate) -> bool:
    """Was ``aggregate`` built with ``distinct=True``?"""
    return bool(getattr(aggregate, "distinct", False))


def aggregate_default(aggregate: models.Aggregate) -> Any:
    """The ``default=`` an aggregate was built with, or None."""
    return getattr(aggregate, "default", None)


def aggregate_argument(aggregate: models.Aggregate) -> Any:
    """The single expression an aggregate applies to, its filter folded in."""
    argument = aggregate.source_expressions[0]
    condition = aggregate_condition(aggregate)
    if condition is not None:
        argument = models.Case(models.When(condition, then=argument))
    return argument


def plan_aggregate(aggregate: models.Aggregate) -> AggregatePlan:
    argument = aggregate_argument(aggregate)
    if isinstance(aggregate, Count) and is_distinct(aggregate):
        return AggregatePlan(Strategy.DISTINCT_COUNT, argument)
    if isinstance(aggregate, (Count, Sum)) and not is_distinct(aggregate):
        return AggregatePlan(
            Strategy.COMPOSABLE, argument, (Part(aggregate, "SUM"),), lambda p, _: p[0]
        )
    if isinstance(aggregate, Min):
        return AggregatePlan(
            Strategy.COMPOSABLE, argument, (Part(aggregate, "MIN"),), lambda p, _: p[0]
        )
    if isinstance(aggregate, Max):
        return AggregatePlan(
            Strategy.COMPOSABLE, argument, (Part(aggregate, "MAX"),), lambda p, _: p[0]
        )
    if isinstance(aggregate, Avg) and not is_distinct(aggregate):
        source = aggregate.source_expressions[0]
        condition = aggregate_condition(aggregate)
        parts = (
            Part(Sum(source, filter=condition), "SUM"),
            Part(Count(source, filter=condition), "SUM"),
        )
        return AggregatePlan(Strategy.COMPOSABLE, argument, parts, _ratio)
    return AggregatePlan(Strategy.GENERIC, argument)


def _ratio(parts: list[str], widen: Callable[[str], str]) -> str:
    total, count = parts
    return f"CASE WHEN {count} > 0 THEN {widen(total)} / {count} END"


def generic_call(aggregate: models.Aggregate, value_sql: str) -> str:
    """``FUNCTION([DISTINCT] value)`` for an aggregate applied to a derived column."""
    distinct = "DISTINCT " if is_distinct(aggregate) else ""
    return f"{aggregate.function}({distinct}{value_sql})"
