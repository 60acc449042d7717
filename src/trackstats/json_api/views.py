"""The JSON API views: plain Django views returning JsonResponse."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest, JsonResponse
from django.views import View

from ..models import Metric
from .access import is_allowed
from .payload import read_series


class SeriesView(View):
    """``GET ?metric=domain.metric&from=YYYY-MM-DD&to=YYYY-MM-DD[&...]``: one metric's
    series as JSON; see docs/json-api.md for every parameter and the body.

    Subclass and override :meth:`has_permission` for a rule of this view only.
    """

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest) -> JsonResponse:
        status, body = read_series(request, request.GET, self.has_permission)
        response = JsonResponse(body, status=status)
        # Statistics are per user's access: shared caches must not keep them.
        response["Cache-Control"] = "private, no-store"
        return response

    def has_permission(
        self, request: HttpRequest, metric: Metric | None, model: type[models.Model]
    ) -> bool:
        return is_allowed(request, metric, model)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = JsonResponse({"error": f"{request.method} is not allowed: use GET"}, status=405)
        allowed = [name.upper() for name in self.http_method_names if hasattr(self, name)]
        response["Allow"] = ", ".join(allowed)
        return response
