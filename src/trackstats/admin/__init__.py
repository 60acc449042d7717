"""Admin of trackstats: change lists for every model and offline chart pages.

Importing this package (as ``admin.autodiscover()`` does) registers the models with
the default admin site. The ModelAdmin classes are public so that projects can
register them on their own sites or subclass them for custom statistic models.
"""

from .options import (
    DomainAdmin,
    MetricAdmin,
    PeriodListFilter,
    StatisticAdmin,
    StatisticByDateAdmin,
    StatisticByDateAndObjectAdmin,
)

__all__ = [
    "DomainAdmin",
    "MetricAdmin",
    "PeriodListFilter",
    "StatisticAdmin",
    "StatisticByDateAdmin",
    "StatisticByDateAndObjectAdmin",
]
