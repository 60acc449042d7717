"""Server-side SVG charts of daily series, drawn without any external resource."""

from .palette import series_colours
from .points import ChartPoint, ChartSeries
from .svg import ChartStyle, render_chart, render_series_chart

__all__ = [
    "ChartPoint",
    "ChartSeries",
    "ChartStyle",
    "render_chart",
    "render_series_chart",
    "series_colours",
]
