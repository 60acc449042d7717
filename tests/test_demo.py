"""``manage.py demo`` of the example project, run for real on a throwaway SQLite file.

The demo runs in a subprocess: it has its own settings (``demo_site.settings``) while
this process is configured with ``tests.settings``. The statistics it stores are then
read straight from the SQLite file and checked against the generated shop data.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example" / "manage.py"
DAY, WEEK, MONTH, LIFETIME = 86400, 7 * 86400, 30 * 86400, 0


def manage(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the example's manage.py on ``database``, warnings as errors."""
    env = {
        **os.environ,
        # pytest-django exported tests.settings; the example has its own.
        "DJANGO_SETTINGS_MODULE": "demo_site.settings",
        "DEMO_DATABASE": str(database),
        "PYTHONWARNINGS": "error",
    }
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_demo(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = manage(database, "demo", "--no-serve", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def stored(connection: sqlite3.Connection, table: str) -> dict[tuple[str, int], list[tuple]]:
    """(metric label, period) -> [(date, value), ...] ordered by date."""
    rows = connection.execute(
        f"""
        SELECT d.ref || '.' || m.ref, s.period, s.date, s.value
        FROM {table} s
        JOIN trackstats_metric m ON m.id = s.metric_id
        JOIN trackstats_domain d ON d.id = m.domain_id
        ORDER BY s.date
        """
    ).fetchall()
    result: dict[tuple[str, int], list[tuple]] = {}
    for label, period, date, value in rows:
        result.setdefault((label, period), []).append((date, value))
    return result


def scalar(connection: sqlite3.Connection, sql: str) -> object:
    return connection.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    first = run_demo(database, "--rows", "2000")
    second = run_demo(database, "--rows", "2000")
    connection = sqlite3.connect(database)
    yield first, second, connection
    connection.close()


def test_every_demo_metric_is_stored(demo):
    _, _, connection = demo
    by_date = stored(connection, "trackstats_statisticbydate")
    assert set(by_date) == {
        ("users.user_count", DAY),
        ("users.user_count", LIFETIME),
        ("shopping.order_count", DAY),
        ("shopping.order_count", WEEK),
        ("shopping.order_count", MONTH),
        ("shopping.order_count", LIFETIME),
        ("community.comment_count", DAY),
        ("community.active_commenters", WEEK),
        ("twitter.followers_count", LIFETIME),
    }
    assert set(stored(connection, "shop_revenuestatistic")) == {
        ("shopping.revenue", DAY),
        ("shopping.revenue", MONTH),
    }
    assert set(stored(connection, "trackstats_statisticbydateandobject")) == {
        ("shopping.orders_per_user", DAY)
    }


def test_tracked_values_match_the_shop_data(demo):
    _, _, connection = demo
    by_date = stored(connection, "trackstats_statisticbydate")
    orders = scalar(connection, "SELECT COUNT(*) FROM shop_order")
    comments = scalar(connection, "SELECT COUNT(*) FROM shop_comment")
    assert orders == 1160
    assert comments == 720

    assert sum(value for _, value in by_date[("shopping.order_count", DAY)]) == orders
    assert by_date[("shopping.order_count", LIFETIME)][-1][1] == orders
    assert sum(value for _, value in by_date[("community.comment_count", DAY)]) == comments
    commenters = scalar(connection, "SELECT COUNT(DISTINCT user_id) FROM shop_comment")
    weekly = [value for _, value in by_date[("community.active_commenters", WEEK)]]
    assert 0 < max(weekly) <= commenters

    revenue = stored(connection, "shop_revenuestatistic")[("shopping.revenue", DAY)]
    paid = connection.execute(
        "SELECT amount FROM shop_order WHERE status IN ('paid', 'shipped')"
    ).fetchall()
    # SQLite keeps decimals as floating point; Django reads them back rounded to cents.
    cents = Decimal("0.01")
    assert sum(Decimal(str(value)).quantize(cents) for _, value in revenue) == sum(
        Decimal(str(amount)) for (amount,) in paid
    )
    per_user = scalar(connection, "SELECT SUM(value) FROM trackstats_statisticbydateandobject")
    assert per_user == orders


def test_followers_are_recorded_for_thirty_days(demo):
    _, _, connection = demo
    followers = stored(connection, "trackstats_statisticbydate")[
        ("twitter.followers_count", LIFETIME)
    ]
    assert len(followers) == 30
    assert all(value > 1000 for _, value in followers)


def test_admin_login_is_created_once(demo):
    _, _, connection = demo
    rows = connection.execute(
        "SELECT is_superuser, is_staff FROM auth_user WHERE username = 'demo'"
    ).fetchall()
    assert rows == [(1, 1)]


def test_second_run_reuses_the_data(demo):
    first, second, connection = demo
    assert "Generating shop data" in first.stdout
    assert "Reusing the shop data" in second.stdout
    assert "Generating shop data" not in second.stdout
    # The data was not generated twice.
    assert scalar(connection, "SELECT COUNT(*) FROM shop_order") == 1160


def test_second_run_tracks_incrementally(demo):
    first, second, _ = demo
    written = [
        int(re.search(r"([\d,]+) rows written", run.stdout)[1].replace(",", ""))
        for run in (first, second)
    ]
    # The first run covers the year; the second only the last stored date onwards.
    assert written[0] > 4000
    assert 0 < written[1] < written[0] / 10


def test_summary_table_lists_the_metrics(demo):
    first, _, _ = demo
    summary = first.stdout.split("Statistics stored", 1)[1]
    header = summary.strip().splitlines()[0].split()
    assert header == ["metric", "period", "rows", "latest", "date", "latest", "value"]
    for label in ("shopping.revenue", "community.active_commenters", "twitter.followers_count"):
        assert label in summary


def test_demo_migrations_match_its_models(tmp_path):
    result = manage(tmp_path / "demo.sqlite3", "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_rejects_a_tiny_row_count(tmp_path):
    result = manage(tmp_path / "demo.sqlite3", "demo", "--no-serve", "--rows", "5")
    assert result.returncode != 0
    assert "--rows must be at least 100" in result.stderr
