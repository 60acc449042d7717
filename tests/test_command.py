"""``manage.py trackstats``: track, list, verify, export and import."""

import datetime
import decimal
import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.utils import timezone

from tests.tasksapp.processes import ROOT, django_admin
from tests.testapp.models import Customer, Order, RevenueStatistic
from trackstats import clock
from trackstats.models import (
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)
from trackstats.registry import registry
from trackstats.trackers import (
    CountObjectsByDateAndObjectTracker,
    CountObjectsByDateTracker,
    ObjectsByDateTracker,
)

pytestmark = pytest.mark.django_db


class TerminalOutput(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch):
    monkeypatch.setattr(registry, "_entries", [])


@pytest.fixture
def today():
    return clock.today_in()


def at(today, days_ago, hour=12):
    day = today - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def shop(today):
    """Orders of two customers over the last five days, and four registered trackers."""
    domain = Domain.objects.create(ref="shop")
    orders = Metric.objects.create(domain=domain, ref="orders")
    items = Metric.objects.create(domain=domain, ref="items")
    per_customer = Metric.objects.create(domain=domain, ref="per_customer")
    ada = Customer.objects.create(name="ada", joined=at(today, 30))
    ben = Customer.objects.create(name="ben", joined=at(today, 30))
    for days_ago, customer, quantity in [(4, ada, 1), (2, ada, 2), (2, ben, 5), (0, ben, 3)]:
        Order.objects.create(customer=customer, created=at(today, days_ago), quantity=quantity)
    entries = {
        "day": registry.register(
            CountObjectsByDateTracker(period=Period.DAY, metric=orders, date_field="created"),
            Order.objects.all,
        ),
        "lifetime": registry.register(
            CountObjectsByDateTracker(period=Period.LIFETIME, metric=orders, date_field="created"),
            Order.objects.all(),
        ),
        "items": registry.register(
            ObjectsByDateTracker(
                period=Period.WEEK, metric=items, date_field="created", aggr_op=Sum("quantity")
            ),
            Order.objects.all,
        ),
        "per_customer": registry.register(
            CountObjectsByDateAndObjectTracker(
                period=Period.DAY,
                metric=per_customer,
                date_field="created",
                object_model=Customer,
                object_field="customer",
                statistic_model=StatisticByDateAndObject,
            ),
            Order.objects.all,
        ),
    }
    return {"orders": orders, "items": items, "ada": ada, "ben": ben, "entries": entries}


def run(*args, stdout=None, **options):
    stdout = stdout if stdout is not None else io.StringIO()
    call_command("trackstats", *args, stdout=stdout, stderr=io.StringIO(), **options)
    return stdout.getvalue()


def lifetime_series(shop, today):
    return StatisticByDate.objects.narrow(metric=shop["orders"], period=Period.LIFETIME).series(
        today - datetime.timedelta(days=4), today
    )


# ---------------------------------------------------------------------------- track
def test_track_runs_every_tracker_and_sums_up(shop, today):
    out = run("track")

    assert "Tracked 4 trackers:" in out
    assert "rows written, 0 removed in" in out
    assert "\r" not in out  # not a terminal: no progress bar
    assert [value for _, value in lifetime_series(shop, today)] == [1, 1, 3, 3, 4]
    day = StatisticByDate.objects.narrow(metric=shop["orders"], period=Period.DAY)
    assert [v for _, v in day.series(today - datetime.timedelta(days=4), today)] == [
        1,
        0,
        2,
        0,
        1,
    ]
    per_customer = StatisticByDateAndObject.objects.series_by_object(
        today - datetime.timedelta(days=2), today, objects=[shop["ada"], shop["ben"]]
    )
    assert [v for _, v in per_customer[shop["ben"]]] == [1, 0, 1]
    written = StatisticByDate.objects.count() + StatisticByDateAndObject.objects.count()
    assert f"Tracked 4 trackers: {written} rows written" in out


def test_track_selected_metric_with_details(shop, today):
    out = run("track", "--metric", "shop.items", "shop.orders.day", verbosity=2)
    assert "shop.items.week:" in out
    assert "shop.orders.day:" in out
    assert "Tracked 2 trackers" in out
    assert not StatisticByDate.objects.filter(period=Period.LIFETIME).exists()
    assert StatisticByDate.objects.filter(metric=shop["items"]).exists()


def test_track_since_recomputes_from_that_date(shop, today):
    run("track")
    StatisticByDate.objects.filter(period=Period.LIFETIME).update(value=100)
    run("track", "--since", (today - datetime.timedelta(days=2)).isoformat())
    values = [value for _, value in lifetime_series(shop, today)]
    assert values == [100, 100, 3, 3, 4]


def test_lookback_recomputes_days_before_the_last_stored_date(shop, today):
    run("track", "--metric", "shop.orders.day")
    Order.objects.filter(created__date=today - datetime.timedelta(days=2)).delete()
    day = StatisticByDate.objects.narrow(metric=shop["orders"], period=Period.DAY)
    assert day.filter(date=today - datetime.timedelta(days=2)).exists()  # not recomputed yet

    out = run("track", "--metric", "shop.orders.day", "--dry-run", "--lookback", "3")
    assert f"for {today - datetime.timedelta(days=3)}..{today}" in out
    run("track", "--metric", "shop.orders.day", "--lookback", "3")
    assert not day.filter(date=today - datetime.timedelta(days=2)).exists()
    run("track", "--metric", "shop.orders.day", lookback=0)


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["--lookback", "-1"], {}, r"days must be 0 or more, got '-1'"),
        (["--lookback", "two"], {}, r"invalid number of days 'two'"),
        ([], {"lookback": 1.5}, r"--lookback: invalid number of days '1\.5'"),
        (
            ["--enqueue", "--lookback", "3"],
            {},
            r"--lookback and --until do not apply to --enqueue",
        ),
    ],
)
def test_bad_lookback(shop, args, options, message):
    with pytest.raises(CommandError, match=message):
        run("track", *args, **options)


def test_progress_bar_only_on_a_terminal(shop):
    terminal = TerminalOutput()
    run("track", stdout=terminal)
    text = terminal.getvalue()
    assert "\r[" in text
    assert "4/4 shop.per_customer.day\x1b[K" in text
    assert "Tracked 4 trackers" in text


def test_progress_bar_without_escapes_under_no_color(shop, monkeypatch):
    terminal = TerminalOutput()
    run("track", "--no-color", stdout=terminal)
    plain = terminal.getvalue()
    assert "\r[" in plain
    assert "\x1b" not in plain
    # Spaces cover what a longer label ("shop.orders.lifetime") left on the line.
    frames = [frame.split("\n")[0] for frame in plain.split("\r")[1:]]
    assert any(frame.endswith("] 2/4 shop.items.week     ") for frame in frames)

    monkeypatch.setenv("NO_COLOR", "1")
    terminal = TerminalOutput()
    run("track", stdout=terminal)
    assert "\r[" in terminal.getvalue()
    assert "\x1b" not in terminal.getvalue()

    monkeypatch.setenv("NO_COLOR", "")  # empty: not set, by https://no-color.org
    terminal = TerminalOutput()
    run("track", stdout=terminal)
    assert "\x1b[K" in terminal.getvalue()


def test_dry_run_writes_nothing(shop):
    out = run("track", "--dry-run")
    assert StatisticByDate.objects.count() == 0
    assert StatisticByDateAndObject.objects.count() == 0
    assert "shop.orders.day: would write 3 rows for " in out
    assert "shop.per_customer.day: would write 4 rows for " in out
    assert "nothing was written" in out


def test_enqueue_runs_tasks_on_the_default_backend(shop, today):
    # Without TASKS settings the default backend runs tasks at once, in process.
    out = run("track", "--enqueue", "--metric", "shop.orders.lifetime", verbosity=2)
    assert "Enqueued 1 tracking tasks." in out
    assert "shop.orders.lifetime: task " in out
    assert [value for _, value in lifetime_series(shop, today)] == [1, 1, 3, 3, 4]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["track", "--metric", "shop.nope"],
            r"--metric: no tracker is registered for 'shop\.nope'",
        ),
        (["track", "--since", "2024-02-30"], r"invalid date '2024-02-30': no such day"),
        (["track", "--since", "yesterday"], r"invalid date 'yesterday': use YYYY-MM-DD"),
        (["verify", "--since", "1/2/2024"], r"invalid date '1/2/2024'"),
        (["track", "--database", "replica"], r"unknown database 'replica'; configured: default"),
        (["explode"], r"invalid choice: 'explode'"),
        (["track", "--dry-run", "--enqueue"], r"not allowed with argument"),
        (
            ["export", "--metric", "shop.nope"],
            r"--metric: no metric shop\.nope in database 'default'; "
            r"known: shop\.items, shop\.orders, shop\.per_customer$",
        ),
        (["export", "--metric", "nope"], r"--metric: unknown metric 'nope'; write it DOMAIN\.REF"),
        (["export", "--output", "stats.xml"], r"cannot tell the format of 'stats\.xml'"),
        (
            ["export", "--from-date", "2024-02-01", "--to-date", "2024-01-01"],
            r"--from-date 2024-02-01 is after --to-date 2024-01-01",
        ),
        (["import", "missing.csv"], r"cannot read missing\.csv"),
        (["import", "stats.txt"], r"cannot tell the format of 'stats\.txt'"),
    ],
)
def test_bad_input_raises_command_error(shop, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def command_line(*args, env=None):
    """``python -m django trackstats ARGS`` on tests.settings: (status, stdout, stderr)."""
    env = env or {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "django", "trackstats", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["track", "--since", "2024-13-01"], "invalid date '2024-13-01': no such day"),
        (["verify", "--since", "yesterday"], "invalid date 'yesterday': use YYYY-MM-DD"),
        (["export", "--to-date", "1/2/2024"], "invalid date '1/2/2024'"),
        (["status", "--warning", "soon"], "invalid number of hours 'soon'"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["track", "--dry-run", "--enqueue"], "not allowed with argument"),
    ],
)
def test_usage_errors_exit_2_with_usage_on_the_command_line(args, message):
    status, out, err = command_line(*args)
    assert status == 2
    assert out == ""
    assert err.startswith("usage: ")
    assert message in err.splitlines()[-1]
    assert "Traceback" not in err


@pytest.mark.slow
def test_bad_values_exit_1_with_a_command_error_on_the_command_line(process_env_with_databases):
    # Naming the registered trackers reads their metrics: the database must exist.
    env = process_env_with_databases
    django_admin(env, "migrate", "--verbosity", "0")
    status, _, err = command_line("list", "--metric", "shop.nope", env=env)
    assert status == 1
    assert err.startswith("CommandError: --metric: no tracker is registered for 'shop.nope'")


@pytest.mark.slow
def test_export_into_a_closed_pipe_stops_quietly(process_env_with_databases):
    env = process_env_with_databases
    django_admin(env, "migrate", "--verbosity", "0")
    # Far more than a pipe holds (64 KiB on Linux), so that the export is still writing
    # when the reader goes away.
    seed = (
        "import datetime\n"
        "from trackstats.models import Domain, Metric, StatisticByDate\n"
        "domain = Domain.objects.create(ref='shop')\n"
        "first = datetime.date(2000, 1, 1)\n"
        "for number in range(5):\n"
        "    metric = Metric.objects.create(domain=domain, ref=f'metric_{number}')\n"
        "    StatisticByDate.objects.bulk_create(\n"
        "        StatisticByDate(metric=metric, period=86400, value=day,\n"
        "                        date=first + datetime.timedelta(days=day))\n"
        "        for day in range(4000))\n"
    )
    django_admin(env, "shell", "--no-imports", "-c", seed)

    export = subprocess.Popen(
        [sys.executable, "-m", "django", "trackstats", "export"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    head = subprocess.Popen(["head", "-1"], stdin=export.stdout, stdout=subprocess.PIPE)
    export.stdout.close()  # head alone reads the pipe, and closes it after one line
    first_line, _ = head.communicate(timeout=120)
    _, errors = export.communicate(timeout=120)

    assert first_line == b"domain,metric,period,date,object_type,object_id,value\n"
    assert errors == b""
    assert export.returncode == 141


@pytest.mark.django_db(transaction=True)
def test_command_line_exit_status_and_options_after_the_subcommand(shop, capsys):
    # run_from_argv closes connections at the end, hence a transactional test.
    run("track")
    StatisticByDate.objects.filter(period=Period.LIFETIME).update(value=99)

    with pytest.raises(SystemExit) as verify_exit:
        ManagementUtility(
            ["manage.py", "trackstats", "verify", "--metric", "shop.orders", "-v", "2"]
        ).execute()
    assert verify_exit.value.code == 1
    captured = capsys.readouterr()
    assert "shop.orders.day: matches" in captured.out
    assert "shop.orders.lifetime " in captured.out
    assert "CommandError: " in captured.err
    assert "differ from a recomputation" in captured.err

    with pytest.raises(SystemExit) as bogus_exit:
        ManagementUtility(["manage.py", "trackstats", "bogus"]).execute()
    assert bogus_exit.value.code == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_verbosity_after_the_subcommand(shop):
    quiet = run("track", "-v", "0")
    assert quiet == ""
    assert StatisticByDate.objects.exists()
    detailed = run("-v", "0", "track", "--verbosity", "2", "--metric", "shop.items")
    assert "shop.items.week: " in detailed


def test_no_subcommand_is_an_error():
    with pytest.raises(CommandError, match="the following arguments are required"):
        run()


def test_since_given_as_keyword_text_is_checked(shop, today):
    run("track", since=today.isoformat())
    with pytest.raises(CommandError, match=r"--since: invalid date 'soon'"):
        run("track", since="soon")


# ---------------------------------------------------------------------------- list
def test_list_shows_trackers_and_last_stored_date(shop, today):
    before = run("list").splitlines()
    assert before[0].split() == [
        "name",
        "metric",
        "period",
        "aggregate",
        "model",
        "last",
        "stored",
    ]
    rows = {line.split()[0]: line.split()[1:] for line in before[2:]}
    assert rows["shop.orders.day"] == [
        "shop.orders",
        "day",
        "Count(*)",
        "trackstats.StatisticByDate",
        "never",
    ]
    assert rows["shop.items.week"][2] == "Sum(quantity)"
    assert rows["shop.per_customer.day"][3] == "trackstats.StatisticByDateAndObject"

    run("track", "--metric", "shop.orders.day")
    after = {line.split()[0]: line.split()[-1] for line in run("list").splitlines()[2:]}
    assert after["shop.orders.day"] == today.isoformat()
    assert after["shop.orders.lifetime"] == "never"


def test_list_with_nothing_registered():
    assert run("list").strip() == "No trackers are registered."


# ---------------------------------------------------------------------------- verify
def test_verify_passes_after_tracking_and_reports_drift(shop, today):
    run("track")
    since = (today - datetime.timedelta(days=6)).isoformat()
    assert "4 tracker(s) match the stored statistics." in run("verify", "--since", since)

    two_days_ago = today - datetime.timedelta(days=2)
    narrow = StatisticByDate.objects.narrow(metric=shop["orders"])
    narrow.filter(period=Period.LIFETIME, date=two_days_ago).update(value=30)
    narrow.filter(period=Period.DAY, date=today).delete()
    StatisticByDate.objects.record(
        shop["orders"], 9, Period.DAY, date=today - datetime.timedelta(days=1)
    )

    out = io.StringIO()
    with pytest.raises(CommandError, match=r"3 stored statistic\(s\) of 2 tracker\(s\) differ"):
        run("verify", "--since", since, stdout=out)
    lines = out.getvalue().splitlines()
    assert f"shop.orders.lifetime {two_days_ago}: stored 30, computed 3" in lines
    assert f"shop.orders.day {today}: stored no row, computed 1" in lines
    assert f"shop.orders.day {today - datetime.timedelta(days=1)}: stored 9, computed 0" in lines

    run("track", "--since", since)
    assert "match" in run("verify", "--since", since)


def test_verify_prints_object_types_and_plain_numbers(shop, today):
    run("track", "--metric", "shop.per_customer")
    StatisticByDateAndObject.objects.filter(object_id=str(shop["ben"].pk), date=today).update(
        value=9
    )
    revenue = Metric.objects.create(domain=shop["orders"].domain, ref="revenue")
    registry.register(
        ObjectsByDateTracker(
            period=Period.DAY,
            metric=revenue,
            date_field="created",
            aggr_op=Sum("amount"),
            statistic_model=RevenueStatistic,
        ),
        Order.objects.all,
    )
    Order.objects.filter(created__date=today).update(amount=decimal.Decimal("12.50"))
    run("track", "--metric", "shop.revenue")
    RevenueStatistic.objects.filter(date=today).update(value=decimal.Decimal("5"))

    out = io.StringIO()
    with pytest.raises(CommandError, match=r"2 stored statistic\(s\) of 2 tracker\(s\)"):
        run("verify", "--metric", "shop.per_customer", "shop.revenue", stdout=out)
    assert out.getvalue().splitlines() == [
        f"shop.per_customer.day {today} testapp.customer {shop['ben'].pk}: stored 9, computed 1",
        f"shop.revenue.day {today}: stored 5.00, computed 12.50",
    ]


def test_verify_a_selected_metric(shop):
    run("track", "--metric", "shop.items")
    assert "1 tracker(s) match" in run("verify", "--metric", "shop.items")


# ---------------------------------------------------------------------------- export / import
def test_export_to_file_and_import_back(shop, tmp_path):
    run("track")
    before = sorted(StatisticByDate.objects.values_list("metric__ref", "period", "date", "value"))
    path = tmp_path / "stats.json"

    out = run("export", "--output", str(path), "--metric", "shop.orders")
    count = StatisticByDate.objects.filter(metric=shop["orders"]).count()
    assert out.strip() == f"Exported {count} statistics to {path}."
    assert len(json.loads(path.read_text(encoding="utf-8"))) == count

    StatisticByDate.objects.filter(metric=shop["orders"]).delete()
    out = run("import", str(path))
    assert out.strip() == f"Imported {count} statistics from {path}."
    after = sorted(StatisticByDate.objects.values_list("metric__ref", "period", "date", "value"))
    assert after == before


def test_export_to_stdout_respects_format_and_dates(shop, today):
    run("track", "--metric", "shop.orders.day")
    text = run(
        "export",
        "--format",
        "csv",
        "--from-date",
        today.isoformat(),
        "--to-date",
        today.isoformat(),
        "--database",
        "default",
    )
    assert text == (
        f"domain,metric,period,date,object_type,object_id,value\nshop,orders,day,{today},,,1\n"
    )


def test_import_into_an_empty_database_creates_metrics(tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text(
        "domain,metric,period,date,object_type,object_id,value\nnew,thing,week,2024-01-07,,,12\n",
        encoding="utf-8",
    )
    out = run("import", str(path), "--database", "default")
    assert "created metrics: new.thing" in out
    assert Metric.objects.get_by_label("new.thing").domain.ref == "new"


def test_import_with_bad_rows_fails_with_line_numbers(tmp_path):
    path = tmp_path / "stats.data"
    path.write_text(
        "domain,metric,period,date,object_type,object_id,value\n"
        "a,b,day,2024-01-01,,,1\n"
        "a,b,day,2024-01-32,,,1\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"1 bad row\(s\), nothing was imported:\nline 3: "):
        run("import", str(path), "--format", "csv")
    assert not Domain.objects.filter(ref="a").exists()
