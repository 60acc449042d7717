"""The set-based tracking engine behind ``trackstats.trackers``.

- ``calendar``: local days and time zone offsets, computed in Python.
- ``dialects``: the SQL that differs per database, with a portable fallback.
- ``expressions``: ORM expressions built on the dialects (local date of a timestamp).
- ``aggregates``: how each aggregate is computed over a window of days.
- ``statements``: the SELECT of a run's statistics, wrapped around an ORM query.
- ``execute``: executing a run's statements as one transaction, or reading its result.
"""

from .calendar import day_start, local_date, shift_pieces
from .dialects import Dialect, dialect_for

__all__ = ["Dialect", "day_start", "dialect_for", "local_date", "shift_pieces"]
