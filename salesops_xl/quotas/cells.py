"""Quota cell functions in plain Python: Excel values in, Excel values out, never an exception.

The same rules as the quota workbook (docs/quotas.md), one formula at a time:

* :func:`allocate` - split a total by weights (one method or a blend), with floors and ceilings, exactly at
  a rounding unit (largest remainder);
* :func:`phase` - spread an annual amount over months by a profile (and a ramp), exactly;
* :func:`seasonality` - seasonal indices (mean 1) from monthly history;
* :func:`ramp` - the ramp factor of a hire in a month;
* :func:`hire_capacity` / :func:`hires_needed` - what one hire starting in a month books in the plan year,
  and how many hires a gap needs.

Arguments arrive as Excel gives them (scalars, lists of lists, None for
blanks, serial numbers or datetimes for dates, "#N/A" for errors); bad input
returns a short ``"#VALUE! ..."`` text.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..cells import CellError, as_matrix, cell_function, date_value, is_blank, number, numbers
from . import schema as S
from .engine import (
    BOUND_CEILING,
    NM,
    bounded_proportional,
    effective_shares,
    hire_matrix,
    hire_month_cents,
    largest_remainder,
    monthly_retention,
    ramp_matrix,
    round_half_away,
)


def _unit_cents(unit: Any) -> int:
    u = number(unit, "unit", blank=1.0)
    c = int(round(u * 100))
    if u <= 0 or c < 1 or abs(u * 100 - c) > 1e-6:
        raise CellError("unit must be a whole number of cents above 0 (0.01, 1, 1000...)")
    return c


def _vector(value: Any, what: str, *, blank: float | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    """A single row or column -> (1-D floats, shape); blanks become ``blank`` (NaN when None is allowed)."""
    m = as_matrix(value)
    rows, cols = len(m), len(m[0]) if m and m[0] else 0
    if rows != 1 and cols != 1:
        raise CellError(f"{what} must be a single row or column")
    flat = [v for r in m for v in r]
    out = np.array([number(v, f"{what} ({i + 1})", blank=blank) if blank is not None or not is_blank(v) else np.nan
                    for i, v in enumerate(flat)], dtype=np.float64)
    return out, (rows, cols)


def _optional_vector(value: Any, what: str, n: int) -> np.ndarray | None:
    if value is None or (not isinstance(value, (list, tuple, np.ndarray)) and is_blank(value)):
        return None
    m = as_matrix(value)
    flat = [v for r in m for v in r]
    if len(flat) != n:
        raise CellError(f"{what} must have one value per item ({n}), found {len(flat)}")
    out = np.array([np.nan if is_blank(v) else number(v, f"{what} ({i + 1})") for i, v in enumerate(flat)])
    if np.any(out < 0):
        raise CellError(f"{what} must be 0 or more")
    return out


def _shape_out(values: np.ndarray, shape: tuple[int, int]) -> list:
    rows, cols = shape
    return values.reshape(rows, cols).tolist()


@cell_function
def allocate(total: Any, weights: Any, mix: Any = None, floors: Any = None, ceilings: Any = None,
             unit: Any = None) -> Any:
    """Split ``total`` in proportion to ``weights``, exactly at ``unit``.

    ``weights``: one row or column of weights (one method), or n rows x k
    columns (one column per method: even, history, potential...) blended by
    ``mix`` (k weights totalling 100%). Each method's column is first turned
    into shares of its total. ``floors``/``ceilings``: one value per item
    (blank = none). Items pushed outside a bound sit at it and the others share
    the rest in proportion. The results sum exactly to ``total`` rounded to
    ``unit`` (default 1); the last units go to the largest remainders.
    """
    t = number(total, "total")
    if t < 0:
        raise CellError("total must be 0 or more")
    uc = _unit_cents(unit)
    m = as_matrix(weights)
    if not m or not m[0]:
        raise CellError("weights is empty")
    W, _ = numbers(weights, "weights")
    if np.any(W < 0):
        raise CellError("weights must be 0 or more (a negative potential or history?)")
    no_mix = mix is None or (not isinstance(mix, (list, tuple, np.ndarray)) and is_blank(mix))
    if no_mix:
        if W.shape[0] != 1 and W.shape[1] != 1:
            raise CellError("weights has several columns: give mix, one weight per column")
        shape = W.shape
        w = W.reshape(-1)
        if w.sum() <= 0 and t > 0:
            raise CellError("the weights total 0")
        blend = w / w.sum() if w.sum() > 0 else w
    else:
        b, _ = _vector(mix, "mix", blank=0.0)
        if W.shape[1] != len(b):
            if W.shape[0] == len(b) and W.shape[1] != len(b):
                W = W.T
            else:
                raise CellError(f"mix has {len(b)} weights but weights has {W.shape[1]} columns")
        if np.any(b < 0) or abs(b.sum() - 1.0) > 1e-6:
            raise CellError(f"the mix weights total {b.sum():.4%}; they must total 100%")
        sums = W.sum(axis=0)
        if np.any((b > 0) & (sums <= 0)) and t > 0:
            raise CellError("a method with a mix weight has weights totalling 0")
        shares = np.divide(W, sums, out=np.zeros_like(W), where=sums > 0)
        blend = shares @ b
        shape = (W.shape[0], 1)
    n = blend.shape[0]
    T = int(round_half_away(t * 100 / uc))
    lo = _optional_vector(floors, "floors", n)
    hi = _optional_vector(ceilings, "ceilings", n)
    lo = np.zeros(n) if lo is None else np.where(np.isnan(lo), 0.0, np.ceil(np.round(lo * 100 / uc, 6)))
    hi = np.full(n, np.inf) if hi is None else np.where(np.isnan(hi), np.inf, np.floor(np.round(hi * 100 / uc, 6)))
    if np.any(lo > hi):
        raise CellError("a floor is above its ceiling")
    if lo.sum() > T:
        raise CellError(f"the floors total {lo.sum() * uc / 100:,.2f}, above the total {T * uc / 100:,.2f}")
    blend = effective_shares(blend, np.zeros(n, dtype=np.intp), 1)
    reach = np.where(blend > 0, hi, lo).sum()
    if reach < T:
        raise CellError(f"the ceilings allow at most {reach * uc / 100:,.2f}, below the total {T * uc / 100:,.2f}")
    g = np.zeros(n, dtype=np.intp)
    x, code = bounded_proportional(blend, lo, hi, g, np.array([float(T)]))
    units = largest_remainder(x, g, np.array([T]), blocked=(code == BOUND_CEILING) | (x >= hi - 1e-9))
    return _shape_out(units * uc / 100.0, shape)


@cell_function
def phase(annual: Any, profile: Any, ramp_factors: Any = None, unit: Any = None) -> Any:
    """Spread ``annual`` over the cells of ``profile`` (weights) x ``ramp_factors``; the parts sum exactly."""
    a = number(annual, "annual")
    uc = _unit_cents(unit)
    w, shape = _vector(profile, "profile", blank=0.0)
    if np.any(w < 0):
        raise CellError("profile weights must be 0 or more")
    r = _optional_vector(ramp_factors, "ramp", len(w))
    if r is not None:
        w = w * np.nan_to_num(r)
    T = int(round_half_away(a * 100 / uc))
    if w.sum() <= 0:
        if T == 0:
            return _shape_out(np.zeros(len(w)), shape)
        raise CellError("the profile (x ramp) totals 0")
    exact = T * w / w.sum()
    units = largest_remainder(exact, np.zeros(len(w), dtype=np.intp), np.array([T]))
    return _shape_out(units * uc / 100.0, shape)


@cell_function
def seasonality(history: Any, capacity: Any = None) -> Any:
    """Seasonal index of each month: (history per month / capacity per month) / its mean.

    ``history``: 12 values in a row or column, or rows (reps or years) x 12
    columns, which are added up by month. ``capacity`` (optional, same shape):
    ramped rep-months, so growth in headcount is not taken for seasonality.
    """
    H, _ = numbers(history, "history")
    column = H.shape[1] == 1 and H.shape[0] > 1
    if column:
        H = H.T
    if H.shape[1] < 2:
        raise CellError("history needs at least two months")
    b = H.sum(axis=0)
    if capacity is not None and not (not isinstance(capacity, (list, tuple, np.ndarray)) and is_blank(capacity)):
        C, _ = numbers(capacity, "capacity")
        if column:
            C = C.T
        if C.shape != H.shape:
            raise CellError("capacity must have the shape of history")
        c = C.sum(axis=0)
        if np.any(c <= 0):
            raise CellError("a month has no capacity")
        per = b / c
    else:
        per = b
    if np.any(per < 0):
        raise CellError("a month's history is below 0")
    if per.sum() <= 0:
        raise CellError("the history totals 0")
    idx = np.round(per / per.mean(), 12)
    return idx.reshape(-1, 1).tolist() if column else [idx.tolist()]




def _curve(value: Any) -> np.ndarray:
    if value is None or (not isinstance(value, (list, tuple, np.ndarray)) and is_blank(value)):
        return np.array(S.DEFAULT_RAMP)
    c, _ = _vector(value, "curve")
    c = c[~np.isnan(c)]
    if len(c) == 0:
        return np.array(S.DEFAULT_RAMP)
    if np.any((c < 0) | (c > 1)):
        raise CellError("curve values must be between 0% and 100%")
    if np.any(np.diff(c) < -1e-12):
        raise CellError("the curve goes down")
    return c


def _month_of(d: np.datetime64) -> int:
    return int(d.astype("datetime64[M]").astype(np.int64))


@cell_function
def ramp(hire_date: Any, month: Any, curve: Any = None, term_date: Any = None) -> Any:
    """Ramp factor in the month(s) containing ``month``: 0 before the hire month (or after ``term_date``),
    then the curve by month of tenure (the hire month is month 1), 100% after it. Default curve 25/50/75%."""
    h = _month_of(date_value(hire_date, "hire_date"))
    t = 10**6 if is_blank(term_date) else _month_of(date_value(term_date, "term_date"))
    if t < h:
        raise CellError("term_date is before hire_date")
    c = _curve(curve)
    scalar = not isinstance(month, (list, tuple, np.ndarray))
    m = as_matrix(month)
    months = np.array([[_month_of(date_value(v, "month")) for v in r] for r in m], dtype=np.int64)
    _, _, f = ramp_matrix(np.array([h]), np.array([t]), months.reshape(-1), c)
    out = np.round(f.reshape(months.shape), 12)
    return float(out[0, 0]) if scalar else out.tolist()


def _hire_value(productivity, start_month, attainment, curve, attrition, season) -> float:
    p = number(productivity, "productivity")
    if p <= 0:
        raise CellError("productivity must be above 0")
    h = number(start_month, "start_month")
    if h != int(h) or not 1 <= h <= NM:
        raise CellError("start_month must be a month of the plan year, 1 to 12")
    a = number(attainment, "attainment", blank=1.0)
    if a <= 0:
        raise CellError("attainment must be above 0")
    ar = number(attrition, "attrition", blank=0.0)
    if not 0 <= ar < 1:
        raise CellError("attrition must be at least 0% and below 100%")
    if season is None or (not isinstance(season, (list, tuple, np.ndarray)) and is_blank(season)):
        s = np.ones(NM)
    else:
        s, _ = _vector(season, "seasonality")
        if len(s) != NM or np.any(np.isnan(s)) or np.any(s < 0):
            raise CellError("seasonality must be 12 indices of 0 or more")
    u = p * a * s / NM
    K = hire_matrix(_curve(curve), monthly_retention(ar))
    return float(hire_month_cents(K, u)[int(h) - 1].sum()) / 100.0  # its months rounded to the cent, as the sheet


@cell_function
def hire_capacity(productivity: Any, start_month: Any, attainment: Any = None, curve: Any = None,
                  attrition: Any = None, seasonality_index: Any = None) -> Any:
    """Expected plan-year bookings of one hire starting in plan month ``start_month`` (1-12)."""
    return _hire_value(productivity, start_month, attainment, curve, attrition, seasonality_index)


@cell_function
def hires_needed(gap: Any, productivity: Any, start_month: Any, attainment: Any = None, curve: Any = None,
                 attrition: Any = None, seasonality_index: Any = None) -> Any:
    """Hires starting in ``start_month`` needed to book ``gap`` in the plan year: ceil(gap / hire capacity)."""
    g = number(gap, "gap")
    v = _hire_value(productivity, start_month, attainment, curve, attrition, seasonality_index)
    if g <= 0:
        return 0
    if v <= 0:
        raise CellError("a hire starting then books nothing this year")
    return int(math.ceil(g / v - 1e-9))
