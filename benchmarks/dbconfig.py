"""Database settings shared by both settings modules, chosen by environment variables.

BENCH_DB selects the vendor (sqlite, postgres or mariadb), BENCH_DB_NAME the database (a
file under benchmarks/results/ for SQLite). The harness sets both for every subprocess.
"""

from __future__ import annotations

import os
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
VENDORS = ("sqlite", "postgres", "mariadb")


def database_settings(default_name: str) -> dict:
    vendor = os.environ.get("BENCH_DB", "sqlite")
    name = os.environ.get("BENCH_DB_NAME", default_name)
    if vendor == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(RESULTS_DIR / f"{name}.sqlite3"),
        }
    if vendor == "postgres":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": os.environ.get("BENCH_PG_USER", "postgres"),
            "HOST": os.environ.get("BENCH_PG_HOST", "127.0.0.1"),
            "PORT": os.environ.get("BENCH_PG_PORT", "5432"),
        }
    if vendor == "mariadb":
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": name,
            "USER": os.environ.get("BENCH_MY_USER", "root"),
            "PASSWORD": os.environ.get("BENCH_MY_PASSWORD", ""),
            "HOST": os.environ.get("BENCH_MY_HOST", "127.0.0.1"),
            "PORT": os.environ.get("BENCH_MY_PORT", "3306"),
            "OPTIONS": {"charset": "utf8mb4"},
        }
    raise RuntimeError(f"BENCH_DB must be one of {', '.join(VENDORS)}, not {vendor!r}")


def common_settings() -> dict:
    return {
        "SECRET_KEY": "trackstats-benchmarks-only",
        "DEBUG": False,
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
    }
