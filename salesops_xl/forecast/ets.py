"""Excel's FORECAST.ETS family, computed by :mod:`.models`.

Excel's arguments keep their order and meaning (docs/forecast.md, "Cell functions"):

``FORECAST.ETS(target_date, values, timeline, [seasonality], [data_completion], [aggregation])``

* **timeline** - numbers or dates, any order; sorted here. When every date falls on the same day of
  the month (or every one is the last day of its month) the timeline is counted in *months*, else in
  the timeline's own units (days). The step is the smallest gap between distinct points; every gap
  must be a whole multiple of it.
* **aggregation** of points sharing a timestamp: 1 AVERAGE (default), 2 COUNT, 3 COUNTA, 4 MAX,
  5 MEDIAN, 6 MIN, 7 SUM.
* **data_completion** of missing steps (and of blank values): 1 (default) the average of the two
  neighbouring points, 0 zero. At most 30% of the points may be missing.
* **seasonality**: 1 (default) detect it, 0 none, 2..8760 that many steps.
* **target_date** must not be before the last point; between steps the forecast is interpolated
  linearly between the two surrounding steps.

Our extra last argument ``method`` picks the model: "AAA" (default: Excel's own model, additive
Holt-Winters as :mod:`.holtwinters` states it, with its season detection), "ETS" (automatic
exponential smoothing, see :mod:`.models`), or any other method of :data:`.models.METHODS`.
"""
from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cells import as_1900_serial
from ..dates import EXCEL_EPOCH
from . import holtwinters as HW
from . import models as M

MAX_SEASONALITY = 8760
MAX_STEPS = 100_000
MAX_MISSING_SHARE = 0.3
AGGREGATIONS = {1: "AVERAGE", 2: "COUNT", 3: "COUNTA", 4: "MAX", 5: "MEDIAN", 6: "MIN", 7: "SUM"}
#: Cell-function methods: the models' methods plus Excel's own AAA.
CELL_METHODS = ("ETS", "AAA") + tuple(m for m in M.METHODS if m != "ETS")
STAT_NAMES = {1: "alpha", 2: "beta", 3: "gamma", 4: "MASE", 5: "SMAPE", 6: "MAE", 7: "RMSE", 8: "step"}


class EtsArgumentError(ValueError):
    """A FORECAST.ETS argument Excel would also refuse; ``code`` is the Excel error shown."""

    def __init__(self, message: str, code: str = "#NUM!"):
        self.code = code
        super().__init__(message)


# -- timeline ----------------------------------------------------------------------------------------

def to_serial(v: Any) -> float | None:
    """An Excel date value (serial number, date, datetime) -> 1900-system serial number; None for a blank."""
    if v is None or (isinstance(v, str) and v.strip() == ""):
        return None
    if isinstance(v, bool):
        raise EtsArgumentError("the timeline holds TRUE/FALSE", "#VALUE!")
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
        if math.isnan(x):
            raise EtsArgumentError("the timeline holds an error value", "#VALUE!")
        return as_1900_serial(x)  # a bare serial is in the cell functions' date system (cells.set_date_system)
    if isinstance(v, _dt.datetime):
        d = v - _dt.datetime(1899, 12, 30, tzinfo=v.tzinfo)
        return d.days + d.seconds / 86400.0 + d.microseconds / 86400e6
    if isinstance(v, _dt.date):
        return float((np.datetime64(v, "D") - EXCEL_EPOCH).astype(np.int64))
    if isinstance(v, np.datetime64):
        return float((v.astype("datetime64[s]") - np.datetime64("1899-12-30T00:00:00")).astype(np.int64) / 86400.0)
    if isinstance(v, str):
        raise EtsArgumentError(f"the timeline holds text ({v.strip()[:20]!r})", "#VALUE!")
    raise EtsArgumentError("the timeline holds something that is not a date", "#VALUE!")


def _flatten(v: Any) -> list:
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if not isinstance(v, (list, tuple)):
        return [v]
    out = []
    for x in v:
        out.extend(_flatten(x) if isinstance(x, (list, tuple, np.ndarray)) else [x])
    return out


def _month_units(serial: np.ndarray) -> np.ndarray | None:
    """Whole months since year 0 when every date is the same day of month (or every one a month end)."""
    if len(serial) == 0 or np.any(serial != np.floor(serial)) or np.any(serial < 1):
        return None
    d = np.datetime64("1899-12-30") + serial.astype(np.int64).astype("timedelta64[D]")
    months = d.astype("datetime64[M]")
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    month_end = (months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    same_day = np.all(day == day[0])
    ends = np.all(d == month_end)
    if not (same_day or ends):
        return None
    return months.astype(np.int64).astype(np.float64)  # months since 1970-01


@dataclass
class Prepared:
    """A regular series made from (timeline, values): what the models see."""

    y: np.ndarray  # values at first, first + step, ..., last (missing steps completed)
    first: float  # in units
    step: float  # in units
    monthly: bool
    day_of_month: int | None  # monthly timelines: the common day (None: month ends)
    missing: int  # steps that were completed

    @property
    def last(self) -> float:
        return self.first + self.step * (len(self.y) - 1)


def _aggregate(units: np.ndarray, vals: np.ndarray, aggregation: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(units, kind="stable")
    u, v = units[order], vals[order]
    uniq, start, counts = np.unique(u, return_index=True, return_counts=True)
    if aggregation == 1:
        out = np.add.reduceat(v, start) / counts
    elif aggregation in (2, 3):
        out = counts.astype(np.float64)
    elif aggregation == 4:
        out = np.maximum.reduceat(v, start)
    elif aggregation == 6:
        out = np.minimum.reduceat(v, start)
    elif aggregation == 7:
        out = np.add.reduceat(v, start)
    else:  # median: sort values inside each group, take the middle one(s)
        grp = np.repeat(np.arange(len(uniq)), counts)
        o2 = np.lexsort((v, grp))
        vs = v[o2]
        lo = start + (counts - 1) // 2
        hi = start + counts // 2
        out = (vs[lo] + vs[hi]) / 2.0
    return uniq, out


def prepare(values: Any, timeline: Any, data_completion: Any = 1, aggregation: Any = 1) -> Prepared:
    """Check and regularise (values, timeline) the way FORECAST.ETS does; EtsArgumentError otherwise."""
    comp = _int_arg(data_completion, "data_completion", 1, (0, 1))
    agg = _int_arg(aggregation, "aggregation", 1, tuple(AGGREGATIONS))
    vals = _flatten(values)
    times = _flatten(timeline)
    if len(vals) != len(times):
        raise EtsArgumentError(f"values ({len(vals)} cells) and timeline ({len(times)} cells) differ in size", "#N/A")
    real = {float, int, np.float64, np.int64}
    if set(map(type, vals)) <= real and set(map(type, times)) <= real:  # the common case, in one go
        serial = as_1900_serial(np.array(times, dtype=np.float64))
        vals_a = np.array(vals, dtype=np.float64)
        if not (np.isfinite(serial).all() and np.isfinite(vals_a).all()):
            raise EtsArgumentError("values and timeline must be finite numbers", "#VALUE!")
        return _regular(serial, vals_a, comp, agg)
    t_list, v_list = [], []
    for i, (v, t) in enumerate(zip(vals, times)):  # cell by cell, to name the first bad one
        ts = to_serial(t)
        if ts is None:
            if v is None or (isinstance(v, str) and not v.strip()):
                continue  # a wholly blank row
            raise EtsArgumentError(f"timeline cell {i + 1} is blank", "#VALUE!")
        if v is None or (isinstance(v, str) and not v.strip()):
            continue  # a blank value: a missing point, completed below
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            if isinstance(v, str) and v.strip().startswith("#"):
                raise EtsArgumentError(f"value {i + 1} is an error ({v.strip().split(' ')[0]})", "#VALUE!")
            raise EtsArgumentError(f"value {i + 1} is not a number ({str(v)[:20]!r})", "#VALUE!")
        x = float(v)
        if not math.isfinite(x):
            raise EtsArgumentError(f"value {i + 1} is not a number", "#VALUE!")
        t_list.append(ts)
        v_list.append(x)
    return _regular(np.array(t_list, dtype=np.float64), np.array(v_list, dtype=np.float64), comp, agg)


def _regular(serial: np.ndarray, vals_a: np.ndarray, comp: int, agg: int) -> Prepared:
    if len(serial) < 2:
        raise EtsArgumentError("at least 2 points with a value are needed", "#VALUE!")
    month_units = _month_units(serial)
    monthly = month_units is not None
    units = month_units if month_units is not None else serial
    dom = None
    if monthly:
        d = np.datetime64("1899-12-30") + serial.astype(np.int64).astype("timedelta64[D]")
        days = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
        dom = int(days[0]) if np.all(days == days[0]) else None  # None: month ends
    uniq, agg_vals = _aggregate(units, vals_a, agg)
    if len(uniq) < 2:
        raise EtsArgumentError("the timeline has a single distinct date", "#VALUE!")
    gaps = np.diff(uniq)
    step = float(gaps.min())
    ratio = gaps / step
    if np.any(np.abs(ratio - np.round(ratio)) > 1e-6 * np.maximum(ratio, 1)):
        raise EtsArgumentError("the timeline has no constant step (every gap must be a multiple of the smallest)",
                               "#NUM!")
    pos = np.round((uniq - uniq[0]) / step).astype(np.int64)
    N = int(pos[-1]) + 1
    missing = N - len(uniq)
    if missing > MAX_MISSING_SHARE * len(uniq):
        raise EtsArgumentError(f"{missing} of {N} steps are missing; at most 30% may be", "#NUM!")
    y = np.empty(N)
    have = np.zeros(N, dtype=bool)
    have[pos] = True
    y[pos] = agg_vals
    if missing:
        idx = np.arange(N)
        prev = np.maximum.accumulate(np.where(have, idx, 0))
        nxt = np.minimum.accumulate(np.where(have, idx, N - 1)[::-1])[::-1]
        fill = (y[prev] + y[nxt]) / 2.0 if comp == 1 else np.zeros(N)
        y = np.where(have, y, fill)
    return Prepared(y=y, first=float(uniq[0]), step=step, monthly=monthly, day_of_month=dom, missing=missing)


def _int_arg(v: Any, what: str, default: int, allowed: Sequence[int]) -> int:
    if v is None or (isinstance(v, str) and not v.strip()):
        return default
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise EtsArgumentError(f"{what} must be a number", "#VALUE!")
    x = float(v)
    if x != math.floor(x) or int(x) not in allowed:
        raise EtsArgumentError(f"{what} must be one of {', '.join(str(a) for a in allowed)}", "#NUM!")
    return int(x)


def target_units(prep: Prepared, target: Any) -> float:
    """A target date in the units of the prepared timeline (fractional months for monthly timelines)."""
    ts = to_serial(target)
    if ts is None:
        raise EtsArgumentError("target_date is blank", "#VALUE!")
    if not prep.monthly:
        return ts
    d = np.datetime64("1899-12-30") + np.int64(math.floor(ts)).astype("timedelta64[D]")
    month = d.astype("datetime64[M]")
    start = month.astype("datetime64[D]")
    length = int(((month + 1).astype("datetime64[D]") - start).astype(np.int64))
    day = int((d - start).astype(np.int64)) + 1 + (ts - math.floor(ts))
    ref = prep.day_of_month if prep.day_of_month is not None else length
    return float(month.astype(np.int64)) + (day - ref) / length


def horizons(prep: Prepared, targets: Sequence[Any]) -> np.ndarray:
    """Steps after the last point for each target (fractional between steps); error if before the end."""
    h = np.array([(target_units(prep, t) - prep.last) / prep.step for t in targets], dtype=np.float64)
    if np.any(h < -1e-9):
        raise EtsArgumentError("target_date is before the end of the timeline", "#NUM!")
    if np.any(h > MAX_STEPS):
        raise EtsArgumentError(f"target_date is more than {MAX_STEPS:,} steps after the timeline", "#NUM!")
    return np.maximum(h, 0.0)


# -- seasonality -----------------------------------------------------------------------------------

def season_candidates(y: np.ndarray, max_len: int = MAX_SEASONALITY, keep: int = 3) -> list[int]:
    """Lags that may be a season: peaks of the autocorrelation of the series minus its least-squares line.

    A lag k (2 <= k <= n/2) qualifies when r_k > r_{k-1}, r_k >= r_{k+1} and r_k > 1.645 / sqrt(n);
    the ``keep`` largest r_k are returned, strongest first.
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    maxlag = min(n // 2, max_len)
    if n < 4 or maxlag < 2:
        return []
    t = np.arange(n, dtype=np.float64)
    tm, ym = t.mean(), y.mean()
    sxx = ((t - tm) ** 2).sum()
    slope = ((t - tm) * (y - ym)).sum() / sxx
    x = y - (ym + slope * (t - tm))
    r = M.acf(x[None, :], np.array([n]), maxlag + 1)[0]
    rk = np.r_[1.0, r]  # rk[k] = r_k
    ks = np.arange(2, maxlag + 1)
    nxt = rk[np.minimum(ks + 1, len(rk) - 1)]
    nxt = np.where(ks + 1 < len(rk), nxt, -np.inf)
    peak = (rk[ks] > rk[ks - 1]) & (rk[ks] >= nxt) & (rk[ks] > M.SEASONAL_TEST_Z / np.sqrt(n))
    cand = ks[peak]
    order = np.lexsort((cand, -np.round(rk[cand], 12)))
    return [int(c) for c in cand[order][:keep]]


def natural_season(prep: Prepared) -> int:
    """The season a calendar step implies: 12 for months (6, 4, 3, 2 for steps of 2, 3, 4, 6 months),
    7 for days, 52 for weeks, 24 for hours; 0 for other steps and for timelines of plain numbers
    (values below 367, i.e. before 1901, are not read as dates)."""
    if prep.monthly:
        return {1: 12, 2: 6, 3: 4, 4: 3, 6: 2}.get(int(round(prep.step)), 0) if prep.step == round(prep.step) else 0
    if prep.first < 367:
        return 0
    for step, season in ((1.0, 7), (7.0, 52), (1.0 / 24.0, 24)):
        if abs(prep.step - step) < 1e-9:
            return season
    return 0


def accepts_season(y: np.ndarray, k: int) -> bool:
    """Season k is accepted for y by the same rule as the workflow (:func:`.models.seasonal_decision`)."""
    Y, n = M.left_align([np.asarray(y, dtype=np.float64)])
    if k < 2 or n[0] < 2 * k:
        return False
    specs = [sp for sp in M.SPECS if not sp.seasonal or k <= M.MAX_ETS_SEASON]
    cands = M._ets_candidates(Y, n, k, 1, (), specs=specs, aicc_only=True)
    return bool(M.seasonal_decision(Y, n, k, cands)[0])


def detect_season(y: np.ndarray, natural: int = 0, max_len: int = MAX_SEASONALITY) -> int:
    """The detected season length (0 = none); rules in docs/forecast.md ("Detected seasonality").

    With a calendar step (``natural`` > 0, see :func:`natural_season`) only that season is tried;
    otherwise the candidates of :func:`season_candidates`, strongest first. A candidate k needs two
    full seasons (n >= 2k) and is accepted by :func:`.models.seasonal_decision`: the autocorrelation at
    lag k of the series minus its least-squares line passes the 90% test, or the best seasonal
    exponential smoothing model has a lower AICc than the best non-seasonal one.
    """
    y = np.asarray(y, dtype=np.float64)
    cands = [natural] if natural > 1 else season_candidates(y, max_len)
    for k in cands:
        if len(y) >= 2 * k and accepts_season(y, k):
            return k
    return 0


_DETECTED: dict[tuple, int] = {}


def _detect_cached(prep: Prepared) -> int:
    """detect_season for a prepared series, remembered (a sheet asks the same series many times)."""
    key = (prep.y.tobytes(), natural_season(prep))
    if key not in _DETECTED:
        if len(_DETECTED) > 64:
            _DETECTED.clear()
        _DETECTED[key] = detect_season(prep.y, key[1])
    return _DETECTED[key]


def _season_arg(seasonality: Any) -> int:
    if seasonality is None or (isinstance(seasonality, str) and not seasonality.strip()):
        return 1
    if isinstance(seasonality, bool) or not isinstance(seasonality, (int, float, np.integer, np.floating)):
        raise EtsArgumentError("seasonality must be a number", "#VALUE!")
    x = float(seasonality)
    if x != math.floor(x) or x < 0 or x > MAX_SEASONALITY:
        raise EtsArgumentError(f"seasonality must be 0, 1 or a whole number up to {MAX_SEASONALITY}", "#NUM!")
    return int(x)


def season_plan(prep: Prepared, seasonality: Any) -> tuple[int, bool | None]:
    """Excel's seasonality argument -> (season length m, seasonal): ``seasonal`` None lets the models decide
    per §3.1 with season m (automatic: the calendar's season, or the detected one), True/False forces it."""
    s = _season_arg(seasonality)
    n = len(prep.y)
    if s == 0:
        return 1, False
    if s >= 2:
        if n < 2 * s:
            raise EtsArgumentError(f"seasonality {s} needs at least {2 * s} points (two full seasons); "
                                   f"the timeline has {n}", "#NUM!")
        return s, True
    natural = natural_season(prep)
    if natural > 1:
        return natural, None
    d = _detect_cached(prep)
    return (d, None) if d >= 2 else (1, False)


def season_length(prep: Prepared, seasonality: Any = 1) -> int:
    """The season length in use (1 = none) by Excel's AAA model: FORECAST.ETS.SEASONALITY's answer."""
    return aaa_season(prep, seasonality)


_PERIODS: dict[bytes, int] = {}


def aaa_season(prep: Prepared, seasonality: Any = 1) -> int:
    """Excel's seasonality argument for the AAA model -> season length (1 = none): 0 none, 2..8760 that many
    steps (two full seasons needed), 1 detected by :func:`.holtwinters.period_length` (remembered per series)."""
    s = _season_arg(seasonality)
    n = len(prep.y)
    if s == 0:
        return 1
    if s >= 2:
        if n < 2 * s:
            raise EtsArgumentError(f"seasonality {s} needs at least {2 * s} points (two full seasons); "
                                   f"the timeline has {n}", "#NUM!")
        return s
    key = prep.y.tobytes()
    if key not in _PERIODS:
        if len(_PERIODS) > 64:
            _PERIODS.clear()
        _PERIODS[key] = HW.period_length(prep.y)
    return _PERIODS[key]


# -- fitting ----------------------------------------------------------------------------------------

def method_arg(v: Any) -> str:
    """The ``method`` argument; blank = "AAA", Excel's own model."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return "AAA"
    if not isinstance(v, str):
        raise EtsArgumentError("method must be text such as \"ETS\"", "#VALUE!")
    lookup = {x.lower(): x for x in CELL_METHODS}
    key = v.strip().lower().replace(" ", "")
    if key not in lookup:
        raise EtsArgumentError(f"unknown method {v.strip()!r}; use one of {', '.join(CELL_METHODS)}", "#VALUE!")
    return lookup[key]


@dataclass
class Fitted:
    prep: Prepared
    m: int  # 1 = no seasonality
    method: str
    result: M.MethodResult | None  # the models' result; None for AAA
    H: int
    hw: HW.HWFit | None = None  # Excel's AAA model


def fit_aaa(prep: Prepared, seasonality: Any = 1) -> Fitted:
    """Excel's AAA model (:mod:`.holtwinters`) with the season of :func:`aaa_season`."""
    m = aaa_season(prep, seasonality)
    try:
        hw = HW.fit(prep.y, m)
    except HW.HWError as e:
        raise EtsArgumentError(str(e), e.code) from None
    return Fitted(prep=prep, m=m, method="AAA", result=None, H=0, hw=hw)


def fit(prep: Prepared, plan: tuple[int, bool | None], method: str, H: int, levels: Sequence[float] = (0.95,)
        ) -> Fitted:
    """Fit ``method`` to the prepared series with the season plan of :func:`season_plan`; forecast H steps.

    With an automatic plan the models decide the seasonality exactly as in the workbook, so a cell and
    the batch path give the same numbers for the same series.
    """
    m, seasonal = plan
    H = max(int(H), 1)
    Y, n = M.left_align([prep.y])
    mm = max(m, 1)
    flag = None if seasonal is None else np.array([bool(seasonal)])
    wanted = [method, "ETS"] if method == "Combo" else [method]
    fr = M.forecast(Y, H, mm, methods=wanted, levels=levels, n=n, seasonal=flag)
    res = fr.methods[method]
    if method == "Combo":  # its smoothing parameters are those of its ETS member
        res.params = fr.methods["ETS"].params
    return Fitted(prep=prep, m=m, method=method, result=res, H=H)


def at(fitted: Fitted, h: np.ndarray, which: str = "mean", level: float = 0.95) -> np.ndarray:
    """Forecast (or bound) at fractional horizons h >= 0 (0 = the last point), interpolated linearly."""
    if fitted.hw is not None:
        return fitted.hw.forecast(h) if which == "mean" else fitted.hw.half_width(h, level)
    res = fitted.result
    assert res is not None  # a Fitted without hw is made by fit(), which always sets its result
    if which == "mean":
        path = np.r_[fitted.prep.y[-1], res.mean[0]]
    else:
        half = (res.upper[level][0] - res.lower[level][0]) / 2.0
        path = np.r_[0.0, half]
    lo = np.floor(h + 1e-9).astype(np.int64)
    frac = np.where(h - lo > 1e-9, h - lo, 0.0)
    hi = np.minimum(lo + 1, len(path) - 1)
    return path[lo] + frac * (path[hi] - path[lo])


def statistics(fitted: Fitted) -> dict[int, float]:
    """FORECAST.ETS.STAT values 1..8 (see docs/forecast.md)."""
    if fitted.hw is not None:
        return {**fitted.hw.statistics(), 8: fitted.prep.step}
    res = fitted.result
    assert res is not None  # a Fitted without hw is made by fit(), which always sets its result
    y = fitted.prep.y
    f = res.fitted[0, : len(y)]
    ok = np.isfinite(f)
    ok[0] = False  # the first point has no one-step forecast of its own
    e = (f - y)[ok]
    yy, ff = y[ok], f[ok]
    n = len(e)
    mae = float(np.mean(np.abs(e))) if n else float("nan")
    rmse = float(np.sqrt(np.mean(e ** 2))) if n else float("nan")
    den = np.abs(yy) + np.abs(ff)
    smape = float(np.mean(np.where(den > 0, 2 * np.abs(e) / np.where(den > 0, den, 1.0), 0.0))) if n else float("nan")
    d = np.abs(np.diff(y))
    scale = float(np.mean(d)) if len(d) else float("nan")
    mase = mae / scale if scale and scale > 0 else float("nan")
    p = res.params

    def par(name):
        v = p.get(name)
        if v is None:
            return 0.0
        x = float(v[0])
        return 0.0 if math.isnan(x) else x

    return {1: par("alpha"), 2: par("beta"), 3: par("gamma"), 4: mase, 5: smape, 6: mae, 7: rmse,
            8: fitted.prep.step}
