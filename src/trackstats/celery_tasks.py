"""Tracking as Celery tasks, one task per registered tracker.

Install with ``pip install 'trackstats[celery]'`` and add this module to
Celery's ``imports`` (``CELERY_IMPORTS = ["trackstats.celery_tasks"]`` with the usual
``config_from_object("django.conf:settings", namespace="CELERY")``). Workers on any
number of machines then run the trackers in parallel while the database does the
aggregation. See docs/scheduling.md.

The task names are stable, so a beat schedule or another service may send them by
name:

- ``"trackstats.track_metric"``: :func:`track_metric`, one tracker.
- ``"trackstats.enqueue_all"``: :func:`enqueue_all_task`, which sends one
  ``trackstats.track_metric`` per selected tracker; what a beat entry runs.

Tasks carry only a registration's name and plain values, so they survive JSON
serialisation; each worker finds the tracker in its own registry, filled by
autodiscovery when Django starts.

This module may be imported before Django's apps are loaded (from settings, for
:func:`beat_entry`): it reaches the models only when a task runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

try:
    from celery import shared_task
except ImportError as exc:
    raise ImportError(
        "trackstats.celery_tasks needs Celery: pip install 'trackstats[celery]'"
    ) from exc

from .registry import registry

if TYPE_CHECKING:
    from celery.result import AsyncResult

TRACK_METRIC = "trackstats.track_metric"
ENQUEUE_ALL = "trackstats.enqueue_all"


@shared_task(name=TRACK_METRIC)
def track_metric(
    name: str, since: str | None = None, database: str | None = None
) -> dict[str, Any]:
    """Run the registered tracker called ``name``; return its report as JSON values.

    ``since`` is an ISO date (``"2024-01-31"``) or None for an incremental run;
    ``database`` a database alias or None for the source queryset's own. The report is
    that of ``trackstats.tasks.track_metric``: ``name``, ``start_date``, ``end_date``,
    ``rows_written``, ``rows_removed``, ``seconds`` and ``dry_run``.
    """
    # Imported here, not at the top, so that settings can import beat_entry().
    from . import runs

    return runs.track_by_name(name, since, database)


def enqueue_all(
    metrics: Iterable[str] | None = None,
    since: datetime.date | None = None,
    database: str | None = None,
    **apply_async_options: Any,
) -> list[AsyncResult[dict[str, Any]]]:
    """Send one :func:`track_metric` task per registered tracker; return the AsyncResults.

    ``metrics`` selects registrations by name or metric label (all when None, as
    ``trackstats track --metric``); a selection matching nothing raises LookupError
    before anything is sent. ``apply_async_options`` (``queue``, ``countdown``,
    ``priority``, ``expires`` ...) go to ``Task.apply_async()`` of every task.
    """
    _check_arguments(metrics, since)
    entries = registry.select(metrics)
    since_text = since.isoformat() if since is not None else None
    return [
        track_metric.apply_async((entry.name, since_text, database), **apply_async_options)
        for entry in entries
    ]


@shared_task(name=ENQUEUE_ALL)
def enqueue_all_task(
    metrics: list[str] | None = None, since: str | None = None, database: str | None = None
) -> list[str]:
    """Send one ``trackstats.track_metric`` task per selected tracker; return their ids.

    The arguments are those of :func:`enqueue_all`, with ``since`` as an ISO date. The
    tracking tasks go where Celery routes ``trackstats.track_metric`` (``task_routes``),
    so that one beat entry spreads the trackers over every worker.
    """
    since_date = datetime.date.fromisoformat(since) if since is not None else None
    return [result.id for result in enqueue_all(metrics, since_date, database)]


def beat_entry(
    schedule: Any,
    metrics: Iterable[str] | None = None,
    since: datetime.date | None = None,
    database: str | None = None,
) -> dict[str, Any]:
    """A ``beat_schedule`` entry that runs ``trackstats.enqueue_all`` on ``schedule``.

    ``schedule`` is anything beat accepts: seconds, a ``timedelta`` or a ``crontab``.
    The other arguments are those of :func:`enqueue_all`.
    """
    _check_arguments(metrics, since)
    kwargs: dict[str, Any] = {}
    if metrics is not None:
        kwargs["metrics"] = list(metrics)
    if since is not None:
        kwargs["since"] = since.isoformat()
    if database is not None:
        kwargs["database"] = database
    return {"task": ENQUEUE_ALL, "schedule": schedule, "kwargs": kwargs}


def _check_arguments(metrics: Iterable[str] | None, since: datetime.date | None) -> None:
    if isinstance(metrics, str):
        raise TypeError(f"metrics must be a list of names or labels, got {metrics!r}")
    if since is not None and (
        isinstance(since, datetime.datetime) or not isinstance(since, datetime.date)
    ):
        raise TypeError(f"since must be a datetime.date, got {since!r}")
