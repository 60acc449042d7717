"""SQL text with its parameters, the names of the engine's own CTEs and columns, and
the ``Select`` that chains the CTEs of a run.

Every piece of SQL the strategies write that has parameters is an ``Sql``: its text
and its parameters travel together, and joining two pieces with ``+`` keeps the
parameters in the order of their placeholders. So a CTE cannot receive another one's
parameters, however the strategies assemble it. The names are fixed identifiers,
quoted by the connection; nothing here is built from user-supplied field names.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from .aggregates import aggregate_default
from .dialects import Dialect

# ------------------------------------------------------------------ columns
#: The date a result row's value is stored for.
DAY = "trackstats_day"
#: The statistic's value.
VALUE = "trackstats_value"
#: The aggregated source expression, where the strategy aggregates it itself.
ARGUMENT = "trackstats_arg"
#: A source row's local date (or calendar bucket, or the day before the start).
AT = "trackstats_at"
#: The day of a source row in a grid of dates (NULL where the date has none).
HIT = "trackstats_hit"
#: The tracked object's key.
OBJECT = "trackstats_object"
#: The date field behind an expression no index serves (``source.Unindexed``).
UNINDEXED = "trackstats_unindexed"
#: Extra key dimensions, numbered from 0 (``dimension(0)``).
DIMENSION = "trackstats_dim{}"
#: Per-day parts of an aggregate, numbered from 0 (``part(0)``).
PART = "trackstats_p{}"
#: Rows of the source in a LIFETIME's earlier history.
EARLIER_ROWS = "trackstats_n"
#: A first sighting's date (LIFETIME distinct counts).
FIRST = "trackstats_first"
#: The last date a key's window can reach.
REACH = "trackstats_reach"
#: Days after a change in window totals that a row enters (0) or leaves (N) windows.
SHIFT = "trackstats_shift"
#: +1 where a row enters the windows, -1 where it leaves them.
SIGN = "trackstats_sign"
#: Change of the number of source rows in the window.
HITS = "trackstats_hits"
#: Source rows in the window (above 0: a value is stored).
ROWS = "trackstats_rows"
#: Days from a stretch's first date to the next change.
SPAN = "trackstats_span"
#: Days of a stretch before the start of the range.
SKIP = "trackstats_skip"
#: Previous and next sighting of a value (rolling distinct counts).
PREV = "trackstats_prev"
NEXT = "trackstats_next"

# ------------------------------------------------------------------ CTEs
#: Source rows per (day, key): the ORM's query, wrapped.
SRC = "trackstats_src"
RESULT = "trackstats_result"
#: The result with the object key as canonical id text.
OUTPUT = "trackstats_output"
DIGITS = "trackstats_digits"
NUMBERS = "trackstats_numbers"
BLOCKS = "trackstats_blocks"
OFFSETS = "trackstats_offsets"
CALENDAR = "trackstats_calendar"
KEYS = "trackstats_keys"
GRID = "trackstats_grid"
RUNNING = "trackstats_running"
ENDS = "trackstats_ends"
CHANGES = "trackstats_changes"
RUNS = "trackstats_runs"
PAIRS = "trackstats_pairs"
SIGHTINGS = "trackstats_sightings"
FIRST_SEEN = "trackstats_first_seen"


def part(number: int) -> str:
    return PART.format(number)


def dimension(number: int) -> str:
    return DIMENSION.format(number)


@dataclass(frozen=True)
class Sql:
    """SQL text and its parameters, in the order of their placeholders."""

    text: str
    params: tuple[Any, ...] = ()

    def __add__(self, other: Sql | str) -> Sql:
        if isinstance(other, str):
            return Sql(self.text + other, self.params)
        return Sql(self.text + other.text, self.params + other.params)

    def __radd__(self, other: str) -> Sql:
        return Sql(other + self.text, self.params)

    @staticmethod
    def join(separator: str, pieces: Iterable[Sql]) -> Sql:
        listed = list(pieces)
        return Sql(
            separator.join(p.text for p in listed), tuple(v for p in listed for v in p.params)
        )


@dataclass
class Select:
    """``WITH ... SELECT`` producing (day, key columns..., value): the CTEs in order,
    the last one the result."""

    ctes: list[tuple[str, Sql]] = field(default_factory=list)
    key_columns: tuple[str, ...] = ()
    #: Widening of a numeric expression before division (depends on the value field).
    value_is_float: bool = False
    #: Names of CTEs to compute once rather than inline where they are used.
    materialized: set[str] = field(default_factory=set)
    #: Whether the object key column is already the canonical id text (a LIFETIME run
    #: continuing from stored rows, which hold that text) rather than the native key.
    object_key_is_text: bool = False

    def add(self, name: str, body: Sql | str, materialize: bool = False) -> None:
        self.ctes.append((name, Sql(body) if isinstance(body, str) else body))
        if materialize:
            self.materialized.add(name)

    def has(self, name: str) -> bool:
        return any(n == name for n, _ in self.ctes)

    @property
    def params(self) -> tuple[Any, ...]:
        """The parameters of the WITH clause, in the order of its placeholders."""
        return tuple(value for _, body in self.ctes for value in body.params)

    def with_clause(self, dialect: Dialect) -> str:
        return "WITH " + ", ".join(
            f"{dialect.quote(n)} AS {dialect.materialize_hint()}"
            f"({dialect.materialized_body(body.text)})"
            if n in self.materialized
            else f"{dialect.quote(n)} AS ({body.text})"
            for n, body in self.ctes
        )

    @property
    def result(self) -> str:
        return self.ctes[-1][0]


# ------------------------------------------------------------------ helpers
def columns(quote: Callable[[str], str], alias: str, names: Sequence[str]) -> str:
    """``, alias.name`` for each name: key columns carried along a SELECT list."""
    return "".join(f", {alias}.{quote(n)}" for n in names)


def date_value(dialect: Dialect, value: datetime.date) -> Sql:
    """A date parameter, typed as a date."""
    return Sql(dialect.date_placeholder(), (dialect.adapt_date(value),))


def add_numbers(select: Select, dialect: Dialect, name: str, last: int) -> None:
    """CTEs holding the integers 0..last, from cross joins of a digits table."""
    q = dialect.quote
    if not select.has(DIGITS):
        select.add(DIGITS, " UNION ALL ".join(f"SELECT {d} AS d" for d in range(10)))
    width = len(str(max(last, 0)))
    terms = " + ".join(f"{10**i} * t{i}.d" for i in range(width))
    joins = " CROSS JOIN ".join(f"{q(DIGITS)} t{i}" for i in range(width))
    # Computed once: inlined, each number would be added up again for every row it
    # is joined to.
    select.add(
        name,
        Sql(f"SELECT {terms} AS n FROM {joins} WHERE {terms} <= %s", (last,)),
        materialize=True,
    )


def dialect_sql(spell: Callable[..., str], *args: Sql | str) -> Sql:
    """A dialect method's SQL over arguments that may have parameters.

    The dialect spells an expression from the text of its arguments, in its own order
    and perhaps more than once; the parameters follow each argument's text wherever
    the dialect put it."""
    pieces = [arg if isinstance(arg, Sql) else Sql(arg) for arg in args]
    spelled = spell(*(f"\x00{i}\x00" for i in range(len(pieces))))
    out = Sql("")
    for number, chunk in enumerate(re.split(r"\x00(\d+)\x00", spelled)):
        # re.split alternates text and the captured argument numbers.
        out = out + (pieces[int(chunk)] if number % 2 else chunk)
    return out


def widening(dialect: Dialect, select: Select) -> Callable[[str], str]:
    """How a numeric expression is widened before a division."""
    return dialect.to_float if select.value_is_float else dialect.to_exact


def with_default(aggregate: models.Aggregate, value_sql: str) -> Sql:
    """The value, or the aggregate's ``default`` where it is NULL."""
    default = aggregate_default(aggregate)
    if default is None:
        return Sql(value_sql)
    return Sql(f"COALESCE({value_sql}, %s)", (default,))
