"""``manage.py trackstats``: run, list, export, import and verify statistics; status.

The work happens in trackstats.runs, trackstats.status, trackstats.exchange and
trackstats.tasks; this module parses arguments, turns bad input into CommandError and
prints (with the helpers of ``_output``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, router, transaction
from django.utils import timezone

from trackstats import exchange, runs, status
from trackstats.conf import app_settings
from trackstats.models import Metric, StatisticByDate
from trackstats.registry import Registration, registry

from . import _output

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str) -> datetime.date:
    """argparse type for YYYY-MM-DD dates."""
    if not _ISO_DATE.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: use YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: no such day") from None


class Command(BaseCommand):
    help = (
        "Track, list, export, import and verify statistics, and report how fresh they "
        "are. See the subcommands' --help."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand",
            title="subcommands",
            metavar="{track,list,status,export,import,verify}",
            required=True,
        )

        track = subcommands.add_parser(
            "track", help="Run the registered trackers and store their statistics."
        )
        _metric_option(track)
        _since_option(track, "recompute from this date (default: from the last stored date)")
        _until_option(track, "recompute through this date (default: today)")
        track.add_argument(
            "--lookback",
            type=_days,
            metavar="DAYS",
            help="also recompute this many days before the last stored date (default: "
            "the registration's lookback, else the tracker's)",
        )
        _database_option(track)
        mode = track.add_mutually_exclusive_group()
        mode.add_argument(
            "--dry-run",
            action="store_true",
            help="compute and report what would be written, writing nothing",
        )
        mode.add_argument(
            "--enqueue",
            action="store_true",
            help="enqueue one task per tracker for the workers instead of running here",
        )

        listing = subcommands.add_parser(
            "list", help="The registered trackers and their last stored date."
        )
        _metric_option(listing)
        _database_option(listing)
        _json_option(listing)

        status_ = subcommands.add_parser(
            "status",
            help="How fresh each tracker's statistics are; exit status 0 ok, 1 warning, "
            "2 critical.",
        )
        _metric_option(status_)
        _database_option(status_)
        status_.add_argument(
            "--warning",
            type=_hours,
            metavar="HOURS",
            help="warn when the last successful run is older than this "
            "(default: the TRACKSTATS_STATUS_WARNING_AFTER setting, else 26 hours)",
        )
        status_.add_argument(
            "--critical",
            type=_hours,
            metavar="HOURS",
            help="critical when the last successful run is older than this, or there is "
            "none (default: the TRACKSTATS_STATUS_CRITICAL_AFTER setting, else 50 hours)",
        )
        _json_option(status_)

        export = subcommands.add_parser(
            "export", help="Write statistics by reference (CSV, JSON or JSON lines)."
        )
        export.add_argument(
            "--format",
            choices=exchange.FORMATS,
            help="default: from the --output extension, else csv",
        )
        _metric_option(export, registered_only=False)
        export.add_argument("--from-date", type=parse_date, metavar="YYYY-MM-DD")
        export.add_argument("--to-date", type=parse_date, metavar="YYYY-MM-DD")
        export.add_argument("--output", metavar="FILE", help="default: standard output")
        _database_option(export)

        import_ = subcommands.add_parser(
            "import",
            help="Upsert statistics from an export; a bad row means nothing is imported.",
        )
        import_.add_argument("file", metavar="FILE")
        import_.add_argument(
            "--format", choices=exchange.FORMATS, help="default: from the file extension"
        )
        _database_option(import_)

        verify = subcommands.add_parser(
            "verify",
            help="Recompute without writing and compare with the stored statistics.",
        )
        _metric_option(verify)
        _since_option(verify, "compare from this date (default: the earliest stored date)")
        _until_option(verify, "compare through this date (default: today)")
        _database_option(verify)

        for subparser in (track, listing, status_, export, import_, verify):
            _django_options(subparser)

    def execute(self, *args: Any, **options: Any) -> Any:
        if _output.no_color_requested() and not options.get("force_color"):
            options["no_color"] = True
        return super().execute(*args, **options)

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        self.show_tracebacks = self.verbosity >= 3 or bool(options.get("traceback"))
        self.ansi = not options.get("no_color")
        try:
            database = options.get("database")
            if database is not None and database not in connections.settings:
                raise CommandError(
                    f"unknown database {database!r}; configured: {', '.join(connections.settings)}"
                )
            handler = getattr(self, f"_handle_{options['subcommand']}")
            handler(options)
        except CommandError as error:
            if options["subcommand"] == "status" and error.returncode == 1:
                # 1 and 2 are states to a monitoring system: a check that cannot tell
                # is "unknown", 3, by the convention of Nagios plugins.
                error.returncode = STATUS_UNKNOWN
            raise

    # ------------------------------------------------------------------ track
    def _handle_track(self, options: dict[str, Any]) -> None:
        entries = self._select(options.get("metric"))
        since = _as_date(options.get("since"), "--since")
        database = options.get("database")
        lookback = _as_days(options.get("lookback"), "--lookback")
        until = _as_date(options.get("until"), "--until")
        if since is not None and until is not None and since > until:
            raise CommandError(f"--since {since} is after --until {until}")
        if options.get("enqueue"):
            if lookback is not None or until is not None:
                raise CommandError("--lookback and --until do not apply to --enqueue")
            self._enqueue(entries, since, database)
            return
        dry_run = bool(options.get("dry_run"))
        run = runs.dry_run if dry_run else runs.track
        started = time.perf_counter()
        progress = (
            _output.Progress(self.stdout, len(entries), ansi=self.ansi)
            if self._is_terminal()
            else None
        )
        done, failures = self._run_each(
            entries,
            lambda entry: run(entry, since=since, using=database, until=until, lookback=lookback),
            progress,
        )
        elapsed = time.perf_counter() - started
        reports = [report for _, report in done]
        for report in reports:
            if self.verbosity >= 2 or (dry_run and self.verbosity >= 1):
                self.stdout.write(_report_line(report))
        written = sum(report.rows_written for report in reports)
        removed = sum(report.rows_removed for report in reports)
        if self.verbosity >= 1:
            trackers = _count(len(reports), len(entries) if failures else None)
            if dry_run:
                self.stdout.write(
                    f"Dry run of {trackers}: {written} rows would be written; "
                    f"nothing was written ({elapsed:.2f} s)."
                )
            else:
                style = self.style.WARNING if failures else self.style.SUCCESS
                self.stdout.write(
                    style(
                        f"Tracked {trackers}: {written} rows written, {removed} removed "
                        f"in {elapsed:.2f} s."
                    )
                )
        self._fail_on(failures, len(entries))

    def _enqueue(
        self, entries: list[Registration], since: datetime.date | None, database: str | None
    ) -> None:
        try:
            from trackstats import tasks
        except ImportError as exc:
            raise CommandError(f"--enqueue: {exc}") from exc
        results = tasks.enqueue_all(
            metrics=[entry.name for entry in entries], since=since, database=database
        )
        for entry, result in zip(entries, results, strict=True):
            if self.verbosity >= 2:
                self.stdout.write(f"{entry.name}: task {result.id}")
        if self.verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"Enqueued {len(results)} tracking tasks."))

    def _is_terminal(self) -> bool:
        return self.verbosity >= 1 and self.stdout.isatty()

    # ------------------------------------------------------------------ list
    def _handle_list(self, options: dict[str, Any]) -> None:
        entries = self._select(options.get("metric"))
        database = options.get("database")
        listed: list[_ListedTracker] = []
        for entry in entries:
            tracker = entry.tracker
            last = runs.last_stored_date(entry, using=database)
            listed.append(
                {
                    "name": entry.name,
                    "metric": entry.metric_label,
                    "period": runs.describe_period(tracker),
                    "aggregate": runs.describe_aggregate(tracker),
                    "model": tracker.statistic_model._meta.label,
                    "last_stored": last.isoformat() if last is not None else None,
                }
            )
        if options.get("json"):
            self.stdout.write(json.dumps(listed, indent=2))
            return
        if not listed:
            self.stdout.write("No trackers are registered.")
            return
        table = [("name", "metric", "period", "aggregate", "model", "last stored")]
        for row in listed:
            table.append(
                (
                    row["name"],
                    row["metric"],
                    row["period"],
                    row["aggregate"],
                    row["model"],
                    row["last_stored"] or "never",
                )
            )
        for line in _output.table_lines(table):
            self.stdout.write(line)

    # ------------------------------------------------------------------ status
    def _handle_status(self, options: dict[str, Any]) -> None:
        entries = self._select(options.get("metric"))
        database = options.get("database")
        warning_after = _threshold(options.get("warning"), "--warning")
        critical_after = _threshold(options.get("critical"), "--critical")
        warning_after = warning_after or app_settings.TRACKSTATS_STATUS_WARNING_AFTER
        critical_after = critical_after or app_settings.TRACKSTATS_STATUS_CRITICAL_AFTER
        if warning_after > critical_after:
            raise CommandError(
                f"the warning threshold ({_hours_text(warning_after)}) is longer than the "
                f"critical one ({_hours_text(critical_after)})"
            )
        statuses = [
            status.tracker_status(
                entry,
                warning_after=warning_after,
                critical_after=critical_after,
                using=database,
            )
            for entry in entries
        ]
        if options.get("json"):
            self.stdout.write(json.dumps([found.as_json() for found in statuses], indent=2))
        else:
            self._print_statuses(statuses, warning_after, critical_after)
        exit_status = status.STATES.index(status.worst_state(statuses))
        if exit_status:
            self.stdout.flush()
            sys.exit(exit_status)

    def _print_statuses(
        self,
        statuses: list[status.TrackerStatus],
        warning_after: datetime.timedelta,
        critical_after: datetime.timedelta,
    ) -> None:
        if not statuses:
            self.stdout.write("No trackers are registered.")
            return
        table = [("name", "metric", "period", "last success", "age", "state", "latest run")]
        for found in statuses:
            last = found.last_success
            table.append(
                (
                    found.name,
                    found.metric,
                    found.period,
                    _local_text(last) if last is not None else "never",
                    _output.age_text(found.age),
                    found.state,
                    found.latest_status or "never ran",
                )
            )
        style = {
            status.OK: self.style.SUCCESS,
            status.WARNING: self.style.WARNING,
            status.CRITICAL: self.style.ERROR,
        }
        header, rule, *lines = _output.table_lines(table)
        self.stdout.write(header)
        self.stdout.write(rule)
        for found, line in zip(statuses, lines, strict=True):
            self.stdout.write(style[found.state](line))
        for found in statuses:
            if found.error:
                self.stdout.write(f"{found.name}: latest run failed: {_first_line(found.error)}")
        if self.verbosity >= 1:
            counts = ", ".join(
                f"{sum(found.state == state for found in statuses)} {state}"
                for state in status.STATES
            )
            self.stdout.write(
                f"{counts} (warning after {_hours_text(warning_after)}, "
                f"critical after {_hours_text(critical_after)})."
            )

    # ------------------------------------------------------------------ export / import
    def _handle_export(self, options: dict[str, Any]) -> None:
        output = options.get("output")
        try:
            fmt = exchange.format_for(output, options.get("format")) if output else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        fmt = fmt or options.get("format") or "csv"
        database = options.get("database") or router.db_for_write(StatisticByDate)
        metrics = self._metrics_by_label(options.get("metric"), database)
        from_date = _as_date(options.get("from_date"), "--from-date")
        to_date = _as_date(options.get("to_date"), "--to-date")
        if from_date and to_date and from_date > to_date:
            raise CommandError(f"--from-date {from_date} is after --to-date {to_date}")

        def export(stream: SupportsWrite[str]) -> int:
            return exchange.export_statistics(
                stream,
                format=fmt,
                metrics=metrics,
                from_date=from_date,
                to_date=to_date,
                using=database,
            )

        if output is None:
            try:
                export(_output.Unbuffered(self.stdout))
                self.stdout.flush()
            except BrokenPipeError:
                if _output.silence_closed_pipe(self.stdout):
                    sys.exit(_output.CLOSED_PIPE_STATUS)
                raise
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                count = export(stream)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        if self.verbosity >= 1:
            self.stdout.write(f"Exported {count} statistics to {output}.")

    def _handle_import(self, options: dict[str, Any]) -> None:
        path = options["file"]
        try:
            result = exchange.import_statistics(
                path, format=options.get("format"), using=options.get("database")
            )
        except exchange.ImportFailed as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        if self.verbosity >= 1:
            created = ""
            if result.created_metrics:
                created = f" (created metrics: {', '.join(result.created_metrics)})"
            self.stdout.write(
                self.style.SUCCESS(f"Imported {result.rows} statistics from {path}{created}.")
            )

    # ------------------------------------------------------------------ verify
    def _handle_verify(self, options: dict[str, Any]) -> None:
        entries = self._select(options.get("metric"))
        since = _as_date(options.get("since"), "--since")
        until = _as_date(options.get("until"), "--until")
        database = options.get("database")

        def compare(entry: Registration) -> list[str]:
            found = runs.verify(entry, since=since, using=database, until=until)
            model = entry.tracker.statistic_model
            using = runs.statistics_database(entry, database) if found else ""
            return [_output.difference_line(entry.name, one, model, using) for one in found]

        done, failures = self._run_each(entries, compare)
        drifting = [(entry, lines) for entry, lines in done if lines]
        for entry, lines in done:
            for line in lines:
                self.stdout.write(line)
            if not lines and self.verbosity >= 2:
                self.stdout.write(f"{entry.name}: matches")
        problems = []
        if drifting:
            differences = sum(len(lines) for _, lines in drifting)
            problems.append(
                f"{differences} stored statistic(s) of {len(drifting)} tracker(s) differ from "
                "a recomputation; `trackstats track --since DATE` rewrites them"
            )
        if failures:
            self._print_failures(failures)
            problems.append(f"{len(failures)} of {_count(len(entries))} failed")
        if problems:
            raise CommandError("; ".join(problems))
        if self.verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"{len(entries)} tracker(s) match the stored statistics.")
            )

    # ------------------------------------------------------------------ failures
    def _run_each(
        self,
        entries: list[Registration],
        work: Callable[[Registration], Any],
        progress: _output.Progress | None = None,
    ) -> tuple[list[tuple[Registration, Any]], list[_Failure]]:
        """``work(entry)`` for every entry, a failure of one never stopping the next."""
        done: list[tuple[Registration, Any]] = []
        failures: list[_Failure] = []
        for number, entry in enumerate(entries, start=1):
            if progress is not None:
                progress.show(number - 1, entry.name)
            try:
                with _rolled_back_on_failure():
                    done.append((entry, work(entry)))
            except Exception as error:
                failures.append(_Failure(entry.name, error, traceback.format_exc()))
            if progress is not None:
                progress.show(number, entry.name)
        if progress is not None:
            progress.finish()
        return done, failures

    def _print_failures(self, failures: list[_Failure]) -> None:
        for failure in failures:
            self.stderr.write(self.style.ERROR(f"{failure.name}: {failure.summary}"))
            if self.show_tracebacks:
                self.stderr.write(failure.traceback, ending="")

    def _fail_on(self, failures: list[_Failure], total: int) -> None:
        if failures:
            self._print_failures(failures)
            raise CommandError(f"{len(failures)} of {_count(total)} failed")

    # ------------------------------------------------------------------ helpers
    def _select(self, metrics: Iterable[str] | None) -> list[Registration]:
        try:
            return registry.select(metrics or None)
        except LookupError as exc:
            raise CommandError(f"--metric: {exc.args[0]}") from exc

    def _metrics_by_label(
        self, labels: Iterable[str] | None, database: str
    ) -> list[Metric] | None:
        if not labels:
            return None
        metrics = []
        for label in labels:
            try:
                metrics.append(Metric.objects.db_manager(database).get_by_label(label))
            except Metric.DoesNotExist:
                if "." not in label:
                    raise CommandError(
                        f"--metric: unknown metric {label!r}; write it DOMAIN.REF"
                    ) from None
                raise CommandError(
                    f"--metric: no metric {label} in database {database!r}; "
                    f"known: {_known_metrics(database)}"
                ) from None
        return metrics


#: The exit status of ``status`` when it cannot tell (bad input).
STATUS_UNKNOWN = 3
#: Metric labels listed when ``export --metric`` names an unknown one.
KNOWN_METRICS_SHOWN = 20


class _ListedTracker(TypedDict):
    """One tracker of ``trackstats list``; also its ``--json`` output."""

    name: str
    metric: str
    period: str
    aggregate: str
    model: str
    last_stored: str | None


@dataclass(frozen=True)
class _Failure:
    """A tracker whose run (or dry run, or verification) raised."""

    name: str
    error: BaseException
    traceback: str

    @property
    def summary(self) -> str:
        text = "".join(traceback.format_exception_only(type(self.error), self.error))
        return _first_line(text)


@contextlib.contextmanager
def _rolled_back_on_failure() -> Iterator[None]:
    """Undo a failed run inside a transaction of the caller's, and only that run.

    A run owns its transactions when the command runs on its own (autocommit), and a
    failure leaves nothing behind. Inside a caller's transaction (``call_command()``
    within ``atomic()``), a failed statement would leave it aborted on PostgreSQL and
    every later tracker would fail with it: a savepoint per run rolls back just the
    failed one. Only connections already in a transaction need one.
    """
    with contextlib.ExitStack() as savepoints:
        for connection in connections.all(initialized_only=True):
            if connection.in_atomic_block:
                savepoints.enter_context(transaction.atomic(using=connection.alias))
        yield


def _count(done: int, total: int | None = None) -> str:
    """``4 trackers``, ``1 tracker``, or ``3 of 4 trackers``."""
    shown = total if total is not None else done
    noun = f"tracker{'s' if shown != 1 else ''}"
    return f"{done} of {total} {noun}" if total is not None else f"{done} {noun}"


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def _known_metrics(database: str) -> str:
    labels = [metric.label for metric in Metric.objects.using(database).select_related("domain")]
    if not labels:
        return "none"
    shown = ", ".join(labels[:KNOWN_METRICS_SHOWN])
    more = len(labels) - KNOWN_METRICS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _days(text: str) -> int:
    """argparse type for --lookback: a whole number of days, 0 or more."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of days {text!r}") from None
    if days < 0:
        raise argparse.ArgumentTypeError(f"days must be 0 or more, got {text!r}")
    return days


def _as_days(value: Any, option: str) -> int | None:
    # call_command(lookback=14) passes the number without argparse's conversion.
    if value is None:
        return None
    try:
        return _days(str(value))
    except argparse.ArgumentTypeError as exc:
        raise CommandError(f"{option}: {exc}") from None


def _hours(text: str) -> float:
    """argparse type for --warning and --critical: a positive number of hours."""
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of hours {text!r}") from None
    if not math.isfinite(hours) or hours <= 0:
        raise argparse.ArgumentTypeError(f"hours must be a positive number, got {text!r}")
    return hours


def _threshold(value: Any, option: str) -> datetime.timedelta | None:
    # call_command(warning=2) passes the number without argparse's conversion.
    if value is None:
        return None
    try:
        hours = _hours(str(value))
    except argparse.ArgumentTypeError as exc:
        raise CommandError(f"{option}: {exc}") from None
    return datetime.timedelta(hours=hours)


def _hours_text(duration: datetime.timedelta) -> str:
    hours = duration.total_seconds() / 3600
    return f"{hours:g} h"


def _local_text(moment: datetime.datetime) -> str:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.isoformat(timespec="seconds")


def _django_options(parser: CommandParser) -> None:
    """Django's common options, also accepted after the subcommand.

    ``manage.py trackstats track -v 2`` must work like ``manage.py trackstats -v 2
    track``. SUPPRESS as default keeps the value given before the subcommand (or the
    command's default) when the option is not repeated after it.
    """
    parser.add_argument(
        "-v",
        "--verbosity",
        type=int,
        choices=[0, 1, 2, 3],
        default=argparse.SUPPRESS,
        help="0=minimal output, 1=normal output, 2=one line per tracker, 3=very verbose",
    )
    for flag in ("--settings", "--pythonpath"):
        parser.add_argument(flag, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    for flag in ("--traceback", "--no-color", "--force-color", "--skip-checks"):
        parser.add_argument(
            flag, action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )


def _metric_option(parser: CommandParser, registered_only: bool = True) -> None:
    what = "registered trackers of" if registered_only else "statistics of"
    parser.add_argument(
        "--metric",
        action="extend",
        nargs="+",
        metavar="DOMAIN.REF",
        help=f"only the {what} these metrics (a tracker name DOMAIN.REF.PERIOD also works)"
        if registered_only
        else f"only the {what} these metrics",
    )


def _json_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print a JSON array instead of a table"
    )


def _since_option(parser: CommandParser, help: str) -> None:
    parser.add_argument("--since", type=parse_date, metavar="YYYY-MM-DD", help=help)


def _until_option(parser: CommandParser, help: str) -> None:
    parser.add_argument("--until", type=parse_date, metavar="YYYY-MM-DD", help=help)


def _database_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--database",
        metavar="ALIAS",
        help="database alias (default: the router's choice for the statistics)",
    )


def _as_date(value: Any, option: str) -> datetime.date | None:
    # call_command(since="2024-01-01") passes the text without argparse's conversion.
    if value is None:
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except argparse.ArgumentTypeError as exc:
            raise CommandError(f"{option}: {exc}") from None
    raise CommandError(f"{option}: expected a date, got {value!r}")


def _report_line(report: runs.RunReport) -> str:
    if report.start_date is None:
        return f"{report.name}: no source rows, nothing to do"
    span = f"{report.start_date}..{report.end_date}"
    if report.dry_run:
        return f"{report.name}: would write {report.rows_written} rows for {span}"
    return (
        f"{report.name}: {report.rows_written} rows written, {report.rows_removed} removed "
        f"for {span} in {report.seconds:.2f} s"
    )
