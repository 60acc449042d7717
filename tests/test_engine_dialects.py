"""The vendor-dispatch layer: one dialect per supported database, others refused."""

import datetime
import types

import pytest
from django.db import NotSupportedError, connection
from django.db.models.constants import OnConflict
from django.test import override_settings

from trackstats.checks import check_database_vendors
from trackstats.engine.dialects import (
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


def test_other_vendors_are_refused_by_name():
    other = types.SimpleNamespace(vendor="oracle", ops=connection.ops, timezone=None)
    with pytest.raises(NotSupportedError) as refused:
        dialect_for(other)
    message = str(refused.value)
    assert "'oracle'" in message
    for supported in ("'postgresql'", "'sqlite'", "'mysql'"):
        assert supported in message


def test_the_upsert_clause_is_djangos_except_on_mysql():
    clause = dialect_for(connection).upsert_clause(["date", "metric_id"], "value")
    q = connection.ops.quote_name
    if connection.vendor == "mysql":
        # Django's clause on MySQL 8.0.19+ has a row alias, refused after a SELECT.
        assert clause == f" ON DUPLICATE KEY UPDATE {q('value')} = VALUES({q('value')})"
    else:
        expected = connection.ops.on_conflict_suffix_sql(
            [], OnConflict.UPDATE, ["value"], ["date", "metric_id"]
        )
        assert clause == f" {expected}"
        assert expected.startswith(f"ON CONFLICT({q('date')}, {q('metric_id')}) DO UPDATE")


class _NoTrackstats:
    def allow_migrate(self, db, app_label, **hints):
        return app_label != "trackstats"


def test_a_database_of_another_vendor_fails_the_system_check(monkeypatch):
    assert check_database_vendors(databases=["default"]) == []
    monkeypatch.setattr(connection, "vendor", "oracle")
    messages = check_database_vendors(databases=["default"])
    assert [(m.id, m.obj) for m in messages] == [("trackstats.E002", "default")]
    assert "'oracle'" in messages[0].msg
    assert check_database_vendors(databases=None) == []
    # Not where the routers keep trackstats' tables out.
    with override_settings(DATABASE_ROUTERS=[_NoTrackstats()]):
        assert check_database_vendors(databases=["default"]) == []


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
