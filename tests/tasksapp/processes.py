"""Helpers of the tests that run real ``django-admin`` processes on tests.settings_tasks.

Those processes work on databases of their own (never the pytest test database), made
here before a test and dropped after it, so that such tests run beside the rest of the
suite on every database.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent.parent


def process_env(tmp_path: Path) -> tuple[dict[str, str], list[str]]:
    """The environment of the processes, and the server database names they use."""
    # Named after the test database, which pytest-xdist makes unique per worker.
    base = connection.settings_dict["NAME"]
    name = str(tmp_path / "processes") if connection.vendor == "sqlite" else f"{base}_processes"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_tasks",
        "TRACKSTATS_TEST_DB_NAME": name,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    # tests.settings_tasks names the "other" alias after the default one.
    server_names = [] if connection.vendor == "sqlite" else [name, f"{name}_other"]
    return env, server_names


def create_databases(names: list[str]) -> None:
    if not names:
        return  # SQLite makes its files on first connection
    drop_databases(names)
    with connection._nodb_cursor() as cursor:
        for name in names:
            quoted = connection.ops.quote_name(name)
            charset = " CHARACTER SET utf8mb4" if connection.vendor == "mysql" else ""
            cursor.execute(f"CREATE DATABASE {quoted}{charset}")


def drop_databases(names: list[str]) -> None:
    # A server process of a worker that just exited may not have gone yet: FORCE
    # (PostgreSQL 13+) ends it instead of failing with "being accessed by other users".
    if not names:
        return
    force = " WITH (FORCE)" if connection.vendor == "postgresql" else ""
    with connection._nodb_cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}{force}")


def django_admin(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run ``python -m django ARGS`` as a deployment would; its stdout, or fail loudly."""
    done = subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"django-admin {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def seed_fixture(path: Path) -> list[tuple[int, datetime.datetime, int]]:
    """Customers and orders over the last nine days; (customer, created, quantity)."""
    now = timezone.now().replace(microsecond=0)
    orders = [
        (1 + i % 3, now - datetime.timedelta(days=i % 9, hours=(5 * i) % 7), 1 + i % 4)
        for i in range(40)
    ]
    joined = (now - datetime.timedelta(days=30)).isoformat()
    objects = [
        {"model": "testapp.customer", "pk": pk, "fields": {"name": f"c{pk}", "joined": joined}}
        for pk in (1, 2, 3)
    ]
    objects += [
        {
            "model": "testapp.order",
            "pk": number,
            "fields": {"customer": customer, "created": created.isoformat(), "quantity": qty},
        }
        for number, (customer, created, qty) in enumerate(orders, start=1)
    ]
    path.write_text(json.dumps(objects), encoding="utf-8")
    return orders
