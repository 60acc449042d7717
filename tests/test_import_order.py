"""trackstats.models, trackstats.querysets and trackstats.series import each other one
way only: models -> querysets -> series, both of them on the leaf modules
trackstats.statistic_schema and trackstats.lazy_registration. No import inside a
function hides a cycle from the interpreter or from type checkers.
"""

import ast
import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

import trackstats
from tests.tasksapp.processes import ROOT
from trackstats import lazy_registration, models, querysets, statistic_schema

PACKAGE = pathlib.Path(trackstats.__file__).resolve().parent
CIRCLE_MODULES = {"trackstats.models", "trackstats.querysets", "trackstats.series"}

# An app listed before trackstats, whose models module Django imports first: the query
# API and the series are then imported while trackstats.models is not.
PROBE_MODELS = """
import sys

CIRCLE_MODULES = ("trackstats.models", "trackstats.querysets", "trackstats.series")

import trackstats.series

AFTER_SERIES = [name for name in CIRCLE_MODULES if name in sys.modules]

import trackstats.querysets

AFTER_QUERYSETS = [name for name in CIRCLE_MODULES if name in sys.modules]
"""
PROBE_SETTINGS = """
from tests.settings import *  # noqa: F403

INSTALLED_APPS = ["import_probe", *INSTALLED_APPS]  # noqa: F405
"""
PROBE_RUN = """
import json

import django

django.setup()

from import_probe import models as probe
from trackstats.models import StatisticByDate

print(json.dumps({
    "after_series": probe.AFTER_SERIES,
    "after_querysets": probe.AFTER_QUERYSETS,
    "narrow": callable(StatisticByDate.objects.narrow),
}))
"""


def test_querysets_and_series_import_before_the_models(tmp_path):
    probe = tmp_path / "import_probe"
    probe.mkdir()
    (probe / "__init__.py").write_text("")
    (probe / "models.py").write_text(PROBE_MODELS)
    (tmp_path / "probe_settings.py").write_text(PROBE_SETTINGS)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "probe_settings",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    # A fresh interpreter: in this one the models were imported long ago.
    done = subprocess.run(
        [sys.executable, "-c", PROBE_RUN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "after_series": ["trackstats.series"],
        "after_querysets": ["trackstats.querysets", "trackstats.series"],
        "narrow": True,
    }


def _imported(node: ast.AST) -> Iterator[str]:
    """The modules an import statement of a top-level trackstats module may load."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        assert node.level <= 1, "trackstats' top-level modules import at most from '.'"
        base = ".".join(filter(None, ["trackstats" if node.level else "", node.module or ""]))
        yield base
        # ``from . import series`` loads the module trackstats.series.
        yield from (f"{base}.{alias.name}" for alias in node.names)


def _module_tree(name: str) -> ast.Module:
    return ast.parse((PACKAGE / f"{name}.py").read_text(), filename=f"{name}.py")


@pytest.mark.parametrize("name", ["models", "querysets", "series"])
def test_no_function_imports_another_module_of_the_circle(name):
    functions = [
        node
        for node in ast.walk(_module_tree(name))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    hidden = {
        (function.name, module)
        for function in functions
        for node in ast.walk(function)
        for module in _imported(node)
        if module in CIRCLE_MODULES
    }
    assert not hidden


@pytest.mark.parametrize("name", ["statistic_schema", "lazy_registration"])
def test_leaf_modules_import_none_of_the_circle(name):
    imported = {module for node in ast.walk(_module_tree(name)) for module in _imported(node)}
    assert not imported & CIRCLE_MODULES


@pytest.mark.parametrize(
    ("home", "name"),
    [
        (statistic_schema, "column_of"),
        (statistic_schema, "dimension_fields"),
        (statistic_schema, "forward_field"),
        (statistic_schema, "is_by_object"),
        (statistic_schema, "statistic_key_fields"),
        (lazy_registration, "LazyRegistration"),
        (lazy_registration, "RegisteringManager"),
        (lazy_registration, "resolve_instance"),
        (querysets, "statistic_rows"),
    ],
)
def test_moved_names_stay_importable_from_trackstats_models(home, name):
    assert name in models.__all__
    assert getattr(models, name) is getattr(home, name)
