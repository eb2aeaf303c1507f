"""The commission engine: credit, attainment, tiers, true-up, statement lines.

Everything here is vectorised over whole columns with numpy; the only Python
loops run over plan measures (a handful), never over deals. The rules are
stated in docs/commissions.md; the section names below follow it.

Index spaces
------------
* **rep** ``i`` - a row of the Roster.
* **slot** ``s`` - a (rep, measure of the rep's plan) pair.
* **period** ``p`` - 0..11 for monthly measures, 0..3 for quarterly ones.
  Arrays indexed by period have 12 columns; quarterly slots use the first 4.

The credit cube ``X[s, q, r]`` holds the credit of deals closed in period
``q`` and reversed (cancelled within the clawback window) in period ``r``
(``r = 12``: never). Credit counted *as of* period ``p`` for closing period
``q <= p`` is then ``sum(X[s, q, r] for r > p)``.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, ProblemCollector
from ..money import allocate_cents, to_cents
from ..periods import MONTHS_PER_PERIOD, PERIODS_PER_YEAR
from .inputs import CommissionInputs, MeasureDef
from .tiers import earned

NP = 12  # period columns
NEVER = 12  # reversal period of a deal that is never reversed

LINE_DEAL, LINE_REVERSAL, LINE_TRUEUP, LINE_ADJUSTMENT = "Deal", "Reversal", "True-up", "Adjustment"


@dataclass
class RunInfo:
    """What the Run log records about one calculation."""

    fingerprint: str
    computed_at: str
    engine_version: str
    workbook: str
    plan_year_start: _dt.date
    as_of: _dt.date | None
    months_computed: int
    counts: dict[str, int]
    totals: pd.DataFrame  # per currency: Commission, Adjustments, Total (cents)
    warnings: list[str] = field(default_factory=list)


@dataclass
class CommissionResult:
    """Outputs of a run. Money columns hold exact int64 **cents**.

    * ``payouts`` - one row per rep x measure x period;
    * ``summary`` - one row per rep x pay month: commission, adjustments, total;
    * ``lines`` - statement lines; per rep and pay month they sum to ``summary.Total``,
      per rep, measure and period to ``payouts.Payable``.
    """

    payouts: pd.DataFrame
    summary: pd.DataFrame
    lines: pd.DataFrame
    run: RunInfo
    inputs: CommissionInputs

    @staticmethod
    def amounts(frame: pd.DataFrame, columns=None) -> pd.DataFrame:
        """A copy of ``frame`` with cents columns turned into currency amounts (floats)."""
        out = frame.copy()
        for c in columns or [c for c in MONEY_COLUMNS if c in frame]:
            out[c] = out[c] / 100.0
        return out


MONEY_COLUMNS = ("EarnedBeforeCap", "CapApplied", "EarnedToDate", "PaidBefore", "Payable", "Commission",
                 "Adjustments", "Total", "Amount")


# -- preparation ----------------------------------------------------------------------------------

@dataclass
class _Plan:
    """Dense per-slot, per-period arrays."""

    slot_rep: np.ndarray
    slot_md: np.ndarray
    n_comp: np.ndarray  # periods computed per slot
    active: np.ndarray  # (S, 12) bool
    quota: np.ndarray  # (S, 12) float, 0 where inactive
    target: np.ndarray  # (S, 12) target incentive of the period
    cap: np.ndarray  # (S, 12) cap of the period (inf: none)
    slot_lookup: np.ndarray  # (R, n measure names) -> slot or -1
    measure_names: pd.Index


def _prepare(inp: CommissionInputs) -> _Plan:
    cal = inp.calendar
    ros = inp.frame("Roster")
    R = len(ros)
    mdefs = inp.measures
    measure_names = pd.Index(sorted({m.measure for m in mdefs}))
    md_by_plan: dict[str, list[MeasureDef]] = {}
    for m in mdefs:
        md_by_plan.setdefault(m.plan, []).append(m)
    slot_rep, slot_md = [], []
    plans = ros["PlanID"].to_numpy()
    for i in range(R):
        for m in md_by_plan.get(plans[i], ()):
            slot_rep.append(i)
            slot_md.append(m.index)
    slot_rep = np.asarray(slot_rep, dtype=np.int64)
    slot_md = np.asarray(slot_md, dtype=np.int64)
    S = len(slot_rep)
    slot_lookup = np.full((R, max(len(measure_names), 1)), -1, dtype=np.int64)
    mcode = measure_names.get_indexer([mdefs[k].measure for k in slot_md]) if S else np.zeros(0, dtype=np.int64)
    slot_lookup[slot_rep, mcode] = np.arange(S)

    ptype = np.array([mdefs[k].period_type for k in slot_md], dtype=object)
    is_q = ptype == "Quarter"
    n_comp = np.where(is_q, cal.periods_computed("Quarter"), cal.periods_computed("Month")).astype(np.int64)
    hire = ros["HireDate"].to_numpy().astype("datetime64[D]")[slot_rep]
    term = ros["TermDate"].to_numpy().astype("datetime64[D]")[slot_rep]
    active = np.zeros((S, NP), dtype=bool)
    for t in ("Month", "Quarter"):
        sel = is_q if t == "Quarter" else ~is_q
        if sel.any():
            active[sel, :PERIODS_PER_YEAR[t]] = cal.active(hire[sel], term[sel], t)
    active &= np.arange(NP)[None, :] < n_comp[:, None]

    quota = np.zeros((S, NP))
    q = inp.frame("Quotas")
    if len(q) and S:
        rc = pd.Index(ros["RepID"]).get_indexer(q["RepID"])
        mc = measure_names.get_indexer(q["Measure"])
        pi = q["PeriodIndex"].to_numpy()
        ok = (rc >= 0) & (mc >= 0) & (pi >= 0)
        sl = slot_lookup[rc[ok], mc[ok]]
        ok2 = sl >= 0
        quota[sl[ok2], pi[ok][ok2]] = q["Quota"].to_numpy()[ok][ok2]
    quota = np.where(active, quota, 0.0)

    weight = np.array([mdefs[k].weight for k in slot_md])
    ppy = np.where(is_q, 4.0, 12.0)
    ti = ros["TargetIncentive"].to_numpy()[slot_rep] if S else np.zeros(0)
    target = np.where(active, (ti * weight / ppy)[:, None], 0.0)
    cap_type = np.array([mdefs[k].cap_type for k in slot_md], dtype=object)
    cap_value = np.array([mdefs[k].cap_value for k in slot_md])
    cap = np.full((S, NP), np.inf)
    pct = cap_type == "PctOfTarget"
    cap[pct] = cap_value[pct][:, None] * target[pct]
    amt = cap_type == "Amount"
    cap[amt] = np.where(active[amt], cap_value[amt][:, None], 0.0)
    return _Plan(slot_rep, slot_md, n_comp, active, quota, target, cap, slot_lookup, measure_names)


@dataclass
class _Deals:
    """Deal rows that count, as integer-coded arrays (only included rows)."""

    row: np.ndarray  # row index in the Deals table
    slot: np.ndarray
    q: np.ndarray  # closing period
    r: np.ndarray  # reversal period (NEVER: not reversed)
    credit: np.ndarray  # in the rep's currency
    fx: np.ndarray
    close: np.ndarray  # datetime64[D]
    cancel: np.ndarray
    deal_code: np.ndarray  # order of DealID (sorted)


def _deal_arrays(inp: CommissionInputs, plan: _Plan, warnings: list[str]) -> _Deals:
    cal = inp.calendar
    d = inp.frame("Deals")
    ros = inp.frame("Roster")
    n = len(d)
    rc = pd.Index(ros["RepID"]).get_indexer(d["RepID"])
    mc = plan.measure_names.get_indexer(d["Measure"])
    slot = np.where((rc >= 0) & (mc >= 0), plan.slot_lookup[np.maximum(rc, 0), np.maximum(mc, 0)], -1)
    close = d["CloseDate"].to_numpy().astype("datetime64[D]")
    cancel = d["CancelDate"].to_numpy().astype("datetime64[D]")
    mi = cal.month_index(close)
    is_q = np.zeros(n, dtype=bool)
    if len(plan.slot_md):
        md_q = np.array([m.period_type == "Quarter" for m in inp.measures])
        is_q = np.where(slot >= 0, md_q[plan.slot_md[np.maximum(slot, 0)]], False)
    per_len = np.where(is_q, 3, 1)
    q = np.floor_divide(mi, per_len)
    m_comp = cal.months_computed
    in_year = (mi >= 0) & (mi < m_comp)
    if cal.as_of is not None:
        in_year &= close <= np.datetime64(cal.as_of, "D")
    not_in_plan = slot < 0
    active = np.zeros(n, dtype=bool)
    ok = (slot >= 0) & in_year
    active[ok] = plan.active[slot[ok], q[ok]]
    _warn_rows(warnings, d, not_in_plan, "deal rows credit a measure that is not in the rep's plan; not paid")
    _warn_rows(warnings, d, ~not_in_plan & ~in_year,
               "deal rows closed outside the computed periods (before the plan year, after it or after "
               "AsOfDate); not credited in this run", quiet=True)
    _warn_rows(warnings, d, ok & ~active, "deal rows closed while the rep was not employed; not credited")
    inc = ok & active

    # reversal period: cancelled within the clawback window and no later than AsOfDate
    md_claw = np.array([m.clawback_days for m in inp.measures]) if inp.measures else np.zeros(0)
    claw = np.where(slot >= 0, md_claw[plan.slot_md[np.maximum(slot, 0)]] if len(plan.slot_md) else np.nan, np.nan)
    cancelled = (d["Status"].to_numpy() == "Cancelled") & ~np.isnat(cancel)
    days = (cancel - close).astype("timedelta64[D]").astype(np.float64)
    within = np.isnan(claw) | (days <= claw)
    if cal.as_of is not None:
        cancelled &= cancel <= np.datetime64(cal.as_of, "D")
    outside = inc & cancelled & ~within
    if outside.any():
        warnings.append(f"{int(outside.sum())} cancelled deal rows were cancelled after their clawback window; "
                        "their commission stands")
    rmi = cal.month_index(np.where(cancelled, cancel, close))
    r = np.where(cancelled & within, np.floor_divide(rmi, per_len), NEVER)
    r = np.where(r >= NP, NEVER, r)
    r = np.minimum(r, NEVER)
    same_period = inc & (r <= q)
    if same_period.any():
        warnings.append(f"{int(same_period.sum())} deal rows were cancelled in the period they closed; not credited")
    inc &= ~same_period

    fx = _fx_rates(inp, d, rc, mi, inc)
    credit = d["Amount"].to_numpy() * d["SplitPct"].to_numpy() * fx
    codes = d["DealOrder"].to_numpy()  # rank of DealID, set by the validation
    idx = np.flatnonzero(inc)
    return _Deals(row=idx, slot=slot[idx], q=q[idx], r=r[idx], credit=credit[idx], fx=fx[idx], close=close[idx],
                  cancel=cancel[idx], deal_code=codes[idx])


def _warn_rows(warnings: list[str], d: pd.DataFrame, mask: np.ndarray, text: str, quiet: bool = False) -> None:
    k = int(mask.sum())
    if not k:
        return
    ids = d["DealID"].to_numpy()[mask][:5]
    warnings.append(f"{k} {text} (e.g. {', '.join(map(str, ids))})")


def _fx_rates(inp: CommissionInputs, d: pd.DataFrame, rc: np.ndarray, mi: np.ndarray, inc: np.ndarray) -> np.ndarray:
    ros = inp.frame("Roster")
    rep_ccy = ros["Currency"].to_numpy()[np.maximum(rc, 0)]
    deal_ccy = d["Currency"].to_numpy()
    fx = np.ones(len(d))
    need = inc & (deal_ccy != rep_ccy)
    if not need.any():
        return fx
    f = inp.frame("FXRates")
    key = pd.MultiIndex.from_arrays([f["MonthIndex"].to_numpy(), f["FromCurrency"].to_numpy(),
                                     f["ToCurrency"].to_numpy()])
    want = pd.MultiIndex.from_arrays([mi[need], deal_ccy[need], rep_ccy[need]])
    pos = key.get_indexer(want) if len(key) else np.full(int(need.sum()), -1)
    rates = f["Rate"].to_numpy()
    got = np.where(pos >= 0, rates[np.maximum(pos, 0)] if len(rates) else np.nan, np.nan)
    fx[need] = got
    if (pos < 0).any():
        tbl = inp.tables["Deals"]
        problems = ProblemCollector(per_kind=10)
        rows = np.flatnonzero(need)[pos < 0]
        seen = set()
        for i in rows:
            k = (int(mi[i]), deal_ccy[i], rep_ccy[i])
            if k in seen:
                continue
            seen.add(k)
            month = inp.calendar.month_label(int(mi[i]))
            problems.add(tbl.problem(int(i), "Currency", f"no FX rate {deal_ccy[i]}->{rep_ccy[i]} for {month}",
                                     value=deal_ccy[i],
                                     expected=f"a row in FXRates with Month {month}, FromCurrency {deal_ccy[i]}, "
                                              f"ToCurrency {rep_ccy[i]} (the rep's payout currency)"))
        problems.raise_if_any()
    return fx


# -- the kernel -----------------------------------------------------------------------------------

@dataclass
class _Earnings:
    asof: np.ndarray  # (S, 12, 12) credit of closing period q counted as of p
    ytd_credit: np.ndarray  # (S, 12)
    ytd_quota: np.ndarray
    ytd_target: np.ndarray
    ytd_cap: np.ndarray
    e_uncapped: np.ndarray  # (S, 12) cumulative earnings before caps
    e: np.ndarray  # (S, 12) cumulative earnings
    cents: np.ndarray  # (S, 12) to_cents(e)
    payable: np.ndarray  # (S, 12) cents


def credit_cube(slot: np.ndarray, q: np.ndarray, r: np.ndarray, credit: np.ndarray, n_slots: int) -> np.ndarray:
    """Credit as of each period: ``asof[s, q, p]`` for deals closed in ``q``, counted at the end of ``p``."""
    flat = (slot * NP + q) * (NP + 1) + r
    X = np.bincount(flat, weights=credit, minlength=n_slots * NP * (NP + 1)).reshape(n_slots, NP, NP + 1)
    suffix = np.cumsum(X[:, :, ::-1], axis=2)[:, :, ::-1]  # suffix[s,q,k] = sum_{r>=k} X[s,q,r]
    asof = suffix[:, :, 1:]  # asof[s,q,p] = sum_{r>p} X
    tri = np.tri(NP, dtype=bool).T  # tri[q, p] = q <= p
    return np.where(tri[None, :, :], asof, 0.0)


def kernel(inp: CommissionInputs, plan: _Plan, deals: _Deals) -> _Earnings:
    """Credit cube -> cumulative earnings and payables per slot and period."""
    S = len(plan.slot_rep)
    asof = credit_cube(deals.slot, deals.q, deals.r, deals.credit, S)
    ytd_credit = np.einsum("sqp->sp", asof)
    ytd_quota = np.cumsum(plan.quota, axis=1)
    ytd_target = np.cumsum(plan.target, axis=1)
    ytd_cap = np.cumsum(plan.cap, axis=1)
    e_un = np.zeros((S, NP))
    e = np.zeros((S, NP))
    tri = np.tri(NP, dtype=bool).T
    for m in inp.measures:
        sl = np.flatnonzero(plan.slot_md == m.index)
        if not len(sl):
            continue
        if m.basis == "YTD":
            u = earned(ytd_credit[sl], ytd_quota[sl], ytd_target[sl], m.tiers, m.method, m.rate_type, m.threshold)
            e_un[sl] = u
            e[sl] = np.minimum(u, ytd_cap[sl])
        else:
            qq = plan.quota[sl][:, :, None]
            u = earned(asof[sl], qq, plan.target[sl][:, :, None], m.tiers, m.method, m.rate_type, m.threshold)
            u = np.where(tri[None] & plan.active[sl][:, :, None], u, 0.0)
            c = np.minimum(u, plan.cap[sl][:, :, None])
            e_un[sl] = u.sum(axis=1)
            e[sl] = c.sum(axis=1)
    cols = np.arange(NP)[None, :]
    mask = cols < plan.n_comp[:, None]
    e = np.where(mask, e, 0.0)
    e_un = np.where(mask, e_un, 0.0)
    cents = to_cents(e)
    prev = np.concatenate([np.zeros((S, 1), dtype=np.int64), cents[:, :-1]], axis=1)
    payable = np.where(mask, cents - prev, 0)
    return _Earnings(asof, ytd_credit, ytd_quota, ytd_target, ytd_cap, e_un, e, cents, payable)


# -- statement lines ------------------------------------------------------------------------------

def _segment_excl_cumsum(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Exclusive running sum of ``values`` within runs of equal ``groups`` (already sorted), in long double."""
    if not len(values):
        return np.zeros(0)
    cs = np.cumsum(values.astype(np.longdouble))
    start = np.r_[True, groups[1:] != groups[:-1]]
    base = np.maximum.accumulate(np.where(start, np.arange(len(values)), 0))
    before = np.where(base > 0, cs[np.maximum(base - 1, 0)], 0)
    return (cs - values - before).astype(np.float64)


def _f(x, s, p, m: MeasureDef, plan: _Plan, ea: _Earnings, basis_period: bool):
    """Capped, gated cumulative earnings at credit position ``x`` in period (s, p)."""
    if basis_period:
        Q, T, C = plan.quota[s, p], plan.target[s, p], plan.cap[s, p]
    else:
        Q, T, C = ea.ytd_quota[s, p], ea.ytd_target[s, p], ea.ytd_cap[s, p]
    return np.minimum(earned(x, Q, T, m.tiers, m.method, m.rate_type, m.threshold), C), Q


def _attainment(x, Q):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(Q > 0, x / np.where(Q > 0, Q, 1.0), np.nan)


@dataclass
class _Lines:
    parts: list[dict] = field(default_factory=list)

    def add(self, **cols):
        self.parts.append(cols)


def _deal_lines(inp: CommissionInputs, plan: _Plan, deals: _Deals, ea: _Earnings, out: _Lines) -> None:
    for m in inp.measures:
        in_m = plan.slot_md[deals.slot] == m.index if len(deals.slot) else np.zeros(0, dtype=bool)
        if not in_m.any():
            continue
        per_basis = m.basis == "Period"
        # new credit: deals counted at the end of their closing period
        idx = np.flatnonzero(in_m & (deals.r > deals.q))
        if len(idx):
            s, q = deals.slot[idx], deals.q[idx]
            order = np.lexsort((deals.row[idx], deals.deal_code[idx], deals.close[idx], q, s))
            idx, s, q = idx[order], s[order], q[order]
            c = deals.credit[idx]
            grp = s * NP + q
            excl = _segment_excl_cumsum(c, grp)
            if per_basis:
                base = np.zeros(len(idx))
            else:  # credit of earlier periods still counted at the end of q
                base = _base_ytd(ea.asof, s, q)
            x0 = base + excl
            x1 = x0 + c
            f0, Q = _f(x0, s, q, m, plan, ea, per_basis)
            f1, _ = _f(x1, s, q, m, plan, ea, per_basis)
            _emit(out, inp, plan, m, deals, idx, s, q, LINE_DEAL, c, f1 - f0, x0, x1, Q)
        # reversals: deals cancelled within the window, in a later computed period
        idx = np.flatnonzero(in_m & (deals.r > deals.q) & (deals.r < plan.n_comp[deals.slot]))
        if len(idx):
            s, q, r = deals.slot[idx], deals.q[idx], deals.r[idx]
            order = np.lexsort((deals.row[idx], deals.deal_code[idx], deals.cancel[idx], q if per_basis else r * 0,
                                r, s))
            idx, s, q, r = idx[order], s[order], q[order], r[order]
            c = deals.credit[idx]
            if per_basis:
                grp = (s * NP + q) * NP + r
                top = ea.asof[s, q, r - 1]
                pp = q
            else:
                grp = s * NP + r
                top = _base_ytd(ea.asof, s, r, asof_offset=-1)
                pp = r
            excl = _segment_excl_cumsum(c, grp)
            x1 = top - excl
            x0 = x1 - c
            f0, Q = _f(x0, s, pp, m, plan, ea, per_basis)
            f1, _ = _f(x1, s, pp, m, plan, ea, per_basis)
            _emit(out, inp, plan, m, deals, idx, s, r, LINE_REVERSAL, -c, f0 - f1, x1, x0, Q)


def _base_ytd(asof: np.ndarray, s: np.ndarray, p: np.ndarray, asof_offset: int = 0) -> np.ndarray:
    """sum over q < p of asof[s, q, p + offset] for each (s, p) pair (vectorised over pairs)."""
    pairs, inv = np.unique(s * NP + p, return_inverse=True)
    ps, pp = pairs // NP, pairs % NP
    col = np.maximum(pp + asof_offset, 0)
    vals = asof[ps, :, col]  # (n_pairs, 12) over q
    mask = np.arange(NP)[None, :] < pp[:, None]
    out = np.where(mask, vals, 0.0).sum(axis=1)
    out = np.where(pp + asof_offset >= 0, out, 0.0)
    return out[inv]


def _emit(out: _Lines, inp, plan, m: MeasureDef, deals: _Deals, idx, s, pay_p, kind, credit, amount, x0, x1, Q):
    a0, a1 = _attainment(x0, Q), _attainment(x1, Q)
    names = np.array(m.tiers.names, dtype=object)
    t0 = names[m.tiers.band(np.nan_to_num(a0))]
    t1 = names[m.tiers.band(np.nan_to_num(a1))]
    note = np.full(len(idx), None, dtype=object)
    if m.threshold > 0:
        lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
        note[hi < m.threshold - 1e-9] = "below threshold"
        note[(lo < m.threshold - 1e-9) & (hi >= m.threshold - 1e-9)] = "crosses threshold"
    if np.isfinite(m.cap_value):
        capped = np.abs(amount) < np.abs(_nominal(m, credit, x0, x1, Q)) - 1e-9
        note[capped & (note == None)] = "cap reached"  # noqa: E711
    out.add(kind=kind, slot=s, period=pay_p, row=deals.row[idx], credit=credit, fx=deals.fx[idx],
            a0=a0, a1=a1, t0=t0, t1=t1, exact=amount, note=note, measure=m.index,
            cancel=deals.cancel[idx] if kind == LINE_REVERSAL else None)


def _nominal(m: MeasureDef, credit, x0, x1, Q):
    """What a line would earn with no cap (for the cap note)."""
    return earned(np.maximum(x0, x1), Q, np.inf, m.tiers, m.method, "Commission", 0.0) - \
        earned(np.minimum(x0, x1), Q, np.inf, m.tiers, m.method, "Commission", 0.0) \
        if m.rate_type == "Commission" else np.abs(credit) * np.inf


# -- assembly -------------------------------------------------------------------------------------

def compute(inp: CommissionInputs, *, computed_at: str | None = None) -> CommissionResult:
    """Run the commission calculation on validated inputs."""
    from .. import __version__

    warnings: list[str] = list(inp.warnings)
    plan = _prepare(inp)
    deals = _deal_arrays(inp, plan, warnings)
    ea = kernel(inp, plan, deals)
    lines = _Lines()
    _deal_lines(inp, plan, deals, ea, lines)
    payouts, group_of = _payouts(inp, plan, ea, lines)
    line_frame = _line_frame(inp, plan, ea, lines, payouts, group_of)
    adj = _adjustment_lines(inp)
    summary = _summary(inp, plan, payouts, adj)
    all_lines = _finish_lines(inp, plan, line_frame, payouts, adj)
    run = _run_info(inp, payouts, summary, all_lines, deals, warnings, computed_at, __version__)
    for k in ("slot", "period", "pay_month"):
        payouts.attrs.pop(k, None)
    return CommissionResult(payouts=payouts, summary=summary, lines=all_lines, run=run, inputs=inp)


def _payouts(inp, plan: _Plan, ea: _Earnings, lines: _Lines):
    cal = inp.calendar
    ros = inp.frame("Roster")
    S = len(plan.slot_rep)
    has_line = np.zeros((S, NP), dtype=bool)
    for part in lines.parts:
        has_line[part["slot"], part["period"]] = True
    cols = np.arange(NP)[None, :]
    keep = (cols < plan.n_comp[:, None]) & (plan.active | (ea.payable != 0) | has_line)
    s_idx, p_idx = np.nonzero(keep)
    mdefs = inp.measures
    md = plan.slot_md[s_idx]
    rep = plan.slot_rep[s_idx]
    is_q = np.array([m.period_type == "Quarter" for m in mdefs], dtype=bool)[md] if mdefs else np.zeros(0, bool)
    basis = np.array([m.basis for m in mdefs], dtype=object)[md]
    month_labels = np.array(cal.period_labels("Month"), dtype=object)
    quarter_labels = np.array(cal.period_labels("Quarter") + [""] * 8, dtype=object)
    period_label = np.where(is_q, quarter_labels[p_idx], month_labels[p_idx])
    pay_month = np.where(is_q, p_idx * 3 + 2, p_idx).astype(np.int64)
    credit = ea.asof[s_idx, p_idx, p_idx]
    quota = plan.quota[s_idx, p_idx]
    att = _attainment(credit, quota)
    ytd_att = _attainment(ea.ytd_credit[s_idx, p_idx], ea.ytd_quota[s_idx, p_idx])
    tier = np.empty(len(s_idx), dtype=object)
    for m in mdefs:
        sel = md == m.index
        if sel.any():
            a = ytd_att[sel] if m.basis == "YTD" else att[sel]
            tier[sel] = np.array(m.tiers.names, dtype=object)[m.tiers.band(np.nan_to_num(a))]
    prev_cents = np.where(p_idx > 0, ea.cents[s_idx, np.maximum(p_idx - 1, 0)], 0)
    e_un_c = to_cents(ea.e_uncapped[s_idx, p_idx])
    frame = pd.DataFrame({
        "RepID": ros["RepID"].to_numpy()[rep],
        "RepName": ros["RepName"].to_numpy()[rep],
        "PlanID": np.array([m.plan for m in mdefs], dtype=object)[md],
        "Measure": np.array([m.measure for m in mdefs], dtype=object)[md],
        "Period": period_label,
        "PayMonth": month_labels[pay_month],
        "Basis": basis,
        "Currency": ros["Currency"].to_numpy()[rep],
        "Credit": credit,
        "Quota": quota,
        "Attainment": att,
        "CreditYTD": ea.ytd_credit[s_idx, p_idx],
        "QuotaYTD": ea.ytd_quota[s_idx, p_idx],
        "AttainmentYTD": ytd_att,
        "Tier": tier,
        "EarnedBeforeCap": e_un_c,
        "CapApplied": e_un_c - ea.cents[s_idx, p_idx],
        "EarnedToDate": ea.cents[s_idx, p_idx],
        "PaidBefore": prev_cents,
        "Payable": ea.payable[s_idx, p_idx],
    })
    frame.attrs["slot"] = s_idx
    frame.attrs["period"] = p_idx
    frame.attrs["pay_month"] = pay_month
    group_of = np.full((S, NP), -1, dtype=np.int64)
    group_of[s_idx, p_idx] = np.arange(len(s_idx))
    return frame, group_of


def _cat(parts: list[dict], key: str, dtype=None) -> np.ndarray:
    arrs = [np.asarray(p[key]) if p[key] is not None else np.full(len(p["slot"]), np.datetime64("NaT", "D"))
            for p in parts]
    if not arrs:
        return np.zeros(0, dtype=dtype or np.float64)
    return np.concatenate(arrs)


def _line_frame(inp, plan: _Plan, ea: _Earnings, lines: _Lines, payouts: pd.DataFrame,
                group_of: np.ndarray) -> dict[str, np.ndarray]:
    """Deal and reversal lines plus one true-up line per payout row (as column arrays); cents allocated exactly."""
    G = len(payouts)
    parts = lines.parts
    slot = _cat(parts, "slot", np.int64).astype(np.int64)
    period = _cat(parts, "period", np.int64).astype(np.int64)
    exact = _cat(parts, "exact")
    grp = group_of[slot, period] if len(slot) else np.zeros(0, dtype=np.int64)
    # true-up: whatever the period's change in cumulative earnings is not explained by its lines
    s_idx, p_idx = payouts.attrs["slot"], payouts.attrs["period"]
    change = ea.e[s_idx, p_idx] - np.where(p_idx > 0, ea.e[s_idx, np.maximum(p_idx - 1, 0)], 0.0)
    explained = np.bincount(grp, weights=exact, minlength=G) if len(grp) else np.zeros(G)
    resid = change - explained
    n_lines = np.bincount(grp, minlength=G) if len(grp) else np.zeros(G, dtype=np.int64)
    payable = payouts["Payable"].to_numpy()
    tu = (np.abs(resid) > 1e-7) | ((n_lines == 0) & (payable != 0))
    tu_g = np.flatnonzero(tu)
    all_exact = np.concatenate([exact, resid[tu_g]])
    all_grp = np.concatenate([grp, tu_g])
    cents = allocate_cents(all_exact, all_grp, payable)
    n = len(exact)
    k = len(tu_g)
    # true-up attainment: YTD attainment of the period
    tu_att = payouts["AttainmentYTD"].to_numpy()[tu_g]
    basis = payouts["Basis"].to_numpy()[tu_g]
    tu_note = np.where(basis == "YTD", "YTD true-up: credit of earlier periods re-measured at YTD attainment",
                       "earned without new credit")
    kind = np.concatenate([np.full(len(p["slot"]), p["kind"], dtype=object) for p in parts]
                          + [np.full(k, LINE_TRUEUP, dtype=object)])
    cols = {
        "_g": all_grp,
        "_kind": kind,
        "_row": np.concatenate([_cat(parts, "row", np.int64).astype(np.int64), np.full(k, -1)]),
        "Credit": np.concatenate([_cat(parts, "credit"), np.zeros(k)]),
        "FXRate": np.concatenate([_cat(parts, "fx"), np.full(k, np.nan)]),
        "AttainmentFrom": np.concatenate([_cat(parts, "a0"), tu_att]),
        "AttainmentTo": np.concatenate([_cat(parts, "a1"), tu_att]),
        "_t0": np.concatenate([_cat(parts, "t0", object), payouts["Tier"].to_numpy()[tu_g]]),
        "_t1": np.concatenate([_cat(parts, "t1", object), payouts["Tier"].to_numpy()[tu_g]]),
        "Amount": cents,
        "_exact": all_exact,
        "Note": np.concatenate([_cat(parts, "note", object), tu_note.astype(object)]),
        "_cancel": np.concatenate([_cat(parts, "cancel"), np.full(k, np.datetime64("NaT", "D"))]) if parts else
        np.full(k, np.datetime64("NaT", "D")),
    }
    # drop true-up lines that came to nothing
    keep = ~((kind == LINE_TRUEUP) & (cents == 0) & (np.abs(all_exact) < 0.005))
    assert n + k == len(keep)
    return {c: v[keep] for c, v in cols.items()}


def _adjustment_lines(inp) -> pd.DataFrame:
    a = inp.frame("Adjustments")
    ros = inp.frame("Roster")
    if not len(a):
        return pd.DataFrame(columns=["_rep", "_month", "Amount", "Type", "Description", "_row"])
    rep = pd.Index(ros["RepID"]).get_indexer(a["RepID"])
    month = a["MonthIndex"].to_numpy()
    inside = month < inp.calendar.months_computed
    return pd.DataFrame({
        "_rep": rep[inside], "_month": month[inside], "Amount": to_cents(a["Amount"].to_numpy())[inside],
        "Type": a["Type"].to_numpy()[inside], "Description": a["Description"].to_numpy()[inside],
        "_row": np.flatnonzero(inside),
    })


def _summary(inp, plan: _Plan, payouts: pd.DataFrame, adj: pd.DataFrame) -> pd.DataFrame:
    cal = inp.calendar
    ros = inp.frame("Roster")
    R = len(ros)
    M = cal.months_computed
    rep_of_row = plan.slot_rep[payouts.attrs["slot"]]
    pm = payouts.attrs["pay_month"]
    comm = np.bincount(rep_of_row * 12 + pm, weights=payouts["Payable"].to_numpy(), minlength=R * 12)
    comm = comm.reshape(R, 12).astype(np.int64)
    adjm = np.zeros((R, 12), dtype=np.int64)
    if len(adj):
        np.add.at(adjm, (adj["_rep"].to_numpy(), adj["_month"].to_numpy()), adj["Amount"].to_numpy())
    # months in which a rep is employed or has anything to pay
    active = cal.active(ros["HireDate"].to_numpy(), ros["TermDate"].to_numpy(), "Month")
    keep = (np.arange(12)[None, :] < M) & (active | (comm != 0) | (adjm != 0))
    r_idx, m_idx = np.nonzero(keep)
    return pd.DataFrame({
        "RepID": ros["RepID"].to_numpy()[r_idx],
        "RepName": ros["RepName"].to_numpy()[r_idx],
        "PlanID": ros["PlanID"].to_numpy()[r_idx],
        "ManagerID": ros["ManagerID"].to_numpy()[r_idx],
        "PayMonth": np.array([cal.month_label(m) for m in range(12)], dtype=object)[m_idx],
        "Currency": ros["Currency"].to_numpy()[r_idx],
        "Commission": comm[r_idx, m_idx],
        "Adjustments": adjm[r_idx, m_idx],
        "Total": comm[r_idx, m_idx] + adjm[r_idx, m_idx],
    })


LINE_COLUMNS = ("RepID", "PayMonth", "Period", "Measure", "LineType", "DealID", "CloseDate", "Product",
                "DealCurrency", "SplitPct", "FXRate", "Credit", "AttainmentFrom", "AttainmentTo", "Tier", "Rate",
                "Amount", "Note")


def _finish_lines(inp, plan: _Plan, lf: dict[str, np.ndarray], payouts: pd.DataFrame,
                  adj: pd.DataFrame) -> pd.DataFrame:
    """Statement lines with their display columns, sorted for reading (one DataFrame built at the end)."""
    cal = inp.calendar
    ros = inp.frame("Roster")
    d = inp.frame("Deals")
    g = lf["_g"]
    row = lf["_row"]
    kind = lf["_kind"]
    has_deal = row >= 0
    drow = np.where(has_deal, row, 0)

    def deal_col(name):
        if name not in d or not len(d):
            return np.full(len(row), None, dtype=object)
        vals = d[name].to_numpy()[drow]
        if vals.dtype.kind == "M":
            return np.where(has_deal, vals, np.datetime64("NaT"))
        if vals.dtype.kind == "f":
            return np.where(has_deal, vals, np.nan)
        out = vals.astype(object)
        out[~has_deal] = None
        return out

    t0, t1 = lf["_t0"], lf["_t1"]
    tier = t0.copy()
    diff = t0 != t1
    if diff.any():
        tier[diff] = (pd.Series(t0[diff]) + " → " + pd.Series(t1[diff])).to_numpy()
    credit, exact = lf["Credit"], lf["_exact"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(credit != 0, exact / np.where(credit != 0, credit, 1.0), np.nan)
    note = lf["Note"].copy()
    rev = kind == LINE_REVERSAL
    if rev.any():
        when = pd.Series(lf["_cancel"][rev]).dt.strftime("%Y-%m-%d")
        note[rev] = ("deal cancelled " + when).to_numpy()
    md_order = {m.index: k for k, m in enumerate(inp.measures)}
    measure_pos = np.array([md_order[x] for x in plan.slot_md], dtype=np.int64)
    slots = np.asarray(payouts.attrs["slot"])
    cols = {
        "RepID": payouts["RepID"].to_numpy()[g],
        "PayMonth": payouts["PayMonth"].to_numpy()[g],
        "Period": payouts["Period"].to_numpy()[g],
        "Measure": payouts["Measure"].to_numpy()[g],
        "LineType": kind,
        "DealID": deal_col("DealID"),
        "CloseDate": deal_col("CloseDate").astype("datetime64[D]"),
        "Product": deal_col("Product"),
        "DealCurrency": deal_col("Currency"),
        "SplitPct": deal_col("SplitPct"),
        "FXRate": lf["FXRate"],
        "Credit": credit,
        "AttainmentFrom": lf["AttainmentFrom"],
        "AttainmentTo": lf["AttainmentTo"],
        "Tier": tier,
        "Rate": rate,
        "Amount": lf["Amount"],
        "Note": note,
    }
    kind_rank = np.select([kind == LINE_TRUEUP, kind == LINE_REVERSAL], [0, 1], 2)
    n_meas = max(len(inp.measures), 1)
    # one composite key: rep, pay month, measure, period; then kind, date, row
    major = ((plan.slot_rep[slots][g] * 12 + np.asarray(payouts.attrs["pay_month"])[g]) * (n_meas + 1)
             + measure_pos[slots][g]) * 13 + np.asarray(payouts.attrs["period"])[g]
    keys = [row, cols["CloseDate"].astype(np.int64), kind_rank, major]
    if len(adj):
        a_n = len(adj)
        a_rep = adj["_rep"].to_numpy()
        a_month = adj["_month"].to_numpy()
        month_labels = np.array(cal.period_labels("Month"), dtype=object)
        extra = {c: np.full(a_n, None, dtype=object) for c in LINE_COLUMNS}
        for c in ("SplitPct", "FXRate", "Credit", "AttainmentFrom", "AttainmentTo", "Rate"):
            extra[c] = np.full(a_n, np.nan)
        extra["CloseDate"] = np.full(a_n, np.datetime64("NaT"), dtype="datetime64[D]")
        extra["RepID"] = ros["RepID"].to_numpy()[a_rep]
        extra["PayMonth"] = month_labels[a_month]
        extra["Period"] = month_labels[a_month]
        extra["LineType"] = np.full(a_n, LINE_ADJUSTMENT, dtype=object)
        extra["Amount"] = adj["Amount"].to_numpy()
        extra["Note"] = np.array([f"{t}: {x}" if x else str(t) for t, x in zip(adj["Type"], adj["Description"])],
                                 dtype=object)
        cols = {c: np.concatenate([cols[c], extra[c]]) for c in LINE_COLUMNS}
        a_major = ((a_rep * 12 + a_month) * (n_meas + 1) + n_meas) * 13 + 12
        keys = [np.concatenate([row, adj["_row"].to_numpy()]),
                np.concatenate([keys[1], np.zeros(a_n, dtype=np.int64)]),
                np.concatenate([kind_rank, np.full(a_n, 3)]),
                np.concatenate([major, a_major])]
    order = np.lexsort(tuple(keys))
    return pd.DataFrame({c: cols[c][order] for c in LINE_COLUMNS})


def _run_info(inp, payouts, summary, lines, deals: _Deals, warnings, computed_at, version) -> RunInfo:
    cal = inp.calendar
    tot = summary.groupby("Currency", sort=True)[["Commission", "Adjustments", "Total"]].sum()
    tot = tot.reset_index()
    counts = {
        "Reps": int(len(inp.frame("Roster"))),
        "Deal rows": int(len(inp.frame("Deals"))),
        "Deal rows credited": int(len(deals.row)),
        "Payout rows": int(len(payouts)),
        "Statement lines": int(len(lines)),
    }
    return RunInfo(
        fingerprint=inp.fingerprint,
        computed_at=computed_at or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        engine_version=version, workbook=inp.workbook, plan_year_start=cal.start, as_of=cal.as_of,
        months_computed=cal.months_computed, counts=counts, totals=tot, warnings=warnings,
    )
