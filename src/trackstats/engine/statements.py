"""The SQL of one tracker run: a SELECT of every statistic in a date range.

The innermost query is built by the ORM from the tracker's queryset (filters, joins
across relations, ``db_column`` and quoting all come from Django); this module wraps it
in common table expressions that bucket rows by local date, spread them over the
windows of the period and aggregate. Column names of our own are fixed identifiers
quoted by the connection; nothing is assembled from user-supplied field names.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Min, Value
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query
from django.utils import timezone

from ..object_ids import OBJECT_ID_MAX_LENGTH, ObjectIdText
from .aggregates import (
    AggregatePlan,
    Strategy,
    aggregate_default,
    generic_call,
    is_distinct,
    plan_aggregate,
)
from .calendar import ONE_DAY, day_start, shift_pieces
from .dialects import Dialect
from .expressions import CalendarBucket, LocalDate

DAY = "trackstats_day"
VALUE = "trackstats_value"
ARGUMENT = "trackstats_arg"
AT = "trackstats_at"
HIT = "trackstats_hit"
OBJECT = "trackstats_object"


@dataclass(frozen=True)
class Source:
    """What a tracker reads: validated by the tracker before it gets here."""

    queryset: models.QuerySet[Any]
    date_field: str
    date_is_datetime: bool
    aggregate: models.Aggregate
    #: Path of the foreign key to the tracked object, and the field it points to.
    object_field: str | None = None
    object_target: models.Field[Any, Any] | None = None
    #: (statistic field name, source field path) of extra key dimensions.
    dimensions: tuple[tuple[str, str], ...] = ()
    #: LIFETIME: the stored statistics a re-run may continue from (see ``StoredBase``).
    stored_base: StoredBase | None = None


@dataclass(frozen=True)
class StoredBase:
    """The stored LIFETIME statistics of the day before a run's start date.

    A LIFETIME value of a count, or of a sum, minimum or maximum of whole numbers, is
    the stored value of that day combined with the rows from the start date on, so a
    re-run need not read the history before its start. The planner passes this only
    when such rows exist (see ``ObjectsByDateTracker._plan``).
    """

    #: The stored rows of this run's scope (metric, period, fixed object) on that day.
    rows: models.QuerySet[Any]
    #: Statistic field names of the select's key columns, in their order (the object
    #: id first when the statistics are by object, then the dimensions).
    key_fields: tuple[str, ...]


@dataclass(frozen=True)
class DateRange:
    """What a run computes: the local dates ``start`` through ``end`` in ``tz``, and
    the shape of the period whose value each date gets (its length in days, or its
    calendar bucket)."""

    start: datetime.date
    end: datetime.date
    #: DateRange length in days; None for LIFETIME and calendar periods.
    days: int | None
    tz: datetime.tzinfo
    #: Calendar periods: the first weekday of a week (0 = Monday), or the months of a
    #: month, quarter or year (1, 3, 12). ``start`` is then a bucket's first day.
    week_from: int | None = None
    months: int | None = None
    #: Whether the range holds every source row (a first run, from the first row's
    #: date): the date conditions then filter nothing, and the source is best read
    #: whole rather than through the date field's index (see ``Dialect.scan_whole``).
    whole_source: bool = False

    @property
    def calendar(self) -> bool:
        return self.week_from is not None or self.months is not None


@dataclass
class Select:
    """``WITH ... SELECT`` producing (day, key columns..., value)."""

    ctes: list[tuple[str, str]] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    key_columns: tuple[str, ...] = ()
    #: Widening of a numeric expression before division (depends on the value field).
    value_is_float: bool = False

    #: Names of CTEs to compute once rather than inline where they are used.
    materialized: set[str] = field(default_factory=set)

    def add(
        self, name: str, sql: str, params: Sequence[Any] = (), materialize: bool = False
    ) -> None:
        self.ctes.append((name, sql))
        self.params.extend(params)
        if materialize:
            self.materialized.add(name)

    def with_clause(self, dialect: Dialect) -> str:
        return "WITH " + ", ".join(
            f"{dialect.quote(n)} AS {dialect.materialize_hint()}({dialect.materialized_body(sql)})"
            if n in self.materialized
            else f"{dialect.quote(n)} AS ({sql})"
            for n, sql in self.ctes
        )

    @property
    def result(self) -> str:
        return self.ctes[-1][0]


def build_select(
    source: Source, dates: DateRange, dialect: Dialect, value_is_float: bool
) -> Select:
    """The statistics of ``dates`` for ``source`` as a chain of CTEs."""
    builder = _Builder(source, dates, dialect)
    select = Select(key_columns=builder.key_names, value_is_float=value_is_float)
    plan = plan_aggregate(source.aggregate)
    if dates.days == 1 or dates.calendar:
        # A calendar bucket holds each source row once, as a day does: the rows are
        # dated on their bucket's first day (see ``rows()``) and aggregated as DAY.
        builder.day_totals(select, plan)
    elif dates.days is None:
        builder.lifetime(select, plan)
    else:
        builder.rolling(select, plan)
    if source.object_field:
        builder.object_ids(select)
    return select


class _Builder:
    def __init__(self, source: Source, dates: DateRange, dialect: Dialect) -> None:
        self.source = source
        self.dates = dates
        self.dialect = dialect
        self.q = dialect.quote
        self.dimension_names = tuple(f"trackstats_dim{i}" for i in range(len(source.dimensions)))
        self.key_names: tuple[str, ...] = (
            (OBJECT,) if source.object_field else ()
        ) + self.dimension_names
        #: Whether the object key is the canonical id text from the start (a LIFETIME
        #: run continuing from stored rows, which hold that text) rather than the
        #: native key turned into text at the end.
        self.object_as_text = False

    # ------------------------------------------------------------ ORM part
    def rows(self, first: datetime.date | None, collapse: bool = False) -> models.QuerySet[Any]:
        """Source rows from local date ``first`` (None: the beginning) through the end,
        annotated with their local date and key columns.

        ``collapse`` (LIFETIME) dates every row before the start on the day before it,
        so that one group carries everything earlier.
        """
        source, dates = self.source, self.dates
        name = source.date_field
        filters: dict[str, Any] = {}
        queryset = source.queryset.order_by()
        if dates.whole_source and self.dialect.scan_whole:
            # The same conditions on an expression that no index serves.
            queryset = queryset.alias(trackstats_unindexed=Unindexed(F(name)))
            name = "trackstats_unindexed"
        if source.date_is_datetime:
            end = day_start(dates.end + ONE_DAY, dates.tz)
            filters[f"{name}__lt"] = _db_instant(end)
            if first is not None:
                filters[f"{name}__gte"] = _db_instant(day_start(first, dates.tz))
            begin = day_start(dates.start if first is None else first, dates.tz)
            day: Any = LocalDate(F(source.date_field), self._shift(begin, end))
            start_mark: Any = _db_instant(day_start(dates.start, dates.tz))
        else:
            filters[f"{name}__lte"] = dates.end
            if first is not None:
                filters[f"{name}__gte"] = first
            day = F(source.date_field)
            start_mark = dates.start
        if dates.calendar:
            day = CalendarBucket(day, dates.week_from, dates.months)
        if collapse:
            day = models.Case(
                models.When(
                    **{f"{name}__lt": start_mark},
                    then=Value(dates.start - ONE_DAY, output_field=models.DateField()),
                ),
                default=day,
                output_field=models.DateField(),
            )
        keys: dict[str, Any] = {}
        if source.object_field:
            filters[f"{source.object_field}__isnull"] = False
            # The key column as stored (an integer, usually): grouping, sorting and
            # joining on it is much cheaper than on text. The result turns it into the
            # canonical object id text at the very end (see ``object_ids()``).
            keys[OBJECT] = F(source.object_field)
            if self.object_as_text:
                keys[OBJECT] = ObjectIdText(keys[OBJECT], self.object_target())
        for key_name, (_, path) in zip(self.dimension_names, source.dimensions, strict=True):
            filters[f"{path}__isnull"] = False
            keys[key_name] = F(path)
        rows: models.QuerySet[Any] = queryset.filter(**filters).annotate(**{AT: day}, **keys)
        return rows

    def _shift(self, begin: datetime.datetime, end: datetime.datetime) -> Any:
        pieces = shift_pieces(begin, end, self.dates.tz, self.dialect.storage_zone())
        if len(pieces) == 1:
            return None if pieces[0].seconds == 0 else Value(pieces[0].seconds)
        name = self.source.date_field
        whens = [
            # Only the first piece has no start (since None), and it is never a ``nxt``.
            models.When(
                **{f"{name}__lt": _db_instant(cast(datetime.datetime, nxt.since))},
                then=Value(piece.seconds),
            )
            for piece, nxt in itertools.pairwise(pieces)
        ]
        return models.Case(
            *whens, default=Value(pieces[-1].seconds), output_field=models.IntegerField()
        )

    def compile(self, queryset: models.QuerySet[Any]) -> tuple[str, list[Any]]:
        # Not elided: a source that can match nothing (``filter(kind__in=[])``) compiles
        # to a WHERE that is always false, an empty source, instead of raising.
        compiler = queryset.query.get_compiler(
            connection=self.dialect.connection, elide_empty=False
        )
        sql, params = compiler.as_sql()
        return sql, list(params)

    def object_ids(self, select: Select) -> None:
        """Replace the native object key of the result by its canonical text."""
        if self.object_as_text:
            return
        q = self.q
        raw = RawSQL(f"r.{q(OBJECT)}", [], output_field=self.object_target())
        compiler = Query(None).get_compiler(connection=self.dialect.connection)
        text, params = compiler.compile(ObjectIdText(raw, self.object_target()))
        others = [k for k in self.key_names if k != OBJECT]
        select.add(
            "trackstats_output",
            f"SELECT r.{q(DAY)}, {text} AS {q(OBJECT)}{self.cols('r', others)}, "
            f"r.{q(VALUE)} FROM {q(select.result)} r",
            params,
        )

    def object_target(self) -> models.Field[Any, Any]:
        """The field the object key points to; a by-object source always has one."""
        target = self.source.object_target
        assert target is not None, "object_field without object_target"
        return target

    # ------------------------------------------------------------ SQL helpers
    def cols(self, alias: str, names: Sequence[str]) -> str:
        return "".join(f", {alias}.{self.q(n)}" for n in names)

    def numbers(self, select: Select, name: str, last: int) -> None:
        """CTEs holding the integers 0..last, from cross joins of a digits table."""
        digits = "trackstats_digits"
        if not any(n == digits for n, _ in select.ctes):
            select.add(digits, " UNION ALL ".join(f"SELECT {d} AS d" for d in range(10)))
        width = len(str(max(last, 0)))
        terms = " + ".join(f"{10**i} * t{i}.d" for i in range(width))
        joins = " CROSS JOIN ".join(f"{self.q(digits)} t{i}" for i in range(width))
        # Computed once: inlined, each number would be added up again for every row
        # it is joined to.
        select.add(
            name, f"SELECT {terms} AS n FROM {joins} WHERE {terms} <= %s", [last], materialize=True
        )

    def date_param(self, value: datetime.date) -> tuple[str, Any]:
        return self.dialect.date_placeholder(), self.dialect.adapt_date(value)

    def in_range(self, column: str, select: Select) -> str:
        low, low_param = self.date_param(self.dates.start)
        high, high_param = self.date_param(self.dates.end)
        select.params.extend([low_param, high_param])
        return f"{column} >= {low} AND {column} <= {high}"

    def widen(self, select: Select) -> Callable[[str], str]:
        return self.dialect.to_float if select.value_is_float else self.dialect.to_exact

    def with_default(self, sql: str) -> tuple[str, list[Any]]:
        default = aggregate_default(self.source.aggregate)
        if default is None:
            return sql, []
        return f"COALESCE({sql}, %s)", [default]

    # ------------------------------------------------------------ strategies
    def day_totals(self, select: Select, plan: AggregatePlan) -> None:
        """DAY: the ORM groups by local date and applies the aggregate as given.

        An average is the exception: it is divided here, in floating point or widened
        decimals, because MySQL's AVG() of integers keeps only four decimal places.
        """
        q = self.q
        if len(plan.parts) > 1:
            self.daily_parts(select, plan, self.dates.start)
            parts = [f"s.{q(f'trackstats_p{i}')}" for i in range(len(plan.parts))]
            assert plan.finish is not None  # every plan with parts has one
            value, default_params = self.with_default(plan.finish(parts, self.widen(select)))
            select.add(
                "trackstats_result",
                f"SELECT s.{q(AT)} AS {q(DAY)}{self.cols('s', self.key_names)}, "
                f"{value} AS {q(VALUE)} FROM {q('trackstats_src')} s",
                default_params,
            )
            return
        queryset = (
            self.rows(self.dates.start)
            .values(AT, *self.key_names)
            .annotate(**{VALUE: self.source.aggregate})
        )
        sql, params = self.compile(queryset)
        select.add("trackstats_src", sql, params)
        select.add(
            "trackstats_result",
            f"SELECT s.{q(AT)} AS {q(DAY)}{self.cols('s', self.key_names)}, "
            f"s.{q(VALUE)} AS {q(VALUE)} FROM {q('trackstats_src')} s",
        )

    def daily_parts(
        self,
        select: Select,
        plan: AggregatePlan,
        first: datetime.date | None,
        collapse: bool = False,
    ) -> None:
        parts = {f"trackstats_p{i}": part.aggregate for i, part in enumerate(plan.parts)}
        queryset = self.rows(first, collapse).values(AT, *self.key_names).annotate(**parts)
        sql, params = self.compile(queryset)
        select.add("trackstats_src", sql, params)

    def rolling(self, select: Select, plan: AggregatePlan) -> None:
        """N days. Aggregates that compose take the grid of ``running()``, distinct
        counts that of ``distinct_runs()``. The others copy every source value onto
        the N dates whose window holds it (a cross join with 0..N-1) and aggregate by
        date."""
        days = self.dates.days or 1
        first = self.dates.start - (days - 1) * ONE_DAY
        q = self.q
        if plan.strategy is Strategy.COMPOSABLE:
            self.daily_parts(select, plan, first)
            names = [f"trackstats_p{i}" for i in range(len(plan.parts))]
            if all(_is_count(part.aggregate) for part in plan.parts):
                self.window_changes(select, names, days)
                self.stretches(select, names, ["SUM"] * len(names), plan.finish, first, True)
                return
            combine = [part.combine for part in plan.parts]
            self.running(select, names, combine, plan.finish, first, days)
            return
        if plan.strategy is Strategy.DISTINCT_COUNT:
            self.distinct_runs(select, plan, first, days)
            return
        queryset = self.rows(first).values(AT, *self.key_names, **{ARGUMENT: plan.argument})
        sql, params = self.compile(queryset)
        select.add("trackstats_src", sql, params)
        names = [ARGUMENT]
        value = generic_call(self.source.aggregate, f"e.{q(ARGUMENT)}")
        self.numbers(select, "trackstats_offsets", days - 1)
        shifted = self.dialect.add_days(f"s.{q(AT)}", "o.n")
        expanded = (
            f"SELECT {shifted} AS {q(DAY)}{self.cols('s', self.key_names)}"
            f"{self.cols('s', names)} FROM {q('trackstats_src')} s "
            f"CROSS JOIN {q('trackstats_offsets')} o"
        )
        value, default_params = self.with_default(value)
        select.params.extend(default_params)
        where = self.in_range(f"e.{q(DAY)}", select)
        group = f"e.{q(DAY)}{self.cols('e', self.key_names)}"
        select.add(
            "trackstats_result",
            f"SELECT {group}, {value} AS {q(VALUE)} FROM ({expanded}) e "
            f"WHERE {where} GROUP BY {group}",
        )

    def distinct_runs(
        self, select: Select, plan: AggregatePlan, first: datetime.date, days: int
    ) -> None:
        """Distinct count over N days without copying rows N times.

        A value is in the window of date d when it was seen within d-N+1..d. Its
        sightings (distinct (day, key, value) triples, by the ORM) form runs in which
        consecutive sightings are less than N days apart; a run counts from its first
        day through N-1 days after its last. So +1 at each run's start and -1 N days
        after its end, summed over all earlier days, is the distinct count of each
        date. Every sighting also counts +1 on its day and -1 N days later towards the
        rows of the window, so that source rows whose value is NULL still make a window
        non-empty.
        """
        q = self.q
        add_days = self.dialect.add_days
        keys = self.key_names
        queryset = self.rows(first).values(AT, *keys, **{ARGUMENT: plan.argument}).distinct()
        sql, params = self.compile(queryset)
        select.add("trackstats_pairs", sql, params)
        partition = ", ".join([*(f"p.{q(k)}" for k in keys), f"p.{q(ARGUMENT)}"])
        order = f"OVER (PARTITION BY {partition} ORDER BY p.{q(AT)})"
        select.add(
            "trackstats_sightings",
            f"SELECT p.{q(AT)}{self.cols('p', keys)}, p.{q(ARGUMENT)}, "
            f"LAG(p.{q(AT)}) {order} AS {q('trackstats_prev')}, "
            f"LEAD(p.{q(AT)}) {order} AS {q('trackstats_next')} "
            f"FROM {q('trackstats_pairs')} p",
        )
        n = str(int(days))
        prev, nxt = f"s.{q('trackstats_prev')}", f"s.{q('trackstats_next')}"
        day = f"s.{q(AT)}"
        starts = f"CASE WHEN {prev} IS NULL OR {add_days(prev, n)} <= {day} THEN 1 ELSE 0 END"
        ends = f"CASE WHEN {nxt} IS NULL OR {add_days(day, n)} <= {nxt} THEN -1 ELSE 0 END"
        delta = (
            f"CASE WHEN s.{q(ARGUMENT)} IS NULL THEN 0 "
            f"WHEN e.{q('trackstats_sign')} > 0 THEN {starts} ELSE {ends} END"
        )
        self.window_changes(select, ["trackstats_p0"], days, "trackstats_sightings", delta)
        self.stretches(select, ["trackstats_p0"], ["SUM"], lambda parts, _: parts[0], first, True)

    def lifetime(self, select: Select, plan: AggregatePlan) -> None:
        if plan.strategy is Strategy.GENERIC:
            self.lifetime_generic(select, plan)
            return
        q = self.q
        if plan.strategy is Strategy.COMPOSABLE:
            if not self.lifetime_from_base(select, plan):
                self.lifetime_parts(select, plan)
            combine = [part.combine for part in plan.parts]
            finish = plan.finish
        else:
            # A distinct value counts from the first day it is seen: count first
            # sightings per day, then keep a running total.
            first_seen = (
                self.rows(None, collapse=True)
                .values(*self.key_names, **{ARGUMENT: plan.argument})
                .annotate(**{"trackstats_first": Min(AT)})
            )
            sql, params = self.compile(first_seen)
            select.add("trackstats_first_seen", sql, params)
            group = f"f.{q('trackstats_first')}{self.cols('f', self.key_names)}"
            select.add(
                "trackstats_src",
                f"SELECT f.{q('trackstats_first')} AS {q(AT)}"
                f"{self.cols('f', self.key_names)}, COUNT(f.{q(ARGUMENT)}) AS "
                f"{q('trackstats_p0')} FROM {q('trackstats_first_seen')} f GROUP BY {group}",
            )
            combine = ["SUM"]
            finish = lambda p, _: p[0]  # noqa: E731
        names = [f"trackstats_p{i}" for i in range(len(combine))]
        # One row per (day, key) already: the running totals need no grid of dates.
        self.stretches(select, names, combine, finish, self.dates.start - ONE_DAY, False)

    def lifetime_from_base(self, select: Select, plan: AggregatePlan) -> bool:
        """LIFETIME from the values stored for the day before the start, when exact.

        Only for one part (count, sum, minimum, maximum: an average's stored ratio
        cannot be continued) of whole numbers (stored as they are computed, with no
        rounding) and without a ``default`` (a stored default is not the aggregate of
        the earlier rows). The stored rows, dated the day before the start, take the
        place of ``lifetime_parts()``'s aggregate over every earlier source row: the
        run reads only the rows from the start on, whatever the length of the history.
        Returns False (nothing added) when the stored values cannot be used.
        """
        base = self.source.stored_base
        if (
            base is None
            or len(plan.parts) != 1
            or aggregate_default(self.source.aggregate) is not None
        ):
            return False
        q = self.q
        part = plan.parts[0]
        self.object_as_text = True
        daily = self.rows(self.dates.start).values(AT, *self.key_names)
        daily = daily.annotate(trackstats_p0=part.aggregate)
        if not isinstance(
            daily.query.annotations["trackstats_p0"].output_field, models.IntegerField
        ):
            self.object_as_text = False
            return False
        stored_keys: dict[str, Any] = {}
        fields = iter(base.key_fields)
        if self.source.object_field:
            text: models.CharField[str, str] = models.CharField(max_length=OBJECT_ID_MAX_LENGTH)
            # Through the same expression as the source's keys: the same type and, on
            # MySQL, the same collation, so that both sides partition together.
            stored_keys[OBJECT] = ObjectIdText(F(next(fields)), text)
        for name, field_name in zip(self.dimension_names, fields, strict=True):
            stored_keys[name] = F(field_name)
        eve = Value(self.dates.start - ONE_DAY, output_field=models.DateField())
        stored = base.rows.order_by().values(**{AT: eve}, **stored_keys, trackstats_p0=F("value"))
        stored_sql, stored_params = self.compile(stored)
        daily_sql, daily_params = self.compile(daily)
        listed = ", ".join(f"e.{q(c)}" for c in (AT, *self.key_names, "trackstats_p0"))
        select.add(
            "trackstats_src",
            f"SELECT {listed} FROM ({stored_sql}) e "
            f"UNION ALL SELECT {listed} FROM ({daily_sql}) e",
            [*stored_params, *daily_params],
        )
        return True

    def lifetime_parts(self, select: Select, plan: AggregatePlan) -> None:
        """LIFETIME parts per day from the start, after one row per key that carries
        everything earlier, dated the day before the start.

        The earlier rows are selected by a plain range condition on the date field and
        never get a local date computed, so a re-run from a recent date reads its
        history cheaply (an index range scan where the date field is indexed).
        """
        q = self.q
        dates = self.dates
        parts = {f"trackstats_p{i}": part.aggregate for i, part in enumerate(plan.parts)}
        name = self.source.date_field
        if self.source.date_is_datetime:
            before: Any = _db_instant(day_start(dates.start, dates.tz))
        else:
            before = dates.start
        eve = Value(dates.start - ONE_DAY, output_field=models.DateField())
        earlier = (
            self.rows(None)
            .filter(**{f"{name}__lt": before})
            # A constant: the ORM leaves it out of GROUP BY, so there is one group per key.
            .annotate(**{AT: eve})
            .values(AT, *self.key_names)
            .annotate(**parts, trackstats_n=Count("*"))
        )
        earlier_sql, earlier_params = self.compile(earlier)
        daily_sql, daily_params = self.compile(
            self.rows(dates.start).values(AT, *self.key_names).annotate(**parts)
        )
        columns = [AT, *self.key_names, *parts]
        listed = ", ".join(f"e.{q(c)}" for c in columns)
        select.add(
            "trackstats_src",
            # Without keys the earlier part is one aggregate row even when no row
            # precedes the start: keep it only when it has rows.
            f"SELECT {listed} FROM ({earlier_sql}) e WHERE e.{q('trackstats_n')} > 0 "
            f"UNION ALL SELECT {listed} FROM ({daily_sql}) e",
            [*earlier_params, *daily_params],
        )

    def window_changes(
        self,
        select: Select,
        names: list[str],
        days: int,
        source: str = "trackstats_src",
        delta: str | None = None,
    ) -> None:
        """How the window totals change from one day to the next.

        Each row of ``source`` enters the windows on its day and leaves them ``days``
        days later: a cross join with two signed offsets turns it into an entry and
        an exit (one reference to ``source``: MariaDB would compute a CTE once per
        reference), grouped by day. ``trackstats_hits`` counts the source rows of the
        window the same way. ``delta`` replaces the signed part for parts that carry
        their own exits (distinct counts); it may use ``e.trackstats_sign``.
        """
        q = self.q
        keys = self.key_names
        select.add(
            "trackstats_ends",
            f"SELECT 0 AS {q('trackstats_shift')}, 1 AS {q('trackstats_sign')} UNION ALL "
            f"SELECT {int(days)}, -1",
        )
        sign = f"e.{q('trackstats_sign')}"
        day = self.dialect.add_days(f"s.{q(AT)}", f"e.{q('trackstats_shift')}")
        parts = "".join(
            f", SUM({delta if delta is not None else f'{sign} * s.{q(n)}'}) AS {q(n)}"
            for n in names
        )
        group = f"{day}{self.cols('s', keys)}"
        select.add(
            "trackstats_changes",
            f"SELECT {day} AS {q(AT)}{self.cols('s', keys)}{parts}, "
            f"SUM({sign}) AS {q('trackstats_hits')} "
            f"FROM {q(source)} s CROSS JOIN {q('trackstats_ends')} e GROUP BY {group}",
        )

    def stretches(
        self,
        select: Select,
        names: list[str],
        combine: list[str],
        finish: Any,
        origin: datetime.date,
        counted: bool,
    ) -> None:
        """DateRange values from running totals over the days where they change.

        The last CTE holds one row per (day, key) on which a window total changes
        (``trackstats_changes`` after ``window_changes()``, else ``trackstats_src``).
        Running ``combine`` of each part over those rows, all earlier ones included,
        gives the value from that day until the key's next change, or through the end;
        a join with 0..N spreads each stretch over its dates, from the start on. With
        ``counted``, a date is kept only where the running ``trackstats_hits`` (rows
        in the window) is above 0; otherwise every date after a change has rows.
        """
        q = self.q
        dates = self.dates
        keys = self.key_names
        changes = select.result
        days_between = self.dialect.days_between
        partition = f"PARTITION BY {', '.join(f'c.{q(k)}' for k in keys)} " if keys else ""
        history = f"OVER ({partition}ORDER BY c.{q(AT)} ROWS UNBOUNDED PRECEDING)"
        running = "".join(
            f", {fn}(c.{q(n)}) {history} AS {q(n)}" for fn, n in zip(combine, names, strict=True)
        )
        rows = f"SUM(c.{q('trackstats_hits')}) {history}" if counted else "1"
        stop, stop_param = self.date_param(dates.end + ONE_DAY)
        start, start_param = self.date_param(dates.start)
        end, end_param = self.date_param(dates.end)
        following = f"COALESCE(LEAD(c.{q(AT)}) OVER ({partition}ORDER BY c.{q(AT)}), {stop})"
        select.add(
            "trackstats_runs",
            f"SELECT c.{q(AT)} AS {q(DAY)}{self.cols('c', keys)}{running}, "
            f"{rows} AS {q('trackstats_rows')}, "
            f"{days_between(following, f'c.{q(AT)}')} AS {q('trackstats_span')}, "
            f"CASE WHEN c.{q(AT)} < {start} THEN {days_between(start, f'c.{q(AT)}')} "
            f"ELSE 0 END AS {q('trackstats_skip')} "
            f"FROM {q(changes)} c WHERE c.{q(AT)} <= {end}",
            [stop_param, start_param, start_param, end_param],
        )
        # A stretch with rows in its window ends within N days, when the earliest of
        # those rows leaves: N numbers spread it, not the whole range (which a range
        # join compares with every stretch).
        longest = (dates.end - origin).days
        if dates.days is not None and counted:
            longest = min(longest, dates.days - 1)
        skip, span = f"r.{q('trackstats_skip')}", f"r.{q('trackstats_span')}"
        join = self.dialect.ordered_join()
        if longest < 2 * _BLOCK:
            self.numbers(select, "trackstats_numbers", longest)
            offset = "o.n"
            spread = f"{join} {q('trackstats_numbers')} o ON o.n >= {skip} AND o.n < {span}"
        else:
            # Long stretches (LIFETIME): blocks of offsets first, then the offsets of
            # the blocks that overlap the stretch, so that a stretch of a few days is
            # compared with a few dozen numbers rather than with the whole range.
            self.numbers(select, "trackstats_blocks", longest // _BLOCK)
            self.numbers(select, "trackstats_numbers", _BLOCK - 1)
            offset = f"(b.n * {_BLOCK} + o.n)"
            spread = (
                f"{join} {q('trackstats_blocks')} b ON b.n * {_BLOCK} < {span} "
                f"AND b.n * {_BLOCK} + {_BLOCK} > {skip} "
                f"{join} {q('trackstats_numbers')} o ON {offset} >= {skip} AND {offset} < {span}"
            )
        value = finish([f"r.{q(n)}" for n in names], self.widen(select))
        value, default_params = self.with_default(value)
        day = self.dialect.add_days(f"r.{q(DAY)}", offset)
        select.add(
            "trackstats_result",
            f"SELECT {day} AS {q(DAY)}{self.cols('r', keys)}, {value} AS {q(VALUE)} "
            f"FROM {q('trackstats_runs')} r {spread} WHERE r.{q('trackstats_rows')} > 0",
            default_params,
        )

    def running(
        self,
        select: Select,
        names: list[str],
        combine: list[str],
        finish: Any,
        origin: datetime.date,
        days: int | None,
        cumulative: frozenset[str] = frozenset(),
        rows_part: str | None = None,
    ) -> None:
        """DateRange totals of per-day parts over a grid of dates times keys.

        The grid has a row for every date of each key's span (from its first day with
        data to the last date a window can still reach it), so dates without data of
        their own still get their value; window functions combine the parts over the
        frame of the period (the last ``days`` rows, or all earlier rows for LIFETIME).
        Parts named in ``cumulative`` are summed over all earlier rows whatever the
        period. A window holds source rows when its frame has a row of the source, or,
        with ``rows_part``, when that part (a row count) sums to more than 0.
        """
        q = self.q
        dates = self.dates
        self.numbers(select, "trackstats_numbers", (dates.end - origin).days)
        origin_sql, origin_param = self.date_param(origin)
        # Each date is computed once: inlined, the date arithmetic would run for every
        # (date, key) pair the grid's join conditions compare.
        select.add(
            "trackstats_calendar",
            f"SELECT {self.dialect.add_days(origin_sql, 'n.n')} AS {q(DAY)} "
            f"FROM {q('trackstats_numbers')} n",
            [origin_param],
            materialize=True,
        )
        keys = self.key_names
        key_list = "".join(f"s.{q(k)}, " for k in keys)
        group = f" GROUP BY {', '.join(f's.{q(k)}' for k in keys)}" if keys else ""
        # The last date a window can reach, once per key rather than per grid row.
        last = f"MAX(s.{q(AT)})"
        if days is not None:
            last = self.dialect.add_days(last, str(days - 1))
        select.add(
            "trackstats_keys",
            f"SELECT {key_list}MIN(s.{q(AT)}) AS {q('trackstats_first')}, "
            f"{last} AS {q('trackstats_reach')} FROM {q('trackstats_src')} s{group}",
        )
        span = f"c.{q(DAY)} >= k.{q('trackstats_first')}"
        if days is not None:
            span += f" AND c.{q(DAY)} <= k.{q('trackstats_reach')}"
        grid_from = (
            f"{q('trackstats_calendar')} c JOIN {q('trackstats_keys')} k ON {span} "
            f"LEFT JOIN {q('trackstats_src')} s ON s.{q(AT)} = c.{q(DAY)}"
            + "".join(f" AND s.{q(k)} = k.{q(k)}" for k in keys)
        )
        select.add(
            "trackstats_grid",
            f"SELECT c.{q(DAY)}{self.cols('k', keys)}{self.cols('s', names)}, "
            f"s.{q(AT)} AS {q(HIT)} FROM {grid_from}",
        )
        frame = "UNBOUNDED PRECEDING" if days is None else f"{int(days) - 1} PRECEDING"
        partition = f"PARTITION BY {', '.join(f'g.{q(k)}' for k in keys)} " if keys else ""
        over = f"OVER ({partition}ORDER BY g.{q(DAY)} ROWS BETWEEN {frame} AND CURRENT ROW)"
        history = (
            f"OVER ({partition}ORDER BY g.{q(DAY)} "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
        )
        running = ", ".join(
            f"{fn}(g.{q(n)}) {history if n in cumulative else over} AS {q(n)}"
            for fn, n in zip(combine, names, strict=True)
        )
        rows = f"SUM(g.{q(rows_part)})" if rows_part else f"COUNT(g.{q(HIT)})"
        select.add(
            "trackstats_running",
            f"SELECT g.{q(DAY)}{self.cols('g', keys)}, {running}, "
            f"{rows} {over} AS {q('trackstats_rows')} FROM {q('trackstats_grid')} g",
        )
        value = finish([f"r.{q(n)}" for n in names], self.widen(select))
        value, default_params = self.with_default(value)
        select.params.extend(default_params)
        low, low_param = self.date_param(dates.start)
        select.add(
            "trackstats_result",
            f"SELECT r.{q(DAY)}{self.cols('r', keys)}, {value} AS {q(VALUE)} "
            f"FROM {q('trackstats_running')} r "
            f"WHERE r.{q('trackstats_rows')} > 0 AND r.{q(DAY)} >= {low}",
            [low_param],
        )

    def lifetime_generic(self, select: Select, plan: AggregatePlan) -> None:
        """LIFETIME of an aggregate that does not compose: every row joins every
        later date of the range. Quadratic, and only for aggregates such as a distinct
        sum or a standard deviation; the common ones take the running-total path."""
        q = self.q
        dates = self.dates
        queryset = self.rows(None).values(AT, *self.key_names, **{ARGUMENT: plan.argument})
        sql, params = self.compile(queryset)
        select.add("trackstats_src", sql, params)
        self.numbers(select, "trackstats_numbers", (dates.end - dates.start).days)
        origin, origin_param = self.date_param(dates.start)
        select.add(
            "trackstats_calendar",
            f"SELECT {self.dialect.add_days(origin, 'n.n')} AS {q(DAY)} "
            f"FROM {q('trackstats_numbers')} n",
            [origin_param],
        )
        value = generic_call(self.source.aggregate, f"s.{q(ARGUMENT)}")
        value, default_params = self.with_default(value)
        group = f"c.{q(DAY)}{self.cols('s', self.key_names)}"
        select.add(
            "trackstats_result",
            f"SELECT {group}, {value} AS {q(VALUE)} FROM {q('trackstats_calendar')} c "
            f"JOIN {q('trackstats_src')} s ON s.{q(AT)} <= c.{q(DAY)} GROUP BY {group}",
            default_params,
        )


#: Offsets per block when stretches are spread in two steps (see ``stretches()``).
_BLOCK = 8


class Unindexed(models.Func):
    """A column as an expression (``+column``) that no index can serve, same value."""

    template = "+%(expressions)s"


def _is_count(aggregate: models.Aggregate) -> bool:
    """A plain count: its daily parts are whole numbers, never NULL, so windows can
    add and subtract them exactly."""
    return isinstance(aggregate, Count) and not is_distinct(aggregate)


def _db_instant(value: datetime.datetime) -> datetime.datetime:
    """An aware instant as the ORM expects it in a lookup under the current settings."""
    if settings.USE_TZ:
        return value
    return timezone.make_naive(value, timezone.get_default_timezone())


__all__ = ["DAY", "VALUE", "DateRange", "Select", "Source", "StoredBase", "build_select"]
