"""The Celery app of tests/test_celery_worker.py: ``celery -A tests.tasksapp.celery_app``.

Configured the way docs/scheduling.md tells a project to, except that the broker and
the result backend are the Redis of the test machine. Every run of the test passes a
namespace of its own (TRACKSTATS_CELERY_NAMESPACE): it prefixes every Redis key and
names the queue, so that test runs sharing one Redis never take each other's tasks.
"""

from __future__ import annotations

import os

from celery import Celery

REDIS_URL = os.environ.get("TRACKSTATS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def make_app(namespace: str, redis_url: str = REDIS_URL) -> Celery:
    app = Celery("trackstats_tests")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    keys = {"global_keyprefix": f"{namespace}:"}
    app.conf.update(
        broker_url=redis_url,
        broker_transport_options=keys,
        broker_connection_retry_on_startup=True,
        result_backend=redis_url,
        result_backend_transport_options=keys,
        # Results name the worker that ran them, so the test can tell.
        result_extended=True,
        task_default_queue=namespace,
        worker_enable_remote_control=False,
        imports=["trackstats.celery_tasks"],
    )
    return app


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings_tasks")
app = make_app(os.environ.get("TRACKSTATS_CELERY_NAMESPACE", "trackstats-tests"))
