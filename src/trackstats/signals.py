"""Signals sent after statistics are written, for cache invalidation and alerts.

- ``post_track``: after a tracker run committed. ``sender`` is the tracker's class;
  keyword arguments ``tracker``, ``result`` (the :class:`~trackstats.trackers.TrackResult`),
  ``name`` (the run log's name for the run) and ``using`` (the database alias).
- ``post_record``: after ``record()`` wrote a row. ``sender`` is the statistic model;
  keyword arguments ``instance`` (the row as stored) and ``using``.

Both are sent after the write; inside a ``transaction.atomic()`` of your own the rows
are not committed yet when a receiver runs, so use ``transaction.on_commit`` in a
receiver that must see them from elsewhere.
"""

from __future__ import annotations

from django.dispatch import Signal

post_track = Signal()
post_record = Signal()

__all__ = ["post_record", "post_track"]
