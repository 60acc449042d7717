"""Tracking as tasks of Django's Tasks framework, one task per registered tracker.

On Django 6 the framework is ``django.tasks``; on Django 5.2 it is the ``django-tasks``
backport. Either way a queue of workers on any number of machines runs the trackers in
parallel while the database does the aggregation: with django-tasks-db's
``DatabaseBackend``, enqueue here and run ``manage.py db_worker`` on each machine.
Install with ``pip install 'trackstats[tasks]'``. See docs/scheduling.md.

A task carries only the registration's name (``"shopping.orders.day"``) and plain
arguments, so it is safe to serialise; the worker finds the tracker in its own registry,
filled by autodiscovery when Django starts.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from . import runs
from .registry import registry

MISSING_FRAMEWORK = (
    "trackstats.tasks needs Django's Tasks framework: Django 6, or on Django 5.2 "
    "the django-tasks backport (pip install 'trackstats[tasks]')"
)

# Declared first, so that either framework's decorator, or None, fits the one name.
task: Callable[..., Any] | None
try:  # Django 6 and later
    # Untyped under the Django 5.2 stubs, which mypy takes for a second definition.
    from django.tasks import task  # type: ignore[no-redef]
except ImportError:
    try:  # Django 5.2 with the backport
        from django_tasks import task
    except ImportError:
        # The module still imports, so that Celery's autodiscover_tasks(), which imports
        # every app's ``tasks`` module, works without the framework; using it raises.
        task = None


def _task(function: Any) -> Any:
    if task is not None:
        return task()(function)

    def missing(*args: Any, **kwargs: Any) -> Any:
        raise ImportError(MISSING_FRAMEWORK)

    missing.__name__ = missing.__qualname__ = function.__name__
    missing.__doc__ = function.__doc__
    return missing


@_task
def track_metric(
    name: str, since: str | None = None, database: str | None = None
) -> dict[str, Any]:
    """Run the registered tracker called ``name``; return its report as JSON values.

    ``since`` is an ISO date (``"2024-01-31"``) or None for an incremental run;
    ``database`` a database alias or None for the source queryset's own.
    """
    return runs.track_by_name(name, since, database)


def enqueue_all(
    metrics: Iterable[str] | None = None,
    since: datetime.date | None = None,
    database: str | None = None,
    **task_options: Any,
) -> list[Any]:
    """Enqueue one :func:`track_metric` task per registered tracker; return the results.

    ``metrics`` selects registrations by name or metric label (all when None, as
    ``trackstats track --metric``). ``task_options`` (``queue_name``, ``priority``,
    ``backend``, ``run_after``) go to ``Task.using()``.
    """
    if since is not None and (
        isinstance(since, datetime.datetime) or not isinstance(since, datetime.date)
    ):
        raise TypeError(f"since must be a datetime.date, got {since!r}")
    if task is None:
        raise ImportError(MISSING_FRAMEWORK)
    entries = registry.select(metrics)
    configured = track_metric.using(**task_options) if task_options else track_metric
    since_text = since.isoformat() if since is not None else None
    return [configured.enqueue(entry.name, since_text, database) for entry in entries]
