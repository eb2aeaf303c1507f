"""Forecast cell functions in plain Python: Excel values in, Excel values out, never an exception.

The FORECAST.ETS family keeps Excel's argument order and meaning (docs/forecast.md, "Cell
functions"), with one extra last argument, ``method`` ("AAA", Excel's own model, by default; "ETS" for our
automatic exponential smoothing, "Combo", "Theta"...):

* :func:`forecast_ets` - FORECAST.ETS(target_date, values, timeline, [seasonality], [data_completion], [aggregation])
* :func:`forecast_ets_confint` - FORECAST.ETS.CONFINT(target_date, values, timeline, [confidence_level], ...)
* :func:`forecast_ets_seasonality` - FORECAST.ETS.SEASONALITY(values, timeline, [data_completion], [aggregation])
* :func:`forecast_ets_stat` - FORECAST.ETS.STAT(values, timeline, statistic_type, [seasonality], ...)

and, without a timeline, :func:`forecast_table` (a spilled table of forecasts with bounds), plus the
small sales-metric formulas of the gap analysis (:func:`coverage`, :func:`velocity`,
:func:`run_rate`, :func:`wins_needed`, :func:`pipeline_needed`).
"""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np

from ..cells import CellError, as_matrix, cell_function, date_system, is_blank, number, numbers, text_value
from . import ets as E
from . import holtwinters as HW
from . import models as M
from .calls import roll_up

_CACHE: OrderedDict[tuple, E.Fitted] = OrderedDict()
_CACHE_SIZE = 32


def _key(v: Any) -> Any:
    """A hashable stand-in for a cell argument (ranges arrive as lists of rows of floats, dates, text, None)."""
    if isinstance(v, list):
        if all(type(r) is list for r in v):
            try:
                out = tuple(tuple(r) for r in v)
                hash(out)
                return out
            except TypeError:
                pass
        return tuple(_key(x) for x in v)
    if isinstance(v, np.ndarray):
        return (v.dtype.str, v.shape, v.tobytes()) if v.dtype != object else _key(v.tolist())
    if isinstance(v, tuple):
        return tuple(_key(x) for x in v)
    return v


_PREPARED: OrderedDict[tuple, E.Prepared] = OrderedDict()


def _prepared(values, timeline, data_completion, aggregation) -> E.Prepared:
    """The regular series of (values, timeline), remembered: every cell of a column asks for the same one."""
    key = (_key(values), _key(timeline), _key(data_completion), _key(aggregation), date_system())
    hit = _PREPARED.get(key)
    if hit is not None:
        _PREPARED.move_to_end(key)
        return hit
    try:
        prep = E.prepare(values, timeline, data_completion, aggregation)
    except E.EtsArgumentError as e:
        raise CellError(str(e), e.code) from None
    _PREPARED[key] = prep
    while len(_PREPARED) > _CACHE_SIZE:
        _PREPARED.popitem(last=False)
    return prep


def _fitted(values, timeline, seasonality, data_completion, aggregation, method, steps: float,
            level: float = 0.95) -> E.Fitted:
    """The fitted model (cached: a column of FORECAST.ETS cells over the same data fits once)."""
    try:
        meth = E.method_arg(method)
        aaa = meth == "AAA"  # Excel's model: no horizon to fit ahead, and its fit does not depend on the level
        prep = _prepared(values, timeline, data_completion, aggregation)
        key = (prep.y.tobytes(), prep.first, prep.step, prep.monthly, prep.day_of_month, _key(seasonality), meth,
               None if aaa else level)
        H = max(36, int(math.ceil(steps / 12.0 + 1e-9)) * 12)
        hit = _CACHE.get(key)
        if hit is not None and (aaa or hit.H >= steps):
            _CACHE.move_to_end(key)
            return hit
        if aaa:
            fitted = E.fit_aaa(prep, seasonality)
        else:
            fitted = E.fit(prep, E.season_plan(prep, seasonality), meth, H, levels=(level,))
    except E.EtsArgumentError as e:
        raise CellError(str(e), e.code) from None
    _CACHE[key] = fitted
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return fitted


def _targets(target_date) -> tuple[list, bool, tuple[int, int]]:
    scalar = not isinstance(target_date, (list, tuple, np.ndarray))
    m = as_matrix(target_date)
    shape = (len(m), len(m[0]) if m and m[0] else 0)
    flat = [v for row in m for v in row]
    if not flat:
        raise CellError("target_date is empty")
    for v in flat:
        if isinstance(v, str) and v.strip().startswith("#"):
            raise CellError(f"target_date is an error ({v.strip().split(' ')[0]})", v.strip().split(" ")[0])
    return flat, scalar, shape


def _shape(values: np.ndarray, scalar: bool, shape: tuple[int, int]) -> Any:
    if not np.all(np.isfinite(values)):
        raise CellError("the forecast is not a finite number", "#NUM!")
    if scalar:
        return float(values[0])
    return values.reshape(shape).tolist()


def _steps(values, timeline, data_completion, aggregation, target_date) -> tuple[np.ndarray, bool, tuple]:
    flat, scalar, shape = _targets(target_date)
    prep = _prepared(values, timeline, data_completion, aggregation)
    try:
        h = E.horizons(prep, flat)
    except E.EtsArgumentError as e:
        raise CellError(str(e), e.code) from None
    return h, scalar, shape


@cell_function
def forecast_ets(target_date: Any, values: Any, timeline: Any, seasonality: Any = None, data_completion: Any = None,
                 aggregation: Any = None, method: Any = None) -> Any:
    """FORECAST.ETS: the forecast at ``target_date`` (a range of dates spills)."""
    h, scalar, shape = _steps(values, timeline, data_completion, aggregation, target_date)
    fitted = _fitted(values, timeline, seasonality, data_completion, aggregation, method, float(np.ceil(h.max())))
    return _shape(E.at(fitted, h), scalar, shape)


@cell_function
def forecast_ets_confint(target_date: Any, values: Any, timeline: Any, confidence_level: Any = None,
                         seasonality: Any = None, data_completion: Any = None, aggregation: Any = None,
                         method: Any = None) -> Any:
    """FORECAST.ETS.CONFINT: half the width of the prediction interval at ``target_date``."""
    level = number(confidence_level, "confidence_level", blank=0.95)
    if not 0 < level < 1:
        raise CellError("confidence_level must be between 0 and 1 (exclusive)", "#NUM!")
    h, scalar, shape = _steps(values, timeline, data_completion, aggregation, target_date)
    fitted = _fitted(values, timeline, seasonality, data_completion, aggregation, method, float(np.ceil(h.max())),
                     level)
    return _shape(E.at(fitted, h, "half", level), scalar, shape)


@cell_function
def forecast_ets_seasonality(values: Any, timeline: Any, data_completion: Any = None, aggregation: Any = None) -> Any:
    """FORECAST.ETS.SEASONALITY: the season length detected (0 = none)."""
    prep = _prepared(values, timeline, data_completion, aggregation)
    try:
        m = E.season_length(prep)
    except E.EtsArgumentError as e:
        raise CellError(str(e), e.code) from None
    return float(m if m > 1 else 0)


@cell_function
def forecast_ets_stat(values: Any, timeline: Any, statistic_type: Any, seasonality: Any = None,
                      data_completion: Any = None, aggregation: Any = None, method: Any = None) -> Any:
    """FORECAST.ETS.STAT: 1 alpha, 2 beta, 3 gamma, 4 MASE, 5 SMAPE, 6 MAE, 7 RMSE, 8 step (a range spills)."""
    types, scalar = numbers(statistic_type, "statistic_type")
    if np.any((types != np.floor(types)) | (types < 1) | (types > 8)):
        raise CellError("statistic_type must be a whole number from 1 to 8", "#NUM!")
    fitted = _fitted(values, timeline, seasonality, data_completion, aggregation, method, 1.0)
    stats = E.statistics(fitted)
    out = np.vectorize(lambda t: stats[int(t)])(types).astype(np.float64)
    if not np.all(np.isfinite(out)):
        raise CellError("the statistic is undefined for this series", "#NUM!")
    return float(out.reshape(-1)[0]) if scalar else out.tolist()


def _series(values: Any) -> np.ndarray:
    flat = [v for row in as_matrix(values) for v in row]
    while flat and is_blank(flat[-1]):
        flat.pop()  # trailing blanks of a range that is longer than the history
    out = []
    for i, v in enumerate(flat):
        if is_blank(v):
            raise CellError(f"value {i + 1} is blank; fill it (or use SXL_FORECAST_ETS with a timeline)")
        out.append(number(v, f"value {i + 1}"))
    if not out:
        raise CellError("values is empty")
    return np.array(out)


@cell_function
def forecast_table(values: Any, horizon: Any, season_length: Any = None, method: Any = None, level: Any = None) -> Any:
    """Forecasts of the next ``horizon`` periods of a regular series (oldest first), as a table that spills:
    Step, Forecast, Lower, Upper. ``season_length`` blank = 12, 0 or 1 = none; ``level`` blank = 95%."""
    y = _series(values)
    H = number(horizon, "horizon")
    if H != math.floor(H) or not 1 <= H <= 1000:
        raise CellError("horizon must be a whole number from 1 to 1000", "#NUM!")
    m = number(season_length, "season_length", blank=12.0)
    if m != math.floor(m) or m < 0 or m > E.MAX_SEASONALITY:
        raise CellError("season_length must be a whole number from 0 to 8760", "#NUM!")
    lv = number(level, "level", blank=0.95)
    if not 0 < lv < 1:
        raise CellError("level must be between 0 and 1 (exclusive)", "#NUM!")
    try:
        meth = "ETS" if method is None or (isinstance(method, str) and not method.strip()) else E.method_arg(method)
    except E.EtsArgumentError as e:
        raise CellError(str(e), e.code) from None
    mm = int(m) if m >= 2 else 1
    Y, n = M.left_align([y])
    H = int(H)
    if meth == "AAA":  # Excel's model, as SXL_FORECAST_ETS computes it, on steps 1..H (too short for the season: none)
        try:
            hw = HW.fit(y, mm if len(y) >= 2 * mm else 1)
        except HW.HWError as e:
            raise CellError(str(e), e.code) from None
        steps = np.arange(1.0, H + 1)
        mean, half = hw.forecast(steps)[None, :], hw.half_width(steps, lv)[None, :]
        res = M.MethodResult("AAA", mean, {lv: mean - half}, {lv: mean + half}, np.full((1, len(y)), np.nan),
                             np.array(["AAA"], dtype=object))
    else:
        res = M.forecast(Y, H, mm, methods=[meth], levels=(lv,), n=n).methods[meth]
    rows: list[list[Any]] = [["Step", "Forecast", "Lower", "Upper"]]
    for i in range(H):
        rows.append([float(i + 1), float(res.mean[0, i]), float(res.lower[lv][0, i]), float(res.upper[lv][0, i])])
    if not all(math.isfinite(x) for r in rows[1:] for x in r[1:2]):
        raise CellError("the forecast is not a finite number", "#NUM!")
    return [[("" if isinstance(x, float) and math.isnan(x) else x) for x in r] for r in rows]


# -- sales metrics (docs/forecast.md, "Metrics and gap analysis") ---------------------------------------

def _scalar_or_range(f, *args):
    arrs = []
    scalar = True
    shape = None
    for a, what in args:
        x, sc = numbers(a, what)
        arrs.append(x)
        if not sc:
            scalar = False
            if shape is not None and x.shape != shape and x.size != 1:
                raise CellError("the ranges must have the same size")
            shape = x.shape if x.size != 1 or shape is None else shape
    out = f(*arrs)
    if scalar:
        v = float(out.reshape(-1)[0])
        if not math.isfinite(v):
            raise CellError("the result is undefined", "#DIV/0!")
        return v
    return np.where(np.isfinite(out), np.round(out, 10), np.nan).tolist()


@cell_function
def coverage(open_pipeline: Any, quota: Any, closed: Any = None) -> Any:
    """Coverage ratio: open pipeline / remaining quota, remaining = quota - closed (closed blank = 0)."""
    c = 0.0 if closed is None or is_blank(closed) else closed

    def f(p, q, cl):
        rem = q - cl
        if np.any(rem <= 0):
            raise CellError("nothing left to cover: closed has reached the quota", "#DIV/0!")
        return p / rem
    return _scalar_or_range(f, (open_pipeline, "open_pipeline"), (quota, "quota"), (c, "closed"))


@cell_function
def velocity(opportunities: Any, win_rate: Any, deal_size: Any, cycle_days: Any) -> Any:
    """Pipeline velocity per day: opportunities x win rate x average deal size / sales cycle in days."""
    def f(o, w, d, c):
        if np.any(c <= 0):
            raise CellError("cycle_days must be above 0", "#DIV/0!")
        if np.any((w < 0) | (w > 1)):
            raise CellError("win_rate must be between 0% and 100%")
        return o * w * d / c
    return _scalar_or_range(f, (opportunities, "opportunities"), (win_rate, "win_rate"), (deal_size, "deal_size"),
                            (cycle_days, "cycle_days"))


@cell_function
def run_rate(closed: Any, elapsed_days: Any, total_days: Any) -> Any:
    """Run-rate projection of a period: closed / elapsed_days x total_days."""
    def f(c, e, t):
        if np.any(e <= 0):
            raise CellError("elapsed_days must be above 0", "#DIV/0!")
        if np.any(t < e):
            raise CellError("total_days must be at least elapsed_days")
        return c / e * t
    return _scalar_or_range(f, (closed, "closed"), (elapsed_days, "elapsed_days"), (total_days, "total_days"))


@cell_function
def wins_needed(gap: Any, avg_deal_size: Any) -> Any:
    """Wins needed to close a gap: CEILING(gap / average deal size); 0 when there is no gap."""
    def f(g, d):
        if np.any(d <= 0):
            raise CellError("avg_deal_size must be above 0", "#DIV/0!")
        return np.ceil(np.round(np.maximum(g, 0) / d, 9))
    return _scalar_or_range(f, (gap, "gap"), (avg_deal_size, "avg_deal_size"))


@cell_function
def pipeline_needed(gap: Any, win_rate: Any) -> Any:
    """Pipeline needed to close a gap at a win rate: gap / win rate; 0 when there is no gap; blank when the win
    rate is 0 and there is a gap (as the Gap Analysis sheet shows it: no pipeline closes it)."""
    def f(g, w):
        if np.any((w < 0) | (w > 1)):
            raise CellError("win_rate must be from 0% to 100%")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(g <= 0, 0.0, np.where(w > 0, np.maximum(g, 0) / np.where(w > 0, w, 1.0), np.nan))
    g_arr, g_sc = numbers(gap, "gap")
    w_arr, w_sc = numbers(win_rate, "win_rate")
    if g_sc and w_sc:
        v = float(f(g_arr, w_arr).reshape(-1)[0])
        return v if math.isfinite(v) else None
    out = _scalar_or_range(f, (gap, "gap"), (win_rate, "win_rate"))
    return [[None if isinstance(v, float) and math.isnan(v) else v for v in r] if isinstance(r, list)
            else (None if isinstance(r, float) and math.isnan(r) else r) for r in out]


# -- the forecast-call roll-up (docs/forecast.md, "Forecast calls and roll-ups") -----------------------

def _column(value: Any, what: str) -> list:
    m = as_matrix(value)
    if len(m) == 1 and len(m[0]) > 1:  # a row is fine too
        return list(m[0])
    if any(len(r) != 1 for r in m):
        raise CellError(f"{what} must be a single column or row")
    return [r[0] for r in m]


def hierarchy(ids: list[str], managers: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """(parent, depth) of people given by id and manager id; CellError on an unknown manager or a cycle."""
    pos: dict[str, int] = {}
    for i, x in enumerate(ids):
        if x in pos:
            raise CellError(f"id {x!r} is listed twice (rows {pos[x] + 1} and {i + 1})")
        pos[x] = i
    parent = np.full(len(ids), -1, dtype=np.intp)
    for i, m in enumerate(managers):  # one lookup per person
        if m is None:
            continue
        if m not in pos:
            raise CellError(f"manager {m!r} of {ids[i]!r} is not one of the ids", "#N/A")
        parent[i] = pos[m]
    depth = np.zeros(len(ids), dtype=np.intp)
    top = parent.copy()
    for _ in range(len(ids) + 1):  # climb all people one level at a time
        up = top >= 0
        if not up.any():
            return parent, depth
        depth[up] += 1
        top[up] = parent[top[up]]
    raise CellError("the manager ids form a cycle (someone manages themselves through others)")


@cell_function
def forecast_rollup(ids: Any, manager_ids: Any, submitted: Any) -> Any:
    """Each person's rolled-up number: own submission, else the sum of the direct reports' numbers."""
    idv = [text_value(v, f"ids (row {i + 1})") for i, v in enumerate(_column(ids, "ids"))]
    mv = [None if is_blank(v) else text_value(v, f"manager_ids (row {i + 1})")
          for i, v in enumerate(_column(manager_ids, "manager_ids"))]
    sv = _column(submitted, "submitted")
    if not (len(idv) == len(mv) == len(sv)):
        raise CellError("ids, manager_ids and submitted must have the same number of cells")
    amt = np.array([np.nan if is_blank(v) else number(v, f"submitted (row {i + 1})") for i, v in enumerate(sv)],
                   dtype=np.float64)
    parent, depth = hierarchy(idv, mv)
    out = roll_up(parent, depth, amt[:, None]).number[:, 0]
    return [[None if np.isnan(x) else float(x)] for x in out]
