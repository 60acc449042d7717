"""What a run returns: :class:`TrackResult` and :class:`ComputedRun`; the error
:class:`TimeZoneChanged`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrackResult:
    """What one ``track()`` did.

    ``start_date`` is None when there was nothing to track (no stored statistics and no
    source rows). ``rows_written`` counts the statistics written (inserted or
    replaced) for ``start_date`` through ``end_date``; ``rows_removed`` is by how many
    rows that range shrank, i.e. stored statistics whose window no longer holds any
    source row (a run deletes the range's rows and writes the recomputed ones).
    """

    start_date: datetime.date | None
    end_date: datetime.date
    rows_written: int
    rows_removed: int
    #: The time zone the run's dates are local dates of (its IANA name). Left out of
    #: comparisons, so results compare as they did before it was added.
    time_zone: str = field(default="", compare=False)


@dataclass(frozen=True)
class ComputedRun:
    """What a run would store, without storing it.

    ``values`` maps each statistic key, the tuple (date, then the key's dimension values
    in the model's key order: ``object_type_id, object_id`` for by-object statistics,
    custom dimensions such as ``country``) to its value. Only dates whose window holds
    source rows appear.
    """

    start_date: datetime.date | None
    end_date: datetime.date
    values: dict[tuple[Any, ...], Any]


class TimeZoneChanged(ValueError):
    """A run in another time zone than the stored statistics' would mix the two."""
