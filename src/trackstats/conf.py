"""Typed, lazy access to trackstats settings: ``app_settings``.

Settings are read on attribute access, never at import time, so tests can override
them with ``override_settings``. Every setting is documented in docs/settings.md.

The facade is called ``app_settings`` so that it does not read like
``django.conf.settings``; the first release called it ``settings``, and that name
still works, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Callable
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured


class Settings:
    @property
    def TRACKSTATS_REGISTRY_MODULE(self) -> str:
        """Module name autodiscovered in every installed app for tracker registrations."""
        return getattr(django_settings, "TRACKSTATS_REGISTRY_MODULE", "stats")

    @property
    def TRACKSTATS_STATUS_WARNING_AFTER(self) -> datetime.timedelta:
        """Age of a tracker's last successful run past which ``status`` warns."""
        return _duration("TRACKSTATS_STATUS_WARNING_AFTER", datetime.timedelta(hours=26))

    @property
    def TRACKSTATS_STATUS_CRITICAL_AFTER(self) -> datetime.timedelta:
        """Age of a tracker's last successful run past which ``status`` is critical."""
        return _duration("TRACKSTATS_STATUS_CRITICAL_AFTER", datetime.timedelta(hours=50))

    @property
    def TRACKSTATS_API_PERMISSION(self) -> Callable[..., bool] | None:
        """Who may read a metric over the JSON API: a callable ``(request, metric,
        model) -> bool`` or its dotted path; None for the default rule."""
        value = getattr(django_settings, "TRACKSTATS_API_PERMISSION", None)
        if value is None or callable(value):
            return value
        if not isinstance(value, str):
            raise ImproperlyConfigured(
                "TRACKSTATS_API_PERMISSION must be a callable, its dotted path or None, "
                f"got {value!r}"
            )
        from django.utils.module_loading import import_string

        try:
            permission: Callable[..., bool] = import_string(value)
        except ImportError as exc:
            raise ImproperlyConfigured(f"TRACKSTATS_API_PERMISSION: {exc}") from exc
        return permission

    @property
    def TRACKSTATS_API_MAX_POINTS(self) -> int:
        """Most points one JSON API series may have (dates, or buckets of a calendar
        period)."""
        return _positive_int("TRACKSTATS_API_MAX_POINTS", 3660)

    @property
    def TRACKSTATS_API_MAX_OBJECTS(self) -> int:
        """Largest ``top`` a by-object JSON API request may ask for."""
        return _positive_int("TRACKSTATS_API_MAX_OBJECTS", 100)


def _duration(name: str, default: datetime.timedelta) -> datetime.timedelta:
    value = getattr(django_settings, name, default)
    if not isinstance(value, datetime.timedelta) or value <= datetime.timedelta(0):
        raise ImproperlyConfigured(f"{name} must be a positive datetime.timedelta, got {value!r}")
    return value


def _positive_int(name: str, default: int) -> int:
    value: Any = getattr(django_settings, name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {value!r}")
    return value


app_settings = Settings()


def __getattr__(name: str) -> Settings:
    # The first release documented ``from trackstats.conf import settings``; a module
    # attribute hook warns the code that still imports it, where a plain alias could not.
    if name == "settings":
        warnings.warn(
            "trackstats.conf.settings is deprecated: import trackstats.conf.app_settings",
            DeprecationWarning,
            stacklevel=2,
        )
        return app_settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
