"""Admin of trackstats: change lists for every model, offline charts and the run log.

Importing this package (as ``admin.autodiscover()`` does) registers the models with
the default admin site. The ModelAdmin classes are public so that projects can
register them on their own sites or subclass them for custom statistic models.
"""

from .filters import PeriodListFilter, RunPeriodListFilter
from .options import (
    DecimalStatisticByDateAndObjectAdmin,
    DomainAdmin,
    MetricAdmin,
    StatisticAdmin,
    StatisticByDateAdmin,
    StatisticByDateAndObjectAdmin,
)
from .run_log import TrackerRunAdmin

__all__ = [
    "DecimalStatisticByDateAndObjectAdmin",
    "DomainAdmin",
    "MetricAdmin",
    "PeriodListFilter",
    "RunPeriodListFilter",
    "StatisticAdmin",
    "StatisticByDateAdmin",
    "StatisticByDateAndObjectAdmin",
    "TrackerRunAdmin",
]
