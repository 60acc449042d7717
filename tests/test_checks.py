"""System checks on statistic models: E001 (no unique key) and W002 (no run index)."""

import pytest
from django.core import checks
from django.db import models
from django.test.utils import isolate_apps

from trackstats.checks import check_statistic_models, has_run_index
from trackstats.models import (
    AbstractStatistic,
    DecimalStatisticByDate,
    DecimalStatisticByDateAndObject,
    StatisticByDate,
    StatisticByDateAndObject,
)


def _ids(messages, model):
    return sorted(m.id for m in messages if m.obj is model)


def test_every_installed_statistic_model_passes():
    assert check_statistic_models() == []
    for model in (
        StatisticByDate,
        StatisticByDateAndObject,
        DecimalStatisticByDate,
        DecimalStatisticByDateAndObject,
    ):
        assert has_run_index(model)


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        # The key alone starts with date: no run index.
        ({"unique_together": [("date", "metric", "period")]}, ["trackstats.W002"]),
        (
            {
                "unique_together": [("date", "metric", "period")],
                "indexes": [models.Index(fields=["period", "metric", "date"], name="wrong")],
            },
            ["trackstats.W002"],
        ),
        (
            {
                "unique_together": [("date", "metric", "period")],
                "indexes": [models.Index(fields=["metric", "period"], name="no_date")],
            },
            ["trackstats.W002"],
        ),
        (
            {
                "unique_together": [("date", "metric", "period")],
                "indexes": [models.Index(fields=["metric", "period", "date"], name="run")],
            },
            [],
        ),
        # A unique key that starts with metric and period serves as the run index.
        ({"unique_together": [("metric", "period", "date")]}, []),
        ({}, ["trackstats.E001", "trackstats.W002"]),
    ],
)
def test_custom_models(meta, expected):
    with isolate_apps("tests.testapp") as registry:
        attrs = {"__module__": "tests.testapp.models", "Meta": type("Meta", (), meta)}
        model = type("CheckedStatistic", (AbstractStatistic,), attrs)
        messages = check_statistic_models(app_configs=[registry.get_app_config("testapp")])
    assert _ids(messages, model) == expected
    warnings = [m for m in messages if m.id == "trackstats.W002"]
    assert all(m.level == checks.WARNING and "Meta.indexes" in m.hint for m in warnings)
