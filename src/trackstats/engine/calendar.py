"""Local days as ranges of instants, computed in Python where the time zone rules live.

The database never converts time zones itself (MySQL and MariaDB usually have no time
zone tables). Instead the engine turns a stored instant into its local date with a
constant shift in seconds, and the shift only changes at the offset transitions that
Python's ``zoneinfo`` knows about. Between two transitions ``date(instant + shift)`` is
exactly the wall-clock date in the tracker's time zone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

UTC = datetime.timezone.utc
ONE_DAY = datetime.timedelta(days=1)
ONE_SECOND = datetime.timedelta(seconds=1)

# Offsets are sampled this often between the ends of a range; no time zone changes its
# offset twice within six hours, and a change found between two samples is located to
# the second by bisection.
_SAMPLE_STEP = datetime.timedelta(hours=6)


def day_start(day: datetime.date, tz: datetime.tzinfo) -> datetime.datetime:
    """The first instant (aware, UTC) whose wall-clock date in ``tz`` is ``day`` or later.

    Midnight may be repeated or skipped at a DST change (or a whole day skipped, as in
    Samoa in 2011). Of the two readings of local midnight, the earlier one that really
    falls on ``day`` or later wins, so a range built from these instants never leaves
    out a row of ``day``.
    """
    midnight = datetime.datetime.combine(day, datetime.time.min)
    candidates = [midnight.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    # In a gap, one reading lands on the previous day: skip it.
    return min(c for c in candidates if local_date(c, tz) >= day)


def local_date(instant: datetime.datetime, tz: datetime.tzinfo) -> datetime.date:
    """Wall-clock date of an aware instant in ``tz`` (the reference the SQL must match)."""
    return instant.astimezone(tz).date()


@dataclass(frozen=True)
class ShiftPiece:
    """From ``since`` (inclusive; None = the beginning) the shift is ``seconds``."""

    since: datetime.datetime | None
    seconds: int


def _shift_at(instant: datetime.datetime, tz: datetime.tzinfo, storage: datetime.tzinfo) -> int:
    """Seconds to add to a stored wall-clock reading in ``storage`` to get ``tz``'s."""
    wall = instant.astimezone(tz).utcoffset() or datetime.timedelta(0)
    stored = instant.astimezone(storage).utcoffset() or datetime.timedelta(0)
    return int((wall - stored).total_seconds())


def shift_pieces(
    start: datetime.datetime,
    end: datetime.datetime,
    tz: datetime.tzinfo,
    storage: datetime.tzinfo = UTC,
) -> list[ShiftPiece]:
    """The piecewise-constant shift from ``storage`` wall time to ``tz`` wall time.

    Covers the instants ``start <= t < end``; the first piece applies to everything
    before ``start`` as well and the last to everything after ``end``. Fixed-offset
    zones give one piece, a zone with DST about two per year.
    """
    if end <= start:
        end = start + ONE_SECOND
    if _never_changes(tz) and _never_changes(storage):
        # Nothing to sample (a year of samples is a tenth of a short run's time).
        return [ShiftPiece(None, _shift_at(start, tz, storage))]
    pieces = [ShiftPiece(None, _shift_at(start, tz, storage))]
    previous = start
    while previous < end:
        sample = min(previous + _SAMPLE_STEP, end)
        if _shift_at(sample, tz, storage) != pieces[-1].seconds:
            change = _first_change(previous, sample, pieces[-1].seconds, tz, storage)
            pieces.append(ShiftPiece(change, _shift_at(change, tz, storage)))
            previous = change
            continue
        previous = sample
    return pieces


# tzdb names of UTC itself (zones and links): their offset is 0 at every instant.
_UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
)


def _never_changes(tz: datetime.tzinfo) -> bool:
    """Whether ``tz`` has one offset for all time: a fixed offset, or UTC by name."""
    return isinstance(tz, datetime.timezone) or getattr(tz, "key", None) in _UTC_NAMES


def _first_change(
    low: datetime.datetime,
    high: datetime.datetime,
    shift: int,
    tz: datetime.tzinfo,
    storage: datetime.tzinfo,
) -> datetime.datetime:
    """The first whole second in ``(low, high]`` whose shift differs from ``shift``."""
    low = low.replace(microsecond=0)
    lo_s, hi_s = 0, int((high - low).total_seconds()) + 1
    # Invariant: the shift at low + lo_s equals ``shift``, at low + hi_s it does not.
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if _shift_at(low + datetime.timedelta(seconds=mid), tz, storage) == shift:
            lo_s = mid
        else:
            hi_s = mid
    return low + datetime.timedelta(seconds=hi_s)
