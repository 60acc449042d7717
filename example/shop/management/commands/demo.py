"""``manage.py demo``: everything the demo needs, then the admin on http://127.0.0.1:8000/.

Safe to run again: existing shop data is kept and tracking only recomputes from the
most recent stored date.
"""

from __future__ import annotations

import datetime
import random
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Max

from shop import (
    data,
    metrics,  # noqa: F401  (registers the domains and metrics)
)
from shop.models import Comment, Order, RevenueStatistic
from trackstats.clock import today_in
from trackstats.models import (
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)
from trackstats.periods import period_name

FOLLOWER_DAYS = 30
FOLLOWERS_SINCE = datetime.date(2025, 1, 1)
ADMIN_USERNAME = "demo"
ADMIN_PASSWORD = "demo"


class Command(BaseCommand):
    help = (
        "Set up and serve the trackstats demo: migrate, generate a year of shop data "
        "(once), track statistics, create the admin login demo/demo and run the server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rows",
            type=int,
            default=100_000,
            help="Rows of shop data to generate when there is none yet (default 100000).",
        )
        parser.add_argument(
            "--regenerate",
            action="store_true",
            help="Delete the shop data and all statistics, then generate them again.",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Do everything but start the web server (for tests and CI).",
        )
        parser.add_argument(
            "--addrport",
            default="127.0.0.1:8000",
            help="Where the server listens (default 127.0.0.1:8000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rows"] < 100:
            raise CommandError(f"--rows must be at least 100, got {options['rows']}")
        verbosity = options["verbosity"]
        self._step("Migrating the database")
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))

        if options["regenerate"]:
            self._delete_everything()
        self._ensure_data(options["rows"])
        self._record_followers()

        self._step("Tracking statistics (manage.py trackstats track)")
        call_command("trackstats", "track", verbosity=verbosity, stdout=self.stdout)

        self._print_summary()
        self._ensure_admin()

        address = f"http://{options['addrport']}/admin/"
        if options["no_serve"]:
            self.stdout.write(f"\nDone. Serve it with: manage.py demo, then open {address}")
            return
        self.stdout.write(
            self.style.SUCCESS(f"\nOpen {address} and log in as demo / demo (Ctrl-C stops).")
        )
        call_command("runserver", options["addrport"], use_reloader=False)

    def _step(self, title: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"\n{title}"))

    def _delete_everything(self) -> None:
        self._step("Deleting shop data and statistics")
        for model in (RevenueStatistic, StatisticByDateAndObject, StatisticByDate):
            model.objects.all().delete()
        Comment.objects.all().delete()
        Order.objects.all().delete()
        get_user_model().objects.filter(is_staff=False).delete()

    def _ensure_data(self, rows: int) -> None:
        orders = Order.objects.count()
        if orders:
            self._step("Reusing the shop data already in the database")
            self.stdout.write(
                f"{get_user_model().objects.filter(is_staff=False).count():,} users, "
                f"{orders:,} orders, {Comment.objects.count():,} comments "
                "(--regenerate starts over)"
            )
            return
        self._step(f"Generating a year of shop data, about {rows:,} rows")
        started = time.perf_counter()
        plan = data.generate(rows, stream=self.stdout)
        self.stdout.write(
            f"{plan.users:,} users, {plan.orders:,} orders, {plan.comments:,} comments "
            f"in {time.perf_counter() - started:.1f} s"
        )

    def _record_followers(self) -> None:
        """Numbers from outside the database are stored with record(), one per day."""
        today = today_in()
        for offset in range(FOLLOWER_DAYS):
            day = today - datetime.timedelta(days=offset)
            StatisticByDate.objects.record(
                metric=Metric.objects.TWITTER_FOLLOWER,
                value=_followers_on(day),
                period=Period.LIFETIME,
                date=day,
            )

    def _print_summary(self) -> None:
        self._step("Statistics stored")
        body = []
        for model in (StatisticByDate, RevenueStatistic, StatisticByDateAndObject):
            body.extend(_summary_rows(model))
        # By metric, then periods from short to long with lifetime last.
        body.sort(key=lambda row: (row[0], row[1] or float("inf")))
        rows = [
            ("metric", "period", "rows", "latest date", "latest value"),
            *((label, period_name(period), *rest) for label, period, *rest in body),
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for number, row in enumerate(rows):
            cells = [
                cell.ljust(width) if i < 2 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in widths))

    def _ensure_admin(self) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(username=ADMIN_USERNAME).exists():
            return
        user_model.objects.create_superuser(
            ADMIN_USERNAME, f"{ADMIN_USERNAME}@example.com", ADMIN_PASSWORD
        )
        self.stdout.write(f"Created the admin login {ADMIN_USERNAME} / {ADMIN_PASSWORD}")


def _followers_on(day: datetime.date) -> int:
    """A made-up follower count that grows steadily; the same for a date on every run."""
    days = (day - FOLLOWERS_SINCE).days
    return 1200 + 11 * days + random.Random(day.toordinal()).randint(-15, 15)


def _summary_rows(model: type) -> list[tuple[Any, ...]]:
    """(metric label, period, rows, latest date, latest value) per stored series."""
    by_object = model is StatisticByDateAndObject
    groups = (
        model.objects.values("metric", "period")
        .annotate(rows=Count("pk"), latest=Max("date"))
        .order_by()
    )
    metrics_by_pk = Metric.objects.select_related("domain").in_bulk(
        {group["metric"] for group in groups}
    )
    result = []
    for group in groups:
        metric = metrics_by_pk[group["metric"]]
        latest = model.objects.narrow(metric=metric, period=group["period"], date=group["latest"])
        if by_object:
            # Many objects share the latest date: show how many and their total.
            total = sum(row.value or 0 for row in latest)
            value = f"{total} over {latest.count()} objects"
        else:
            value = str(latest.get().value)
        result.append(
            (
                metric.label,
                group["period"],
                f"{group['rows']:,}",
                group["latest"].isoformat(),
                value,
            )
        )
    return result
