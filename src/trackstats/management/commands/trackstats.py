"""``manage.py trackstats``: run, list, export, import and verify statistics.

The work happens in trackstats.runs, trackstats.exchange and trackstats.tasks; this
module parses arguments, turns bad input into CommandError and prints.
"""

from __future__ import annotations

import argparse
import datetime
import re
import time
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, router

from trackstats import exchange, runs
from trackstats.models import Metric, StatisticByDate
from trackstats.registry import Registration, registry

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
    help = "Track, list, export, import and verify statistics. See the subcommands' --help."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand",
            title="subcommands",
            metavar="{track,list,export,import,verify}",
            required=True,
        )

        track = subcommands.add_parser(
            "track", help="Run the registered trackers and store their statistics."
        )
        _metric_option(track)
        _since_option(track, "recompute from this date (default: from the last stored date)")
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
        _database_option(verify)

        for subparser in (track, listing, export, import_, verify):
            _django_options(subparser)

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        database = options.get("database")
        if database is not None and database not in connections.settings:
            raise CommandError(
                f"unknown database {database!r}; configured: {', '.join(connections.settings)}"
            )
        handler = getattr(self, f"_handle_{options['subcommand']}")
        handler(options)

    # ------------------------------------------------------------------ track
    def _handle_track(self, options: dict[str, Any]) -> None:
        entries = self._select(options.get("metric"))
        since = _as_date(options.get("since"), "--since")
        database = options.get("database")
        if options.get("enqueue"):
            self._enqueue(entries, since, database)
            return
        dry_run = bool(options.get("dry_run"))
        run = runs.dry_run if dry_run else runs.track
        started = time.perf_counter()
        progress = _Progress(self.stdout, len(entries)) if self._is_terminal() else None
        reports = []
        for number, entry in enumerate(entries, start=1):
            if progress is not None:
                progress.show(number - 1, entry.name)
            reports.append(run(entry, since=since, using=database))
            if progress is not None:
                progress.show(number, entry.name)
        if progress is not None:
            progress.finish()
        elapsed = time.perf_counter() - started
        for report in reports:
            if self.verbosity >= 2 or (dry_run and self.verbosity >= 1):
                self.stdout.write(_report_line(report))
        written = sum(report.rows_written for report in reports)
        removed = sum(report.rows_removed for report in reports)
        if self.verbosity >= 1:
            trackers = f"{len(reports)} tracker{'s' if len(reports) != 1 else ''}"
            if dry_run:
                self.stdout.write(
                    f"Dry run of {trackers}: {written} rows would be written; "
                    f"nothing was written ({elapsed:.2f} s)."
                )
            else:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Tracked {trackers}: {written} rows written, {removed} removed "
                        f"in {elapsed:.2f} s."
                    )
                )

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
        table = [("name", "metric", "period", "aggregate", "model", "last stored")]
        for entry in entries:
            tracker = entry.tracker
            last = runs.last_stored_date(entry, using=database)
            table.append(
                (
                    entry.name,
                    entry.metric_label,
                    runs.describe_period(tracker),
                    runs.describe_aggregate(tracker),
                    tracker.statistic_model._meta.label,
                    last.isoformat() if last is not None else "never",
                )
            )
        if len(table) == 1:
            self.stdout.write("No trackers are registered.")
            return
        widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
        for number, row in enumerate(table):
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))

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
        arguments = {
            "format": fmt,
            "metrics": metrics,
            "from_date": from_date,
            "to_date": to_date,
            "using": database,
        }
        if output is None:
            exchange.export_statistics(_Unbuffered(self.stdout), **arguments)
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                count = exchange.export_statistics(stream, **arguments)
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
        database = options.get("database")
        drifting = 0
        differences = 0
        for entry in entries:
            found = runs.verify(entry, since=since, using=database)
            if found:
                drifting += 1
                differences += len(found)
                for difference in found:
                    self.stdout.write(f"{entry.name} {difference.describe()}")
            elif self.verbosity >= 2:
                self.stdout.write(f"{entry.name}: matches")
        if drifting:
            raise CommandError(
                f"{differences} stored statistic(s) of {drifting} tracker(s) differ from a "
                "recomputation; `trackstats track --since DATE` rewrites them"
            )
        if self.verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"{len(entries)} tracker(s) match the stored statistics.")
            )

    # ------------------------------------------------------------------ helpers
    def _select(self, metrics: Iterable[str] | None) -> list[Registration]:
        try:
            return registry.select(metrics or None)
        except LookupError as exc:
            raise CommandError(f"--metric: {exc.args[0]}") from exc

    def _metrics_by_label(self, labels: Iterable[str] | None, database: str) -> list | None:
        if not labels:
            return None
        metrics = []
        for label in labels:
            try:
                metrics.append(Metric.objects.db_manager(database).get_by_label(label))
            except Metric.DoesNotExist:
                raise CommandError(
                    f"--metric: unknown metric {label!r}; write it DOMAIN.REF"
                ) from None
        return metrics


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


def _since_option(parser: CommandParser, help: str) -> None:
    parser.add_argument("--since", type=parse_date, metavar="YYYY-MM-DD", help=help)


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


class _Progress:
    """A one-line progress bar for terminals, redrawn in place."""

    WIDTH = 30

    def __init__(self, stream: Any, total: int) -> None:
        self._stream = stream
        self._total = max(total, 1)

    def show(self, done: int, label: str) -> None:
        filled = self.WIDTH * done // self._total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self._stream.write(f"\r[{bar}] {done}/{self._total} {label}\x1b[K", ending="")
        self._stream.flush()

    def finish(self) -> None:
        self._stream.write("")


class _Unbuffered:
    """A file-like view of the command's stdout that adds no line endings."""

    def __init__(self, wrapper: Any) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> int:
        self._wrapper.write(text, ending="")
        return len(text)
