"""Backtest: the accuracy of every method on the workbook's own history, by rolling origin.

With K origins and horizon H, origin i (i = 1..K) hides the last H + i - 1 months of every series,
forecasts the next H months from what is left with every method, and compares them with what was
booked. Errors e = forecast - actual, over all origins and steps of a series:

* MAE = mean |e|; RMSE = sqrt(mean e^2); Bias = mean e (positive: over-forecast);
* sMAPE = mean 200 |e| / (|actual| + |forecast|), a pair of zeros counting 0;
* MASE = MAE / (mean |y_t - y_{t-1}| over the series' history before its earliest origin); left
  blank when that scale is 0 or the series has fewer than 2 months there.

A level's figures (Company, Region, Team, Rep) are the means over its series (MASE over the series
where it is defined). Methods are ranked per level by MASE (ties: the order of the method list);
the setting Method = Best forecasts each level with its rank-1 method.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import models as M
from .series import LEVELS, SeriesSet, forecast_series, truncate


@dataclass
class BacktestResult:
    per_series: pd.DataFrame  # Level, Key, Name, Method, Forecasts, MAE, RMSE, MASE, sMAPE, Bias
    per_level: pd.DataFrame  # Level, Method, Series, Forecasts, MAE, RMSE, MASE, sMAPE, Bias, Rank
    best: dict[str, str]  # level -> method with rank 1
    origins: int
    horizon: int


def run_backtest(ss: SeriesSet, origins: int, horizon: int, methods=M.METHODS, progress=None) -> BacktestResult | None:
    """Rolling-origin backtest of ``methods``; None when there are no origins or too little history."""
    if origins <= 0 or ss.S == 0:
        return None
    S = ss.S
    Mn = len(methods)
    abs_sum = np.zeros((Mn, S))
    sq_sum = np.zeros((Mn, S))
    err_sum = np.zeros((Mn, S))
    smape_sum = np.zeros((Mn, S))
    count = np.zeros(S)
    for i in range(1, origins + 1):  # a handful of origins; each one forecasts every series at once
        if progress:
            progress(f"backtest origin {i} of {origins}")
        drop = horizon + i - 1
        Y, n, usable = truncate(ss, drop)
        if not usable.any():
            continue
        idx = np.flatnonzero(usable)
        res = forecast_series(Y, n, horizon, 0.8, methods)
        actual = np.take_along_axis(np.nan_to_num(ss.Y[idx]), (n[:, None] + np.arange(horizon)[None, :]), 1)
        for k, meth in enumerate(methods):
            e = res.methods[meth].mean - actual
            f = res.methods[meth].mean
            den = np.abs(actual) + np.abs(f)
            abs_sum[k, idx] += np.abs(e).sum(1)
            sq_sum[k, idx] += (e ** 2).sum(1)
            err_sum[k, idx] += e.sum(1)
            smape_sum[k, idx] += np.where(den > 0, 200 * np.abs(e) / np.where(den > 0, den, 1.0), 0.0).sum(1)
        count[idx] += horizon
    if not count.any():
        return None
    # MASE scale: one-step naive MAE on each series' history before its earliest origin
    drop = horizon + origins - 1
    Yb, nb, ub = truncate(ss, drop)
    scale = np.full(S, np.nan)
    if ub.any():
        d = np.abs(np.diff(Yb, axis=1))
        ok = np.isfinite(d)
        cnt = ok.sum(1)
        sc = np.where(cnt > 0, np.where(ok, d, 0.0).sum(1) / np.maximum(cnt, 1), np.nan)
        scale[np.flatnonzero(ub)] = np.where(sc > 0, sc, np.nan)
    rows = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, meth in enumerate(methods):
            c = np.where(count > 0, count, np.nan)
            mae = abs_sum[k] / c
            rows.append(pd.DataFrame({
                "Level": ss.level, "Key": ss.key, "Name": ss.name, "Method": meth, "Forecasts": count,
                "MAE": mae, "RMSE": np.sqrt(sq_sum[k] / c), "MASE": mae / scale, "sMAPE": smape_sum[k] / c,
                "Bias": err_sum[k] / c}))
    per_series = pd.concat(rows, ignore_index=True)
    per_series = per_series[per_series["Forecasts"] > 0].reset_index(drop=True)
    groups = per_series.groupby(["Level", "Method"], sort=False)
    agg = groups.agg(Series=("Key", "size"), Forecasts=("Forecasts", "sum")).reset_index()
    codes = groups.ngroup().to_numpy(np.intp)
    for col in ("MAE", "RMSE", "MASE", "sMAPE", "Bias"):
        agg[col] = _group_means(per_series[col].to_numpy(dtype=np.float64), codes, len(agg))
    order_m = {m: i for i, m in enumerate(methods)}
    order_l = {lv: i for i, lv in enumerate(LEVELS)}
    agg["_m"] = agg["Method"].map(order_m)
    agg["_l"] = agg["Level"].map(order_l)
    agg["_score"] = agg["MASE"].fillna(np.inf)
    agg = agg.sort_values(["_l", "_score", "_m"], kind="stable")
    agg["Rank"] = agg.groupby("Level", sort=False).cumcount() + 1
    best = {lv: grp["Method"].iloc[0] for lv, grp in agg.groupby("Level", sort=False)}
    per_level = agg.drop(columns=["_m", "_l", "_score"]).reset_index(drop=True)
    return BacktestResult(per_series=per_series, per_level=per_level, best=best, origins=origins, horizon=horizon)


def _group_means(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of each group's values in row order, NaN skipped (NaN for a group with none).

    The sum is Kahan-compensated, term by term, exactly as pandas 2's grouped mean does it. pandas 3
    sums a group another way, which moves the last digit of some of a level's figures (and could
    reorder methods that tie on MASE): summing here gives the figures pandas 2 gave, under every version.
    Vectorised over groups; one step per series of the largest group.
    """
    ok = ~np.isnan(values)
    order = np.argsort(codes[ok], kind="stable")
    vals, grp = values[ok][order], codes[ok][order]
    count = np.bincount(grp, minlength=n_groups)
    start = np.searchsorted(grp, np.arange(n_groups))
    total = np.zeros(n_groups)
    comp = np.zeros(n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):  # inf - inf in an infinite term's compensation
        for k in range(int(count.max()) if len(grp) else 0):
            live = np.flatnonzero(count > k)
            y = vals[start[live] + k] - comp[live]
            t = total[live] + y
            c = (t - total[live]) - y
            comp[live] = np.where(np.isnan(c), 0.0, c)  # an infinite term: keep the infinity, not NaN
            total[live] = t
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
