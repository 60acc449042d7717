"""Run with this project: migrate the 0.7 database, read every row back, check it.

Reads the JSON that fill_07.py printed from stdin; exits non-zero on any mismatch.
"""

import datetime
import json
import os
import sys
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.upgrade.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402

from trackstats.models import (  # noqa: E402
    Domain,
    Metric,
    StatisticByDate,
    StatisticByDateAndObject,
)
from trackstats.periods import Period  # noqa: E402

expected = json.load(sys.stdin)
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


applied_before = {
    name for app, name in MigrationRecorder(connection).applied_migrations() if app == "trackstats"
}
check(
    applied_before
    >= {
        "0001_initial",
        "0002_alter_domain_id_alter_metric_id_and_more",
        "0003_alter_model_fields",
        "0004_alter_default_auto_field",
    },
    f"0.7 did not record its migrations: {sorted(applied_before)}",
)

call_command("migrate", verbosity=0)
out = __import__("io").StringIO()
call_command("showmigrations", "trackstats", stdout=out)
check("[ ]" not in out.getvalue(), f"unapplied migrations after migrate:\n{out.getvalue()}")

check(StatisticByDate.objects.count() == len(expected["by_date"]), "by-date row count changed")
check(
    StatisticByDateAndObject.objects.count() == len(expected["by_object"]),
    "by-object row count changed",
)
for domain_ref, metric_ref, period, day, value in expected["by_date"]:
    metric = Metric.objects.get_by_natural_key(domain_ref, metric_ref)
    row = StatisticByDate.objects.narrow(
        metric=metric, period=period, date=datetime.date.fromisoformat(day)
    ).first()
    check(row is not None and row.value == value, f"{metric_ref} {period} {day}: {row}")

people = {user.username: user for user in User.objects.all()}
for domain_ref, metric_ref, period, day, username, value in expected["by_object"]:
    metric = Metric.objects.get_by_natural_key(domain_ref, metric_ref)
    row = StatisticByDateAndObject.objects.narrow(
        metric=metric,
        period=period,
        date=datetime.date.fromisoformat(day),
        object=people[username],
    ).first()
    check(row is not None and row.value == value, f"{username} {day}: {row}")
    check(row is not None and row.object == people[username], f"{username}: object lost")

# The API works on the adopted tables: LIFETIME filters, record() updates in place,
# object ids now take text (a UUID written next to the old integer ids).
orders = Metric.objects.get_by_natural_key("shopping", "order_count")
lifetime = StatisticByDate.objects.most_recent(metric=orders, period=Period.LIFETIME)
check(lifetime is not None and lifetime.value == 109, f"most_recent(LIFETIME) = {lifetime}")
before = StatisticByDate.objects.count()
StatisticByDate.objects.record(
    metric=orders, value=1, period=Period.DAY, date=datetime.date(2023, 3, 1)
)
check(StatisticByDate.objects.count() == before, "record() duplicated an adopted row")
text_id = str(uuid.uuid4())
StatisticByDateAndObject.objects.create(
    metric=orders,
    value=5,
    period=Period.DAY,
    date=datetime.date(2023, 3, 1),
    object_type=StatisticByDateAndObject.objects.first().object_type,
    object_id=text_id,
)
check(StatisticByDateAndObject.objects.filter(object_id=text_id).exists(), "text object_id failed")
check(Domain.objects.filter(ref="shopping").exists(), "domain lost")

if failures:
    print("UPGRADE CHECK FAILED:\n" + "\n".join(failures))
    sys.exit(1)
print(
    f"upgrade from 0.7 on {connection.vendor}: {len(expected['by_date'])} by-date and "
    f"{len(expected['by_object'])} by-object rows read back through the API"
)
