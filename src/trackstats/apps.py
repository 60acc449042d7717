from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackstatsConfig(AppConfig):
    name = "trackstats"
    verbose_name = _("Statistics")
    # Pinned so that a project's DEFAULT_AUTO_FIELD never asks for a migration.
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, registry

        checks.register()
        # Like admin.py: every installed app's stats.py registers its trackers.
        registry.autodiscover()
