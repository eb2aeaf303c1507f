"""The commission cell functions, called with the values Excel hands a custom function.

What arrives (with the add-in's ``@arg(ndim=2, err_to_str=True)``):

* desktop xlwings: a cell as ``[[x]]``, a range as a list of rows, an empty cell as ``None``, a
  date-formatted cell as a ``datetime``, an error cell as its literal ("#N/A");
* xlwings Lite: the same lists, dates as serial numbers, an error cell as its literal;
* an argument left out: ``None``.

Expected values are worked by hand in the comments.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_xl import cells
from salesops_xl.addin.functions import sxl_attainment, sxl_commission, sxl_payout, sxl_tier

# 0-10,000 at 5%, 10,000-50,000 at 8%, 50,000 and above at 10% (From, To, Rate), as a range with a header
TIERS = [["From", "To", "Rate"], [0.0, 10000.0, 0.05], [10000.0, 50000.0, 0.08], [50000.0, None, 0.10]]
NAMED = [["Tier", "From", "To", "Rate"], ["Base", 0.0, 1.0, 0.05], ["Accelerator", 1.0, None, 0.10]]


@pytest.fixture(autouse=True)
def _text_errors():
    cells.set_error_style(None)
    yield
    cells.set_error_style(None)


def cell(x):
    """A single cell as ``@arg(ndim=2)`` hands it over."""
    return [[x]]


# -- commission -------------------------------------------------------------------------------------

def test_marginal_commission_pays_each_band_at_its_rate():
    # 10,000 x 5% = 500; 40,000 x 8% = 3,200; 10,000 x 10% = 1,000; total 4,700
    assert sxl_commission(cell(60000.0), TIERS) == 4700.0


def test_retroactive_commission_pays_the_band_reached_on_everything():
    # 60,000 reaches the 10% band: 60,000 x 10% = 6,000
    assert sxl_commission(cell(60000.0), TIERS, "retroactive") == 6000.0
    assert sxl_commission(cell(60000.0), TIERS, "Flat") == 6000.0  # an alias, any case


def test_a_value_on_a_boundary_belongs_to_the_band_that_starts_there():
    # 10,000 exactly: marginal 10,000 x 5% = 500 (nothing in the 8% band yet); retroactive 8% x 10,000 = 800
    assert sxl_commission(cell(10000.0), TIERS) == 500.0
    assert sxl_commission(cell(10000.0), TIERS, "retroactive") == 800.0


def test_zero_and_negative_amounts_earn_nothing():
    assert sxl_commission(cell(0.0), TIERS) == 0.0
    assert sxl_commission(cell(-5000.0), TIERS) == 0.0
    assert sxl_commission(cell(-5000.0), TIERS, "retroactive") == 0.0


def test_with_a_quota_the_bands_are_attainment():
    # 120,000 against 100,000 = 120%: marginal 100,000 x (100% x 5% + 20% x 10%) = 7,000;
    # retroactive: 10% x 120,000 = 12,000. A two-column From, Rate range.
    curve = [[0.0, 0.05], [1.0, 0.10]]
    assert sxl_commission(cell(120000.0), curve, None, 100000.0) == 7000.0
    assert sxl_commission(cell(120000.0), curve, "retroactive", 100000.0) == 12000.0


def test_money_is_rounded_to_the_cent_half_away_from_zero():
    # 3 x 0.5% = 0.015 -> 0.02 (as Excel's ROUND(0.015, 2)); 1 x 0.5% = 0.005 -> 0.01
    assert sxl_commission(cell(3.0), [[0.0, 0.005]]) == 0.02
    assert sxl_commission(cell(1.0), [[0.0, 0.005]]) == 0.01


def test_a_range_spills_a_result_of_the_same_shape():
    assert sxl_commission([[10000.0], [60000.0]], TIERS) == [[500.0], [4700.0]]  # a column
    assert sxl_commission([[10000.0, 60000.0]], TIERS) == [[500.0, 4700.0]]  # a row
    assert sxl_commission([[0.0, 10000.0], [60000.0, 5000.0]], TIERS, "retroactive") == [[0.0, 800.0],
                                                                                         [6000.0, 250.0]]


def test_a_single_cell_gives_a_scalar_not_a_spill():
    out = sxl_commission(cell(60000.0), TIERS)
    assert isinstance(out, float)


def test_integers_and_numpy_numbers_are_numbers():
    assert sxl_commission(cell(60000), TIERS) == 4700.0
    assert sxl_commission(cell(np.float64(60000)), TIERS) == 4700.0


def test_tier_ranges_with_names_blank_rows_and_a_header_are_read():
    # Tier, From, To, Rate with a blank row in between (a range longer than the table)
    tiers = [["Tier", "From", "To", "Rate"], ["Base", 0.0, 10000.0, 0.05], [None, None, None, None],
             ["Top", 10000.0, None, 0.08]]
    assert sxl_commission(cell(20000.0), tiers) == 500.0 + 800.0  # 10,000 x 5% + 10,000 x 8%


# -- bad input: an error value with a short message, never a traceback -----------------------------------

@pytest.mark.parametrize("amount, expected", [
    (cell(None), "#VALUE! amount is blank"),
    (cell("#N/A"), "#N/A amount is an error (#N/A)"),  # an error cell keeps its code
    (cell("#DIV/0!"), "#DIV/0! amount is an error (#DIV/0!)"),
    (cell("60000"), "#VALUE! amount is text ('60000'), expected a number"),  # a number stored as text
    (cell(True), "#VALUE! amount is TRUE/FALSE, expected a number"),
    (cell(dt.datetime(2026, 1, 5)), "#VALUE! amount is a date, expected a number"),
    ([[1.0], [None]], "#VALUE! amount (row 2, column 1) is blank"),
    ([[1.0, "x"]], "#VALUE! amount (row 1, column 2) is text ('x'), expected a number"),
    ([[1.0, 2.0], [3.0]], "#VALUE! amount is not a rectangular range"),
])
def test_bad_amounts_name_the_cell_and_keep_the_error_code(amount, expected):
    assert sxl_commission(amount, TIERS) == expected


@pytest.mark.parametrize("tiers, expected", [
    ([[None, None]], "#VALUE! tiers is empty"),
    ([[0.0, 1.0, 2.0, 3.0, 4.0]], "#VALUE! tiers must have 2 (From, Rate), 3 (From, To, Rate) or 4 "
                                  "(Tier, From, To, Rate) columns"),
    ([[0.0, 5000.0, 0.05], [10000.0, None, 0.08]], "#VALUE! gap in tiers: this band ends before the next starts "
                                                    "at 10000: tiers To (row 1); expected To = 10000 (the next "
                                                    "band's From)"),
    ([["From", "Rate"], [100.0, 0.05]], "#VALUE! the first band of tiers starts above 0: tiers From (row 2); "
                                        "expected the lowest band to start at 0 so every attainment is covered"),
    ([[0.0, -0.05]], "#VALUE! rate missing or negative: tiers Rate (row 1); expected a rate of 0 or more"),
    ([[0.0, 1.0, 0.1], [1.0, 2.0, 0.2]], "#VALUE! the last band of tiers has an end: tiers To (row 2); expected a "
                                         "blank To on the last band (it runs on without limit)"),
    ([[0.0, "#REF!"]], "#REF! tiers Rate (row 1) is an error (#REF!)"),
])
def test_bad_tier_ranges_say_what_is_wrong(tiers, expected):
    assert sxl_commission(cell(1.0), tiers) == expected


def test_bad_method_and_quota():
    assert sxl_commission(cell(1.0), TIERS, "cumulativ") == ('#VALUE! method \'cumulativ\' unknown; use '
                                                             '"marginal" or "retroactive"')
    assert sxl_commission(cell(1.0), TIERS, None, 0.0) == "#VALUE! quota must be above 0"
    assert sxl_commission(cell(1.0), TIERS, None, "#N/A") == "#N/A quota is an error (#N/A)"


def test_messages_are_one_short_line():
    long_text = "x" * 500 + "\nTraceback (most recent call last):"
    out = sxl_commission(cell(long_text), TIERS)
    assert out.startswith("#VALUE! amount is text") and "\n" not in out and len(out) <= 210


def test_an_internal_error_is_a_value_too():
    @cells.cell_function
    def broken(x):
        raise ValueError("boom\nline two")

    assert broken(1) == "#VALUE! internal error: ValueError: boom line two"


# -- attainment, payout curves, tiers ---------------------------------------------------------------------

def test_attainment_is_credit_over_quota():
    assert sxl_attainment(cell(120000.0), cell(100000.0)) == 1.2
    assert sxl_attainment(cell(0.3), cell(1.0)) == 0.3  # no float noise: 0.3, not 0.30000000000000004
    # a range of credits against one quota, and element by element
    assert sxl_attainment([[50000.0], [150000.0]], cell(100000.0)) == [[0.5], [1.5]]
    assert sxl_attainment([[1.0, 3.0]], [[2.0, 4.0]]) == [[0.5, 0.75]]


def test_attainment_errors():
    assert sxl_attainment(cell(1.0), cell(0.0)) == "#DIV/0! quota must be above 0"
    assert sxl_attainment(cell(1.0), cell(-1.0)) == "#VALUE! quota must be above 0"
    assert sxl_attainment([[1.0, 2.0]], [[1.0], [2.0]]) == ("#VALUE! credit and quota ranges must have the same "
                                                            "size (or give one quota)")


def test_payout_curve_marginal_slopes_and_retroactive_steps():
    # slopes: 0-100% at 1, 100-130% at 2, above at 0.5; at 150%: 1 x 1 + 0.3 x 2 + 0.2 x 0.5 = 1.7
    curve = [[0.0, 1.0, 1.0], [1.0, 1.3, 2.0], [1.3, None, 0.5]]
    assert sxl_payout(cell(1.5), curve) == 1.7
    # steps: below 75% nothing, 75-100% pays 0.6, from 100% pays 1.0
    steps = [[0.0, 0.0], [0.75, 0.6], [1.0, 1.0]]
    assert sxl_payout([[0.5], [0.8], [1.0]], steps, "retroactive") == [[0.0], [0.6], [1.0]]


def test_tier_names():
    assert sxl_tier(cell(0.99), NAMED) == "Base"
    assert sxl_tier(cell(1.0), NAMED) == "Accelerator"  # on the boundary: the band that starts there
    assert sxl_tier([[5000.0, 60000.0]], TIERS) == [["T1", "T3"]]  # unnamed bands are T1, T2...


# -- what both runtimes receive -------------------------------------------------------------------------------

def test_a_tier_range_from_lite_and_from_desktop_give_the_same_number():
    desktop = [["Tier", "From", "To", "Rate"], ["A", 0.0, 1.0, 0.05], ["B", 1.0, None, 0.1]]
    lite = [["Tier", "From", "To", "Rate"], ["A", 0, 1, 0.05], ["B", 1, None, 0.1]]  # integers stay integers in JS
    assert sxl_commission(cell(150000), lite, "marginal", 100000) == sxl_commission(
        cell(150000.0), desktop, "marginal", 100000.0) == 10000.0  # 100,000 x (1 x 5% + 0.5 x 10%)


# -- error style ------------------------------------------------------------------------------------------------

def test_code_style_returns_the_bare_code_and_prints_the_message(capsys):
    cells.set_error_style("code")
    assert sxl_commission(cell(None), TIERS) == "#VALUE!"
    assert sxl_commission(cell("#N/A"), TIERS) == "#N/A"
    assert "#VALUE! amount is blank" in capsys.readouterr().out


def test_error_style_from_the_environment(monkeypatch):
    monkeypatch.setenv(cells.ERROR_STYLE_ENV, "code")
    assert sxl_attainment(cell(1.0), cell(0.0)) == "#DIV/0!"
    monkeypatch.setenv(cells.ERROR_STYLE_ENV, "nonsense")  # unknown: the default
    assert sxl_attainment(cell(1.0), cell(0.0)) == "#DIV/0! quota must be above 0"
    with pytest.raises(ValueError):
        cells.set_error_style("loud")


# -- results as both runtimes write them ---------------------------------------------------------------------------

def test_to_excel_turns_results_into_plain_values():
    assert cells.to_excel(np.float64(1.5)) == 1.5 and type(cells.to_excel(np.float64(1.5))) is float
    assert cells.to_excel(np.int64(3)) == 3 and type(cells.to_excel(np.int64(3))) is int
    assert cells.to_excel(float("nan")) == "#NUM!"  # desktop would show an empty cell, Lite #NUM!
    assert cells.to_excel(np.array([[1.0, np.inf]])) == [[1.0, "#NUM!"]]
    assert cells.to_excel(np.array([1, 2])) == [[1, 2]]  # 1-D: one row
    assert cells.to_excel(np.array(["2026-01-05", "NaT"], dtype="datetime64[D]")) == [
        [dt.datetime(2026, 1, 5), "#NUM!"]]
    assert cells.to_excel(pd.Timestamp("2026-01-05 10:00")) == dt.datetime(2026, 1, 5, 10, 0)
    assert cells.to_excel(pd.DataFrame({"a": [1.0, np.nan], "b": ["x", None]})) == [["a", "b"], [1.0, "x"],
                                                                                     ["#NUM!", None]]
    assert cells.to_excel([]) == [[None]]
    assert cells.to_excel(None) is None


# -- helpers for capabilities -------------------------------------------------------------------------------------

def test_dates_arrive_as_datetimes_or_serial_numbers():
    # 46023 is 2026-01-01 in Excel's 1900 date system (days since 1899-12-30); the time of day is ignored
    assert cells.date_value(46023, "d") == np.datetime64("2026-01-01")
    assert cells.date_value(46023.75, "d") == np.datetime64("2026-01-01")
    assert cells.date_value(dt.datetime(2026, 1, 1, 18, 0), "d") == np.datetime64("2026-01-01")
    assert cells.date_value(dt.date(2026, 1, 1), "d") == np.datetime64("2026-01-01")
    arr, scalar = cells.dates([[46023.0], [46054.0]], "d")
    assert not scalar and arr.tolist() == [[dt.date(2026, 1, 1)], [dt.date(2026, 2, 1)]]
    mixed, _ = cells.dates([[46023.0, dt.datetime(2026, 2, 1)]], "d")
    assert mixed.tolist() == [[dt.date(2026, 1, 1), dt.date(2026, 2, 1)]]


@pytest.mark.parametrize("value, message", [
    ("2026-01-05", "d is text ('2026-01-05'), expected a date (type it as a date or use DATE())"),
    (None, "d is blank"),
    (0, "d (0) is not an Excel date serial number"),
    (True, "d is TRUE/FALSE, expected a date"),
    ("#N/A", "d is an error (#N/A)"),
])
def test_bad_dates(value, message):
    with pytest.raises(cells.CellError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cells.date_value(value, "d")


def test_frame_reads_a_range_with_a_header():
    df = cells.frame([["Rep ID", "Amount"], ["R1", 10.0], [None, None], ["R2", 20.0]], "deals",
                     columns=["RepID", "Amount"])
    assert list(df.columns) == ["RepID", "Amount"] and df["Amount"].tolist() == [10.0, 20.0]  # blank row dropped
    with pytest.raises(cells.CellError, match="has no column 'Quota'"):
        cells.frame([["RepID"], ["R1"]], "deals", columns=["Quota"])
    with pytest.raises(cells.CellError, match="appears twice"):
        cells.frame([["a", "A"], [1, 2]], "t")


def test_text_value():
    assert cells.text_value(1001.0, "id") == "1001"
    assert cells.text_value(" R1 ", "id") == "R1"
    with pytest.raises(cells.CellError):
        cells.text_value("#REF!", "id")


def test_numbers_fast_path_equals_cell_by_cell():
    m = [[float(i), float(-i)] for i in range(1000)]
    fast, _ = cells.numbers(m, "x")
    assert fast.shape == (1000, 2) and fast[999, 1] == -999.0


# -- properties ------------------------------------------------------------------------------------------------------

EXCELISH = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                     st.integers(-10**12, 10**12), st.text(max_size=12), st.sampled_from(["#N/A", "#REF!", ""]),
                     st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2100, 1, 1)))
RANGES = st.one_of(EXCELISH.map(lambda v: [[v]]),
                   st.integers(1, 4).flatmap(lambda w: st.lists(st.lists(EXCELISH, min_size=w, max_size=w),
                                                                min_size=1, max_size=4)))


def _is_excel_value(v) -> bool:
    if isinstance(v, list):
        return bool(v) and all(isinstance(r, list) and len(r) == len(v[0]) and all(_is_excel_value(x) for x in r)
                               for r in v)
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, str):
        return "Traceback" not in v and len(v) <= 255
    return v is None or isinstance(v, (bool, int, dt.datetime))


@settings(max_examples=200, deadline=None)
@given(amount=RANGES, tiers=RANGES, method=EXCELISH, quota=EXCELISH)
def test_commission_never_raises_and_returns_an_excel_value(amount, tiers, method, quota):
    from salesops_xl.cells import unwrap

    out = sxl_commission(amount, tiers, method, quota)
    assert _is_excel_value(out)
    if isinstance(out, list):
        assert len(out) == len(amount) and len(out[0]) == len(amount[0])  # the spill has the range's shape
    elif isinstance(unwrap(amount), list):
        assert isinstance(out, str) and out.startswith("#")  # a range call that fails gives one error value


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1e7, allow_nan=False), min_size=2, max_size=20),
       st.lists(st.floats(0.001, 0.5), min_size=2, max_size=2), st.sampled_from(["marginal", "retroactive"]))
def test_a_spilled_range_equals_the_cells_one_by_one(amounts, rates, method):
    tiers = [[0.0, rates[0]], [10000.0, rates[1]]]
    column = sxl_commission([[a] for a in amounts], tiers, method)
    assert column == [[sxl_commission([[a]], tiers, method)] for a in amounts]


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1e7, allow_nan=False), st.floats(0, 1e7, allow_nan=False),
       st.lists(st.floats(0, 0.5), min_size=3, max_size=3))
def test_marginal_commission_never_falls_as_the_amount_rises(a, b, rates):
    tiers = [[0.0, rates[0]], [10000.0, rates[1]], [50000.0, rates[2]]]
    lo, hi = sorted((a, b))
    assert sxl_commission([[lo]], tiers) <= sxl_commission([[hi]], tiers)
