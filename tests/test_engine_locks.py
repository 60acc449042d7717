"""MySQL/MariaDB named locks: one per database and statistics, never server-wide.

GET_LOCK names are shared by all databases of a server, so the lock name carries the
database name: two projects (or a test database beside a production one) on one server
must not wait for each other's runs.
"""

import types

import pytest
from django.db import connection, connections

from trackstats.engine.dialects import MySQLDialect

LOCK = "trackstats_statisticbydate:metric=1,period=86400"


def dialect_on(database_name):
    fake = types.SimpleNamespace(settings_dict={"NAME": database_name})
    return MySQLDialect(fake)


def test_lock_names_differ_by_database_and_fit_in_64_characters():
    names = {
        dialect_on(database).lock_name(statistics)
        for database in ("shop", "shop_test", "x" * 64, "x" * 63 + "y")
        for statistics in (LOCK, LOCK + "x", "t:" + "m" * 500)
    }
    assert len(names) == 12
    assert all(len(name) <= 64 for name in names)
    assert dialect_on("shop").lock_name(LOCK).startswith("trackstats:shop:")
    assert dialect_on("shop").lock_name(LOCK) == dialect_on("shop").lock_name(LOCK)


@pytest.fixture
def second_database(transactional_db):
    """Another database on the server of the test database, and a way to connect."""
    other_name = f"{connection.settings_dict['NAME']}_locks"
    quoted = connection.ops.quote_name(other_name)
    opened = []

    def connect(name):
        wrapper = type(connections["default"])({**connection.settings_dict, "NAME": name})
        opened.append(wrapper)
        return wrapper

    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
        cursor.execute(f"CREATE DATABASE {quoted}")
    try:
        yield connect(connection.settings_dict["NAME"]), connect, other_name
    finally:
        for wrapper in opened:
            wrapper.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")


@pytest.mark.skipif(connection.vendor != "mysql", reason="GET_LOCK is MySQL/MariaDB's")
def test_a_lock_on_one_database_does_not_block_another(second_database):
    holder, connect, other_name = second_database
    same = connect(holder.settings_dict["NAME"])
    other = connect(other_name)
    dialects = {wrapper: MySQLDialect(wrapper) for wrapper in (holder, same, other)}
    for dialect in dialects.values():
        dialect.lock_timeout = 0  # fail at once instead of waiting an hour

    with holder.cursor() as cursor:
        dialects[holder].lock(cursor, LOCK)
    try:
        with other.cursor() as cursor:
            dialects[other].lock(cursor, LOCK)  # another database: free
            cursor.execute("SELECT IS_USED_LOCK(%s)", [dialects[other].lock_name(LOCK)])
            assert cursor.fetchone()[0] is not None
            dialects[other].unlock(cursor, LOCK)
        with same.cursor() as cursor, pytest.raises(TimeoutError, match="held the lock"):
            dialects[same].lock(cursor, LOCK)  # the same database: taken
    finally:
        with holder.cursor() as cursor:
            dialects[holder].unlock(cursor, LOCK)
    with same.cursor() as cursor:
        dialects[same].lock(cursor, LOCK)  # released: free again
        dialects[same].unlock(cursor, LOCK)
