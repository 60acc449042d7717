"""The set-based tracking engine behind ``trackstats.trackers``.

- ``calendar``: local days and time zone offsets, computed in Python.
- ``dialects``: the SQL that differs per database; other vendors are refused.
- ``expressions``: ORM expressions built on the dialects (local date of a timestamp).
- ``aggregates``: how each aggregate is computed over a window of days.
- ``statements``: ``build_select()``, the SELECT of a run's statistics.
- ``source``: what a run reads, and the ORM query of its source rows.
- ``sql``: SQL text with its parameters, CTE and column names, the ``Select``.
- ``strategies``: the CTEs of each kind of period (day, rolling, distinct, lifetime).
- ``execute``: executing a run's statements as one transaction, or reading its
  result; ``write_statements()`` lists them without executing anything.
"""

from .calendar import day_start, local_date, shift_pieces
from .dialects import Dialect, dialect_for

__all__ = ["Dialect", "day_start", "dialect_for", "local_date", "shift_pieces"]
