"""ORM expressions whose SQL comes from the vendor dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import models

from .dialects import dialect_for

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


class LocalDate(models.Func):
    """The local date of a DateTimeField: ``date(stored reading + shift seconds)``.

    ``shift`` is an integer expression, usually a ``Case`` over the time zone's offset
    transitions (see ``calendar.shift_pieces``), or None when the shift is zero.
    """

    output_field = models.DateField()

    def __init__(self, timestamp: Any, shift: Any = None) -> None:
        expressions = [timestamp] if shift is None else [timestamp, shift]
        super().__init__(*expressions)

    # Narrower than Func.as_sql: the SQL comes from the dialect, not a template.
    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Sequence[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        shift_sql = parts[1] if len(parts) > 1 else None
        return dialect_for(connection).local_date(parts[0], shift_sql), params


class CalendarBucket(models.Func):
    """The first day of the calendar week, month, quarter or year of a local date."""

    output_field = models.DateField()

    def __init__(self, day: Any, weekday: int | None, months: int | None) -> None:
        super().__init__(day)
        self.weekday = weekday
        self.months = months

    # Narrower than Func.as_sql: the SQL comes from the dialect, not a template.
    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Sequence[Any]]:
        (day,) = self.get_source_expressions()
        day_sql, day_params = compiler.compile(day)
        template = dialect_for(connection).bucket_start(day_sql, self.weekday, self.months)
        # The date appears several times in the template: its parameters once each.
        uses = template.count("{d}")
        return template.replace("{d}", f"({day_sql})"), list(day_params) * uses
