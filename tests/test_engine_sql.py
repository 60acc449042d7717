"""Golden SQL: the statements a tracker run executes, compared with files.

Each case sets up a small fixed data set, fixes "today" and builds the statements of
one run (``write_statements()``: the DELETE and the ``INSERT ... SELECT``) without
executing them. The text and parameters must equal ``tests/golden/<vendor>/<case>.sql``
on the vendor the suite runs on, so that a change of the SQL is always deliberate:
``TRACKSTATS_UPDATE_GOLDEN=1`` rewrites the files of that vendor (see CONTRIBUTING.md),
and the diff of the files shows the change for review.

A file holds the statements in execution order. The SQL of a statement is one line in
the database's cursor; the file breaks it before its main clauses, and the comparison
joins the lines again, so the files are readable and the check exact.
"""

from __future__ import annotations

import datetime
import os
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Avg, Count, Sum

from tests.testapp.models import AverageStatistic, Customer, Order, StatisticByCountry
from trackstats import clock
from trackstats.engine.execute import Statement
from trackstats.engine.sql import Sql, dialect_sql
from trackstats.models import Domain, Metric, Period
from trackstats.trackers import (
    CountObjectsByDateAndObjectTracker,
    CountObjectsByDateTracker,
    ObjectsByDateAndObjectTracker,
    ObjectsByDateTracker,
)

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
UTC = datetime.timezone.utc
#: Summer time starts on 29 March 2026, within the data: the local dates shift twice.
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
#: "Today" of every case: Thursday 2 April 2026, in UTC.
TODAY = datetime.datetime(2026, 4, 2, 10, 30, tzinfo=UTC)
#: Explicit primary keys, so that no parameter depends on the order the tests ran in.
METRIC_PK = 9001
CUSTOMER_PKS = (9101, 9102, 9103)


def _metric() -> Metric:
    domain = Domain.objects.create(pk=9000, ref="golden", name="Golden")
    return Metric.objects.create(pk=METRIC_PK, domain=domain, ref="orders", name="Orders")


def _orders() -> list[Customer]:
    """Orders from 18 March on, one or two a day, by three customers."""
    customers = [
        Customer.objects.create(pk=pk, name=f"c{pk}", joined=TODAY) for pk in CUSTOMER_PKS
    ]
    for n in range(16):
        day = datetime.date(2026, 3, 18) + datetime.timedelta(days=n)
        created = datetime.datetime.combine(day, datetime.time(9 + n % 12), tzinfo=UTC)
        who = customers[n % 3]
        Order.objects.create(
            created=created, customer=who, quantity=n % 4 + 1, booked_on=day, country="NL"
        )
        if n % 2:
            Order.objects.create(
                created=created + datetime.timedelta(hours=3),
                customer=customers[(n + 1) % 3],
                quantity=2,
                booked_on=day,
                country="BE",
            )
    return customers


@dataclass(frozen=True)
class Run:
    """A tracker and the ``since``/``until`` of the run whose statements a case shows."""

    tracker: ObjectsByDateTracker
    since: datetime.date | None = None
    until: datetime.date | None = None

    def statements(self) -> list[Statement]:
        return self.tracker.sql(Order.objects.all(), self.since, self.until)


def _by_date(period: int, aggregate: Any = None, **options: Any) -> ObjectsByDateTracker:
    options.setdefault("tz", UTC)
    options.setdefault("date_field", "created")
    if aggregate is None:
        return CountObjectsByDateTracker(period=period, metric=_metric(), **options)
    return ObjectsByDateTracker(period=period, metric=_metric(), aggr_op=aggregate, **options)


def _by_customer(period: int, **options: Any) -> ObjectsByDateTracker:
    return CountObjectsByDateAndObjectTracker(
        period=period,
        metric=_metric(),
        date_field="created",
        tz=UTC,
        object_model=Customer,
        object_field="customer",
        **options,
    )


def day_count() -> Run:
    return Run(_by_date(Period.DAY))


def day_count_date_field() -> Run:
    return Run(_by_date(Period.DAY, date_field="booked_on"))


def day_sum_in_a_zone() -> Run:
    return Run(_by_date(Period.DAY, Sum("quantity"), tz=BERLIN))


def day_average() -> Run:
    tracker = _by_date(Period.DAY, Avg("quantity"), statistic_model=AverageStatistic)
    return Run(tracker)


def rolling_count() -> Run:
    return Run(_by_date(Period.WEEK))


def rolling_sum() -> Run:
    return Run(_by_date(Period.WEEK, Sum("quantity")))


def rolling_distinct() -> Run:
    return Run(_by_date(Period.WEEK, Count("customer", distinct=True)))


def rolling_generic() -> Run:
    return Run(_by_date(Period.WEEK, Sum("quantity", distinct=True)))


def lifetime_first_run() -> Run:
    return Run(_by_date(Period.LIFETIME))


def lifetime_rerun() -> Run:
    tracker = _by_date(Period.LIFETIME, Sum("quantity"))
    tracker.track(Order.objects.all(), until=datetime.date(2026, 3, 28))
    return Run(tracker)


def lifetime_from_stored() -> Run:
    tracker = _by_date(Period.LIFETIME, Sum("quantity"), lifetime_from_stored=True)
    tracker.track(Order.objects.all(), until=datetime.date(2026, 3, 28))
    return Run(tracker)


def lifetime_distinct() -> Run:
    return Run(_by_date(Period.LIFETIME, Count("customer", distinct=True)))


def lifetime_generic() -> Run:
    return Run(_by_date(Period.LIFETIME, Sum("quantity", distinct=True)))


def calendar_week() -> Run:
    return Run(_by_date(Period.CALENDAR_WEEK))


def calendar_month_sum() -> Run:
    return Run(_by_date(Period.CALENDAR_MONTH, Sum("quantity")))


def by_object_day() -> Run:
    return Run(_by_customer(Period.DAY))


def by_object_rolling() -> Run:
    return Run(_by_customer(Period.WEEK))


def by_object_lifetime() -> Run:
    return Run(_by_customer(Period.LIFETIME))


def fixed_object() -> Run:
    tracker = ObjectsByDateAndObjectTracker(
        period=Period.WEEK,
        metric=_metric(),
        date_field="created",
        tz=UTC,
        aggr_op=Sum("quantity"),
        object=Customer.objects.get(pk=CUSTOMER_PKS[0]),
    )
    return Run(tracker)


def dimension_rolling() -> Run:
    tracker = _by_date(
        Period.WEEK, statistic_model=StatisticByCountry, dimensions={"country": "country"}
    )
    return Run(tracker)


def incremental_rerun() -> Run:
    tracker = _by_date(Period.DAY, lookback=3)
    tracker.track(Order.objects.all(), until=datetime.date(2026, 3, 30))
    return Run(tracker)


def since_until() -> Run:
    tracker = _by_date(Period.WEEK)
    return Run(tracker, datetime.date(2026, 3, 25), datetime.date(2026, 3, 31))


def zone_change() -> Run:
    _by_date(Period.DAY).track(Order.objects.all())
    tracker = CountObjectsByDateTracker(
        period=Period.DAY, metric=Metric.objects.get(pk=METRIC_PK), date_field="created", tz=BERLIN
    )
    return Run(tracker)


CASES: dict[str, Callable[[], Run]] = {
    case.__name__: case
    for case in (
        day_count,
        day_count_date_field,
        day_sum_in_a_zone,
        day_average,
        rolling_count,
        rolling_sum,
        rolling_distinct,
        rolling_generic,
        lifetime_first_run,
        lifetime_rerun,
        lifetime_from_stored,
        lifetime_distinct,
        lifetime_generic,
        calendar_week,
        calendar_month_sum,
        by_object_day,
        by_object_rolling,
        by_object_lifetime,
        fixed_object,
        dimension_rolling,
        incremental_rerun,
        since_until,
        zone_change,
    )
}

#: Where a statement's SQL breaks into lines in a golden file: before these clauses,
#: and before each common table expression.
_BREAKS = re.compile(
    r" (?=(?:WITH|SELECT|FROM|WHERE|GROUP BY|UNION ALL|ON DUPLICATE KEY) |ON CONFLICT)"
    r"|(?<=\)), (?=[\"`]trackstats_\w+[\"`] AS )"
)


def render(case: str, statements: list[Statement], object_type: int | None) -> str:
    """The golden text of ``statements``.

    The content type id of a by-object tracker depends on the models installed, so
    it is shown as ``<object_type>`` where the statistics' fixed keys are: among the
    first parameters of the DELETE, the last ones of the INSERT."""
    out = [f"-- {case} on {connection.vendor}: {len(statements)} statements\n"]
    for number, statement in enumerate(statements, 1):
        assert "\n" not in statement.sql
        out.append(f"\n-- statement {number}\n")
        out.append(_BREAKS.sub(lambda m: "\n" if m.group(0) == " " else ",\n", statement.sql))
        out.append("\n-- params:\n")
        count = len(statement.params)
        fixed = range(4) if number == 1 else range(count - 2, count)
        for n, value in enumerate(statement.params):
            keyed = object_type is not None and n in fixed and value == object_type
            out.append(f"--   {n + 1}: {'<object_type>' if keyed else repr(value)}\n")
    return "".join(out)


def sql_of(golden: str) -> list[str]:
    """The SQL text of each statement of a golden file, its lines joined again."""
    statements = golden.split("\n-- statement ")[1:]
    return [" ".join(chunk.split("\n-- params:")[0].splitlines()[1:]) for chunk in statements]


@pytest.mark.parametrize("case", sorted(CASES))
def test_statements_equal_the_golden_file(case: str) -> None:
    _orders()
    with clock.fixed(TODAY):
        statements = CASES[case]().statements()
    object_type = None
    if case.startswith(("by_object", "fixed_object")):
        from django.contrib.contenttypes.models import ContentType

        object_type = ContentType.objects.get_for_model(Customer).pk
    text = render(case, statements, object_type)
    path = GOLDEN / connection.vendor / f"{case}.sql"
    if os.environ.get("TRACKSTATS_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden file {path}: run with TRACKSTATS_UPDATE_GOLDEN=1"
    golden = path.read_text()
    # The exact SQL first: the line breaks of the file are no part of it.
    assert sql_of(golden) == [s.sql for s in statements]
    assert text == golden


@pytest.mark.parametrize("case", ["day_count", "by_object_rolling", "lifetime_from_stored"])
def test_a_run_executes_the_listed_statements(case: str) -> None:
    """``write_statements()`` is what ``track()`` executes, in order, one after the
    other in its transaction (only the lock statement may come between)."""
    _orders()
    executed: list[tuple[str, tuple[Any, ...]]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with clock.fixed(TODAY):
        run = CASES[case]()
        listed = run.statements()
        with connection.execute_wrapper(capture):
            run.tracker.track(Order.objects.all(), run.since, run.until)
    expected = [(s.sql, s.params) for s in listed]
    position = executed.index(expected[0])
    assert executed[position : position + 2] == expected


def test_dialect_sql_puts_parameters_where_the_dialect_puts_their_text() -> None:
    def spell(first: str, second: str) -> str:
        return f"f({second}, {first}, {second})"

    spelled = dialect_sql(spell, Sql("a(%s)", (1,)), Sql("b(%s, %s)", (2, 3)))
    assert spelled == Sql("f(b(%s, %s), a(%s), b(%s, %s))", (2, 3, 1, 2, 3))
    assert "x = " + Sql("%s", (4,)) + " AND y" == Sql("x = %s AND y", (4,))


@pytest.mark.django_db
def test_sql_lists_a_run_without_writing_it() -> None:
    _orders()
    with clock.fixed(TODAY):
        tracker = _by_date(Period.DAY)
        listed = tracker.sql(Order.objects.all())
        assert not tracker.stored_rows().exists()
        assert [s.sql.split()[0] for s in listed] == ["DELETE", "INSERT"]
        printed = str(listed[1])
        assert printed.startswith(listed[1].sql)
        assert "-- params:" in printed
        tracker.track(Order.objects.all())
        assert tracker.stored_rows().exists()
        with pytest.raises(ValueError, match="after today"):
            tracker.sql(Order.objects.all(), until=TODAY.date() + datetime.timedelta(days=1))


@pytest.mark.django_db
def test_sql_of_a_tracker_with_nothing_to_compute_is_empty() -> None:
    with clock.fixed(TODAY):
        assert _by_date(Period.DAY).sql(Order.objects.all()) == []
