"""Univariate forecasting in plain numpy, vectorised over many series at once.

Every method here runs where xlwings Lite runs (numpy only: no scipy, no threads, no compiled
code of ours). The rules are stated in docs/forecast.md ("Time-series methods"); in short:

* **Series layout** - a batch of S series is a (S, T) float array, *left-aligned*: series ``i``
  occupies columns ``0 .. n[i]-1``; the cells after its end are NaN. Values are finite (gaps are
  filled before a series reaches this module). ``m`` is the season length (12 for months, 4 for
  quarters, 1 for none); the *slot* of period ``t`` (0-based from the series' first period) is
  ``t mod m``.
* **Seasonality** - a series is seasonal (period ``m``) when it has at least two full seasons and
  either the autocorrelation at lag ``m`` of the series minus its least-squares line passes the 90%
  test of the M3/M4 benchmarks, or the best seasonal ETS model has a lower AICc than the best
  non-seasonal one (:func:`seasonal_decision`). A seasonal series is adjusted by classical
  decomposition (multiplicative when every value is above zero, additive otherwise) for Naive2, SES,
  Holt, Damped, Theta and DOTM, whose forecasts are then re-seasonalised.
* **Exponential smoothing (ETS)** - linear innovations state-space models with additive errors:
  trend none / additive / damped, seasonality none / additive, fitted on the values or, when
  every value is above zero, on their logarithms (a multiplicative model). Smoothing parameters
  are chosen on a fixed grid, the initial states by least squares for each grid point (exact for
  linear models); the forecast is the Akaike-weighted mean of the candidates (AICc on the scale of
  the data).
* **Theta** (the M3 winner, SES with drift), **DOTM** (dynamic optimised Theta, Fiorucci et
  al. 2016), benchmarks **Naive**, **SeasonalNaive**, **Naive2**, and **Combo**: the mean of ETS,
  Theta and DOTM.

Prediction intervals are Gaussian on the fitted scale (the log scale for log models), so a log
model's interval is asymmetric and never below zero; a combination's bounds are the means of its
members' bounds.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

#: Methods in the order they are reported.
METHODS = ("Combo", "ETS", "Theta", "DOTM", "SES", "Holt", "Damped", "Naive2", "SeasonalNaive", "Naive")
#: Longest season fitted with seasonal states inside ETS; longer seasons (365 days, 8760 hours) are handled
#: by classical decomposition, ETS then running on the seasonally adjusted series.
MAX_ETS_SEASON = 52

#: Members of the combination (mean of their point forecasts and of their bounds).
COMBO_MEMBERS = ("ETS", "Theta", "DOTM")

#: One-sided 90% normal quantile of the seasonality test (M3/M4 benchmarks).
SEASONAL_TEST_Z = 1.6448536269514722


# -- layout -------------------------------------------------------------------------------------

def left_align(series: Sequence[Sequence[float] | np.ndarray] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A list of 1-D series -> (S, T) left-aligned array (NaN after each end) and the lengths."""
    arrs = [np.asarray(s, dtype=np.float64).reshape(-1) for s in series]
    n = np.array([len(a) for a in arrs], dtype=np.int64)
    T = int(n.max()) if len(n) else 0
    Y = np.full((len(arrs), max(T, 1)), np.nan)
    if len(arrs):
        lens = n
        mask = np.arange(Y.shape[1])[None, :] < lens[:, None]
        Y[mask] = np.concatenate(arrs) if T else []
    return Y, n


def _obs(Y: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.arange(Y.shape[1])[None, :] < n[:, None]


# -- seasonality ---------------------------------------------------------------------------------

def acf(Y: np.ndarray, n: np.ndarray, maxlag: int) -> np.ndarray:
    """Sample autocorrelations r_1..r_maxlag of each series (the usual biased estimator).

    r_k = sum_t (y_t - ybar)(y_{t+k} - ybar) / sum_t (y_t - ybar)^2; 0 for a constant series.
    """
    obs = _obs(Y, n)
    mu = np.where(obs, np.nan_to_num(Y), 0.0).sum(1) / np.maximum(n, 1)
    x = np.where(obs, np.nan_to_num(Y) - mu[:, None], 0.0)
    den = (x * x).sum(1)
    out = np.zeros((Y.shape[0], maxlag))
    T = Y.shape[1]
    for k in range(1, min(maxlag, T - 1) + 1):
        out[:, k - 1] = (x[:, :-k] * x[:, k:]).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den[:, None] > 0, out / np.where(den > 0, den, 1.0)[:, None], 0.0)
    return out


def seasonal_test(Y: np.ndarray, n: np.ndarray, m: int) -> np.ndarray:
    """The M3/M4 benchmarks' test (on the raw series): n >= 3m and |r_m| > 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n).

    Used to reproduce the competition's benchmarks (Naive2, SES, Theta) in bench/bench_forecast.py; the
    methods of the workbook decide with :func:`seasonal_decision`.
    """
    S = Y.shape[0]
    if m <= 1:
        return np.zeros(S, dtype=bool)
    r = acf(Y, n, m)
    lim = SEASONAL_TEST_Z * np.sqrt((1 + 2 * (r[:, : m - 1] ** 2).sum(1)) / np.maximum(n, 1))
    return (n >= 3 * m) & (np.abs(r[:, m - 1]) > lim)


def centred_moving_average(Y: np.ndarray, m: int) -> np.ndarray:
    """The 2xm moving average (m even) or m moving average (m odd) centred on each period; NaN near the ends."""
    S, T = Y.shape
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    k = len(w)
    out = np.full_like(Y, np.nan)
    if T < k:
        return out
    acc = np.zeros((S, T - k + 1))
    for j in range(k):
        acc = acc + w[j] * Y[:, j:T - k + 1 + j]  # NaN anywhere in the window -> NaN
    out[:, k // 2:T - k // 2] = acc
    return out


@dataclass
class Seasonality:
    """Seasonal adjustment of a batch: per series 'mult', 'add' or 'none' and the indices by slot."""

    m: int
    kind: np.ndarray  # (S,) object: "mult" | "add" | "none"
    index: np.ndarray  # (S, m): multiplicative factors (1 = none) or additive offsets (0 = none)

    def adjust(self, Y: np.ndarray) -> np.ndarray:
        T = Y.shape[1]
        idx = self.index[:, np.arange(T) % self.m]
        mult = (self.kind == "mult")[:, None]
        return np.where(mult, Y / np.where(mult, idx, 1.0), Y - np.where(mult, 0.0, idx))

    def future(self, n: np.ndarray, H: int) -> np.ndarray:
        """Indices of the H periods after each series' end, (S, H)."""
        slots = (n[:, None] + np.arange(H)[None, :]) % self.m
        return np.take_along_axis(self.index, slots, 1)

    def reseason(self, F: np.ndarray, n: np.ndarray) -> np.ndarray:
        idx = self.future(n, F.shape[1])
        mult = (self.kind == "mult")[:, None]
        return np.where(mult, F * idx, F + np.where(mult, 0.0, idx))

    def reseason_fitted(self, F: np.ndarray) -> np.ndarray:
        T = F.shape[1]
        idx = self.index[:, np.arange(T) % self.m]
        mult = (self.kind == "mult")[:, None]
        return np.where(mult, F * idx, F + np.where(mult, 0.0, idx))

    def scale_sd(self, sd: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Standard deviations on the adjusted scale -> on the data scale (multiplied by the factor)."""
        idx = self.future(n, sd.shape[1])
        mult = (self.kind == "mult")[:, None]
        return np.where(mult, sd * idx, sd)


def seasonality(Y: np.ndarray, n: np.ndarray, m: int, seasonal: np.ndarray | None = None) -> Seasonality:
    """Classical decomposition of the series that are seasonal (by :func:`seasonal_test` unless given).

    Indices: the mean, per slot, of y / CMA (multiplicative, when every value is above zero) or
    y - CMA (additive), normalised to average 1 (or 0) over the m slots. A multiplicative index
    at or below 0.01 (a slot with almost nothing in it) makes the series additive instead.
    """
    S = Y.shape[0]
    if m <= 1:
        return Seasonality(m=1, kind=np.full(S, "none", dtype=object), index=np.zeros((S, 1)))
    if seasonal is None:
        seasonal = seasonal_test(Y, n, m)
    obs = _obs(Y, n)
    positive = np.where(obs, np.nan_to_num(Y, nan=1.0), 1.0).min(1) > 0
    tr = centred_moving_average(Y, m)
    pos = np.arange(Y.shape[1]) % m

    def slot_means(D: np.ndarray) -> np.ndarray:
        idx = np.full((D.shape[0], m), np.nan)
        for p in range(m):  # m slots (a dozen), not series
            col = D[:, pos == p]
            ok = np.isfinite(col)
            cnt = ok.sum(1)
            idx[:, p] = np.where(cnt > 0, np.where(ok, col, 0.0).sum(1) / np.maximum(cnt, 1), np.nan)
        return idx

    with np.errstate(invalid="ignore", divide="ignore"):
        mult_idx = slot_means(Y / tr)
        add_idx = slot_means(Y - tr)
        mult_idx = mult_idx / mult_idx.mean(1, keepdims=True)
        add_idx = add_idx - add_idx.mean(1, keepdims=True)
    mult = seasonal & positive & np.isfinite(mult_idx).all(1) & (np.nan_to_num(mult_idx) > 0.01).all(1)
    add = seasonal & ~mult & np.isfinite(add_idx).all(1)
    kind = np.where(mult, "mult", np.where(add, "add", "none")).astype(object)
    index = np.where(mult[:, None], np.nan_to_num(mult_idx), np.where(add[:, None], np.nan_to_num(add_idx), 0.0))
    return Seasonality(m=m, kind=kind, index=index)


# -- linear exponential smoothing ------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    """A linear ETS model: additive error, trend N/A/Ad, seasonality N/A."""

    trend: str  # "N", "A", "Ad"
    seasonal: bool

    @property
    def name(self) -> str:
        return f"ETS(A,{self.trend},{'A' if self.seasonal else 'N'})"

    def k(self, m: int) -> int:
        """Free initial states: level, trend, m-1 seasonal (they sum to zero)."""
        return 1 + (self.trend != "N") + ((m - 1) if self.seasonal else 0)

    def ns(self, m: int) -> int:
        return 1 + (self.trend != "N") + (m if self.seasonal else 0)

    def n_smoothing(self) -> int:
        return 1 + (self.trend != "N") + (self.trend == "Ad") + self.seasonal


SPECS = (Spec("N", False), Spec("A", False), Spec("Ad", False), Spec("N", True), Spec("A", True), Spec("Ad", True))

_ALPHA_FINE = np.array([0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55,
                        0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99])
_ALPHA = np.array([0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 0.9, 0.99])
_ALPHA_S = np.array([0.03, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9])
_BETA_FRAC = np.array([0.02, 0.05, 0.1, 0.2, 0.4, 0.7])
_BETA_FRAC_S = np.array([0.02, 0.1, 0.3])
_PHI = np.array([0.8, 0.85, 0.9, 0.95, 0.98])
_PHI_S = np.array([0.85, 0.92, 0.98])
_GAMMA_FRAC = np.array([0.0, 0.05, 0.15, 0.3])


def param_grid(spec: Spec) -> dict[str, np.ndarray]:
    """The grid of smoothing parameters searched for a model (beta <= alpha, gamma <= 1 - alpha)."""
    if not spec.seasonal:
        if spec.trend == "N":
            a = _ALPHA_FINE
            return {"alpha": a, "beta": np.zeros_like(a), "gamma": np.zeros_like(a), "phi": np.ones_like(a)}
        phis = _PHI if spec.trend == "Ad" else np.array([1.0])
        A, B, P = np.meshgrid(_ALPHA, _BETA_FRAC, phis, indexing="ij")
        A, B, P = A.ravel(), B.ravel(), P.ravel()
        return {"alpha": A, "beta": A * B, "gamma": np.zeros_like(A), "phi": P}
    betas = _BETA_FRAC_S if spec.trend != "N" else np.array([0.0])
    phis = _PHI_S if spec.trend == "Ad" else np.array([1.0])
    A, B, G, P = np.meshgrid(_ALPHA_S, betas, _GAMMA_FRAC, phis, indexing="ij")
    A, B, G, P = A.ravel(), B.ravel(), G.ravel(), P.ravel()
    return {"alpha": A, "beta": A * B, "gamma": G * (1 - A), "phi": P}


def _basis(spec: Spec, m: int, P: int) -> np.ndarray:
    """Initial-state basis (k, ns): free initial states -> full state (seasonal states sum to zero)."""
    k, ns = spec.k(m), spec.ns(m)
    Z = np.zeros((k, ns))
    Z[0, 0] = 1.0
    off = 1
    if spec.trend != "N":
        Z[1, 1] = 1.0
        off = 2
    if spec.seasonal:
        for j in range(m - 1):
            Z[off + j, off + j] = 1.0
            Z[off + j, off + m - 1] = -1.0
    return Z


def _step(state: list, t: int, spec: Spec, m: int, a, b, g, ph, y=None, o=None):
    """One step of the recursion on a list of state arrays; returns (prediction, error). In place."""
    l = state[0]  # noqa: E741  (the level, as the ETS literature writes it)
    off = 1
    bt = None
    if spec.trend != "N":
        bt = state[1]
        off = 2
    base = l + ph * bt if bt is not None else l
    if spec.seasonal:
        j = off + (t % m)
        f = base + state[j]
    else:
        f = base
    if y is None:
        e = -f
    else:
        e = y - f
        if o is not None:
            e = np.where(o, e, 0.0)
    state[0] = base + a * e
    if bt is not None:
        state[1] = ph * bt + b * e
    if spec.seasonal:
        state[j] = state[j] + g * e
    return f, e


def _unit_responses(spec: Spec, m: int, T: int, grid: dict[str, np.ndarray]) -> np.ndarray:
    """One-step predictions (T, P, k) of the model started from each initial-state basis vector with y = 0."""
    P = len(grid["alpha"])
    k, ns = spec.k(m), spec.ns(m)
    Z = _basis(spec, m, P)
    a, b, g, ph = (grid[x][:, None] for x in ("alpha", "beta", "gamma", "phi"))
    state = [np.broadcast_to(Z[:, s], (P, k)).copy() for s in range(ns)]
    preds = np.empty((T, P, k))
    for t in range(T):
        f, _ = _step(state, t, spec, m, a, b, g, ph)
        preds[t] = f
    return preds


def _sse_grid(Z: np.ndarray, n: np.ndarray, spec: Spec, m: int, grid: dict[str, np.ndarray],
              chunk: int = 192) -> tuple[np.ndarray, np.ndarray]:
    """SSE (S, P) of one-step errors at each grid point with least-squares initial states, and those states (S, P, k)."""
    S, T = Z.shape
    P = len(grid["alpha"])
    k = spec.k(m)
    cU = _unit_responses(spec, m, T, grid)
    # normal matrices of the unit responses over each series' periods: C_n = sum_{t<n} c_t c_t'
    lengths, where = np.unique(n, return_inverse=True)
    if T * P * k * k <= 4e7:
        C_all = np.cumsum(cU[:, :, :, None] * cU[:, :, None, :], axis=0)[lengths - 1]
    else:  # long seasons: one product per distinct length
        C_all = np.stack([np.einsum("tpk,tpl->pkl", cU[:L], cU[:L]) for L in lengths])
    a, b, g, ph = (grid[x][None, :] for x in ("alpha", "beta", "gamma", "phi"))
    sse = np.empty((S, P))
    x0 = np.empty((S, P, k))
    obs_all = _obs(Z, n)
    y_all = np.nan_to_num(Z)
    ridge = 1e-9 * np.eye(k)
    for s0 in range(0, S, chunk):
        sl = slice(s0, min(S, s0 + chunk))
        y, obs, nn = y_all[sl], obs_all[sl], n[sl]
        Sc = y.shape[0]
        Tc = int(nn.max())
        state = [np.zeros((Sc, P)) for _ in range(spec.ns(m))]
        E = np.empty((Tc, Sc, P))
        for t in range(Tc):
            _, e = _step(state, t, spec, m, a, b, g, ph, y[:, t:t + 1], obs[:, t:t + 1])
            E[t] = e
        A = np.einsum("tsp,tsp->sp", E, E)
        # B[s, p, :] = sum_t E[t, s, p] * cU[t, p, :]
        B = np.matmul(E.transpose(2, 1, 0), cU[:Tc].transpose(1, 0, 2)).transpose(1, 0, 2)
        Cn = C_all[where[sl]]  # (Sc, P, k, k)
        scale = np.maximum(np.abs(np.diagonal(Cn, axis1=2, axis2=3)).max(-1), 1.0)[..., None, None]
        x = np.linalg.solve(Cn + ridge * scale, B[..., None])[..., 0]
        sse[sl] = A - np.einsum("spk,spk->sp", x, B)
        x0[sl] = x
    return np.maximum(sse, 0.0), x0


@dataclass
class LinearFit:
    """The selected parameters of one linear model for each series of a batch."""

    spec: Spec
    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    phi: np.ndarray
    x0: np.ndarray  # (S, k)
    sse: np.ndarray
    aicc: np.ndarray  # on the scale of the fitted values (add the log Jacobian for log models)
    n_params: int


def fit_linear(Z: np.ndarray, n: np.ndarray, spec: Spec, m: int) -> LinearFit:
    """Grid search of the smoothing parameters, least-squares initial states, AICc."""
    grid = param_grid(spec)
    sse, x0 = _sse_grid(Z, n, spec, m, grid)
    best = np.argmin(sse, axis=1)
    r = np.arange(len(n))
    s = sse[r, best]
    p = spec.n_smoothing() + spec.k(m) + 1  # + sigma
    nn = n.astype(np.float64)
    scale = np.where(_obs(Z, n), np.abs(np.nan_to_num(Z)), 0.0).sum(1) / np.maximum(nn, 1)
    floor = nn * (1e-9 * (1.0 + scale)) ** 2
    s_eff = np.maximum(s, floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        aicc = nn * np.log(s_eff / np.maximum(nn, 1)) + 2 * p + 2 * p * (p + 1) / (nn - p - 1)
    aicc = np.where(nn - p - 1 > 0, aicc, np.inf)
    return LinearFit(spec=spec, alpha=grid["alpha"][best], beta=grid["beta"][best], gamma=grid["gamma"][best],
                     phi=grid["phi"][best], x0=x0[r, best], sse=s, aicc=aicc, n_params=p - 1)


def run_linear(Z: np.ndarray, n: np.ndarray, fit: LinearFit, m: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """One-step fitted values (S, T) and the state after each series' last period (list of (S,) arrays)."""
    S, T = Z.shape
    spec = fit.spec
    Zb = _basis(spec, m, 1)
    full0 = fit.x0 @ Zb  # (S, ns)
    state = [full0[:, j].copy() for j in range(spec.ns(m))]
    fitted = np.full((S, T), np.nan)
    final = [np.zeros(S) for _ in state]
    obs = _obs(Z, n)
    y = np.nan_to_num(Z)
    ends = n - 1
    for t in range(T):
        f, _ = _step(state, t, spec, m, fit.alpha, fit.beta, fit.gamma, fit.phi, y[:, t], obs[:, t])
        fitted[:, t] = np.where(obs[:, t], f, np.nan)
        done = ends == t
        if done.any():
            for j in range(len(state)):
                final[j][done] = state[j][done]
    return fitted, final


def forecast_linear(final: list[np.ndarray], n: np.ndarray, fit: LinearFit, m: int, H: int) -> np.ndarray:
    """Point forecasts (S, H) from the final states."""
    spec = fit.spec
    h = np.arange(1, H + 1)[None, :]
    F = np.repeat(final[0][:, None], H, 1)
    off = 1
    if spec.trend != "N":
        ph = fit.phi[:, None]
        damp = np.where(ph == 1.0, h, np.cumsum(ph ** h, axis=1))
        F = F + damp * final[1][:, None]
        off = 2
    if spec.seasonal:
        seas = np.stack(final[off:], 1)  # (S, m) by slot
        slots = (n[:, None] + h - 1) % m
        F = F + np.take_along_axis(seas, slots, 1)
    return F


def variance_multipliers(fit: LinearFit, m: int, H: int) -> np.ndarray:
    """v_h = 1 + sum_{j=1}^{h-1} c_j^2 (S, H), c_j the response j steps after a unit innovation."""
    spec = fit.spec
    S = len(fit.alpha)
    ns = spec.ns(m)
    # state after a unit innovation at step 0 from a zero state: x = g
    state = [np.zeros(S) for _ in range(ns)]
    state[0] = fit.alpha.copy()
    off = 1
    if spec.trend != "N":
        state[1] = fit.beta.copy()
        off = 2
    if spec.seasonal:
        state[off] = fit.gamma.copy()  # the slot of step 0
    c = np.zeros((S, H))
    for j in range(1, H):
        f, _ = _step(state, j, spec, m, 0.0, 0.0, 0.0, fit.phi)  # gains 0: the state only propagates
        c[:, j] = f
    v = 1.0 + np.cumsum(c ** 2, axis=1)
    v[:, 0] = 1.0
    return v


# -- results ----------------------------------------------------------------------------------------

def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2.0)


@dataclass
class MethodResult:
    """One method's forecasts for a batch: point forecasts, bounds per level, in-sample fits."""

    method: str
    mean: np.ndarray  # (S, H)
    lower: dict[float, np.ndarray]  # level -> (S, H)
    upper: dict[float, np.ndarray]
    fitted: np.ndarray  # (S, T) one-step in-sample fits on the data scale (NaN where none)
    model: np.ndarray  # (S,) object: a description such as "ETS(A,Ad,A) on log"
    params: dict[str, np.ndarray] = field(default_factory=dict)


def _bounds(centre: np.ndarray, sd: np.ndarray, levels: Sequence[float], log: np.ndarray | None = None
            ) -> tuple[dict[float, np.ndarray], dict[float, np.ndarray]]:
    """Gaussian bounds centre -+ z sd; for log rows the centre and sd are on the log scale and exp() is taken."""
    lo, hi = {}, {}
    for lv in levels:
        z = _z(lv)
        a, b = centre - z * sd, centre + z * sd
        if log is not None and log.any():
            with np.errstate(over="ignore"):
                a = np.where(log[:, None], np.exp(np.minimum(a, 700.0)), a)
                b = np.where(log[:, None], np.exp(np.minimum(b, 700.0)), b)
        lo[lv], hi[lv] = a, b
    return lo, hi


@dataclass
class ForecastResult:
    """Forecasts of every requested method for a batch of series."""

    n: np.ndarray
    h: int
    m: int
    seasonal: np.ndarray  # (S,) "mult" | "add" | "none": the adjustment of the decomposition methods
    methods: dict[str, MethodResult]
    levels: tuple[float, ...]


# -- the methods --------------------------------------------------------------------------------

def _sigma2(resid_sq_sum: np.ndarray, n_eff: np.ndarray, n_params: int | np.ndarray) -> np.ndarray:
    """Residual variance: sum of squared one-step errors / (n - number of estimated parameters), at least / 1."""
    dof = np.maximum(n_eff - n_params, 1)
    return resid_sq_sum / dof


def _naive_sd(A: np.ndarray, n: np.ndarray, H: int, lag: int = 1) -> np.ndarray:
    """sd of a random walk (lag 1) or seasonal random walk (lag m) forecast from the in-sample lag differences."""
    S, T = A.shape
    if T <= lag:
        return np.full((S, H), np.nan)
    d = A[:, lag:] - A[:, :-lag]
    ok = np.isfinite(d)
    cnt = ok.sum(1)
    s2 = (np.where(ok, d, 0.0) ** 2).sum(1) / np.maximum(cnt, 1)
    s2 = np.where(cnt > 0, s2, np.nan)
    h = np.arange(1, H + 1)[None, :]
    steps = h if lag == 1 else (h - 1) // lag + 1
    return np.sqrt(s2[:, None] * steps)


@dataclass
class _Candidate:
    rows: np.ndarray  # series indices it was fitted to
    seasonal: bool
    aicc: np.ndarray  # on the data scale
    mean: np.ndarray | None  # None in a candidate made with aicc_only (no forecasts)
    lower: dict
    upper: dict
    fitted: np.ndarray | None  # as mean
    name: str
    params: dict


def _ets_candidates(Y: np.ndarray, n: np.ndarray, m: int, H: int, levels: Sequence[float], *,
                    allow_log: bool = True, specs: Sequence[Spec] = SPECS, aicc_only: bool = False
                    ) -> list[_Candidate]:
    """Every linear ETS candidate fitted where the series is long enough: each model on the values and,
    for series whose values are all above zero, on their logarithms. Seasonal models need n >= 2m.
    ``aicc_only``: only what :func:`seasonal_decision` needs (no forecasts)."""
    S, T = Y.shape
    obs = _obs(Y, n)
    positive = np.where(obs, np.nan_to_num(Y, nan=1.0), 1.0).min(1) > 0
    forms = [(False, Y)]
    if allow_log and positive.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            forms.append((True, np.where(obs & positive[:, None], np.log(np.where(obs, Y, 1.0)), np.nan)))
    out = []
    for spec in specs:
        if spec.seasonal and m <= 1:
            continue
        cand = n >= spec.k(m) + spec.n_smoothing() + 3
        if spec.seasonal:
            cand &= n >= 2 * m
        for is_log, Z in forms:
            rows = cand & positive if is_log else cand
            if not rows.any():
                continue
            idx = np.flatnonzero(rows)
            Zs, ns_ = Z[idx], n[idx]
            fit = fit_linear(Zs, ns_, spec, m)
            aicc = fit.aicc.copy()
            if is_log:  # likelihood of y = exp(z): add 2 * sum(log y)
                aicc = aicc + 2 * np.where(_obs(Zs, ns_), Zs, 0.0).sum(1)
            if aicc_only:
                out.append(_Candidate(rows=idx, seasonal=spec.seasonal, aicc=aicc, mean=None, lower={}, upper={},
                                      fitted=None, name=spec.name, params={}))
                continue
            fv, final = run_linear(Zs, ns_, fit, m)
            F = forecast_linear(final, ns_, fit, m, H)
            resid = np.where(_obs(Zs, ns_), Zs - fv, 0.0)
            s2 = _sigma2((resid ** 2).sum(1), ns_, fit.n_params)
            sd = np.sqrt(s2[:, None] * variance_multipliers(fit, m, H))
            lo, hi = _bounds(F, sd, levels, np.full(len(idx), is_log))
            out.append(_Candidate(
                rows=idx, seasonal=spec.seasonal, aicc=aicc, mean=np.exp(F) if is_log else F, lower=lo, upper=hi,
                fitted=np.exp(fv) if is_log else fv, name=spec.name + (" on log" if is_log else ""),
                params={"alpha": fit.alpha, "beta": fit.beta if spec.trend != "N" else np.full(len(idx), np.nan),
                        "gamma": fit.gamma if spec.seasonal else np.full(len(idx), np.nan),
                        "phi": fit.phi if spec.trend == "Ad" else np.full(len(idx), np.nan)}))
    return out


def _aicc_matrix(cands: list[_Candidate], S: int) -> np.ndarray:
    aic = np.full((len(cands), S), np.inf)
    for c, cd in enumerate(cands):
        aic[c, cd.rows] = cd.aicc
    return aic


def _ets_combine(cands: list[_Candidate], Y: np.ndarray, n: np.ndarray, H: int, levels: Sequence[float],
                 seasonal: np.ndarray | None, *, average: bool = True, name: str = "ETS") -> MethodResult:
    """The ETS forecast from the candidates whose seasonality matches ``seasonal`` (per series).

    ``seasonal`` None: every candidate. ``average``: Akaike-weighted mean of those candidates (weights exp(-dAICc/2), Kolassa 2011) and of
    their bounds; otherwise the lowest-AICc one alone. No candidate of the matching kind: the other
    kind; none at all (too short): the naive forecast.
    """
    S, T = Y.shape
    obs = _obs(Y, n)
    r = np.arange(S)
    C = len(cands)
    aic = _aicc_matrix(cands, S)
    if C and seasonal is not None:
        kind = np.array([cd.seasonal for cd in cands])[:, None]
        match = kind == seasonal[None, :]
        has_match = np.asarray(np.isfinite(np.where(match, aic, np.inf)).any(0))  # (S,): any(0) of a 2-D array
        aic = np.where(match | ~has_match[None, :], aic, np.inf)
    has = np.isfinite(aic).any(0) if C else np.zeros(S, bool)
    best = np.argmin(aic, axis=0) if C else np.zeros(S, dtype=np.int64)
    if average and C:
        with np.errstate(invalid="ignore", over="ignore"):
            w = np.exp(-0.5 * (aic - np.where(has, aic.min(0), 0.0)))
        w = np.where(np.isfinite(aic), w, 0.0)
        w = w / np.where(has, w.sum(0), 1.0)
    else:
        w = np.zeros((C, S))
        if C:
            w[best, r] = 1.0
            w[:, ~has] = 0.0
    mean_nv = np.repeat(Y[r, np.maximum(n - 1, 0)][:, None], H, 1)
    lo_nv, hi_nv = _bounds(mean_nv, _naive_sd(Y, n, H, 1), levels)
    fitted_nv = np.where(obs, np.concatenate([np.full((S, 1), np.nan), Y[:, :-1]], 1), np.nan)
    mean = np.where(has[:, None], 0.0, mean_nv)
    fitted = np.where(has[:, None], 0.0, fitted_nv)
    lower = {lv: np.where(has[:, None], 0.0, lo_nv[lv]) for lv in levels}
    upper = {lv: np.where(has[:, None], 0.0, hi_nv[lv]) for lv in levels}
    model = np.full(S, "Naive (too short for ETS)", dtype=object)
    params = {k: np.full(S, np.nan) for k in ("alpha", "beta", "gamma", "phi")}
    for c, cd in enumerate(cands):
        idx = cd.rows
        wc = w[c, idx]
        use = wc > 0
        if not use.any():
            continue
        ii, wu = idx[use], wc[use][:, None]
        # (forecast() asks for aicc_only candidates only when it does not combine them)
        assert cd.mean is not None and cd.fitted is not None, "an aicc_only candidate cannot be combined"
        mean[ii] += wu * cd.mean[use]
        fitted[ii] += wu * np.nan_to_num(cd.fitted[use])
        for lv in levels:
            lower[lv][ii] += wu * cd.lower[lv][use]
            upper[lv][ii] += wu * cd.upper[lv][use]
        top = best[idx] == c
        rows = idx[top]
        model[rows] = [f"{cd.name} (weight {x:.0%})" for x in w[c, rows]] if average else cd.name
        for k in params:
            params[k][rows] = cd.params[k][top]
    params["weight"] = np.where(has, w[best, r], np.nan) if C else np.full(S, np.nan)
    return MethodResult(name, mean, lower, upper, np.where(obs, fitted, np.nan), model, params)


def seasonal_decision(Y: np.ndarray, n: np.ndarray, m: int, cands: list[_Candidate]) -> np.ndarray:
    """Is each series seasonal with period m? Needs n >= 2m, and either the autocorrelation at lag m of
    the series minus its least-squares line is a peak (r_m > r_{m-1}, r_m >= r_{m+1}) passing the 90% test
    r_m > 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n), or the best seasonal ETS candidate has a lower AICc than
    the best non-seasonal one."""
    S, T = Y.shape
    if m <= 1:
        return np.zeros(S, bool)
    obs = _obs(Y, n)
    t = np.arange(T, dtype=np.float64)[None, :]
    nn = np.maximum(n, 1).astype(np.float64)
    tm = np.where(obs, t, 0.0).sum(1) / nn
    y = np.where(obs, np.nan_to_num(Y), 0.0)
    ym = y.sum(1) / nn
    sxx = np.where(obs, (t - tm[:, None]) ** 2, 0.0).sum(1)
    b = np.where(sxx > 0, np.where(obs, (t - tm[:, None]) * (y - ym[:, None]), 0.0).sum(1) / np.where(sxx > 0, sxx, 1), 0)
    X = np.where(obs, y - (ym[:, None] + b[:, None] * (t - tm[:, None])), np.nan)
    r = acf(X, n, m + 1)
    bound = SEASONAL_TEST_Z * np.sqrt((1 + 2 * (r[:, : m - 1] ** 2).sum(1)) / nn)
    peak = (r[:, m - 1] > r[:, m - 2]) & (r[:, m - 1] >= r[:, m])
    by_acf = (r[:, m - 1] > bound) & peak
    aic = _aicc_matrix(cands, S)
    kind = np.array([cd.seasonal for cd in cands], dtype=bool)
    best_s = aic[kind].min(0) if kind.any() else np.full(S, np.inf)
    best_n = aic[~kind].min(0) if (~kind).any() else np.full(S, np.inf)
    by_aicc = best_s < best_n
    return (n >= 2 * m) & (by_acf | by_aicc)


def _ses_drift_sd(resid_ss: np.ndarray, n: np.ndarray, alpha: np.ndarray, H: int, n_params: int) -> np.ndarray:
    """sd of SES with drift h steps ahead: sigma sqrt(1 + (h-1) alpha^2)."""
    s2 = _sigma2(resid_ss, n, n_params)
    h = np.arange(1, H + 1)[None, :]
    return np.sqrt(s2[:, None] * (1 + (h - 1) * alpha[:, None] ** 2))


def _theta(A: np.ndarray, n: np.ndarray, H: int):
    """Standard Theta (Hyndman & Billah 2003) on adjusted data: SES plus half the slope of the linear trend.

    F_{n+h} = l_n + (b/2) (h - 1 + 1/alpha - (1-alpha)^n / alpha), b the least-squares slope of the
    series on time, l_n and alpha those of SES. Returns mean (S,H), sd (S,H), fitted (S,T), alpha.
    """
    S, T = A.shape
    obs = _obs(A, n)
    fit = fit_linear(A, n, Spec("N", False), 1)
    fv, final = run_linear(A, n, fit, 1)
    t = np.arange(T, dtype=np.float64)[None, :]
    nn = np.maximum(n, 1).astype(np.float64)
    tm = np.where(obs, t, 0.0).sum(1) / nn
    ym = np.where(obs, np.nan_to_num(A), 0.0).sum(1) / nn
    sxx = np.where(obs, (t - tm[:, None]) ** 2, 0.0).sum(1)
    sxy = np.where(obs, (t - tm[:, None]) * (np.nan_to_num(A) - ym[:, None]), 0.0).sum(1)
    b = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    a = fit.alpha[:, None]
    h = np.arange(1, H + 1)[None, :]
    F = final[0][:, None] + 0.5 * b[:, None] * (h - 1 + 1 / a - ((1 - a) ** nn[:, None]) / a)
    # in-sample one step ahead from origin t (t periods seen): SES fit + (b/2)(1/alpha - (1-alpha)^t/alpha)
    fitted = np.where(obs, fv + 0.5 * b[:, None] * (1 / a - ((1 - a) ** t) / a), np.nan)
    resid = np.where(obs, np.nan_to_num(A) - np.nan_to_num(fitted), 0.0)
    sd = _ses_drift_sd((resid ** 2).sum(1), n, fit.alpha, H, 3)
    return F, sd, fitted, fit.alpha, b


_DOTM_ALPHA = np.round(np.arange(0.1, 0.995, 0.01), 2)


def _dotm(A: np.ndarray, n: np.ndarray, H: int):
    """Dynamic optimised Theta (Fiorucci et al. 2016) on adjusted data.

    mu_t = l_{t-1} + (1 - 1/theta) [(1-alpha)^{t-1} A_{t-1} + (1 - (1-alpha)^t)/alpha B_{t-1}], with
    l_t = alpha y_t + (1-alpha) l_{t-1} and A_t, B_t the least-squares intercept and slope of y_1..y_t
    (A_0 = y_1, B_0 = 0). For each alpha of the grid 0.10, 0.11 ... 0.99, l_0 and c = 1 - 1/theta
    (0 <= c <= 0.99, i.e. 1 <= theta <= 100) are the least-squares solution; the alpha with the smallest
    SSE wins. Returns mean, sd, fitted, alpha, theta.
    """
    S, T = A.shape
    obs = _obs(A, n)
    y = np.where(obs, np.nan_to_num(A), 0.0)
    tt = np.cumsum(obs, 1).astype(np.float64)
    cy = np.cumsum(y, 1)
    cty = np.cumsum(y * tt, 1)
    with np.errstate(all="ignore"):
        ybar = cy / tt
        Bt = (cty - tt * (tt + 1) / 2 * ybar) / (tt * (tt ** 2 - 1) / 12)
        Bt = np.where(tt > 1, Bt, 0.0)
        At = np.where(tt > 0, ybar - Bt * (tt + 1) / 2, 0.0)
    Ap = np.concatenate([y[:, :1], At[:, :-1]], 1)  # A_{t-1}; A_0 = y_1
    Bp = np.concatenate([np.zeros((S, 1)), Bt[:, :-1]], 1)
    al = _DOTM_ALPHA[None, :]
    P = al.shape[1]
    lvl = np.zeros((S, P))
    acc = {k: np.zeros((S, P)) for k in ("rr", "ru", "rk", "uu", "uk", "kk")}
    Tn = int(n.max()) if len(n) else 0
    for t in range(Tn):
        o = obs[:, t:t + 1]
        d = (1 - al) ** t
        K = d * Ap[:, t:t + 1] + (1 - d * (1 - al)) / al * Bp[:, t:t + 1]
        rr = y[:, t:t + 1] - lvl
        u = np.broadcast_to(d, (S, P))
        acc["rr"] += o * rr * rr
        acc["ru"] += o * rr * u
        acc["rk"] += o * rr * K
        acc["uu"] += o * u * u
        acc["uk"] += o * u * K
        acc["kk"] += o * K * K
        lvl = np.where(o, al * y[:, t:t + 1] + (1 - al) * lvl, lvl)
    det = acc["uu"] * acc["kk"] - acc["uk"] ** 2
    ok = np.abs(det) > 1e-10 * np.maximum(acc["uu"] * acc["kk"], 1e-300)
    safe = np.where(ok, det, 1.0)
    l0 = np.where(ok, (acc["kk"] * acc["ru"] - acc["uk"] * acc["rk"]) / safe, 0.0)
    c = np.where(ok, (acc["uu"] * acc["rk"] - acc["uk"] * acc["ru"]) / safe, 0.0)
    cmax = 0.99
    bad = ~ok | (c < 0) | (c > cmax)
    c = np.clip(c, 0.0, cmax)
    l0 = np.where(bad, (acc["ru"] - c * acc["uk"]) / np.maximum(acc["uu"], 1e-300), l0)
    sse = (acc["rr"] - 2 * l0 * acc["ru"] - 2 * c * acc["rk"] + l0 ** 2 * acc["uu"] + 2 * l0 * c * acc["uk"]
           + c ** 2 * acc["kk"])
    k = np.argmin(np.round(sse, 9), 1)
    r = np.arange(S)
    a = _DOTM_ALPHA[k]
    cc = c[r, k]
    lev = l0[r, k].copy()
    fitted = np.full((S, T), np.nan)
    for t in range(Tn):
        o = obs[:, t]
        d = (1 - a) ** t
        K = d * Ap[:, t] + (1 - d * (1 - a)) / a * Bp[:, t]
        fitted[:, t] = np.where(o, lev + cc * K, np.nan)
        lev = np.where(o, a * y[:, t] + (1 - a) * lev, lev)
    last = np.maximum(n - 1, 0)
    An, Bn = At[r, last], Bt[r, last]
    nn = n.astype(np.float64)
    h = np.arange(1, H + 1)[None, :]
    F = lev[:, None] + cc[:, None] * (((1 - a) ** nn)[:, None] * An[:, None]
                                      + ((h - 1) + (1 - (1 - a[:, None]) ** (nn[:, None] + 1)) / a[:, None])
                                      * Bn[:, None])
    resid = np.where(obs, y - np.nan_to_num(fitted), 0.0)
    sd = _ses_drift_sd((resid ** 2).sum(1), n, a, H, 3)
    return F, sd, fitted, a, 1.0 / (1.0 - cc)


def _combine(members: list[MethodResult], levels: Sequence[float], name: str = "Combo") -> MethodResult:
    """Mean of the members' point forecasts, fits and bounds."""
    mean = np.mean([mr.mean for mr in members], axis=0)
    fitted = np.mean([mr.fitted for mr in members], axis=0)
    S = mean.shape[0]
    lower = {lv: np.mean([mr.lower[lv] for mr in members], axis=0) for lv in levels}
    upper = {lv: np.mean([mr.upper[lv] for mr in members], axis=0) for lv in levels}
    return MethodResult(name, mean, lower, upper, fitted,
                        np.full(S, "mean of " + ", ".join(mr.method for mr in members), dtype=object))


def forecast(series: Sequence[Sequence[float]] | Sequence[np.ndarray] | np.ndarray, h: int, m: int = 12, *,
             methods: Sequence[str] = ("Combo",), levels: Sequence[float] = (0.8, 0.95),
             n: np.ndarray | None = None, seasonal: np.ndarray | None = None) -> ForecastResult:
    """Forecast ``h`` periods ahead for every series with each of ``methods`` (names in :data:`METHODS`).

    ``series`` is a list of 1-D arrays (finite values, oldest first) or an already left-aligned
    (S, T) array with lengths ``n``. ``seasonal`` (S,) forces the seasonal adjustment on/off per series
    (default: the 90% autocorrelation test); ETS considers seasonal models where n >= 2m (or where
    ``seasonal`` is True when given).
    """
    unknown = [x for x in methods if x not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; known: {', '.join(METHODS)}")
    if n is None:
        Y, n = left_align(series)
    else:
        Y = np.asarray(series, dtype=np.float64)
        n = np.asarray(n, dtype=np.int64)
    levels = tuple(float(x) for x in levels)
    S, T = Y.shape
    if S == 0:
        return ForecastResult(n=n, h=h, m=m, seasonal=np.zeros(0, dtype=object), methods={}, levels=levels)
    if np.any(n < 1):
        raise ValueError("every series needs at least one value")
    obs = _obs(Y, n)
    Y = np.where(obs, Y, np.nan)
    if not np.isfinite(Y[obs]).all():
        raise ValueError("series values must be finite numbers")
    wanted = set(methods)
    if "Combo" in wanted:
        wanted |= set(COMBO_MEMBERS)
    cands: list[_Candidate] = []
    long_season = m > MAX_ETS_SEASON
    if "ETS" in wanted or (m > 1 and seasonal is None):
        cands = _ets_candidates(Y, n, m, h, levels,
                                specs=[sp for sp in SPECS if not sp.seasonal] if long_season else SPECS,
                                aicc_only="ETS" not in wanted)
    ets_seasonal = None if seasonal is None else np.asarray(seasonal, dtype=bool)
    if m <= 1:
        seasonal = np.zeros(S, bool)
    elif seasonal is None:
        seasonal = seasonal_decision(Y, n, m, cands)
    else:
        seasonal = np.asarray(seasonal, dtype=bool) & (n >= 2 * m)
    seas = seasonality(Y, n, m, seasonal)
    A = np.where(obs, seas.adjust(Y), np.nan)
    out: dict[str, MethodResult] = {}
    last = np.maximum(n - 1, 0)
    r = np.arange(S)

    def decomp_result(name, Fa, sda, fitted_a, model, ok=None, params=None):
        mean = seas.reseason(Fa, n)
        sd = seas.scale_sd(sda, n)
        lo, hi = _bounds(mean, sd, levels)
        res = MethodResult(name, mean, lo, hi, np.where(obs, seas.reseason_fitted(fitted_a), np.nan),
                           np.full(S, model, dtype=object), params or {})
        if ok is not None:
            res.model[~ok] = "Naive on seasonally adjusted (too short)"
        return res

    def naive_adjusted():
        Fa = np.repeat(A[r, last][:, None], h, 1)
        fa = np.concatenate([np.full((S, 1), np.nan), A[:, :-1]], 1)
        return Fa, _naive_sd(A, n, h, 1), fa

    if "Naive" in wanted:
        F = np.repeat(Y[r, last][:, None], h, 1)
        lo, hi = _bounds(F, _naive_sd(Y, n, h, 1), levels)
        fitted = np.concatenate([np.full((S, 1), np.nan), Y[:, :-1]], 1)
        out["Naive"] = MethodResult("Naive", F, lo, hi, np.where(obs, fitted, np.nan),
                                    np.full(S, "Naive", dtype=object))
    if "SeasonalNaive" in wanted:
        mm = max(m, 1)
        hh = np.arange(h)[None, :]
        src = n[:, None] - mm + (hh % mm)
        src = np.where((n < mm)[:, None], last[:, None], src)  # shorter than a season: the last value
        F = np.take_along_axis(np.nan_to_num(Y), src, 1)
        sd = np.where((n <= mm)[:, None], _naive_sd(Y, n, h, 1), _naive_sd(Y, n, h, mm))
        lo, hi = _bounds(F, sd, levels)
        fitted = np.concatenate([np.full((S, mm), np.nan), Y[:, :-mm]], 1)[:, :T] if T > mm \
            else np.full((S, T), np.nan)
        out["SeasonalNaive"] = MethodResult("SeasonalNaive", F, lo, hi, np.where(obs, fitted, np.nan),
                                            np.full(S, f"Seasonal naive (m={mm})", dtype=object))
    if "Naive2" in wanted:
        Fa, sda, fa = naive_adjusted()
        out["Naive2"] = decomp_result("Naive2", Fa, sda, fa, "Naive on seasonally adjusted")
    for name, spec in (("SES", Spec("N", False)), ("Holt", Spec("A", False)), ("Damped", Spec("Ad", False))):
        if name not in wanted:
            continue
        ok = n >= spec.k(1) + spec.n_smoothing() + 2
        Fa, sda, fa = naive_adjusted()
        params = {k: np.full(S, np.nan) for k in ("alpha", "beta", "phi")}
        if ok.any():
            idx = np.flatnonzero(ok)
            fit = fit_linear(A[idx], n[idx], spec, 1)
            fv, final = run_linear(A[idx], n[idx], fit, 1)
            Fa[idx] = forecast_linear(final, n[idx], fit, 1, h)
            resid = np.where(_obs(A[idx], n[idx]), A[idx] - fv, 0.0)
            s2 = _sigma2((resid ** 2).sum(1), n[idx], fit.n_params)
            sda[idx] = np.sqrt(s2[:, None] * variance_multipliers(fit, 1, h))
            fa[idx] = fv
            for k in params:
                params[k][idx] = getattr(fit, k)
            if spec.trend == "N":
                params["beta"][:] = np.nan
            if spec.trend != "Ad":
                params["phi"][:] = np.nan
        out[name] = decomp_result(name, Fa, sda, fa, spec.name + " on seasonally adjusted", ok, params)
    if "Theta" in wanted or "DOTM" in wanted:
        ok = n >= 4
        idx = np.flatnonzero(ok)
    if "Theta" in wanted:
        Fa, sda, fa = naive_adjusted()
        al, slope = np.full(S, np.nan), np.full(S, np.nan)
        if len(idx):
            Fa[idx], sda[idx], fa[idx], al[idx], slope[idx] = _theta(A[idx], n[idx], h)
        out["Theta"] = decomp_result("Theta", Fa, sda, fa, "Theta (SES with drift) on seasonally adjusted", ok,
                                     {"alpha": al, "slope": slope})
    if "DOTM" in wanted:
        Fa, sda, fa = naive_adjusted()
        al, th = np.full(S, np.nan), np.full(S, np.nan)
        if len(idx):
            Fa[idx], sda[idx], fa[idx], al[idx], th[idx] = _dotm(A[idx], n[idx], h)
        out["DOTM"] = decomp_result("DOTM", Fa, sda, fa, "Dynamic optimised Theta on seasonally adjusted", ok,
                                    {"alpha": al, "theta": th})
    if "ETS" in wanted:
        if long_season and seasonal.any():
            # seasons longer than MAX_ETS_SEASON: the non-seasonal models on the adjusted series, re-seasonalised
            plain = [sp for sp in SPECS if not sp.seasonal]
            adj = _ets_combine(_ets_candidates(A, n, 1, h, levels, specs=plain), A, n, h, levels, None)
            res = _ets_combine(cands, Y, n, h, levels, None)
            rows = seasonal[:, None]
            res.mean = np.where(rows, seas.reseason(adj.mean, n), res.mean)
            for lv in levels:
                lo_s, hi_s = seas.reseason(adj.lower[lv], n), seas.reseason(adj.upper[lv], n)
                res.lower[lv] = np.where(rows, np.minimum(lo_s, hi_s), res.lower[lv])
                res.upper[lv] = np.where(rows, np.maximum(lo_s, hi_s), res.upper[lv])
            res.fitted = np.where(rows, np.where(obs, seas.reseason_fitted(adj.fitted), np.nan), res.fitted)
            res.model = np.where(seasonal, np.array([f"{x} on seasonally adjusted" for x in adj.model], dtype=object),
                                 res.model)
            out["ETS"] = res
        else:
            out["ETS"] = _ets_combine(cands, Y, n, h, levels, ets_seasonal)
    if "Combo" in wanted:
        out["Combo"] = _combine([out[k] for k in COMBO_MEMBERS], levels)
    ordered = {k: out[k] for k in METHODS if k in out and k in methods}
    return ForecastResult(n=n, h=h, m=m, seasonal=seas.kind, methods=ordered, levels=levels)
