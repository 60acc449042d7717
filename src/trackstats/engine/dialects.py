"""The few pieces of SQL that differ between databases, behind one dispatch function.

Everything else the engine writes is standard SQL (CTEs, window functions, CROSS JOIN)
that PostgreSQL, SQLite 3.25+, MariaDB 10.2+ and MySQL 8 share. ``Dialect`` holds the
spelling that more than one of them accept; a vendor's subclass overrides only what
that vendor spells differently. ``dialect_for()`` picks the subclass and refuses other
vendors: the date arithmetic, upserts and locks a run needs have no portable spelling
to fall back on.
"""

from __future__ import annotations

import abc
import datetime
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict
from django.utils import timezone

from .calendar import UTC


class Dialect(abc.ABC):
    """The SQL shared by the supported vendors; no locks.

    The abstract methods are spelled by every vendor in its own way: there is no
    portable spelling to fall back on, and ``dialect_for()`` refuses other vendors."""

    #: Whether rows of a DateTimeField are stored as UTC instants whatever the
    #: connection's time zone (PostgreSQL's timestamptz). Otherwise they are stored as
    #: wall-clock readings in the connection's time zone.
    stores_instants = False
    #: Whether a run over every source row should read the table whole instead of
    #: through the date field's index (``DateRange.whole_source``).
    scan_whole = False

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def quote(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def storage_zone(self) -> datetime.tzinfo:
        """The zone in which the database holds the wall-clock reading of an instant."""
        if self.stores_instants:
            return UTC
        if not settings.USE_TZ:
            # Naive datetimes are stored as wall-clock readings of the default zone.
            return timezone.get_default_timezone()
        return self.connection.timezone or UTC

    def utc_reading(self, ts_sql: str) -> str:
        """A timestamp expression as a wall-clock reading in ``storage_zone()``."""
        return ts_sql

    def local_date(self, ts_sql: str, shift_sql: str | None) -> str:
        """The date of ``ts_sql`` after adding ``shift_sql`` seconds (None: no shift)."""
        reading = self.utc_reading(ts_sql)
        if shift_sql is None:
            return f"CAST({reading} AS DATE)"
        return f"CAST({reading} + ({shift_sql}) * INTERVAL '1' SECOND AS DATE)"

    @abc.abstractmethod
    def add_days(self, date_sql: str, days_sql: str) -> str:
        """A date expression plus a whole number of days, as a date."""

    @abc.abstractmethod
    def days_between(self, later_sql: str, earlier_sql: str) -> str:
        """The whole number of days from one date expression to a later one."""

    def date_placeholder(self) -> str:
        """A placeholder whose parameter is an adapted date, typed as a date."""
        return "CAST(%s AS DATE)"

    def adapt_date(self, value: datetime.date) -> Any:
        return self.connection.ops.adapt_datefield_value(value)

    def to_float(self, sql: str) -> str:
        return f"CAST({sql} AS DOUBLE PRECISION)"

    @abc.abstractmethod
    def to_exact(self, sql: str) -> str:
        """A numeric expression widened so that division keeps its fraction."""

    def upsert_clause(self, key_columns: Sequence[str], value_column: str) -> str:
        """What follows ``INSERT ... SELECT`` to overwrite the value of existing keys.

        Django's own clause for ``bulk_create(update_conflicts=True)``: ``ON CONFLICT
        (keys) DO UPDATE SET value = EXCLUDED.value`` on PostgreSQL and SQLite.
        """
        clause = self.connection.ops.on_conflict_suffix_sql(
            [], OnConflict.UPDATE, [value_column], key_columns
        )
        return f" {clause}"

    def stored_decimal(self, value_sql: str, decimal_places: int) -> str:
        """A decimal value as a column with ``decimal_places`` keeps it: the database
        rounds it on insert."""
        return value_sql

    def exact_text(self, text_sql: str) -> str:
        """A text expression that compares equal to the same text in any column."""
        return text_sql

    def materialize_hint(self) -> str:
        """What makes a CTE computed once (``WITH x AS MATERIALIZED (...)``), if needed."""
        return ""

    def materialized_body(self, sql: str) -> str:
        """The body of a CTE to compute once, for vendors without a hint for it."""
        return sql

    def ordered_join(self) -> str:
        """A JOIN that keeps the table written before it as the outer one."""
        return "JOIN"

    @abc.abstractmethod
    def increment_clause(self, table: str, key_columns: Sequence[str], value_column: str) -> str:
        """What follows ``INSERT ... VALUES (...)`` to add to the value of an existing key.

        The clause holds one ``%s``, the step, and counts a NULL value as 0. There is
        no portable form: without the vendor's upsert, a concurrent increment of the
        same key would raise IntegrityError or lose a count.
        """

    @abc.abstractmethod
    def bucket_start(self, date_sql: str, weekday: int | None, months: int | None) -> str:
        """The first day of the calendar bucket of a date expression: of its week
        starting on ``weekday`` (0 = Monday), or of its block of ``months`` months (1,
        3 or 12) counted from January.

        Plain date arithmetic, no time zone: ``date_sql`` is already a local date. Each
        vendor spells it with its own date functions; ``{d}`` in the returned SQL
        stands for ``date_sql`` (the caller repeats its parameters per occurrence).
        """

    def lock(self, cursor: Any, name: str) -> None:
        """Serialize runs that write the same statistics (no-op where unsupported)."""
        # SQLite needs none: it lets one writer at a time hold the database.
        return None

    def unlock(self, cursor: Any, name: str) -> None:
        """Release what ``lock()`` took, when it outlives the transaction."""
        # Transaction-level locks (PostgreSQL's) end with the transaction.
        return None


class PostgreSQLDialect(Dialect):
    stores_instants = True

    def utc_reading(self, ts_sql: str) -> str:
        return f"({ts_sql} AT TIME ZONE 'UTC')"

    def add_days(self, date_sql: str, days_sql: str) -> str:
        # date + integer is a date in PostgreSQL.
        return f"({date_sql} + CAST({days_sql} AS integer))"

    def days_between(self, later_sql: str, earlier_sql: str) -> str:
        # date - date is an integer in PostgreSQL.
        return f"({later_sql} - {earlier_sql})"

    def to_exact(self, sql: str) -> str:
        # Unconstrained numeric: division yields at least 16 significant digits.
        return f"CAST({sql} AS numeric)"

    def increment_clause(self, table: str, key_columns: Sequence[str], value_column: str) -> str:
        return _on_conflict_increment(self.quote, table, key_columns, value_column)

    def bucket_start(self, date_sql: str, weekday: int | None, months: int | None) -> str:
        if weekday is not None:
            # ISODOW: Monday 1 .. Sunday 7; date - integer is a date.
            back = f"MOD(CAST(EXTRACT(ISODOW FROM {{d}}) AS integer) + {6 - weekday}, 7)"
            return f"({{d}} - CAST({back} AS integer))"
        unit = {1: "month", 3: "quarter", 12: "year"}[months or 1]
        return f"CAST(DATE_TRUNC('{unit}', {{d}}) AS date)"

    def lock(self, cursor: Any, name: str) -> None:
        # Held until the transaction ends, so a second run waits for the first to
        # commit and then recomputes on top of its rows.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(name)])


class SQLiteDialect(Dialect):
    # Through the date index SQLite looks every row up in the table for its other
    # columns: a by-object first run of 1M rows read that way took 4.6 s, a scan 2.7 s.
    scan_whole = True

    def local_date(self, ts_sql: str, shift_sql: str | None) -> str:
        # SQLite's own date() is C code; Django's TruncDate would call a Python
        # function once per row. date() rounds to milliseconds, which would carry
        # 23:59:59.9999995 into the next day: cut the text to whole seconds first (the
        # shift is whole seconds, so the date is unchanged).
        if shift_sql is None:
            # Django stores 'YYYY-MM-DD HH:MM:SS[.ffffff]': the date is the first ten
            # characters, with no date() call per row (a third of a DAY run's time).
            return f"substr({ts_sql}, 1, 10)"
        seconds = f"substr({ts_sql}, 1, 19)"
        return f"date({seconds}, ({shift_sql}) || ' seconds')"

    def add_days(self, date_sql: str, days_sql: str) -> str:
        return f"date({date_sql}, ({days_sql}) || ' days')"

    def days_between(self, later_sql: str, earlier_sql: str) -> str:
        return f"CAST(julianday({later_sql}) - julianday({earlier_sql}) AS INTEGER)"

    def date_placeholder(self) -> str:
        # Dates are ISO text in SQLite; CAST(... AS DATE) would turn them into numbers.
        return "%s"

    def to_float(self, sql: str) -> str:
        return f"CAST({sql} AS REAL)"

    def to_exact(self, sql: str) -> str:
        return f"CAST({sql} AS REAL)"

    def stored_decimal(self, value_sql: str, decimal_places: int) -> str:
        # SQLite adds decimals as floats and stores what it gets (0.30000000000000004)
        # where the other databases round to the column's scale.
        return f"ROUND({value_sql}, {int(decimal_places)})"

    def increment_clause(self, table: str, key_columns: Sequence[str], value_column: str) -> str:
        return _on_conflict_increment(self.quote, table, key_columns, value_column)

    def bucket_start(self, date_sql: str, weekday: int | None, months: int | None) -> str:
        if weekday is not None:
            # %w: Sunday 0 .. Saturday 6; days back to the week's first day.
            back = f"(CAST(strftime('%%w', {{d}}) AS INTEGER) + {13 - weekday}) %% 7"
            return f"date({{d}}, '-' || ({back}) || ' days')"
        if months == 12:
            return "date({d}, 'start of year')"
        if months == 3:
            back = "(CAST(strftime('%%m', {d}) AS INTEGER) - 1) %% 3"
            return f"date({{d}}, 'start of month', '-' || ({back}) || ' months')"
        return "date({d}, 'start of month')"

    def materialize_hint(self) -> str:
        # SQLite inlines a CTE used once and then re-evaluates its expressions at every
        # reference; the hint exists from SQLite 3.35.
        # The backend's DB-API module, which the stubs leave out of BaseDatabaseWrapper.
        if self.connection.Database.sqlite_version_info >= (3, 35):  # type: ignore[attr-defined]
            return "MATERIALIZED "
        return ""


class MySQLDialect(Dialect):
    #: Seconds a run waits for a concurrent run of the same statistics to finish.
    lock_timeout = 3600

    def local_date(self, ts_sql: str, shift_sql: str | None) -> str:
        if shift_sql is None:
            return f"DATE({ts_sql})"
        return f"DATE({ts_sql} + INTERVAL ({shift_sql}) SECOND)"

    def add_days(self, date_sql: str, days_sql: str) -> str:
        return f"({date_sql} + INTERVAL ({days_sql}) DAY)"

    def days_between(self, later_sql: str, earlier_sql: str) -> str:
        return f"DATEDIFF({later_sql}, {earlier_sql})"

    def to_float(self, sql: str) -> str:
        return f"CAST({sql} AS DOUBLE)"

    def to_exact(self, sql: str) -> str:
        return f"CAST({sql} AS DECIMAL(65, 20))"

    def upsert_clause(self, key_columns: Sequence[str], value_column: str) -> str:
        # Not Django's clause: on MySQL 8.0.19+ it names the new row with a row alias
        # (``AS new``), which MySQL accepts after VALUES but not after a SELECT.
        # VALUES(column) means the row a SELECT would insert on MariaDB and MySQL alike.
        value = self.quote(value_column)
        return f" ON DUPLICATE KEY UPDATE {value} = VALUES({value})"

    def exact_text(self, text_sql: str) -> str:
        # CAST yields the connection's collation, which may differ from the object_id
        # column's and make comparisons fail ("Illegal mix of collations"); an explicit
        # binary collation wins and compares exactly.
        return f"CONVERT({text_sql} USING utf8mb4) COLLATE utf8mb4_bin"

    def increment_clause(self, table: str, key_columns: Sequence[str], value_column: str) -> str:
        # The step as a parameter rather than VALUES(), which MySQL 8.0.20 deprecates.
        # An unqualified column is the stored row's.
        value = self.quote(value_column)
        return f" ON DUPLICATE KEY UPDATE {value} = COALESCE({value}, 0) + %s"

    def bucket_start(self, date_sql: str, weekday: int | None, months: int | None) -> str:
        if weekday is not None:
            # WEEKDAY(): Monday 0 .. Sunday 6.
            return f"DATE_SUB({{d}}, INTERVAL MOD(WEEKDAY({{d}}) + {7 - weekday}, 7) DAY)"
        if months == 12:
            return "MAKEDATE(YEAR({d}), 1)"
        if months == 3:
            return "(MAKEDATE(YEAR({d}), 1) + INTERVAL (QUARTER({d}) - 1) * 3 MONTH)"
        return "DATE_SUB({d}, INTERVAL DAYOFMONTH({d}) - 1 DAY)"

    def materialized_body(self, sql: str) -> str:
        # MariaDB and MySQL merge a CTE into the query that uses it (then a list of
        # numbers built from digits is recomputed for every row it is joined to), but
        # never one with a LIMIT: the largest one changes nothing else.
        return f"{sql} LIMIT 18446744073709551615"

    def ordered_join(self) -> str:
        # MariaDB would otherwise join two small lists of numbers first and compare
        # every pair of them with every stretch.
        return "STRAIGHT_JOIN"

    def lock(self, cursor: Any, name: str) -> None:
        # A named lock belongs to the session, not the transaction: unlock() releases
        # it once the transaction is over.
        cursor.execute("SELECT GET_LOCK(%s, %s)", [self.lock_name(name), self.lock_timeout])
        (acquired,) = cursor.fetchone()
        if acquired != 1:
            raise TimeoutError(
                f"another trackstats run held the lock for {name!r} longer than "
                f"{self.lock_timeout} seconds"
            )

    def unlock(self, cursor: Any, name: str) -> None:
        cursor.execute("SELECT RELEASE_LOCK(%s)", [self.lock_name(name)])
        cursor.fetchone()

    def lock_name(self, name: str) -> str:
        """The server-wide name of the lock for ``name`` on this connection's database.

        GET_LOCK names are shared by every database of the server, so the database
        name is part of it: runs on two databases of one server never wait for each
        other. Names are limited to 64 characters; the digest covers the whole database
        name and ``name``, and a readable prefix of the database name is kept for
        whoever looks at the server's locks.
        """
        database = str(self.connection.settings_dict["NAME"])
        digest = _lock_digest(f"{database}\n{name}").hex()[:_LOCK_DIGEST_LENGTH]
        readable = f"trackstats:{database}"[: _LOCK_NAME_LENGTH - len(digest) - 1]
        return f"{readable}:{digest}"


_DIALECTS: dict[str, type[Dialect]] = {
    "postgresql": PostgreSQLDialect,
    "sqlite": SQLiteDialect,
    "mysql": MySQLDialect,
}


def dialect_for(connection: BaseDatabaseWrapper) -> Dialect:
    """The dialect of ``connection``'s vendor; NotSupportedError for other vendors."""
    dialect = _DIALECTS.get(connection.vendor)
    if dialect is None:
        raise NotSupportedError(unsupported_vendor(connection.vendor))
    return dialect(connection)


def is_supported(vendor: str) -> bool:
    return vendor in _DIALECTS


def unsupported_vendor(vendor: str) -> str:
    """Why trackstats refuses a database of ``vendor``."""
    return (
        f"trackstats does not support the {vendor!r} database backend: it writes its SQL "
        "for the Django backends of PostgreSQL ('postgresql'), SQLite ('sqlite') and "
        "MariaDB/MySQL ('mysql') only"
    )


def _on_conflict_increment(
    quote: Callable[[str], str], table: str, key_columns: Sequence[str], value_column: str
) -> str:
    # PostgreSQL and SQLite share the clause. The stored row is named by its table:
    # an unqualified column next to EXCLUDED would be ambiguous to PostgreSQL.
    keys = ", ".join(quote(c) for c in key_columns)
    value = quote(value_column)
    stored = f"{quote(table)}.{value}"
    return f" ON CONFLICT ({keys}) DO UPDATE SET {value} = COALESCE({stored}, 0) + %s"


def _lock_digest(name: str) -> bytes:
    return hashlib.sha256(f"trackstats:{name}".encode()).digest()


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for ``name``."""
    return int.from_bytes(_lock_digest(name)[:8], "big", signed=True)


#: MySQL and MariaDB refuse longer GET_LOCK names.
_LOCK_NAME_LENGTH = 64
#: 128 bits of the digest: no two (database, statistics) pairs share a lock.
_LOCK_DIGEST_LENGTH = 32
