"""System checks, with stable IDs documented in docs/settings.md."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

from .statistic_schema import statistic_key_fields


def register() -> None:
    checks.register(check_statistic_models, checks.Tags.models)
    checks.register(check_time_zones, checks.Tags.database)
    checks.register(check_database_vendors, checks.Tags.database)


def check_statistic_models(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every concrete statistic model needs a unique key over metric, period and date
    (E001) and should have the index a tracker run reads through (W002)."""
    from .models import AbstractStatistic

    errors: list[checks.CheckMessage] = []
    configs = apps.get_app_configs() if app_configs is None else app_configs
    models = [model for config in configs for model in config.get_models()]
    for model in models:
        if not issubclass(model, AbstractStatistic):
            continue
        if not has_run_index(model):
            errors.append(
                checks.Warning(
                    f"{model._meta.label} has no index starting with metric and period "
                    "that covers date: every tracker run reads its latest date and "
                    "replaces a date range of one metric and period, which then scans "
                    "the table",
                    hint="Add Meta.indexes = [models.Index(fields=['metric', 'period', "
                    "'date'], name=...)] (by object: ['metric', 'period', 'object_type', "
                    "'date']), as the built-in statistic models have.",
                    obj=model,
                    id="trackstats.W002",
                )
            )
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


def has_run_index(model: type[Model]) -> bool:
    """Does an index (or unique key) start with metric and period and cover date?"""
    opts = model._meta
    candidates = [list(index.fields) for index in opts.indexes]
    candidates += [list(fields) for fields in opts.unique_together]
    for constraint in opts.constraints:
        # Any constraint over plain fields, not only UniqueConstraint: BaseConstraint
        # itself has neither attribute.
        fields = getattr(constraint, "fields", None)
        if fields and getattr(constraint, "condition", None) is None:
            candidates.append(list(fields))
    return any(
        fields[:2] == ["metric", "period"] and "date" in fields[2:] for fields in candidates
    )


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


def check_database_vendors(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Databases that would hold trackstats' tables on a backend it does not support
    (E002).

    A database check, like W001: ``migrate`` runs it for the database it migrates, so
    the tables are refused before they exist rather than at the first run. A database
    that the routers keep trackstats' models out of is none of its business.
    """
    from django.db import connections, router

    from .engine.dialects import is_supported, unsupported_vendor
    from .models import Metric

    messages: list[checks.CheckMessage] = []
    for alias in databases or ():
        vendor = connections[alias].vendor
        if is_supported(vendor) or not router.allow_migrate_model(alias, Metric):
            continue
        messages.append(
            checks.Error(
                f"database {alias!r}: {unsupported_vendor(vendor)}",
                hint="Route trackstats' models to a supported database with a database "
                "router (allow_migrate), or use one of those backends.",
                obj=alias,
                id="trackstats.E002",
            )
        )
    return messages
