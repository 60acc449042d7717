"""Type checking: mypy --strict passes over src/trackstats and the user-code sample in
tests/typecheck, and the helpers that give the ORM's results their precise types.

The configuration is pyproject.toml's ``[tool.mypy]``; install the checker with
``pip install -e '.[typecheck]'`` (without it the mypy test is skipped). ``mypy`` from
the repository root runs the same check.
"""

import pathlib
import subprocess
import sys

import pytest
from django.core.exceptions import FieldDoesNotExist

from trackstats.models import Domain, StatisticByDate, forward_field, statistic_rows
from trackstats.querysets import StatisticQuerySet

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_mypy_strict_passes(tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed: pip install -e '.[typecheck]'")
    pytest.importorskip("mypy_django_plugin", reason="django-stubs is not installed")
    # A separate process: the django-stubs plugin sets Django up with its own settings,
    # which must not touch this test run's. A fresh cache, so no stale result hides an
    # error.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy_cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_forward_field_is_a_field_declared_on_the_model():
    assert forward_field(StatisticByDate, "value") is StatisticByDate._meta.get_field("value")
    # Domain's side of Metric.domain: a relation, yet no field of Domain's own.
    with pytest.raises(FieldDoesNotExist, match="reverse relation"):
        forward_field(Domain, "metric")


def test_statistic_rows_have_the_query_api():
    rows = statistic_rows(StatisticByDate, "default")
    assert isinstance(rows, StatisticQuerySet)
    assert rows.db == "default"
    assert rows.model is StatisticByDate
