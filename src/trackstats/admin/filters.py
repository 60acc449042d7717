"""List filters shared by the statistic lists and the run log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..periods import period_label, period_name


class PeriodListFilter(admin.SimpleListFilter):
    """The periods stored, N-day windows included, which a choices filter would miss."""

    title = _("period")
    parameter_name = "period"

    def period_text(self, period: int) -> str:
        return period_label(period)

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        stored = (
            model_admin.model._default_manager.filter(period__isnull=False)
            .order_by("period")
            .values_list("period", flat=True)
            .distinct()
        )
        return [(str(period), self.period_text(period)) for period in stored]

    def queryset(
        self, request: HttpRequest, queryset: models.QuerySet[Any]
    ) -> models.QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if not is_number(value):
            return queryset.none()
        return queryset.filter(period=int(value))


def is_number(text: str) -> bool:
    """Whether ``text`` is a plain decimal number; ``isdigit()`` alone also takes "²"."""
    return text.isascii() and text.isdigit()


class RunPeriodListFilter(PeriodListFilter):
    """The periods of the logged runs by name (``day``, ``10_days``), as tracker names end."""

    def period_text(self, period: int) -> str:
        return period_name(period)
