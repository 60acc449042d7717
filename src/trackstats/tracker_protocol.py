"""What trackstats needs of a tracker, as a type: :class:`Tracker`.

The registry, the runs behind the ``trackstats`` command and the tasks, the status
report and the system checks take "a tracker" through this protocol. The four trackers
of :mod:`trackstats.trackers` (and subclasses of them) satisfy it; it exists so that
code handing trackers around type-checks without naming one class.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.db import DEFAULT_DB_ALIAS, models

if TYPE_CHECKING:
    from .models import Metric
    from .runlog import Scope
    from .trackers import ComputedRun, TrackResult

__all__ = ["Tracker"]


class Tracker(Protocol):
    """A declared tracker: what it computes, where it stores it, and how to run it."""

    # Read-only properties, so that plain attributes and descriptors (the metric is
    # resolved on read) both satisfy them.
    @property
    def period(self) -> int: ...

    @property
    def metric(self) -> Metric: ...

    @property
    def statistic_model(self) -> type[models.Model]: ...

    def track(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        *,
        lookback: int | None = None,
        name: str | None = None,
    ) -> TrackResult: ...

    def compute(
        self,
        queryset: models.QuerySet[Any],
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        *,
        lookback: int | None = None,
    ) -> ComputedRun: ...

    def stored_rows(self, using: str = DEFAULT_DB_ALIAS) -> models.QuerySet[Any]: ...

    def scope(self, using: str = DEFAULT_DB_ALIAS) -> Scope: ...

    # Private to trackstats, yet needed: the time zone check compares it with the zone
    # of the stored statistics before a run.
    def _zone(self) -> datetime.tzinfo: ...
