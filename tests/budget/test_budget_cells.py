"""Budget cell functions: Excel values in, Excel values out, hand-computed; bad input is an error text."""
from __future__ import annotations

import datetime as dt

from salesops_xl.addin import functions as F


def test_the_functions_are_registered_with_the_addin():
    for name in ("sxl_budget_year_end", "sxl_req_open_date", "sxl_funnel_needed"):
        assert callable(getattr(F, name))


def test_year_end_at_plan_and_at_run_rate():
    actual, plan = [[1100, 900, 1300] + [None] * 9], [[1000] * 12]
    assert F.sxl_budget_year_end(actual, plan, 3) == 12_300  # 3,300 actual + 9 x 1,000 plan
    assert F.sxl_budget_year_end(actual, plan, 3, "RunRate", 2) == 13_200  # 3,300 + 9 x (900 + 1,300) / 2
    assert F.sxl_budget_year_end(actual, plan, 0) == 12_000  # nothing closed: the plan
    # one result per line (row)
    assert F.sxl_budget_year_end([[10, None], [20, None]], [[5, 5], [7, 7]], 1) == [[15.0], [27.0]]


def test_year_end_bad_input():
    assert F.sxl_budget_year_end([[1]], [[1] * 12], 13).startswith("#VALUE! closed_months must be a whole number")
    assert F.sxl_budget_year_end([[1, 2]], [[1] * 12], 1, "Average") == '#VALUE! rule must be "Plan" or "RunRate"'
    assert F.sxl_budget_year_end([["x"]], [[1] * 12], 1).startswith("#VALUE! actuals")


def test_requisition_open_date_90_days_before_start():
    # 60 days in the funnel + 30 days notice: 1 July 2026 - 90 days = 2 April 2026
    assert F.sxl_req_open_date(dt.datetime(2026, 7, 1), [[60]], 30) == dt.datetime(2026, 4, 2)
    # as xlwings Lite passes dates (serial numbers): 46204 = 2026-07-01; stages 21 + 10 + 21 + 7 = 59, notice 30
    assert F.sxl_req_open_date(46204.0, [[21], [10], [21], [7]], 30) == dt.datetime(2026, 4, 3)
    assert F.sxl_req_open_date("2026-07-01", [[60]]).startswith("#VALUE! start_date is text")
    assert F.sxl_req_open_date(46204.0, [[-1]]) == "#VALUE! stage_days must be whole numbers of days, 0 or more"


def test_funnel_needed_counts_back_from_the_hire():
    assert F.sxl_funnel_needed(1, [[0.2]]) == [[5.0]]  # ceil(1 / 20%)
    # 2 offers (1/0.8 = 1.25), 7 interviews (2/0.3), 18 screens (7/0.4), 120 applicants (18/0.15)
    assert F.sxl_funnel_needed(1, [[0.15, 0.4, 0.3, 0.8]]) == [[120.0, 18.0, 7.0, 2.0]]
    assert F.sxl_funnel_needed(3, [[0.5], [1.0]]) == [[6.0], [3.0]]  # a column gives a column
    assert F.sxl_funnel_needed(1, [[0]]) == "#VALUE! conversions must be above 0% and at most 100%"
    assert F.sxl_funnel_needed(1.5, [[0.5]]) == "#VALUE! hires must be a whole number, 0 or more"
