"""Export and import statistics by reference, never by primary key.

A row names its metric by domain and metric ``ref``, its period by name (``day``,
``week``, ``10_days``, see :func:`trackstats.periods.period_name`) and its object by
``app_label.model`` plus the canonical object id, so a file moves between databases
whose primary keys differ. The columns, in this order::

    domain, metric, period, date, object_type, object_id, value

Every installed statistic model is exported, custom ones included. A file holding
rows of the built-in models only has exactly these columns, as earlier versions wrote
them: rows without an object belong to ``StatisticByDate``, rows with one to
``StatisticByDateAndObject``. When other models have rows, the file starts with a
``model`` column (the model's label, such as ``trackstats.DecimalStatisticByDate``) and
gains a column for each extra dimension (say ``country``) before ``value``; a row
leaves the dimensions of other models empty. ``value`` is empty (CSV) or ``null``
(JSON) for a stored NULL; decimals are written as their exact text (``"12.5000"``,
a string in JSON), floats as the shortest text that reads back the same number.

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
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models.fields.related import RelatedField

from .models import AbstractStatistic, Domain, Metric, StatisticByDate, StatisticByDateAndObject
from .object_ids import OBJECT_ID_MAX_LENGTH, pk_to_object_id
from .periods import parse_period_name, period_name
from .querysets import StatisticQuerySet, clean_statistic_value, statistic_rows
from .statistic_schema import dimension_fields, forward_field, is_by_object, statistic_key_fields

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

FORMATS = ("csv", "json", "jsonl")
COLUMNS = ("domain", "metric", "period", "date", "object_type", "object_id", "value")
MODEL_COLUMN = "model"
REQUIRED_COLUMNS = frozenset({"domain", "metric", "period", "date", "value"})
BUILT_IN_MODELS = (StatisticByDate, StatisticByDateAndObject)

_OBJECT_COLUMNS = ("object_type", "object_id")
_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d+")
_REF_MAX_LENGTH = 100
_BATCH_SIZE = 1000
_MAX_REPORTED_ERRORS = 50


def statistic_models() -> list[type[models.Model]]:
    """Every installed concrete statistic model: the built-in two, then the others by label.

    Proxy models are left out: their rows are those of the model they stand for.
    """
    others = [
        model
        for model in apps.get_models()
        if issubclass(model, AbstractStatistic)
        and not model._meta.proxy
        and model not in BUILT_IN_MODELS
    ]
    return [*BUILT_IN_MODELS, *sorted(others, key=lambda model: model._meta.label)]


def extra_dimensions(model: type[models.Model]) -> tuple[str, ...]:
    """The key fields of ``model`` that get a column of their own (not the object's)."""
    return tuple(name for name in dimension_fields(model) if name not in _OBJECT_COLUMNS)


def _check_exchangeable(model: type[models.Model]) -> None:
    for name in extra_dimensions(model):
        if name in COLUMNS or name == MODEL_COLUMN:
            raise ValueError(
                f"{model._meta.label} cannot be exchanged: its dimension {name!r} has the "
                "name of a column"
            )


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
    stream: SupportsWrite[str],
    format: str = "csv",
    metrics: Iterable[Metric] | None = None,
    from_date: datetime.date | None = None,
    to_date: datetime.date | None = None,
    using: str | None = None,
) -> int:
    """Write the statistics of every statistic model to ``stream``; return the row count.

    ``metrics`` limits the export to those metrics, ``from_date`` and ``to_date``
    (inclusive) to those dates. Models come in the order of :func:`statistic_models`,
    rows ordered by domain, metric, period, object, dimensions and date, read with a
    server-side iterator so memory stays flat.
    """
    format = format_for(None, format)
    metric_list = list(metrics) if metrics is not None else None
    querysets = [
        (model, _export_queryset(model, metric_list, from_date, to_date, using))
        for model in statistic_models()
    ]
    # The columns go first, so which other models have rows is asked up front: one
    # query per model rather than a pass over the rows.
    others = [
        model
        for model, queryset in querysets
        if model not in BUILT_IN_MODELS and queryset.exists()
    ]
    writer = _WRITERS[format](stream, _export_columns(others))
    count = 0
    for model, queryset in querysets:
        for record in _export_records(model, queryset):
            writer.write(record)
            count += 1
    writer.close()
    return count


def _export_columns(other_models: Sequence[type[models.Model]]) -> tuple[str, ...]:
    if not other_models:
        return COLUMNS
    dimensions: dict[str, None] = {}
    for model in other_models:
        _check_exchangeable(model)
        dimensions.update(dict.fromkeys(extra_dimensions(model)))
    return (MODEL_COLUMN, *COLUMNS[:-1], *dimensions, COLUMNS[-1])


def _export_queryset(
    model: type[models.Model],
    metrics: list[Metric] | None,
    from_date: datetime.date | None,
    to_date: datetime.date | None,
    using: str | None,
) -> StatisticQuerySet[Any]:
    db = using or router.db_for_write(model)
    return statistic_rows(model, db).narrow(metrics=metrics, from_date=from_date, to_date=to_date)


def _export_records(
    model: type[models.Model], queryset: models.QuerySet[Any]
) -> Iterator[dict[str, Any]]:
    by_object = is_by_object(model)
    dimensions = extra_dimensions(model)
    attnames = [forward_field(model, name).attname for name in dimensions]
    fields = ["metric__domain__ref", "metric__ref", "period"]
    if by_object:
        fields += ["object_type__app_label", "object_type__model", "object_id"]
    fields += attnames
    rows = queryset.order_by(*fields, "date").values_list(*fields, "date", "value")
    label = model._meta.label
    for row in rows.iterator(chunk_size=_BATCH_SIZE):
        domain, metric, period = row[:3]
        rest = row[3:]
        object_type = object_id = None
        if by_object:
            app_label, model_name, object_id = rest[:3]
            object_type = f"{app_label}.{model_name}"
            rest = rest[3:]
        *dimension_values, date, value = rest
        record = {
            MODEL_COLUMN: label,
            "domain": domain,
            "metric": metric,
            "period": period_name(period),
            "date": date.isoformat(),
            "object_type": object_type,
            "object_id": object_id,
            "value": _exported_number(value),
        }
        for name, dimension_value in zip(dimensions, dimension_values, strict=True):
            record[name] = _exported_dimension(dimension_value)
        yield record


def _exported_number(value: Any) -> Any:
    # The exact text of a Decimal (a string in JSON), never a binary float.
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _exported_dimension(value: Any) -> Any:
    if value is None or isinstance(value, str) or type(value) is int:
        return value
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


class _Writer(Protocol):
    def write(self, record: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class _CsvWriter:
    def __init__(self, stream: SupportsWrite[str], columns: Sequence[str]) -> None:
        self._columns = columns
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow(columns)

    def write(self, record: dict[str, Any]) -> None:
        self._writer.writerow(["" if record.get(c) is None else record[c] for c in self._columns])

    def close(self) -> None:
        pass


class _JsonLinesWriter:
    def __init__(self, stream: SupportsWrite[str], columns: Sequence[str]) -> None:
        self._stream = stream
        self._columns = columns

    def write(self, record: dict[str, Any]) -> None:
        selected = {c: record.get(c) for c in self._columns}
        self._stream.write(json.dumps(selected, ensure_ascii=False) + "\n")

    def close(self) -> None:
        pass


class _JsonWriter:
    """One JSON array with an object per line, so import errors can name a line."""

    def __init__(self, stream: SupportsWrite[str], columns: Sequence[str]) -> None:
        self._stream = stream
        self._columns = columns
        self._first = True
        stream.write("[\n")

    def write(self, record: dict[str, Any]) -> None:
        separator = "" if self._first else ",\n"
        self._first = False
        selected = {c: record.get(c) for c in self._columns}
        self._stream.write(separator + json.dumps(selected, ensure_ascii=False))

    def close(self) -> None:
        self._stream.write("\n]\n" if not self._first else "]\n")


_WRITERS: dict[str, Callable[[SupportsWrite[str], Sequence[str]], _Writer]] = {
    "csv": _CsvWriter,
    "json": _JsonWriter,
    "jsonl": _JsonLinesWriter,
}


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
    model: type[models.Model]
    domain: str
    metric: str
    period: int
    date: datetime.date
    object_type_id: int | None
    object_id: str | None
    # (attname, value) of the model's extra dimensions, in key order.
    dimensions: tuple[tuple[str, Any], ...]
    value: Any

    @property
    def key(self) -> tuple[Any, ...]:
        return (
            self.model,
            self.domain,
            self.metric,
            self.period,
            self.date,
            self.object_type_id,
            self.object_id,
            self.dimensions,
        )


def import_statistics(
    path: str | Path, format: str | None = None, using: str | None = None
) -> ImportResult:
    """Upsert the statistics of the file at ``path``; all rows or, on any bad row, none.

    Each row goes into the model its ``model`` column names, or without one into
    ``StatisticByDate`` or ``StatisticByDateAndObject`` as it has no object or one.
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
        for model in statistic_models():
            _upsert(model, [row for row in rows if row.model is model], metric_ids, db)
    return result


def _parse_file(
    path: Path, format: str, db: str
) -> tuple[list[_ParsedRow], list[tuple[int, str]]]:
    rows: list[_ParsedRow] = []
    errors: list[tuple[int, str]] = []
    first_line_of: dict[tuple[Any, ...], int] = {}
    content_types = _ContentTypes(db)
    statistic_models_by_label = _StatisticModels()
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = _READERS[format](stream, statistic_models_by_label.columns)
            for line, record in reader:
                try:
                    row = _parse_record(line, record, content_types, statistic_models_by_label)
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


def _read_csv(stream: TextIO, known: frozenset[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        _check_columns(header, 1, known)
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


def _read_jsonl(stream: TextIO, known: frozenset[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text, parse_float=decimal.Decimal)
        except json.JSONDecodeError as exc:
            raise _MalformedFile(line, f"malformed JSON: {exc.msg}") from exc
        yield line, _json_object(record, line, known)


def _read_json(stream: TextIO, known: frozenset[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    # The whole array is read, but each element's line is kept for error messages.
    text = stream.read()
    decoder = json.JSONDecoder(parse_float=decimal.Decimal)
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
        line = _line_at(text, position)
        yield line, _json_object(record, line, known)
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


def _json_object(record: Any, line: int, known: frozenset[str]) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise _MalformedFile(line, f"expected a JSON object, got {type(record).__name__}")
    _check_columns(list(record), line, known)
    return record


def _check_columns(names: list[str], line: int, known: frozenset[str]) -> None:
    unknown = [name for name in names if name not in known]
    if unknown:
        extra = sorted(known - {*COLUMNS, MODEL_COLUMN})
        dimensions = f"; dimensions: {', '.join(extra)}" if extra else ""
        raise _MalformedFile(
            line,
            f"unknown column(s) {', '.join(unknown)}; expected {', '.join(COLUMNS)}, "
            f"optionally {MODEL_COLUMN}{dimensions}",
        )
    missing = REQUIRED_COLUMNS - set(names)
    if missing:
        raise _MalformedFile(line, f"missing column(s) {', '.join(sorted(missing))}")


_READERS = {"csv": _read_csv, "json": _read_json, "jsonl": _read_jsonl}


class _StatisticModels:
    """Statistic models by label, and the columns a file may have."""

    def __init__(self) -> None:
        self._models = {model._meta.label_lower: model for model in statistic_models()}
        dimensions = {name for model in self._models.values() for name in extra_dimensions(model)}
        self.columns = frozenset({*COLUMNS, MODEL_COLUMN, *dimensions})

    def get(self, label: str) -> type[models.Model]:
        model = self._models.get(label.lower())
        if model is not None:
            return model
        try:
            apps.get_model(label)
        except (LookupError, ValueError):
            raise ValueError(f"unknown model {label!r}: no such installed model") from None
        raise ValueError(f"model {label!r} is not a statistic model")


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


def _parse_record(
    line: int,
    record: dict[str, Any],
    content_types: _ContentTypes,
    statistic_models_by_label: _StatisticModels,
) -> _ParsedRow:
    domain = _ref(record.get("domain"), "domain")
    metric = _ref(record.get("metric"), "metric")
    period_text = _text(record.get("period"))
    if not period_text:
        raise ValueError("period is empty")
    period = parse_period_name(period_text)
    date = _date(record.get("date"))
    object_type_name = _text(record.get("object_type"))
    raw_object_id = _text(record.get("object_id"))
    has_object = bool(object_type_name or raw_object_id)
    if has_object and not (object_type_name and raw_object_id):
        raise ValueError("object_type and object_id must be given together")
    model_label = _text(record.get(MODEL_COLUMN))
    if model_label:
        model = statistic_models_by_label.get(model_label)
    else:
        # Files of earlier versions: the object tells the built-in model.
        model = StatisticByDateAndObject if has_object else StatisticByDate
    _check_exchangeable(model)
    label = model._meta.label
    if is_by_object(model) and not has_object:
        raise ValueError(f"{label} needs object_type and object_id")
    if has_object and not is_by_object(model):
        raise ValueError(f"{label} has no object: leave object_type and object_id empty")
    object_type_id = object_id = None
    if has_object:
        content_type = content_types.get(object_type_name)
        object_type_id = content_type.pk
        object_id = _canonical_object_id(content_type, raw_object_id)
    dimensions = _dimensions(model, record)
    value = clean_statistic_value(model, _number(record.get("value")))
    return _ParsedRow(
        line, model, domain, metric, period, date, object_type_id, object_id, dimensions, value
    )


def _dimensions(model: type[models.Model], record: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The model's extra dimensions from the record, checked by their fields."""
    names = extra_dimensions(model)
    foreign = sorted(
        name
        for name, raw in record.items()
        if name not in COLUMNS and name != MODEL_COLUMN and name not in names and not _empty(raw)
    )
    if foreign:
        raise ValueError(
            f"{model._meta.label} has no dimension {', '.join(foreign)} (its dimensions: "
            f"{', '.join(names) or 'none'})"
        )
    parsed = []
    for name in names:
        raw = record.get(name)
        if _empty(raw):
            raise ValueError(f"{model._meta.label} needs a value for its dimension {name!r}")
        model_field = forward_field(model, name)
        # A foreign key dimension holds the primary key of its target.
        checked = (
            model_field.target_field if isinstance(model_field, RelatedField) else model_field
        )
        try:
            value = checked.to_python(raw)
            checked.run_validators(value)
        except ValidationError as exc:
            raise ValueError(f"{name} {raw!r}: {'; '.join(exc.messages)}") from None
        parsed.append((model_field.attname, value))
    return tuple(parsed)


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


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
    if isinstance(value, float) and not math.isfinite(value):
        # JSON's NaN and Infinity, which Python's reader accepts.
        raise ValueError(f"value must be a finite number, got {value!r}")
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


def _metric_ids(
    rows: list[_ParsedRow], db: str, result: ImportResult
) -> dict[tuple[str, str], int]:
    """Primary keys of the file's metrics by (domain ref, metric ref), creating missing ones."""
    wanted = {(row.domain, row.metric) for row in rows}
    domains = {
        domain.ref: domain
        for domain in Domain.objects.using(db).filter(ref__in={d for d, _ in wanted})
    }
    metric_ids: dict[tuple[str, str], int] = {}
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
    model: type[models.Model],
    rows: list[_ParsedRow],
    metric_ids: dict[tuple[str, str], int],
    db: str,
) -> None:
    if not rows:
        return
    by_object = is_by_object(model)
    unique_fields = (
        list(statistic_key_fields(model))
        if connections[db].features.supports_update_conflicts_with_target
        else None
    )
    for start in range(0, len(rows), _BATCH_SIZE):
        instances = []
        for row in rows[start : start + _BATCH_SIZE]:
            extra = dict(row.dimensions)
            if by_object:
                extra.update(object_type_id=row.object_type_id, object_id=row.object_id)
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
