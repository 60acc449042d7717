"""increment(): event-time counters, one upsert per event, exact under concurrency."""

import datetime
import decimal
import multiprocessing
import types
import uuid
import zoneinfo

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError
from django.db import NotSupportedError, connection, models, transaction
from django.test.utils import CaptureQueriesContext, isolate_apps
from django.utils import timezone
from django.utils.connection import ConnectionDoesNotExist

from tests.concurrent_workers import increment_many
from tests.testapp.models import (
    AverageByObjectStatistic,
    AverageStatistic,
    BigCustomer,
    Customer,
    RevenueStatistic,
    Shop,
    StatisticByCountry,
    UUIDCustomer,
)
from trackstats.engine.dialects import dialect_for
from trackstats.models import AbstractStatistic, Domain, Metric, StatisticByDate
from trackstats.models import StatisticByDateAndObject as ByObject
from trackstats.periods import Period, is_event_period
from trackstats.signals import post_record

D = datetime.date(2024, 5, 17)


@pytest.fixture
def metric(db):
    domain = Domain.objects.create(ref="api")
    return Metric.objects.create(domain=domain, ref="calls")


def test_increment_creates_the_row_then_adds_to_it(metric):
    first = StatisticByDate.objects.increment(metric=metric, period=Period.DAY, date=D)
    assert first.value == 1
    second = StatisticByDate.objects.increment(metric=metric, period=Period.DAY, by=4, date=D)
    assert second.pk == first.pk
    assert second.value == 5
    assert StatisticByDate.objects.get().value == 5


def test_a_null_value_counts_as_zero(metric):
    StatisticByDate.objects.record(metric=metric, value=None, period=Period.DAY, date=D)
    row = StatisticByDate.objects.increment(metric=metric, period=Period.DAY, by=2, date=D)
    assert row.value == 2


def test_increment_adds_to_a_recorded_value_and_may_go_down(metric):
    StatisticByDate.objects.record(metric=metric, value=10, period=Period.DAY, date=D)
    row = StatisticByDate.objects.increment(metric=metric, period=Period.DAY, by=-3, date=D)
    assert row.value == 7
    assert (
        StatisticByDate.objects.increment(metric=metric, period=Period.DAY, by=0, date=D).value
        == 7
    )


def test_dates_periods_and_metrics_are_separate_counters(metric):
    other = Metric.objects.create(domain=metric.domain, ref="errors")
    for kwargs in [
        {"metric": metric, "period": Period.DAY, "date": D},
        {"metric": metric, "period": Period.DAY, "date": D + datetime.timedelta(days=1)},
        {"metric": other, "period": Period.DAY, "date": D},
    ]:
        StatisticByDate.objects.increment(**kwargs)
    assert StatisticByDate.objects.count() == 3
    assert set(StatisticByDate.objects.values_list("value", flat=True)) == {1}


def test_one_statement_writes_a_day_counter(metric):
    with CaptureQueriesContext(connection) as queries:
        StatisticByDate.objects.increment(metric=metric, period=Period.DAY, date=D)
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(writes) == 1
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_the_date_defaults_to_today_in_the_current_time_zone(metric, zone):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        row = StatisticByDate.objects.increment(metric=metric, period=Period.DAY)
    assert row.date == datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()


def test_a_lazy_metric_is_registered_on_first_use(db):
    lazy = Metric.objects.register(domain=Domain.objects.register(ref="web"), ref="views")
    row = StatisticByDate.objects.increment(metric=lazy, period=Period.DAY, date=D)
    assert row.metric_id == lazy.pk


def test_post_record_is_sent_with_the_row_as_stored(metric):
    seen = []

    def receiver(sender, instance, using, **kwargs):
        seen.append((sender, instance.value, using))

    post_record.connect(receiver)
    try:
        StatisticByDate.objects.increment(metric=metric, period=Period.DAY, by=3, date=D)
        StatisticByDate.objects.increment(metric=metric, period=Period.DAY, by=3, date=D)
    finally:
        post_record.disconnect(receiver)
    assert seen == [(StatisticByDate, 3, "default"), (StatisticByDate, 6, "default")]


def test_the_router_picks_the_database_unless_using_names_one(metric, settings):
    class ToTheStatsDatabase:
        def db_for_write(self, model, **hints):
            return "stats"

    settings.DATABASE_ROUTERS = [ToTheStatsDatabase()]
    with pytest.raises(ConnectionDoesNotExist, match="stats"):
        StatisticByDate.objects.increment(metric=metric, period=Period.DAY, date=D)
    row = StatisticByDate.objects.using("default").increment(
        metric=metric, period=Period.DAY, date=D
    )
    assert row.value == 1


def test_increment_is_on_every_statistic_manager_and_queryset(metric):
    assert (
        StatisticByDate.objects.filter(period=Period.WEEK)
        .increment(metric=metric, period=Period.DAY, date=D)
        .value
        == 1
    )
    assert callable(ByObject.objects.increment)
    assert callable(StatisticByCountry.objects.aincrement)


# ------------------------------------------------------------------ LIFETIME
def test_lifetime_is_a_running_total_across_dates(metric):
    def lifetime(date, by=1):
        return StatisticByDate.objects.increment(
            metric=metric, period=Period.LIFETIME, by=by, date=date
        ).value

    d1, d2, d3 = D, D + datetime.timedelta(days=1), D + datetime.timedelta(days=5)
    assert lifetime(d1, 2) == 2
    assert lifetime(d1, 3) == 5
    # A new date starts from the latest earlier total.
    assert lifetime(d3) == 6
    # A late event adds to its date and to every later total.
    assert lifetime(d2, 10) == 15
    assert lifetime(d1) == 6
    stored = dict(
        StatisticByDate.objects.filter(period=Period.LIFETIME).values_list("date", "value")
    )
    assert stored == {d1: 6, d2: 16, d3: 17}
    latest = StatisticByDate.objects.most_recent(metric=metric, period=Period.LIFETIME)
    assert latest.value == 17


def test_lifetime_totals_are_per_key(metric):
    nl = StatisticByCountry.objects.increment(
        metric=metric, period=Period.LIFETIME, by=5, date=D, country="NL"
    )
    be = StatisticByCountry.objects.increment(
        metric=metric, period=Period.LIFETIME, date=D + datetime.timedelta(days=1), country="BE"
    )
    StatisticByDate.objects.increment(metric=metric, period=Period.DAY, by=7, date=D)
    assert (nl.value, be.value) == (5, 1)


def test_lifetime_with_a_null_total(metric):
    StatisticByDate.objects.record(metric=metric, value=None, period=Period.LIFETIME, date=D)
    StatisticByDate.objects.record(
        metric=metric, value=None, period=Period.LIFETIME, date=D + datetime.timedelta(days=2)
    )
    row = StatisticByDate.objects.increment(
        metric=metric, period=Period.LIFETIME, date=D + datetime.timedelta(days=1)
    )
    assert row.value == 1
    assert StatisticByDate.objects.get(date=D + datetime.timedelta(days=2)).value == 1


# ------------------------------------------------------------------ periods
def test_event_periods():
    assert is_event_period(Period.DAY)
    assert is_event_period(Period.LIFETIME)
    for rolling in (Period.WEEK, Period.DAYS_28, Period.MONTH, 2 * Period.DAY, 90 * Period.DAY):
        assert not is_event_period(rolling)
    with pytest.raises(ValueError, match="period"):
        is_event_period(3600)
    with pytest.raises(TypeError, match="period"):
        is_event_period(True)


@pytest.mark.parametrize("period", [Period.WEEK, Period.DAYS_28, Period.MONTH, 3 * Period.DAY])
def test_rolling_windows_are_refused_with_the_reason(metric, period):
    with pytest.raises(ValueError, match="rolling window") as error:
        StatisticByDate.objects.increment(metric=metric, period=period, date=D)
    message = str(error.value)
    assert f"{period // Period.DAY} dates" in message
    assert "DAY counter" in message
    assert not StatisticByDate.objects.exists()


# ------------------------------------------------------------------ values
@pytest.mark.parametrize(
    ("by", "error"),
    [
        (True, TypeError),
        (1.0, TypeError),
        (1.5, TypeError),
        (decimal.Decimal("1"), TypeError),
        ("1", TypeError),
        (None, TypeError),
        (float("nan"), TypeError),
        (2**63, ValueError),
        (-(2**63) - 1, ValueError),
    ],
)
def test_an_integer_counter_takes_ints_only(metric, by, error):
    with pytest.raises(error, match="by"):
        StatisticByDate.objects.increment(metric=metric, period=Period.DAY, by=by, date=D)
    assert not StatisticByDate.objects.exists()


def test_a_decimal_counter_adds_exactly(metric):
    for by in (decimal.Decimal("0.10"), decimal.Decimal("0.2"), 3):
        row = RevenueStatistic.objects.increment(metric=metric, period=Period.DAY, by=by, date=D)
    assert row.value == decimal.Decimal("3.30")
    assert RevenueStatistic.objects.get().value == decimal.Decimal("3.30")


@pytest.mark.parametrize(
    ("by", "error"),
    [
        (1.5, TypeError),
        (False, TypeError),
        (decimal.Decimal("NaN"), ValueError),
        (decimal.Decimal("sNaN"), ValueError),
        (decimal.Decimal("-Infinity"), ValueError),
        (decimal.Decimal("0.001"), ValueError),
        (decimal.Decimal("1E+12"), ValueError),
    ],
)
def test_a_decimal_counter_refuses_what_it_cannot_hold(metric, by, error):
    with pytest.raises(error, match="by"):
        RevenueStatistic.objects.increment(metric=metric, period=Period.DAY, by=by, date=D)
    assert not RevenueStatistic.objects.exists()


def test_a_float_counter_takes_floats_and_ints(metric):
    AverageStatistic.objects.increment(metric=metric, period=Period.DAY, by=0.25, date=D)
    row = AverageStatistic.objects.increment(metric=metric, period=Period.DAY, by=2, date=D)
    assert row.value == pytest.approx(2.25)


@pytest.mark.parametrize(
    ("by", "error"),
    [
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (decimal.Decimal("1.5"), TypeError),
        (True, TypeError),
        (10**400, ValueError),
    ],
)
def test_a_float_counter_refuses_nan_and_other_types(metric, by, error):
    with pytest.raises(error, match="by"):
        AverageStatistic.objects.increment(metric=metric, period=Period.DAY, by=by, date=D)
    assert not AverageStatistic.objects.exists()


# ------------------------------------------------------------------ keys
@pytest.mark.parametrize(
    ("model", "pk_kwargs"),
    [
        (Customer, {"joined": "2024-01-01T00:00:00Z"}),
        (BigCustomer, {"id": 2**40}),
        (UUIDCustomer, {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")}),
        (Shop, {"code": "ams-01 centraal"}),
    ],
)
def test_by_object_counters_for_any_primary_key(metric, model, pk_kwargs):
    obj = model.objects.create(name="x", **pk_kwargs)
    other = model.objects.create(name="y", **{**pk_kwargs, **_other_pk(pk_kwargs)})
    for _ in range(3):
        row = ByObject.objects.increment(metric=metric, period=Period.DAY, date=D, object=obj)
    ByObject.objects.increment(metric=metric, period=Period.LIFETIME, date=D, object=other)
    assert row.value == 3
    assert row.object == obj
    assert ByObject.objects.narrow(object=obj).get().value == 3
    assert ByObject.objects.narrow(object=other).get().value == 1


def _other_pk(pk_kwargs):
    if "id" in pk_kwargs and isinstance(pk_kwargs["id"], uuid.UUID):
        return {"id": uuid.uuid4()}
    if "id" in pk_kwargs:
        return {"id": pk_kwargs["id"] + 1}
    if "code" in pk_kwargs:
        return {"code": "rtm-02"}
    return {}


def test_a_float_by_object_counter(metric):
    customer = Customer.objects.create(name="x", joined=timezone.now())
    AverageByObjectStatistic.objects.increment(
        metric=metric, period=Period.DAY, by=0.5, date=D, object=customer
    )
    row = AverageByObjectStatistic.objects.increment(
        metric=metric, period=Period.DAY, by=0.5, date=D, object=customer
    )
    assert row.value == pytest.approx(1.0)


def test_extra_dimensions_are_part_of_the_key(metric):
    for country in ("NL", "BE", "NL"):
        StatisticByCountry.objects.increment(
            metric=metric, period=Period.DAY, date=D, country=country
        )
    counts = dict(StatisticByCountry.objects.values_list("country", "value"))
    assert counts == {"NL": 2, "BE": 1}


@pytest.mark.parametrize(
    ("model", "change", "error", "match"),
    [
        (StatisticByDate, {"metric": None}, TypeError, "metric"),
        (StatisticByDate, {"metric": "api.calls"}, TypeError, "metric"),
        (StatisticByDate, {"period": 3600}, ValueError, "period"),
        (StatisticByDate, {"period": "day"}, TypeError, "period"),
        (StatisticByDate, {"period": None}, TypeError, "period"),
        (StatisticByDate, {"date": "2024-05-17"}, TypeError, "date"),
        (
            StatisticByDate,
            {"date": datetime.datetime(2024, 5, 17, tzinfo=datetime.timezone.utc)},
            TypeError,
            "date",
        ),
        (StatisticByDate, {"object": object()}, TypeError, "object"),
        (StatisticByDate, {"country": "NL"}, TypeError, r"increment\(\) got unknown dimension"),
        (ByObject, {}, TypeError, r"increment\(\) needs object="),
        (StatisticByCountry, {}, TypeError, r"increment\(\) needs dimension\(s\) \['country'\]"),
        (StatisticByCountry, {"country": "NLD"}, ValidationError, "country"),
    ],
)
def test_bad_arguments_are_refused_and_write_nothing(metric, model, change, error, match):
    kwargs = {"metric": metric, "period": Period.DAY, "date": D, **change}
    with pytest.raises(error, match=match):
        model.objects.increment(**kwargs)
    assert not model.objects.exists()


def test_unsaved_metric_and_object_are_refused(metric):
    with pytest.raises(ValueError, match="unsaved"):
        StatisticByDate.objects.increment(
            metric=Metric(domain=metric.domain, ref="new"), period=Period.DAY, date=D
        )
    with pytest.raises(ValueError, match="unsaved"):
        ByObject.objects.increment(
            metric=metric, period=Period.DAY, date=D, object=Customer(name="new")
        )
    assert not StatisticByDate.objects.exists()
    assert not ByObject.objects.exists()


def test_a_caller_rollback_undoes_the_increment(metric):
    StatisticByDate.objects.increment(metric=metric, period=Period.LIFETIME, by=2, date=D)

    @transaction.atomic
    def count_then_fail():
        StatisticByDate.objects.increment(metric=metric, period=Period.LIFETIME, date=D)
        StatisticByDate.objects.increment(metric=metric, period=Period.DAY, date=D)
        raise RuntimeError

    with pytest.raises(RuntimeError):
        count_then_fail()
    assert list(StatisticByDate.objects.values_list("period", "value")) == [(0, 2)]


# ------------------------------------------------------------------ the dialects
def test_an_unknown_vendor_is_refused_before_any_write(metric, monkeypatch):
    def on_oracle(connection):
        return dialect_for(types.SimpleNamespace(vendor="oracle", ops=connection.ops))

    monkeypatch.setattr("trackstats.querysets.dialect_for", on_oracle)
    with pytest.raises(NotSupportedError, match=r"'oracle' database backend"):
        StatisticByDate.objects.increment(metric=metric, period=Period.DAY, date=D)
    assert not StatisticByDate.objects.exists()


def test_the_clause_of_this_database_names_its_key_and_takes_the_step():
    clause = dialect_for(connection).increment_clause("t", ["date", "metric_id"], "value")
    q = connection.ops.quote_name
    assert clause.count("%s") == 1
    assert "COALESCE(" in clause
    if connection.vendor == "mysql":
        assert clause.startswith(" ON DUPLICATE KEY UPDATE")
    else:
        assert clause.startswith(f" ON CONFLICT ({q('date')}, {q('metric_id')}) DO UPDATE")


# ------------------------------------------------------------------ column names
@pytest.fixture
def odd_statistic_model(transactional_db):
    """A statistic model with quoted names, db_column, a UUID dimension and a decimal."""
    with isolate_apps("tests.testapp"):

        class OddStatistic(AbstractStatistic):
            visitor = models.UUIDField(db_column="Visitor Id")
            value = models.DecimalField(
                max_digits=10, decimal_places=3, null=True, db_column="hit Count"
            )
            period = models.IntegerField(db_column="Span")
            date = models.DateField(db_column="On Day")

            class Meta:
                app_label = "testapp"
                db_table = "ts odd Statistic"
                unique_together = [("date", "metric", "period", "visitor")]

        with connection.schema_editor() as editor:
            editor.create_model(OddStatistic)
        try:
            yield OddStatistic
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(OddStatistic)


def test_column_names_and_types_come_from_the_fields(odd_statistic_model):
    metric = Metric.objects.create(domain=Domain.objects.create(ref="odd"), ref="hits")
    visitor = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
    for period in (Period.DAY, Period.LIFETIME, Period.LIFETIME):
        row = odd_statistic_model.objects.increment(
            metric=metric,
            period=period,
            by=decimal.Decimal("1.125"),
            date=D,
            visitor=str(visitor),
        )
    assert row.value == decimal.Decimal("2.250")
    rows = odd_statistic_model.objects.order_by("period").values_list("period", "visitor", "value")
    assert list(rows) == [
        (Period.LIFETIME, visitor, decimal.Decimal("2.250")),
        (Period.DAY, visitor, decimal.Decimal("1.125")),
    ]


# ------------------------------------------------------------------ async
def test_aincrement_from_async_code(metric):
    async def count_twice():
        await StatisticByDate.objects.aincrement(metric=metric, period=Period.DAY, date=D)
        return await StatisticByDate.objects.filter(period=Period.DAY).aincrement(
            metric, Period.DAY, 2, D
        )

    row = async_to_sync(count_twice)()
    assert row.value == 3
    assert StatisticByDate.objects.get().value == 3


def test_aincrement_refuses_like_increment(metric):
    async def count_weekly():
        await StatisticByDate.objects.aincrement(metric=metric, period=Period.WEEK)

    with pytest.raises(ValueError, match="rolling window"):
        async_to_sync(count_weekly)()


# ------------------------------------------------------------------ concurrency
WORKERS = 4
INCREMENTS = 50


def _race(metric, period, dates_per_worker):
    test_db_name = connection.settings_dict["NAME"]
    connection.close()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        with context.Pool(WORKERS) as pool:
            results = pool.starmap(
                increment_many,
                [(test_db_name, barrier, metric.pk, period, dates) for dates in dates_per_worker],
            )
    assert results == ["ok"] * WORKERS, "\n".join(r for r in results if r != "ok")


@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_of_one_key_add_up_exactly():
    metric = Metric.objects.create(domain=Domain.objects.create(ref="race"), ref="hits")
    _race(metric, Period.DAY, [[D.isoformat()] * INCREMENTS] * WORKERS)
    rows = list(StatisticByDate.objects.filter(metric=metric))
    assert len(rows) == 1
    assert rows[0].value == WORKERS * INCREMENTS


@pytest.mark.django_db(transaction=True)
def test_concurrent_lifetime_increments_across_two_dates_keep_the_totals():
    """Half the events are a day late: every later total must still see them."""
    metric = Metric.objects.create(domain=Domain.objects.create(ref="race"), ref="total")
    day, next_day = D.isoformat(), (D + datetime.timedelta(days=1)).isoformat()
    dates = [[day, next_day][i % 2] for i in range(INCREMENTS)]
    _race(metric, Period.LIFETIME, [dates] * WORKERS)
    totals = dict(StatisticByDate.objects.filter(metric=metric).values_list("date", "value"))
    assert totals == {
        D: WORKERS * INCREMENTS // 2,
        D + datetime.timedelta(days=1): WORKERS * INCREMENTS,
    }
