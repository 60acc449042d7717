"""``trackstats status``: how fresh each tracker is, with monitoring exit statuses.

Runs are logged by ``track()`` as TrackerRun rows; here they are created directly, so
that their ages are exact. ``list --json`` is tested here too: both are for machines.
"""

import datetime
import io
import json
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from tests.tasksapp.processes import ROOT, django_admin
from tests.testapp.models import Order
from trackstats import clock
from trackstats.conf import app_settings
from trackstats.models import Domain, Metric, Period, StatisticByDate, TrackerRun
from trackstats.registry import registry
from trackstats.trackers import CountObjectsByDateTracker

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch):
    monkeypatch.setattr(registry, "_entries", [])


@pytest.fixture
def now():
    return clock.now().replace(microsecond=0)


@pytest.fixture
def trackers():
    """Five registered trackers: shop.<ref>.day for each ref."""
    domain = Domain.objects.create(ref="shop")
    names = []
    for ref in ("fresh", "stale", "old", "never", "broken"):
        metric = Metric.objects.create(domain=domain, ref=ref)
        registry.register(
            CountObjectsByDateTracker(period=Period.DAY, metric=metric, date_field="created"),
            Order.objects.all,
        )
        names.append(f"shop.{ref}.day")
    return names


def log_run(name, finished_at, status="success", error="", seconds=2.0):
    started_at = finished_at - datetime.timedelta(seconds=seconds)
    return TrackerRun.objects.create(
        name=name,
        statistic_model="trackstats.StatisticByDate",
        period=Period.DAY,
        started_at=started_at,
        finished_at=finished_at,
        seconds=seconds,
        status=status,
        error=error,
    )


@pytest.fixture
def history(trackers, now):
    log_run("shop.fresh.day", now - 3 * HOUR)
    log_run("shop.fresh.day", now - HOUR)
    log_run("shop.stale.day", now - 30 * HOUR)
    log_run("shop.old.day", now - 60 * HOUR)
    log_run("shop.broken.day", now - 2 * HOUR)
    log_run(
        "shop.broken.day",
        now - HOUR,
        status="failed",
        error="OperationalError: no such column: no_such_column\nmore detail",
    )
    # Another name (another project's tracker, say) counts for nobody here.
    log_run("shop.never.week", now - HOUR)
    return now


def status(*args, **options):
    """(exit status, output) of ``trackstats status ARGS``."""
    out = io.StringIO()
    try:
        call_command("trackstats", "status", *args, stdout=out, stderr=io.StringIO(), **options)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_states_from_the_run_log(history):
    code, out = status("--json")

    assert code == 2
    found = {row["name"]: row for row in json.loads(out)}
    assert list(found) == [
        "shop.fresh.day",
        "shop.stale.day",
        "shop.old.day",
        "shop.never.day",
        "shop.broken.day",
    ]
    assert {name: row["state"] for name, row in found.items()} == {
        "shop.fresh.day": "ok",
        "shop.stale.day": "warning",
        "shop.old.day": "critical",
        "shop.never.day": "critical",
        "shop.broken.day": "warning",
    }
    fresh = found["shop.fresh.day"]
    assert fresh == {
        "name": "shop.fresh.day",
        "metric": "shop.fresh",
        "period": "day",
        "last_success": fresh["last_success"],
        "age_seconds": fresh["age_seconds"],
        "state": "ok",
        "latest_status": "success",
        "error": None,
    }
    last_success = datetime.datetime.fromisoformat(fresh["last_success"])
    assert last_success == history - HOUR
    assert 3600 <= fresh["age_seconds"] < 3600 + 60
    assert found["shop.never.day"]["last_success"] is None
    assert found["shop.never.day"]["age_seconds"] is None
    assert found["shop.never.day"]["latest_status"] is None
    broken = found["shop.broken.day"]
    assert broken["latest_status"] == "failed"
    assert broken["error"].startswith("OperationalError: no such column")
    assert datetime.datetime.fromisoformat(broken["last_success"]) == history - 2 * HOUR


def test_the_table(history):
    code, out = status()
    assert code == 2
    header, rule, *rows = out.splitlines()
    assert header.split() == [
        "name",
        "metric",
        "period",
        "last",
        "success",
        "age",
        "state",
        "latest",
        "run",
    ]
    assert set(rule) == {"-", " "}
    by_name = {row.split()[0]: row.split()[1:] for row in rows[:5]}
    assert by_name["shop.fresh.day"][3:] == ["1", "h", "0", "min", "ok", "success"]
    assert by_name["shop.stale.day"][3:] == ["1", "d", "6", "h", "warning", "success"]
    assert by_name["shop.never.day"][2:] == ["never", "-", "critical", "never", "ran"]
    assert by_name["shop.broken.day"][-2:] == ["warning", "failed"]
    local = timezone.localtime(history - HOUR).isoformat(timespec="seconds")
    assert by_name["shop.fresh.day"][:3] == ["shop.fresh", "day", local]
    assert rows[5] == (
        "shop.broken.day: latest run failed: OperationalError: no such column: no_such_column"
    )
    assert rows[6] == "1 ok, 2 warning, 2 critical (warning after 26 h, critical after 50 h)."


def test_exit_status_is_the_worst_state(history):
    assert status("--metric", "shop.fresh")[0] == 0
    assert status("--metric", "shop.fresh", "shop.stale")[0] == 1
    assert status("--metric", "shop.broken")[0] == 1  # failed latest run: at least warning
    assert status("--metric", "shop.fresh", "shop.old")[0] == 2
    assert status("--metric", "shop.never")[0] == 2  # never ran: critical


def test_a_failed_latest_run_is_at_least_warning_and_can_be_critical(trackers, now):
    log_run("shop.old.day", now - 60 * HOUR)
    log_run("shop.old.day", now - HOUR, status="failed", error="ValueError: boom")
    log_run("shop.never.day", now - HOUR, status="failed", error="ValueError: boom")
    code, out = status("--metric", "shop.old", "shop.never", "--json")
    assert code == 2
    rows = json.loads(out)
    assert [(row["state"], row["latest_status"], row["error"]) for row in rows] == [
        ("critical", "failed", "ValueError: boom"),
        ("critical", "failed", "ValueError: boom"),
    ]
    assert rows[1]["last_success"] is None


def test_thresholds_from_the_options(history):
    code, out = status("--warning", "40", "--critical", "70.5", "--json")
    states = {row["name"]: row["state"] for row in json.loads(out)}
    assert states["shop.stale.day"] == "ok"
    assert states["shop.old.day"] == "warning"
    assert states["shop.never.day"] == "critical"
    code, out = status("--metric", "shop.fresh", "--warning", "0.5")
    assert code == 1
    assert "(warning after 0.5 h, critical after 50 h)." in out


def test_thresholds_from_the_settings(history):
    with override_settings(
        TRACKSTATS_STATUS_WARNING_AFTER=datetime.timedelta(minutes=30),
        TRACKSTATS_STATUS_CRITICAL_AFTER=datetime.timedelta(days=3),
    ):
        code, out = status("--metric", "shop.fresh", "shop.old", "--json")
        assert [row["state"] for row in json.loads(out)] == ["warning", "warning"]
        assert code == 1
        # An option overrides its setting, the other setting still applies.
        code, out = status("--metric", "shop.fresh", "--warning", "2")
        assert code == 0
        assert "(warning after 2 h, critical after 72 h)." in out


def test_settings_defaults_and_validation():
    warning = app_settings.TRACKSTATS_STATUS_WARNING_AFTER
    critical = app_settings.TRACKSTATS_STATUS_CRITICAL_AFTER
    assert (warning, critical) == (26 * HOUR, 50 * HOUR)
    for bad in (26, datetime.timedelta(0), "26h"):
        with (
            override_settings(TRACKSTATS_STATUS_WARNING_AFTER=bad),
            pytest.raises(ImproperlyConfigured, match="must be a positive datetime"),
        ):
            _ = app_settings.TRACKSTATS_STATUS_WARNING_AFTER


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--warning", "60"], r"the warning threshold \(60 h\) is longer than the critical"),
        (["--metric", "shop.nope"], r"--metric: no tracker is registered for 'shop\.nope'"),
        (["--database", "replica"], r"unknown database 'replica'"),
    ],
)
def test_bad_input_is_unknown_status_3(trackers, args, message):
    with pytest.raises(CommandError, match=message) as error:
        status(*args)
    assert error.value.returncode == 3


def test_bad_hours_are_usage_errors(trackers):
    with pytest.raises(CommandError, match="hours must be a positive number, got '-1'"):
        status("--warning", "-1")
    with pytest.raises(CommandError, match="invalid number of hours 'soon'"):
        status("--critical", "soon")
    with pytest.raises(CommandError, match="--critical: invalid number of hours 'soon'"):
        status(critical="soon")


def test_nothing_registered_is_ok():
    assert status() == (0, "No trackers are registered.\n")
    assert status("--json") == (0, "[]\n")


@pytest.mark.django_db(transaction=True)
def test_exit_status_on_the_command_line(history, capsys):
    # run_from_argv closes connections at the end, hence a transactional test.
    def exit_status(*args):
        with pytest.raises(SystemExit) as exit_:
            ManagementUtility(["manage.py", "trackstats", "status", *args]).execute()
        return exit_.value.code

    assert exit_status("--metric", "shop.stale") == 1
    assert "shop.stale.day" in capsys.readouterr().out
    assert exit_status() == 2
    assert exit_status("--metric", "shop.nope") == 3
    assert "CommandError: --metric: no tracker" in capsys.readouterr().err


@pytest.mark.slow
def test_exit_status_of_a_real_process(process_env_with_databases):
    env = process_env_with_databases
    django_admin(env, "migrate", "--verbosity", "0")

    def status_process(*args):
        done = subprocess.run(
            [sys.executable, "-m", "django", "trackstats", "status", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return done.returncode, done.stdout, done.stderr

    code, out, err = status_process("--json")
    assert (code, err) == (2, "")
    assert {row["state"] for row in json.loads(out)} == {"critical"}  # never ran

    log_everything = (
        "from trackstats import clock\n"
        "from trackstats.models import TrackerRun\n"
        "from trackstats.registry import registry\n"
        "now = clock.now()\n"
        "for entry in registry:\n"
        "    TrackerRun.objects.create(name=entry.name, statistic_model='x', "
        "started_at=now, finished_at=now, seconds=0, status='success')\n"
    )
    django_admin(env, "shell", "--no-imports", "-c", log_everything)
    code, out, err = status_process()
    assert (code, err) == (0, "")
    assert "4 ok, 0 warning, 0 critical" in out
    code, out, err = status_process(
        "--metric", "worker.orders", "--warning", "0.0001", "--critical", "0.0001"
    )
    assert code == 2
    code, out, err = status_process("--metric", "worker.nope")
    assert code == 3
    assert "CommandError: --metric: no tracker is registered" in err


def broken_source():
    raise ValueError("the source is broken")


@pytest.mark.django_db(transaction=True)
def test_status_of_runs_logged_by_track(trackers):
    # Outside a transaction of the test's, track() logs failed runs too.
    registry.clear()
    domain = Domain.objects.get(ref="shop")
    for ref, source in (("fresh", Order.objects.all), ("broken", broken_source)):
        registry.register(
            CountObjectsByDateTracker(
                period=Period.DAY,
                metric=Metric.objects.get(domain=domain, ref=ref),
                date_field="created",
            ),
            source,
        )
    with pytest.raises(CommandError, match="1 of 2 trackers failed"):
        call_command("trackstats", "track", stdout=io.StringIO(), stderr=io.StringIO())

    code, out = status("--json")

    assert code == 2
    fresh, broken = json.loads(out)
    assert (fresh["name"], fresh["state"], fresh["latest_status"]) == (
        "shop.fresh.day",
        "ok",
        "success",
    )
    assert (broken["name"], broken["state"], broken["latest_status"]) == (
        "shop.broken.day",
        "critical",
        "failed",
    )
    assert broken["error"] == "ValueError: the source is broken"
    assert broken["last_success"] is None


# ---------------------------------------------------------------------------- list --json
def test_list_json(trackers, now):
    first = Metric.objects.get_by_label("shop.fresh")
    StatisticByDate.objects.record(first, 3, Period.DAY, date=datetime.date(2024, 5, 1))
    out = io.StringIO()
    call_command("trackstats", "list", "--json", "--metric", "shop.fresh", "shop.old", stdout=out)
    assert json.loads(out.getvalue()) == [
        {
            "name": "shop.fresh.day",
            "metric": "shop.fresh",
            "period": "day",
            "aggregate": "Count(*)",
            "model": "trackstats.StatisticByDate",
            "last_stored": "2024-05-01",
        },
        {
            "name": "shop.old.day",
            "metric": "shop.old",
            "period": "day",
            "aggregate": "Count(*)",
            "model": "trackstats.StatisticByDate",
            "last_stored": None,
        },
    ]


def test_list_json_with_nothing_registered():
    out = io.StringIO()
    call_command("trackstats", "list", "--json", stdout=out)
    assert out.getvalue() == "[]\n"
