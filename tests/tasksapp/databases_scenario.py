"""``--database`` on every subcommand, run in one process on tests.settings_tasks.

The source rows live only in the ``other`` database. tests/test_command_databases.py
runs :func:`main` and checks the JSON it prints.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from trackstats.models import StatisticByDate, StatisticByDateAndObject
from trackstats.registry import registry


def trackstats(*args: str) -> str:
    out = io.StringIO()
    call_command("trackstats", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        alias: StatisticByDate.objects.using(alias).count()
        + StatisticByDateAndObject.objects.using(alias).count()
        for alias in ("default", "other")
    }


def copy_metrics_to_other() -> None:
    """Give ``other`` the domains and metrics of ``default``, with the same primary keys.

    Lazily registered metrics are resolved on the default database and trackers store
    their primary key, so the database a tracker writes to needs the same rows (see
    "--database" in docs/registry-and-commands.md).
    """
    for entry in registry.all():
        entry.tracker.metric  # noqa: B018  (resolves the lazy registration on default)
    with tempfile.TemporaryDirectory() as folder:
        catalogue = Path(folder) / "metrics.json"
        call_command("dumpdata", "trackstats.domain", "trackstats.metric", output=str(catalogue))
        call_command("loaddata", str(catalogue), database="other", verbosity=0)


def main(fixture: str) -> None:
    for alias in ("default", "other"):
        call_command("migrate", database=alias, verbosity=0)
    call_command("loaddata", fixture, database="other", verbosity=0)
    copy_metrics_to_other()
    report: dict[str, object] = {}

    trackstats("track", "--database", "other")
    report["after_track"] = counts()
    report["list_other"] = trackstats("list", "--database", "other")
    report["list_default"] = trackstats("list")
    report["verify_other"] = trackstats("verify", "--database", "other")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stats.csv"
        trackstats("export", "--database", "other", "--output", str(path))
        report["exported_lines"] = len(path.read_text(encoding="utf-8").splitlines())
        report["export_default"] = trackstats("export")
        trackstats("import", str(path), "--database", "default")
    report["after_import"] = counts()

    # The default database holds the statistics but none of their source rows.
    try:
        trackstats("verify", "--database", "default")
    except CommandError as exc:
        report["verify_default"] = str(exc)
    json.dump(report, sys.stdout)
