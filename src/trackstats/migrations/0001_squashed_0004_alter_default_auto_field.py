"""The schema django-trackstats 0.7 left behind, in one migration.

It replaces 0.7's four migrations: on a database that 0.7 migrated, Django sees all
four recorded as applied and takes this one as applied too, so the existing tables
are adopted with every row kept. On a new database it creates the same tables. Later
migrations move from there to the current schema.
"""

import django.db.models.deletion
from django.db import migrations, models

PERIODS = [
    (86400, "Day"),
    (604800, "Week"),
    (2419200, "28 days"),
    (2592000, "Month"),
    (0, "Lifetime"),
]


def _id():
    return models.BigAutoField(
        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
    )


class Migration(migrations.Migration):
    replaces = [
        ("trackstats", "0001_initial"),
        ("trackstats", "0002_alter_domain_id_alter_metric_id_and_more"),
        ("trackstats", "0003_alter_model_fields"),
        ("trackstats", "0004_alter_default_auto_field"),
    ]

    initial = True

    dependencies = [("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.CreateModel(
            name="Domain",
            fields=[
                ("id", _id()),
                ("ref", models.CharField(max_length=100, unique=True)),
                ("name", models.CharField(blank=True, max_length=100)),
            ],
        ),
        migrations.CreateModel(
            name="Metric",
            fields=[
                ("id", _id()),
                ("ref", models.CharField(max_length=100)),
                ("name", models.CharField(blank=True, max_length=100)),
                ("description", models.TextField(blank=True)),
                (
                    "domain",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="trackstats.domain"
                    ),
                ),
            ],
            options={"unique_together": {("domain", "ref")}},
        ),
        migrations.CreateModel(
            name="StatisticByDate",
            fields=[
                ("id", _id()),
                ("value", models.BigIntegerField(null=True)),
                ("period", models.IntegerField(choices=PERIODS)),
                ("date", models.DateField(db_index=True)),
                (
                    "metric",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="trackstats.metric"
                    ),
                ),
            ],
            options={"unique_together": {("date", "metric", "period")}},
        ),
        migrations.CreateModel(
            name="StatisticByDateAndObject",
            fields=[
                ("id", _id()),
                ("value", models.BigIntegerField(null=True)),
                ("period", models.IntegerField(choices=PERIODS)),
                ("object_id", models.PositiveIntegerField()),
                ("date", models.DateField(db_index=True)),
                (
                    "metric",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="trackstats.metric"
                    ),
                ),
                (
                    "object_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "unique_together": {("date", "metric", "object_type", "object_id", "period")}
            },
        ),
    ]
