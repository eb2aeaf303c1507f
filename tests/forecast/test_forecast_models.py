"""Time-series methods on series whose forecasts can be checked by hand (docs/forecast.md, section 3-4),
plus property tests of the vectorised engine."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops_xl.forecast import models as M

approx = pytest.approx
ALL = M.METHODS


def fc(y, h=6, m=12, methods=ALL, **kw):
    return M.forecast([np.asarray(y, dtype=float)], h, m, methods=methods, **kw).methods


# -- constant, linear, pure seasonal --------------------------------------------------------------------

def test_a_constant_series_is_forecast_as_itself_by_every_method():
    r = fc([250.0] * 30)
    for name, mr in r.items():
        assert mr.mean[0] == approx([250.0] * 6, abs=1e-6), name
    # the winning ETS model is the simplest (fewest parameters): ETS(A,N,N)
    assert r["ETS"].model[0].startswith("ETS(A,N,N)")
    # nothing varies, so the intervals have no width
    assert r["ETS"].upper[0.95][0] - r["ETS"].lower[0.95][0] == approx([0] * 6, abs=1e-4)


def test_a_straight_line_is_extended_exactly_by_ets_and_holt():
    y = 10 + 2 * np.arange(30.0)  # 10, 12, ..., 68
    r = fc(y)
    # 68 + 2h
    assert r["ETS"].mean[0] == approx(68 + 2 * np.arange(1, 7), abs=1e-6)
    assert r["Holt"].mean[0] == approx(68 + 2 * np.arange(1, 7), abs=1e-6)
    assert r["ETS"].model[0].startswith("ETS(A,A,N)")
    # Naive repeats the last value
    assert r["Naive"].mean[0] == approx([68] * 6)


def test_theta_is_ses_plus_half_the_slope():
    # Hyndman & Billah: F = l_n + (b/2)(h - 1 + 1/alpha - (1-alpha)^n / alpha), b the least-squares slope (2 here)
    y = 10 + 2 * np.arange(30.0)
    r = fc(y, methods=("Theta", "SES"))
    a = r["Theta"].params["alpha"][0]
    h = np.arange(1, 7)
    ses = r["SES"].mean[0]  # the same SES fit: alpha and l_n
    assert r["Theta"].mean[0] == approx(ses + 1.0 * (h - 1 + 1 / a - (1 - a) ** 30 / a))
    # with alpha at the top of its grid (0.99) the drift is about half the slope: 1 a month
    assert a == 0.99
    assert np.diff(r["Theta"].mean[0]) == approx([1.0] * 5)


def test_dotm_follows_its_forecast_formula():
    # F = l_n + c[(1-a)^n A_n + (h - 1 + (1 - (1-a)^(n+1))/a) B_n], A_n, B_n the least-squares line of y_1..y_n
    rng = np.random.default_rng(1)
    y = 100 + 3 * np.arange(40.0) + rng.normal(0, 5, 40)
    r = fc(y, m=1, methods=("DOTM",))["DOTM"]
    a, theta = r.params["alpha"][0], r.params["theta"][0]
    c = 1 - 1 / theta
    t = np.arange(1, 41.0)
    B = np.polyfit(t, y, 1)[0]
    A = y.mean() - B * t.mean()
    # the final level is SES of y from l_0: recover it from the one-step fit of the last month
    mu_n = r.fitted[0, 39]
    # mu_n = l_{n-1} + c[(1-a)^(n-1) A_{n-1} + (1-(1-a)^n)/a B_{n-1}]
    t1 = t[:-1]
    B1 = np.polyfit(t1, y[:-1], 1)[0]
    A1 = y[:-1].mean() - B1 * t1.mean()
    l_prev = mu_n - c * ((1 - a) ** 39 * A1 + (1 - (1 - a) ** 40) / a * B1)
    l_n = a * y[-1] + (1 - a) * l_prev
    h = np.arange(1, 7)
    assert r.mean[0] == approx(l_n + c * ((1 - a) ** 40 * A + (h - 1 + (1 - (1 - a) ** 41) / a) * B), rel=1e-9)
    assert 1 <= theta <= 100 and 0.1 <= a <= 0.99


def test_a_pure_seasonal_pattern_repeats():
    pattern = np.array([10.0, 20.0, 30.0, 20.0])
    y = np.tile(pattern, 6)  # 24 quarters
    r = M.forecast([y], 8, 4, methods=ALL)
    assert r.seasonal[0] == "mult"
    for name in ("Combo", "ETS", "Theta", "DOTM", "SES", "Damped", "Naive2", "SeasonalNaive"):
        assert r.methods[name].mean[0] == approx(np.tile(pattern, 2), abs=1e-6), name


def test_seasonal_naive_and_naive2_by_hand():
    # 3 years of a multiplicative pattern on a level that steps up once
    season = np.array([0.8, 1.0, 1.2, 1.0])
    level = np.r_[np.full(8, 100.0), np.full(8, 150.0)]
    y = level * np.tile(season, 4)
    r = M.forecast([y], 4, 4, methods=("SeasonalNaive", "Naive2"), seasonal=np.array([True]))
    assert r.methods["SeasonalNaive"].mean[0] == approx(y[-4:])  # 120, 150, 180, 150
    # Naive2: the last month adjusted by its index, times the indices of the months ahead
    Y, n = M.left_align([y])
    s = M.seasonality(Y, n, 4, np.array([True]))
    idx = s.index[0]
    assert r.methods["Naive2"].mean[0] == approx(y[-1] / idx[15 % 4] * idx[np.arange(16, 20) % 4])


def test_classical_decomposition_by_hand():
    # m = 4, 12 values; CMA at t (0-based) = (y[t-2]/2 + y[t-1] + y[t] + y[t+1] + y[t+2]/2) / 4
    y = np.array([8, 10, 12, 10, 9, 11, 13, 11, 10, 12, 14, 12.0])
    cma = M.centred_moving_average(y[None, :], 4)[0]
    assert np.isnan(cma[:2]).all() and np.isnan(cma[-2:]).all()
    assert cma[2] == approx((8 / 2 + 10 + 12 + 10 + 9 / 2) / 4)  # 10.125
    s = M.seasonality(y[None, :], np.array([12]), 4, np.array([True]))
    ratios = y / cma
    raw = np.array([np.nanmean(ratios[p::4]) for p in range(4)])
    assert s.kind[0] == "mult"
    assert s.index[0] == approx(raw / raw.mean())
    # with a zero in the data the decomposition is additive
    y0 = y.copy()
    y0[0] = 0.0
    s0 = M.seasonality(y0[None, :], np.array([12]), 4, np.array([True]))
    assert s0.kind[0] == "add" and s0.index[0].sum() == approx(0, abs=1e-9)


def test_seasonality_decision_by_the_autocorrelation_test():
    rng = np.random.default_rng(3)
    t = np.arange(48)
    seasonal = 100 + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 48)
    noise = 100 + rng.normal(0, 10, 48)
    Y, n = M.left_align([seasonal, noise, seasonal[:23]])
    cands = M._ets_candidates(Y, n, 12, 1, ())
    dec = M.seasonal_decision(Y, n, 12, cands)
    # the noise has no season; 23 months are less than two seasons
    assert list(dec) == [True, False, False]


def test_acf_by_hand():
    y = np.array([1.0, 3.0, 2.0, 4.0])
    # mean 2.5; deviations -1.5, .5, -.5, 1.5; sum of squares 5
    # r1 = (-.75 - .25 - .75) / 5 = -0.35; r2 = (.75 + .75) / 5 = 0.3
    r = M.acf(y[None, :], np.array([4]), 2)[0]
    assert r == approx([-0.35, 0.3])


# -- estimation ---------------------------------------------------------------------------------------

def test_least_squares_initial_level_beats_every_other_start():
    # for a fixed alpha, SES one-step errors are linear in l_0: the SSE at the solved l_0 is the minimum
    rng = np.random.default_rng(7)
    y = 50 + np.cumsum(rng.normal(0, 1, 30))
    spec = M.Spec("N", False)
    grid = {"alpha": np.array([0.3]), "beta": np.zeros(1), "gamma": np.zeros(1), "phi": np.ones(1)}
    sse, x0 = M._sse_grid(y[None, :], np.array([30]), spec, 1, grid)

    def ses_sse(l0, a=0.3):
        lev, s = l0, 0.0
        for v in y:
            e = v - lev
            s += e * e
            lev += a * e
        return s

    assert sse[0, 0] == approx(ses_sse(x0[0, 0, 0]))
    for d in (-1.0, -0.01, 0.01, 1.0):
        assert ses_sse(x0[0, 0, 0] + d) > sse[0, 0]


def test_the_chosen_smoothing_parameter_is_the_best_of_the_grid():
    rng = np.random.default_rng(11)
    y = 20 + np.cumsum(rng.normal(0, 1, 40))
    fit = M.fit_linear(y[None, :], np.array([40]), M.Spec("N", False), 1)
    grid = M.param_grid(M.Spec("N", False))
    sse, _ = M._sse_grid(y[None, :], np.array([40]), M.Spec("N", False), 1, grid)
    assert fit.alpha[0] == grid["alpha"][np.argmin(sse[0])]
    assert fit.sse[0] == approx(sse[0].min())


def test_variance_multipliers_match_the_textbook_formulas():
    # ANN: 1 + (h-1) alpha^2; AAN: 1 + sum_{j<h} (alpha + j beta)^2
    for spec, a, b in ((M.Spec("N", False), 0.3, 0.0), (M.Spec("A", False), 0.4, 0.1)):
        fit = M.LinearFit(spec, np.array([a]), np.array([b]), np.zeros(1), np.ones(1), np.zeros((1, 2)),
                          np.zeros(1), np.zeros(1), 2)
        v = M.variance_multipliers(fit, 1, 5)[0]
        expected = [1 + sum((a + j * b) ** 2 for j in range(1, h)) for h in range(1, 6)]
        assert v == approx(expected)


def test_akaike_weights_sum_to_one_and_name_the_top_model():
    rng = np.random.default_rng(5)
    y = 100 * np.exp(0.01 * np.arange(60) + rng.normal(0, 0.05, 60)) * np.tile([0.9, 1.0, 1.1, 1.0], 15)
    r = fc(y, m=4, methods=("ETS",))["ETS"]
    w = r.params["weight"][0]
    assert 0 < w <= 1 and f"weight {w:.0%}" in r.model[0]


# -- short, zero and negative histories -----------------------------------------------------------------

def test_one_value_gives_a_flat_forecast_without_interval():
    r = fc([42.0], methods=ALL)
    for name, mr in r.items():
        assert mr.mean[0] == approx([42.0] * 6), name
        assert np.isnan(mr.lower[0.95][0]).all()
    assert "too short" in r["ETS"].model[0]


def test_short_histories_fall_back_to_naive_and_say_so():
    r = fc([5.0, 7.0, 6.0], methods=ALL)
    assert r["ETS"].mean[0] == approx([6.0] * 6) and "too short" in r["ETS"].model[0]
    assert r["Theta"].mean[0] == approx([6.0] * 6) and "too short" in r["Theta"].model[0]
    # the naive interval: sigma^2 = mean squared change ((2^2 + 1^2) / 2 = 2.5), times h
    z = 1.959963984540054
    assert r["Naive"].upper[0.95][0] - 6.0 == approx(z * np.sqrt(2.5 * np.arange(1, 7)))


def test_zeros_and_negatives_use_additive_models_only():
    y = np.array([0, 5, 0, 3, 0, 0, 7, 2, 0, 4, 1, 0, 6, 0, 2, 3, 0, 5.0])
    r = fc(y, m=1, methods=("ETS",))["ETS"]
    assert "log" not in r.model[0]
    neg = np.sin(np.arange(30.0)) * 10 - 3
    r2 = fc(neg, m=1, methods=ALL)
    for name, mr in r2.items():
        assert np.isfinite(mr.mean).all(), name


def test_unknown_method_and_bad_values_are_refused():
    with pytest.raises(ValueError, match="unknown method"):
        M.forecast([[1.0, 2.0]], 2, methods=("Prophet",))
    with pytest.raises(ValueError, match="finite"):
        M.forecast([[1.0, np.inf, 2.0]], 2)


# -- properties -----------------------------------------------------------------------------------------

series_st = st.lists(st.floats(1.0, 1000.0, allow_nan=False), min_size=2, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(series_st, min_size=2, max_size=4))
def test_a_batch_forecasts_each_series_as_if_alone(batch):
    together = M.forecast(batch, 4, 4, methods=ALL)
    for i, y in enumerate(batch):
        alone = M.forecast([y], 4, 4, methods=ALL)
        for name in ALL:
            assert together.methods[name].mean[i] == approx(alone.methods[name].mean[0], rel=1e-6, abs=1e-6), name


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series_st, st.sampled_from([0.5, 3.0, 1000.0]))
def test_forecasts_scale_with_the_data(y, c):
    a = M.forecast([y], 3, 4, methods=ALL).methods
    b = M.forecast([np.asarray(y) * c], 3, 4, methods=ALL).methods
    for name in ALL:
        # the smoothing parameters come from a numerical optimiser: equal to its tolerance, not to the last bit
        assert b[name].mean[0] == approx(c * a[name].mean[0], rel=1e-4, abs=1e-6 * c), name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(-100.0, 1000.0, allow_nan=False), min_size=3, max_size=40))
def test_intervals_nest_and_hold_the_forecast(y):
    r = M.forecast([y], 5, 4, methods=ALL, levels=(0.8, 0.95)).methods
    for name, mr in r.items():
        lo80, hi80, lo95, hi95 = mr.lower[0.8][0], mr.upper[0.8][0], mr.lower[0.95][0], mr.upper[0.95][0]
        tol = 1e-6 * (1 + np.abs(mr.mean[0]))
        assert np.all(lo95 <= lo80 + tol) and np.all(hi80 <= hi95 + tol), name
        assert np.all(lo80 <= mr.mean[0] + tol) and np.all(mr.mean[0] <= hi80 + tol), name
