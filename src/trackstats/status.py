"""How fresh each registered tracker's statistics are, from the run log.

``manage.py trackstats status`` prints this for people and for monitoring: a tracker
whose last successful run is older than the warning threshold is ``warning``, older
than the critical threshold (or never successful) ``critical``, and a tracker whose
latest run failed is at least ``warning`` however recent its last success.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import router

from . import clock, runs
from .models import TrackerRun
from .registry import Registration

OK = "ok"
WARNING = "warning"
CRITICAL = "critical"
#: States from best to worst; a state's index is its monitoring exit status.
STATES = (OK, WARNING, CRITICAL)


@dataclass(frozen=True)
class TrackerStatus:
    """The freshness of one registered tracker."""

    name: str
    metric: str
    period: str
    #: When the last successful run finished; None if none ever did.
    last_success: datetime.datetime | None
    #: How long ago that was; None if no run ever succeeded.
    age: datetime.timedelta | None
    state: str
    #: "success" or "failed" for the latest run, None if the tracker never ran.
    latest_status: str | None
    #: The latest run's error when it failed, else "".
    error: str

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "metric": self.metric,
            "period": self.period,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "age_seconds": self.age.total_seconds() if self.age is not None else None,
            "state": self.state,
            "latest_status": self.latest_status,
            "error": self.error or None,
        }


def tracker_status(
    entry: Registration,
    *,
    warning_after: datetime.timedelta,
    critical_after: datetime.timedelta,
    using: str | None = None,
    now: datetime.datetime | None = None,
) -> TrackerStatus:
    """The status of ``entry`` from its runs logged on its statistics database."""
    runs_of_entry = TrackerRun.objects.using(_run_log_database(entry, using)).filter(
        name=entry.name
    )
    newest_first = ("-started_at", "-id")
    latest = runs_of_entry.order_by(*newest_first).first()
    success = (
        runs_of_entry.filter(status=TrackerRun.Status.SUCCESS).order_by(*newest_first).first()
    )
    now = now or clock.now()
    age = now - success.finished_at if success is not None else None
    if age is None or age > critical_after:
        state = CRITICAL
    elif age > warning_after:
        state = WARNING
    else:
        state = OK
    failed_run = (
        latest if latest is not None and latest.status == TrackerRun.Status.FAILED else None
    )
    if failed_run is not None and state == OK:
        state = WARNING
    return TrackerStatus(
        name=entry.name,
        metric=entry.metric_label,
        period=runs.describe_period(entry.tracker),
        last_success=success.finished_at if success is not None else None,
        age=age,
        state=state,
        latest_status=latest.status if latest is not None else None,
        error=failed_run.error if failed_run is not None else "",
    )


def worst_state(statuses: list[TrackerStatus]) -> str:
    """The worst state among ``statuses``; ``ok`` when there are none."""
    return max((status.state for status in statuses), key=STATES.index, default=OK)


def _run_log_database(entry: Registration, using: str | None) -> str:
    try:
        return runs.statistics_database(entry, using)
    except Exception:
        # A source that cannot be built is itself a failure worth reporting; its runs
        # are logged where the router writes the run log.
        return using or router.db_for_read(TrackerRun)
