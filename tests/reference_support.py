"""Harness of the reference tests: drawn scenarios, source data, and the comparison.

A scenario (:class:`Case`) is a tracker declaration; the source data are
:class:`OrderSpec` values kept in Python, so that the reference reads what the test
wrote rather than what the database returns. :func:`run_scenario` builds the data,
runs the tracker one or more times with edits in between, and after every run compares
each stored value with :mod:`tests.reference`.

"today" is the real clock: moments are drawn relative to ``timezone.now()`` at the
start of each example, and the run's own ``end_date`` (checked to be today before or
after the run) is the today the reference uses, so a midnight passing mid-run is no
flake.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import os
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Avg, Count, Max, Min, Q, Sum
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from tests import reference
from tests.testapp.models import (
    AverageByObjectStatistic,
    AverageStatistic,
    Customer,
    Order,
    OrderLine,
    RevenueStatistic,
    Shop,
    StatisticByCountry,
    UUIDCustomer,
)
from trackstats.models import Domain, Metric, StatisticByDate, StatisticByDateAndObject
from trackstats.periods import DAY_SECONDS, Period, calendar_week

# ---------------------------------------------------------------------- settings
# The default keeps the whole reference suite near a minute per database on a small
# CI machine; TRACKSTATS_HYPOTHESIS_PROFILE=thorough is for long local runs.
PROFILE = os.environ.get("TRACKSTATS_HYPOTHESIS_PROFILE", "default")
if PROFILE not in ("default", "thorough"):
    raise RuntimeError(
        f"TRACKSTATS_HYPOTHESIS_PROFILE must be default or thorough, not {PROFILE!r}"
    )


# Source orders per example: a thorough run also tries denser data.
MAX_ORDERS = 14 if PROFILE == "default" else 30


def reference_settings(default_examples: int) -> settings:
    return settings(
        max_examples=default_examples if PROFILE == "default" else default_examples * 15,
        deadline=None,
        # The explain phase re-runs a failure hundreds of times against the database.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# ---------------------------------------------------------------------- scenario
TIME_ZONES = (
    "UTC",
    "Europe/Amsterdam",
    "America/New_York",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "Pacific/Chatham",
    # Clocks change at local midnight: days that start at 01:00 or repeat 23:00-24:00.
    "Asia/Beirut",
    "America/Santiago",
    "+05:45",  # a fixed offset: datetime.timezone rather than zoneinfo
)
NAMED_PERIODS = (Period.DAY, Period.WEEK, Period.DAYS_28, Period.MONTH, Period.LIFETIME)
SHOP_CODES = ("ams", "nyc-2", "10", "x y")
COUNTRIES = ("NL", "US", "IN")
POOL = 3  # customers, UUID customers and shops per example

# Sources: the model tracked and the path of its date field.
SOURCES = {
    "created": (Order, "created"),
    "booked_on": (Order, "booked_on"),
    "order__created": (OrderLine, "order__created"),
    "order__booked_on": (OrderLine, "order__booked_on"),
}
LINE_SOURCES = {"order__created", "order__booked_on"}
DATE_SOURCES = {"booked_on", "order__booked_on"}
# (reference aggregate, source field or None for rows); fields by source model.
ORDER_AGGREGATES = (
    ("count", None),
    ("count_if", "paid"),
    ("count_distinct", "customer"),
    ("count_distinct", "shop"),
    ("count_distinct", "country"),
    ("sum", "quantity"),
    ("min", "quantity"),
    ("max", "quantity"),
    ("sum", "amount"),
    ("min", "amount"),
    ("max", "amount"),
    ("avg", "quantity"),
    ("avg", "amount"),
)
LINE_AGGREGATES = (
    ("count", None),
    ("count_distinct", "order"),
    ("count_distinct", "order__customer"),
    ("sum", "quantity"),
    ("max", "quantity"),
    ("min", "order__amount"),
    ("sum", "order__amount"),
    ("avg", "quantity"),
)
# Grouping of by-object trackers: (object model, object field) by source.
ORDER_GROUPINGS = {
    "customer": (Customer, "customer"),
    "uuid_customer": (UUIDCustomer, "uuid_customer"),
    "shop": (Shop, "shop"),
}
LINE_GROUPINGS = {
    "order": (Order, "order"),
    # A foreign key across a relation: lines grouped by their order's customer.
    "order__uuid_customer": (UUIDCustomer, "order__uuid_customer"),
}
# Trackers of one fixed object (object=): the pool it is taken from.
FIXED = {"fixed_customer": "customers", "fixed_uuid": "uuid_customers", "fixed_shop": "shops"}
DECIMAL_FIELDS = {"amount", "order__amount"}


@dataclass(frozen=True)
class Case:
    tz_name: str
    # True: no tz= argument, the current time zone (overridden) applies instead.
    tz_via_current: bool
    period: int
    source: str
    op: str
    field: str | None
    # "date", a key of ORDER_GROUPINGS / LINE_GROUPINGS, a key of FIXED (object=), or
    # "country" (StatisticByCountry, dimensions={"country": ...}).
    grouping: str
    statistic_model: type[models.Model]
    # Track Order.objects.filter(status="paid") rather than every order.
    paid_only: bool
    # Count rows with a Count* tracker (True) or ObjectsBy* with aggr_op=Count("id").
    count_tracker: bool
    # Some source rows have no date (booked_on NULL) or, grouped by shop, no object:
    # they belong to no window.
    with_nulls: bool
    # The tracker's lifetime_from_stored: LIFETIME re-runs continue from stored values.
    lifetime_from_stored: bool = False

    @property
    def tz(self) -> datetime.tzinfo:
        return zone(self.tz_name)

    @property
    def keyed(self) -> bool:
        """Keys hold a second part (an object or a dimension) after the date."""
        return self.grouping != "date"

    @property
    def by_object(self) -> bool:
        return self.grouping not in ("date", "country")

    @property
    def lines(self) -> bool:
        return self.source in LINE_SOURCES

    @property
    def days(self) -> int | None:
        if reference.is_calendar(self.period):
            raise ValueError("a calendar period has no window length")
        return None if self.period == 0 else self.period // DAY_SECONDS


def zone(name: str) -> datetime.tzinfo:
    if name[0] in "+-":
        hours, minutes = name[1:].split(":")
        offset = datetime.timedelta(hours=int(hours), minutes=int(minutes))
        return datetime.timezone(-offset if name[0] == "-" else offset)
    return zoneinfo.ZoneInfo(name)


def value_models(op: str, field: str | None, grouping: str) -> list[type[models.Model]]:
    """Statistic models whose value field can hold this aggregate."""
    fractional = op == "avg" or field in DECIMAL_FIELDS
    if grouping == "country":
        return [] if fractional else [StatisticByCountry]
    if grouping != "date":
        if fractional:
            return [AverageByObjectStatistic]
        return [StatisticByDateAndObject, AverageByObjectStatistic]
    if fractional:
        return [AverageStatistic, RevenueStatistic]
    return [StatisticByDate, AverageStatistic, RevenueStatistic]


CALENDAR_PERIODS = (
    Period.CALENDAR_WEEK,
    calendar_week(6),
    calendar_week(3),
    Period.CALENDAR_MONTH,
    Period.QUARTER,
    Period.YEAR,
)

periods = st.one_of(
    st.sampled_from(NAMED_PERIODS),
    st.sampled_from(CALENDAR_PERIODS),
    st.integers(min_value=2, max_value=45).map(lambda n: n * DAY_SECONDS),
    st.sampled_from((90 * DAY_SECONDS, 365 * DAY_SECONDS)),
)


@st.composite
def cases(draw: Callable, by_object: bool, calendar_only: bool = False) -> Case:
    source = draw(st.sampled_from(sorted(SOURCES)))
    aggregates = LINE_AGGREGATES if source in LINE_SOURCES else ORDER_AGGREGATES
    if by_object:
        groupings = sorted(LINE_GROUPINGS if source in LINE_SOURCES else ORDER_GROUPINGS)
        grouping = draw(st.sampled_from([*groupings, *sorted(FIXED)]))
    else:
        grouping = draw(st.sampled_from(["date", "date", "country"]))
    op, field_name = draw(st.sampled_from([a for a in aggregates if value_models(*a, grouping)]))
    return Case(
        tz_name=draw(st.sampled_from(TIME_ZONES)),
        tz_via_current=draw(st.booleans()),
        period=draw(st.sampled_from(CALENDAR_PERIODS) if calendar_only else periods),
        source=source,
        op=op,
        field=field_name,
        grouping=grouping,
        statistic_model=draw(st.sampled_from(value_models(op, field_name, grouping))),
        paid_only=source not in LINE_SOURCES and draw(st.booleans()),
        count_tracker=op == "count" and draw(st.booleans()),
        with_nulls=draw(st.booleans()),
        lifetime_from_stored=draw(st.booleans()),
    )


# ---------------------------------------------------------------------- source data
@dataclass(frozen=True)
class OrderSpec:
    created: datetime.datetime
    booked_on: datetime.date | None
    amount: decimal.Decimal
    quantity: int
    customer: int
    uuid_customer: int
    shop: int | None
    country: str
    paid: bool
    lines: tuple[int, ...]  # quantities of its order lines


@functools.lru_cache
def transitions(tz_name: str, around: datetime.date) -> tuple[datetime.datetime, ...]:
    """UTC instants within ~400 days before ``around`` at which the zone's offset changes."""
    tz = zoneinfo.ZoneInfo(tz_name)
    step = datetime.timedelta(minutes=15)  # every offset change happens on a quarter hour
    moment = datetime.datetime.combine(
        around - datetime.timedelta(days=400), datetime.time(), tzinfo=datetime.timezone.utc
    )
    end = datetime.datetime.combine(around, datetime.time(), tzinfo=datetime.timezone.utc)
    found = []
    offset = moment.astimezone(tz).utcoffset()
    while moment < end:
        moment += step
        new_offset = moment.astimezone(tz).utcoffset()
        if new_offset != offset:
            found.append(moment)
            offset = new_offset
    return tuple(found)


NEAR_MIDNIGHT = (
    datetime.time(0, 0),
    datetime.time(0, 0, 0, 1),
    datetime.time(0, 0, 1),
    datetime.time(23, 59, 59),
    datetime.time(23, 59, 59, 999999),
    datetime.time(12, 0),
)
NUDGES = tuple(
    datetime.timedelta(seconds=s, microseconds=us)
    for s, us in ((0, 0), (0, -1), (0, 1), (-1, 0), (1, 0), (-1800, 0), (1800, 0), (-3600, 0))
)


def moments(now: datetime.datetime, tz: datetime.tzinfo) -> st.SearchStrategy:
    """Aware UTC datetimes from ~70 days ago to a few hours ahead, dense at day edges."""
    today = now.astimezone(tz).date()

    recent = st.integers(min_value=-4 * 3600 * 10**6, max_value=70 * DAY_SECONDS * 10**6).map(
        lambda us: now - datetime.timedelta(microseconds=us)
    )

    def local(args: tuple[int, datetime.time, int]) -> datetime.datetime:
        back, at, fold = args
        day = today - datetime.timedelta(days=back)
        return datetime.datetime.combine(day, at, tzinfo=tz).replace(fold=fold)

    midnight = st.tuples(
        st.integers(min_value=-1, max_value=70), st.sampled_from(NEAR_MIDNIGHT), st.integers(0, 1)
    ).map(local)
    choices = [recent, midnight]
    changes = transitions(tz.key, today) if isinstance(tz, zoneinfo.ZoneInfo) else ()
    if changes:
        choices.append(
            st.tuples(st.sampled_from(changes), st.sampled_from(NUDGES)).map(sum_moment)
        )
    return st.one_of(*choices).map(lambda m: m.astimezone(datetime.timezone.utc))


def sum_moment(pair: tuple[datetime.datetime, datetime.timedelta]) -> datetime.datetime:
    return pair[0] + pair[1]


@st.composite
def order_specs(
    draw: Callable, now: datetime.datetime, tz: datetime.tzinfo, case: Case
) -> OrderSpec:
    today = now.astimezone(tz).date()
    booked_back = draw(st.integers(-1, 70))
    no_date = case.with_nulls and draw(st.integers(0, 5)) == 0
    # Grouped by shop, an order without a shop has no object: drawn only with nulls.
    shop_required = case.grouping == "shop" and not case.with_nulls
    shops = st.integers(0, POOL - 1)
    return OrderSpec(
        created=draw(moments(now, tz)),
        booked_on=None if no_date else today - datetime.timedelta(days=booked_back),
        amount=decimal.Decimal(draw(st.integers(0, 99999))) / 100,
        quantity=draw(st.integers(-3, 50)),
        customer=draw(st.integers(0, POOL - 1)),
        uuid_customer=draw(st.integers(0, POOL - 1)),
        shop=draw(shops if shop_required else st.none() | shops),
        country=draw(st.sampled_from(COUNTRIES)),
        paid=draw(st.booleans()),
        lines=tuple(draw(st.lists(st.integers(0, 9), max_size=3))),
    )


@dataclass(frozen=True)
class Edit:
    """One change to the source between runs; indexes wrap around the current rows."""

    kind: str  # "add", "delete", "replace", "delete_line", "line_quantity"
    index: int
    order: OrderSpec | None = None
    quantity: int = 0


@st.composite
def edits(draw: Callable, now: datetime.datetime, tz: datetime.tzinfo, case: Case) -> Edit:
    kind = draw(st.sampled_from(("add", "delete", "replace", "delete_line", "line_quantity")))
    return Edit(
        kind=kind,
        index=draw(st.integers(0, 1000)),
        order=draw(order_specs(now, tz, case)) if kind in ("add", "replace") else None,
        quantity=draw(st.integers(0, 9)),
    )


def sinces(today: datetime.date) -> st.SearchStrategy:
    return st.none() | st.integers(0, 75).map(lambda back: today - datetime.timedelta(days=back))


@dataclass(frozen=True)
class Run:
    edits: tuple[Edit, ...]
    since: datetime.date | None
    lookback: int = 0
    #: Days before today the run ends on; None: today.
    until_back: int | None = None


@dataclass(frozen=True)
class Seed:
    """A stored value present before the first run (a stale or foreign statistic)."""

    back: int  # days before today
    obj: int  # index in the object pool (by-object)
    value: int


@dataclass
class Scenario:
    case: Case
    orders: list[OrderSpec]
    runs: list[Run]
    seeds: list[Seed]


def draw_scenario(data: Any, case: Case) -> Scenario:
    now = timezone.now()
    tz = case.tz
    today = now.astimezone(tz).date()
    orders = data.draw(st.lists(order_specs(now, tz, case), max_size=MAX_ORDERS))
    first_since = data.draw(sinces(today))
    later = data.draw(
        st.lists(
            st.builds(
                Run,
                edits=st.lists(edits(now, tz, case), max_size=5).map(tuple),
                since=sinces(today),
                lookback=st.sampled_from([0, 0, 1, 6, 30]),
                until_back=st.none() | st.none() | st.integers(0, 40),
            ),
            max_size=2,
        )
    )
    seeds = data.draw(
        st.lists(
            st.builds(
                Seed, back=st.integers(0, 80), obj=st.integers(0, POOL), value=st.integers(1, 999)
            ),
            max_size=3,
        )
    )
    return Scenario(case=case, orders=orders, runs=[Run((), first_since), *later], seeds=seeds)


# ---------------------------------------------------------------------- the database side
@dataclass
class World:
    """The rows one example works on."""

    customers: list[Customer]
    uuid_customers: list[UUIDCustomer]
    shops: list[Shop]
    orders: list[tuple[Order, OrderSpec]] = field(default_factory=list)
    # Lines as (line, quantity, order) in creation order.
    lines: list[list[Any]] = field(default_factory=list)

    @classmethod
    def create(cls) -> World:
        joined = timezone.now()
        return cls(
            customers=[Customer.objects.create(name=f"c{i}", joined=joined) for i in range(POOL)],
            uuid_customers=[UUIDCustomer.objects.create(name=f"u{i}") for i in range(POOL)],
            shops=[Shop.objects.create(code=code, name=code) for code in SHOP_CODES[:POOL]],
        )

    def add(self, spec: OrderSpec) -> None:
        order = Order.objects.create(**self._order_fields(spec))
        self.orders.append((order, spec))
        for quantity in spec.lines:
            line = OrderLine.objects.create(order=order, product="p", quantity=quantity)
            self.lines.append([line, quantity, order])

    def _order_fields(self, spec: OrderSpec) -> dict[str, Any]:
        return {
            "created": spec.created,
            "booked_on": spec.booked_on,
            "amount": spec.amount,
            "quantity": spec.quantity,
            "customer": self.customers[spec.customer],
            "uuid_customer": self.uuid_customers[spec.uuid_customer],
            "shop": None if spec.shop is None else self.shops[spec.shop],
            "country": spec.country,
            "status": "paid" if spec.paid else "refunded",
        }

    def apply(self, edit: Edit) -> None:
        if edit.kind == "add":
            self.add(edit.order)
            return
        if edit.kind in ("delete", "replace") and self.orders:
            order, _ = self.orders[edit.index % len(self.orders)]
            if edit.kind == "delete":
                order.delete()  # its lines go with it
                self.orders = [(o, s) for o, s in self.orders if o.pk != order.pk]
                self.lines = [entry for entry in self.lines if entry[2].pk != order.pk]
            else:
                # The lines stay; the order's date and fields change under them.
                spec = replace(edit.order, lines=())
                Order.objects.filter(pk=order.pk).update(**self._order_fields(spec))
                self.orders = [(o, spec if o.pk == order.pk else s) for o, s in self.orders]
        elif edit.kind in ("delete_line", "line_quantity") and self.lines:
            entry = self.lines[edit.index % len(self.lines)]
            if edit.kind == "delete_line":
                entry[0].delete()
                self.lines.remove(entry)
            else:
                OrderLine.objects.filter(pk=entry[0].pk).update(quantity=edit.quantity)
                entry[1] = edit.quantity

    def object_pool(self, case: Case) -> list[models.Model]:
        if case.grouping in FIXED:
            return getattr(self, FIXED[case.grouping])
        if case.grouping == "customer":
            return self.customers
        if case.grouping in ("uuid_customer", "order__uuid_customer"):
            return self.uuid_customers
        if case.grouping == "shop":
            return self.shops
        if case.grouping == "order":
            return [order for order, _ in self.orders]
        return []

    def fixed_object(self, case: Case) -> models.Model:
        return getattr(self, FIXED[case.grouping])[1]

    # ------------------------------------------------------------------ reference rows
    def reference_rows(self, case: Case) -> list[reference.Row]:
        """The source rows as the reference sees them, built from the specs alone."""
        rows = []
        fixed_id = str(self.fixed_object(case).pk) if case.grouping in FIXED else None
        grouping = "fixed" if fixed_id else case.grouping
        if case.lines:
            spec_of = {order.pk: spec for order, spec in self.orders}
            for _, quantity, order in self.lines:
                spec = spec_of[order.pk]
                moment = spec.booked_on if case.source in DATE_SOURCES else spec.created
                if moment is None:
                    continue
                values = {
                    "order": order.pk,
                    "order__customer": spec.customer,
                    "quantity": quantity,
                    "order__amount": spec.amount,
                    None: None,
                }
                objects = {
                    "order": str(order.pk),
                    "order__uuid_customer": str(self.uuid_customers[spec.uuid_customer].pk),
                    "fixed": fixed_id,
                    "country": spec.country,
                }
                rows.append(
                    reference.Row(
                        moment=moment,
                        value=values[case.field],
                        object_id=objects.get(grouping),
                    )
                )
            return rows
        for _, spec in self.orders:
            if case.paid_only and not spec.paid:
                continue
            values = {
                "customer": spec.customer,
                "shop": spec.shop,
                "country": spec.country,
                "quantity": spec.quantity,
                "amount": spec.amount,
                "paid": spec.paid,
                None: None,
            }
            objects = {
                "customer": str(self.customers[spec.customer].pk),
                "uuid_customer": str(self.uuid_customers[spec.uuid_customer].pk),
                "shop": None if spec.shop is None else self.shops[spec.shop].pk,
                "fixed": fixed_id,
                "country": spec.country,
            }
            moment = spec.booked_on if case.source in DATE_SOURCES else spec.created
            if moment is None:
                continue  # no date: in no window
            rows.append(
                reference.Row(
                    moment=moment, value=values[case.field], object_id=objects.get(grouping)
                )
            )
        return rows


AGGREGATE_EXPRESSIONS = {
    "count_if": lambda f: Count("id", filter=Q(status="paid")),
    "count_distinct": lambda f: Count(f, distinct=True),
    "sum": Sum,
    "min": Min,
    "max": Max,
    "avg": Avg,
}


def build_tracker(case: Case, metric: Metric, world: World) -> Any:
    from trackstats import trackers

    _, date_field = SOURCES[case.source]
    kwargs: dict[str, Any] = {
        "period": case.period,
        "metric": metric,
        "date_field": date_field,
        "statistic_model": case.statistic_model,
    }
    if not case.tz_via_current:
        kwargs["tz"] = case.tz
    if case.lifetime_from_stored:
        kwargs["lifetime_from_stored"] = True
    if case.grouping in FIXED:
        kwargs["object"] = world.fixed_object(case)
    elif case.by_object:
        groupings = LINE_GROUPINGS if case.lines else ORDER_GROUPINGS
        kwargs["object_model"], kwargs["object_field"] = groupings[case.grouping]
    elif case.grouping == "country":
        kwargs["dimensions"] = {"country": "order__country" if case.lines else "country"}
    if case.count_tracker:
        cls = (
            trackers.CountObjectsByDateAndObjectTracker
            if case.by_object
            else trackers.CountObjectsByDateTracker
        )
    else:
        cls = (
            trackers.ObjectsByDateAndObjectTracker
            if case.by_object
            else trackers.ObjectsByDateTracker
        )
        kwargs["aggr_op"] = (
            Count("id") if case.op == "count" else AGGREGATE_EXPRESSIONS[case.op](case.field)
        )
    return cls(**kwargs)


def source_queryset(case: Case) -> models.QuerySet:
    model, _ = SOURCES[case.source]
    queryset = model.objects.all()
    if case.paid_only:
        queryset = queryset.filter(status="paid")
    return queryset


def stored(case: Case, metric: Metric, period: int | None = None) -> dict[reference.Key, Any]:
    """The stored values of this metric and period, keyed like the reference's keys."""
    period = case.period if period is None else period
    rows = case.statistic_model.objects.filter(metric=metric, period=period)
    if case.grouping == "country":
        return {(row.date, row.country): row.value for row in rows}
    if not case.by_object:
        return {(row.date,): row.value for row in rows}
    return {(row.date, row.object_type_id, row.object_id): row.value for row in rows}


def split_owned(
    case: Case, world: World, rows: dict[reference.Key, Any]
) -> tuple[dict[reference.Key, Any], dict[reference.Key, Any]]:
    """(the tracker's own rows, other rows of the same metric and period).

    A by-object tracker owns the statistics of its object type only, and a tracker of
    one fixed object only that object's: the rest belong to other trackers and must
    stay untouched.
    """
    if not case.by_object:
        return rows, {}
    type_id = object_type_id(case, world)
    fixed_id = str(world.fixed_object(case).pk) if case.grouping in FIXED else None

    def owned(key: reference.Key) -> bool:
        return key[1] == type_id and fixed_id in (None, key[2])

    own = {key: value for key, value in rows.items() if owned(key)}
    return own, {key: value for key, value in rows.items() if key not in own}


def with_object_type(expected: dict[reference.Key, Any], type_id: int) -> dict[reference.Key, Any]:
    """Reference keys (date, object_id) as stored keys (date, object_type_id, object_id)."""
    return {(key[0], type_id, key[1]): value for key, value in expected.items()}


def object_type_id(case: Case, world: World) -> int | None:
    if not case.by_object:
        return None
    if case.grouping in FIXED:
        return ContentType.objects.get_for_model(world.fixed_object(case)).pk
    groupings = LINE_GROUPINGS if case.lines else ORDER_GROUPINGS
    return ContentType.objects.get_for_model(groupings[case.grouping][0]).pk


def record_seed(
    case: Case, metric: Metric, period: int, seed: Seed, today: datetime.date, world: World
) -> None:
    extra: dict[str, Any] = {}
    if case.grouping == "country":
        extra["country"] = COUNTRIES[seed.obj % len(COUNTRIES)]
    elif case.by_object:
        pool = world.object_pool(case)
        if not pool:
            return
        extra["object"] = pool[seed.obj % len(pool)]
    case.statistic_model.objects.record(
        metric=metric,
        value=seed.value,
        period=period,
        date=today - datetime.timedelta(days=seed.back),
        **extra,
    )


# ---------------------------------------------------------------------- the property
def run_scenario(scenario: Scenario) -> None:
    """Build, run and check a scenario; the database is left as it was."""
    with transaction.atomic():
        _run_scenario(scenario)
        transaction.set_rollback(True)


def _run_scenario(scenario: Scenario) -> None:
    case = scenario.case
    tz = case.tz
    world = World.create()
    for spec in scenario.orders:
        world.add(spec)
    domain = Domain.objects.create(ref="reference")
    metric = Metric.objects.create(domain=domain, ref="tracked")
    bystander_metric = Metric.objects.create(domain=domain, ref="bystander")
    other_period = Period.WEEK if case.period != Period.WEEK else Period.DAY
    today = timezone.now().astimezone(tz).date()
    for seed in scenario.seeds:
        record_seed(case, metric, case.period, seed, today, world)
        if case.by_object:
            # The same metric and period for objects of another type.
            other = world.shops[0] if case.grouping != "shop" else world.customers[0]
            case.statistic_model.objects.record(
                metric=metric,
                value=seed.value,
                period=case.period,
                object=other,
                date=today - datetime.timedelta(days=seed.back),
            )
        record_seed(case, metric, other_period, seed, today, world)
        record_seed(case, bystander_metric, case.period, seed, today, world)
    bystanders = (
        stored(case, metric, other_period),
        stored(case, bystander_metric),
        split_owned(case, world, stored(case, metric))[1],
    )

    # With tz= given, a different current time zone must not matter.
    decoy = "Pacific/Pago_Pago" if case.tz_name == "Pacific/Kiritimati" else "Pacific/Kiritimati"
    with timezone.override(tz if case.tz_via_current else zoneinfo.ZoneInfo(decoy)):
        tracker = build_tracker(case, metric, world)
        type_id = object_type_id(case, world)
        for number, run in enumerate(scenario.runs):
            for edit in run.edits:
                world.apply(edit)
            check_run(case, tracker, world, metric, run, type_id, number)

    assert (
        stored(case, metric, other_period),
        stored(case, bystander_metric),
        split_owned(case, world, stored(case, metric))[1],
    ) == bystanders, "a run changed statistics of another metric, period or object"


# Source fields of whole numbers: LIFETIME sums, minimums and maximums of them continue
# from stored values; of decimals (amounts) they read the history.
WHOLE_NUMBER_FIELDS = {"quantity"}


def continued_base(
    case: Case, before: dict[reference.Key, Any], start: datetime.date | None
) -> dict[reference.Key, Any] | None:
    """The stored values a LIFETIME run from ``start`` continues from, keyed without
    their date (and object type); None when it reads the whole history instead: other
    periods and aggregates, and runs with nothing stored for the day before."""
    if case.period != Period.LIFETIME or start is None or not case.lifetime_from_stored:
        return None
    if case.op not in reference.CONTINUED_AGGREGATES:
        return None
    if case.op in ("sum", "min", "max") and case.field not in WHOLE_NUMBER_FIELDS:
        return None
    eve = start - datetime.timedelta(days=1)
    # By object the stored key is (date, object type, object id); the type is fixed.
    rest = 2 if case.by_object else 1
    base = {key[rest:]: value for key, value in before.items() if key[0] == eve}
    return base or None


def check_run(
    case: Case,
    tracker: Any,
    world: World,
    metric: Metric,
    run: Run,
    type_id: int | None,
    number: int,
) -> None:
    tz = case.tz
    queryset = source_queryset(case)
    rows = world.reference_rows(case)
    before = split_owned(case, world, stored(case, metric))[0]
    today_before = timezone.now().astimezone(tz).date()
    since, lookback = run.since, run.lookback
    until = None
    if run.until_back is not None:
        until = today_before - datetime.timedelta(days=run.until_back)
        if since is not None and since > until:
            until = since
    start = reference.start_date(
        rows, tz, since, [key[0] for key in before], lookback=lookback, end=until
    )
    calendar = reference.is_calendar(case.period)
    if calendar and start is not None:
        start = reference.bucket_of(start, case.period)

    computed = tracker.compute(queryset, since=since, until=until, lookback=lookback)
    result = tracker.track(queryset, since=since, until=until, lookback=lookback)
    today_after = timezone.now().astimezone(tz).date()
    context = f"run {number} (since={since}, lookback={lookback}, until={until}) of {case}"
    if until is None:
        assert result.end_date in (today_before, today_after), context
    else:
        assert result.end_date == until, context
    today = result.end_date
    assert result.start_date == start, context

    if calendar:
        expected = reference.expected_calendar_values(
            rows, tz, case.period, case.op, start, today, case.keyed
        )
    else:
        base = continued_base(case, before, start)
        if base is not None and start is not None:
            expected = reference.continued_values(
                rows, tz, case.op, start, today, case.keyed, base
            )
        else:
            expected = reference.expected_values(
                rows, tz, case.days, case.op, start, today, case.keyed
            )
    if case.by_object:
        expected = with_object_type(expected, type_id)
    after = split_owned(case, world, stored(case, metric))[0]
    problems = reference.track_differences(before, after, expected, start, today)
    assert not problems, f"{context}:\n" + "\n".join(problems)

    computed_values = dict(computed.values)
    if case.by_object:
        computed_values = {
            (key[0], key[1], str(key[2])): value for key, value in computed_values.items()
        }
    else:
        computed_values = {tuple(key): value for key, value in computed_values.items()}
    if computed.end_date == today:
        assert computed.start_date == start, context
        assert set(computed_values) == set(expected), (
            f"compute() keys differ in {context}: "
            f"missing {sorted(set(expected) - set(computed_values))}, "
            f"extra {sorted(set(computed_values) - set(expected))}"
        )
        wrong = [
            (key, computed_values[key], value)
            for key, value in expected.items()
            if not reference.same_value(value, computed_values[key])
        ]
        assert not wrong, f"compute() values differ in {context}: {wrong}"
