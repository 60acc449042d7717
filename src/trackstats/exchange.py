"""Export and import statistics by reference, never by primary key.

A row names its metric by domain and metric ``ref``, its period by name (``day``,
``week``, ``10_days``, see :func:`trackstats.periods.period_name`) and its object by
``app_label.model`` plus the canonical object id, so a file moves between databases
whose primary keys differ. The columns, in this order::

    domain, metric, period, date, object_type, object_id, value

Rows without an object belong to ``StatisticByDate``, rows with one to
``StatisticByDateAndObject``; custom statistic models are not exchanged (their extra
dimensions have no column here). ``value`` is empty (CSV) or ``null`` (JSON) for a
stored NULL.

Formats: ``csv`` (with a header line), ``json`` (one array, one object per line) and
``jsonl`` (one object per line). Export streams rows from the database, so memory does
not grow with the table. Import validates every row before it writes anything, then
upserts all of them in one transaction: importing a file twice leaves the same rows,
and one bad row (reported with its line number) means nothing is imported. Domains and
metrics missing from the database are created by ``ref`` so that an export restores
into an empty database; their names stay empty until the application registers them.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction

from .models import Domain, Metric, StatisticByDate, StatisticByDateAndObject
from .objects import OBJECT_ID_MAX_LENGTH, pk_to_object_id
from .periods import parse_period_name, period_name
from .querysets import clean_statistic_value

FORMATS = ("csv", "json", "jsonl")
COLUMNS = ("domain", "metric", "period", "date", "object_type", "object_id", "value")
REQUIRED_COLUMNS = frozenset({"domain", "metric", "period", "date", "value"})
EXCHANGED_MODELS = (StatisticByDate, StatisticByDateAndObject)

_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d+")
_REF_MAX_LENGTH = 100
_BATCH_SIZE = 1000
_MAX_REPORTED_ERRORS = 50


def format_for(path: str | Path | None, explicit: str | None = None) -> str:
    """The exchange format: ``explicit`` when given, else from the file extension."""
    if explicit is not None:
        if explicit not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {explicit!r}")
        return explicit
    suffix = Path(path).suffix.lower() if path is not None else ""
    if suffix not in _EXTENSIONS:
        raise ValueError(
            f"cannot tell the format of {str(path)!r} from its extension; "
            f"name it .csv, .json or .jsonl, or give the format ({', '.join(FORMATS)})"
        )
    return _EXTENSIONS[suffix]


# ---------------------------------------------------------------------------- export
def export_statistics(
    stream: TextIO,
    format: str = "csv",
    metrics: Iterable[Metric] | None = None,
    from_date: datetime.date | None = None,
    to_date: datetime.date | None = None,
    using: str | None = None,
) -> int:
    """Write the statistics of both built-in models to ``stream``; return the row count.

    ``metrics`` limits the export to those metrics, ``from_date`` and ``to_date``
    (inclusive) to those dates. Rows come ordered by domain, metric, period, object and
    date, read with a server-side iterator so memory stays flat.
    """
    format = format_for(None, format)
    writer = _WRITERS[format](stream)
    metric_list = list(metrics) if metrics is not None else None
    count = 0
    for model in EXCHANGED_MODELS:
        for record in _export_records(model, metric_list, from_date, to_date, using):
            writer.write(record)
            count += 1
    writer.close()
    return count


def _export_records(
    model: type[models.Model],
    metrics: list[Metric] | None,
    from_date: datetime.date | None,
    to_date: datetime.date | None,
    using: str | None,
) -> Iterator[dict[str, Any]]:
    db = using or router.db_for_write(model)
    queryset = model._default_manager.using(db).narrow(
        metrics=metrics, from_date=from_date, to_date=to_date
    )
    by_object = model is StatisticByDateAndObject
    fields = ["metric__domain__ref", "metric__ref", "period"]
    if by_object:
        fields += ["object_type__app_label", "object_type__model", "object_id"]
    rows = queryset.order_by(*fields, "date").values_list(*fields, "date", "value")
    for row in rows.iterator(chunk_size=_BATCH_SIZE):
        if by_object:
            domain, metric, period, app_label, model_name, object_id, date, value = row
            object_type = f"{app_label}.{model_name}"
        else:
            domain, metric, period, date, value = row
            object_type = object_id = None
        yield {
            "domain": domain,
            "metric": metric,
            "period": period_name(period),
            "date": date.isoformat(),
            "object_type": object_type,
            "object_id": object_id,
            "value": _json_number(value),
        }


def _json_number(value: Any) -> Any:
    # Built-in models store integers; keep Decimal exact rather than a binary float.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    return value


class _CsvWriter:
    def __init__(self, stream: TextIO) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow(COLUMNS)

    def write(self, record: dict[str, Any]) -> None:
        self._writer.writerow(["" if record[c] is None else record[c] for c in COLUMNS])

    def close(self) -> None:
        pass


class _JsonLinesWriter:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        pass


class _JsonWriter:
    """One JSON array with an object per line, so import errors can name a line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._first = True
        stream.write("[\n")

    def write(self, record: dict[str, Any]) -> None:
        separator = "" if self._first else ",\n"
        self._first = False
        self._stream.write(separator + json.dumps(record, ensure_ascii=False))

    def close(self) -> None:
        self._stream.write("\n]\n" if not self._first else "]\n")


_WRITERS = {"csv": _CsvWriter, "json": _JsonWriter, "jsonl": _JsonLinesWriter}


# ---------------------------------------------------------------------------- import
class ImportFailed(ValueError):
    """The file holds bad rows; nothing was imported. ``errors``: (line, message) pairs."""

    def __init__(self, errors: list[tuple[int, str]], total: int | None = None) -> None:
        self.errors = errors
        self.total = total if total is not None else len(errors)
        lines = [f"line {line}: {message}" for line, message in errors]
        if self.total > len(errors):
            lines.append(f"... and {self.total - len(errors)} more bad rows")
        super().__init__(f"{self.total} bad row(s), nothing was imported:\n" + "\n".join(lines))


@dataclass
class ImportResult:
    rows: int = 0
    created_domains: list[str] = field(default_factory=list)
    created_metrics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _ParsedRow:
    line: int
    domain: str
    metric: str
    period: int
    date: datetime.date
    object_type_id: int | None
    object_id: str | None
    value: Any

    @property
    def model(self) -> type[models.Model]:
        return StatisticByDate if self.object_type_id is None else StatisticByDateAndObject

    @property
    def key(self) -> tuple:
        return (
            self.domain,
            self.metric,
            self.period,
            self.date,
            self.object_type_id,
            self.object_id,
        )


def import_statistics(
    path: str | Path, format: str | None = None, using: str | None = None
) -> ImportResult:
    """Upsert the statistics of the file at ``path``; all rows or, on any bad row, none.

    Raises :class:`ImportFailed` listing bad rows with their line numbers (the first
    50), and leaves the database untouched in that case.
    """
    format = format_for(path, format)
    db = using or router.db_for_write(StatisticByDate)
    rows, errors = _parse_file(Path(path), format, db)
    if errors:
        raise ImportFailed(errors[:_MAX_REPORTED_ERRORS], total=len(errors))
    with transaction.atomic(using=db):
        result = ImportResult(rows=len(rows))
        metric_ids = _metric_ids(rows, db, result)
        for model in EXCHANGED_MODELS:
            _upsert(model, [row for row in rows if row.model is model], metric_ids, db)
    return result


def _parse_file(path: Path, format: str, db: str) -> tuple[list[_ParsedRow], list[tuple]]:
    rows: list[_ParsedRow] = []
    errors: list[tuple[int, str]] = []
    first_line_of: dict[tuple, int] = {}
    content_types = _ContentTypes(db)
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            for line, record in _READERS[format](stream):
                try:
                    row = _parse_record(line, record, content_types)
                except (ValueError, TypeError, ValidationError) as exc:
                    errors.append((line, _message(exc)))
                    continue
                if row.key in first_line_of:
                    errors.append(
                        (line, f"same statistic as line {first_line_of[row.key]} (duplicate key)")
                    )
                    continue
                first_line_of[row.key] = line
                rows.append(row)
    except _MalformedFile as exc:
        errors.append((exc.line, exc.message))
    except UnicodeDecodeError as exc:
        errors.append((1, f"the file is not UTF-8 text ({exc.reason})"))
    return rows, errors


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


class _MalformedFile(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _read_csv(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        _check_columns(header, 1)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise _MalformedFile(
                    reader.line_num,
                    f"{len(cells)} cells where the header has {len(header)} columns",
                )
            yield reader.line_num, dict(zip(header, cells, strict=True))
    except csv.Error as exc:
        raise _MalformedFile(reader.line_num, f"malformed CSV: {exc}") from exc


def _read_jsonl(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _MalformedFile(line, f"malformed JSON: {exc.msg}") from exc
        yield line, _json_object(record, line)


def _read_json(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    # The whole array is read, but each element's line is kept for error messages.
    text = stream.read()
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position == len(text):
        return
    if text[position] != "[":
        raise _MalformedFile(_line_at(text, position), "a JSON export must be one array")
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        return
    while True:
        try:
            record, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise _MalformedFile(exc.lineno, f"malformed JSON: {exc.msg}") from exc
        yield _line_at(text, position), _json_object(record, _line_at(text, position))
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
            continue
        if position < len(text) and text[position] == "]":
            return
        raise _MalformedFile(_line_at(text, position), "malformed JSON: expected ',' or ']'")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _json_object(record: Any, line: int) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise _MalformedFile(line, f"expected a JSON object, got {type(record).__name__}")
    _check_columns(list(record), line)
    return record


def _check_columns(names: list[str], line: int) -> None:
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise _MalformedFile(
            line, f"unknown column(s) {', '.join(unknown)}; expected {', '.join(COLUMNS)}"
        )
    missing = REQUIRED_COLUMNS - set(names)
    if missing:
        raise _MalformedFile(line, f"missing column(s) {', '.join(sorted(missing))}")


_READERS = {"csv": _read_csv, "json": _read_json, "jsonl": _read_jsonl}


class _ContentTypes:
    """``app_label.model`` to content type, looked up once per distinct name."""

    def __init__(self, db: str) -> None:
        self._db = db
        self._cache: dict[str, ContentType] = {}

    def get(self, name: str) -> ContentType:
        if name not in self._cache:
            app_label, sep, model_name = name.partition(".")
            if not sep or not app_label or not model_name:
                raise ValueError(f"object_type must be written app_label.model, got {name!r}")
            try:
                self._cache[name] = ContentType.objects.db_manager(self._db).get_by_natural_key(
                    app_label, model_name.lower()
                )
            except ContentType.DoesNotExist:
                raise ValueError(f"unknown object_type {name!r}: no such model") from None
        return self._cache[name]


def _parse_record(line: int, record: dict[str, Any], content_types: _ContentTypes) -> _ParsedRow:
    domain = _ref(record.get("domain"), "domain")
    metric = _ref(record.get("metric"), "metric")
    period_text = _text(record.get("period"))
    if not period_text:
        raise ValueError("period is empty")
    period = parse_period_name(period_text)
    date = _date(record.get("date"))
    object_type_name = _text(record.get("object_type"))
    raw_object_id = _text(record.get("object_id"))
    object_type_id = object_id = None
    if object_type_name or raw_object_id:
        if not (object_type_name and raw_object_id):
            raise ValueError("object_type and object_id must be given together")
        content_type = content_types.get(object_type_name)
        object_type_id = content_type.pk
        object_id = _canonical_object_id(content_type, raw_object_id)
    model = StatisticByDate if object_type_id is None else StatisticByDateAndObject
    value = clean_statistic_value(model, _number(record.get("value")))
    return _ParsedRow(line, domain, metric, period, date, object_type_id, object_id, value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"expected text, got {value!r}")
    return str(value).strip()


def _ref(value: Any, column: str) -> str:
    text = _text(value)
    if not text:
        raise ValueError(f"{column} is empty")
    if len(text) > _REF_MAX_LENGTH:
        raise ValueError(f"{column} {text[:40]!r}... is longer than {_REF_MAX_LENGTH} characters")
    return text


def _date(value: Any) -> datetime.date:
    text = _text(value)
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"date must be written YYYY-MM-DD, got {value!r}")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text!r} does not exist") from None


def _number(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, decimal.Decimal)):
        return value
    if not isinstance(value, str):
        raise ValueError(f"value must be a number, got {value!r}")
    text = value.strip()
    if not text:
        return None
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError(f"value must be a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"value must be a finite number, got {value!r}")
    return number


def _canonical_object_id(content_type: ContentType, raw: str) -> str:
    model = content_type.model_class()
    if model is None:
        # A stale content type: its model is gone, so keep the id as written.
        if len(raw) > OBJECT_ID_MAX_LENGTH:
            raise ValueError(f"object_id is longer than {OBJECT_ID_MAX_LENGTH} characters")
        return raw
    try:
        pk = model._meta.pk.to_python(raw)
    except ValidationError as exc:
        raise ValueError(
            f"object_id {raw!r} is not a valid primary key of {content_type.app_label}."
            f"{content_type.model}: {'; '.join(exc.messages)}"
        ) from None
    return pk_to_object_id(pk)


def _metric_ids(rows: list[_ParsedRow], db: str, result: ImportResult) -> dict[tuple, int]:
    """Primary keys of the file's metrics by (domain ref, metric ref), creating missing ones."""
    wanted = {(row.domain, row.metric) for row in rows}
    domains = {
        domain.ref: domain
        for domain in Domain.objects.using(db).filter(ref__in={d for d, _ in wanted})
    }
    metric_ids: dict[tuple, int] = {}
    for domain_ref, metric_ref in sorted(wanted):
        domain = domains.get(domain_ref)
        if domain is None:
            domain, created = Domain.objects.using(db).get_or_create(ref=domain_ref)
            domains[domain_ref] = domain
            if created:
                result.created_domains.append(domain_ref)
        metric, created = Metric.objects.using(db).get_or_create(domain=domain, ref=metric_ref)
        if created:
            result.created_metrics.append(f"{domain_ref}.{metric_ref}")
        metric_ids[(domain_ref, metric_ref)] = metric.pk
    return metric_ids


def _upsert(
    model: type[models.Model], rows: list[_ParsedRow], metric_ids: dict[tuple, int], db: str
) -> None:
    from .models import statistic_key_fields

    if not rows:
        return
    by_object = model is StatisticByDateAndObject
    unique_fields = (
        list(statistic_key_fields(model))
        if connections[db].features.supports_update_conflicts_with_target
        else None
    )
    for start in range(0, len(rows), _BATCH_SIZE):
        instances = []
        for row in rows[start : start + _BATCH_SIZE]:
            extra = (
                {"object_type_id": row.object_type_id, "object_id": row.object_id}
                if by_object
                else {}
            )
            instances.append(
                model(
                    metric_id=metric_ids[(row.domain, row.metric)],
                    period=row.period,
                    date=row.date,
                    value=row.value,
                    **extra,
                )
            )
        model._default_manager.using(db).bulk_create(
            instances, update_conflicts=True, unique_fields=unique_fields, update_fields=["value"]
        )
