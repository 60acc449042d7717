"""Executing a run: write the statistics of a range in one transaction, or read them.

A write is two statements inside ``transaction.atomic``: delete the stored rows of the
range, then ``INSERT ... SELECT`` the recomputed ones as an upsert. A failure anywhere
rolls both back, so earlier statistics stay as they were. Runs that write the same
statistics (same table, metric, period and fixed keys) are serialized with a lock where
the database has one: a PostgreSQL transaction-level advisory lock, a MySQL/MariaDB
named lock. The second run waits, then recomputes on top of the first one's rows; both
succeed and the values are those of the later snapshot.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connections, models, transaction

from ..statistic_schema import column_of, forward_field, statistic_key_fields
from .dialects import Dialect, dialect_for
from .sql import DAY, VALUE, Select

#: Attempts of a run that lost a deadlock, when it owns the whole transaction.
DEADLOCK_ATTEMPTS = 3


@dataclass(frozen=True)
class Target:
    """Where a run writes: a statistic model, and the key values fixed for the run."""

    model: type[models.Model]
    #: (field name, value) of key fields that are the same for every row written:
    #: metric, period and, for a tracker of one object, object type and object id.
    fixed: tuple[tuple[str, Any], ...]
    #: Statistic field names filled from the select's key columns, in order.
    keyed_fields: tuple[str, ...]

    def column(self, name: str) -> str:
        return column_of(self.model, name)

    @property
    def lock_name(self) -> str:
        fixed = ",".join(f"{name}={value}" for name, value in self.fixed)
        return f"{self.model._meta.db_table}:{fixed}"


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a run, with its parameters, as the cursor receives it."""

    sql: str
    params: tuple[Any, ...]

    def __str__(self) -> str:
        listed = "".join(f"\n--   {n}: {value!r}" for n, value in enumerate(self.params, 1))
        return f"{self.sql};\n-- params:{listed or ' none'}"


def write_statements(
    select: Select,
    target: Target,
    using: str,
    start: datetime.date,
    end: datetime.date,
    delete_until: datetime.date | None = None,
) -> list[Statement]:
    """The statements ``write()`` executes, in order, without executing anything:
    the DELETE of the stored range, then the ``INSERT ... SELECT`` that computes and
    stores the statistics (the whole computation is its SELECT).

    ``write()`` runs them in one transaction, after taking the lock that serializes
    runs of the same statistics (``Dialect.lock``); what the tracker reads to plan the
    range (stored dates, the first source date) comes before and is not listed."""
    dialect = dialect_for(connections[using])
    delete_sql, delete_params = _delete(target, dialect, start, max(end, delete_until or end))
    insert_sql, insert_params = _insert(select, target, dialect)
    return [
        Statement(delete_sql, tuple(delete_params)),
        Statement(insert_sql, tuple(insert_params)),
    ]


def write(
    select: Select,
    target: Target,
    using: str,
    start: datetime.date,
    end: datetime.date,
    before_commit: Callable[[int, int], None] | None = None,
    delete_until: datetime.date | None = None,
) -> tuple[int, int]:
    """Replace the statistics of ``target`` dated ``start..end``; return
    (rows written, rows deleted).

    ``delete_until`` (after ``end``) also removes the stored rows up to it, rows that
    the select does not compute (dates after today in a time zone the tracker left).

    ``before_commit(written, deleted)`` runs inside the transaction after the writes,
    so what it writes (the run log) commits or rolls back with them."""
    connection = connections[using]
    dialect = dialect_for(connection)
    statements = write_statements(select, target, using, start, end, delete_until)
    attempts = 1 if connection.in_atomic_block else DEADLOCK_ATTEMPTS
    for _ in range(attempts - 1):
        try:
            return _write_once(connection, dialect, target, statements, before_commit)
        except DatabaseError as error:
            if not _is_deadlock(error):
                raise
    return _write_once(connection, dialect, target, statements, before_commit)


def _write_once(
    connection: Any,
    dialect: Dialect,
    target: Target,
    statements: Sequence[Statement],
    before_commit: Callable[[int, int], None] | None,
) -> tuple[int, int]:
    delete, insert = statements
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            dialect.lock(cursor, target.lock_name)
            cursor.execute(delete.sql, delete.params)
            deleted = max(cursor.rowcount, 0)
            cursor.execute(insert.sql, insert.params)
            written = max(cursor.rowcount, 0)
            if before_commit is not None:
                before_commit(written, deleted)
        return written, deleted
    finally:
        with connection.cursor() as cursor:
            dialect.unlock(cursor, target.lock_name)


def read(select: Select, using: str, value_field: models.Field[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of ``select``: (day, key columns..., value), values as a write
    would store them in ``value_field``."""
    connection = connections[using]
    dialect = dialect_for(connection)
    q = dialect.quote
    keys = "".join(f", r.{q(k)}" for k in select.key_columns)
    value = _stored_value(dialect, value_field, f"r.{q(VALUE)}")
    sql = (
        f"{select.with_clause(dialect)} SELECT r.{q(DAY)}{keys}, {value} FROM {q(select.result)} r"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, select.params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _delete(
    target: Target, dialect: Dialect, start: datetime.date, end: datetime.date
) -> tuple[str, list[Any]]:
    q = dialect.quote
    conditions = [f"{q(target.column(name))} = %s" for name, _ in target.fixed]
    params: list[Any] = [value for _, value in target.fixed]
    date_column = q(target.column("date"))
    placeholder = dialect.date_placeholder()
    conditions.append(f"{date_column} >= {placeholder} AND {date_column} <= {placeholder}")
    params.extend([dialect.adapt_date(start), dialect.adapt_date(end)])
    table = q(target.model._meta.db_table)
    return f"DELETE FROM {table} WHERE {' AND '.join(conditions)}", params


def _insert(select: Select, target: Target, dialect: Dialect) -> tuple[str, list[Any]]:

    q = dialect.quote
    fixed_names = [name for name, _ in target.fixed]
    columns = [
        *(target.column(n) for n in fixed_names),
        target.column("date"),
        *(target.column(n) for n in target.keyed_fields),
        target.column("value"),
    ]
    keys = "".join(f", r.{q(k)}" for k in select.key_columns)
    placeholders = "".join("%s, " for _ in fixed_names)
    key_columns = [target.column(n) for n in statistic_key_fields(target.model)]
    value = _stored_value(dialect, forward_field(target.model, "value"), f"r.{q(VALUE)}")
    sql = (
        f"INSERT INTO {q(target.model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "
        f"{select.with_clause(dialect)} "
        f"SELECT {placeholders}r.{q(DAY)}{keys}, {value} FROM {q(select.result)} r "
        # SQLite needs a WHERE before an upsert clause to parse INSERT ... SELECT.
        f"WHERE 1 = 1{dialect.upsert_clause(key_columns, target.column('value'))}"
    )
    return sql, [*select.params, *(value for _, value in target.fixed)]


def _stored_value(dialect: Dialect, value_field: models.Field[Any, Any], value_sql: str) -> str:
    """The value as the statistic column keeps it, in inserts and in reads alike, so
    that ``compute()`` reports exactly what ``track()`` stores."""
    if isinstance(value_field, models.DecimalField):
        return dialect.stored_decimal(value_sql, value_field.decimal_places)
    return value_sql


def _is_deadlock(error: DatabaseError) -> bool:
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code in {"40P01", "40001"}:
        return True
    args: tuple[Any, ...] = getattr(cause, "args", ())
    # MySQL/MariaDB: 1213 deadlock, 1205 lock wait timeout, and 1467, which InnoDB
    # reports instead of either when it is the table's AUTO-INC lock, the one every
    # INSERT ... SELECT into the statistics table takes, that a run waited for.
    return bool(args) and args[0] in {1213, 1205, 1467}


def convert_value(field: models.Field[Any, Any], value: Any) -> Any:
    """A value read back from SQL as the statistic field would hold it."""
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        exponent = decimal.Decimal(1).scaleb(-field.decimal_places)
        if isinstance(value, float):
            # SQLite computes decimals as floats and stores them as they are; read them
            # back the way Django's SQLite backend does, so compute() matches storage.
            as_decimal = decimal.Context(prec=15).create_decimal_from_float(value)
            # DecimalField.context is missing from the Django 5.2 stubs.
            return as_decimal.quantize(exponent, context=field.context)  # type: ignore[attr-defined]
        # Exact decimals are rounded half away from zero by PostgreSQL and MySQL when
        # stored with fewer places.
        return decimal.Decimal(value).quantize(exponent, rounding=decimal.ROUND_HALF_UP)
    if isinstance(field, models.FloatField):
        return float(value)
    if isinstance(field, models.IntegerField):
        return int(value)
    return field.to_python(value)


def convert_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


__all__: Sequence[str] = [
    "Statement",
    "Target",
    "convert_date",
    "convert_value",
    "read",
    "write",
    "write_statements",
]
