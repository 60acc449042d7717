"""The SVG renderer and its tick placement, without a database."""

import datetime
import decimal
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from trackstats.charts import (
    ChartPoint,
    ChartSeries,
    ChartStyle,
    render_chart,
    render_series_chart,
    series_colours,
)
from trackstats.charts.points import format_value
from trackstats.charts.ticks import date_ticks, nice_step, value_scale

SVG = "{http://www.w3.org/2000/svg}"
START = datetime.date(2026, 3, 1)


def points_of(*values):
    return [ChartPoint(START + datetime.timedelta(days=i), v) for i, v in enumerate(values)]


def parse(svg):
    # Well-formed XML proves every piece of text was escaped.
    return ET.fromstring(str(svg))


def groups(root, cls):
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def test_one_point_group_per_date_with_a_tooltip():
    root = parse(render_chart(points_of(3, None, 0, 12), title="Orders"))
    point_groups = groups(root, "ts-point")
    assert [g.get("data-date") for g in point_groups] == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
    ]
    tooltips = [g.find(f"{SVG}title").text for g in point_groups]
    assert tooltips == [
        "March 1, 2026: 3",
        "March 2, 2026: no data",
        "March 3, 2026: 0",
        "March 4, 2026: 12",
    ]
    assert [g.get("data-date") for g in groups(root, "ts-gap")] == ["2026-03-02"]


def test_null_breaks_the_line_and_draws_no_marker():
    root = parse(render_chart(points_of(1, 2, None, 4, None, 6), title="t"))
    path = root.find(f".//{SVG}path[@class='ts-line']").get("d")
    # Three runs: (1, 2), (4), (6); each starts with a move.
    assert path.count("M") == 3
    assert path.count("L") == 1
    gap = groups(root, "ts-gap")
    assert len(gap) == 2
    assert all(g.find(f"{SVG}circle") is None for g in gap)
    assert len(root.findall(f".//{SVG}circle")) == 4


def test_all_null_draws_no_line():
    root = parse(render_chart(points_of(None, None), title="t"))
    assert root.find(f".//{SVG}path") is None
    assert len(groups(root, "ts-point")) == 2


def test_bars_grow_from_zero_in_both_directions():
    root = parse(render_chart(points_of(5, -5, None, 0), title="t", style="bars"))
    bars = root.findall(f".//{SVG}rect[@class='ts-bar']")
    assert len(bars) == 3  # the NULL has none
    zero_line = root.find(f".//{SVG}line[@class='ts-zero']")
    zero_y = float(zero_line.get("y1"))
    up, down, flat = bars
    assert float(up.get("y")) + float(up.get("height")) == pytest.approx(zero_y, abs=0.1)
    assert float(down.get("y")) == pytest.approx(zero_y, abs=0.1)
    assert float(up.get("height")) == pytest.approx(float(down.get("height")), abs=0.1)
    assert float(flat.get("height")) == 0
    assert root.find(f".//{SVG}path") is None


def test_higher_values_are_drawn_higher():
    root = parse(render_chart(points_of(1, 10, 100), title="t"))
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert ys[0] > ys[1] > ys[2]


def test_axes_carry_value_and_date_ticks():
    root = parse(render_chart(points_of(*range(0, 150, 10)), title="t"))
    value_axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ts-value-axis")
    labels = [t.text for t in value_axis.iter(f"{SVG}text")]
    assert labels[0] == "0"
    assert labels[-1] == "150"
    date_axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ts-date-axis")
    date_labels = [t.text for t in date_axis.iter(f"{SVG}text")]
    # 15 days tick weekly, on Mondays.
    assert date_labels == ["March 2", "March 9"]


def test_text_is_escaped():
    hostile = "<script>alert(1)</script> & \"quotes\" 'single'"
    svg = str(render_chart(points_of(1), title=hostile, chart_id='x"><script>'))
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == hostile


def test_decimal_and_float_values():
    root = parse(
        render_chart(
            points_of(decimal.Decimal("1234.50"), 0.25, float("nan"), float("inf")), title="t"
        )
    )
    tooltips = [g.find(f"{SVG}title").text for g in groups(root, "ts-point")]
    assert tooltips[:2] == ["March 1, 2026: 1234.5", "March 2, 2026: 0.25"]
    # Values that cannot be plotted are gaps, not a broken chart.
    assert len(groups(root, "ts-gap")) == 2


@pytest.mark.parametrize(
    "values",
    [
        (5e-324,),
        (-5e-324, 5e-324),
        (1.7e308, -1.7e308),
        (10**400, 0),
        (decimal.Decimal("-1e400"), 1),
        (1e-9, 2e-9),
    ],
)
def test_extreme_values_still_draw(values):
    root = parse(render_chart(points_of(*values), title="t"))
    assert len(groups(root, "ts-point")) == len(values)
    assert len(root.findall(f".//{SVG}circle")) == len(values)
    for circle in root.iter(f"{SVG}circle"):
        assert 0 <= float(circle.get("cy")) <= 300


def test_long_series_keep_tooltips_but_drop_markers():
    root = parse(render_chart(points_of(*range(400)), title="t"))
    assert len(groups(root, "ts-point")) == 400
    assert root.find(f".//{SVG}circle") is None
    assert root.find(f".//{SVG}path[@class='ts-line']") is not None


@pytest.mark.parametrize(
    ("points", "kwargs", "message"),
    [
        ([], {}, "at least one date"),
        (
            [ChartPoint(START + datetime.timedelta(days=2), 1), ChartPoint(START, 1)],
            {},
            "increasing order",
        ),
        (
            [ChartPoint(START, 1), ChartPoint(START, 1)],
            {},
            "increasing order",
        ),
        (points_of(1), {"style": "pie"}, "style must be one of line, bars"),
        (points_of(1), {"width": 10}, "width and height"),
    ],
)
def test_bad_input_is_refused(points, kwargs, message):
    with pytest.raises(ValueError, match=message):
        render_chart(points, title="t", **kwargs)


def test_style_enum_and_string_agree():
    assert render_chart(points_of(1), title="t", style=ChartStyle.BARS) == render_chart(
        points_of(1), title="t", style="bars"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "no data"),
        (0, "0"),
        (1234567, "1234567"),
        (-12, "-12"),
        (2.0, "2"),
        (0.125, "0.125"),
        (decimal.Decimal("10.00"), "10"),
        (decimal.Decimal("0.05"), "0.05"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize(
    ("raw", "step"), [(0.3, 0.5), (1, 1), (1.1, 2), (3, 5), (7, 10), (45, 50), (0.02, 0.02)]
)
def test_nice_step(raw, step):
    assert nice_step(raw) == pytest.approx(step)


def test_nice_step_refuses_nonpositive():
    with pytest.raises(ValueError, match="raw_step"):
        nice_step(0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False),
        max_size=20,
    ),
    st.integers(min_value=3, max_value=10),
)
def test_value_scale_holds_every_value_and_zero(values, max_ticks):
    scale = value_scale(values, max_ticks=max_ticks)
    assert 2 <= len(scale.ticks) <= max_ticks
    assert scale.low <= min([0.0, *values])
    assert scale.high >= max([0.0, *values])
    assert 0.0 in scale.ticks
    steps = [b - a for a, b in zip(scale.ticks, scale.ticks[1:], strict=False)]
    assert all(s == pytest.approx(steps[0], rel=1e-6) for s in steps)


def test_value_scale_needs_room_for_zero_between_signs():
    with pytest.raises(ValueError, match="max_ticks must be at least 3"):
        value_scale([1, -1], max_ticks=2)


def test_integral_scale_has_whole_steps():
    assert value_scale([0, 0], integral=True).ticks == (0.0, 1.0)
    assert value_scale([3], integral=True).ticks == (0.0, 1.0, 2.0, 3.0)


@settings(max_examples=60, deadline=None)
@given(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 1, 1)),
    st.integers(min_value=0, max_value=4000),
    st.integers(min_value=2, max_value=12),
)
def test_date_ticks_stay_in_range_and_count(first, days, max_ticks):
    last = first + datetime.timedelta(days=days)
    ticks = date_ticks(first, last, max_ticks=max_ticks)
    dates = [t.date for t in ticks]
    assert 1 <= len(ticks) <= max_ticks
    assert dates == sorted(set(dates))
    assert all(first <= d <= last for d in dates)


def test_date_ticks_align_to_the_calendar():
    # 2026-03-02 is a Monday.
    weekly = date_ticks(datetime.date(2026, 3, 1), datetime.date(2026, 4, 5), max_ticks=6)
    assert all(t.date.weekday() == 0 for t in weekly)
    monthly = date_ticks(datetime.date(2026, 1, 15), datetime.date(2026, 12, 31), max_ticks=8)
    assert all(t.date.day == 1 for t in monthly)
    # Every other month, counted from January.
    assert [t.label for t in monthly] == [
        "March 2026",
        "May 2026",
        "July 2026",
        "September 2026",
        "November 2026",
    ]
    yearly = date_ticks(datetime.date(2020, 6, 1), datetime.date(2029, 6, 1), max_ticks=8)
    assert [t.label for t in yearly] == ["2022", "2024", "2026", "2028"]
    assert date_ticks(START, START) == [date_ticks(START, START)[0]]
    assert date_ticks(START, START)[0].label == "March 1"


def test_date_ticks_refuse_a_reversed_range():
    with pytest.raises(ValueError, match="must not be before"):
        date_ticks(START, START - datetime.timedelta(days=1))


def test_points_one_per_month_are_drawn_with_month_ticks():
    months = [datetime.date(2026, month, 1) for month in range(1, 13)]
    svg = render_chart(
        [ChartPoint(day, index) for index, day in enumerate(months)], title="Per month"
    )
    assert svg.count("<text") > 2
    assert "Jan" in svg or "2026-01" in svg


# ------------------------------------------------- several series, width, locale


def test_svg_follows_the_width_of_its_container():
    root = parse(render_chart(points_of(1, 2), title="t"))
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("viewBox") == "0 0 800 300"
    assert root.get("preserveAspectRatio") == "xMidYMid meet"


def test_previous_period_is_drawn_lighter_and_dashed_behind():
    previous = [
        ChartPoint(START - datetime.timedelta(days=3 - i), v) for i, v in enumerate((4, 5, 6))
    ]
    root = parse(render_chart(points_of(1, None, 3), title="t", previous=previous))
    series = groups(root, "ts-series")
    # The previous period first, so the current series is drawn over it.
    assert [g.get("data-label") for g in series] == ["Previous period", "t"]
    assert series[0].get("data-values") == "4,5,6"
    assert series[0].find(f"{SVG}path").get("stroke-dasharray") == "6 4"
    assert series[0].get("data-colour") != series[1].get("data-colour")
    tooltips = [g.find(f"{SVG}title").text for g in groups(root, "ts-point")]
    assert tooltips[1] == "March 2, 2026: no data\nPrevious period, Feb. 27, 2026: 5"


def test_several_series_have_their_own_colours_and_name_each_value():
    series = [
        ChartSeries("Ann", points_of(1, 2)),
        ChartSeries("Bob", points_of(3, None)),
        ChartSeries("Other", points_of(5, 6), colour="#999"),
    ]
    root = parse(render_series_chart(series, title="t"))
    drawn = groups(root, "ts-series")
    assert [g.get("data-label") for g in drawn] == ["Ann", "Bob", "Other"]
    assert [g.get("data-colour") for g in drawn] == [*series_colours(series)[:2], "#999"]
    assert len(set(series_colours(series))) == 3
    assert drawn[1].get("data-values") == "3,"
    tooltip = groups(root, "ts-point")[1].find(f"{SVG}title").text
    assert tooltip == "March 2, 2026\nAnn: 2\nBob: no data\nOther: 6"
    # Several series: no single data-value to give.
    assert groups(root, "ts-point")[0].get("data-value") is None


def test_bars_of_several_series_stand_side_by_side():
    series = [ChartSeries("a", points_of(1, 2)), ChartSeries("b", points_of(2, 1))]
    root = parse(render_series_chart(series, title="t", style="bars"))
    bars = root.findall(f".//{SVG}rect[@class='ts-bar']")
    assert len(bars) == 4
    first_a, first_b = bars[0], bars[2]
    assert first_a.get("data-date") == first_b.get("data-date") == "2026-03-01"
    assert float(first_a.get("x")) + float(first_a.get("width")) == pytest.approx(
        float(first_b.get("x")), abs=0.02
    )


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([], "at least one series"),
        ([ChartSeries("p", points_of(1), previous=True)], "at least one series"),
        (
            [ChartSeries("p", points_of(1), previous=True), ChartSeries("a", points_of(1))],
            "first series must not be a previous period",
        ),
        ([ChartSeries("a", points_of(1, 2)), ChartSeries("b", points_of(1))], "as many points"),
        (
            [
                ChartSeries("a", points_of(1)),
                ChartSeries("b", [ChartPoint(START + datetime.timedelta(days=1), 1)]),
            ],
            "must have the dates of the first series",
        ),
    ],
)
def test_bad_series_are_refused(series, message):
    with pytest.raises(ValueError, match=message):
        render_series_chart(series, title="t")


def test_numbers_dates_and_labels_follow_the_locale(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    with translation.override("de"):
        root = parse(render_chart(points_of(decimal.Decimal("1234.5"), 2000), title="t"))
    tooltips = [g.find(f"{SVG}title").text for g in groups(root, "ts-point")]
    assert tooltips == ["1. März 2026: 1.234,5", "2. März 2026: 2.000"]
    value_axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ts-value-axis")
    assert "2.000" in [t.text for t in value_axis.iter(f"{SVG}text")]
    date_axis = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ts-date-axis")
    assert [t.text for t in date_axis.iter(f"{SVG}text")] == ["1. März", "2. März"]
