"""Settings for the processes of the worker test: tests.settings plus Django Tasks.

Tasks are stored by django-tasks-db's DatabaseBackend and run by its ``db_worker``
command; tests.tasksapp registers the trackers they run. The pytest process itself
keeps tests.settings: tests/test_tasks_worker.py starts these processes on a database
of their own.
"""

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db", "tests.tasksapp"]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several worker processes write at once. A deferred SQLite transaction that reads
    # and then writes fails at once with "database is locked" when another process
    # writes; IMMEDIATE transactions queue for the write lock instead (docs/scheduling.md).
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
