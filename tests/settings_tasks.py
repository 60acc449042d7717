"""Settings for the processes of the worker test: tests.settings plus Django Tasks.

Tasks are stored by django-tasks-db's DatabaseBackend and run by its ``db_worker``
command; tests.tasksapp registers the trackers they run. The pytest process itself
keeps tests.settings: tests/test_tasks_worker.py starts these processes on a database
of their own.
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db", "tests.tasksapp"]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
