"""Export and import of statistics by reference (trackstats.exchange)."""

import datetime
import io
import json
import uuid
from decimal import Decimal

import pytest

from tests.testapp.models import (
    AverageByObjectStatistic,
    AverageStatistic,
    Customer,
    RevenueStatistic,
    Shop,
    StatisticByCountry,
    UUIDCustomer,
)
from trackstats.exchange import (
    COLUMNS,
    ImportFailed,
    export_statistics,
    format_for,
    import_statistics,
    statistic_models,
)
from trackstats.models import (
    DecimalStatisticByDate,
    DecimalStatisticByDateAndObject,
    Domain,
    Metric,
    Period,
    StatisticByDate,
    StatisticByDateAndObject,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TEN_DAYS = 10 * Period.DAY


@pytest.fixture
def stored():
    """A bit of everything: both models, every pk type, NULL, a custom period."""
    shop = Domain.objects.create(ref="shop", name="Shop")
    orders = Metric.objects.create(domain=shop, ref="orders", name="Orders")
    users = Metric.objects.create(domain=Domain.objects.create(ref="users"), ref="signups")
    customer = Customer.objects.create(
        name="ada", joined=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    )
    uuid_customer = UUIDCustomer.objects.create(id=uuid.UUID(int=255), name="uu")
    store = Shop.objects.create(code="AMS-1", name="Amsterdam")
    by_date = StatisticByDate.objects.record
    by_date(orders, 10, Period.DAY, date=D(2024, 1, 1))
    by_date(orders, None, Period.DAY, date=D(2024, 1, 2))
    by_date(orders, 2**40, Period.LIFETIME, date=D(2024, 1, 2))
    by_date(orders, 7, TEN_DAYS, date=D(2024, 1, 3))
    by_date(users, 3, Period.WEEK, date=D(2024, 2, 1))
    by_object = StatisticByDateAndObject.objects.record
    by_object(orders, 1, Period.DAY, date=D(2024, 1, 1), object=customer)
    by_object(orders, 2, Period.DAY, date=D(2024, 1, 1), object=uuid_customer)
    by_object(orders, 3, Period.MONTH, date=D(2024, 1, 5), object=store)
    return {"orders": orders, "users": users, "customer": customer, "uuid": uuid_customer}


def snapshot():
    """Every statistic by reference, comparable across databases."""
    rows = set()
    for stat in StatisticByDate.objects.select_related("metric__domain"):
        rows.add((stat.metric.label, stat.period, stat.date, None, None, stat.value))
    for stat in StatisticByDateAndObject.objects.select_related("metric__domain", "object_type"):
        object_type = f"{stat.object_type.app_label}.{stat.object_type.model}"
        rows.add(
            (stat.metric.label, stat.period, stat.date, object_type, stat.object_id, stat.value)
        )
    return rows


def wipe():
    for model in statistic_models():
        model.objects.all().delete()
    Metric.objects.all().delete()
    Domain.objects.all().delete()


def export_text(**kwargs):
    buffer = io.StringIO()
    count = export_statistics(buffer, **kwargs)
    return count, buffer.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_export_then_import_restores_an_empty_database(stored, tmp_path, fmt):
    before = snapshot()
    count, text = export_text(format=fmt)
    assert count == len(before) == 8
    path = tmp_path / f"stats.{fmt}"
    path.write_text(text, encoding="utf-8")

    wipe()
    result = import_statistics(path)

    assert result.rows == 8
    assert sorted(result.created_metrics) == ["shop.orders", "users.signups"]
    assert sorted(result.created_domains) == ["shop", "users"]
    assert snapshot() == before


def test_csv_export_by_reference(stored):
    _, text = export_text(format="csv", metrics=[stored["orders"]], to_date=D(2024, 1, 2))
    lines = text.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    customer_id = stored["customer"].pk
    assert lines[1:] == [
        "shop,orders,lifetime,2024-01-02,,,1099511627776",
        "shop,orders,day,2024-01-01,,,10",
        "shop,orders,day,2024-01-02,,,",
        f"shop,orders,day,2024-01-01,testapp.customer,{customer_id},1",
        "shop,orders,day,2024-01-01,testapp.uuidcustomer,00000000-0000-0000-0000-0000000000ff,2",
    ]


def test_json_export_is_one_array_with_a_line_per_row(stored):
    _, text = export_text(format="json", metrics=[stored["users"]])
    assert text == (
        '[\n{"domain": "users", "metric": "signups", "period": "week", "date": "2024-02-01", '
        '"object_type": null, "object_id": null, "value": 3}\n]\n'
    )
    _, empty = export_text(format="json", from_date=D(2030, 1, 1))
    assert json.loads(empty) == []


def test_jsonl_export_filters_by_dates(stored):
    count, text = export_text(format="jsonl", from_date=D(2024, 1, 3), to_date=D(2024, 1, 5))
    records = [json.loads(line) for line in text.splitlines()]
    assert count == 2
    assert [(r["period"], r["date"], r["object_type"], r["value"]) for r in records] == [
        ("10_days", "2024-01-03", None, 7),
        ("month", "2024-01-05", "testapp.shop", 3),
    ]
    assert records[1]["object_id"] == "AMS-1"


def test_import_is_idempotent_and_updates_values(stored, tmp_path):
    _, text = export_text(format="csv")
    path = tmp_path / "stats.csv"
    path.write_text(text, encoding="utf-8")
    before = snapshot()

    import_statistics(path)
    import_statistics(path)
    assert snapshot() == before

    path.write_text(
        ",".join(COLUMNS) + "\nshop,orders,day,2024-01-01,,,99\nshop,orders,day,2024-03-01,,,5\n",
        encoding="utf-8",
    )
    result = import_statistics(path)
    assert result.rows == 2
    assert result.created_metrics == []
    narrow = StatisticByDate.objects.narrow(metric=stored["orders"], period=Period.DAY)
    assert narrow.get(date=D(2024, 1, 1)).value == 99
    assert narrow.get(date=D(2024, 3, 1)).value == 5
    assert StatisticByDate.objects.count() == 6


def test_import_canonicalises_object_ids(stored, tmp_path):
    path = tmp_path / "stats.jsonl"
    upper = str(uuid.UUID(int=255)).upper()
    path.write_text(
        json.dumps(
            {
                "domain": "shop",
                "metric": "orders",
                "period": "day",
                "date": "2024-01-01",
                "object_type": "testapp.UUIDCustomer",
                "object_id": upper,
                "value": 20,
            }
        )
        + "\n",
        encoding="utf-8",
    )
    import_statistics(path)
    row = StatisticByDateAndObject.objects.narrow(object=stored["uuid"]).get()
    assert row.value == 20  # the existing row was updated, not a second one made
    assert row.object_id == "00000000-0000-0000-0000-0000000000ff"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(stored, tmp_path):
    before = snapshot()
    path = tmp_path / "bad.csv"
    path.write_text(
        "\n".join(
            [
                ",".join(COLUMNS),
                "new,metric,day,2024-01-01,,,1",  # fine, but must not be imported
                "shop,orders,day,2024-13-01,,,1",
                "shop,orders,fortnight,2024-01-01,,,1",
                "shop,orders,day,2024-01-01,testapp.nothing,1,1",
                "shop,orders,day,2024-01-01,,,1.5",
                "shop,orders,day,2024-01-01,testapp.customer,,1",
                "shop,orders,day,2024-01-01,testapp.uuidcustomer,not-a-uuid,1",
                "new,metric,day,2024-01-01,,,2",
                ",orders,day,2024-01-01,,,2",
                "shop,orders,day,01/02/2024,,,2",
                "shop,orders,day,2024-01-01,,,lots",
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    with pytest.raises(ImportFailed) as failure:
        import_statistics(path)

    lines = dict(failure.value.errors)
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "2024-13-01" in lines[3]
    assert "does not exist" in lines[3]
    assert "unknown period 'fortnight'" in lines[4]
    assert "unknown object_type 'testapp.nothing'" in lines[5]
    assert "1.5" in lines[6]
    assert "integer" in lines[6]
    assert "object_type and object_id must be given together" in lines[7]
    assert "not-a-uuid" in lines[8]
    assert "same statistic as line 2" in lines[9]
    assert "domain is empty" in lines[10]
    assert "YYYY-MM-DD" in lines[11]
    assert "lots" in lines[12]
    assert str(failure.value).startswith("10 bad row(s), nothing was imported:\nline 3: ")
    assert snapshot() == before
    assert not Domain.objects.filter(ref="new").exists()


def test_malformed_files_name_the_line(stored, tmp_path):
    jsonl = tmp_path / "broken.jsonl"
    good = json.dumps(
        {"domain": "a", "metric": "b", "period": "day", "date": "2024-01-01", "value": 1}
    )
    jsonl.write_text(f"{good}\n\n{{not json\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        import_statistics(jsonl)
    assert failure.value.errors[0][0] == 3
    assert "malformed JSON" in failure.value.errors[0][1]

    array = tmp_path / "broken.json"
    array.write_text(f"[\n{good},\n{good.replace('day', 'daily')}\n]\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        import_statistics(array)
    assert len(failure.value.errors) == 1
    line, message = failure.value.errors[0]
    assert line == 3
    assert message.startswith("unknown period 'daily': use one of day, week, days_28, month")
    assert "calendar_month, quarter or year" in message

    columns = tmp_path / "columns.csv"
    columns.write_text("domain,metric,period,day,value\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"line 1: unknown column\(s\) day"):
        import_statistics(columns)

    ragged = tmp_path / "ragged.csv"
    ragged.write_text(",".join(COLUMNS) + "\na,b,day,2024-01-01\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="line 2: 4 cells where the header has 7 columns"):
        import_statistics(ragged)

    not_object = tmp_path / "list.jsonl"
    not_object.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="line 1: expected a JSON object, got list"):
        import_statistics(not_object)
    assert Domain.objects.filter(ref="a").count() == 0


def test_json_numbers_and_nulls(stored, tmp_path):
    path = tmp_path / "values.json"
    rows = [
        {"domain": "x", "metric": "y", "period": "day", "date": "2024-01-01", "value": None},
        {"domain": "x", "metric": "y", "period": "week", "date": "2024-01-01", "value": 4.0},
        {"domain": "x", "metric": "y", "period": "86400", "date": "2024-01-02", "value": -3},
    ]
    path.write_text(json.dumps(rows), encoding="utf-8")
    import_statistics(path)
    stats = StatisticByDate.objects.filter(metric__ref="y")
    assert stats.get(period=Period.DAY, date=D(2024, 1, 1)).value is None
    assert stats.get(period=Period.WEEK, date=D(2024, 1, 1)).value == 4
    assert stats.get(period=Period.DAY, date=D(2024, 1, 2)).value == -3


def test_format_for():
    assert format_for("a/b.CSV") == "csv"
    assert format_for("x.ndjson") == "jsonl"
    assert format_for("x.txt", "json") == "json"
    with pytest.raises(ValueError, match=r"cannot tell the format of 'x\.txt'"):
        format_for("x.txt")
    with pytest.raises(ValueError, match="format must be one of csv, json, jsonl"):
        format_for("x.csv", "xml")


def test_empty_and_header_only_files_import_nothing(tmp_path):
    for name, text in [("a.csv", ""), ("b.csv", ",".join(COLUMNS) + "\n"), ("c.json", "[]")]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert import_statistics(path).rows == 0
    assert StatisticByDate.objects.count() == 0


# ---------------------------------------------------------------------------- every model
@pytest.fixture
def stored_everywhere(stored):
    """Rows in every kind of statistic model: decimal, float, with a dimension."""
    orders, customer = stored["orders"], stored["customer"]
    revenue = Metric.objects.create(domain=orders.domain, ref="revenue")
    day = D(2024, 1, 1)
    DecimalStatisticByDate.objects.record(revenue, Decimal("1234567.8901"), Period.DAY, date=day)
    DecimalStatisticByDate.objects.record(revenue, Decimal("-0.0100"), Period.WEEK, date=day)
    DecimalStatisticByDate.objects.record(
        revenue, Decimal("12345678901.2345"), Period.LIFETIME, date=day
    )
    DecimalStatisticByDate.objects.record(revenue, None, Period.DAY, date=D(2024, 1, 2))
    DecimalStatisticByDateAndObject.objects.record(
        revenue, Decimal("19.9900"), Period.DAY, date=day, object=customer
    )
    DecimalStatisticByDateAndObject.objects.record(
        revenue, Decimal("0.0001"), Period.DAY, date=day, object=stored["uuid"]
    )
    for country, value in [("NL", 3), ("DE", 2**40)]:
        StatisticByCountry.objects.record(orders, value, Period.DAY, date=day, country=country)
    StatisticByCountry.objects.record(orders, None, TEN_DAYS, date=day, country="BE")
    RevenueStatistic.objects.record(revenue, Decimal("10.50"), Period.DAY, date=day)
    RevenueStatistic.objects.record(revenue, Decimal("-3.07"), Period.MONTH, date=day)
    AverageStatistic.objects.record(revenue, 1 / 3, Period.DAY, date=day)
    AverageStatistic.objects.record(revenue, 2.5e-8, Period.WEEK, date=day)
    AverageByObjectStatistic.objects.record(revenue, 0.1, Period.DAY, date=day, object=customer)
    return stored


def every_row():
    """Every row of every statistic model, values as their type and exact text."""
    rows = set()
    for model in statistic_models():
        dimensions = [f for f in ("country",) if hasattr(model, f)]
        for stat in model.objects.select_related("metric__domain"):
            object_key = None
            if hasattr(stat, "object_id"):
                object_type = stat.object_type
                object_key = (f"{object_type.app_label}.{object_type.model}", stat.object_id)
            value = stat.value
            rows.add(
                (
                    model._meta.label,
                    stat.metric.label,
                    stat.period,
                    stat.date,
                    object_key,
                    tuple(getattr(stat, name) for name in dimensions),
                    type(value).__name__,
                    None if value is None else repr(value),
                )
            )
    return rows


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_every_statistic_model_round_trips_exactly(stored_everywhere, tmp_path, fmt):
    before = every_row()
    models = {row[0] for row in before}
    assert models == {model._meta.label for model in statistic_models()}
    count, text = export_text(format=fmt)
    assert count == len(before) == 8 + 14
    path = tmp_path / f"stats.{fmt}"
    path.write_text(text, encoding="utf-8")

    wipe()
    result = import_statistics(path)

    assert result.rows == count
    assert every_row() == before
    # Twice: the same rows, no duplicates.
    import_statistics(path)
    assert every_row() == before


def test_a_file_with_other_models_names_the_model_and_the_dimensions(stored_everywhere):
    _, text = export_text(
        format="csv", metrics=[stored_everywhere["orders"]], to_date=D(2024, 1, 1)
    )
    lines = text.splitlines()
    assert lines[0] == ("model,domain,metric,period,date,object_type,object_id,country,value")
    customer_id = stored_everywhere["customer"].pk
    assert lines[1:] == [
        "trackstats.StatisticByDate,shop,orders,day,2024-01-01,,,,10",
        f"trackstats.StatisticByDateAndObject,shop,orders,day,2024-01-01,testapp.customer,"
        f"{customer_id},,1",
        "trackstats.StatisticByDateAndObject,shop,orders,day,2024-01-01,testapp.uuidcustomer,"
        "00000000-0000-0000-0000-0000000000ff,,2",
        "testapp.StatisticByCountry,shop,orders,day,2024-01-01,,,DE,1099511627776",
        "testapp.StatisticByCountry,shop,orders,day,2024-01-01,,,NL,3",
        "testapp.StatisticByCountry,shop,orders,10_days,2024-01-01,,,BE,",
    ]


def test_decimals_are_exported_as_their_exact_text(stored_everywhere):
    revenue = Metric.objects.get(ref="revenue")
    _, text = export_text(format="jsonl", metrics=[revenue], to_date=D(2024, 1, 1))
    records = [json.loads(line) for line in text.splitlines()]
    values = {(r["model"], r["period"], r["object_type"]): r["value"] for r in records}
    assert values == {
        ("trackstats.DecimalStatisticByDate", "lifetime", None): "12345678901.2345",
        ("trackstats.DecimalStatisticByDate", "day", None): "1234567.8901",
        ("trackstats.DecimalStatisticByDate", "week", None): "-0.0100",
        ("trackstats.DecimalStatisticByDateAndObject", "day", "testapp.customer"): "19.9900",
        ("trackstats.DecimalStatisticByDateAndObject", "day", "testapp.uuidcustomer"): "0.0001",
        ("testapp.AverageByObjectStatistic", "day", "testapp.customer"): 0.1,
        ("testapp.AverageStatistic", "day", None): 1 / 3,
        ("testapp.AverageStatistic", "week", None): 2.5e-8,
        ("testapp.RevenueStatistic", "day", None): "10.50",
        ("testapp.RevenueStatistic", "month", None): "-3.07",
    }
    # No rows of a model with a country: no country column.
    assert all("country" not in r for r in records)


def test_json_numbers_into_a_decimal_model_stay_exact(tmp_path):
    path = tmp_path / "money.json"
    path.write_text(
        '[{"model": "trackstats.decimalstatisticbydate", "domain": "shop", '
        '"metric": "revenue", "period": "day", "date": "2024-01-01", "value": 0.1},\n'
        '{"model": "trackstats.DecimalStatisticByDate", "domain": "shop", '
        '"metric": "revenue", "period": "week", "date": "2024-01-01", '
        '"value": 9999999.9999}]',
        encoding="utf-8",
    )
    assert import_statistics(path).rows == 2
    values = dict(DecimalStatisticByDate.objects.values_list("period", "value"))
    assert values == {Period.DAY: Decimal("0.1000"), Period.WEEK: Decimal("9999999.9999")}


def test_rows_without_a_model_go_to_the_built_in_models(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        "model,domain,metric,period,date,object_type,object_id,country,value\n"
        ",shop,orders,day,2024-01-01,,,,4\n"
        "testapp.StatisticByCountry,shop,orders,day,2024-01-01,,,NL,5\n",
        encoding="utf-8",
    )
    import_statistics(path)
    assert StatisticByDate.objects.get().value == 4
    assert StatisticByCountry.objects.get(country="NL").value == 5


def test_bad_model_rows_are_reported_and_nothing_is_imported(stored_everywhere, tmp_path):
    before = every_row()
    customer_id = stored_everywhere["customer"].pk
    path = tmp_path / "bad.csv"
    path.write_text(
        "\n".join(
            [
                "model,domain,metric,period,date,object_type,object_id,country,value",
                "trackstats.DecimalStatisticByDate,new,metric,day,2024-01-01,,,,1.5",  # fine
                "trackstats.NoSuchStatistic,shop,orders,day,2024-01-01,,,,1",
                "testapp.Customer,shop,orders,day,2024-01-01,,,,1",
                "testapp.StatisticByCountry,shop,orders,day,2024-01-01,,,,1",
                "trackstats.StatisticByDate,shop,orders,day,2024-01-01,,,NL,1",
                "trackstats.DecimalStatisticByDateAndObject,shop,orders,day,2024-01-01,,,,1",
                f"trackstats.DecimalStatisticByDate,shop,orders,day,2024-01-01,"
                f"testapp.customer,{customer_id},,1",
                "trackstats.DecimalStatisticByDate,shop,orders,week,2024-01-01,,,,0.00001",
                "testapp.StatisticByCountry,shop,orders,day,2024-01-01,,,NLD,1",
                "testapp.StatisticByCountry,shop,orders,day,2024-01-09,,,BE,1",
                "testapp.StatisticByCountry,shop,orders,day,2024-01-09,,,BE,2",
                "trackstats.DecimalStatisticByDate,new,metric,day,2024-01-01,,,,2",
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    with pytest.raises(ImportFailed) as failure:
        import_statistics(path)

    lines = dict(failure.value.errors)
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    assert lines[3] == "unknown model 'trackstats.NoSuchStatistic': no such installed model"
    assert lines[4] == "model 'testapp.Customer' is not a statistic model"
    assert lines[5] == "testapp.StatisticByCountry needs a value for its dimension 'country'"
    assert lines[6] == (
        "trackstats.StatisticByDate has no dimension country (its dimensions: none)"
    )
    assert lines[7] == "trackstats.DecimalStatisticByDateAndObject needs object_type and object_id"
    assert lines[8] == (
        "trackstats.DecimalStatisticByDate has no object: leave object_type and object_id empty"
    )
    assert "4 decimal places" in lines[9]
    assert "'NLD'" in lines[10]
    assert "at most 2 characters" in lines[10]
    assert lines[12] == "same statistic as line 11 (duplicate key)"
    assert lines[13] == "same statistic as line 2 (duplicate key)"
    assert every_row() == before
    assert not Domain.objects.filter(ref="new").exists()


def test_a_missing_dimension_column_is_an_error(tmp_path):
    path = tmp_path / "no-country.jsonl"
    path.write_text(
        json.dumps(
            {
                "model": "testapp.StatisticByCountry",
                "domain": "shop",
                "metric": "orders",
                "period": "day",
                "date": "2024-01-01",
                "value": 1,
            }
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed, match="needs a value for its dimension 'country'"):
        import_statistics(path)
    assert StatisticByCountry.objects.count() == 0
