"""Settings for the test suite.

TRACKSTATS_TEST_DB selects the database: sqlite (default), postgres or mysql.
TRACKSTATS_TEST_DB_NAME names it, so that parallel runs on one server do not collide
(the test database is that name prefixed with ``test_``).
"""

import os

SECRET_KEY = "trackstats-tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = os.environ.get("TRACKSTATS_TEST_TIME_ZONE", "UTC")
ALLOWED_HOSTS = ["*"]

_VENDOR = os.environ.get("TRACKSTATS_TEST_DB", "sqlite")
_NAME = os.environ.get("TRACKSTATS_TEST_DB_NAME", "trackstats")

if _VENDOR == "sqlite":
    _DATABASE = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": f"{_NAME}.sqlite3",
        # A file, not memory, so that tests can share it with worker processes.
        "TEST": {"NAME": f"test_{_NAME}.sqlite3"},
        "OPTIONS": {"timeout": 30},
    }
elif _VENDOR == "postgres":
    _DATABASE = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _NAME,
        "USER": os.environ.get("TRACKSTATS_PG_USER", "postgres"),
        "HOST": os.environ.get("TRACKSTATS_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("TRACKSTATS_PG_PORT", "5432"),
    }
elif _VENDOR == "mysql":
    _DATABASE = {
        "ENGINE": "django.db.backends.mysql",
        "NAME": _NAME,
        "USER": os.environ.get("TRACKSTATS_MYSQL_USER", "root"),
        "PASSWORD": os.environ.get("TRACKSTATS_MYSQL_PASSWORD", ""),
        "HOST": os.environ.get("TRACKSTATS_MYSQL_HOST", "127.0.0.1"),
        "PORT": os.environ.get("TRACKSTATS_MYSQL_PORT", "3306"),
        "OPTIONS": {"charset": "utf8mb4"},
        "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
    }
else:
    raise RuntimeError(f"TRACKSTATS_TEST_DB must be sqlite, postgres or mysql, not {_VENDOR!r}")

DATABASES = {"default": _DATABASE}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "trackstats",
    "tests.testapp",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
