"""Window values from per-day parts: the machinery the rolling, distinct and LIFETIME
strategies share.

Two shapes. ``window_changes()`` then ``stretches()``: running totals over only the
days on which a window total changes, each spread over the dates until the next
change (counts, distinct counts, LIFETIME). ``running()``: window functions over a
grid of every date times every key (sums, minimums, maximums, averages of N days).
"""

from __future__ import annotations

import datetime
from typing import Any

from ..calendar import ONE_DAY
from ..source import SourceRows
from ..sql import (
    AT,
    BLOCKS,
    CALENDAR,
    CHANGES,
    DAY,
    ENDS,
    FIRST,
    GRID,
    HIT,
    HITS,
    KEYS,
    NUMBERS,
    REACH,
    RESULT,
    ROWS,
    RUNNING,
    RUNS,
    SHIFT,
    SIGN,
    SKIP,
    SPAN,
    SRC,
    VALUE,
    Select,
    add_numbers,
    columns,
    date_value,
    dialect_sql,
    widening,
    with_default,
)

#: Offsets per block when stretches are spread in two steps (see ``stretches()``).
BLOCK = 8


def window_changes(
    rows: SourceRows,
    select: Select,
    names: list[str],
    days: int,
    source: str = SRC,
    delta: str | None = None,
) -> None:
    """How the window totals change from one day to the next.

    Each row of ``source`` enters the windows on its day and leaves them ``days``
    days later: a cross join with two signed offsets turns it into an entry and an
    exit (one reference to ``source``: MariaDB would compute a CTE once per
    reference), grouped by day. ``trackstats_hits`` counts the source rows of the
    window the same way. ``delta`` replaces the signed part for parts that carry
    their own exits (distinct counts); it may use ``e.trackstats_sign``.
    """
    q = rows.quote
    keys = rows.key_names
    select.add(
        ENDS,
        f"SELECT 0 AS {q(SHIFT)}, 1 AS {q(SIGN)} UNION ALL SELECT {int(days)}, -1",
    )
    sign = f"e.{q(SIGN)}"
    day = rows.dialect.add_days(f"s.{q(AT)}", f"e.{q(SHIFT)}")
    parts = "".join(
        f", SUM({delta if delta is not None else f'{sign} * s.{q(n)}'}) AS {q(n)}" for n in names
    )
    group = f"{day}{columns(q, 's', keys)}"
    select.add(
        CHANGES,
        f"SELECT {day} AS {q(AT)}{columns(q, 's', keys)}{parts}, "
        f"SUM({sign}) AS {q(HITS)} "
        f"FROM {q(source)} s CROSS JOIN {q(ENDS)} e GROUP BY {group}",
    )


def stretches(
    rows: SourceRows,
    select: Select,
    names: list[str],
    combine: list[str],
    finish: Any,
    origin: datetime.date,
    counted: bool,
) -> None:
    """Window values from running totals over the days where they change.

    The last CTE holds one row per (day, key) on which a window total changes
    (``trackstats_changes`` after ``window_changes()``, else ``trackstats_src``).
    Running ``combine`` of each part over those rows, all earlier ones included,
    gives the value from that day until the key's next change, or through the end; a
    join with 0..N spreads each stretch over its dates, from the start on. With
    ``counted``, a date is kept only where the running ``trackstats_hits`` (rows in
    the window) is above 0; otherwise every date after a change has rows.
    """
    q = rows.quote
    dates = rows.dates
    dialect = rows.dialect
    keys = rows.key_names
    changes = select.result
    days_between = dialect.days_between
    partition = f"PARTITION BY {', '.join(f'c.{q(k)}' for k in keys)} " if keys else ""
    history = f"OVER ({partition}ORDER BY c.{q(AT)} ROWS UNBOUNDED PRECEDING)"
    running_parts = "".join(
        f", {fn}(c.{q(n)}) {history} AS {q(n)}" for fn, n in zip(combine, names, strict=True)
    )
    in_window = f"SUM(c.{q(HITS)}) {history}" if counted else "1"
    stop = date_value(dialect, dates.end + ONE_DAY)
    start = date_value(dialect, dates.start)
    end = date_value(dialect, dates.end)
    following = f"COALESCE(LEAD(c.{q(AT)}) OVER ({partition}ORDER BY c.{q(AT)}), " + stop + ")"
    select.add(
        RUNS,
        f"SELECT c.{q(AT)} AS {q(DAY)}{columns(q, 'c', keys)}{running_parts}, "
        f"{in_window} AS {q(ROWS)}, "
        + dialect_sql(days_between, following, f"c.{q(AT)}")
        + f" AS {q(SPAN)}, CASE WHEN c.{q(AT)} < "
        + start
        + " THEN "
        + dialect_sql(days_between, start, f"c.{q(AT)}")
        + f" ELSE 0 END AS {q(SKIP)} FROM {q(changes)} c WHERE c.{q(AT)} <= "
        + end,
    )
    # A stretch with rows in its window ends within N days, when the earliest of
    # those rows leaves: N numbers spread it, not the whole range (which a range join
    # compares with every stretch).
    longest = (dates.end - origin).days
    if dates.days is not None and counted:
        longest = min(longest, dates.days - 1)
    skip, span = f"r.{q(SKIP)}", f"r.{q(SPAN)}"
    join = dialect.ordered_join()
    if longest < 2 * BLOCK:
        add_numbers(select, dialect, NUMBERS, longest)
        offset = "o.n"
        spread = f"{join} {q(NUMBERS)} o ON o.n >= {skip} AND o.n < {span}"
    else:
        # Long stretches (LIFETIME): blocks of offsets first, then the offsets of the
        # blocks that overlap the stretch, so that a stretch of a few days is compared
        # with a few dozen numbers rather than with the whole range.
        add_numbers(select, dialect, BLOCKS, longest // BLOCK)
        add_numbers(select, dialect, NUMBERS, BLOCK - 1)
        offset = f"(b.n * {BLOCK} + o.n)"
        spread = (
            f"{join} {q(BLOCKS)} b ON b.n * {BLOCK} < {span} "
            f"AND b.n * {BLOCK} + {BLOCK} > {skip} "
            f"{join} {q(NUMBERS)} o ON {offset} >= {skip} AND {offset} < {span}"
        )
    value = with_default(
        rows.source.aggregate, finish([f"r.{q(n)}" for n in names], widening(dialect, select))
    )
    day = dialect.add_days(f"r.{q(DAY)}", offset)
    select.add(
        RESULT,
        f"SELECT {day} AS {q(DAY)}{columns(q, 'r', keys)}, "
        + value
        + f" AS {q(VALUE)} FROM {q(RUNS)} r {spread} WHERE r.{q(ROWS)} > 0",
    )


def running(
    rows: SourceRows,
    select: Select,
    names: list[str],
    combine: list[str],
    finish: Any,
    origin: datetime.date,
    days: int | None,
    cumulative: frozenset[str] = frozenset(),
    rows_part: str | None = None,
) -> None:
    """Window totals of per-day parts over a grid of dates times keys.

    The grid has a row for every date of each key's span (from its first day with
    data to the last date a window can still reach it), so dates without data of
    their own still get their value; window functions combine the parts over the
    frame of the period (the last ``days`` rows, or all earlier rows for LIFETIME).
    Parts named in ``cumulative`` are summed over all earlier rows whatever the
    period. A window holds source rows when its frame has a row of the source, or,
    with ``rows_part``, when that part (a row count) sums to more than 0.
    """
    q = rows.quote
    dates = rows.dates
    dialect = rows.dialect
    add_numbers(select, dialect, NUMBERS, (dates.end - origin).days)
    # Each date is computed once: inlined, the date arithmetic would run for every
    # (date, key) pair the grid's join conditions compare.
    first_date = date_value(dialect, origin)
    select.add(
        CALENDAR,
        "SELECT "
        + dialect_sql(dialect.add_days, first_date, "n.n")
        + f" AS {q(DAY)} FROM {q(NUMBERS)} n",
        materialize=True,
    )
    keys = rows.key_names
    key_list = "".join(f"s.{q(k)}, " for k in keys)
    group = f" GROUP BY {', '.join(f's.{q(k)}' for k in keys)}" if keys else ""
    # The last date a window can reach, once per key rather than per grid row.
    last = f"MAX(s.{q(AT)})"
    if days is not None:
        last = dialect.add_days(last, str(days - 1))
    select.add(
        KEYS,
        f"SELECT {key_list}MIN(s.{q(AT)}) AS {q(FIRST)}, "
        f"{last} AS {q(REACH)} FROM {q(SRC)} s{group}",
    )
    span = f"c.{q(DAY)} >= k.{q(FIRST)}"
    if days is not None:
        span += f" AND c.{q(DAY)} <= k.{q(REACH)}"
    grid_from = (
        f"{q(CALENDAR)} c JOIN {q(KEYS)} k ON {span} "
        f"LEFT JOIN {q(SRC)} s ON s.{q(AT)} = c.{q(DAY)}"
        + "".join(f" AND s.{q(k)} = k.{q(k)}" for k in keys)
    )
    select.add(
        GRID,
        f"SELECT c.{q(DAY)}{columns(q, 'k', keys)}{columns(q, 's', names)}, "
        f"s.{q(AT)} AS {q(HIT)} FROM {grid_from}",
    )
    frame = "UNBOUNDED PRECEDING" if days is None else f"{int(days) - 1} PRECEDING"
    partition = f"PARTITION BY {', '.join(f'g.{q(k)}' for k in keys)} " if keys else ""
    over = f"OVER ({partition}ORDER BY g.{q(DAY)} ROWS BETWEEN {frame} AND CURRENT ROW)"
    history = (
        f"OVER ({partition}ORDER BY g.{q(DAY)} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
    )
    running_parts = ", ".join(
        f"{fn}(g.{q(n)}) {history if n in cumulative else over} AS {q(n)}"
        for fn, n in zip(combine, names, strict=True)
    )
    in_window = f"SUM(g.{q(rows_part)})" if rows_part else f"COUNT(g.{q(HIT)})"
    select.add(
        RUNNING,
        f"SELECT g.{q(DAY)}{columns(q, 'g', keys)}, {running_parts}, "
        f"{in_window} {over} AS {q(ROWS)} FROM {q(GRID)} g",
    )
    value = with_default(
        rows.source.aggregate, finish([f"r.{q(n)}" for n in names], widening(dialect, select))
    )
    select.add(
        RESULT,
        f"SELECT r.{q(DAY)}{columns(q, 'r', keys)}, "
        + value
        + f" AS {q(VALUE)} FROM {q(RUNNING)} r WHERE r.{q(ROWS)} > 0 AND r.{q(DAY)} >= "
        + date_value(dialect, dates.start),
    )
