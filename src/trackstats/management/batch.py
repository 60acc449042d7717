"""Running one piece of work per registered tracker, a failure never stopping the next."""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction

from trackstats.registry import Registration

from .output import Progress, first_line


@dataclass(frozen=True)
class Failure:
    """A tracker whose run (or dry run, or verification) raised."""

    name: str
    error: BaseException
    traceback: str

    @property
    def summary(self) -> str:
        text = "".join(traceback.format_exception_only(type(self.error), self.error))
        return first_line(text)


def run_each(
    entries: list[Registration],
    work: Callable[[Registration], Any],
    progress: Progress | None = None,
) -> tuple[list[tuple[Registration, Any]], list[Failure]]:
    """``work(entry)`` for every entry: the (entry, result) pairs, and the failures."""
    done: list[tuple[Registration, Any]] = []
    failures: list[Failure] = []
    for number, entry in enumerate(entries, start=1):
        if progress is not None:
            progress.show(number - 1, entry.name)
        try:
            with rolled_back_on_failure():
                done.append((entry, work(entry)))
        except Exception as error:
            failures.append(Failure(entry.name, error, traceback.format_exc()))
        if progress is not None:
            progress.show(number, entry.name)
    if progress is not None:
        progress.finish()
    return done, failures


@contextlib.contextmanager
def rolled_back_on_failure() -> Iterator[None]:
    """Undo a failed run inside a transaction of the caller's, and only that run.

    A run owns its transactions when the command runs on its own (autocommit), and a
    failure leaves nothing behind. Inside a caller's transaction (``call_command()``
    within ``atomic()``), a failed statement would leave it aborted on PostgreSQL and
    every later tracker would fail with it: a savepoint per run rolls back just the
    failed one. Only connections already in a transaction need one.
    """
    with contextlib.ExitStack() as savepoints:
        for connection in connections.all(initialized_only=True):
            if connection.in_atomic_block:
                savepoints.enter_context(transaction.atomic(using=connection.alias))
        yield
