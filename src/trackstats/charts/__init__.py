"""Server-side SVG charts of daily series, drawn without any external resource."""

from .points import ChartPoint
from .svg import ChartStyle, render_chart

__all__ = ["ChartPoint", "ChartStyle", "render_chart"]
