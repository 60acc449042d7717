"""Who may read statistics over the JSON API.

The default mirrors the admin: an active staff user with the view (or change)
permission of the statistic model. ``TRACKSTATS_API_PERMISSION`` replaces it with a
callable of your own, and a subclass of the view can override ``has_permission``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_permission_codename
from django.db import models
from django.http import HttpRequest

from ..conf import app_settings
from ..models import Metric


def default_permission(
    request: HttpRequest, metric: Metric | None, model: type[models.Model]
) -> bool:
    """Active staff with ``view_<model>`` or ``change_<model>``, whatever the metric."""
    user: Any = getattr(request, "user", None)
    # A custom user model may lack is_staff; such users are not staff.
    if not getattr(user, "is_active", False) or not getattr(user, "is_staff", False):
        return False
    opts = model._meta
    return any(
        user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    )


def is_allowed(request: HttpRequest, metric: Metric | None, model: type[models.Model]) -> bool:
    """The configured rule: ``TRACKSTATS_API_PERMISSION``, else :func:`default_permission`.

    ``metric`` is None when the requested label names no metric; a rule that allows
    it lets the client learn that the metric does not exist (404).
    """
    rule = app_settings.TRACKSTATS_API_PERMISSION or default_permission
    return bool(rule(request, metric, model))
