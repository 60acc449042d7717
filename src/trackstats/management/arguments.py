"""The arguments of ``manage.py trackstats``: options, their types, their checks.

Values reach the command two ways: parsed by argparse from a command line, or as
Python values from ``call_command(since="2024-01-01", lookback=14)``, which skip the
argparse types. The ``as_*`` functions accept both and turn bad input into
``CommandError`` naming the option.
"""

from __future__ import annotations

import argparse
import datetime
import math
import re
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connections

from trackstats.conf import app_settings

from .output import hours_text

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str) -> datetime.date:
    """argparse type for YYYY-MM-DD dates."""
    if not _ISO_DATE.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: use YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: no such day") from None


def parse_days(text: str) -> int:
    """argparse type for --lookback: a whole number of days, 0 or more."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of days {text!r}") from None
    if days < 0:
        raise argparse.ArgumentTypeError(f"days must be 0 or more, got {text!r}")
    return days


def parse_hours(text: str) -> float:
    """argparse type for --warning and --critical: a positive number of hours."""
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of hours {text!r}") from None
    if not math.isfinite(hours) or hours <= 0:
        raise argparse.ArgumentTypeError(f"hours must be a positive number, got {text!r}")
    return hours


def as_date(value: Any, option: str) -> datetime.date | None:
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


def as_days(value: Any, option: str) -> int | None:
    if value is None:
        return None
    try:
        return parse_days(str(value))
    except argparse.ArgumentTypeError as exc:
        raise CommandError(f"{option}: {exc}") from None


def as_threshold(value: Any, option: str) -> datetime.timedelta | None:
    if value is None:
        return None
    try:
        hours = parse_hours(str(value))
    except argparse.ArgumentTypeError as exc:
        raise CommandError(f"{option}: {exc}") from None
    return datetime.timedelta(hours=hours)


def status_thresholds(
    warning: Any, critical: Any
) -> tuple[datetime.timedelta, datetime.timedelta]:
    """``status``'s (warning, critical) ages: the options, else the settings."""
    warning_after = as_threshold(warning, "--warning")
    critical_after = as_threshold(critical, "--critical")
    warning_after = warning_after or app_settings.TRACKSTATS_STATUS_WARNING_AFTER
    critical_after = critical_after or app_settings.TRACKSTATS_STATUS_CRITICAL_AFTER
    if warning_after > critical_after:
        raise CommandError(
            f"the warning threshold ({hours_text(warning_after)}) is longer than the "
            f"critical one ({hours_text(critical_after)})"
        )
    return warning_after, critical_after


def check_database(database: str | None) -> None:
    if database is not None and database not in connections.settings:
        raise CommandError(
            f"unknown database {database!r}; configured: {', '.join(connections.settings)}"
        )


def add_django_options(parser: CommandParser) -> None:
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


def add_metric_option(parser: CommandParser, registered_only: bool = True) -> None:
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


def add_json_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print a JSON array instead of a table"
    )


def add_since_option(parser: CommandParser, help: str) -> None:
    parser.add_argument("--since", type=parse_date, metavar="YYYY-MM-DD", help=help)


def add_until_option(parser: CommandParser, help: str) -> None:
    parser.add_argument("--until", type=parse_date, metavar="YYYY-MM-DD", help=help)


def add_database_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--database",
        metavar="ALIAS",
        help="database alias (default: the router's choice for the statistics)",
    )
