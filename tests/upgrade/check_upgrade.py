"""Upgrade check: django-trackstats 0.7 makes and fills a database, we migrate it.

Usage: python tests/upgrade/check_upgrade.py --venv07 PATH VENDOR [VENDOR ...]

VENV07 is a virtualenv with django-trackstats==0.7.0 installed (and the database
drivers); .ci/run makes it. Each vendor (sqlite, postgres, mysql) gets a fresh
database named ts_upgrade_07.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB_NAME = "ts_upgrade_07"


def fresh_database(vendor: str, workdir: Path) -> str:
    if vendor == "sqlite":
        return str(workdir / f"{DB_NAME}.sqlite3")
    if vendor == "postgres":
        for sql in (f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}"):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql],
                check=True,
                env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
            )
        return DB_NAME
    if vendor == "mysql":
        sql = (
            f"DROP DATABASE IF EXISTS {DB_NAME}; CREATE DATABASE {DB_NAME} "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
        subprocess.run(["mariadb", "-h", "127.0.0.1", "-uroot", "-e", sql], check=True)
        return DB_NAME
    raise SystemExit(f"unknown vendor {vendor!r}")


def run_side(python: str, script: str, env: dict[str, str], stdin: str | None = None) -> str:
    result = subprocess.run(
        [python, str(ROOT / "tests" / "upgrade" / script)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT if script == "read_back.py" else None,
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{script} failed with exit code {result.returncode}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--venv07", required=True, type=Path)
    parser.add_argument("vendors", nargs="+", choices=["sqlite", "postgres", "mysql"])
    args = parser.parse_args()
    python07 = str(args.venv07 / "bin" / "python")
    with tempfile.TemporaryDirectory() as tmp:
        # 0.7 must import its own trackstats, never ours: its side runs from a copy
        # of the settings package outside the project.
        side07 = Path(tmp) / "side07"
        (side07 / "tests" / "upgrade").mkdir(parents=True)
        for package in (side07 / "tests", side07 / "tests" / "upgrade"):
            (package / "__init__.py").write_text("")
        settings_source = ROOT / "tests" / "upgrade" / "settings.py"
        (side07 / "tests" / "upgrade" / "settings.py").write_text(settings_source.read_text())
        for vendor in args.vendors:
            name = fresh_database(vendor, Path(tmp))
            base = {**os.environ, "UPGRADE_DB_VENDOR": vendor, "UPGRADE_DB_NAME": name}
            # PYTHONSAFEPATH keeps the script's folder off sys.path on 0.7's side.
            env07 = {**base, "PYTHONPATH": str(side07), "PYTHONSAFEPATH": "1"}
            filled = run_side(python07, "fill_07.py", env07)
            ours = {**base, "PYTHONPATH": str(ROOT)}
            print(run_side(sys.executable, "read_back.py", ours, stdin=filled).strip())


if __name__ == "__main__":
    main()
