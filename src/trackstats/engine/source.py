"""What a run reads, and the ORM part that turns it into the source of its SQL.

The innermost query of a run is built by the ORM from the tracker's queryset (filters,
joins across relations, ``db_column`` and quoting all come from Django): its rows in
the date range, each with its local date (``LocalDate``: the stored reading plus the
time zone's offset, taken from Python) or calendar bucket, and its key columns. The
strategies group and aggregate that queryset with the ORM, compile it with
``SourceRows.compile()`` and wrap the SQL in their CTEs.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query
from django.utils import timezone

from ..object_ids import ObjectIdText
from .calendar import ONE_DAY, day_start, shift_pieces
from .dialects import Dialect
from .expressions import CalendarBucket, LocalDate
from .sql import AT, DAY, OBJECT, UNINDEXED, VALUE, Select, Sql, columns, dimension


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
    re-run need not read the history before its start. The tracker's planner passes
    this only when such rows exist.
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
    #: The period's length in days; None for LIFETIME and calendar periods.
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


class SourceRows:
    """The source of one run on one database, as querysets and compiled SQL."""

    def __init__(self, source: Source, dates: DateRange, dialect: Dialect) -> None:
        self.source = source
        self.dates = dates
        self.dialect = dialect
        self.quote = dialect.quote
        self.dimension_names = tuple(dimension(i) for i in range(len(source.dimensions)))
        #: The select's key columns: the object first, then the dimensions.
        self.key_names: tuple[str, ...] = (
            (OBJECT,) if source.object_field else ()
        ) + self.dimension_names

    def rows(
        self,
        first: datetime.date | None,
        collapse: bool = False,
        object_as_text: bool = False,
    ) -> models.QuerySet[Any]:
        """Source rows from local date ``first`` (None: the beginning) through the end,
        annotated with their local date and key columns.

        ``collapse`` (LIFETIME) dates every row before the start on the day before it,
        so that one group carries everything earlier. ``object_as_text`` gives the
        object key as its canonical id text rather than as stored.
        """
        source, dates = self.source, self.dates
        name = source.date_field
        filters: dict[str, Any] = {}
        queryset = source.queryset.order_by()
        if dates.whole_source and self.dialect.scan_whole:
            # The same conditions on an expression that no index serves.
            queryset = queryset.alias(**{UNINDEXED: Unindexed(F(name))})
            name = UNINDEXED
        if source.date_is_datetime:
            end = day_start(dates.end + ONE_DAY, dates.tz)
            filters[f"{name}__lt"] = db_instant(end)
            if first is not None:
                filters[f"{name}__gte"] = db_instant(day_start(first, dates.tz))
            begin = day_start(dates.start if first is None else first, dates.tz)
            day: Any = LocalDate(F(source.date_field), self._shift(begin, end))
            start_mark: Any = db_instant(day_start(dates.start, dates.tz))
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
            # canonical object id text at the very end (see ``object_output()``).
            keys[OBJECT] = F(source.object_field)
            if object_as_text:
                keys[OBJECT] = ObjectIdText(keys[OBJECT], self.object_target())
        for key_name, (_, path) in zip(self.dimension_names, source.dimensions, strict=True):
            filters[f"{path}__isnull"] = False
            keys[key_name] = F(path)
        rows: models.QuerySet[Any] = queryset.filter(**filters).annotate(**{AT: day}, **keys)
        return rows

    def _shift(self, begin: datetime.datetime, end: datetime.datetime) -> Any:
        """Seconds from the stored reading to the local time: one number, or a CASE
        over the time zone's offset changes within the range."""
        pieces = shift_pieces(begin, end, self.dates.tz, self.dialect.storage_zone())
        if len(pieces) == 1:
            return None if pieces[0].seconds == 0 else Value(pieces[0].seconds)
        name = self.source.date_field
        whens = [
            # Only the first piece has no start (since None), and it is never a ``nxt``.
            models.When(
                **{f"{name}__lt": db_instant(cast(datetime.datetime, nxt.since))},
                then=Value(piece.seconds),
            )
            for piece, nxt in itertools.pairwise(pieces)
        ]
        return models.Case(
            *whens, default=Value(pieces[-1].seconds), output_field=models.IntegerField()
        )

    def compile(self, queryset: models.QuerySet[Any]) -> Sql:
        # Not elided: a source that can match nothing (``filter(kind__in=[])``) compiles
        # to a WHERE that is always false, an empty source, instead of raising.
        compiler = queryset.query.get_compiler(
            connection=self.dialect.connection, elide_empty=False
        )
        sql, params = compiler.as_sql()
        return Sql(sql, tuple(params))

    def object_output(self, select: Select) -> Sql:
        """The result of ``select`` with its native object key as canonical text."""
        q = self.quote
        raw = RawSQL(f"r.{q(OBJECT)}", [], output_field=self.object_target())
        compiler = Query(None).get_compiler(connection=self.dialect.connection)
        text, params = compiler.compile(ObjectIdText(raw, self.object_target()))
        others = [k for k in self.key_names if k != OBJECT]
        return Sql(
            f"SELECT r.{q(DAY)}, {text} AS {q(OBJECT)}{columns(q, 'r', others)}, "
            f"r.{q(VALUE)} FROM {q(select.result)} r",
            tuple(params),
        )

    def object_target(self) -> models.Field[Any, Any]:
        """The field the object key points to; a by-object source always has one."""
        target = self.source.object_target
        assert target is not None, "object_field without object_target"
        return target


class Unindexed(models.Func):
    """A column as an expression (``+column``) that no index can serve, same value."""

    template = "+%(expressions)s"


def db_instant(value: datetime.datetime) -> datetime.datetime:
    """An aware instant as the ORM expects it in a lookup under the current settings."""
    if settings.USE_TZ:
        return value
    return timezone.make_naive(value, timezone.get_default_timezone())
