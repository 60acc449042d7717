"""Settings for the test processes that run real commands: tests.settings plus Django Tasks.

Tasks are stored by django-tasks-db's DatabaseBackend and run by its ``db_worker``
command; tests.tasksapp registers the trackers they run. A second database alias,
``other``, lets tests/test_command_databases.py check ``--database``. The pytest process
itself keeps tests.settings: tests/test_tasks_worker.py and
tests/test_command_databases.py start processes with these settings on databases of
their own.
"""

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db", "tests.tasksapp"]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

_default = dict(DATABASES["default"])
_other = dict(_default)
if _default["ENGINE"] == "django.db.backends.sqlite3":
    # Several worker processes write at once. A deferred SQLite transaction that reads
    # and then writes fails at once with "database is locked" when another process
    # writes; IMMEDIATE transactions queue for the write lock instead (docs/scheduling.md).
    _default["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
    _other["NAME"] = _default["NAME"].removesuffix(".sqlite3") + "_other.sqlite3"
else:
    _other["NAME"] = _default["NAME"] + "_other"
DATABASES = {"default": _default, "other": _other}
