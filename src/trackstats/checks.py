"""System checks, with stable IDs documented in docs/settings.md."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def register() -> None:
    checks.register(check_statistic_models, checks.Tags.models)


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
