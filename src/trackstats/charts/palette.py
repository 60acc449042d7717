"""Colours of the series of a chart: distinguishable, also for most colour-blind eyes."""

from __future__ import annotations

from collections.abc import Sequence

from .points import ChartSeries

# The admin's blue first, then hues after Okabe and Ito's colour-blind-safe set,
# each dark enough for a 2px line on white.
PALETTE = (
    "#417690",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#d55e00",
    "#0072b2",
    "#8c564b",
    "#7f3c8d",
    "#b8860b",
    "#2f4f4f",
)
OTHER_COLOUR = "#9a9a9a"
PREVIOUS_COLOUR = "#9fbfcf"


def series_colours(series: Sequence[ChartSeries]) -> list[str]:
    """The colour each series is drawn in: its own, or the palette's next one."""
    colours = []
    next_index = 0
    for each in series:
        if each.colour is not None:
            colours.append(each.colour)
        elif each.previous:
            colours.append(PREVIOUS_COLOUR)
        else:
            colours.append(PALETTE[next_index % len(PALETTE)])
            next_index += 1
    return colours
