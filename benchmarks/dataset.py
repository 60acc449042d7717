"""Builds the source data set in SQL, identically on every database and in both virtualenvs.

Rows are a pure function of their number and of the data set's geometry (the number of
days and the last day), so the 0.7 database holds exactly the same data as this
project's, and every database the same rows. Row ``i`` belongs to member
``h2(i) / 2**16 % MEMBERS + 1`` and falls on day ``h1(i) / 2**6 * days / 2**26`` of the
``days`` days before today, at second ``h1(i) % 86400``, where h1 and h2 are 32-bit
multiplicative hashes (their high bits spread like random ones; scaling 26 of them
rather than taking a remainder keeps every day within a row or so of the average, for
any number of days). Days run from today - days to yesterday (UTC); the "new day" that
incremental runs add is today, as dense as an average day.

Two geometries (``SPREADS``):

- ``year``: N rows over the 365 days before today, whatever N: a larger N makes every
  day denser (1M rows: about 2,740 a day).
- ``history``: the density of 100,000 rows over 365 days (about 274 rows a day) for
  every N, over as many days as N needs: a larger N makes the history longer (1M rows:
  3,650 days). At 100,000 rows both are the same data set.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.management import call_command
from django.db import connection, transaction

MEMBERS = 1000
YEAR = 365
#: The fixed density of the ``history`` spread: these many rows over YEAR days.
DENSITY_ROWS = 100_000
DAY_SECONDS = 86400
SPREADS = ("year", "history")
_HASH_DAY = 2654435761
_HASH_MEMBER = 2246822519
_MOD = 4294967296
#: h1 / 2**6 is below 2**26; times the number of days it stays far below 2**63.
_DAY_SHIFT = 64
_DAY_SCALE = 67108864


def spread_days(rows: int, spread: str) -> int:
    """How many days of history ``rows`` rows span in a spread."""
    if spread == "year":
        return YEAR
    if spread == "history":
        return max(1, round(rows * YEAR / DENSITY_ROWS))
    raise ValueError(f"spread must be one of {', '.join(SPREADS)}, not {spread!r}")


@dataclass(frozen=True)
class Geometry:
    """``rows`` source rows over the ``days`` days before ``today`` (a UTC date)."""

    rows: int
    days: int
    today: datetime.date

    @property
    def first_day(self) -> datetime.date:
        return self.today - datetime.timedelta(days=self.days)

    @property
    def new_day(self) -> datetime.date:
        """The day of data that incremental runs add: today."""
        return self.today

    @property
    def new_day_rows(self) -> int:
        return max(1, self.rows // self.days)


def utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


def _epoch(day: datetime.date) -> int:
    return int(datetime.datetime.combine(day, datetime.time(), datetime.timezone.utc).timestamp())


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


def _insert_events(geometry: Geometry, start: int, count: int, day_sql: str) -> None:
    """Insert events ``start .. start + count - 1``; ``day_sql`` gives the day offset of i
    (``{h1}`` stands for its hash)."""
    prefix, source = _series(str(count), start)
    h1 = f"((i * {_HASH_DAY}) % {_MOD})"
    h2 = f"((i * {_HASH_MEMBER}) % {_MOD})"
    seconds = f"{_epoch(geometry.first_day)} + ({day_sql.format(h1=h1)}) * {DAY_SECONDS} + "
    seconds += f"{h1} % {DAY_SECONDS}"
    sql = (
        f"{prefix}INSERT INTO benchapp_event (member_id, created) "
        f"SELECT {_div(h2, 65536)} % {MEMBERS} + 1, {_timestamp_sql(seconds)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)


def build(geometry: Geometry) -> None:
    """Create the schema and the events of ``geometry``, without the new day."""
    create_database()
    call_command("migrate", run_syncdb=True, verbosity=0)
    with transaction.atomic():
        prefix, source = _series(str(MEMBERS), 1)
        name = "CONCAT('member ', i)" if connection.vendor == "mysql" else "'member ' || i"
        with connection.cursor() as cursor:
            cursor.execute(
                f"{prefix}INSERT INTO benchapp_member (id, name) SELECT i, {name} FROM {source}"
            )
        day = _div(f"{_div('{h1}', _DAY_SHIFT)} * {geometry.days}", _DAY_SCALE)
        _insert_events(geometry, 0, geometry.rows, day)
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute("ANALYZE TABLE benchapp_member, benchapp_event")
            cursor.fetchall()
        else:
            cursor.execute("ANALYZE")


def add_new_day(geometry: Geometry) -> None:
    """Add one more day of data (today), as dense as an average day of the others."""
    _insert_events(geometry, geometry.rows, geometry.new_day_rows, str(geometry.days))


def remove_new_day(geometry: Geometry) -> None:
    from benchmarks.benchapp.models import Event

    start = datetime.datetime.combine(geometry.new_day, datetime.time(), datetime.timezone.utc)
    Event.objects.filter(created__gte=start).delete()
