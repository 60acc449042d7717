"""A run that loses a deadlock is retried when it owns its transaction."""

from __future__ import annotations

import datetime

import pytest
from django.db import OperationalError, transaction

from tests.factories import UTC, at, customer, make_metric, order
from tests.testapp.models import Order
from trackstats import clock
from trackstats.engine import execute
from trackstats.periods import Period
from trackstats.trackers import CountObjectsByDateTracker

TODAY = datetime.datetime(2026, 4, 2, 12, tzinfo=UTC)


class _DriverError(Exception):
    """A driver's error: its args and, for PostgreSQL, its SQLSTATE attributes."""

    def __init__(self, *args: object, **codes: str) -> None:
        super().__init__(*args)
        for name, value in codes.items():
            setattr(self, name, value)


def _lost(*args: object, **codes: str) -> OperationalError:
    """An error as Django raises it from such a driver error."""
    error = OperationalError("lost")
    error.__cause__ = _DriverError(*args, **codes)
    return error


TRANSIENT = {
    "PostgreSQL deadlock": _lost(pgcode="40P01"),
    "serialization failure": _lost(sqlstate="40001"),
    "MySQL deadlock": _lost(1213, "Deadlock found"),
    "MySQL lock wait timeout": _lost(1205, "Lock wait timeout"),
    "InnoDB AUTO-INC lock": _lost(1467, "Failed to read auto-increment value"),
}


@pytest.fixture
def failing_once(monkeypatch):
    """Make the first write attempt raise the given error; count the attempts."""
    attempts: list[int] = []
    real = execute._write_once

    def arrange(error: Exception) -> list[int]:
        def write_once(*args, **kwargs):
            attempts.append(1)
            if len(attempts) == 1:
                raise error
            return real(*args, **kwargs)

        monkeypatch.setattr(execute, "_write_once", write_once)
        return attempts

    return arrange


def _tracker() -> CountObjectsByDateTracker:
    who = customer()
    order(at(datetime.date(2026, 4, 1)), who)
    return CountObjectsByDateTracker(
        metric=make_metric(), period=Period.DAY, date_field="created", tz=UTC
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", TRANSIENT)
def test_a_lost_deadlock_is_retried_and_the_run_stored(kind, failing_once):
    tracker = _tracker()
    attempts = failing_once(TRANSIENT[kind])
    with clock.fixed(TODAY):
        tracker.track(Order.objects.all())
    assert len(attempts) == 2
    stored = dict(tracker.stored_rows().values_list("date", "value"))
    assert stored[datetime.date(2026, 4, 1)] == 1


@pytest.mark.django_db(transaction=True)
def test_another_database_error_is_not_retried(failing_once):
    tracker = _tracker()
    attempts = failing_once(_lost(1146, "Table doesn't exist"))
    with clock.fixed(TODAY), pytest.raises(OperationalError):
        tracker.track(Order.objects.all())
    assert len(attempts) == 1
    assert not tracker.stored_rows().exists()


@pytest.mark.django_db(transaction=True)
def test_inside_the_callers_transaction_a_deadlock_is_not_retried(failing_once):
    # The caller's transaction was rolled back by the database: only it may retry.
    tracker = _tracker()
    attempts = failing_once(TRANSIENT["MySQL deadlock"])
    with clock.fixed(TODAY), pytest.raises(OperationalError), transaction.atomic():
        tracker.track(Order.objects.all())
    assert len(attempts) == 1
