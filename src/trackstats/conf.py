"""Typed, lazy access to trackstats settings.

Settings are read on attribute access, never at import time, so tests can override
them with ``override_settings``. Every setting is documented in docs/settings.md.
"""

from __future__ import annotations

import datetime

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


def _duration(name: str, default: datetime.timedelta) -> datetime.timedelta:
    value = getattr(django_settings, name, default)
    if not isinstance(value, datetime.timedelta) or value <= datetime.timedelta(0):
        raise ImproperlyConfigured(f"{name} must be a positive datetime.timedelta, got {value!r}")
    return value


settings = Settings()
