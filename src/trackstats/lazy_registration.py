"""Registrations that create or update their row on first use.

``Domain.objects.register(...)`` and ``Metric.objects.register(...)`` return one, so
that registering can sit at import time. A leaf module: the query API unwraps
registrations (``resolve_instance``) without importing the models that register. The
names stay importable from ``trackstats.models`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from django.db import models
from django.utils.functional import SimpleLazyObject, empty

_M = TypeVar("_M", bound=models.Model)
_T = TypeVar("_T")


class LazyRegistration(SimpleLazyObject, Generic[_M]):
    """A registered row, created or updated on first use.

    Registration happens at import time (``Domain.objects.SHOPPING = ...``), before the
    database may be reachable, so the row is only touched when the object is used.
    """

    if TYPE_CHECKING:
        # LazyObject's internals, which the Django 5.2 stubs leave out.
        _wrapped: object

        def _setup(self) -> None: ...

    def resolve(self) -> _M:
        if self._wrapped is empty:
            self._setup()
        return cast(_M, self._wrapped)

    def forget(self) -> None:
        self._wrapped = empty


class RegisteringManager(models.Manager[_M]):
    """Base of the managers whose ``register()`` hands out lazy registrations."""

    def __init__(self) -> None:
        super().__init__()
        # Per manager instance: django-trackstats 0.7 shared one class-level list
        # between the Domain and Metric managers.
        self._lazy_entries: list[LazyRegistration[_M]] = []

    def _register_lazily(self, factory: Callable[[], _M]) -> _M:
        entry: LazyRegistration[_M] = LazyRegistration(factory)
        self._lazy_entries.append(entry)
        # Typed as the instance it stands for: every attribute access goes through to
        # it, and the query API resolves it (resolve_instance) where it needs the row.
        return cast(_M, entry)

    def clear_cache(self) -> None:
        """Forget resolved registrations, so the next use creates the row again."""
        for entry in self._lazy_entries:
            entry.forget()

    if TYPE_CHECKING:
        # For type checkers only (at run time the manager is a plain object): the
        # documented ``Metric.objects.SHOPPING_ORDERS = Metric.objects.register(...)``
        # keeps registrations as attributes of the manager, so an attribute the manager
        # class does not define is one of those.
        def __getattr__(self, name: str) -> _M: ...

        def __setattr__(self, name: str, value: _M) -> None: ...


def resolve_instance(value: _T) -> _T:
    """Unwrap a lazy registration into its model instance; other values pass through."""
    if isinstance(value, LazyRegistration):
        return cast(_T, value.resolve())
    return value
