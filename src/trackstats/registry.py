"""The tracker registry: which trackers ``manage.py trackstats`` and the tasks run.

Applications register trackers in a module of their own (``stats.py`` by default, see
the ``TRACKSTATS_REGISTRY_MODULE`` setting), which trackstats imports in every installed
app when Django starts, the way the admin finds ``admin.py``::

    from trackstats import registry

    registry.register(
        CountObjectsByDateTracker(period=Period.DAY, metric=..., date_field="created"),
        Order.objects.all,  # a queryset, or a callable returning one at every run
    )

Each registration has a stable name, by default ``"<domain ref>.<metric ref>.<period
name>"`` (say ``"shopping.orders.day"``); tasks carry that name, and the command's
``--metric`` option selects by it or by the metric label alone. Names are worked out on
first use rather than at registration, because resolving a lazily registered metric
needs the database, which must not be touched while apps load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import autodiscover_modules

from .conf import app_settings
from .periods import period_name
from .tracker_protocol import Tracker

QuerySource = models.QuerySet[Any] | Callable[[], models.QuerySet[Any]]


@dataclass(eq=False)
class Registration:
    """A tracker with the source rows it aggregates."""

    tracker: Tracker
    source: QuerySource
    explicit_name: str | None = None
    #: Days recomputed before the latest stored date; None: the tracker's own.
    lookback: int | None = None

    @property
    def name(self) -> str:
        """Stable name: the explicit one, else ``"<metric label>.<period name>"``."""
        if self.explicit_name is not None:
            return self.explicit_name
        return f"{self.metric_label}.{period_name(self.tracker.period)}"

    @property
    def metric_label(self) -> str:
        return self.tracker.metric.label

    def queryset(self, using: str | None = None) -> models.QuerySet[Any]:
        """The source queryset for one run, on database ``using`` when given.

        A callable source is called anew each time, so that a long-lived worker never
        reuses a stale, already evaluated queryset. A queryset is cloned for the same
        reason.
        """
        source = self.source() if callable(self.source) else self.source
        if not isinstance(source, models.QuerySet):
            raise ImproperlyConfigured(
                f"the source of tracker {self.name!r} must be a queryset or a callable "
                f"returning one, got {type(source).__name__}"
            )
        source = source.all()
        return source.using(using) if using is not None else source


@dataclass
class TrackerRegistry:
    """An ordered collection of registrations, looked up by name or metric label."""

    _entries: list[Registration] = field(default_factory=list)

    def register(
        self,
        tracker: Tracker,
        queryset: QuerySource,
        *,
        name: str | None = None,
        lookback: int | None = None,
    ) -> Registration:
        """Register ``tracker`` to run over ``queryset`` (a queryset or a callable).

        ``name`` overrides the default ``"<metric label>.<period name>"``, for instance
        when one metric and period are tracked into two statistic models. ``lookback``
        overrides the tracker's: the days recomputed before the latest stored date.
        """
        if not (isinstance(queryset, models.QuerySet) or callable(queryset)):
            raise TypeError(
                "queryset must be a queryset or a callable returning one, "
                f"got {type(queryset).__name__}"
            )
        if not hasattr(tracker, "track") or not hasattr(tracker, "compute"):
            raise TypeError(f"tracker must be a trackstats tracker, got {type(tracker).__name__}")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if isinstance(queryset, models.QuerySet) and hasattr(tracker, "check_source"):
            # Field names that do not exist fail at startup, not at the first run.
            tracker.check_source(queryset.model)
        if lookback is not None:
            from .trackers import check_lookback

            check_lookback(lookback)
        entry = Registration(
            tracker=tracker, source=queryset, explicit_name=name, lookback=lookback
        )
        self._entries.append(entry)
        return entry

    def unregister(self, entry: Registration) -> None:
        self._entries.remove(entry)

    def clear(self) -> None:
        self._entries.clear()

    def __iter__(self) -> Iterator[Registration]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._entries)

    def all(self) -> list[Registration]:
        """Every registration, in registration order; names checked to be unique."""
        seen: dict[str, Registration] = {}
        for entry in self._entries:
            if entry.name in seen:
                raise ImproperlyConfigured(
                    f"two trackers are registered as {entry.name!r}; pass name= to "
                    "trackstats.registry.register() to tell them apart"
                )
            seen[entry.name] = entry
        return list(self._entries)

    def get(self, name: str) -> Registration:
        """The registration called ``name``; LookupError naming the known ones otherwise."""
        for entry in self.all():
            if entry.name == name:
                return entry
        raise LookupError(f"no tracker is registered as {name!r}; {self._known()}")

    def select(self, metrics: Iterable[str] | None = None) -> list[Registration]:
        """Registrations matching any of ``metrics`` (names or metric labels); all if None.

        A metric label (``"shopping.orders"``) selects every period registered for it;
        a name (``"shopping.orders.day"``) selects one. An entry matching nothing raises
        LookupError, so that a typo never silently runs nothing.
        """
        entries = self.all()
        if metrics is None:
            return entries
        wanted = list(metrics)
        unknown = [text for text in wanted if not any(_matches(entry, text) for entry in entries)]
        if unknown:
            raise LookupError(
                f"no tracker is registered for {', '.join(map(repr, unknown))}; {self._known()}"
            )
        return [entry for entry in entries if any(_matches(entry, text) for text in wanted)]

    def _known(self) -> str:
        names = [entry.name for entry in self._entries]
        return f"registered: {', '.join(names)}" if names else "no trackers are registered"


def _matches(entry: Registration, text: str) -> bool:
    return text in (entry.name, entry.metric_label)


registry = TrackerRegistry()


def register(
    tracker: Tracker,
    queryset: QuerySource,
    *,
    name: str | None = None,
    lookback: int | None = None,
) -> Registration:
    """Register a tracker in the project-wide registry; see :class:`TrackerRegistry`."""
    return registry.register(tracker, queryset, name=name, lookback=lookback)


def autodiscover() -> None:
    """Import the registry module (``stats`` by default) of every installed app."""
    autodiscover_modules(app_settings.TRACKSTATS_REGISTRY_MODULE)
