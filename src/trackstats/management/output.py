"""The text ``manage.py trackstats`` prints: tables, numbers, ages, progress, and
what to do when its reader closes the pipe."""

from __future__ import annotations

import datetime
import decimal
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from trackstats.models import dimension_fields
from trackstats.runs import Difference, RunReport
from trackstats.status import TrackerStatus

if TYPE_CHECKING:
    from .selection import ListedTracker

#: The exit status of a command stopped by SIGPIPE (128 + 13), as a shell reports
#: ``yes | head -1``'s first command.
CLOSED_PIPE_STATUS = 141


def table_lines(rows: Sequence[Sequence[str]]) -> list[str]:
    """``rows`` (a header first) as aligned columns, with a rule under the header."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def listing_lines(listed: Sequence[ListedTracker]) -> list[str]:
    """The table of ``trackstats list``."""
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
    return table_lines(table)


def status_lines(statuses: Sequence[TrackerStatus]) -> list[str]:
    """The table of ``trackstats status``: a header, a rule, a line per status."""
    table = [("name", "metric", "period", "last success", "age", "state", "latest run")]
    for found in statuses:
        last = found.last_success
        table.append(
            (
                found.name,
                found.metric,
                found.period,
                local_text(last) if last is not None else "never",
                age_text(found.age),
                found.state,
                found.latest_status or "never ran",
            )
        )
    return table_lines(table)


def number_text(value: Any) -> str:
    """A stored or computed value as people write it: ``5``, ``12.50``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")  # keeps the column's scale, never an exponent
    return str(value)


def difference_line(
    name: str, difference: Difference, model: type[models.Model], using: str
) -> str:
    """One line of ``verify``: ``<name> <date> [<app_label.model> <object id>]: ...``."""
    date, *dimensions = difference.key
    parts = [date.isoformat() if isinstance(date, datetime.date) else str(date)]
    for field_name, value in zip(dimension_fields(model), dimensions, strict=True):
        field = model._meta.get_field(field_name)
        if field.is_relation and field.related_model is ContentType and value is not None:
            content_type = ContentType.objects.db_manager(using).get_for_id(value)
            parts.append(f"{content_type.app_label}.{content_type.model}")
        else:
            parts.append(number_text(value))
    stored = "no row" if difference.missing else number_text(difference.stored)
    return (
        f"{name} {' '.join(parts)}: stored {stored}, computed {number_text(difference.computed)}"
    )


def report_line(report: RunReport) -> str:
    """One line of ``track -v 2`` (or of a dry run) about one tracker's run."""
    if report.start_date is None:
        return f"{report.name}: no source rows, nothing to do"
    span = f"{report.start_date}..{report.end_date}"
    if report.dry_run:
        return f"{report.name}: would write {report.rows_written} rows for {span}"
    return (
        f"{report.name}: {report.rows_written} rows written, {report.rows_removed} removed "
        f"for {span} in {report.seconds:.2f} s"
    )


def count_text(done: int, total: int | None = None) -> str:
    """``4 trackers``, ``1 tracker``, or ``3 of 4 trackers``."""
    shown = total if total is not None else done
    noun = f"tracker{'s' if shown != 1 else ''}"
    return f"{done} of {total} {noun}" if total is not None else f"{done} {noun}"


def first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def hours_text(duration: datetime.timedelta) -> str:
    hours = duration.total_seconds() / 3600
    return f"{hours:g} h"


def local_text(moment: datetime.datetime) -> str:
    """A moment in the current time zone, to the second."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.isoformat(timespec="seconds")


def age_text(age: datetime.timedelta | None) -> str:
    """A rounded age such as ``2 d 3 h``, ``5 h 12 min`` or ``40 s``."""
    if age is None:
        return "-"
    seconds = max(int(age.total_seconds()), 0)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


def silence_closed_pipe(stream: Any) -> bool:
    """After the reader of ``stream`` went away (``export | head -1``): whether the
    command can now stop quietly.

    Python flushes standard output once more at exit and would print a second
    BrokenPipeError there; pointing the descriptor at the null device lets that flush
    succeed. A stream without a descriptor (a caller's own) is left alone: False.
    """
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)
    return True


def no_color_requested() -> bool:
    """Whether NO_COLOR asks for output without ANSI escapes (https://no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


class Progress:
    """A one-line progress bar for terminals, redrawn in place.

    With ``ansi`` the rest of the line is erased with an escape sequence; without, the
    line is padded with spaces to the width of the one it replaces.
    """

    WIDTH = 30

    def __init__(self, stream: Any, total: int, ansi: bool) -> None:
        self._stream = stream
        self._total = max(total, 1)
        self._ansi = ansi
        self._shown = 0

    def show(self, done: int, label: str) -> None:
        filled = self.WIDTH * done // self._total
        line = f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {done}/{self._total} {label}"
        # Without escapes, spaces cover what is left of a longer previous line.
        text = f"\r{line}\x1b[K" if self._ansi else f"\r{line.ljust(self._shown)}"
        self._shown = len(line)
        self._stream.write(text, ending="")
        self._stream.flush()

    def finish(self) -> None:
        self._stream.write("")


class Unbuffered:
    """A file-like view of the command's stdout that adds no line endings."""

    def __init__(self, wrapper: Any) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> int:
        self._wrapper.write(text, ending="")
        return len(text)
