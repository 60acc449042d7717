"""Tracking on real workers: tasks enqueued with django-tasks-db, run by ``db_worker``.

The processes use tests.settings_tasks (the test settings plus the tasks backend and
tests.tasksapp, whose stats.py registers the trackers) on a database of their own,
created here and dropped afterwards, so that this test runs beside the rest of the
suite on every database. Every step is the real command a deployment would run:
``migrate``, ``loaddata``, ``trackstats track --enqueue`` (twice, so that the same
tracker may run on both workers at once), two ``db_worker`` processes, then
``trackstats export`` and ``trackstats verify`` to read back what the workers wrote.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import json
import subprocess
import sys

import pytest
from django.utils import timezone

from tests.tasksapp.processes import (
    ROOT,
    django_admin,
    seed_fixture,
)

WORKER_TIMEOUT = 180

pytestmark = pytest.mark.slow


def expected_statistics(orders, today: datetime.date) -> dict[tuple, int]:
    """What the registered trackers must store, worked out in plain Python."""
    zone = timezone.get_default_timezone()
    per_day = collections.Counter()
    quantity_per_day = collections.Counter()
    per_customer_day = collections.Counter()
    for customer, created, quantity in orders:
        day = timezone.localdate(created, zone)
        per_day[day] += 1
        quantity_per_day[day] += quantity
        per_customer_day[(customer, day)] += 1
    first = min(per_day)
    expected: dict[tuple, int] = {}
    for day, count in per_day.items():
        expected[("orders", "day", day.isoformat(), None)] = count
    running = 0
    day = first
    while day <= today:
        running += per_day[day]
        expected[("orders", "lifetime", day.isoformat(), None)] = running
        week = sum(quantity_per_day[day - datetime.timedelta(days=k)] for k in range(7))
        if week:
            expected[("quantity", "week", day.isoformat(), None)] = week
        day += datetime.timedelta(days=1)
    for (customer, day), count in per_customer_day.items():
        expected[("orders_per_customer", "day", day.isoformat(), str(customer))] = count
    return expected


def test_db_workers_track_every_registered_tracker(process_env_with_databases, tmp_path):
    django_admin(process_env_with_databases, "migrate", "--verbosity", "0")
    fixture = tmp_path / "shop.json"
    orders = seed_fixture(fixture)
    django_admin(process_env_with_databases, "loaddata", str(fixture), "--verbosity", "0")

    # Enqueued twice: two workers may run the same tracker at the same time, as two
    # machines would; the values must come out right all the same.
    for _ in range(2):
        out = django_admin(process_env_with_databases, "trackstats", "track", "--enqueue")
        assert "Enqueued 4 tracking tasks." in out

    worker_command = [
        sys.executable,
        "-m",
        "django",
        "db_worker",
        "--batch",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.1",
    ]
    workers = [
        subprocess.Popen(
            [*worker_command, "--worker-id", f"worker-{number}"],
            cwd=ROOT,
            env=process_env_with_databases,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for number in (1, 2)
    ]
    outputs = []
    try:
        for worker in workers:
            outputs.append(worker.communicate(timeout=WORKER_TIMEOUT)[0])
    finally:
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.kill()
            worker.wait()
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    report = json.loads(
        django_admin(
            process_env_with_databases,
            "shell",
            "--no-imports",
            "-c",
            "import json; from django_tasks_db.models import DBTaskResult; "
            "from trackstats.clock import today_in; "
            "print(json.dumps({'today': str(today_in()), 'tasks': list("
            "DBTaskResult.objects.values_list('status', 'worker_ids', 'traceback'))}))",
        )
    )
    failures = [traceback for status, _, traceback in report["tasks"] if status != "SUCCESSFUL"]
    assert failures == [], "\n".join(failures)
    assert len(report["tasks"]) == 8
    # Run by the two workers, not in the enqueuing process.
    ran_on = {worker for _, worker_ids, _ in report["tasks"] for worker in worker_ids}
    assert all(worker_ids for _, worker_ids, _ in report["tasks"])
    assert ran_on <= {"worker-1", "worker-2"}

    exported = django_admin(
        process_env_with_databases, "trackstats", "export", "--format", "jsonl"
    )
    stored = {}
    for line in exported.splitlines():
        record = json.loads(line)
        assert record["domain"] == "worker"
        key = (record["metric"], record["period"], record["date"], record["object_id"])
        stored[key] = record["value"]
    today = datetime.date.fromisoformat(report["today"])
    assert stored == expected_statistics(orders, today)

    # By default verify compares the whole stored history.
    verified = django_admin(process_env_with_databases, "trackstats", "verify")
    assert "4 tracker(s) match the stored statistics." in verified
