"""What a ``manage.py trackstats`` call is about: registered trackers, metrics, and
the rows of ``trackstats list``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from django.core.management.base import CommandError

from trackstats import runs
from trackstats.models import Metric
from trackstats.registry import Registration, registry

#: Metric labels listed when ``export --metric`` names an unknown one.
KNOWN_METRICS_SHOWN = 20


def registrations(metrics: Iterable[str] | None) -> list[Registration]:
    """The registered trackers of ``--metric`` (every one without it)."""
    try:
        return registry.select(metrics or None)
    except LookupError as exc:
        raise CommandError(f"--metric: {exc.args[0]}") from exc


def metrics_by_label(labels: Iterable[str] | None, database: str) -> list[Metric] | None:
    """The metrics ``export --metric`` names, stored or not; None without the option."""
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


def _known_metrics(database: str) -> str:
    labels = [metric.label for metric in Metric.objects.using(database).select_related("domain")]
    if not labels:
        return "none"
    shown = ", ".join(labels[:KNOWN_METRICS_SHOWN])
    more = len(labels) - KNOWN_METRICS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


class ListedTracker(TypedDict):
    """One tracker of ``trackstats list``; also its ``--json`` output."""

    name: str
    metric: str
    period: str
    aggregate: str
    model: str
    last_stored: str | None


def listed_trackers(entries: list[Registration], database: str | None) -> list[ListedTracker]:
    listed: list[ListedTracker] = []
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
    return listed
