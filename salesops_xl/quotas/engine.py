"""The quota engine: seat capacity, seasonality, top-down allocation, phasing, capacity and hiring plan.

Everything is vectorised with numpy over whole columns; the only Python loops
run over levels of the hierarchy (a handful) and over the 12 months of the
hiring plan, never over reps. The rules are stated in docs/quotas.md; the
names below follow it.

Index spaces
------------
* **person** ``i`` - a row of the QuotaRoster, ``0..n-1``; index ``n`` is the
  Company (the top of the hierarchy). ``parent[i]`` is the manager's index.
* **month** ``m`` - months counted from the plan year's first month: ``0..11``
  is the plan year, ``-12..-1`` the history year before it.

Amounts in *units* are int64 multiples of the rounding unit; money handed to
the outputs is int64 cents (``units * unit_cents``).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..money import largest_remainder, round_half_away, to_cents  # noqa: F401  (re-exported)
from . import schema as S
from .inputs import QuotaInputs

NM = 12
PLAN_MONTHS = np.arange(NM)
HISTORY_MONTHS = np.arange(-NM, 0)
BOUND_NONE, BOUND_FLOOR, BOUND_CEILING = 0, 1, 2


# -- small exact helpers (rounding and largest remainder: salesops_xl.money) ------------------------

def proportional_split(totals, weights, groups) -> np.ndarray:
    """Whole numbers per item summing to ``totals[g]``, proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.intp)
    totals = np.asarray(totals, dtype=np.int64)
    wsum = np.bincount(groups, weights=w, minlength=len(totals))
    if np.any((wsum <= 0) & (totals != 0)):
        raise ValueError("a non-zero total has no weight to follow")
    exact = np.where(wsum[groups] > 0, totals[groups] * w / np.where(wsum[groups] > 0, wsum[groups], 1.0), 0.0)
    return largest_remainder(exact, groups, totals)


def ramp_matrix(hire_mi, term_mi, months, curve) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Employment and ramp of each seat in each month.

    Returns ``active`` (employment overlaps the month), ``tenure`` (1 in the
    month of the HireDate, 2 the next...; 0 when not active) and ``factor``
    (the ramp curve's share for that tenure month, 100% after the curve; 0
    when not active).
    """
    months = np.asarray(months, dtype=np.int64)
    k = months[None, :] - np.asarray(hire_mi, dtype=np.int64)[:, None] + 1
    active = (k >= 1) & (months[None, :] <= np.asarray(term_mi, dtype=np.int64)[:, None])
    full = np.append(np.asarray(curve, dtype=np.float64), 1.0)
    factor = full[np.clip(k - 1, 0, len(full) - 1)]
    return active, np.where(active, k, 0), np.where(active, factor, 0.0)


def seasonal_index_from_history(bookings: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seasonal index of each month: bookings per ramped rep-month, divided by its mean over the 12 months.

    ``bookings`` and ``capacity`` are (seats, 12); returns (index, bookings per ramped rep-month).
    """
    b = bookings.sum(axis=0)
    c = capacity.sum(axis=0)
    per = np.divide(b, c, out=np.full(NM, np.nan), where=c > 0)
    mean = per.mean()
    return per / mean, per


def effective_shares(w, groups, n_groups: int) -> np.ndarray:
    """Weights as shares of their group's total; shares below 1e-15 count as 0 (numerically nothing)."""
    w = np.asarray(w, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.intp)
    wsum = np.bincount(groups, weights=w, minlength=n_groups)
    sh = np.divide(w, wsum[groups], out=np.zeros_like(w), where=wsum[groups] > 0)
    return np.where(sh < 1e-15, 0.0, sh)


def bounded_proportional(w, lo, hi, groups, totals) -> tuple[np.ndarray, np.ndarray]:
    """Split ``totals[g]`` over each group in proportion to ``w``, each item kept within ``[lo, hi]``.

    The result is ``clip(lam_g * w, lo, hi)`` with ``lam_g`` such that the group
    sums to its total: items pushed outside their bounds sit at the bound, the
    rest share what is left in proportion to ``w``. Feasibility (``sum lo <=
    total <= reachable``) is the caller's business. Returns (amounts, bound
    code per item).
    """
    w = np.asarray(w, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.intp)
    totals = np.asarray(totals, dtype=np.float64)
    G = len(totals)
    w = effective_shares(w, groups, G)
    wsum = np.bincount(groups, weights=w, minlength=G)
    x = np.where(wsum[groups] > 0, totals[groups] * w / np.where(wsum[groups] > 0, wsum[groups], 1.0), 0.0)
    code = np.zeros(len(w), dtype=np.int8)
    has_bounds = (lo > 0) | np.isfinite(hi)
    if not has_bounds.any() or not np.any((x < lo - 1e-9) | (x > hi + 1e-9)):
        x = np.clip(x, lo, hi) if has_bounds.any() else x
        return x, code
    # bisection on lam per group (vectorised over groups), then the exact lam of the free items
    wpos = w > 0
    reach = np.where(np.isfinite(hi), np.maximum(hi, totals[groups]), totals[groups])
    ratio = np.where(wpos, reach / np.where(wpos, w, 1.0), 0.0)
    lam_hi = np.zeros(G)
    np.maximum.at(lam_hi, groups, ratio)
    lam_lo = np.zeros(G)
    for _ in range(80):
        mid = 0.5 * (lam_lo + lam_hi)
        s = np.bincount(groups, weights=np.clip(np.where(w > 0, mid[groups] * w, 0.0), lo, hi), minlength=G)
        over = s > totals
        lam_hi = np.where(over, mid, lam_hi)
        lam_lo = np.where(over, lam_lo, mid)
    lam = 0.5 * (lam_lo + lam_hi)
    raw = np.where(w > 0, lam[groups] * w, 0.0)
    tol = 1e-9 * np.maximum(1.0, np.abs(totals[groups]))
    at_lo = raw <= lo + tol
    at_hi = ~at_lo & (raw >= hi - tol)
    fixed = np.where(at_lo, lo, np.where(at_hi, hi, 0.0))
    free = ~(at_lo | at_hi)
    rest = totals - np.bincount(groups, weights=fixed, minlength=G)
    wfree = np.bincount(groups, weights=np.where(free, w, 0.0), minlength=G)
    lam2 = np.where(wfree > 0, rest / np.where(wfree > 0, wfree, 1.0), lam)
    x = np.where(free, lam2[groups] * w, fixed)
    code = np.where(at_lo & (lo > 0), BOUND_FLOOR, np.where(at_hi, BOUND_CEILING, BOUND_NONE)).astype(np.int8)
    return x, code


# -- results -----------------------------------------------------------------------------------------

@dataclass
class Allocation:
    """The hierarchy's allocation. Arrays over persons ``0..n-1`` and the Company at ``n``."""

    quota: np.ndarray  # (n+1,) int64 units: annual quota / target of each node
    below: np.ndarray  # (n+1,) int64 units: sum of the reports' quotas (0 for a seat)
    share: np.ndarray  # (n, 3) share of the parent's allocation by Even, History, Potential
    blended: np.ndarray  # (n,) blended share (the rule's weights)
    bound: np.ndarray  # (n,) int8: BOUND_NONE / BOUND_FLOOR / BOUND_CEILING
    basis: np.ndarray  # (n+1, 3): Even, History, Potential bases (subtree sums)
    fte: np.ndarray  # (n+1,) capacity in full-year ramped seats (subtree sums)
    excluded: np.ndarray  # (n,) bool: no capacity in the plan year, quota 0


@dataclass
class CapacityPlanResult:
    monthly: pd.DataFrame
    hires: pd.DataFrame
    summary: pd.DataFrame
    hires_by_month: np.ndarray
    first_start: int  # plan month of the earliest possible start of a new hire
    residual_cents: int
    target_cents: int
    current_cents: int
    open_cents: int
    hires_cents: int


@dataclass
class QuotaResult:
    inputs: QuotaInputs
    season: np.ndarray  # (12,) seasonal index, mean 1
    season_table: pd.DataFrame
    active: np.ndarray  # (n, 12) bool
    tenure: np.ndarray  # (n, 12) int
    ramp: np.ndarray  # (n, 12) float: active x ramp
    run_rate: np.ndarray  # (n,) annual run rate used for History (NaN if unused)
    run_source: np.ndarray  # (n,) object
    history_months: np.ndarray  # (n,) full-productivity months in the history year
    alloc: Allocation
    monthly: np.ndarray  # (n+1, 12) int64 units
    local: np.ndarray  # (n+1,) int64 units of the seat's currency
    local_monthly: np.ndarray  # (n+1, 12)
    order: np.ndarray  # (n+1,) display order (Company first, then depth-first in roster order)
    capacity: CapacityPlanResult
    computed_at: str
    engine_version: str
    warnings: list[str] = field(default_factory=list)
    # outputs.person_frame memoises its frame here: the sheets all read it, and it is built once per result
    person_frame_cache: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def unit_cents(self) -> int:
        return self.inputs.unit_cents

    def cents(self, units) -> np.ndarray:
        return np.asarray(units, dtype=np.int64) * self.inputs.unit_cents


# -- the computation -----------------------------------------------------------------------------------

def compute(inp: QuotaInputs, *, computed_at: str | None = None) -> QuotaResult:
    """Allocate, phase and plan capacity; raise InputError when the inputs cannot be allocated."""
    from .. import __version__

    problems = ProblemCollector()
    warnings = list(inp.warnings)
    ppl = inp.people
    n = ppl.n
    leaf = ppl.is_leaf
    months = np.concatenate([HISTORY_MONTHS, PLAN_MONTHS])
    active_all, tenure_all, ramp_all = ramp_matrix(ppl.hire_mi, ppl.term_mi, months, inp.ramp)
    h_ramp = ramp_all[:, :NM]
    active, tenure, ramp = active_all[:, NM:], tenure_all[:, NM:], ramp_all[:, NM:]
    ramp = np.where(leaf[:, None], ramp, 0.0)
    # 1. seasonality
    season, season_table = _seasonality(inp, h_ramp, problems)
    warnings += _zero_warnings(inp, season, season_table)
    # 2. capacity of each seat in full-year ramped seats: sum of s_m x ramp / 12
    fte_leaf = (ramp * season[None, :]).sum(axis=1) / NM
    # 3. run rates
    run_rate, run_source, hmonths = _run_rates(inp, h_ramp, season, fte_leaf, problems)
    # 4. bases and allocation
    pot = np.where(np.isnan(inp.potential), 0.0, inp.potential)
    rr = np.where(np.isnan(run_rate), 0.0, run_rate)
    basis_leaf = np.column_stack([fte_leaf, fte_leaf * rr, fte_leaf * pot])
    basis_leaf[~leaf] = 0.0
    if problems:
        problems.raise_if_any()
    alloc = allocate_tree(inp, basis_leaf, fte_leaf, problems, warnings)
    problems.raise_if_any()
    # 5. phasing
    monthly = _phase(inp, alloc, ramp, season)
    local, local_monthly = _local(inp, alloc.quota, monthly)
    order = tree_order(ppl.parent, ppl.depth)
    # 6. capacity and hiring plan
    cap = capacity_plan(inp, season, active, ramp, monthly[n])
    if cap.residual_cents > 0:
        warnings.append(f"the hiring plan cannot close the gap this year: {cap.residual_cents / 100:,.2f} "
                        f"{inp.currency} of the target stays uncovered (hiring lag, ramp or MaxHiresPerMonth)")
    if computed_at is None:
        computed_at = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    return QuotaResult(inputs=inp, season=season, season_table=season_table, active=active, tenure=tenure,
                       ramp=ramp, run_rate=run_rate, run_source=run_source, history_months=hmonths, alloc=alloc,
                       monthly=monthly, local=local, local_monthly=local_monthly, order=order, capacity=cap,
                       computed_at=computed_at, engine_version=__version__, warnings=warnings)


def _seasonality(inp: QuotaInputs, h_ramp: np.ndarray, problems: ProblemCollector) -> tuple[np.ndarray, pd.DataFrame]:
    ppl = inp.people
    cal, hcal = inp.calendar, inp.history_calendar
    labels = np.array(cal.period_labels("Month"), dtype=object)
    hlabels = np.array(hcal.period_labels("Month"), dtype=object)
    nan12 = np.full(NM, np.nan)
    if inp.phasing == "History":
        pop = ppl.is_leaf & (ppl.status == "Active")
        b = inp.bookings[pop]
        c = h_ramp[pop]
        season, per = seasonal_index_from_history(b, c)
        tbl = inp.table("QuotaPlan")
        bad = False
        for m in np.flatnonzero(c.sum(axis=0) <= 0):
            problems.add(tbl.problem(0, "Phasing", f"no rep was employed in history month {hlabels[m]}, so it has "
                                     "no seasonal index", value="History",
                                     expected="Phasing Profile or Even, or history covering all 12 months"))
            bad = True
        if not bad:
            for m in np.flatnonzero(per < 0):
                problems.add(tbl.problem(0, "Phasing", f"the history bookings of {hlabels[m]} total "
                                         f"{b.sum(axis=0)[m]:,.2f}, below 0", value="History",
                                         expected="history months with bookings of 0 or more, or Phasing Profile"))
                bad = True
            if not bad and not np.nansum(per) > 0:
                problems.add(tbl.problem(0, "Phasing", "the history bookings total 0", value="History",
                                         expected="Phasing Profile or Even, or some history"))
                bad = True
        if bad:
            season = np.ones(NM)
        frame = pd.DataFrame({"Month": labels, "HistoryMonth": hlabels, "HistoryBookings": to_cents(b.sum(axis=0)),
                              "RampedRepMonths": c.sum(axis=0), "BookingsPerRepMonth": to_cents(np.nan_to_num(per)),
                              "Weight": nan12, "Index": season, "Share": season / NM})
        return season, frame
    if inp.phasing == "Profile":
        w = np.asarray(inp.profile, dtype=np.float64)
        season = w / w.mean()
    else:
        season, w = np.ones(NM), nan12
    frame = pd.DataFrame({"Month": labels, "HistoryMonth": hlabels, "HistoryBookings": nan12,
                          "RampedRepMonths": nan12, "BookingsPerRepMonth": nan12, "Weight": w, "Index": season,
                          "Share": season / NM})
    return season, frame


def _zero_warnings(inp: QuotaInputs, season: np.ndarray, season_table: pd.DataFrame) -> list[str]:
    """Zeros that are allowed but take a month or a seat out of the split: said, never silent."""
    out = []
    if inp.phasing == "History" and season.sum() > 0:
        zero = np.flatnonzero(season == 0)
        if len(zero):
            out.append("history month(s) " + ", ".join(season_table["HistoryMonth"].iloc[zero])
                       + " total 0: their seasonal index is 0, so no seat gets quota in "
                       + ", ".join(season_table["Month"].iloc[zero]) + " (Phasing History)")
    ppl = inp.people
    n = ppl.n
    pot = np.asarray(inp.potential, dtype=np.float64)[:n] if inp.potential is not None else np.full(n, np.nan)
    zero_p = np.flatnonzero(inp.need_potential[:n] & ppl.is_leaf & (pot == 0))
    if len(zero_p):
        out.append("seat(s) with potential 0 under a rule that allocates by Potential: "
                   + ", ".join(map(str, ppl.ids[zero_p][:10])) + (" ..." if len(zero_p) > 10 else "")
                   + " (their Potential share is 0)")
    return out


def _run_rates(inp: QuotaInputs, h_ramp: np.ndarray, season: np.ndarray, fte: np.ndarray,
               problems: ProblemCollector) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Annual run rate of each seat: 12 x history bookings / full-productivity months of history."""
    ppl = inp.people
    n = ppl.n
    leaf = ppl.is_leaf
    hmonths = (h_ramp * season[None, :]).sum(axis=1)
    booked = inp.bookings.sum(axis=1)
    tenured = leaf & (ppl.status == "Active") & (inp.history_rows > 0) & (hmonths > 0) \
        & (hmonths >= inp.min_history_months - 1e-9)
    rate = np.full(n, np.nan)
    rate[tenured] = NM * booked[tenured] / hmonths[tenured]
    need = inp.need_history[:n] & leaf & (fte > 0)
    roster = inp.table("QuotaRoster")
    for i in np.flatnonzero(need & tenured & (rate < 0)):
        problems.add(roster.problem(int(i), "RepID", f"the history bookings of this rep total {booked[i]:,.2f}, "
                                    "below 0, so History cannot share a target by it", value=ppl.ids[i],
                                    expected="history bookings totalling 0 or more"))
    source = np.full(n, None, dtype=object)
    source[tenured] = "History"
    new = leaf & ~tenured
    if new.any():
        par = ppl.parent[:n]
        cnt = np.bincount(par[tenured], minlength=n + 1)
        tot = np.bincount(par[tenured], weights=rate[tenured], minlength=n + 1)
        team = np.divide(tot, cnt, out=np.full(n + 1, np.nan), where=cnt > 0)
        overall = rate[tenured].mean() if tenured.any() else np.nan
        t = team[par]
        rate[new] = np.where(np.isnan(t[new]), overall, t[new])
        source[new] = np.where(np.isnan(t[new]), "Plan average", "Team average")
        if np.isnan(overall) and (need & new).any():
            first = int(np.flatnonzero(need & new)[0])
            problems.add(roster.problem(first, "RepID", "no rep has enough history to set a run rate, and a rule "
                                        "above this seat allocates by History", value=ppl.ids[first],
                                        expected=f"history of at least {inp.min_history_months:g} full-productivity "
                                                 "months for some rep, or a rule without History"))
    unused = ~inp.need_history[:n] | ~leaf
    rate[unused & ~tenured] = np.nan
    source[unused & ~tenured] = None
    return rate, source, hmonths


def tree_order(parent: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Company first, then depth-first: each manager followed by its reports, in roster order."""
    n = len(parent) - 1
    maxd = int(depth[:n].max()) if n else 0
    keys = np.full((max(maxd, 1), n), -1, dtype=np.intp)
    cur = np.arange(n)
    rows = np.arange(n)
    for _ in range(maxd):
        ok = cur < n
        keys[depth[cur[ok]] - 1, rows[ok]] = cur[ok]
        cur = np.where(ok, parent[np.where(ok, cur, 0)], n)
    order = np.lexsort(keys[::-1]) if n else np.zeros(0, dtype=np.intp)
    return np.concatenate([[n], order]).astype(np.intp)


def allocate_tree(inp: QuotaInputs, basis_leaf: np.ndarray, fte_leaf: np.ndarray, problems: ProblemCollector,
                  warnings: list[str]) -> Allocation:
    """Split the target top-down, level by level (every group of a level at once)."""
    ppl, rules = inp.people, inp.rules
    n = ppl.n
    parent, depth = ppl.parent, ppl.depth
    maxd = int(depth[:n].max()) if n else 0
    # bases and capacity summed bottom-up
    basis = np.zeros((n + 1, 3))
    basis[:n] = basis_leaf
    fte = np.zeros(n + 1)
    fte[:n] = np.where(ppl.is_leaf, fte_leaf, 0.0)
    for d in range(maxd, 0, -1):
        sel = np.flatnonzero(depth[:n] == d)
        par = parent[sel]
        for k in range(3):
            basis[:, k] += np.bincount(par, weights=basis[sel, k], minlength=n + 1)
        fte += np.bincount(par, weights=fte[sel], minlength=n + 1)
    unit = inp.unit_cents / 100.0
    lo = np.where(np.isnan(ppl.floor), 0.0, np.ceil(np.round(ppl.floor / unit, 6)))
    hi = np.where(np.isnan(ppl.ceiling), np.inf, np.floor(np.round(ppl.ceiling / unit, 6)))
    excluded = fte[:n] <= 0
    dropped = excluded & ((lo > 0) | np.isfinite(hi))
    if dropped.any():
        who = ppl.ids[dropped].tolist()
        warnings.append(f"Floor/Ceiling of {', '.join(map(str, who[:5]))}{'...' if len(who) > 5 else ''} not "
                        "applied: no capacity in the plan year (not employed, or no seat employed below), quota 0")
    lo = np.where(excluded, 0.0, lo)
    hi = np.where(excluded, 0.0, hi)
    quota = np.zeros(n + 1, dtype=np.int64)
    quota[n] = round_half_away(inp.target * 100 / inp.unit_cents)
    below = np.zeros(n + 1, dtype=np.int64)
    share = np.full((n, 3), np.nan)
    blended = np.full(n, np.nan)
    bound = np.zeros(n, dtype=np.int8)
    eff = rules.effective
    beta_all = np.vstack([rules.beta, np.zeros((1, 3))])
    oa_all = np.append(rules.oa, 1.0)
    for d in range(1, maxd + 1):
        kids = np.flatnonzero(depth[:n] == d)
        par = parent[kids]
        gpar, g = np.unique(par, return_inverse=True)
        G = len(gpar)
        X = round_half_away(quota[gpar] * oa_all[eff[gpar]])
        below[gpar] = X
        w3 = np.where(excluded[kids, None], 0.0, basis[kids])
        sums = np.column_stack([np.bincount(g, weights=w3[:, k], minlength=G) for k in range(3)])
        sh = np.divide(w3, sums[g], out=np.zeros_like(w3), where=sums[g] > 0)
        share[kids] = np.where(excluded[kids, None], 0.0, sh)
        b = beta_all[eff[gpar]]
        blend = effective_shares((b[g] * sh).sum(axis=1), g, G)
        blended[kids] = blend
        klo, khi = lo[kids], hi[kids]
        bad = _check_groups(inp, gpar, g, kids, X, b, sums, blend, klo, khi, excluded, problems)
        Xf = X.astype(np.float64)
        x, code = bounded_proportional(blend, klo, khi, g, Xf)
        if bad.any():  # keep going with plain shares so that every other problem is found too
            x = np.where(bad[g], Xf[g] * blend / np.maximum(np.bincount(g, weights=blend, minlength=G)[g], 1e-300), x)
        units = largest_remainder(x, g, X, blocked=(code == BOUND_CEILING) | (x >= khi - 1e-9))
        quota[kids] = units
        bound[kids] = code
    return Allocation(quota=quota, below=below, share=share, blended=blended, bound=bound, basis=basis, fte=fte,
                      excluded=excluded)


def _check_groups(inp: QuotaInputs, gpar, g, kids, X, b, sums, blend, lo, hi, excluded,
                  problems: ProblemCollector) -> np.ndarray:
    """Groups whose target cannot be split: floors above it, ceilings below it, nothing to split by."""
    ppl, rules = inp.people, inp.rules
    n = ppl.n
    G = len(gpar)
    roster, rtab = inp.table("QuotaRoster"), inp.table("AllocationRules")
    cur = inp.currency
    unit = inp.unit_cents / 100.0
    sum_lo = np.bincount(g, weights=lo, minlength=G)
    wpos = blend > 0
    reach = np.bincount(g, weights=np.where(wpos, hi, lo), minlength=G)
    has_seat = np.bincount(g, weights=~excluded[kids], minlength=G) > 0
    method_zero = (b > 0) & (sums <= 0)
    bad = np.zeros(G, dtype=bool)

    def name(j):
        return S.COMPANY if gpar[j] == n else str(ppl.ids[gpar[j]])

    def first_kid(j, col):
        """The first report of group j with a value in ``col`` (Floor or Ceiling): where the problem shows."""
        values = ppl.floor if col == "Floor" else ppl.ceiling
        m = kids[(g == j) & ~np.isnan(values[kids])]
        return int(m[0]) if len(m) else int(kids[g == j][0])

    def amount(units):
        return f"{units * unit:,.2f} {cur}"

    what = ("even split", "History", "Potential")
    for j in np.flatnonzero((X > 0) & ~has_seat):
        bad[j] = True
        p = gpar[j]
        where = inp.table("QuotaPlan").problem(0, "Target", f"no seat under the {S.COMPANY} is employed in the plan "
                                               "year", value=inp.target, expected="at least one seat employed in the "
                                               "plan year") if p == n else roster.problem(
            int(p), "RepID", f"no seat under {name(j)} is employed in the plan year, so its target of "
            f"{amount(X[j])} cannot be carried", value=ppl.ids[p],
            expected="a report employed in the plan year, or a Ceiling of 0 on this node")
        problems.add(where)
    for j in np.flatnonzero(~bad & (X > 0)):
        for k in np.flatnonzero(method_zero[j]):
            bad[j] = True
            r = inp.rules.effective[gpar[j]]
            problems.add(rtab.problem(int(rules.row[r]), "Method", f"the {what[k]} basis of the reports of {name(j)} "
                                      "totals 0, so the target cannot be shared by it", value=rules.method[r],
                                      expected=("history bookings above 0" if k == 1 else "potential above 0")
                                      + " for at least one report, or a rule without " + what[k]))
    for j in np.flatnonzero(~bad & (sum_lo > X)):
        bad[j] = True
        i = first_kid(j, "Floor")
        problems.add(roster.problem(i, "Floor", f"the floors of the reports of {name(j)} total {amount(sum_lo[j])}, "
                                    f"above the {amount(X[j])} to allocate there", show_value=False,
                                    expected=f"floors totalling at most {amount(X[j])} (the target below "
                                             f"{name(j)} after over-assignment)"))
    for j in np.flatnonzero(~bad & (reach < X)):
        bad[j] = True
        i = first_kid(j, "Ceiling")
        problems.add(roster.problem(i, "Ceiling", f"the reports of {name(j)} can carry at most {amount(reach[j])} "
                                    f"(their ceilings), below the {amount(X[j])} to allocate there", show_value=False,
                                    expected=f"ceilings totalling at least {amount(X[j])}"))
    return bad


def _phase(inp: QuotaInputs, alloc: Allocation, ramp: np.ndarray, season: np.ndarray) -> np.ndarray:
    """Monthly quotas: seats by seasonal index x ramp; managers like their team; the Company by season."""
    ppl = inp.people
    n = ppl.n
    monthly = np.zeros((n + 1, NM), dtype=np.int64)
    leaf = np.flatnonzero(ppl.is_leaf & (alloc.quota[:n] != 0))
    if len(leaf):
        w = (ramp[leaf] * season[None, :]).reshape(-1)
        groups = np.repeat(np.arange(len(leaf)), NM)
        monthly[leaf] = proportional_split(alloc.quota[leaf], w, groups).reshape(-1, NM)
    maxd = int(ppl.depth[:n].max()) if n else 0
    for d in range(maxd, 0, -1):
        kids = np.flatnonzero(ppl.depth[:n] == d)
        par = ppl.parent[kids]
        team = np.zeros((n + 1, NM))
        for m in range(NM):
            team[:, m] = np.bincount(par, weights=monthly[kids, m], minlength=n + 1)
        nodes = np.flatnonzero((ppl.depth[:n] == d - 1) & (ppl.n_children[:n] > 0)) if d > 1 else np.zeros(0, int)
        if len(nodes):
            groups = np.repeat(np.arange(len(nodes)), NM)
            monthly[nodes] = proportional_split(alloc.quota[nodes], team[nodes].reshape(-1), groups).reshape(-1, NM)
    monthly[n] = proportional_split(np.array([alloc.quota[n]]), season, np.zeros(NM, dtype=np.int64))
    return monthly


def _local(inp: QuotaInputs, quota: np.ndarray, monthly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quotas in each person's currency at the planning rate, rounded to the unit; months sum to the year."""
    fx = np.append(inp.people.fx, 1.0)
    local = np.where(fx == 1.0, quota, round_half_away(quota * fx))
    local_monthly = monthly.copy()
    conv = np.flatnonzero((fx != 1.0) & (local != 0))
    if len(conv):
        groups = np.repeat(np.arange(len(conv)), NM)
        local_monthly[conv] = proportional_split(local[conv], monthly[conv].reshape(-1).astype(np.float64),
                                                 groups).reshape(-1, NM)
    return local, local_monthly


# -- capacity and hiring plan ---------------------------------------------------------------------------

def hire_matrix(curve, rho: float) -> np.ndarray:
    """K[h, m]: expected ramped seats in month m of one hire starting in month h (ramp x retention)."""
    h = np.arange(NM)[:, None]
    m = np.arange(NM)[None, :]
    k = m - h + 1
    full = np.append(np.asarray(curve, dtype=np.float64), 1.0)
    r = np.where(k >= 1, full[np.clip(k - 1, 0, len(full) - 1)], 0.0)
    return np.where(k >= 1, r * rho ** np.maximum(m - h, 0), 0.0)


def hire_month_cents(K: np.ndarray, u: np.ndarray) -> np.ndarray:
    """C[h, m]: cents one hire starting in month h is expected to book in month m, rounded to the cent.

    Every hiring figure is built from these rounded months (docs/quotas.md section 8): a cohort of n
    hires books n x C[h, m], so hires x per-hire, the cohort's bookings and the months agree to the cent.
    """
    return to_cents(K * np.asarray(u, dtype=np.float64)[None, :])


def monthly_retention(attrition: float) -> float:
    """Share of reps still there one month later, for an annual attrition rate: (1 - A)^(1/12)."""
    return float((1.0 - attrition) ** (1.0 / NM))


def plan_hires(gap: float, value: np.ndarray, first: int, max_hires: int | None) -> tuple[np.ndarray, float]:
    """Hires per start month to cover ``gap``: as early as possible, at most ``max_hires`` a month.

    ``value[h]`` is what one hire starting in month ``h`` books in the plan
    year. Returns (hires per month, gap left uncovered).
    """
    hires = np.zeros(NM, dtype=np.int64)
    rem = float(gap)
    for h in range(max(first, 0), NM):  # 12 months at most
        if rem <= 1e-9:
            break
        if value[h] <= 0:
            continue
        need = int(np.ceil(rem / value[h] - 1e-9))
        hires[h] = need if max_hires is None else min(max_hires, need)
        rem -= hires[h] * value[h]
    return hires, max(rem, 0.0)


def capacity_plan(inp: QuotaInputs, season: np.ndarray, active: np.ndarray, ramp: np.ndarray,
                  target_units: np.ndarray) -> CapacityPlanResult:
    ca = inp.capacity
    ppl = inp.people
    cal = inp.calendar
    leaf = ppl.is_leaf
    rho = monthly_retention(ca.attrition)
    u = ca.productivity * ca.attainment * season / NM  # expected bookings of one ramped rep, per month
    start = np.maximum(ppl.hire_mi, 0)
    ret = np.where(active, rho ** np.maximum(PLAN_MONTHS[None, :] - start[:, None], 0), 0.0)
    cur = leaf & (ppl.status == "Active")
    opn = leaf & (ppl.status == "Open")
    fte_cur = (ramp[cur] * ret[cur]).sum(axis=0)
    fte_opn = (ramp[opn] * ret[opn]).sum(axis=0)
    hc_cur = ret[cur].sum(axis=0)
    hc_opn = ret[opn].sum(axis=0)
    target = target_units * inp.unit_cents  # cents per month
    c_cur = to_cents(u * fte_cur)
    c_opn = to_cents(u * fte_opn)
    K = hire_matrix(inp.ramp, rho)
    per_hire_months = hire_month_cents(K, u)  # (start month, month) cents of one hire
    value_cents = per_hire_months.sum(axis=1)
    first = cal.month_of(ca.req_open) + ca.lag
    gap_cents = int(target.sum() - c_cur.sum() - c_opn.sum())
    hires, _ = plan_hires(gap_cents / 100.0, value_cents / 100.0, first, ca.max_hires)
    fte_new = hires @ K
    hc_new = hires @ np.where(K > 0, rho ** np.maximum(PLAN_MONTHS[None, :] - PLAN_MONTHS[:, None], 0), 0.0)
    c_new = hires @ per_hire_months  # each cohort books hires x its rounded months: ties out to the cent
    total = c_cur + c_opn + c_new
    hc = hc_cur + hc_opn + hc_new
    labels = np.array(cal.period_labels("Month"), dtype=object)
    reqs = np.zeros(NM, dtype=np.int64)
    req_month = PLAN_MONTHS - ca.lag
    inside = req_month >= 0
    np.add.at(reqs, req_month[inside], hires[inside])
    monthly = pd.DataFrame({
        "Month": labels,
        "SeasonalIndex": season,
        "Target": target,
        "CurrentTeam": c_cur,
        "OpenReqs": c_opn,
        "NewHires": c_new,
        "Capacity": total,
        "Gap": target - total,
        "CumTarget": np.cumsum(target),
        "CumCurrentTeam": np.cumsum(c_cur),
        "CumWithOpenReqs": np.cumsum(c_cur + c_opn),
        "CumWithHires": np.cumsum(total),
        "Headcount": hc,
        "RampedHeadcount": fte_cur + fte_opn + fte_new,
        "RampedNeeded": np.divide(target / 100.0, u, out=np.full(NM, np.nan), where=u > 0),
        "HiresStarting": hires,
        "ReqsToOpen": reqs,
        "ExpectedLeavers": hc * (1.0 - rho),
    })
    hm = np.flatnonzero(hires)
    starts = np.array([np.datetime64(cal.month_start(int(h)), "D") for h in hm], dtype="datetime64[D]")
    opens = np.array([max(np.datetime64(cal.month_start(int(h) - ca.lag), "D"), np.datetime64(ca.req_open, "D"))
                      for h in hm], dtype="datetime64[D]")
    per_hire = value_cents[hm]
    hires_df = pd.DataFrame({"StartMonth": labels[hm], "StartDate": starts, "Hires": hires[hm], "OpenReqBy": opens,
                             "BookingsPerHire": per_hire, "Bookings": per_hire * hires[hm]})
    t, cc, oc, nc = int(target.sum()), int(c_cur.sum()), int(c_opn.sum()), int(c_new.sum())
    residual = max(0, t - cc - oc - nc)
    first_label = cal.month_label(first) if first <= 11 else f"after the plan year ({cal.month_label(first)})"
    ramped_needed = t / 100.0 / (ca.productivity * ca.attainment)
    M, C, P = "Amount", "Count", "Percent"
    items = [
        ("Annual target", M, t / 100.0, f"QuotaPlan[Target], {inp.currency}"),
        ("Current team capacity", M, cc / 100.0, "expected bookings of the Active seats (ramp, attrition)"),
        ("Gap: target - current team", M, (t - cc) / 100.0, "what the current team is not expected to book"),
        ("Open requisitions capacity", M, oc / 100.0, "expected bookings of the Open seats from their start"),
        ("Gap after open requisitions", M, (t - cc - oc) / 100.0, "what the hiring plan must cover"),
        ("New hires planned", C, float(hires.sum()), "hires starting from " + first_label),
        ("New hires capacity", M, nc / 100.0, "expected bookings of the planned hires in the plan year"),
        ("Gap left uncovered", M, residual / 100.0, "0 when the plan reaches the target"),
        ("Coverage", P, (cc + oc + nc) / t if t else np.nan, "total capacity / target"),
        ("Ramped reps needed", C, ramped_needed, "target / (Productivity x ExpectedAttainment), full-year reps"),
        ("Bookings per ramped rep", M, ca.productivity * ca.attainment, "Productivity x ExpectedAttainment, a year"),
        ("Monthly attrition", P, 1.0 - rho, "1 - (1 - AttritionRate)^(1/12)"),
        ("Hiring lag (months)", C, float(ca.lag), "from opening a requisition to the start"),
    ]
    kind = np.array([k for _, k, _, _ in items], dtype=object)
    val = np.array([v for _, _, v, _ in items], dtype=np.float64)
    summary = pd.DataFrame({"Item": np.array([a for a, _, _, _ in items], dtype=object),
                            "Amount": np.where(kind == M, val, np.nan), "Count": np.where(kind == C, val, np.nan),
                            "Percent": np.where(kind == P, val, np.nan),
                            "Note": np.array([c for _, _, _, c in items], dtype=object),
                            "Value": val})
    return CapacityPlanResult(monthly=monthly, hires=hires_df, summary=summary, hires_by_month=hires,
                              first_start=int(first), residual_cents=int(residual), target_cents=t,
                              current_cents=cc, open_cents=oc, hires_cents=nc)
