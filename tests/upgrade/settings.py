"""Settings shared by both sides of the upgrade check.

The same module configures django-trackstats 0.7 (in its own virtualenv) and this
project, against the database named by UPGRADE_DB_VENDOR and UPGRADE_DB_NAME.
"""

import os

SECRET_KEY = "trackstats-upgrade-check"
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "trackstats"]

_VENDOR = os.environ["UPGRADE_DB_VENDOR"]
_NAME = os.environ["UPGRADE_DB_NAME"]
_ENGINES = {
    "sqlite": {"ENGINE": "django.db.backends.sqlite3", "NAME": _NAME},
    "postgres": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _NAME,
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "5432",
    },
    "mysql": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": _NAME,
        "USER": "root",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": "3306",
        "OPTIONS": {"charset": "utf8mb4"},
    },
}
DATABASES = {"default": _ENGINES[_VENDOR]}
# 0.7's AppConfig does not pin its auto field; match what its last migration made.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
