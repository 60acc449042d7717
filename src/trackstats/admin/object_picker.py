"""Choosing the object of a by-object chart through the admin's own autocomplete.

When the object's model is registered on the same admin site with ``search_fields``
and the user may view it, the object field is the admin's select2 autocomplete (its
bundled jQuery and select2, served by your server) searching that model admin. The
select also lists the objects shown, so that it still works without script. Any
other model keeps a text box for the object's primary key.

Django's own autocomplete view serves foreign keys only; a statistic's object is a
generic one, so :class:`ObjectAutocompleteView` finds the model admin from the model
named in the request instead of from a field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.apps import apps
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from ..object_ids import object_id_of

if TYPE_CHECKING:
    from .options import StatisticAdmin


class ObjectAutocompleteSelect(AutocompleteMixin, forms.Select):
    """The admin's autocomplete select for any model, with its options given."""

    # Set by AutocompleteMixin.__init__: select2's language file, if it has one.
    i18n_name: str | None

    def __init__(
        self,
        model: type[models.Model],
        admin_site: AdminSite,
        url: str,
        choices: list[tuple[str, str]],
    ) -> None:
        # The empty choice draws the top objects again.
        super().__init__(field=None, admin_site=admin_site, choices=[("", "---------"), *choices])
        self.model = model
        self.url = url

    def get_url(self) -> str:
        return self.url

    def build_attrs(
        self, base_attrs: dict[str, Any], extra_attrs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        attrs = forms.Select.build_attrs(self, base_attrs, extra_attrs)
        attrs.update(
            {
                "data-ajax--cache": "true",
                "data-ajax--delay": 250,
                "data-ajax--type": "GET",
                "data-ajax--url": self.get_url(),
                "data-app-label": self.model._meta.app_label,
                "data-model-name": self.model._meta.model_name,
                "data-field-name": "pk",
                "data-theme": "admin-autocomplete",
                "data-allow-clear": "true",
                "data-placeholder": "",
                "lang": self.i18n_name,
                "class": f"{attrs.get('class', '')} admin-autocomplete".strip(),
            }
        )
        return attrs

    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        # The plain select's options: the ones given, not a query over a foreign key.
        return forms.Select.optgroups(self, name, list(value), attr)


def searchable_admin(
    model: type[models.Model] | None, admin_site: AdminSite | None, request: HttpRequest | None
) -> ModelAdmin[Any] | None:
    """The model admin that can search ``model`` for this user, or None."""
    if model is None or admin_site is None or request is None:
        return None
    try:
        model_admin = admin_site.get_model_admin(model)
    except NotRegistered:
        return None
    if not model_admin.get_search_fields(request):
        return None
    if not model_admin.has_view_permission(request):
        return None
    return model_admin


def object_widget(
    object_type: ContentType,
    admin_site: AdminSite | None,
    request: HttpRequest | None,
    search_url: str | None,
    choices: list[tuple[str, str]],
) -> ObjectAutocompleteSelect | None:
    """The autocomplete for ``object_type``'s objects, or None to keep the text box."""
    model = object_type.model_class()
    if model is None or admin_site is None or search_url is None:
        return None
    if searchable_admin(model, admin_site, request) is None:
        return None
    return ObjectAutocompleteSelect(model, admin_site, search_url, choices)


class ObjectAutocompleteView(AutocompleteJsonView):
    """select2's JSON search over any model admin with ``search_fields``.

    Needs both the view permission on the statistics of the chart and on the model
    searched; answers ``{"id": object id, "text": str(object)}`` pages.
    """

    statistic_admin: StatisticAdmin | None = None
    # Given to as_view(), as for Django's own autocomplete view.
    admin_site: AdminSite

    def process_request(self, request: HttpRequest) -> tuple[str, Any, None, str]:
        term = request.GET.get("term", "")
        try:
            model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        except (KeyError, LookupError, ValueError) as exc:
            raise PermissionDenied from exc
        try:
            model_admin = self.admin_site.get_model_admin(model)
        except NotRegistered as exc:
            raise PermissionDenied from exc
        if not model_admin.get_search_fields(request):
            raise Http404(f"{type(model_admin).__qualname__} has no search_fields.")
        return term, model_admin, None, model._meta.pk.attname

    def has_perm(self, request: HttpRequest, obj: Any = None) -> bool:
        assert self.statistic_admin is not None
        return self.statistic_admin.has_view_permission(request) and super().has_perm(request)

    def get_queryset(self) -> models.QuerySet[Any]:
        # No limit_choices_to: there is no foreign key to take it from.
        queryset = self.model_admin.get_queryset(self.request)
        queryset, distinct = self.model_admin.get_search_results(self.request, queryset, self.term)
        queryset = queryset.distinct() if distinct else queryset
        # A stable order keeps select2's pages from repeating or skipping objects.
        return queryset if queryset.ordered else queryset.order_by("pk")

    def serialize_result(self, obj: models.Model, to_field_name: str) -> dict[str, str]:
        return {"id": object_id_of(obj), "text": str(obj)}
