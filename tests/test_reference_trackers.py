"""Property: every value a tracker stores equals the plain-Python reference.

Each example draws a tracker (period, calendar periods included, aggregate, time
zone, date field, grouping,
statistic model), source rows around the real "now", stale statistics stored before
the first run, and up to two later runs with source edits and ``since=`` in between.
After every run each stored value of the metric and period is compared with
:mod:`tests.reference`, as is ``compute()``'s output; statistics of other metrics, periods
and object types must be untouched. See tests/reference_support.py for the harness.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.reference_support import cases, draw_scenario, reference_settings, run_scenario

pytestmark = pytest.mark.django_db


@reference_settings(default_examples=60)
@given(data=st.data(), case=cases(by_object=False))
def test_by_date_trackers_match_the_reference(data, case):
    run_scenario(draw_scenario(data, case))


@reference_settings(default_examples=60)
@given(data=st.data(), case=cases(by_object=True))
def test_by_object_trackers_match_the_reference(data, case):
    run_scenario(draw_scenario(data, case))


@reference_settings(default_examples=40)
@given(data=st.data(), case=cases(by_object=False, calendar_only=True))
def test_calendar_periods_by_date_match_the_reference(data, case):
    run_scenario(draw_scenario(data, case))


@reference_settings(default_examples=40)
@given(data=st.data(), case=cases(by_object=True, calendar_only=True))
def test_calendar_periods_by_object_match_the_reference(data, case):
    run_scenario(draw_scenario(data, case))
