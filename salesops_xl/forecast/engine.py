"""The forecast run: time-series forecasts, backtest, pipeline forecast, metrics and gap analysis.

:func:`compute` takes validated :class:`~.inputs.ForecastInputs` and returns a :class:`ForecastRun`
holding every table the output sheets show. Everything is vectorised over series, deals and
people; the only Python loops run over methods, backtest origins, slip values and stages.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import models as M
from .backtest import BacktestResult, run_backtest
from .fiscal import month_label
from .history import Accuracy, Movements, accuracy, calls_table, compare
from .inputs import ForecastInputs
from .metrics import build_units, compute_metrics
from .pipeline import PipelineResult, compute_pipeline
from .series import SeriesSet, build_series, forecast_series
from .targets import disagreements, quota_cube

SEASONAL_NAMES = {"mult": "multiplicative", "add": "additive", "none": "none"}


@dataclass
class ForecastRun:
    inputs: ForecastInputs
    series: SeriesSet
    forecast: M.ForecastResult
    method_of: np.ndarray  # (S,) method used for each series
    summary: pd.DataFrame  # one row per series
    months: pd.DataFrame  # Level, ID, Month, Forecast, Lower, Upper for every series and horizon month
    company: pd.DataFrame  # the company chart table: history and forecast
    backtest: BacktestResult | None
    pipeline: PipelineResult
    tables: dict[str, pd.DataFrame]  # pipeline roll-up, metrics, gap
    period: dict
    computed_at: str
    engine_version: str
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    calls: pd.DataFrame | None = None  # Forecast Calls (history.calls_table)
    movements: Movements | None = None  # None: see movements_note
    movements_note: str | None = None
    accuracy: Accuracy | None = None  # None: see accuracy_note
    accuracy_note: str | None = None


def compute(inp: ForecastInputs, *, computed_at: str | None = None, progress=None) -> ForecastRun:
    from .. import __version__

    say = progress or (lambda stage: None)
    st = inp.settings
    warnings = list(inp.warnings)
    ss = build_series(inp)
    a, b = st.gap_months
    H = max(st.horizon, b - st.as_of_month)
    level = st.level
    if ss.S == 0:
        warnings.append("no month of history before AsOfDate's month: no time-series forecast")
    say("forecasting series")
    fr = forecast_series(ss.Y, ss.n, H, level) if ss.S else M.ForecastResult(
        n=ss.n, h=H, m=12, seasonal=np.zeros(0, dtype=object), methods={}, levels=(level,))
    say("backtesting")
    bt = run_backtest(ss, st.bt_origins, st.bt_horizon, progress=say) if st.bt_origins > 0 else None
    if st.method == "Best":
        if bt is None:
            warnings.append("Method is Best but there is no backtest (BacktestOrigins = 0 or too little history): "
                            "Combo is used")
            method_of = np.full(ss.S, "Combo", dtype=object)
        else:
            method_of = np.array([bt.best.get(lv, "Combo") for lv in ss.level], dtype=object)
    else:
        method_of = np.full(ss.S, st.method, dtype=object)
    short = ss.n < 24
    if short.any():
        warnings.append(f"{int(short.sum())} series {'has' if short.sum() == 1 else 'have'} less than 24 months of "
                        f"history (two seasons): no "
                        f"seasonality for them ({', '.join(map(str, ss.key[short][:8]))}"
                        f"{' ...' if short.sum() > 8 else ''})")
    say("pipeline and metrics")
    pipe = compute_pipeline(inp)
    warnings += pipe.warnings
    warnings += disagreements(inp, quota_cube(inp))
    units = build_units(inp, pipe)
    tables = compute_metrics(inp, pipe, units)
    period = tables.pop("period")
    # choose each series' method
    S = ss.S
    mean = np.zeros((S, H))
    lower = np.zeros((S, H))
    upper = np.zeros((S, H))
    model = np.full(S, "", dtype=object)
    for meth in set(method_of):
        rows = method_of == meth
        mr = fr.methods[meth]
        mean[rows], lower[rows], upper[rows] = mr.mean[rows], mr.lower[level][rows], mr.upper[level][rows]
        model[rows] = mr.model[rows]
    # time-series projection of the gap period: booked in its completed months + forecast of the rest
    done_months = max(st.as_of_month - a, 0)
    rem = b - st.as_of_month
    hist_cols = ss.n[:, None] - done_months + np.arange(done_months)[None, :]
    booked = np.where(hist_cols >= 0, np.take_along_axis(np.nan_to_num(ss.Y), np.maximum(hist_cols, 0), 1), 0.0) \
        .sum(1) if done_months else np.zeros(S)
    projection = booked + mean[:, :rem].sum(1)
    key_proj = {(lv, k): p for lv, k, p in zip(ss.level, ss.key, projection)}
    for name in ("pipeline", "gap"):
        t = tables[name]
        t.insert(t.columns.get_loc("Closed") + 1 if name == "gap" else len(t.columns), "TimeSeriesForecast",
                 [key_proj.get((lv, k), np.nan) for lv, k in zip(t["Level"], t["ID"])])
    Hs = st.horizon
    next_m = st.as_of_month
    quota_gap = {(lv, k): q for lv, k, q in zip(tables["gap"]["Level"], tables["gap"]["ID"], tables["gap"]["Quota"])}
    summary = pd.DataFrame({
        "Level": ss.level, "ID": ss.key, "Name": ss.name,
        "FirstMonth": [month_label(int(x)) for x in ss.start], "HistoryMonths": ss.n.astype(np.float64),
        "LastMonthBooked": ss.Y[np.arange(S), np.maximum(ss.n - 1, 0)] if S else np.zeros(0),
        "Seasonality": [SEASONAL_NAMES.get(k, k) for k in fr.seasonal] if S else [],
        "Method": method_of, "Model": model,
        "NextMonth": mean[:, 0] if S else np.zeros(0), "NextLower": lower[:, 0] if S else np.zeros(0),
        "NextUpper": upper[:, 0] if S else np.zeros(0),
        "HorizonTotal": mean[:, :Hs].sum(1) if S else np.zeros(0),
        "PeriodProjection": projection,
        "PeriodQuota": [quota_gap.get((lv, k), np.nan) for lv, k in zip(ss.level, ss.key)],
    })
    summary["ProjectedAttainment"] = np.where(summary["PeriodQuota"] > 0,
                                              summary["PeriodProjection"] / summary["PeriodQuota"], np.nan)
    mlabels = np.array([month_label(next_m + j) for j in range(Hs)], dtype=object)
    months = pd.DataFrame({
        "Level": np.repeat(ss.level, Hs), "ID": np.repeat(ss.key, Hs), "Month": np.tile(mlabels, S),
        "Forecast": mean[:, :Hs].reshape(-1), "Lower": lower[:, :Hs].reshape(-1),
        "Upper": upper[:, :Hs].reshape(-1), "Method": np.repeat(method_of, Hs)})
    company = _company_table(inp, ss, mean, lower, upper, pipe, Hs)
    o = inp.opps
    stype = o["StageType"].to_numpy()
    counts = {"Series": int(S), "People": int(inp.n_people), "Opportunities": int(len(o)),
              "Open deals": int((stype == "Open").sum()), "Won deals": int((stype == "Won").sum()),
              "Lost deals": int((stype == "Lost").sum())}
    say("calls, snapshots and accuracy")

    calls = calls_table(inp)
    movements, movements_note = compare(inp)
    acc, acc_note = accuracy(inp)
    if movements is not None and movements_note:
        warnings.append(movements_note)
    counts["Forecast submissions"] = int(len(inp.submissions))
    counts["Pipeline snapshots"] = int(inp.pipeline_history["SnapshotDate"].nunique())
    counts["Call snapshots"] = int(inp.call_history["SnapshotDate"].nunique())
    return ForecastRun(
        calls=calls, movements=movements, movements_note=movements_note, accuracy=acc, accuracy_note=acc_note,
        inputs=inp, series=ss, forecast=fr, method_of=method_of, summary=summary, months=months, company=company,
        backtest=bt, pipeline=pipe, tables=tables, period=period,
        computed_at=computed_at or _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        engine_version=__version__, warnings=warnings, counts=counts)


def _company_table(inp: ForecastInputs, ss: SeriesSet, mean, lower, upper, pipe: PipelineResult, Hs: int
                   ) -> pd.DataFrame:
    """Month, Actual (history), Forecast / Lower / Upper (from the last actual month on), pipeline, quota."""
    st = inp.settings
    comp = np.flatnonzero(ss.level == "Company")
    cube = quota_cube(inp)
    qby = dict(zip(cube.months.tolist(), cube.company(inp.team["Parent"].to_numpy(np.int64)).tolist()))
    if not len(comp):
        return pd.DataFrame({"Month": [], "Actual": [], "Forecast": [], "Lower": [], "Upper": [],
                             "PipelineExpected": [], "Quota": []})
    i = int(comp[0])
    n = int(ss.n[i])
    first = int(ss.start[i])
    hist_m = first + np.arange(n)
    fut_m = st.as_of_month + np.arange(Hs)
    allm = np.r_[hist_m, fut_m]
    actual = np.r_[ss.Y[i, :n], np.full(Hs, np.nan)]
    fc = np.r_[np.full(n, np.nan), mean[i, :Hs]]
    lo = np.r_[np.full(n, np.nan), lower[i, :Hs]]
    hi = np.r_[np.full(n, np.nan), upper[i, :Hs]]
    fc[n - 1] = lo[n - 1] = hi[n - 1] = actual[n - 1]  # the forecast lines start at the last actual month
    pl = np.r_[np.full(n, np.nan), pipe.month_learned[:Hs]]
    quota = np.array([qby.get(int(m), np.nan) for m in allm])
    return pd.DataFrame({"Month": [month_label(int(m)) for m in allm], "Actual": actual, "Forecast": fc,
                         "Lower": lo, "Upper": hi, "PipelineExpected": pl, "Quota": quota})
