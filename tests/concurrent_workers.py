"""Functions run in separate processes by the concurrency tests.

Each process sets Django up on its own and connects to the test database whose name
the parent passes in, so the writes really race on the database server.
"""

from __future__ import annotations

import os
import traceback
from typing import Any


def setup_django(test_db_name: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = test_db_name
    django.setup()


def record_many(test_db_name: str, barrier: Any, metric_id: int, values: list[int]) -> str:
    """Record one key once per value, all processes released by one barrier."""
    try:
        setup_django(test_db_name)
        import datetime

        from trackstats.models import Metric, StatisticByDate
        from trackstats.periods import Period

        metric = Metric.objects.get(pk=metric_id)
        barrier.wait(timeout=60)
        for value in values:
            StatisticByDate.objects.record(
                metric=metric, value=value, period=Period.DAY, date=datetime.date(2024, 1, 1)
            )
        return "ok"
    except Exception:
        return traceback.format_exc()


def increment_many(
    test_db_name: str, barrier: Any, metric_id: int, period: int, dates: list[str]
) -> str:
    """Increment one key by 1 once per ISO date, all processes released by one barrier."""
    try:
        setup_django(test_db_name)
        import datetime

        from trackstats.models import Metric, StatisticByDate

        metric = Metric.objects.get(pk=metric_id)
        barrier.wait(timeout=60)
        for day in dates:
            StatisticByDate.objects.increment(
                metric=metric, period=period, date=datetime.date.fromisoformat(day)
            )
        return "ok"
    except Exception:
        return traceback.format_exc()
