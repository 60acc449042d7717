"""System checks, with stable IDs documented in docs/settings.md."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def register() -> None:
    checks.register(check_statistic_models, checks.Tags.models)
    checks.register(check_time_zones, checks.Tags.database)


def check_statistic_models(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every concrete statistic model needs a unique key over metric, period and date."""
    from .models import AbstractStatistic, statistic_key_fields

    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        if not issubclass(model, AbstractStatistic):
            continue
        if app_configs is not None and model._meta.app_config not in app_configs:
            continue
        try:
            statistic_key_fields(model)
        except ImproperlyConfigured as exc:
            errors.append(
                checks.Error(
                    str(exc),
                    hint="Add Meta.constraints = [UniqueConstraint(fields=['date', 'metric', "
                    "'period', ...your dimensions], name=...)]",
                    obj=model,
                    id="trackstats.E001",
                )
            )
    return errors


def check_time_zones(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Registered trackers whose statistics were computed in another time zone.

    A database check: Django runs it only when given databases (``migrate``,
    ``check --database default``). The next run of such a tracker recomputes its whole
    range, which may be slow on a large history; the warning says so ahead of time.
    """
    from django.db import DatabaseError

    from .registry import registry
    from .runlog import previous_zone, zone_name
    from .runs import statistics_database

    if not databases:
        return []
    messages: list[checks.CheckMessage] = []
    try:
        entries = registry.all()  # names resolve metrics: the tables must exist
    except (DatabaseError, ImproperlyConfigured):
        return []  # before migrate, or duplicate names (the command reports those)
    for entry in entries:
        tracker = entry.tracker
        try:
            using = statistics_database(entry)
            if using not in databases:
                continue
            previous = previous_zone(tracker.scope(using), using)
        except (DatabaseError, ImproperlyConfigured, LookupError):
            continue  # before migrate, or a source that cannot be built yet
        zone = zone_name(tracker._zone())
        if previous is not None and previous != zone:
            messages.append(
                checks.Warning(
                    f"the statistics of tracker {entry.name!r} were computed in time zone "
                    f"{previous}, but it now runs in {zone}",
                    hint="Its next run recomputes every stored date in the new zone; "
                    "give the tracker tz= to keep the old zone.",
                    obj=entry.name,
                    id="trackstats.W001",
                )
            )
    return messages
