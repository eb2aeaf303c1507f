"""Excel's AAA model (salesops_xl.forecast.holtwinters), by hand: docs/forecast.md, section 8."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from salesops_xl.addin import functions as F
from salesops_xl.forecast import cells as C
from salesops_xl.forecast import holtwinters as HW

approx = pytest.approx


def test_season_detection_by_hand():
    # y = 1 3 2 4 3 5 4 6: changes d = 2 -1 2 -1 2 -1 2.
    # p = 4: 2 whole seasons, points 1..3: |d0 - d4| + |d1 - d5| + |d2 - d6| = 0 -> 0 / (1 x 4 - 1) = 0
    # p = 3: 2 seasons, points 3..4: |d2 - d5| + |d3 - d6| = 3 + 3 -> 6 / (1 x 3 - 1) = 3
    # p = 2: 4 seasons, points 1..5: all 0 -> 0;  p = 1: 8 seasons, points 1..6: 6 x 3 = 18 / (7 - 1) = 3
    # smallest mean 0 at p = 4 and p = 2: the shorter wins -> 2
    assert HW.period_length([1.0, 3, 2, 4, 3, 5, 4, 6]) == 2
    # a straight line: every p has mean 0 -> 1, no season
    assert HW.period_length(np.arange(20.0)) == 1
    assert HW.period_length([80.0, 90, 110, 100, 95, 105, 120, 115, 100, 110, 130, 145] * 3) == 12


def test_initial_states_by_hand():
    # y = 10 20 14 24 18 28, m = 2: trend b0 = ((14 - 10) + (24 - 20)) / 2^2 = 2; season averages 15, 19, 23;
    # s_0 = mean of 10 - (15 - 0.5 x 2), 14 - (19 - 1), 18 - (23 - 1) = mean(-4, -4, -4) = -4
    # s_1 = mean of 20 - (15 + 1), 24 - (19 + 1), 28 - (23 + 1) = 4; level l0 = y_0 / s_0 = 10 / -4 = -2.5
    assert HW.initial_states([10.0, 20, 14, 24, 18, 28], 2) == (-2.5, 2.0, [-4.0, 4.0])
    with pytest.raises(HW.HWError):
        HW.initial_states([1.0, -1, 2, -2], 2)  # the first season averages 0


def test_forecast_formula_and_interpolation_by_hand():
    # l = 100, b = 2, last indices (s_{N-1-m}, s_{N-m}) = (5, -5): k steps ahead l + k b + s_{N-1-m+(k mod 2)}
    # k = 1: 100 + 2 - 5 = 97; k = 2: 100 + 4 + 5 = 109; k = 1.5: half way, 103; k = 0: the last value
    f = HW.HWFit(m=2, alpha=0.5, beta=0.1, gamma=0.2, level=100.0, trend=2.0, season=(5.0, -5.0),
                 fitted=np.array([1.0, 1.0]), y=np.array([1.0, 42.0]))
    assert list(f.forecast(np.array([0.0, 1, 1.5, 2]))) == approx([42.0, 97, 103, 109])


def test_a_seasonal_pattern_is_repeated():
    pattern = [80.0, 90, 110, 100, 95, 105, 120, 115, 100, 110, 130, 145]
    fit = HW.fit(np.array(pattern * 3), 12)
    assert list(fit.forecast(np.arange(1, 13))) == approx(pattern, abs=0.5)


def test_confint_grows_by_the_models_variance():
    # no season: gains a (level) and a c (trend); k steps ahead var = MSE (1 + sum_{j<k} (a (1 + j c))^2)
    rng = np.random.default_rng(3)
    y = 50 + np.cumsum(rng.normal(0.5, 2, 40))
    fit = HW.fit(y, 1)
    a, c = fit.alpha, fit.beta
    half = fit.half_width(np.array([1.0, 2, 3]), 0.95)
    z = 1.959963984540054
    want = [z * math.sqrt(fit.mse), z * math.sqrt(fit.mse * (1 + (a * (1 + c)) ** 2)),
            z * math.sqrt(fit.mse * (1 + (a * (1 + c)) ** 2 + (a * (1 + 2 * c)) ** 2))]
    assert list(half) == approx(want)


def test_a_column_of_cells_fits_once(monkeypatch):
    calls = []
    real = HW.fit

    def counting(y, m):
        calls.append(m)
        return real(y, m)

    monkeypatch.setattr(HW, "fit", counting)
    C._CACHE.clear()
    months = [dt.date(2020 + k // 12, k % 12 + 1, 1) for k in range(48)]
    vals = [[100.0 + k + 10 * math.sin(k)] for k in range(48)]
    tl = [[d] for d in months]
    out = [F.sxl_forecast_ets(dt.date(2024, h, 1), vals, tl) for h in range(1, 13)]
    out += [F.sxl_forecast_ets_confint(dt.date(2024, h, 1), vals, tl, 0.9) for h in range(1, 4)]
    out.append(F.sxl_forecast_ets_stat(vals, tl, 1))
    assert all(isinstance(v, float) for v in out)
    assert len(calls) == 1


def test_too_short_for_the_season_is_an_error():
    out = F.sxl_forecast_ets(20, [[float(v)] for v in range(10)], [[v] for v in range(1, 11)], 6)
    assert out.startswith("#NUM! seasonality 6 needs at least 12 points")


def test_a_constant_series_stays_constant():
    # every change is 0: no season (p = 1); Holt's method with b0 = 0 and l0 = 7 forecasts 7; with a forced
    # season its first index is 7 - 7 = 0 and l0 = y0 / s0 cannot be computed: #DIV/0!
    y = [[7.0]] * 30
    t = [[k] for k in range(1, 31)]
    assert F.sxl_forecast_ets_seasonality(y, t) == 0
    assert F.sxl_forecast_ets([[31], [40]], y, t) == [[7.0], [7.0]]
    assert F.sxl_forecast_ets(31, y, t, 4).startswith("#DIV/0!")


def test_the_forecast_table_with_aaa_is_the_cells_model():
    # SXL_FORECAST_TABLE(values, 4, 12, "AAA") = SXL_FORECAST_ETS at the next 4 steps with season 12
    y = [100.0 + 2 * k + 15 * math.sin(2 * math.pi * k / 12) + (k % 5) for k in range(40)]
    table = F.sxl_forecast_table([[v] for v in y], 4, 12, "AAA")
    cells = F.sxl_forecast_ets([[41], [42], [43], [44]], [[v] for v in y], [[k] for k in range(1, 41)], 12)
    assert [r[1] for r in table[1:]] == approx([c[0] for c in cells], rel=1e-12)
    half = F.sxl_forecast_ets_confint(42, [[v] for v in y], [[k] for k in range(1, 41)], 0.9, 12)
    t90 = F.sxl_forecast_table([[v] for v in y], 4, 12, "AAA", 0.9)
    assert t90[2][3] - t90[2][1] == approx(half, rel=1e-12)
