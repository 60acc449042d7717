"""The migrations match the models, and the squash adopts django-trackstats 0.7 tables."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

SQUASH = ("trackstats", "0001_squashed_0004_alter_default_auto_field")
OLD_07_MIGRATIONS = [
    ("trackstats", "0001_initial"),
    ("trackstats", "0002_alter_domain_id_alter_metric_id_and_more"),
    ("trackstats", "0003_alter_model_fields"),
    ("trackstats", "0004_alter_default_auto_field"),
]


@pytest.mark.django_db
def test_no_missing_migrations():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


def test_squash_replaces_exactly_the_0_7_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    squash = loader.disk_migrations[SQUASH]
    assert squash.replaces == OLD_07_MIGRATIONS


@pytest.mark.django_db
def test_a_database_migrated_by_0_7_counts_the_squash_as_applied():
    """Recording 0.7's four names as applied is what an upgraded database looks like."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(*SQUASH)
    for app, name in OLD_07_MIGRATIONS:
        recorder.record_applied(app, name)
    loader = MigrationLoader(connection)
    assert SQUASH in loader.applied_migrations
    assert ("trackstats", "0005_object_id_text") in loader.applied_migrations
