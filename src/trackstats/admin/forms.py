"""The query-string forms of the chart pages.

Every parameter is optional: missing ones get a default (the metric last written,
``DAY``, the 30 days ending today; by object, the object type with the most
statistics and its top objects) and the form writes the defaults back into its data,
so the page shows exactly what it draws. Bad values become form errors, never
exceptions.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.http import HttpRequest, QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..charts import ChartStyle
from ..clock import today_in
from ..models import Metric
from ..periods import PERIOD_CHOICES, Period, parse_period_name, period_label
from .bases import ModelChoiceFieldBase
from .object_picker import object_widget

DEFAULT_DAYS = 30
DEFAULT_TOP = 5
# More series than colours in the palette would repeat colours.
MAX_TOP = 10
# Longer ranges make pages of megabytes and bars thinner than a pixel.
MAX_DAYS = 3660


class MetricField(ModelChoiceFieldBase):
    """A metric by primary key, or by its ``domain.ref`` label as on the command line."""

    def to_python(self, value: Any) -> Metric | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if text.isdigit():
            return cast("Metric | None", super().to_python(text))
        domain_ref, _sep, ref = text.rpartition(".")
        try:
            # The field is always built with a queryset (the stubs allow None).
            metrics = cast("models.QuerySet[Metric]", self.queryset)
            return metrics.get(domain__ref=domain_ref, ref=ref)
        except Metric.DoesNotExist:
            raise ValidationError(
                _("Unknown metric %(value)s."), code="invalid_choice", params={"value": text}
            ) from None

    def label_from_instance(self, obj: Metric) -> str:
        return f"{obj.label} ({obj.name})" if obj.name else obj.label


class PeriodField(forms.Field):
    """A period as seconds (``86400``) or by name (``day``, ``week``, ``10_days``)."""

    widget = forms.Select

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.choices = list(PERIOD_CHOICES)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return parse_period_name(str(value))
        except ValueError:
            raise ValidationError(
                _("Unknown period %(value)s: use day, week, days_28, month, lifetime or N_days."),
                code="invalid",
                params={"value": value},
            ) from None


class ContentTypeField(ModelChoiceFieldBase):
    """A content type by primary key or by ``app_label.model``."""

    def to_python(self, value: Any) -> ContentType | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if text.isdigit():
            return cast("ContentType | None", super().to_python(text))
        app_label, _sep, model = text.lower().partition(".")
        try:
            types = cast("models.QuerySet[ContentType]", self.queryset)
            return types.get(app_label=app_label, model=model)
        except ContentType.DoesNotExist:
            raise ValidationError(
                _("Unknown object type %(value)s."),
                code="invalid_choice",
                params={"value": text},
            ) from None

    def label_from_instance(self, obj: ContentType) -> str:
        return f"{obj.app_label}.{obj.model}"


class ChartForm(forms.Form):
    # A mutable QueryDict (see __init__): clean() writes its defaults into it.
    data: QueryDict

    # The models' own (translated) words, capitalised as form labels are.
    metric = MetricField(
        queryset=Metric.objects.select_related("domain"),
        required=False,
        label=capfirst(_("metric")),
        empty_label=None,
        error_messages={"invalid_choice": _("Unknown metric.")},
    )
    period = PeriodField(required=False, label=capfirst(_("period")))
    from_date = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    to_date = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    chart = forms.ChoiceField(
        required=False,
        label=_("Draw as"),
        choices=[(ChartStyle.LINE.value, _("Line")), (ChartStyle.BARS.value, _("Bars"))],
    )
    previous = forms.BooleanField(required=False, label=_("Compare with the previous period"))

    def __init__(
        self,
        data: QueryDict,
        *,
        statistic_model: type[models.Model],
        today: datetime.date | None = None,
        admin_site: AdminSite | None = None,
        request: HttpRequest | None = None,
        object_search_url: str | None = None,
    ) -> None:
        # A mutable copy: clean() writes the defaults it chose back into it.
        super().__init__(data=data.copy())
        self.statistic_model = statistic_model
        self.today = today_in() if today is None else today
        # Where the object picker searches (by object only); without them it is a text box.
        self.admin_site = admin_site
        self.request = request
        self.object_search_url = object_search_url
        period = self.data.get("period")
        if period:
            # Show N-day periods that are not among the named choices too.
            try:
                seconds = parse_period_name(str(period))
            except ValueError:
                seconds = None
            if seconds is not None and seconds not in dict(PERIOD_CHOICES):
                self.fields["period"].widget.choices = [
                    *PERIOD_CHOICES,
                    (seconds, period_label(seconds)),
                ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "metric" in cleaned and cleaned["metric"] is None:
            cleaned["metric"] = self._default_metric()
            if cleaned["metric"] is None:
                self.add_error("metric", _("No metric exists yet."))
        if cleaned.get("metric") is not None:
            # Labels such as "shop.orders" come back as the key the select knows.
            self.data["metric"] = str(cleaned["metric"].pk)
        if "period" in cleaned:
            if cleaned["period"] is None:
                cleaned["period"] = int(Period.DAY)
            self.data["period"] = str(cleaned["period"])
        if not cleaned.get("chart"):
            cleaned["chart"] = ChartStyle.LINE.value
        self._clean_range(cleaned)
        return cleaned

    def _clean_range(self, cleaned: dict[str, Any]) -> None:
        if "from_date" not in cleaned or "to_date" not in cleaned:
            return  # A malformed date already has its error.
        to_date = cleaned["to_date"] or self.today
        from_date = cleaned["from_date"]
        if from_date is None:
            try:
                from_date = to_date - datetime.timedelta(days=DEFAULT_DAYS - 1)
            except OverflowError:
                from_date = datetime.date.min
        cleaned["from_date"], cleaned["to_date"] = from_date, to_date
        self.data["from_date"], self.data["to_date"] = from_date.isoformat(), to_date.isoformat()
        if from_date > to_date:
            raise ValidationError(
                _("The range is reversed: %(from)s is after %(to)s."),
                code="reversed_range",
                params={"from": from_date.isoformat(), "to": to_date.isoformat()},
            )
        days = (to_date - from_date).days + 1
        if days > MAX_DAYS:
            raise ValidationError(
                _("The range spans %(days)s days; a chart shows at most %(max)s."),
                code="range_too_long",
                params={"days": days, "max": MAX_DAYS},
            )

    def _default_metric(self) -> Metric | None:
        # The metric written last is the likeliest one to look at; else the first.
        latest = (
            self.statistic_model._default_manager.order_by("-date", "-pk")
            .values_list("metric_id", flat=True)
            .first()
        )
        field = cast(MetricField, self.fields["metric"])
        metrics = cast("models.QuerySet[Metric]", field.queryset)
        if latest is not None:
            return metrics.get(pk=latest)
        return metrics.first()


class ObjectChartForm(ChartForm):
    """The by-object chart: one object (``object_id``), or without it the ``top``
    objects of the range, each its own series, and the rest summed as "other"."""

    object_type = ContentTypeField(
        queryset=ContentType.objects.order_by("app_label", "model"),
        required=False,
        label=_("Object type"),
        error_messages={"invalid_choice": _("Unknown object type.")},
    )
    object_id = forms.CharField(
        required=False,
        max_length=255,
        label=_("Object"),
        help_text=_("Empty: the top objects of the range."),
    )
    top = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_TOP,
        label=_("Top objects"),
        widget=forms.NumberInput(attrs={"size": 3}),
    )

    def __init__(self, data: QueryDict, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        # Offer the types that have statistics, plus the one asked for.
        used = self.statistic_model._default_manager.values("object_type")
        self.fields["object_type"].widget.choices = [
            ("", _("(the type with the most statistics)")),
            *(
                (ct.pk, f"{ct.app_label}.{ct.model}")
                for ct in ContentType.objects.filter(pk__in=used).order_by("app_label", "model")
            ),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "top" in cleaned:
            cleaned["top"] = cleaned["top"] or DEFAULT_TOP
            self.data["top"] = str(cleaned["top"])
        if self.errors or not cleaned.get("metric"):
            return cleaned
        object_type, object_id = cleaned.get("object_type"), cleaned.get("object_id")
        if object_type is None and object_id:
            self.add_error("object_type", _("Choose the type of the object."))
            return cleaned
        if object_type is None:
            self._default_object_type(cleaned)
        elif object_id:
            self._check_object(cleaned)
        object_type = cleaned.get("object_type")
        if object_type is not None:
            self.data["object_type"] = str(object_type.pk)
            choices = self.fields["object_type"].widget.choices
            if object_type.pk not in {value for value, _label in choices}:
                choices.append((object_type.pk, f"{object_type.app_label}.{object_type.model}"))
            self._pick_object_widget(object_type, cleaned)
        return cleaned

    def offer_objects(self, choices: list[tuple[str, str]]) -> None:
        """Let the object picker offer these ``(object_id, label)`` pairs (the top
        objects shown), so that it works without script too."""
        widget = self.fields["object_id"].widget
        if isinstance(widget, forms.Select):
            offered = list(widget.choices)
            known = {value for value, _label in offered}
            widget.choices = offered + [pair for pair in choices if pair[0] not in known]

    def _pick_object_widget(self, object_type: ContentType, cleaned: dict[str, Any]) -> None:
        chosen = []
        if cleaned.get("object_id"):
            found = cleaned.get("object")
            label = str(found) if found is not None else _("%(id)s (deleted)")
            chosen = [(cleaned["object_id"], str(label) % {"id": cleaned["object_id"]})]
        widget = object_widget(
            object_type, self.admin_site, self.request, self.object_search_url, chosen
        )
        if widget is not None:
            self.fields["object_id"].widget = widget

    def _default_object_type(self, cleaned: dict[str, Any]) -> None:
        busiest = (
            self.statistic_model._default_manager.filter(
                metric=cleaned["metric"], period=cleaned["period"]
            )
            .order_by()
            .values("object_type")
            .annotate(rows=Count("pk"))
            .order_by("-rows", "object_type")
            .values_list("object_type", flat=True)
            .first()
        )
        if busiest is None:
            self.add_error(
                None, _("No object has statistics of this metric and period; choose one.")
            )
            return
        cleaned["object_type"] = ContentType.objects.get_for_id(busiest)

    def _check_object(self, cleaned: dict[str, Any]) -> None:
        object_type, object_id = cleaned["object_type"], cleaned["object_id"]
        cleaned["object"] = _find_object(object_type, object_id)
        if cleaned["object"] is not None:
            return
        # A deleted object keeps its statistics; charting them is still useful.
        has_rows = self.statistic_model._default_manager.filter(
            object_type=object_type, object_id=object_id
        ).exists()
        if not has_rows:
            self.add_error(
                "object_id",
                ValidationError(
                    _("No %(type)s with id %(id)s exists or has statistics."),
                    code="unknown_object",
                    params={
                        "type": f"{object_type.app_label}.{object_type.model}",
                        "id": object_id,
                    },
                ),
            )


def _find_object(object_type: ContentType, object_id: str) -> models.Model | None:
    model = object_type.model_class()
    if model is None:
        return None
    try:
        return model._default_manager.filter(pk=object_id).first()
    except (ValidationError, ValueError, TypeError):
        # An id that cannot be this model's primary key ("abc" for an integer).
        return None
