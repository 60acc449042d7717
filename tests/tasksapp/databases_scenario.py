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

from trackstats.models import Domain, Metric, StatisticByDate, StatisticByDateAndObject


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


def offset_primary_keys_of_other() -> None:
    """Give ``other`` catalogue rows of its own first, so that the registered metrics
    get different primary keys there than on ``default``: trackers must match them by
    natural key, not by the primary key resolved on ``default``."""
    domain = Domain.objects.using("other").create(ref="unrelated")
    for ref in ("a", "b", "c"):
        Metric.objects.using("other").create(domain=domain, ref=ref)


def main(fixture: str) -> None:
    for alias in ("default", "other"):
        call_command("migrate", database=alias, verbosity=0)
    call_command("loaddata", fixture, database="other", verbosity=0)
    offset_primary_keys_of_other()
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
