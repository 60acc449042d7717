"""ModelAdmins of domains, metrics and statistics; the run log's is in run_log.

Every change list selects its related rows in the page query, so its cost in
queries does not grow with the number of rows shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import (
    AbstractStatistic,
    DecimalStatisticByDate,
    DecimalStatisticByDateAndObject,
    Domain,
    Metric,
    StatisticByDate,
    StatisticByDateAndObject,
    TrackerRun,
)
from ..periods import period_label
from ..statistic_schema import dimension_fields, is_by_object
from .bases import ModelAdminBase
from .filters import PeriodListFilter, is_number
from .forms import ChartForm, ObjectChartForm
from .object_picker import ObjectAutocompleteView
from .run_log import LastTracked, TrackerRunAdmin, last_tracked
from .views import chart_view

if TYPE_CHECKING:
    from django.contrib.admin.options import _ListDisplayT


class DomainAdmin(ModelAdminBase):
    list_display = ["ref", "name"]
    search_fields = ["ref", "name"]


class MetricAdmin(ModelAdminBase):
    list_display = ["label", "name", "domain"]
    list_filter = ["domain"]
    search_fields = ["ref", "name", "description", "domain__ref", "domain__name"]
    list_select_related = ["domain"]

    @admin.display(description=_("label"), ordering="domain__ref")
    def label(self, obj: Metric) -> str:
        return obj.label


class StatisticAdmin(ModelAdminBase):
    """Change list of a statistic model, with a chart page at ``chart_url_name``.

    Works for custom statistic models too. The chart draws one row per date, so a
    model with extra dimensions (say ``country``) gets the change list only.
    """

    # Defaults to "<app_label>_<model_name>_chart" in the admin site's namespace.
    chart_url_name: str | None = None
    # Defaults to ObjectChartForm for by-object models, else ChartForm.
    chart_form_class: type[ChartForm] | None = None
    change_list_template = "trackstats/admin/statistic_change_list.html"

    list_display = ["date", "metric_label", "period_label", "value", "chart_link"]
    # Only the domains, metrics (and object types) that have statistics in this model.
    list_filter = [
        ("metric__domain", admin.RelatedOnlyFieldListFilter),
        ("metric", admin.RelatedOnlyFieldListFilter),
        PeriodListFilter,
    ]
    date_hierarchy = "date"
    search_fields = ["metric__ref", "metric__name", "metric__domain__ref", "metric__domain__name"]
    list_select_related = ["metric__domain"]
    ordering = ["-date", "metric", "period"]

    @admin.display(description=_("metric"), ordering="metric__domain__ref")
    def metric_label(self, obj: AbstractStatistic) -> str:
        return obj.metric.label

    @admin.display(description=_("period"), ordering="period")
    def period_label(self, obj: AbstractStatistic) -> str:
        return period_label(obj.period)

    def has_chart(self) -> bool:
        return set(dimension_fields(self.model)) <= {"object_type", "object_id"}

    def get_chart_url_name(self) -> str:
        opts = self.model._meta
        return self.chart_url_name or f"{opts.app_label}_{opts.model_name}_chart"

    def get_chart_form_class(self) -> type[ChartForm]:
        if self.chart_form_class is not None:
            return self.chart_form_class
        return ObjectChartForm if is_by_object(self.model) else ChartForm

    def get_list_display(self, request: HttpRequest) -> _ListDisplayT[Any]:
        shown = list(super().get_list_display(request))
        return shown if self.has_chart() else [name for name in shown if name != "chart_link"]

    @admin.display(description=_("chart"))
    def chart_link(self, obj: AbstractStatistic) -> str:
        return format_html(
            '<a href="{}">{}</a>', self.chart_url(**self.chart_params(obj)), _("chart")
        )

    def chart_params(self, obj: AbstractStatistic) -> dict[str, Any]:
        return {"metric": obj.metric_id, "period": obj.period, "to_date": obj.date.isoformat()}

    def chart_url(self, **params: Any) -> str:
        url = reverse(f"{self.admin_site.name}:{self.get_chart_url_name()}")
        return f"{url}?{urlencode(params)}" if params else url

    def get_urls(self) -> list[URLPattern]:
        if not self.has_chart():
            return super().get_urls()

        chart_name = self.get_chart_url_name()
        search_name = f"{chart_name}_objects"
        by_object = is_by_object(self.model)

        def view(request: HttpRequest) -> HttpResponse:
            search_url = reverse(f"{self.admin_site.name}:{search_name}") if by_object else None
            return chart_view(request, self, self.get_chart_form_class(), search_url)

        urls = [path("chart/", self.admin_site.admin_view(view), name=chart_name)]
        if by_object:
            search = ObjectAutocompleteView.as_view(
                admin_site=self.admin_site, statistic_admin=self
            )
            urls.append(
                path("chart/objects/", self.admin_site.admin_view(search), name=search_name)
            )
        # Before the defaults: their catch-all would read "chart" as an object id.
        return [*urls, *super().get_urls()]

    def get_last_tracked(
        self,
        request: HttpRequest,
        *,
        metric_id: int,
        period: int | None = None,
        object_type_id: int | None = None,
        object_id: str | None = None,
    ) -> LastTracked:
        """The latest runs of the trackers of one metric into this model (one query)."""
        return last_tracked(
            request,
            self.admin_site,
            self.model,
            metric_id=metric_id,
            period=period,
            object_type_id=object_type_id,
            object_id=object_id,
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        # The metric and period the list is filtered by, if any.
        params = {
            name: int(request.GET[key])
            for name, key in (("metric", "metric__id__exact"), ("period", "period"))
            if is_number(request.GET.get(key, ""))
        }
        if self.has_chart():
            context.setdefault("chart_url", self.chart_url(**params))
        # A list of several metrics has no one "last tracked" to show.
        if "metric" in params and self.has_view_or_change_permission(request):
            object_type = request.GET.get("object_type__id__exact", "")
            context.setdefault(
                "last_tracked",
                self.get_last_tracked(
                    request,
                    metric_id=params["metric"],
                    period=params.get("period"),
                    object_type_id=int(object_type)
                    if is_number(object_type) and is_by_object(self.model)
                    else None,
                ),
            )
        return super().changelist_view(request, extra_context=context)


class StatisticByDateAdmin(StatisticAdmin):
    chart_url_name = "trackstats_graph_by_date"


class StatisticByDateAndObjectAdmin(StatisticAdmin):
    chart_url_name: str | None = "trackstats_graph_by_date_and_object"

    list_display = [
        "date",
        "metric_label",
        "period_label",
        "object_link",
        "value",
        "chart_link",
    ]
    list_filter = [*StatisticAdmin.list_filter, ("object_type", admin.RelatedOnlyFieldListFilter)]
    search_fields = [*StatisticAdmin.search_fields, "object_id"]
    list_select_related = ["metric__domain", "object_type"]

    @admin.display(description=_("object"), ordering="object_id")
    def object_link(self, obj: StatisticByDateAndObject) -> str:
        # Type and id rather than str(obj.object): that would cost a query per row.
        object_type = obj.object_type
        text = f"{object_type.app_label}.{object_type.model} {obj.object_id}"
        model = object_type.model_class()
        if model is None or not self.admin_site.is_registered(model):
            return text
        try:
            url = reverse(
                f"{self.admin_site.name}:{object_type.app_label}_{object_type.model}_change",
                args=[quote(obj.object_id)],
            )
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)

    def chart_params(self, obj: AbstractStatistic) -> dict[str, Any]:
        # A by-object model's rows: the generic foreign key's two columns.
        return {
            **super().chart_params(obj),
            "object_type": getattr(obj, "object_type_id"),  # noqa: B009
            "object_id": getattr(obj, "object_id"),  # noqa: B009
        }


class DecimalStatisticByDateAndObjectAdmin(StatisticByDateAndObjectAdmin):
    # The chart URL name derived from the model, not the built-in model's.
    chart_url_name = None


admin.site.register(Domain, DomainAdmin)
admin.site.register(Metric, MetricAdmin)
admin.site.register(StatisticByDate, StatisticByDateAdmin)
admin.site.register(StatisticByDateAndObject, StatisticByDateAndObjectAdmin)
admin.site.register(DecimalStatisticByDate, StatisticAdmin)
admin.site.register(DecimalStatisticByDateAndObject, DecimalStatisticByDateAndObjectAdmin)
admin.site.register(TrackerRun, TrackerRunAdmin)
