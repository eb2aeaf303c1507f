"""Quota cell functions: Excel values in, Excel values out, hand-computed; bad input is an error text."""
from __future__ import annotations

import datetime as dt

import pytest

from salesops_xl.addin import functions as F
from salesops_xl.quotas import cells


def col(*xs):
    return [[x] for x in xs]


def test_the_functions_are_registered_with_the_addin():
    for name in ("sxl_quota_allocate", "sxl_quota_phase", "sxl_quota_seasonality", "sxl_ramp", "sxl_hire_capacity",
                 "sxl_hires_needed"):
        assert callable(getattr(F, name))


def test_allocate_even_exact_at_the_unit():
    # 1,000,000 / 3 = 333,333.33: the missing unit to the first row (ties: earlier)
    assert F.sxl_quota_allocate(1_000_000, col(1, 1, 1)) == col(333_334, 333_333, 333_333)
    # unit 1000: 334, 333, 333 thousands
    assert F.sxl_quota_allocate(1_000_000, col(1, 1, 1), None, None, None, 1000) == col(334_000, 333_000, 333_000)
    # a row of weights gives a row back
    assert F.sxl_quota_allocate(600, [[1, 2, 3]]) == [[100, 200, 300]]


def test_allocate_blend_of_two_methods():
    # shares: even 1/2, 1/2; history 100/400, 300/400; mix 50/50 -> 0.375 / 0.625 of 1,000
    assert F.sxl_quota_allocate(1000, [[1, 100], [1, 300]], [[0.5, 0.5]]) == col(375, 625)


def test_allocate_floors_and_ceilings():
    assert F.sxl_quota_allocate(1_000_000, col(1, 1, 1, 1), None, col(300_000, None, None, None)) == \
        col(300_000, 233_334, 233_333, 233_333)
    assert F.sxl_quota_allocate(1_000_000, col(1, 1, 1, 1), None, None, col(100_000, None, None, None)) == \
        col(100_000, 300_000, 300_000, 300_000)


def test_allocate_refusals_are_error_texts():
    assert F.sxl_quota_allocate(100, col(1, 1), None, col(60, 60)) == \
        "#VALUE! the floors total 120.00, above the total 100.00"
    assert F.sxl_quota_allocate(100, col(1, 1), None, None, col(10, 10)) == \
        "#VALUE! the ceilings allow at most 20.00, below the total 100.00"
    assert F.sxl_quota_allocate(100, [[1, 2], [3, 4]], [[0.5, 0.4]]) == \
        "#VALUE! the mix weights total 90.0000%; they must total 100%"
    assert F.sxl_quota_allocate(100, col(-1, 2)).startswith("#VALUE! weights must be 0 or more")
    assert F.sxl_quota_allocate("#N/A", col(1)) == "#N/A total is an error (#N/A)"
    assert F.sxl_quota_allocate(100, [[1, 2], [3, 4]]).startswith("#VALUE! weights has several columns")
    assert F.sxl_quota_allocate(100, col(1), None, None, None, 0.001).startswith("#VALUE! unit must be")


def test_phase_by_profile_and_ramp():
    # 120,000 over 11 months of weight 1 and December of weight 2 (13): 9,230.77 and 18,461.54;
    # 9 missing units go to the 9 largest remainders (.77, January-September)
    out = F.sxl_quota_phase(120_000, [[1] * 11 + [2]])[0]
    assert out == [9231] * 9 + [9230] * 2 + [18461] and sum(out) == 120_000
    # a seat starting in October: ramp 25/50/75% -> 20,000 / 40,000 / 60,000
    assert F.sxl_quota_phase(120_000, [[1] * 12], [[0] * 9 + [0.25, 0.5, 0.75]])[0][9:] == [20_000, 40_000, 60_000]


def test_seasonality_from_history():
    assert F.sxl_quota_seasonality([[10, 20, 30, 40]]) == [[0.4, 0.8, 1.2, 1.6]]
    # two reps (rows) added up by month; capacity removes a hire: C booked half in month 3 at 50% ramp
    hist = [[10, 20, 30, 40], [0, 0, 15, 40]]
    cap = [[1, 1, 1, 1], [0, 0, 0.5, 1]]
    assert F.sxl_quota_seasonality(hist, cap) == [[0.4, 0.8, 1.2, 1.6]]
    assert F.sxl_quota_seasonality(col(1, 1, 2)) == col(0.75, 0.75, 1.5)
    assert F.sxl_quota_seasonality([[0, 0]]) == "#VALUE! the history totals 0"


def test_ramp_factor_by_month():
    months = [[dt.date(2026, m, 1) for m in range(1, 8)]]
    assert F.sxl_ramp(dt.date(2026, 3, 16), months) == [[0, 0, 0.25, 0.5, 0.75, 1, 1]]
    # Excel serial dates, a custom curve and a termination
    serial = lambda d: (d - dt.date(1899, 12, 30)).days  # noqa: E731
    assert F.sxl_ramp(serial(dt.date(2026, 1, 1)), serial(dt.date(2026, 2, 10)), [[0.5, 0.8]]) == 0.8
    assert F.sxl_ramp(dt.date(2026, 1, 1), dt.date(2026, 5, 1), None, dt.date(2026, 4, 30)) == 0
    assert F.sxl_ramp("2026-01-01", dt.date(2026, 5, 1)) == ("#VALUE! hire_date is text ('2026-01-01'), expected a date "
                                                                "(type it as a date or use DATE())")


def test_hire_capacity_and_hires_needed():
    # 600,000 x 85% / 12 = 42,500 a month; starting in April: x (0.25 + 0.5 + 0.75 + 6) = 318,750
    assert F.sxl_hire_capacity(600_000, 4, 0.85) == 318_750
    assert F.sxl_hires_needed(1_000_000, 600_000, 4, 0.85) == 4  # ceil(3.14)
    assert F.sxl_hires_needed(-5, 600_000, 4) == 0
    # attrition 1 - 0.99^12: a December hire books 50,000 x 25% in its first month, retention not yet applied
    assert F.sxl_hire_capacity(600_000, 12, None, None, 1 - 0.99 ** 12) == pytest.approx(12_500)
    assert F.sxl_hires_needed(100, 600_000, 13) == "#VALUE! start_month must be a month of the plan year, 1 to 12"


def test_cells_never_raise():
    for bad in (None, "x", [[None]], True, float("nan")):
        for fn, args in ((cells.allocate, (bad, bad)), (cells.phase, (bad, bad)), (cells.seasonality, (bad,)),
                         (cells.ramp, (bad, bad)), (cells.hire_capacity, (bad, bad)),
                         (cells.hires_needed, (bad, bad, bad))):
            out = fn(*args)
            assert isinstance(out, (str, list, float, int)), (fn, bad, out)
