"""Trackers: compute statistics of a queryset and store them, set-based.

A tracker is declared once (period, metric, date field, aggregate, statistic model)
and run with ``track(queryset)``. One run is a constant number of SQL statements: the
database buckets the source rows by local date, aggregates them over each date's window
and upserts the results, in one transaction. See docs/time-zones.md for how local dates
are computed and docs/custom-models.md for statistic models of your own.

Concurrency: runs that write the same statistics (same statistic table, metric, period
and, for a tracker of one object, that object) are serialized. On PostgreSQL a run takes
a transaction-level advisory lock, on MySQL/MariaDB a named lock (``GET_LOCK``): a second
run started meanwhile waits for the first to commit, then recomputes its range on top
of it, so both succeed and the stored values are correct. SQLite serializes writers
itself. A run that loses a deadlock is retried when it owns the whole transaction.
Inside a transaction of your own (``transaction.atomic()`` around ``track()``), the
PostgreSQL lock is held until your transaction ends; the MySQL/MariaDB lock is released
when ``track()`` returns, after which a concurrent run waits on the row locks of the
rows written instead, and still leaves correct values.

A run is one ``INSERT ... SELECT`` from the source table into the statistic table, so
both must live in the same database: the queryset's (``using()`` is respected).

The public names are the ones imported here; the modules behind them, one per job:

- ``classes``: the four tracker classes, their options and public methods;
- ``declaration``: the checks of the options and of the source model's fields;
- ``keys``: which rows are a tracker's (its ``Scope``) and how they are keyed by
  object: none, one fixed object, or the object a foreign key of each row points at;
- ``planning``: the dates a run recomputes (start date, lookback, time zone change);
- ``running``: ``track()`` and ``compute()``, the select they hand to the engine;
- ``source``: which querysets can be tracked and how the engine reads them;
- ``paths``: field paths such as ``"order__created"`` resolved to fields;
- ``results``: what runs return.

The two by-date and by-object classes differ only in how their statistics are keyed by
object, so that difference is one small object chosen in ``__init__`` (an ``ObjectKey``
of ``keys``) rather than methods overridden across the class hierarchy; the classes
stay about their options.
"""

from __future__ import annotations

from .classes import (
    CountObjectsByDateAndObjectTracker,
    CountObjectsByDateTracker,
    ObjectsByDateAndObjectTracker,
    ObjectsByDateTracker,
)
from .declaration import check_lookback
from .results import ComputedRun, TimeZoneChanged, TrackResult

__all__ = [
    "ComputedRun",
    "CountObjectsByDateAndObjectTracker",
    "CountObjectsByDateTracker",
    "ObjectsByDateAndObjectTracker",
    "ObjectsByDateTracker",
    "TimeZoneChanged",
    "TrackResult",
    "check_lookback",
]
