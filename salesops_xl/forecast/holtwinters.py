"""Excel-style additive Holt-Winters: the model behind FORECAST.ETS (Excel's "AAA" ETS).

Microsoft documents the model (additive error, trend and seasonality), the seasonality argument,
data completion and aggregation, but not the initial states nor how the smoothing constants are
chosen. Where Microsoft is silent this module follows LibreOffice Calc's FORECAST.ETS.ADD (the
spreadsheet available to test against), so a cell and the spreadsheet agree; docs/forecast.md
("Excel-style ETS") states every rule and where we differ on purpose.

Rules, for a regular series y_0 .. y_{N-1} and season m (m = 1: no season):

* **Season detection** (:func:`period_length`): for every candidate p from N//2 (at most 8,760) down to 1, the mean
  absolute difference between the first differences one season apart over the most recent whole
  seasons; the p with the smallest mean wins (ties: the shorter). p = 1 means no season.
* **Initial states** (NIST Engineering Statistics Handbook 6.4.3.5): trend b_0 = mean over the first
  season of (y_{m+j} - y_j) / m; seasonal index s_j = mean over the whole seasons k of
  y_{km+j} - (average of season k + (j - (m-1)/2) b_0); level l_0 = y_0 / s_0 (as LibreOffice does).
  Without a season: b_0 = (y_{N-1} - y_0)/(N-1), l_0 = y_0.
* **Recursion** (t = 1 .. N-1; s_{t-m} read as s_t while t <= m, the initial index of its slot):
  l_t = a (y_t - s_{t-m}) + (1-a)(l_{t-1} + b_{t-1}); s_t = g (y_t - l_t) + (1-g) s_{t-m};
  b_t = c (l_t - l_{t-1}) + (1-c) b_{t-1}; one-step forecast l_{t-1} + b_{t-1} + s_{t-m}.
* **Smoothing constants** a (level), g (season), c (trend): nested bisections on [0, 1] to a
  resolution of 0.001 minimising the mean squared one-step error, level outermost, trend innermost,
  exactly in LibreOffice's order (the search updates the first season's indices as it goes; that
  path is reproduced, so the constants are LibreOffice's).
* **Forecast** k whole steps after the last point: l_{N-1} + k b_{N-1} + s_{N-1-m+(k mod m)}, between
  steps linear in the fraction of a step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

RESOLUTION = 0.001
#: Longest season Excel accepts (and detection tries).
MAX_SEASON = 8760


class HWError(ValueError):
    """The model cannot be fitted; ``code`` is the Excel error value the cell shows."""

    def __init__(self, message: str, code: str = "#VALUE!"):
        self.code = code
        super().__init__(message)


def period_length(y: np.ndarray, longest: int = MAX_SEASON) -> int:
    """The most likely season length of y (1 = none), by LibreOffice's rule (see module doc); seasons longer
    than ``longest`` (Excel's limit, 8,760) are not tried."""
    y = np.asarray(y, dtype=np.float64)
    N = len(y)
    d = np.diff(y)  # d[i-1] = y_i - y_{i-1}
    best, best_err = N, math.inf
    for p in range(min(N // 2, longest), 0, -1):
        periods = N // p
        start = N - periods * p + 1
        stop = N - p
        den = (periods - 1) * p - 1
        if stop > start:
            i = np.arange(start, stop)
            err = float(np.cumsum(np.abs(d[i - 1] - d[i + p - 1]))[-1])  # added in order, as LibreOffice does
        else:
            err = 0.0
        err = err / den if den != 0 else (math.inf if err else math.nan)
        if err <= best_err or err == 0.0:
            best, best_err = p, err
    return best


@dataclass(frozen=True)
class HWFit:
    """A fitted Excel-style Holt-Winters model."""

    m: int  # season length; 1 = no season (double exponential smoothing)
    alpha: float  # level
    beta: float  # trend (FORECAST.ETS.STAT's beta)
    gamma: float  # season (FORECAST.ETS.STAT's gamma)
    level: float
    trend: float
    season: tuple  # the last m seasonal indices s_{N-1-m} .. s_{N-1}, see forecast()
    fitted: np.ndarray  # one-step forecasts; fitted[0] = y_0
    y: np.ndarray

    def forecast(self, h: np.ndarray) -> np.ndarray:
        """Forecasts at fractional steps h >= 0 after the last point (h = 0: the last value); between whole
        steps k and k + 1 linear in the fraction (ignored below the resolution, 0.001 of a step)."""
        h = np.asarray(h, dtype=np.float64)
        k = np.floor(h + 1e-9)
        frac = np.where(h - k >= RESOLUTION, h - k, 0.0)
        f0 = self._whole(k)
        out = f0 + frac * (self._whole(k + 1) - f0)
        return np.where(h <= 1e-9, self.y[-1], out)

    def _whole(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=np.float64)
        base = self.level + k * self.trend
        if self.m <= 1:
            return base
        s = np.asarray(self.season)
        return base + s[(k.astype(np.int64) % self.m)]

    def half_width(self, h: np.ndarray, level: float) -> np.ndarray:
        """Half the width of the prediction interval at fractional steps h (FORECAST.ETS.CONFINT).

        The model in error-correction form has level, trend and season gains a, a c and g (1 - a)
        (c the trend constant, g the season's), so k whole steps ahead the variance is
        MSE (1 + sum_{j=1}^{k-1} (a (1 + j c) + g (1 - a) [j mod m = 0])^2) (Hyndman et al. 2008, class 1),
        and the half width z sqrt(variance), z the normal quantile of (1 + level) / 2; linear between steps.
        """
        h = np.asarray(h, dtype=np.float64)
        K = int(np.ceil(h.max() + 1)) + 1 if h.size else 2
        j = np.arange(1, K, dtype=np.float64)
        c = self.alpha * (1 + j * self.beta)
        if self.m > 1:
            c = c + self.gamma * (1 - self.alpha) * (j % self.m == 0)
        var = self.mse * np.r_[0.0, 1.0 + np.r_[0.0, np.cumsum(c * c)]]  # var[k], k = 0 .. K
        z = NormalDist().inv_cdf((1 + level) / 2)
        path = z * np.sqrt(var)
        k = np.floor(h + 1e-9).astype(np.int64)
        frac = np.where(h - k >= RESOLUTION, h - k, 0.0)
        return path[k] + frac * (path[np.minimum(k + 1, len(path) - 1)] - path[k])

    @property
    def mse(self) -> float:
        e = self.fitted[1:] - self.y[1:]
        return float((e * e).sum() / len(e))

    def statistics(self) -> dict[int, float]:
        """FORECAST.ETS.STAT 1..7 over the one-step forecasts of points 2..N (LibreOffice's formulas)."""
        y, f = self.y, self.fitted
        N = len(y)
        e = f[1:] - y[1:]
        n = N - 1
        mae = float(np.abs(e).sum() / n)
        mse = float((e * e).sum() / n)
        den = np.abs(f[1:]) + np.abs(y[1:])
        smape = float(2.0 * np.sum(np.where(den > 0, np.abs(e) / np.where(den > 0, den, 1.0), 0.0)) / n)
        scale = float(np.abs(np.diff(y[1:])).sum()) if N > 2 else 0.0
        mase = float(np.abs(e).sum() / (n * scale / (n - 1))) if scale > 0 and n > 1 else math.nan
        return {1: self.alpha, 2: self.beta, 3: self.gamma, 4: mase, 5: smape, 6: mae, 7: math.sqrt(mse)}


def initial_states(y, m: int) -> tuple[float, float, list]:
    """(level l_0, trend b_0, seasonal indices s_0 .. s_{m-1}) by the rules of the module doc (m >= 2)."""
    Y = [float(v) for v in y]
    N = len(Y)
    trend0 = sum(Y[i + m] - Y[i] for i in range(m)) / float(m * m)
    periods = N // m
    avg = []
    for k in range(periods):
        a = sum(Y[k * m:(k + 1) * m]) / m
        if a == 0.0:
            raise HWError("a whole season averages 0", "#DIV/0!")
        avg.append(a)
    first = []
    for j in range(m):
        acc = 0.0
        for k in range(periods):
            acc += Y[k * m + j] - (avg[k] + (j - 0.5 * (m - 1)) * trend0)
        first.append(acc / periods)
    if first[0] == 0.0:
        raise HWError("the first seasonal index is 0", "#DIV/0!")
    return Y[0] / first[0], trend0, first


def fit(y: np.ndarray, m: int) -> HWFit:
    """Fit the Excel-style model with season m (1 = none) to the regular series y."""
    y = np.asarray(y, dtype=np.float64)
    N = len(y)
    if N < 2:
        raise HWError("at least 2 points are needed")
    Y = [float(v) for v in y]
    if m <= 1:
        return _fit_eds(Y)
    if N < 2 * m:
        raise HWError(f"season {m} needs at least {2 * m} points (two full seasons); the timeline has {N}", "#NUM!")
    base0, trend0, first = initial_states(Y, m)
    P = list(first) + [0.0] * (N + 1 - m)  # P[m] is read before it is written, as 0
    state = {"a": 0.0, "b": 0.0, "g": 0.0, "mse": 0.0}
    carried = [P[: m + 1]]  # the indices a refill starts from (it updates those of the first season)

    def refill():
        carried[0] = P[: m + 1]
        a, s, g = state["a"], state["b"], state["g"]
        a1, s1, g1 = 1.0 - a, 1.0 - s, 1.0 - g
        lv, tr = base0, trend0
        sse = 0.0
        for i in range(1, min(m + 1, N)):  # the first season: each point reads (and updates) its slot's index
            pk = P[i]
            yi = Y[i]
            f = lv + tr
            nl = a * (yi - pk) + a1 * f
            P[i] = s * (yi - nl) + s1 * pk
            e = f + pk - yi
            tr = g * (nl - lv) + g1 * tr
            lv = nl
            sse += e * e
        for i in range(m + 1, N):  # then the index one season before
            pk = P[i - m]
            yi = Y[i]
            f = lv + tr
            nl = a * (yi - pk) + a1 * f
            P[i] = s * (yi - nl) + s1 * pk
            e = f + pk - yi
            tr = g * (nl - lv) + g1 * tr
            lv = nl
            sse += e * e
        state["mse"] = sse / (N - 1)

    _nested(state, ("a", "b", "g"), refill)
    # the last refill again from the indices it started from, recording its one-step forecasts and states
    a, s, g = state["a"], state["b"], state["g"]
    Q = carried[0] + [0.0] * (N - m)
    F = [Y[0]] * N
    lv, tr = base0, trend0
    for i in range(1, N):
        k = i - m if i > m else i
        pk = Q[k]
        nl = a * (Y[i] - pk) + (1 - a) * (lv + tr)
        Q[i] = s * (Y[i] - nl) + (1 - s) * pk
        F[i] = lv + tr + pk
        tr = g * (nl - lv) + (1 - g) * tr
        lv = nl
    season = tuple(Q[N - 1 - m + j] for j in range(m))
    return HWFit(m=m, alpha=a, beta=g, gamma=s, level=lv, trend=tr, season=season, fitted=np.array(F), y=y)


def _bisect(state: dict, name: str, evaluate) -> None:
    """LibreOffice's search of one constant on [0, 1]: ``evaluate()`` sets state["mse"] for state[name]."""
    state[name] = 0.0
    evaluate()
    e0 = state["mse"]
    state[name] = 1.0
    evaluate()
    e2 = state["mse"]
    f0, f1, f2 = 0.0, 0.5, 1.0
    state[name] = f1
    evaluate()
    if e0 == state["mse"] == e2:
        state[name] = 0.0
        evaluate()
        return
    while f2 - f1 > RESOLUTION:
        if e2 > e0:
            f2, e2 = f1, state["mse"]
            f1 = (f0 + f1) / 2
        else:
            f0, e0 = f1, state["mse"]
            f1 = (f1 + f2) / 2
        state[name] = f1
        evaluate()
    if e2 > e0:
        if e0 < state["mse"]:
            state[name] = f0
            evaluate()
    elif e2 < state["mse"]:
        state[name] = f2
        evaluate()


def _nested(state: dict, names: tuple, refill) -> None:
    """Nested searches, outermost first; every evaluation of an outer constant is the inner search then a refill."""
    if len(names) == 1:
        _bisect(state, names[0], refill)
        return

    def evaluate():
        _nested(state, names[1:], refill)
        refill()
    _bisect(state, names[0], evaluate)


def _fit_eds(Y: list) -> HWFit:
    """Without a season: Holt's double exponential smoothing, the level constant searched outside the trend's."""
    N = len(Y)
    base0 = Y[0]
    trend0 = (Y[-1] - Y[0]) / (N - 1)
    state = {"a": 0.0, "g": 0.0}

    def refill():
        a, g = state["a"], state["g"]
        lv, tr = base0, trend0
        sse = 0.0
        for i in range(1, N):
            f = lv + tr
            nl = a * Y[i] + (1 - a) * f
            tr = g * (nl - lv) + (1 - g) * tr
            lv = nl
            e = f - Y[i]
            sse += e * e
        state["mse"] = sse / (N - 1)

    _nested(state, ("a", "g"), refill)
    a, g = state["a"], state["g"]
    F = [Y[0]] * N
    lv, tr = base0, trend0
    for i in range(1, N):
        F[i] = lv + tr
        nl = a * Y[i] + (1 - a) * F[i]
        tr = g * (nl - lv) + (1 - g) * tr
        lv = nl
    return HWFit(m=1, alpha=a, beta=g, gamma=0.0, level=lv, trend=tr, season=(), fitted=np.array(F),
                 y=np.asarray(Y))
