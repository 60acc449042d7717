"""The run log in the admin: a read-only list of tracker runs, and "last tracked".

The log is a record of what the trackers did, so nobody adds or edits runs there.
Deleting follows the delete permission, as anywhere in the admin: it prunes the log,
and without it deleting a metric (which cascades to its runs) would be refused to
everyone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db import connections, models, router
from django.db.models import Subquery
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ..models import TrackerRun
from ..periods import period_name
from .bases import ModelAdminBase

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec
from .filters import RunPeriodListFilter

# Inline, as the admin pages load no stylesheet of trackstats: an icon and its word, or
# a date range, broken over lines reads badly in a narrow column.
NO_WRAP = "white-space: nowrap"


def buckets_by_local_date(using: str) -> bool:
    """Whether the database can group timestamps by date in the current time zone.

    MySQL and MariaDB need their time zone tables for a zone other than the
    connection's, and those are usually not loaded: Django's date hierarchy then
    fails with "Database returned an invalid datetime value".
    """
    connection = connections[using]
    if connection.vendor != "mysql" or not settings.USE_TZ:
        return True
    if timezone.get_current_timezone_name() == connection.timezone_name:
        return True
    return bool(connection.features.has_zoneinfo_database)


class RunChangeList(ChangeList):
    """The run log's list, without the date hierarchy where the database cannot draw it."""

    def __init__(
        self,
        request: HttpRequest,
        model: type[models.Model],
        list_display: Any,
        list_display_links: Any,
        list_filter: Any,
        date_hierarchy: str | None,
        *args: Any,
    ) -> None:
        if date_hierarchy and not buckets_by_local_date(router.db_for_read(model)):
            date_hierarchy = None
        super().__init__(
            request, model, list_display, list_display_links, list_filter, date_hierarchy, *args
        )


class TrackerRunAdmin(ModelAdminBase):
    """The run log, newest first: read with the view permission, prune with the delete one."""

    list_display = [
        "name",
        "metric_label",
        "period_text",
        "status_marker",
        "started_at",
        "duration",
        "date_range",
        "rows_written",
        "rows_removed",
        "time_zone",
    ]
    list_filter = [
        "status",
        ("metric", admin.RelatedOnlyFieldListFilter),
        RunPeriodListFilter,
        "statistic_model",
    ]
    search_fields = ["name"]
    date_hierarchy = "started_at"
    ordering = ["-started_at", "-id"]
    list_select_related = ["metric__domain"]
    fieldsets = [
        (None, {"fields": ["name", "status_marker", "statistic_model", "metric", "period_text"]}),
        (_("Object"), {"fields": ["object_type", "object_id"]}),
        (_("Run"), {"fields": ["started_at", "finished_at", "duration"]}),
        (
            _("Dates and rows"),
            {"fields": ["date_range", "time_zone", "rows_written", "rows_removed"]},
        ),
    ]
    readonly_fields = ["status_marker", "period_text", "duration", "date_range", "error_text"]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return RunChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TrackerRun | None = None) -> bool:
        return False

    def get_fieldsets(self, request: HttpRequest, obj: TrackerRun | None = None) -> _FieldsetSpec:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and obj.error:
            fieldsets.append((_("Error"), {"fields": ["error_text"]}))
        return fieldsets

    @admin.display(description=_("metric"), ordering="metric__domain__ref")
    def metric_label(self, obj: TrackerRun) -> str | None:
        return obj.metric.label if obj.metric is not None else None

    @admin.display(description=_("period"), ordering="period")
    def period_text(self, obj: TrackerRun) -> str | None:
        return period_name(obj.period) if obj.period is not None else None

    @admin.display(description=_("status"), ordering="status")
    def status_marker(self, obj: TrackerRun) -> SafeString:
        if obj.status == TrackerRun.Status.FAILED:
            first_line = obj.error.strip().splitlines()[0] if obj.error.strip() else ""
            return format_html(
                '<span class="trackstats-run-failed" title="{}" style="{}">'
                '<img src="{}" alt=""> <strong>{}</strong></span>',
                first_line,
                NO_WRAP,
                static("admin/img/icon-alert.svg"),
                obj.get_status_display(),
            )
        return format_html(
            '<span class="trackstats-run-{}" style="{}"><img src="{}" alt=""> {}</span>',
            obj.status,
            NO_WRAP,
            static("admin/img/icon-yes.svg"),
            obj.get_status_display(),
        )

    @admin.display(description=_("duration"), ordering="seconds")
    def duration(self, obj: TrackerRun) -> str:
        return f"{obj.seconds:,.3f} s"

    @admin.display(description=_("dates"), ordering="start_date")
    def date_range(self, obj: TrackerRun) -> SafeString | None:
        if obj.start_date is None and obj.end_date is None:
            return None
        start = obj.start_date.isoformat() if obj.start_date else "?"
        end = obj.end_date.isoformat() if obj.end_date else "?"
        text = start if start == end else f"{start} to {end}"
        return format_html('<span style="{}">{}</span>', NO_WRAP, text)

    @admin.display(description=_("error"))
    def error_text(self, obj: TrackerRun) -> SafeString:
        # The text keeps its line breaks and indentation; long lines wrap.
        return format_html(
            '<pre class="trackstats-run-error" style="white-space: pre-wrap; '
            'overflow-wrap: anywhere; margin: 0">{}</pre>',
            obj.error,
        )


@dataclass(frozen=True)
class LastTracked:
    """When a series was last tracked, for the statistic pages."""

    #: Start of the latest successful run; None when no run succeeded.
    succeeded_at: datetime.datetime | None
    #: Start of the latest run when that run failed, else None.
    failed_at: datetime.datetime | None
    #: The run log filtered to the series, when the user may see it on this site.
    run_log_url: str | None


def last_tracked(
    request: HttpRequest,
    admin_site: admin.AdminSite,
    statistic_model: type[models.Model],
    *,
    metric_id: int,
    period: int | None = None,
    object_type_id: int | None = None,
    object_id: str | None = None,
) -> LastTracked:
    """The latest runs that wrote this series, read in one query.

    ``period`` None means any period of the metric. With an object, the runs that
    wrote it are those of its one-object tracker and those of the trackers of every
    object of its type.
    """
    # Lookups through the related id, as the list filters make them: an id too large
    # for the column then matches nothing instead of overflowing.
    scope = TrackerRun._default_manager.filter(
        statistic_model=statistic_model._meta.label, metric__id__exact=metric_id
    )
    filters = {"metric__id__exact": str(metric_id), "statistic_model": statistic_model._meta.label}
    if period is not None:
        scope = scope.filter(period=period)
        filters["period"] = str(period)
    if object_type_id is not None:
        scope = scope.filter(object_type__id__exact=object_type_id)
    if object_id is not None:
        scope = scope.filter(object_id__in=["", object_id])
    newest_first = ["-started_at", "-id"]
    succeeded = scope.filter(status=TrackerRun.Status.SUCCESS).order_by(*newest_first)
    latest = (
        scope.order_by(*newest_first)
        .annotate(succeeded_at=Subquery(succeeded.values("started_at")[:1]))
        .values_list("status", "started_at", "succeeded_at")
        .first()
    )
    run_log_url = _run_log_url(request, admin_site, filters)
    if latest is None:
        return LastTracked(None, None, run_log_url)
    status, started_at, succeeded_at = latest
    failed_at = started_at if status == TrackerRun.Status.FAILED else None
    return LastTracked(succeeded_at, failed_at, run_log_url)


def _run_log_url(
    request: HttpRequest, admin_site: admin.AdminSite, filters: dict[str, Any]
) -> str | None:
    if not admin_site.is_registered(TrackerRun):
        return None
    if not admin_site.get_model_admin(TrackerRun).has_view_permission(request):
        return None
    opts = TrackerRun._meta
    url = reverse(f"{admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(filters)}"
