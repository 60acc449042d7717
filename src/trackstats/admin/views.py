"""The chart pages: a form over the query string, an inline SVG and a CSV download."""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from ..charts import ChartPoint, ChartSeries, render_series_chart, series_colours
from ..charts.palette import OTHER_COLOUR, PREVIOUS_COLOUR
from ..charts.points import format_date, format_value
from ..periods import period_label, period_name
from ..querysets import StatisticQuerySet
from .chart_data import ObjectSeries, has_total, previous_range, read_points, read_top_series
from .chart_links import quick_ranges, with_params
from .chart_summary import figures, summary_rows
from .forms import ChartForm, ObjectChartForm

if TYPE_CHECKING:
    from .options import StatisticAdmin


def chart_view(
    request: HttpRequest,
    model_admin: StatisticAdmin,
    form_class: type[ChartForm],
    object_search_url: str | None = None,
) -> HttpResponse:
    """Draw one series of ``model_admin.model`` (by object: one object, or the top
    objects), or send it as CSV (``format=csv``).

    Only users who may view the statistics get here: ``admin_site.admin_view`` sends
    everyone who is not active staff to the login page, and the view permission is
    checked below.
    """
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    model = model_admin.model
    form = form_class(
        request.GET,
        statistic_model=model,
        admin_site=model_admin.admin_site,
        request=request,
        object_search_url=object_search_url,
    )
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": model._meta,
        "title": _("Chart of %(statistics)s") % {"statistics": model._meta.verbose_name_plural},
        "form": form,
        "chart": None,
    }
    if not form.is_valid():
        return TemplateResponse(request, "trackstats/admin/chart.html", context)
    data = form.cleaned_data
    series, previous, objects = _read_series(model, form)
    top_mode = "object_type" in data and not data.get("object_id")
    if request.GET.get("format") == "csv":
        return csv_response(series, data, objects if top_mode else None)
    object_type = data.get("object_type")
    context.update(
        last_tracked=model_admin.get_last_tracked(
            request,
            metric_id=data["metric"].pk,
            period=data["period"],
            object_type_id=object_type.pk if object_type is not None else None,
            object_id=data.get("object_id") or None,
        ),
        chart_title=_chart_title(data),
        csv_url=with_params(form.data, format="csv"),
        quick_ranges=quick_ranges(form.data, data["from_date"], data["to_date"], form.today),
        top_mode=top_mode,
    )
    if previous:
        context["previous_colour"] = PREVIOUS_COLOUR
        context["previous_span"] = _("%(first)s to %(last)s") % {
            "first": format_date(previous[0].date),
            "last": format_date(previous[-1].date),
        }
    if series:
        context["chart"] = render_series_chart(
            series, title=_chart_title(data), style=data["chart"]
        )
    if top_mode:
        context["legend"] = _legend(form, objects, series, data["period"])
    elif series:
        context["summary"] = summary_rows(
            series[0].points, period=data["period"], previous=previous
        )
    return TemplateResponse(request, "trackstats/admin/chart.html", context)


def _read_series(
    model: type[models.Model], form: ChartForm
) -> tuple[list[ChartSeries], list[ChartPoint] | None, list[ObjectSeries]]:
    """The series to draw, the previous period's points if asked, and by object in
    top mode the objects' series."""
    data = form.cleaned_data
    # Every statistic model's manager is built on StatisticQuerySet.
    rows = cast("StatisticQuerySet[Any]", model._default_manager.all())
    queryset = rows.narrow(metric=data["metric"], period=data["period"])
    period, today = data["period"], form.today
    if "object_type" in data and not data.get("object_id"):
        queryset = queryset.filter(object_type=data["object_type"])
        objects = read_top_series(
            queryset, data["object_type"], data["from_date"], data["to_date"],
            limit=data["top"], period=period, today=today,
        )  # fmt: skip
        cast(ObjectChartForm, form).offer_objects(
            [(s.object_id, s.label) for s in objects if s.object_id]
        )
        return [_object_chart_series(each) for each in objects], None, objects
    if "object_type" in data:
        queryset = queryset.filter(object_type=data["object_type"], object_id=data["object_id"])
    points = read_points(queryset, data["from_date"], data["to_date"], period=period, today=today)
    if not points:
        return [], None, []
    series = [ChartSeries(_chart_title(data), points)]
    before = previous_range(data["from_date"], data["to_date"], data["period"])
    if not data.get("previous") or before is None:
        return series, None, []
    previous = read_points(queryset, *before, period=period, today=today)
    series.append(ChartSeries(_("Previous period"), previous, previous=True))
    return series, previous, []


def _object_chart_series(each: ObjectSeries) -> ChartSeries:
    colour = OTHER_COLOUR if each.object_id is None else None
    return ChartSeries(each.label, each.points, colour=colour)


def _legend(
    form: ChartForm, objects: list[ObjectSeries], series: list[ChartSeries], period: int
) -> list[dict[str, Any]]:
    """One row per series: its colour, its name (linked to its own chart), its figures."""
    rows = []
    for each, colour in zip(objects, series_colours(series), strict=True):
        shown = figures(each.points)
        rows.append(
            {
                "colour": colour,
                "label": each.label,
                "url": with_params(form.data, object_id=each.object_id)
                if each.object_id is not None
                else None,
                "object_id": each.object_id,
                "total": format_value(shown.total)
                if shown.total is not None and has_total(period)
                else "",
                "average": format_value(shown.average) if shown.average is not None else "",
                "latest": format_value(shown.latest.value) if shown.latest is not None else "",
            }
        )
    return rows


def csv_response(
    series: list[ChartSeries], data: dict[str, Any], objects: list[ObjectSeries] | None = None
) -> HttpResponse:
    """The series as ``date,value`` rows; the top objects as a column each, headed
    ``app_label.model id``, then ``other``. A missing row is 0 (LIFETIME: the value
    carried forward), a gap an empty cell. The previous period is left out."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_csv_filename(data)}"'
    writer = csv.writer(response, lineterminator="\n")
    shown = [each for each in series if not each.previous]
    if objects is None:
        writer.writerow(["date", "value"])
    else:
        object_type = data["object_type"]
        type_label = f"{object_type.app_label}.{object_type.model}"
        writer.writerow(
            [
                "date",
                *(
                    "other" if each.object_id is None else f"{type_label} {each.object_id}"
                    for each in objects
                ),
            ]
        )
    columns = [each.points for each in shown]
    for row in zip(*columns, strict=True):
        cells = ["" if point.is_gap else point.value for point in row]
        writer.writerow([row[0].date.isoformat(), *cells])
    return response


def _csv_filename(data: dict[str, Any]) -> str:
    parts = [data["metric"].label, period_name(data["period"])]
    if "object_type" in data:
        object_type = data["object_type"]
        parts.append(f"{object_type.app_label}.{object_type.model}")
        parts.append(data["object_id"] or f"top_{data['top']}")
    parts += [data["from_date"].isoformat(), data["to_date"].isoformat()]
    # Refs and object ids are free text; keep the header and file systems safe.
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(parts)) + ".csv"


def _chart_title(data: dict[str, Any]) -> str:
    metric = data["metric"]
    name = f"{metric.label} ({metric.name})" if metric.name else metric.label
    title = _("%(metric)s, %(period)s, %(first)s to %(last)s") % {
        "metric": name,
        "period": period_label(data["period"]),
        "first": format_date(data["from_date"]),
        "last": format_date(data["to_date"]),
    }
    if "object_type" in data:
        title += f", {_object_label(data)}"
    return title


def _object_label(data: dict[str, Any]) -> str:
    object_type = data["object_type"]
    type_label = f"{object_type.app_label}.{object_type.model}"
    if not data.get("object_id"):
        return _("top %(count)s %(type)s objects") % {"count": data["top"], "type": type_label}
    found = data.get("object")
    if found is not None:
        return f"{type_label} {data['object_id']}: {found}"
    return _("%(type)s %(id)s (deleted)") % {"type": type_label, "id": data["object_id"]}
