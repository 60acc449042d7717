"""One benchmark process: builds the data set, or times one case and reports JSON lines.

Run by benchmarks.run, once per case, in this project's virtualenv or in the
django-trackstats 0.7 one (DJANGO_SETTINGS_MODULE tells which). Each timed run resets the
peak RSS first, so the reported peak is the tracking run's own. Every result line starts
with ``BENCH `` so that other output cannot be mistaken for one.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import django

from benchmarks import dataset

RESULT_PREFIX = "BENCH "


def emit(**data: object) -> None:
    sys.stdout.write(RESULT_PREFIX + json.dumps(data) + "\n")
    sys.stdout.flush()


class Watchdog:
    """Ends the process when one timed run exceeds the time limit.

    It cancels the running PostgreSQL or MariaDB statement first, so that the server does
    not go on working (and holding locks) for a client that is gone.
    """

    def __init__(self, seconds: float, phase: str) -> None:
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._phase = phase
        self._seconds = seconds

    def _expire(self) -> None:
        from django.db import connection

        emit(phase=self._phase, timeout=self._seconds)
        raw = connection.connection
        if connection.vendor == "postgresql" and raw is not None:
            cancel = getattr(raw, "cancel_safe", None) or raw.cancel
            cancel()
        elif connection.vendor == "mysql" and raw is not None:
            # MariaDB only notices a closed client when it sends a result: end the
            # statement from a second connection.
            killer = connection.get_new_connection(connection.get_connection_params())
            try:
                killer.cursor().execute(f"KILL QUERY {int(raw.thread_id())}")
            finally:
                killer.close()
        os._exit(3)

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()


class QueryTrace:
    """Records the SQL of one run with the time of each statement (--trace)."""

    LIMIT = 200

    def __init__(self) -> None:
        self.statements: list[tuple[float, str, object]] = []
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            if len(self.statements) < self.LIMIT:
                self.statements.append((time.perf_counter() - start, sql, params))

    def write(self, path: str) -> None:
        with open(path, "w") as out:
            out.write(f"-- {self.count} statements\n")
            for seconds, sql, params in self.statements:
                out.write(f"-- {seconds:.4f} s; params: {params!r}\n{sql};\n\n")


def timed_run(
    phase: str, run: Callable[[], None], timeout: float, trace_path: str | None
) -> dict[str, float]:
    from django.db import connection

    from benchmarks import memory

    peak_was_reset = memory.reset_peak()
    base = memory.current_kib()
    trace = QueryTrace() if trace_path else None
    with Watchdog(timeout, phase):
        start = time.perf_counter()
        if trace is not None:
            with connection.execute_wrapper(trace):
                run()
        else:
            run()
        seconds = time.perf_counter() - start
    if trace is not None and trace_path:
        trace.write(trace_path)
    return {
        "seconds": seconds,
        "base_kib": base,
        "peak_kib": memory.peak_kib(),
        "peak_is_run": peak_was_reset,
    }


def vacuum_statistics(tables: list[str], empty: bool = False) -> None:
    """VACUUM ANALYZE the statistics tables on PostgreSQL, so that every run starts alike.

    Each case deletes what it stored; without this the dead rows of earlier cases pile up
    and slow the run's latest-date lookup. VACUUM cannot run inside a transaction: Django's
    connection is in autocommit mode outside ``atomic()``, which is all it needs.

    On MariaDB, ``empty`` (before a first run, when the tables hold no rows) rebuilds
    the tables with OPTIMIZE TABLE: InnoDB keeps the pages of deleted rows, and a run that
    follows the deletion of a larger case's 300k rows wrote 3 to 4 times slower than on
    new tables (0.54 to 0.65 s against 0.14 s, DAY by object at 20k rows). Otherwise
    ANALYZE TABLE, as PostgreSQL's ANALYZE, refreshes the planner's statistics.
    """
    from django.db import connection

    if connection.vendor not in ("postgresql", "mysql"):
        return
    with connection.cursor() as cursor:
        for table in tables:
            name = connection.ops.quote_name(table)
            if connection.vendor == "mysql":
                cursor.execute(f"{'OPTIMIZE' if empty else 'ANALYZE'} TABLE {name}")
                cursor.fetchall()
            else:
                cursor.execute(f"VACUUM ANALYZE {name}")


def empty_statistics(tables: list[str]) -> None:
    """Remove every statistic once a case is done (it has the database to itself).

    A whole-table statement: on a 3,650-day history a case leaves millions of rows by
    object, which a DELETE by metric takes tens of seconds to remove on PostgreSQL and
    MariaDB, and TRUNCATE (SQLite: DELETE without WHERE) a moment.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        names = [connection.ops.quote_name(table) for table in tables]
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(names)}")
        else:
            for name in names:
                cursor.execute(
                    f"TRUNCATE TABLE {name}"
                    if connection.vendor == "mysql"
                    else f"DELETE FROM {name}"
                )


def run_case(args: argparse.Namespace) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.models import Exists, OuterRef, QuerySet, Sum

    from benchmarks.benchapp.models import Event, Member
    from benchmarks.cases import PERIODS, Case, floor_sql
    from trackstats.models import Domain, Metric, StatisticByDate, StatisticByDateAndObject

    case = Case(args.implementation, args.period, args.target)
    domain, _ = Domain.objects.get_or_create(ref="bench", defaults={"name": "Benchmark"})
    metric, _ = Metric.objects.get_or_create(domain=domain, ref=case.metric_ref)
    by_object = case.target == "object"
    statistic_model = StatisticByDateAndObject if by_object else StatisticByDate
    stored = statistic_model.objects.filter(metric=metric)
    period = PERIODS[case.period]

    tables = {
        "date": StatisticByDate._meta.db_table,
        "object": StatisticByDateAndObject._meta.db_table,
    }
    content_type = ContentType.objects.get_for_model(Member).pk
    geometry = _geometry(args)
    today_number = (geometry.new_day - datetime.date(1970, 1, 1)).days

    def floor_run(into: Metric) -> Callable[[], None]:
        sql = floor_sql(connection.vendor, case.period, case.target, tables)
        params = {"metric": into.pk, "content_type": content_type, "today": today_number}

        def run() -> None:
            from django.db import transaction

            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "mysql":
                    # The floor's recursive list of day offsets is as long as the
                    # history, which may pass MariaDB's default cap of 1,000 recursions
                    # (the recursion then stops early, without an error).
                    cursor.execute("SET SESSION max_recursive_iterations = 1000000")
                cursor.execute(sql, params)

        return run

    if case.implementation == "floor":
        run = floor_run(metric)

    else:
        from trackstats import trackers

        # LIFETIME re-runs continue from the stored values (the tracker option that
        # keeps a daily run's cost independent of the history; docs/performance.md).
        continued = {"lifetime_from_stored": True} if period == 0 else {}
        if by_object:
            tracker = trackers.CountObjectsByDateAndObjectTracker(
                period=period,
                metric=metric,
                date_field="created",
                object_model=Member,
                object_field="member",
                **continued,
            )
        else:
            tracker = trackers.CountObjectsByDateTracker(
                period=period, metric=metric, date_field="created", **continued
            )

        def run() -> None:
            tracker.track(Event.objects.all())

    def report(phase: str, repeat: int, result: dict[str, float]) -> None:
        totals = stored.aggregate(total=Sum("value"))
        emit(
            phase=phase,
            repeat=repeat,
            rows=stored.count(),
            value_sum=totals["total"],
            **result,
        )

    check_metric, _ = Metric.objects.get_or_create(
        domain=domain, ref=f"check_floor_{case.period}_{case.target}"
    )
    check_rows = statistic_model.objects.filter(metric=check_metric)
    keys = ["date", "period", "value"] + (["object_type_id", "object_id"] if by_object else [])

    def check(phase: str) -> None:
        """Compare what the tracker stored with what the floor stores on the same data.

        The floor writes into a metric of its own; both sets are keyed by date (and
        object) with one period, so they are equal when no row of either lacks an
        identical row (key, period and value) in the other.
        """
        check_rows.delete()
        floor_run(check_metric)()

        def unmatched(rows: QuerySet, others: QuerySet) -> int:
            same = others.filter(**{key: OuterRef(key) for key in keys})
            return rows.filter(~Exists(same)).count()

        emit(
            phase="check",
            of=phase,
            floor_rows=check_rows.count(),
            rows=stored.count(),
            missing=unmatched(check_rows, stored),
            extra=unmatched(stored, check_rows),
        )
        check_rows.delete()

    def trace_path(phase: str, repeat: int) -> str | None:
        if not args.trace or repeat:
            return None
        return os.path.join(args.trace, f"{phase}.sql")

    statistic_tables = [StatisticByDate._meta.db_table, StatisticByDateAndObject._meta.db_table]
    phases = args.phases.split(",")
    dataset.remove_new_day(geometry)
    stored.delete()
    spent = 0.0
    for repeat in range(args.repeat if "first" in phases else 0):
        # Slow cases stop repeating once a phase has used up the time limit.
        if spent > args.timeout:
            break
        stored.delete()
        vacuum_statistics(statistic_tables, empty=True)
        result = timed_run("first", run, args.timeout, trace_path("first", repeat))
        spent += result["seconds"]
        report("first", repeat, result)

    if case.incremental and "incremental" in phases:
        # Without timed first runs (another data set had them), the first catch-up
        # run below is the full run that the re-runs start from.
        today = geometry.new_day
        spent = 0.0
        for repeat in range(args.rerun_repeat or args.repeat):
            if spent > args.timeout:
                break
            # Back to the state right after a full run on the data without the new day:
            # drop the new day and what was stored for it, and let the tracker catch up.
            dataset.remove_new_day(geometry)
            stored.filter(date__gte=today).delete()
            run()
            dataset.add_new_day(geometry)
            vacuum_statistics(statistic_tables)
            result = timed_run("incremental", run, args.timeout, trace_path("incremental", repeat))
            spent += result["seconds"]
            report("incremental", repeat, result)

    if args.check and case.implementation == "trackstats":
        # After every timed run, so that the floor's rows and their deletion do not
        # weigh on them: the incremental state first (the new day is still there),
        # then the full run's again.
        if case.incremental and "incremental" in phases:
            check("incremental")
        if "first" in phases:
            dataset.remove_new_day(geometry)
            stored.delete()
            run()
            check("first")

    dataset.remove_new_day(geometry)
    empty_statistics(statistic_tables)


def _server_version() -> str:
    """The database server's version (empty for SQLite, which the header names)."""
    from django.db import connection

    if connection.vendor == "mysql":
        return connection.mysql_server_info
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    return ""


def _geometry(args: argparse.Namespace) -> dataset.Geometry:
    return dataset.Geometry(
        rows=args.rows, days=args.days, today=datetime.date.fromisoformat(args.today)
    )


@contextmanager
def _fixed_today(today: datetime.date) -> Iterator[None]:
    """Fix trackstats' clock at noon (UTC) of the data set's today.

    The harness picks "today" once for the whole run, so that a run that passes
    midnight neither loses the new day nor tracks a day more than its floor. The
    django-trackstats 0.7 virtualenv has no ``trackstats.clock``: it reads the real
    date, the same one except right around midnight.
    """
    try:
        from trackstats import clock
    except ImportError:
        yield
        return
    noon = datetime.datetime.combine(today, datetime.time(12), datetime.timezone.utc)
    with clock.fixed(noon):
        yield


def _add_geometry_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument(
        "--days", type=int, default=dataset.YEAR, help="days of history the rows span"
    )
    parser.add_argument(
        "--today",
        default=str(dataset.utc_today()),
        help="the data set's today (UTC, YYYY-MM-DD): the new day, and the trackers' today",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="create the database and the source data")
    _add_geometry_arguments(build)
    case = sub.add_parser("case", help="time one case")
    case.add_argument("--implementation", required=True)
    case.add_argument("--period", required=True)
    case.add_argument("--target", required=True)
    _add_geometry_arguments(case)
    case.add_argument(
        "--phases",
        default="first,incremental",
        help="which runs to time: first, incremental or both (comma-separated)",
    )
    case.add_argument("--repeat", type=int, default=3)
    case.add_argument("--rerun-repeat", type=int, help="re-runs to time (default: --repeat)")
    case.add_argument("--timeout", type=float, default=60.0)
    case.add_argument("--trace", help="folder to write the SQL of the first timed runs to")
    case.add_argument(
        "--check",
        action="store_true",
        help="after the timed runs of a tracker, compare its rows with the floor's",
    )
    args = parser.parse_args(argv)

    django.setup()
    if args.command == "build":
        start = time.perf_counter()
        dataset.build(_geometry(args))
        emit(
            phase="build",
            seconds=time.perf_counter() - start,
            day=args.today,
            server=_server_version(),
        )
    else:
        with _fixed_today(_geometry(args).today):
            run_case(args)


if __name__ == "__main__":
    main()
