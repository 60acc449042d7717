"""Builds the source data set in SQL, identically on every database and in both virtualenvs.

Rows are a pure function of their number, so the 0.7 database holds exactly the same data
as this project's database. Row ``i`` belongs to member ``h2(i) / 2**16 % MEMBERS + 1`` and
falls on day ``h1(i) / 2**16 % 365`` of the year before today at second ``h1(i) % 86400``,
where h1 and h2 are 32-bit multiplicative hashes (their high bits spread like random
ones). Days run from today - 365 to yesterday (UTC); the "new day" that incremental runs
add is today.
"""

from __future__ import annotations

import datetime

from django.core.management import call_command
from django.db import connection, transaction

MEMBERS = 1000
DAYS = 365
DAY_SECONDS = 86400
_HASH_DAY = 2654435761
_HASH_MEMBER = 2246822519
_MOD = 4294967296


def first_day() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=DAYS)


def new_day() -> datetime.date:
    """The day of data that incremental runs add: today."""
    return first_day() + datetime.timedelta(days=DAYS)


def _epoch(day: datetime.date) -> int:
    return int(datetime.datetime.combine(day, datetime.time(), datetime.timezone.utc).timestamp())


def new_day_rows(rows: int) -> int:
    return max(1, rows // DAYS)


def create_database() -> None:
    """Start from an empty database: delete the SQLite file, or drop and create it again."""
    settings_dict = connection.settings_dict
    name = settings_dict["NAME"]
    if connection.vendor == "sqlite":
        from pathlib import Path

        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if connection.vendor == "mysql":
        import MySQLdb

        maintenance = MySQLdb.connect(
            host=settings_dict["HOST"],
            port=int(settings_dict["PORT"]),
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"],
            charset="utf8mb4",
        )
        try:
            with maintenance.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
                cursor.execute(
                    f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
        finally:
            maintenance.close()
        return
    import psycopg

    with psycopg.connect(
        dbname="postgres",
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        autocommit=True,
    ) as maintenance:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.execute(f'CREATE DATABASE "{name}"')


def _series(count_sql: str, start: int) -> tuple[str, str]:
    """A CTE prefix and FROM clause yielding integers ``i`` from ``start``."""
    if connection.vendor == "postgresql":
        return "", f"generate_series({start}, {start} + ({count_sql}) - 1) AS seq(i)"
    if connection.vendor == "mysql":
        # MariaDB's SEQUENCE engine: a recursive CTE stops at max_recursive_iterations
        # (1,000 by default). The count is a literal here.
        last = start + int(count_sql) - 1
        return "", f"(SELECT seq AS i FROM seq_{start}_to_{last}) AS seq"
    prefix = (
        f"WITH RECURSIVE seq(i) AS (SELECT {start} UNION ALL SELECT i + 1 FROM seq "
        f"WHERE i < {start} + ({count_sql}) - 1) "
    )
    return prefix, "seq"


def _timestamp_sql(seconds_sql: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_timestamp({seconds_sql})"
    if connection.vendor == "mysql":
        # Django stores aware datetimes on MariaDB as naive UTC readings; adding seconds
        # to the epoch does not depend on the session's time zone as FROM_UNIXTIME does.
        return f"(TIMESTAMP '1970-01-01 00:00:00' + INTERVAL ({seconds_sql}) SECOND)"
    # Django stores aware datetimes on SQLite as UTC text in this format.
    return f"strftime('%Y-%m-%d %H:%M:%S', {seconds_sql}, 'unixepoch')"


def _div(numerator_sql: str, denominator: int) -> str:
    """Integer division: ``/`` on MariaDB yields a decimal."""
    if connection.vendor == "mysql":
        return f"({numerator_sql} DIV {denominator})"
    return f"({numerator_sql} / {denominator})"


def _insert_events(start: int, count: int, day_sql: str) -> None:
    """Insert events ``start .. start + count - 1``; ``day_sql`` gives the day offset of i."""
    prefix, source = _series(str(count), start)
    h1 = f"((i * {_HASH_DAY}) % {_MOD})"
    h2 = f"((i * {_HASH_MEMBER}) % {_MOD})"
    seconds = f"{_epoch(first_day())} + ({day_sql.format(h1=h1)}) * {DAY_SECONDS} + "
    seconds += f"{h1} % {DAY_SECONDS}"
    sql = (
        f"{prefix}INSERT INTO benchapp_event (member_id, created) "
        f"SELECT {_div(h2, 65536)} % {MEMBERS} + 1, {_timestamp_sql(seconds)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)


def build(rows: int) -> None:
    """Create the schema and ``rows`` events spread over the 365 days before today."""
    create_database()
    call_command("migrate", run_syncdb=True, verbosity=0)
    with transaction.atomic():
        prefix, source = _series(str(MEMBERS), 1)
        name = "CONCAT('member ', i)" if connection.vendor == "mysql" else "'member ' || i"
        with connection.cursor() as cursor:
            cursor.execute(
                f"{prefix}INSERT INTO benchapp_member (id, name) SELECT i, {name} FROM {source}"
            )
        _insert_events(0, rows, _div("{h1}", 65536) + " % " + str(DAYS))
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("ANALYZE TABLE benchapp_member, benchapp_event")
            cursor.fetchall()
        else:
            cursor.execute("ANALYZE")


def add_new_day(rows: int) -> None:
    """Add one more day of data (today), as dense as the other days."""
    _insert_events(rows, new_day_rows(rows), str(DAYS))


def remove_new_day() -> None:
    from benchmarks.benchapp.models import Event

    start = datetime.datetime.combine(new_day(), datetime.time(), datetime.timezone.utc)
    Event.objects.filter(created__gte=start).delete()
