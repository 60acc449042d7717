"""The run log: one :class:`~trackstats.models.TrackerRun` per ``track()``.

A tracker's statistics are the rows of its *scope*: its statistic model, metric and
period and, by object, its object type (and the object of a one-object tracker). The
scope is what a run replaces, what ``verify`` compares and what ``last_stored_date``
reads; the run log records it with every run, so that the time zone the scope's dates
were computed in is known to the next run.
"""

from __future__ import annotations

import datetime
import logging
import traceback
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connections, models, transaction

from .models import Metric, TrackerRun

logger = logging.getLogger("trackstats")


@dataclass(frozen=True)
class Scope:
    """Whose statistics a tracker writes, as rows of one database."""

    statistic_model: type[models.Model]
    metric: Metric
    period: int
    object_type: ContentType | None = None
    #: The object of a one-object tracker; None for every other tracker.
    object_id: str | None = None

    def statistic_filters(self) -> dict[str, Any]:
        filters: dict[str, Any] = {"metric": self.metric, "period": self.period}
        if self.object_type is not None:
            filters["object_type"] = self.object_type
        if self.object_id is not None:
            filters["object_id"] = self.object_id
        return filters

    def run_fields(self) -> dict[str, Any]:
        return {
            "statistic_model": self.statistic_model._meta.label,
            "metric": self.metric,
            "period": self.period,
            "object_type": self.object_type,
            "object_id": self.object_id or "",
        }

    def stored_rows(self, using: str) -> models.QuerySet[Any]:
        return self.statistic_model._default_manager.using(using).filter(
            **self.statistic_filters()
        )


def zone_name(tz: datetime.tzinfo) -> str:
    """A stable name for a time zone: the IANA key, else the fixed offset's text."""
    return getattr(tz, "key", None) or str(tz)


def previous_zone(scope: Scope, using: str) -> str | None:
    """The time zone of the latest successful run of ``scope``; None before the first."""
    return (
        TrackerRun.objects.using(using)
        .filter(**scope.run_fields(), status=TrackerRun.Status.SUCCESS)
        .order_by("-started_at", "-id")
        .values_list("time_zone", flat=True)
        .first()
    )


@dataclass(frozen=True)
class RunRecord:
    """What the log keeps of one run."""

    name: str
    started_at: datetime.datetime
    seconds: float
    time_zone: str
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    rows_written: int = 0
    rows_removed: int = 0


def log_success(record: RunRecord, scope: Scope, using: str) -> None:
    """Log a successful run; called inside the transaction of its writes."""
    _create(record, scope.run_fields(), using, TrackerRun.Status.SUCCESS, "")
    logger.info(
        "tracked %s: %s..%s in %s, %d rows written, %d removed, %.3f s",
        record.name,
        record.start_date,
        record.end_date,
        record.time_zone,
        record.rows_written,
        record.rows_removed,
        record.seconds,
    )


def log_failure(record: RunRecord, scope: Scope | None, using: str, error: BaseException) -> None:
    """Log a failed run, after its transaction was rolled back.

    Inside a transaction of the caller's the row commits or rolls back with it; in a
    transaction that is already broken it cannot be written, and only the logger hears
    of the failure.
    """
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    logger.error("tracking %s failed after %.3f s: %s", record.name, record.seconds, text)
    if connections[using].needs_rollback:
        return
    fields = scope.run_fields() if scope is not None else {}
    try:
        # A savepoint, so that a failure to log never breaks the caller's transaction.
        with transaction.atomic(using=using):
            _create(record, fields, using, TrackerRun.Status.FAILED, text)
    except DatabaseError:
        logger.exception("could not write the run log entry of %s", record.name)


def _create(
    record: RunRecord, fields: dict[str, Any], using: str, status: str, error: str
) -> None:
    TrackerRun.objects.using(using).create(
        name=record.name,
        started_at=record.started_at,
        finished_at=record.started_at + datetime.timedelta(seconds=record.seconds),
        seconds=record.seconds,
        start_date=record.start_date,
        end_date=record.end_date,
        rows_written=record.rows_written,
        rows_removed=record.rows_removed,
        time_zone=record.time_zone,
        status=status,
        error=error,
        **{"statistic_model": "", **fields},
    )


__all__ = ["RunRecord", "Scope", "log_failure", "log_success", "previous_zone", "zone_name"]
