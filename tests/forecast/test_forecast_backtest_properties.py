"""Backtest by rolling origin (docs/forecast.md, section 5) and invariants of the whole run on random workbooks."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesops_xl.forecast.backtest import _group_means, run_backtest
from salesops_xl.forecast.series import SeriesSet

from forecast_helpers import D, STAGES, TEAM, opp, run, settings as fsettings, workbook

approx = pytest.approx


def one_series(y) -> SeriesSet:
    y = np.asarray(y, dtype=float)
    return SeriesSet(level=np.array(["Rep"], dtype=object), key=np.array(["r"], dtype=object),
                     name=np.array(["r"], dtype=object), members=np.ones((1, 1), bool), start=np.array([0]),
                     Y=y[None, :], n=np.array([len(y)]), end_month=len(y) - 1)


def test_rolling_origin_errors_by_hand():
    # y = 1, 2, ..., 20; 2 origins, 2 months ahead.
    # origin 1 hides 2 months: trains on 1..18, Naive says 18, 18 for 19, 20: errors -1, -2
    # origin 2 hides 3 months: trains on 1..17, Naive says 17, 17 for 18, 19: errors -1, -2
    bt = run_backtest(one_series(np.arange(1, 21)), origins=2, horizon=2)
    naive = bt.per_series.set_index("Method").loc["Naive"]
    assert naive["Forecasts"] == 4
    assert naive["MAE"] == approx(1.5) and naive["Bias"] == approx(-1.5)
    assert naive["RMSE"] == approx(np.sqrt((1 + 4 + 1 + 4) / 4))
    # MASE scale: mean |change| of the 17 months before the earliest origin = 1
    assert naive["MASE"] == approx(1.5)
    assert naive["sMAPE"] == approx(np.mean([200 * 1 / 37, 200 * 2 / 38, 200 * 1 / 35, 200 * 2 / 36]))
    # a straight line is extrapolated exactly by the trend models, which rank first
    assert bt.per_series.set_index("Method").loc["Holt", "MAE"] == approx(0, abs=1e-6)
    assert bt.best["Rep"] in ("ETS", "Holt", "Damped")
    ranks = bt.per_level.set_index("Method")["Rank"]
    assert ranks["Naive"] > ranks["Holt"]


def kahan_mean(values):
    """pandas 2's grouped mean, one term at a time: Kahan sum of the non-NaN values / their count."""
    total = comp = 0.0
    vals = [v for v in values if v == v]
    for v in vals:
        y = v - comp
        t = total + y
        comp = (t - total) - y
        comp = 0.0 if comp != comp else comp
        total = t
    return total / len(vals) if vals else np.nan


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.one_of(
    st.floats(-1e9, 1e9), st.just(np.nan), st.sampled_from([np.inf, -np.inf]))), max_size=60))
def test_level_figures_are_the_same_mean_under_every_pandas_version(rows):
    # a level's figures are summed the way pandas 2 did, not left to the installed pandas' groupby
    codes = np.array([g for g, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=np.float64)
    got = _group_means(values, codes, 5)
    want = np.array([kahan_mean([v for g, v in rows if g == k]) for k in range(5)])
    assert np.array_equal(got, want, equal_nan=True)


def test_no_origins_no_backtest():
    assert run_backtest(one_series(np.arange(1, 21)), origins=0, horizon=2) is None
    # Best without a backtest falls back to Combo, with a warning
    r = run(workbook(settings_rows=fsettings(Method="Best", BacktestOrigins=0)))
    assert set(r.method_of) == {"Combo"} and any("Method is Best" in w for w in r.warnings)


def test_method_best_uses_each_levels_winner():
    r = run(workbook(settings_rows=fsettings(Method="Best", BacktestOrigins=2, BacktestHorizon=1)))
    for lv, meth in zip(r.series.level, r.method_of):
        assert meth == r.backtest.best[lv]


# -- invariants on random workbooks -------------------------------------------------------------------------

STAGE_NAMES = ["Discover", "Propose", "Commit", "Won", "Lost"]


@st.composite
def random_opps(draw):
    n = draw(st.integers(1, 25))
    out = []
    for i in range(n):
        rep = draw(st.sampled_from(["A", "B", "C", "M"]))
        stage = draw(st.sampled_from(STAGE_NAMES))
        created = D(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 680)))
        if stage in ("Won", "Lost"):
            close = min(created + dt.timedelta(days=draw(st.integers(0, 200))), D(2026, 11, 20))
        else:
            close = created + dt.timedelta(days=draw(st.integers(0, 300)))
        amount = float(draw(st.integers(0, 100)) * 1000)
        original = close - dt.timedelta(days=draw(st.integers(-40, 90))) if draw(st.booleans()) else None
        lost_at = draw(st.sampled_from([None, "Discover", "Propose", "Commit"])) if stage == "Lost" else None
        cat = draw(st.sampled_from([None, "Commit", "Best Case", "Pipeline", "Omitted"])) if stage not in (
            "Won", "Lost") else None
        out.append(opp(f"O{i}", rep, amount, created, close, stage, category=cat, lost_at=lost_at,
                       original=original))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_opps())
def test_roll_ups_add_up_and_weights_stay_in_bounds(opps):
    quotas = [{"RepID": "A", "Period": "2026-Q4", "Quota": 90_000}, {"RepID": "B", "Period": "FY2026", "Quota": 400_000}]
    r = run(workbook(opps=opps, quotas=quotas, settings_rows=fsettings(BacktestOrigins=1, BacktestHorizon=1)))
    p = r.tables["pipeline"].set_index(["Level", "ID"])
    reps = p.xs("Rep", level="Level")
    company = p.loc[("Company", "Company")]
    team = p.loc[("Team", "M")]
    for col in ("Closed", "CommitOpen", "BestCaseOpen", "PipelineOpen", "StageWeightedForecast", "LearnedForecast"):
        assert reps[col].sum() == approx(company[col]), col  # every deal's owner has a Rep row
        assert team[col] == approx(company[col]), col  # M's team is everyone
    # the forecast calls are cumulative; learned and weighted forecasts lie between closed and closed + open
    open_all = company["CommitOpen"] + company["BestCaseOpen"] + company["PipelineOpen"] + company["OmittedOpen"]
    assert company["Closed"] <= company["CommitForecast"] <= company["BestCaseForecast"] <= company["PipelineForecast"]
    assert company["Closed"] - 1e-6 <= company["StageWeightedForecast"] <= company["Closed"] + open_all + 1e-6
    conv = r.pipeline.conversion["Conversion"]
    assert ((conv >= 0) & (conv <= 1)).all()
    share = r.pipeline.slippage["Share"]
    assert share.isna().all() or share.sum() == approx(1.0)  # blank when slippage is off (too few deals)
    deals = r.pipeline.deals
    assert ((deals["InPeriodChance"] >= -1e-12) & (deals["InPeriodChance"] <= 1 + 1e-12)).all()
    assert (deals["Learned"] <= deals["Amount"] + 1e-6).all()
    g = r.tables["gap"].set_index(["Level", "ID"])
    for key, row in g.iterrows():
        if np.isfinite(row["Quota"]):
            assert row["Gap"] == approx(max(row["Quota"] - row["Closed"], 0))
            if row["Gap"] == 0:
                assert row["WinsNeeded"] == 0 and row["PipelineNeeded"] == 0
            elif not row["AvgDealSize"] > 0:  # no win (or only zero amounts) in the lookback: nothing to scale by
                assert np.isnan(row["WinsNeeded"])
            else:
                assert row["WinsNeeded"] == np.ceil(round(row["Gap"] / row["AvgDealSize"], 9))
