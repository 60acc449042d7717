"""Export and import of statistics by reference (trackstats.exchange)."""

import datetime
import io
import json
import uuid

import pytest

from tests.testapp.models import Customer, Shop, UUIDCustomer
from trackstats.exchange import (
    COLUMNS,
    ImportFailed,
    export_statistics,
    format_for,
    import_statistics,
)
from trackstats.models import (
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
    StatisticByDateAndObject.objects.all().delete()
    StatisticByDate.objects.all().delete()
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
    assert failure.value.errors == [
        (3, "unknown period 'daily': use one of day, week, days_28, month, lifetime or N_days")
    ]

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
