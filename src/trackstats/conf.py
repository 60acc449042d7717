"""Typed, lazy access to trackstats settings.

Settings are read on attribute access, never at import time, so tests can override
them with ``override_settings``. Every setting is documented in docs/settings.md.
"""

from __future__ import annotations

from django.conf import settings as django_settings


class Settings:
    @property
    def TRACKSTATS_REGISTRY_MODULE(self) -> str:
        """Module name autodiscovered in every installed app for tracker registrations."""
        return getattr(django_settings, "TRACKSTATS_REGISTRY_MODULE", "stats")


settings = Settings()
