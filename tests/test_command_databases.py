"""``trackstats --database``: every subcommand reads and writes the alias it is given.

tests.settings has one database, so this runs real commands in a process on
tests.settings_tasks, whose ``default`` and ``other`` aliases are two databases made
for the test (see tests/tasksapp/processes.py).
"""

import json

import pytest

from tests.tasksapp.processes import (
    django_admin,
    seed_fixture,
)

pytestmark = pytest.mark.slow


def test_database_option_of_every_subcommand(process_env_with_databases, tmp_path):
    fixture = tmp_path / "shop.json"
    seed_fixture(fixture)
    code = f"from tests.tasksapp.databases_scenario import main; main({str(fixture)!r})"
    report = json.loads(
        django_admin(process_env_with_databases, "shell", "--no-imports", "-c", code)
    )

    tracked = report["after_track"]["other"]
    assert tracked > 0
    assert report["after_track"]["default"] == 0

    # list reads last stored dates where it is told to.
    assert "never" not in report["list_other"]
    assert report["list_default"].count("never") == 4
    assert "4 tracker(s) match the stored statistics." in report["verify_other"]

    # export reads the other database (header + rows); the default one has nothing.
    assert report["exported_lines"] == 1 + tracked
    assert report["export_default"] == "domain,metric,period,date,object_type,object_id,value\n"
    assert report["after_import"] == {"default": tracked, "other": tracked}

    # verify on default recomputes from default's (empty) source rows.
    assert "differ from a recomputation" in report["verify_default"]
