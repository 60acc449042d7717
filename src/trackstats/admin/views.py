"""The chart pages: a form over the query string, an inline SVG and a CSV download."""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ..charts import ChartPoint, render_chart
from ..charts.points import format_value, plottable
from ..periods import period_label, period_name
from .chart_data import daily_points
from .forms import ChartForm

if TYPE_CHECKING:
    from .options import StatisticAdmin


def chart_view(
    request: HttpRequest, model_admin: StatisticAdmin, form_class: type[ChartForm]
) -> HttpResponse:
    """Draw one daily series of ``model_admin.model``, or send it as CSV (``format=csv``).

    Only users who may view the statistics get here: ``admin_site.admin_view`` sends
    everyone who is not active staff to the login page, and the view permission is
    checked below.
    """
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    model = model_admin.model
    form = form_class(request.GET, statistic_model=model)
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": model._meta,
        "title": _("Chart of %(statistics)s") % {"statistics": model._meta.verbose_name_plural},
        "form": form,
        "chart": None,
    }
    if form.is_valid():
        data = form.cleaned_data
        queryset = model._default_manager.narrow(metric=data["metric"], period=data["period"])
        if "object_type" in data:
            queryset = queryset.filter(
                object_type=data["object_type"], object_id=data["object_id"]
            )
        points = daily_points(queryset, data["from_date"], data["to_date"])
        if request.GET.get("format") == "csv":
            return csv_response(points, data)
        query = form.data.copy()
        query["format"] = "csv"
        object_type = data.get("object_type")
        context.update(
            last_tracked=model_admin.get_last_tracked(
                request,
                metric_id=data["metric"].pk,
                period=data["period"],
                object_type_id=object_type.pk if object_type is not None else None,
                object_id=data.get("object_id"),
            ),
            chart=render_chart(points, title=_chart_title(data), style=data["chart"]),
            chart_title=_chart_title(data),
            csv_url=f"?{query.urlencode()}",
            summary=_summary(points),
        )
    return TemplateResponse(request, "trackstats/admin/chart.html", context)


def csv_response(points: list[ChartPoint], data: dict[str, Any]) -> HttpResponse:
    """The series as ``date,value``: a missing row is 0, NULL ("no data") is empty."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_csv_filename(data)}"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(["date", "value"])
    for point in points:
        writer.writerow([point.date.isoformat(), "" if point.value is None else point.value])
    return response


def _csv_filename(data: dict[str, Any]) -> str:
    parts = [data["metric"].label, period_name(data["period"])]
    if "object_type" in data:
        object_type = data["object_type"]
        parts += [f"{object_type.app_label}.{object_type.model}", data["object_id"]]
    parts += [data["from_date"].isoformat(), data["to_date"].isoformat()]
    # Refs and object ids are free text; keep the header and file systems safe.
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(parts)) + ".csv"


def _chart_title(data: dict[str, Any]) -> str:
    metric = data["metric"]
    name = f"{metric.label} ({metric.name})" if metric.name else metric.label
    title = (
        f"{name}, {period_label(data['period'])}, "
        f"{data['from_date'].isoformat()} to {data['to_date'].isoformat()}"
    )
    if "object_type" in data:
        title += f", {_object_label(data)}"
    return title


def _object_label(data: dict[str, Any]) -> str:
    found = data.get("object")
    object_type = data["object_type"]
    if found is not None:
        return f"{object_type.app_label}.{object_type.model} {data['object_id']}: {found}"
    return _("%(type)s %(id)s (deleted)") % {
        "type": f"{object_type.app_label}.{object_type.model}",
        "id": data["object_id"],
    }


def _summary(points: list[ChartPoint]) -> list[tuple[str, str]]:
    drawn = [p for p in points if not p.is_gap]
    rows = [
        (_("Days"), f"{len(points):,}"),
        (_("Days without data"), f"{len(points) - len(drawn):,}"),
    ]
    if drawn:
        highest = max(drawn, key=lambda p: plottable(p.value) or 0.0)
        lowest = min(drawn, key=lambda p: plottable(p.value) or 0.0)
        rows += [
            (_("Latest"), f"{format_value(drawn[-1].value)} ({drawn[-1].date.isoformat()})"),
            (_("Highest"), f"{format_value(highest.value)} ({highest.date.isoformat()})"),
            (_("Lowest"), f"{format_value(lowest.value)} ({lowest.date.isoformat()})"),
        ]
    return rows
