"""What is measured: the cases, and the hand-written SQL statement that is the floor."""

from __future__ import annotations

from dataclasses import dataclass

PERIODS = {"day": 86400, "week": 7 * 86400, "month": 30 * 86400, "lifetime": 0}
TARGETS = ("date", "object")
IMPLEMENTATIONS = ("trackstats", "floor", "trackstats-0.7")
# django-trackstats 0.7.0 raises NotImplementedError for the other periods.
PERIODS_07 = ("day", "lifetime")


@dataclass(frozen=True)
class Case:
    implementation: str
    period: str
    target: str

    @property
    def label(self) -> str:
        return f"{self.period.upper()} by {self.target}"

    @property
    def metric_ref(self) -> str:
        return (
            f"{self.implementation.replace('-', '_').replace('.', '')}_{self.period}_{self.target}"
        )

    @property
    def incremental(self) -> bool:
        """Whether an incremental re-run is measured (the floor is one full statement)."""
        return self.implementation != "floor"


def floor_sql(vendor: str, target: str, tables: dict[str, str]) -> str:
    """One INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE doing a DAY run.

    Parameters: the metric id, then (by object) the content type id of Member. Dates are
    UTC dates, the time zone of the benchmark settings.
    """
    if vendor == "postgresql":
        day = "(e.created AT TIME ZONE 'UTC')::date"
        object_id = "e.member_id::text"
        where = ""
    else:
        day = "date(e.created)"
        object_id = "CAST(e.member_id AS TEXT)"
        # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT to parse it.
        where = " WHERE true"
    if target == "date":
        return (
            f"INSERT INTO {tables['date']} (date, metric_id, period, value) "
            f"SELECT {day}, %s, 86400, COUNT(*) FROM benchapp_event e{where} "
            f"GROUP BY {day} "
            "ON CONFLICT (date, metric_id, period) DO UPDATE SET value = excluded.value"
        )
    return (
        f"INSERT INTO {tables['object']} "
        "(date, metric_id, object_type_id, object_id, period, value) "
        f"SELECT {day}, %s, %s, {object_id}, 86400, COUNT(*) FROM benchapp_event e{where} "
        f"GROUP BY {day}, e.member_id "
        "ON CONFLICT (date, metric_id, object_type_id, object_id, period) "
        "DO UPDATE SET value = excluded.value"
    )
