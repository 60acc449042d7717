"""trackstats.conf: the app_settings facade, and the deprecated name of the first release."""

from __future__ import annotations

import pytest
from django.test import override_settings

from trackstats import conf
from trackstats.conf import app_settings


def test_app_settings_reads_the_django_settings_lazily() -> None:
    assert app_settings.TRACKSTATS_REGISTRY_MODULE == "stats"
    with override_settings(TRACKSTATS_REGISTRY_MODULE="trackers"):
        assert app_settings.TRACKSTATS_REGISTRY_MODULE == "trackers"


def test_settings_is_a_deprecated_alias_of_app_settings() -> None:
    with pytest.warns(DeprecationWarning, match="app_settings"):
        from trackstats.conf import settings
    assert settings is app_settings


def test_other_unknown_names_still_raise() -> None:
    with pytest.raises(AttributeError, match="no_such_setting"):
        conf.no_such_setting  # noqa: B018
