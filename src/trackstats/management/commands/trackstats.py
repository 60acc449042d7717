"""``manage.py trackstats``: run, list, export, import and verify statistics; status.

The work happens in trackstats.runs, trackstats.status, trackstats.exchange and
trackstats.tasks. This module parses arguments and reports outcomes; the pieces in
between live next to it in trackstats.management: ``arguments`` (options and their
checks), ``selection`` (which trackers and metrics), ``batch`` (one run per tracker,
failures collected) and ``output`` (the text printed).
"""

from __future__ import annotations

import datetime
import json
import sys
import time
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import router

from trackstats import exchange, runs, status
from trackstats.models import StatisticByDate
from trackstats.registry import Registration

from .. import output
from ..arguments import (
    add_database_option,
    add_django_options,
    add_json_option,
    add_metric_option,
    add_since_option,
    add_until_option,
    as_date,
    as_days,
    check_database,
    parse_date,
    parse_days,
    parse_hours,
    status_thresholds,
)
from ..batch import Failure, run_each
from ..selection import listed_trackers, metrics_by_label, registrations

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

#: The exit status of ``status`` when it cannot tell (bad input).
STATUS_UNKNOWN = 3


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
        add_metric_option(track)
        add_since_option(track, "recompute from this date (default: from the last stored date)")
        add_until_option(track, "recompute through this date (default: today)")
        track.add_argument(
            "--lookback",
            type=parse_days,
            metavar="DAYS",
            help="also recompute this many days before the last stored date (default: "
            "the registration's lookback, else the tracker's)",
        )
        add_database_option(track)
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
        add_metric_option(listing)
        add_database_option(listing)
        add_json_option(listing)

        status_ = subcommands.add_parser(
            "status",
            help="How fresh each tracker's statistics are; exit status 0 ok, 1 warning, "
            "2 critical.",
        )
        add_metric_option(status_)
        add_database_option(status_)
        status_.add_argument(
            "--warning",
            type=parse_hours,
            metavar="HOURS",
            help="warn when the last successful run is older than this "
            "(default: the TRACKSTATS_STATUS_WARNING_AFTER setting, else 26 hours)",
        )
        status_.add_argument(
            "--critical",
            type=parse_hours,
            metavar="HOURS",
            help="critical when the last successful run is older than this, or there is "
            "none (default: the TRACKSTATS_STATUS_CRITICAL_AFTER setting, else 50 hours)",
        )
        add_json_option(status_)

        export = subcommands.add_parser(
            "export", help="Write statistics by reference (CSV, JSON or JSON lines)."
        )
        export.add_argument(
            "--format",
            choices=exchange.FORMATS,
            help="default: from the --output extension, else csv",
        )
        add_metric_option(export, registered_only=False)
        export.add_argument("--from-date", type=parse_date, metavar="YYYY-MM-DD")
        export.add_argument("--to-date", type=parse_date, metavar="YYYY-MM-DD")
        export.add_argument("--output", metavar="FILE", help="default: standard output")
        add_database_option(export)

        import_ = subcommands.add_parser(
            "import",
            help="Upsert statistics from an export; a bad row means nothing is imported.",
        )
        import_.add_argument("file", metavar="FILE")
        import_.add_argument(
            "--format", choices=exchange.FORMATS, help="default: from the file extension"
        )
        add_database_option(import_)

        verify = subcommands.add_parser(
            "verify",
            help="Recompute without writing and compare with the stored statistics.",
        )
        add_metric_option(verify)
        add_since_option(verify, "compare from this date (default: the earliest stored date)")
        add_until_option(verify, "compare through this date (default: today)")
        add_database_option(verify)

        for subparser in (track, listing, status_, export, import_, verify):
            add_django_options(subparser)

    def execute(self, *args: Any, **options: Any) -> Any:
        if output.no_color_requested() and not options.get("force_color"):
            options["no_color"] = True
        return super().execute(*args, **options)

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        self.show_tracebacks = self.verbosity >= 3 or bool(options.get("traceback"))
        self.ansi = not options.get("no_color")
        try:
            check_database(options.get("database"))
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
        entries = registrations(options.get("metric"))
        since = as_date(options.get("since"), "--since")
        database = options.get("database")
        lookback = as_days(options.get("lookback"), "--lookback")
        until = as_date(options.get("until"), "--until")
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
            output.Progress(self.stdout, len(entries), ansi=self.ansi)
            if self.verbosity >= 1 and self.stdout.isatty()
            else None
        )
        done, failures = run_each(
            entries,
            lambda entry: run(entry, since=since, using=database, until=until, lookback=lookback),
            progress,
        )
        elapsed = time.perf_counter() - started
        reports = [report for _, report in done]
        for report in reports:
            if self.verbosity >= 2 or (dry_run and self.verbosity >= 1):
                self.stdout.write(output.report_line(report))
        written = sum(report.rows_written for report in reports)
        removed = sum(report.rows_removed for report in reports)
        if self.verbosity >= 1:
            trackers = output.count_text(len(reports), len(entries) if failures else None)
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
        if failures:
            self._print_failures(failures)
            raise CommandError(f"{len(failures)} of {output.count_text(len(entries))} failed")

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

    # ------------------------------------------------------------------ list
    def _handle_list(self, options: dict[str, Any]) -> None:
        listed = listed_trackers(registrations(options.get("metric")), options.get("database"))
        if options.get("json"):
            self.stdout.write(json.dumps(listed, indent=2))
        elif not listed:
            self.stdout.write("No trackers are registered.")
        else:
            for line in output.listing_lines(listed):
                self.stdout.write(line)

    # ------------------------------------------------------------------ status
    def _handle_status(self, options: dict[str, Any]) -> None:
        entries = registrations(options.get("metric"))
        warning_after, critical_after = status_thresholds(
            options.get("warning"), options.get("critical")
        )
        statuses = [
            status.tracker_status(
                entry,
                warning_after=warning_after,
                critical_after=critical_after,
                using=options.get("database"),
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
        style = {
            status.OK: self.style.SUCCESS,
            status.WARNING: self.style.WARNING,
            status.CRITICAL: self.style.ERROR,
        }
        header, rule, *lines = output.status_lines(statuses)
        self.stdout.write(header)
        self.stdout.write(rule)
        for found, line in zip(statuses, lines, strict=True):
            self.stdout.write(style[found.state](line))
        for found in statuses:
            if found.error:
                self.stdout.write(
                    f"{found.name}: latest run failed: {output.first_line(found.error)}"
                )
        if self.verbosity >= 1:
            counts = ", ".join(
                f"{sum(found.state == state for found in statuses)} {state}"
                for state in status.STATES
            )
            self.stdout.write(
                f"{counts} (warning after {output.hours_text(warning_after)}, "
                f"critical after {output.hours_text(critical_after)})."
            )

    # ------------------------------------------------------------------ export / import
    def _handle_export(self, options: dict[str, Any]) -> None:
        path = options.get("output")
        try:
            fmt = exchange.format_for(path, options.get("format")) if path else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        fmt = fmt or options.get("format") or "csv"
        database = options.get("database") or router.db_for_write(StatisticByDate)
        metrics = metrics_by_label(options.get("metric"), database)
        from_date = as_date(options.get("from_date"), "--from-date")
        to_date = as_date(options.get("to_date"), "--to-date")
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

        if path is None:
            try:
                export(output.Unbuffered(self.stdout))
                self.stdout.flush()
            except BrokenPipeError:
                if output.silence_closed_pipe(self.stdout):
                    sys.exit(output.CLOSED_PIPE_STATUS)
                raise
            return
        try:
            with open(path, "w", encoding="utf-8", newline="") as stream:
                count = export(stream)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}") from exc
        if self.verbosity >= 1:
            self.stdout.write(f"Exported {count} statistics to {path}.")

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
        entries = registrations(options.get("metric"))
        since = as_date(options.get("since"), "--since")
        until = as_date(options.get("until"), "--until")
        database = options.get("database")

        def compare(entry: Registration) -> list[str]:
            found = runs.verify(entry, since=since, using=database, until=until)
            model = entry.tracker.statistic_model
            using = runs.statistics_database(entry, database) if found else ""
            return [output.difference_line(entry.name, one, model, using) for one in found]

        done, failures = run_each(entries, compare)
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
            problems.append(f"{len(failures)} of {output.count_text(len(entries))} failed")
        if problems:
            raise CommandError("; ".join(problems))
        if self.verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"{len(entries)} tracker(s) match the stored statistics.")
            )

    def _print_failures(self, failures: list[Failure]) -> None:
        for failure in failures:
            self.stderr.write(self.style.ERROR(f"{failure.name}: {failure.summary}"))
            if self.show_tracebacks:
                self.stderr.write(failure.traceback, ending="")
