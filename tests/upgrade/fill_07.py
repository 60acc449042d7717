"""Run with django-trackstats 0.7: migrate, store statistics, print them as JSON.

Written against 0.7's documented API only, the way a 0.7 project would use it.
"""

import datetime
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.upgrade.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402

from trackstats.models import (  # noqa: E402
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)

call_command("migrate", verbosity=0)

shopping = Domain.objects.register(ref="shopping", name="Shopping")
users = Domain.objects.register(ref="users", name="Users")
orders = Metric.objects.register(domain=shopping, ref="order_count", name="Orders")
signups = Metric.objects.register(
    domain=users, ref="user_count", name="Signups", description="New accounts"
)
people = [User.objects.create(username=f"user{i}") for i in range(3)]

expected = {"by_date": [], "by_object": []}
start = datetime.date(2023, 3, 1)
for offset in range(10):
    day = start + datetime.timedelta(days=offset)
    for metric, period, value in (
        (orders, Period.DAY, offset * 3),
        (orders, Period.LIFETIME, 100 + offset),
        (signups, Period.WEEK, None if offset == 4 else offset),
    ):
        StatisticByDate.objects.record(metric=metric, value=value, period=period, date=day)
        expected["by_date"].append([metric.domain.ref, metric.ref, period, day.isoformat(), value])
    for person in people:
        value = offset * 10 + person.pk
        StatisticByDateAndObject.objects.record(
            metric=orders, value=value, period=Period.DAY, date=day, object=person
        )
        expected["by_object"].append(
            ["shopping", "order_count", Period.DAY, day.isoformat(), person.username, value]
        )

json.dump(expected, sys.stdout)
