"""Links that change one thing of a chart and keep the rest of its query string."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

QUICK_DAYS = (7, 30, 90, 365)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool = False


def with_params(query: QueryDict, **changes: str | None) -> str:
    """``?query`` with ``changes`` applied (None removes a parameter), never as CSV."""
    changed = query.copy()
    changed.pop("format", None)
    for name, value in changes.items():
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
    return f"?{changed.urlencode()}"


def quick_ranges(
    query: QueryDict, from_date: datetime.date, to_date: datetime.date, today: datetime.date
) -> list[Link]:
    """The last 7, 30, 90 and 365 days ending on ``to_date``; then, when the range
    ends before or after today, the same length ending today."""
    links = []
    for days in QUICK_DAYS:
        start = _days_before(to_date, days - 1)
        if start is None:
            continue
        links.append(
            Link(
                ngettext("%(days)s day", "%(days)s days", days) % {"days": days},
                with_params(query, from_date=start.isoformat(), to_date=to_date.isoformat()),
                active=start == from_date,
            )
        )
    if to_date != today:
        start = _days_before(today, (to_date - from_date).days)
        if start is not None:
            links.append(
                Link(
                    _("Same length, ending today"),
                    with_params(query, from_date=start.isoformat(), to_date=today.isoformat()),
                )
            )
    return links


def _days_before(day: datetime.date, days: int) -> datetime.date | None:
    try:
        return day - datetime.timedelta(days=days)
    except OverflowError:
        return None
