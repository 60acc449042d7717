"""The vendor-dispatch layer: one dialect per database, a portable fallback."""

import datetime
import types

import pytest
from django.db import connection

from trackstats.engine.dialects import (
    Dialect,
    MySQLDialect,
    PostgreSQLDialect,
    SQLiteDialect,
    dialect_for,
)


def test_the_connections_vendor_gets_its_dialect():
    expected = {
        "postgresql": PostgreSQLDialect,
        "mysql": MySQLDialect,
        "sqlite": SQLiteDialect,
    }[connection.vendor]
    assert type(dialect_for(connection)) is expected


def test_other_vendors_get_the_portable_fallback():
    other = types.SimpleNamespace(vendor="oracle", ops=connection.ops, timezone=None)
    dialect = dialect_for(other)
    assert type(dialect) is Dialect
    assert dialect.local_date("t", "s") == "CAST(t + (s) * INTERVAL '1' SECOND AS DATE)"
    assert dialect.add_days("d", "n") == "(d + (n) * INTERVAL '1' DAY)"
    # No upsert clause: a run deletes its range before inserting.
    assert dialect.upsert_clause(["date"], "value") == ""


TIMESTAMP_PLACEHOLDER = {
    "postgresql": "CAST(%s AS timestamptz)",
    "mysql": "CAST(%s AS DATETIME(6))",
    "sqlite": "%s",
}


@pytest.mark.django_db
def test_local_date_and_add_days_run_on_this_database():
    dialect = dialect_for(connection)
    date = dialect.date_placeholder()
    stamp = TIMESTAMP_PLACEHOLDER[connection.vendor]
    sql = (
        f"SELECT {dialect.add_days(date, '%s')}, {dialect.local_date('t.ts', '%s')} "
        f"FROM (SELECT {stamp} AS ts) t"
    )
    instant = datetime.datetime(2024, 3, 31, 22, 30, 59, 999999, tzinfo=datetime.timezone.utc)
    params = [
        dialect.adapt_date(datetime.date(2024, 2, 27)),
        3,
        5400,
        connection.ops.adapt_datetimefield_value(instant),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        later, local = cursor.fetchone()
    assert str(later)[:10] == "2024-03-01"  # across a leap day
    assert str(local)[:10] == "2024-04-01"  # 22:30:59.999999 UTC + 1h30
