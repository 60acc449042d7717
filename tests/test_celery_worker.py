"""Tracking on a real Celery worker, with the Redis of the test machine as broker.

The worker is ``celery -A tests.tasksapp.celery_app worker``, a process of its own on
tests.settings_tasks (tests.tasksapp's stats.py registers the trackers) and on the
databases that ``process_env_with_databases`` makes for process tests, so that it runs
on SQLite, PostgreSQL and MariaDB beside the rest of the suite. Tasks reach it two ways:
``trackstats.celery_tasks.enqueue_all()`` called twice in a ``manage.py shell`` process
(so that the same tracker may run in both pool processes at once), and the
``trackstats.enqueue_all`` task of a beat entry sent by name from here. The stored
statistics are then read back with ``trackstats export`` and compared with a
recomputation in plain Python. The module's arguments checks and import error, which
need no worker, are tested first.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery.result import AsyncResult
from django.utils import timezone

from tests.tasksapp.celery_app import REDIS_URL, make_app
from tests.tasksapp.processes import ROOT, django_admin, seed_fixture
from trackstats.celery_tasks import ENQUEUE_ALL, beat_entry, enqueue_all
from trackstats.registry import registry

WORKER_TIMEOUT = 180
SHUTDOWN_TIMEOUT = 30
TRACKERS = 4

ENQUEUE_TWICE = """
import json
import tests.tasksapp.celery_app
from trackstats.celery_tasks import enqueue_all
print(json.dumps([result.id for _ in range(2) for result in enqueue_all()]))
"""


def test_import_without_celery_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "celery", None)
    monkeypatch.delitem(sys.modules, "trackstats.celery_tasks")
    with pytest.raises(ImportError, match=r"pip install 'trackstats\[celery\]'"):
        importlib.import_module("trackstats.celery_tasks")


def test_bad_arguments_fail_before_anything_is_sent(monkeypatch):
    monkeypatch.setattr(registry, "_entries", [])
    with pytest.raises(LookupError, match=r"no tracker is registered for 'shop\.orders'"):
        enqueue_all(metrics=["shop.orders"])
    with pytest.raises(TypeError, match=r"metrics must be a list"):
        enqueue_all(metrics="shop.orders")
    with pytest.raises(TypeError, match=r"since must be a datetime\.date"):
        beat_entry(60, since=datetime.datetime(2024, 1, 31, tzinfo=datetime.timezone.utc))
    assert beat_entry(60) == {"task": ENQUEUE_ALL, "schedule": 60, "kwargs": {}}


def expected_statistics(orders, today: datetime.date) -> dict[tuple, int]:
    """What tests/tasksapp/stats.py's trackers store, recomputed day by day from the rows."""
    zone = timezone.get_default_timezone()
    rows = [(who, timezone.localdate(created, zone), qty) for who, created, qty in orders]
    expected: dict[tuple, int] = {}
    day = min(row_day for _, row_day, _ in rows)
    while day <= today:
        text = day.isoformat()
        of_day = [row for row in rows if row[1] == day]
        of_week = [row for row in rows if day - datetime.timedelta(days=6) <= row[1] <= day]
        if of_day:
            expected[("orders", "day", text, None)] = len(of_day)
        expected[("orders", "lifetime", text, None)] = sum(row[1] <= day for row in rows)
        if of_week:
            expected[("quantity", "week", text, None)] = sum(row[2] for row in of_week)
        for customer in {row[0] for row in of_day}:
            count = sum(row[0] == customer for row in of_day)
            expected[("orders_per_customer", "day", text, str(customer))] = count
        day += datetime.timedelta(days=1)
    return expected


def require_redis(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is not answering at {url} ({exc}); the Celery worker test needs it as "
            "broker. Start it (.ci/run does when `redis-cli ping` fails) or point "
            "TRACKSTATS_TEST_REDIS_URL at one."
        )
    return client


@contextlib.contextmanager
def celery_worker(env: dict[str, str], node: str, log: Path) -> Iterator[subprocess.Popen]:
    """A running ``celery worker``, stopped (and if need be killed) on the way out."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "tests.tasksapp.celery_app",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "2",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "INFO",
        "--hostname",
        node,
    ]
    with log.open("w", encoding="utf-8") as output:
        worker = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            # Its own process group, so that the pool processes can be killed with it.
            start_new_session=True,
        )
    try:
        yield worker
    finally:
        worker.terminate()  # a warm shutdown: finishes the running tasks first
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=SHUTDOWN_TIMEOUT)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def wait_for(results: list[AsyncResult], worker: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WORKER_TIMEOUT
    pending = list(results)
    while pending:
        pending = [result for result in pending if not result.ready()]
        if not pending:
            return
        if worker.poll() is not None:
            pytest.fail(f"the Celery worker exited with {worker.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(
                f"{len(pending)} task(s) unfinished after {WORKER_TIMEOUT}s:\n{log.read_text()}"
            )
        time.sleep(0.1)


@pytest.mark.slow
def test_celery_worker_tracks_every_registered_tracker(process_env_with_databases, tmp_path):
    redis_client = require_redis(REDIS_URL)
    namespace = f"trackstats-test-{uuid.uuid4().hex[:12]}"
    env = {**process_env_with_databases, "TRACKSTATS_CELERY_NAMESPACE": namespace}
    node = f"{namespace}@localhost"
    log = tmp_path / "worker.log"
    client = make_app(namespace)

    django_admin(env, "migrate", "--verbosity", "0")
    fixture = tmp_path / "shop.json"
    orders = seed_fixture(fixture)
    django_admin(env, "loaddata", str(fixture), "--verbosity", "0")
    first_day = min(timezone.localdate(created) for _, created, _ in orders)

    started = time.monotonic()
    try:
        with celery_worker(env, node, log) as worker:
            # Sent while the worker starts: the tasks wait in the queue for it.
            ids = json.loads(django_admin(env, "shell", "--no-imports", "-c", ENQUEUE_TWICE))
            assert len(ids) == 2 * TRACKERS
            entry = beat_entry(60, metrics=["worker.quantity"], since=first_day)
            fan_out = client.send_task(entry["task"], kwargs=entry["kwargs"])
            wait_for([fan_out], worker, log)
            assert fan_out.successful(), fan_out.traceback
            ids += fan_out.result

            results = [AsyncResult(task_id, app=client) for task_id in ids]
            wait_for(results, worker, log)
        duration = time.monotonic() - started

        failures = [result.traceback for result in results if not result.successful()]
        assert failures == [], "\n".join(failures)
        assert fan_out.name == ENQUEUE_ALL
        # Run by the worker process, not in the processes that sent them.
        assert {result.worker for result in [fan_out, *results]} == {node}
        reports = [result.result for result in results]
        names = sorted(report["name"] for report in reports)
        assert names == sorted(
            [
                *2 * ["worker.orders.day", "worker.orders.lifetime"],
                *2 * ["worker.orders_per_customer.day"],
                *3 * ["worker.quantity.week"],
            ]
        )
        assert reports[-1]["start_date"] == first_day.isoformat()
        (today,) = {report["end_date"] for report in reports}
    finally:
        client.close()
        for key in redis_client.scan_iter(match=f"{namespace}:*"):
            redis_client.delete(key)
        redis_client.close()
    print(f"Celery worker ran {len(results)} tracking tasks in {duration:.1f}s")

    stored = {}
    for line in django_admin(env, "trackstats", "export", "--format", "jsonl").splitlines():
        record = json.loads(line)
        assert record["domain"] == "worker"
        key = (record["metric"], record["period"], record["date"], record["object_id"])
        stored[key] = record["value"]
    assert stored == expected_statistics(orders, datetime.date.fromisoformat(today))

    verified = django_admin(env, "trackstats", "verify")
    assert f"{TRACKERS} tracker(s) match the stored statistics." in verified
