"""The FORECAST.ETS family of cell functions (docs/forecast.md, section 8) and the metric formulas.

Arguments are passed as Excel hands them to a custom function: ranges as lists of rows, dates as
datetimes (desktop xlwings) or serial numbers (xlwings Lite), blanks as None.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from salesops_xl.addin import functions as F
from salesops_xl.forecast import cells as C
from salesops_xl.forecast import ets as E

approx = pytest.approx
D = dt.date


def col(values):
    return [[v] for v in values]


def months(n, start=D(2022, 1, 1)):
    return [D(start.year + (start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1, 1) for k in range(n)]


def serial(d: dt.date) -> float:
    return float((d - D(1899, 12, 30)).days)


LINE = [100.0 + 5 * k for k in range(30)]  # 100, 105, ..., 245
LINE_DATES = months(30)  # Jan 2022 .. Jun 2024


# -- FORECAST.ETS ----------------------------------------------------------------------------------------

def test_a_line_on_a_monthly_timeline_is_extended():
    # next month (Jul 2024) is 245 + 5; Dec 2024 is 245 + 6 x 5
    assert F.sxl_forecast_ets(D(2024, 7, 1), col(LINE), col(LINE_DATES)) == approx(250.0, abs=1e-6)
    out = F.sxl_forecast_ets(col([D(2024, 7, 1), D(2024, 12, 1)]), col(LINE), col(LINE_DATES))
    assert [r[0] for r in out] == approx([250.0, 275.0], abs=1e-6)
    # Excel's own model (AAA: here A,A,N as the line has no season) gives the same line
    assert F.sxl_forecast_ets(D(2024, 7, 1), col(LINE), col(LINE_DATES), None, None, None, "AAA") == approx(250.0)


def test_between_two_steps_the_forecast_is_interpolated():
    # 16 Jul 2024 is 15/31 of the way from Jul (250) to Aug (255)
    assert F.sxl_forecast_ets(D(2024, 7, 16), col(LINE), col(LINE_DATES)) == approx(250 + 5 * 15 / 31, abs=1e-6)
    # on the last point itself: the last value
    assert F.sxl_forecast_ets(D(2024, 6, 1), col(LINE), col(LINE_DATES)) == approx(245.0)


def test_serial_numbers_and_datetimes_are_the_same_dates():
    a = F.sxl_forecast_ets(serial(D(2024, 9, 1)), col(LINE), col([serial(d) for d in LINE_DATES]))
    b = F.sxl_forecast_ets(dt.datetime(2024, 9, 1), col(LINE), col([dt.datetime(d.year, d.month, 1) for d in LINE_DATES]))
    assert a == approx(b) == approx(260.0, abs=1e-6)


def test_a_seasonal_pattern_is_detected_and_repeated():
    pattern = [80.0, 90, 110, 100, 95, 105, 120, 115, 100, 110, 130, 145]
    y = pattern * 3
    dates = months(36)
    assert F.sxl_forecast_ets_seasonality(col(y), col(dates)) == 12
    nxt = F.sxl_forecast_ets(col(months(12, D(2025, 1, 1))), col(y), col(dates))
    assert [r[0] for r in nxt] == approx(pattern, abs=1e-4)
    # a line has no season
    assert F.sxl_forecast_ets_seasonality(col(LINE), col(LINE_DATES)) == 0
    # plain period numbers: the season is found among the autocorrelation peaks
    assert F.sxl_forecast_ets_seasonality(col([10.0, 20, 30, 20] * 6), col(list(range(1, 25)))) == 4


def test_seasonality_argument():
    y = [80.0, 90, 110, 100] * 5
    dates = months(20)
    # 0: no season -> a flat or trend forecast; 4: the pattern
    flat = F.sxl_forecast_ets(D(2023, 9, 1), col(y), col(dates), 0)
    assert F.sxl_forecast_ets(D(2023, 9, 1), col(y), col(dates), 4) == approx(80.0, abs=1e-4)
    assert abs(flat - 80.0) > 1
    assert F.sxl_forecast_ets(D(2023, 9, 1), col(y), col(dates), 12).startswith("#NUM! seasonality 12 needs")
    assert F.sxl_forecast_ets(D(2023, 9, 1), col(y), col(dates), 2.5).startswith("#NUM!")
    assert F.sxl_forecast_ets(D(2023, 9, 1), col(y), col(dates), -1).startswith("#NUM!")


def test_missing_steps_are_filled_with_the_average_of_their_neighbours():
    # Mar and Apr missing between Feb (20) and May (50): both become (20 + 50) / 2 = 35 (2 missing of 8
    # points given: 25%, within the 30% allowed)
    vals = col([10.0, 20, 50, 60, 70, 80, 90, 100])
    dates = col([D(2024, 1, 1), D(2024, 2, 1)] + months(6, D(2024, 5, 1)))
    prep = E.prepare(vals, dates)
    assert list(prep.y) == [10, 20, 35, 35, 50, 60, 70, 80, 90, 100] and prep.missing == 2
    assert list(E.prepare(vals, dates, 0).y) == [10, 20, 0, 0, 50, 60, 70, 80, 90, 100]
    # a blank value is a missing point too
    assert list(E.prepare(col([10.0, None, 30, 40, 50]), col(months(5))).y) == [10, 20, 30, 40, 50]


def test_more_than_30_percent_missing_is_refused():
    dates = [D(2024, 1, 1), D(2024, 2, 1), D(2024, 6, 1), D(2024, 7, 1)]  # 3 missing for 4 points: 75%
    out = F.sxl_forecast_ets(D(2024, 8, 1), col([1.0, 2, 3, 4]), col(dates))
    assert out.startswith("#NUM!") and "30%" in out


def test_points_of_the_same_date_are_aggregated():
    dates = col([1, 1, 2, 3, 3, 3, 4])
    vals = col([1.0, 3, 5, 2, 4, 9, 7])
    by = {k: list(E.prepare(vals, dates, 1, k).y) for k in range(1, 8)}
    assert by[1] == [2, 5, 5, 7]  # AVERAGE
    assert by[2] == by[3] == [2, 1, 3, 1]  # COUNT, COUNTA
    assert by[4] == [3, 5, 9, 7]  # MAX
    assert by[5] == [2, 5, 4, 7]  # MEDIAN
    assert by[6] == [1, 5, 2, 7]  # MIN
    assert by[7] == [4, 5, 15, 7]  # SUM
    assert F.sxl_forecast_ets(5, vals, dates, None, None, 8).startswith("#NUM! aggregation")


def test_timelines_without_a_constant_step_are_refused():
    out = F.sxl_forecast_ets(10, col([1.0, 2, 3, 4]), col([1, 2, 4.5, 6]))
    assert out.startswith("#NUM!") and "constant step" in out


def test_month_ends_count_as_a_monthly_timeline():
    ends = [d - dt.timedelta(days=1) for d in months(12, D(2024, 2, 1))]  # 31 Jan, 29 Feb, ... 31 Dec 2024
    prep = E.prepare(col([float(k) for k in range(1, 13)]), col(ends))
    assert prep.monthly and prep.step == 1 and prep.missing == 0
    # the line 1..12 continues: 31 Jan 2025 is 13
    assert F.sxl_forecast_ets(D(2025, 1, 31), col([float(k) for k in range(1, 13)]), col(ends), 0) == approx(13.0)


@pytest.mark.parametrize("args,code,words", [
    ((D(2024, 1, 1), col(LINE), col(LINE_DATES)), "#NUM!", "before the end"),
    ((D(2024, 9, 1), col(LINE[:-1] + ["n/a"]), col(LINE_DATES)), "#VALUE!", "not a number"),
    ((D(2024, 9, 1), col(LINE[:-1] + ["#N/A"]), col(LINE_DATES)), "#VALUE!", "error"),
    ((D(2024, 9, 1), col(LINE[:-1]), col(LINE_DATES)), "#N/A", "differ in size"),
    ((D(2024, 9, 1), col(LINE), col(LINE_DATES[:-1] + ["June"])), "#VALUE!", "text"),
    ((D(2024, 9, 1), col([5.0]), col([D(2024, 1, 1)])), "#VALUE!", "at least 2"),
    ((None, col(LINE), col(LINE_DATES)), "#VALUE!", "blank"),
])
def test_bad_arguments_give_excel_error_codes_with_a_reason(args, code, words):
    out = F.sxl_forecast_ets(*args)
    assert isinstance(out, str) and out.startswith(code + " ") and words in out


def test_unknown_method_is_named():
    out = F.sxl_forecast_ets(D(2024, 9, 1), col(LINE), col(LINE_DATES), None, None, None, "Prophet")
    assert out.startswith("#VALUE! unknown method 'Prophet'")


# -- CONFINT, STAT ---------------------------------------------------------------------------------------

def test_confint_is_half_the_interval_and_grows_with_the_horizon():
    rng = np.random.default_rng(2)
    y = list(100 + np.cumsum(rng.normal(0, 3, 40)))
    dates = months(40)
    ci = [F.sxl_forecast_ets_confint(d, col(y), col(dates)) for d in months(6, D(2025, 5, 1))]
    assert all(b > a for a, b in zip(ci, ci[1:]))
    # SES (A,N,N) on its own: half-width = z sigma sqrt(1 + (h - 1) alpha^2)
    fitted = C._fitted(col(y), col(dates), 0, None, None, "SES", 6.0, 0.9)
    a = fitted.result.params["alpha"][0]
    half = np.array([F.sxl_forecast_ets_confint(d, col(y), col(dates), 0.9, 0, None, None, "SES")
                     for d in months(3, D(2025, 5, 1))])
    assert half / half[0] == approx(np.sqrt(1 + np.arange(3) * a ** 2))
    assert F.sxl_forecast_ets_confint(D(2025, 5, 1), col(y), col(dates), 1.5).startswith("#NUM!")


def test_stat_returns_the_fit_statistics():
    stats = F.sxl_forecast_ets_stat(col(LINE), col(LINE_DATES), [[1, 2, 3, 4, 5, 6, 7, 8]])[0]
    alpha, beta, gamma, mase, smape, mae, rmse, step = stats
    # Excel's model on a line: no season; the initial trend is the line's slope, so every constant fits it
    # exactly and the search keeps 0 when the errors at 0, 1/2 and 1 are equal
    assert (alpha, beta, gamma) == (0, 0, 0)
    assert mae == approx(0, abs=1e-4) and rmse == approx(0, abs=1e-4) and smape == approx(0, abs=1e-6)
    assert step == 1  # one month
    # our automatic ETS: a trend model, no season
    a2, b2, g2 = F.sxl_forecast_ets_stat(col(LINE), col(LINE_DATES), [[1, 2, 3]], None, None, None, "ETS")[0]
    assert 0 < a2 <= 1 and 0 < b2 <= a2 and g2 == 0
    assert F.sxl_forecast_ets_stat(col(LINE), col(LINE_DATES), 9).startswith("#NUM!")
    # a daily timeline counts in days
    days = [serial(D(2024, 1, 1)) + 7 * k for k in range(10)]
    assert F.sxl_forecast_ets_stat(col(LINE[:10]), col(days), 8) == 7


def test_stat_errors_by_hand_for_the_naive_method():
    # Naive predicts each point by the one before: errors from the 2nd point on: 2, -1, 3 -> MAE 2,
    # RMSE sqrt((4 + 1 + 9) / 3); SMAPE mean(2|e| / (|y| + |f|)); MASE = MAE / mean |changes| = 1
    y = [10.0, 12, 11, 14]
    st = F.sxl_forecast_ets_stat(col(y), col([1, 2, 3, 4]), [[4, 5, 6, 7]], 0, None, None, "Naive")[0]
    assert st[2] == approx(2) and st[3] == approx(math.sqrt(14 / 3))
    assert st[1] == approx(np.mean([4 / 22, 2 / 23, 6 / 25]))
    assert st[0] == approx(1.0)


# -- the forecast table and the metric formulas ------------------------------------------------------------

def test_forecast_table_spills_a_header_and_rows():
    out = F.sxl_forecast_table(col(LINE), 3, 0)
    assert out[0] == ["Step", "Forecast", "Lower", "Upper"]
    assert [r[1] for r in out[1:]] == approx([250.0, 255.0, 260.0], abs=1e-6)
    assert F.sxl_forecast_table(col(LINE), 0).startswith("#NUM!")
    assert F.sxl_forecast_table(col([1.0, None, 3.0]), 2).startswith("#VALUE! value 2 is blank")


def test_metric_formulas_by_hand():
    assert F.sxl_coverage(300_000, 200_000, 50_000) == 2.0  # 300,000 / (200,000 - 50,000)
    assert F.sxl_coverage(300_000, 200_000) == 1.5
    assert F.sxl_coverage(1, 100, 100).startswith("#DIV/0!")
    assert F.sxl_pipeline_velocity(40, 0.25, 30_000, 90) == approx(40 * 0.25 * 30_000 / 90)
    assert F.sxl_run_rate(20_000, 51, 92) == approx(20_000 / 51 * 92)
    assert F.sxl_wins_needed(40_000, 15_000) == 3 and F.sxl_wins_needed(30_000, 15_000) == 2
    assert F.sxl_wins_needed(-5, 15_000) == 0
    assert F.sxl_pipeline_needed(40_000, 0.5) == 80_000
    # a win rate of 0: no pipeline closes the gap; blank, as the Gap Analysis sheet shows it (issue 23: was #DIV/0!)
    assert F.sxl_pipeline_needed(40_000, 0) is None and F.sxl_pipeline_needed(0, 0) == 0
    assert F.sxl_pipeline_needed([[40_000], [0]], [[0], [0]]) == [[None], [0.0]]
    assert F.sxl_wins_needed([[40_000], [30_000]], 15_000) == [[3.0], [2.0]]
