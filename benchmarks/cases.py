"""What is measured: the cases, and the hand-written SQL statement that is the floor."""

from __future__ import annotations

from dataclasses import dataclass

PERIODS = {"day": 86400, "week": 7 * 86400, "month": 30 * 86400, "lifetime": 0}
TARGETS = ("date", "object")
IMPLEMENTATIONS = ("trackstats", "floor", "trackstats-0.7")
# django-trackstats 0.7.0 raises NotImplementedError for the other periods.
PERIODS_07 = ("day", "lifetime")


@dataclass(frozen=True)
class Case:
    implementation: str
    period: str
    target: str

    @property
    def label(self) -> str:
        return f"{self.period.upper()} by {self.target}"

    @property
    def metric_ref(self) -> str:
        return (
            f"{self.implementation.replace('-', '_').replace('.', '')}_{self.period}_{self.target}"
        )

    @property
    def incremental(self) -> bool:
        """Whether an incremental re-run is measured (the floor is one full statement)."""
        return self.implementation != "floor"


def floor_sql(vendor: str, period: str, target: str, tables: dict[str, str]) -> str:
    """The floor of a case: one hand-written statement doing the whole run as an upsert.

    DAY is the plain INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE of issue 4
    (ON DUPLICATE KEY UPDATE on MariaDB).
    The longer periods are the fastest single statement we know for them (see
    docs/performance.md): daily groups, a running sum over the days where the value
    changes, then one output row per date of each stretch between changes. Named
    parameters: metric, content_type (by object) and today, a day number (days since
    1970-01-01). Dates are UTC dates, the time
    zone of the benchmark settings.
    """
    if vendor == "mysql":
        return _mariadb_floor(PERIODS[period] // 86400, target, tables)
    if period == "day":
        return _day_floor(vendor, target, tables)
    return _window_floor(vendor, PERIODS[period] // 86400, target, tables)


def _insert_head(target: str, tables: dict[str, str]) -> tuple[str, str, str]:
    """INSERT INTO ... (columns), the metric/object-type placeholders, the conflict key."""
    if target == "date":
        return (
            f"INSERT INTO {tables['date']} (date, metric_id, period, value)",
            "%(metric)s",
            "date, metric_id, period",
        )
    return (
        f"INSERT INTO {tables['object']} "
        "(date, metric_id, object_type_id, object_id, period, value)",
        "%(metric)s, %(content_type)s",
        "date, metric_id, object_type_id, object_id, period",
    )


def _day_floor(vendor: str, target: str, tables: dict[str, str]) -> str:
    if vendor == "postgresql":
        day = "(e.created AT TIME ZONE 'UTC')::date"
        object_id = ", e.member_id::text"
        where = ""
    else:
        day = "date(e.created)"
        object_id = ", CAST(e.member_id AS TEXT)"
        # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT to parse it.
        where = " WHERE true"
    insert, fixed, conflict = _insert_head(target, tables)
    by_object = target == "object"
    return (
        f"{insert} SELECT {day}, {fixed}{object_id if by_object else ''}, 86400, COUNT(*) "
        f"FROM benchapp_event e{where} GROUP BY {day}{', e.member_id' if by_object else ''} "
        f"ON CONFLICT ({conflict}) DO UPDATE SET value = excluded.value"
    )


def _window_floor(vendor: str, days: int, target: str, tables: dict[str, str]) -> str:
    insert, fixed, conflict = _insert_head(target, tables)
    by_object = target == "object"
    key = ", m" if by_object else ""
    partition = "PARTITION BY m " if by_object else ""
    postgres = vendor == "postgresql"
    if postgres:
        day = "((e.created AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
        as_date = "DATE '1970-01-01' + x.d"
        object_id = ", x.m::text" if by_object else ""
    else:
        day = "CAST(strftime('%%s', e.created) AS INTEGER) / 86400"
        as_date = "date(x.d * 86400, 'unixepoch')"
        object_id = ", CAST(x.m AS TEXT)" if by_object else ""
    daily = (
        f"daily AS (SELECT {day} AS d{', e.member_id AS m' if by_object else ''}, "
        f"COUNT(*) AS c FROM benchapp_event e GROUP BY 1{', 2' if by_object else ''})"
    )
    if days:
        # A day's count enters the window on its day and leaves it `days` days later.
        changes = (
            f"changes AS (SELECT d{key}, SUM(c) AS delta, SUM(h) AS hits FROM ("
            f"SELECT d{key}, c, 1 AS h FROM daily UNION ALL "
            f"SELECT d + {days}{key}, -c, -1 FROM daily) AS moves GROUP BY d{key}), "
            f"runs AS (SELECT d{key}, SUM(delta) OVER w AS total, SUM(hits) OVER w AS hits, "
            "LEAD(d) OVER w AS next_d FROM changes "
            f"WINDOW w AS ({partition}ORDER BY d))"
        )
        live = "hits > 0"
    else:
        changes = (
            f"runs AS (SELECT d{key}, SUM(c) OVER w AS total, 1 AS hits, "
            f"LEAD(d) OVER w AS next_d FROM daily WINDOW w AS ({partition}ORDER BY d))"
        )
        live = "1 = 1"
    period = days * 86400
    # Each run of equal values lasts until the next change, or through today.
    if postgres:
        return (
            f"WITH {daily}, {changes} {insert} "
            f"SELECT {as_date}, {fixed}{object_id}, {period}, x.total FROM ("
            f"SELECT r.d + k AS d{', r.m' if by_object else ''}, r.total FROM runs r, "
            "generate_series(0, LEAST(COALESCE(r.next_d, %(today)s + 1), %(today)s + 1) "
            f"- r.d - 1) AS k WHERE {live}) AS x "
            f"ON CONFLICT ({conflict}) DO UPDATE SET value = excluded.value"
        )
    expand = (
        f"spread(d{key}, total, next_d) AS (SELECT d{key}, total, "
        "MIN(COALESCE(next_d, %(today)s + 1), %(today)s + 1) FROM runs "
        f"WHERE {live} AND d <= %(today)s UNION ALL SELECT d + 1{key}, total, next_d FROM spread "
        "WHERE d + 1 < next_d)"
    )
    return (
        f"WITH RECURSIVE {daily}, {changes}, {expand} {insert} "
        f"SELECT {as_date}, {fixed}{object_id}, {period}, x.total FROM spread x WHERE true "
        f"ON CONFLICT ({conflict}) DO UPDATE SET value = excluded.value"
    )


def _mariadb_floor(days: int, target: str, tables: dict[str, str]) -> str:
    """The floors on MariaDB, the same statements in its dialect.

    Django stores aware datetimes on MariaDB as naive UTC readings, so the UTC date of a
    row is ``DATE(created)``: no time zone conversion, as SQLite takes the date of its
    UTC text (the harness loads no time zone tables, and needs none). The longer periods
    spread each stretch of equal values over its dates by a join with a list of day
    offsets (a recursive CTE of at most 367 numbers), as PostgreSQL's floor joins
    generate_series, rather than by SQLite's recursion over the output rows, which
    MariaDB materializes level by level. MariaDB takes the CTE after INSERT's column
    list, not before INSERT.
    """
    insert, fixed, _ = _insert_head(target, tables)
    by_object = target == "object"
    upsert = "ON DUPLICATE KEY UPDATE value = VALUES(value)"
    if days == 1:
        object_id = ", CAST(e.member_id AS CHAR)" if by_object else ""
        group = "DATE(e.created), e.member_id" if by_object else "DATE(e.created)"
        return (
            f"{insert} SELECT DATE(e.created), {fixed}{object_id}, 86400, COUNT(*) "
            f"FROM benchapp_event e GROUP BY {group} {upsert}"
        )
    key = ", m" if by_object else ""
    partition = "PARTITION BY m " if by_object else ""
    daily = (
        f"daily AS (SELECT TO_DAYS(e.created) - {_TO_DAYS_EPOCH} AS d"
        f"{', e.member_id AS m' if by_object else ''}, COUNT(*) AS c "
        f"FROM benchapp_event e GROUP BY 1{', 2' if by_object else ''})"
    )
    if days:
        changes = (
            f"changes AS (SELECT d{key}, SUM(c) AS delta, SUM(h) AS hits FROM ("
            f"SELECT d{key}, c, 1 AS h FROM daily UNION ALL "
            f"SELECT d + {days}{key}, -c, -1 FROM daily) AS moves GROUP BY d{key}), "
            f"runs AS (SELECT d{key}, SUM(delta) OVER w AS total, SUM(hits) OVER w AS hits, "
            "LEAD(d) OVER w AS next_d FROM changes "
            f"WINDOW w AS ({partition}ORDER BY d))"
        )
        live = "r.hits > 0"
    else:
        changes = (
            f"runs AS (SELECT d{key}, SUM(c) OVER w AS total, 1 AS hits, "
            f"LEAD(d) OVER w AS next_d FROM daily WINDOW w AS ({partition}ORDER BY d))"
        )
        live = "1 = 1"
    # Offsets 0 .. today + 1 - the first day: the longest stretch there can be.
    offsets = (
        "offsets(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM offsets "
        "WHERE k < %(today)s - (SELECT MIN(d) FROM daily))"
    )
    object_id = ", CAST(r.m AS CHAR)" if by_object else ""
    # Each run of equal values lasts until the next change, or through today.
    return (
        f"{insert} WITH RECURSIVE {daily}, {changes}, {offsets} "
        f"SELECT FROM_DAYS(r.d + o.k + {_TO_DAYS_EPOCH}), {fixed}{object_id}, "
        f"{days * 86400}, r.total FROM runs r JOIN offsets o "
        "ON o.k < LEAST(COALESCE(r.next_d, %(today)s + 1), %(today)s + 1) - r.d "
        f"WHERE {live} {upsert}"
    )


# TO_DAYS('1970-01-01'): day numbers count from the epoch, as the other floors' do.
_TO_DAYS_EPOCH = 719528
