"""The commission engine: credit, attainment, tiers, true-up, statement lines.

Everything here is vectorised over whole columns with numpy; the only Python
loops run over plan measures (a handful), never over deals. The rules are
stated in docs/commissions.md; the section names below follow it.

Index spaces
------------
* **rep** ``i`` - a person of the Roster (who may have several effective-dated rows).
* **slot** ``s`` - a (rep, measure of a plan the rep holds) pair.
* **period** ``p`` - 0..11 for monthly measures, 0..3 for quarterly ones, 0 for annual ones.
  Arrays indexed by period have 12 columns; quarterly slots use the first 4, annual ones the first.

The credit cube ``X[s, q, r]`` holds the credit of deals closed in period
``q`` and reversed (cancelled within the clawback window) in period ``r``
(``r = 12``: never). Credit counted *as of* period ``p`` for closing period
``q <= p`` is then ``sum(X[s, q, r] for r > p)``. Preparation (slots,
proration, credit pieces, team roll-up) lives in :mod:`.prepare`.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..money import allocate_cents, to_cents
from ..periods import PERIOD_TYPES
from ..tables import const, object_frame
from . import locks
from .columns import LINE_ADJUSTMENT, LINE_DEAL, LINE_REVERSAL, LINE_TEAM, LINE_TEAM_REVERSAL, LINE_TRUEUP
from .disputes import LINE_DISPUTE, dispute_lines
from .extras import (
    EXTRA_COLUMNS,
    LINE_BONUS,
    LINE_DRAW_ADVANCE,
    LINE_DRAW_RECOVERY,
    LINE_DRAW_TOPUP,
    LINE_SPIF,
    LINE_SPIF_REVERSAL,
    bonus_lines,
    draws,
    spif_lines,
)
from .holds import LINE_HELD, LINE_RELEASED, apply_holds
from .inputs import CommissionInputs, MeasureDef
from .prepare import NP, Pieces, Plan, months_per_period, period_types, pieces, prepare
from .tiers import earned


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
    totals: pd.DataFrame  # per currency: Reps (people paid in it), each of SUMMARY_COMPONENTS and Total (cents)
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
    draws: pd.DataFrame = field(default_factory=pd.DataFrame)  # rep x month draw balances (when draws exist)
    held: pd.DataFrame = field(default_factory=pd.DataFrame)  # Held Commission: per rep and deal or hold (holds.py)

    @staticmethod
    def amounts(frame: pd.DataFrame, columns=None) -> pd.DataFrame:
        """A copy of ``frame`` with cents columns turned into currency amounts (floats)."""
        out = frame.copy()
        for c in columns or [c for c in MONEY_COLUMNS if c in frame]:
            out[c] = out[c] / 100.0
        return out


SUMMARY_COMPONENTS = ("Commission", "SPIFs", "Bonuses", "Adjustments", "PriorPeriodAdjustments", "DrawTopUp",
                      "DrawAdvance", "DrawRecovery")
MONEY_COLUMNS = ("EarnedBeforeCap", "CapApplied", "EarnedToDate", "HeldToDate", "PaidBefore", "Payable", "Amount",
                 "Total", "EarningsBeforeDraw", "TopUp", "Advance", "Recovery", "OpeningBalance", "ClosingBalance",
                 "WrittenOff", "DrawAmount") + SUMMARY_COMPONENTS


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


def kernel(inp: CommissionInputs, plan: Plan, pcs: Pieces) -> _Earnings:
    """Credit cube -> cumulative earnings and payables per slot and period."""
    S = len(plan.slot_rep)
    asof = credit_cube(pcs.slot, pcs.q, pcs.r, pcs.credit, S)
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
            if m.cap_carry:  # EarnedToDate(p) = min(EarnedToDate(p-1) + cap(p), uncapped earnings to date)
                cap = plan.cap[sl]
                for p in range(NP):
                    before = e[sl, p - 1] if p else 0.0
                    e[sl, p] = np.minimum(before + cap[:, p], e_un[sl, p])
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
    """Exclusive running sum of ``values`` within runs of equal ``groups`` (already sorted), in long double.

    A segmented scan (log2 of the longest run passes, each over the whole array): every sum involves only its own
    run's values, in an order set by the positions within the run, so a run gives the very same bits whatever
    else is in the array. (A global cumsum minus the sum before the run would not: its rounding depends on the
    runs before it, and the partitioned engine, docs/scale.md, must agree with one process to the last bit.)
    """
    n = len(values)
    if not n:
        return np.zeros(0)
    start = np.r_[True, groups[1:] != groups[:-1]]
    pos = np.arange(n) - np.maximum.accumulate(np.where(start, np.arange(n), 0))
    x = values.astype(np.longdouble)
    k = 1
    longest = int(pos.max()) + 1
    while k < longest:
        shifted = np.zeros(n, dtype=np.longdouble)
        shifted[k:] = np.where(pos[k:] >= k, x[:-k], 0)
        x = x + shifted
        k *= 2
    return (x - values).astype(np.float64)


def _f(x, s, p, m: MeasureDef, plan: Plan, ea: _Earnings, basis_period: bool):
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


@dataclass
class Items:
    """Credit lines before attribution: a deal row's new credit or reversal, or a team roll-up per rep."""

    kind: np.ndarray  # LINE_DEAL, LINE_REVERSAL, LINE_TEAM, LINE_TEAM_REVERSAL
    slot: np.ndarray
    q: np.ndarray  # closing period
    r: np.ndarray  # reversal period (for reversals)
    credit: np.ndarray  # positive magnitude, in the slot rep's currency
    fx: np.ndarray
    date: np.ndarray  # close date (new credit) or cancellation date (reversal), datetime64[D]
    order: np.ndarray  # DealID rank (own) or source rep (team)
    row: np.ndarray  # deal row (own) or -1
    src: np.ndarray  # source rep (team) or -1
    n_deals: np.ndarray  # deals behind the line


def line_items(plan: Plan, pcs: Pieces) -> Items:
    S = max(len(plan.slot_rep), 1)
    own = pcs.src < 0
    new = pcs.r > pcs.q
    rev = new & (pcs.r < plan.n_comp[pcs.slot]) if len(pcs) else new
    parts = []
    # own new credit: one line per deal row and slot (its pieces are counted together at close)
    sel = np.flatnonzero(own & new)
    if len(sel):
        # a row has several pieces only when part of it was cancelled: group just those (np.unique on 1M is slow)
        rows = pcs.row[sel]
        multi = np.bincount(rows)[rows] > 1
        single, several = sel[~multi], sel[multi]
        credit = pcs.credit[single]
        if len(several):
            key = pcs.row[several].astype(np.int64) * S + pcs.slot[several]
            _, first, inv = np.unique(key, return_index=True, return_inverse=True)
            single = np.concatenate([single, several[first]])
            credit = np.concatenate([credit, np.bincount(inv, weights=pcs.credit[several])])
        f = single
        parts.append(dict(kind=const(len(f), LINE_DEAL), slot=pcs.slot[f], q=pcs.q[f], r=pcs.q[f],
                          credit=credit, fx=pcs.fx[f], date=pcs.close[f],
                          order=pcs.deal_code[f], row=pcs.row[f], src=np.full(len(f), -1),
                          n_deals=np.ones(len(f), dtype=np.int64)))
    # own reversals: one line per cancelled piece
    sel = np.flatnonzero(own & rev)
    if len(sel):
        parts.append(dict(kind=const(len(sel), LINE_REVERSAL), slot=pcs.slot[sel], q=pcs.q[sel],
                          r=pcs.r[sel], credit=pcs.credit[sel], fx=pcs.fx[sel], date=pcs.event[sel],
                          order=pcs.deal_code[sel], row=pcs.row[sel], src=np.full(len(sel), -1),
                          n_deals=np.ones(len(sel), dtype=np.int64)))
    # team credit and its reversals, rolled up per source rep
    for kind, mask, with_r in ((LINE_TEAM, ~own & new, False), (LINE_TEAM_REVERSAL, ~own & rev, True)):
        sel = np.flatnonzero(mask)
        if not len(sel):
            continue
        r = pcs.r[sel] if with_r else np.zeros(len(sel), dtype=np.intp)
        key = ((pcs.slot[sel].astype(np.int64) * NP + pcs.q[sel]) * (NP + 1) + r) * (len(plan.roster.rep_ids) + 1) \
            + pcs.src[sel]
        uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
        f = sel[first]
        rows_per = np.unique(np.stack([inv, pcs.row[sel]]), axis=1)[0]
        parts.append(dict(kind=const(len(f), kind), slot=pcs.slot[f], q=pcs.q[f],
                          r=pcs.r[f] if with_r else pcs.q[f], credit=np.bincount(inv, weights=pcs.credit[sel]),
                          fx=np.full(len(f), np.nan), date=np.full(len(f), np.datetime64("NaT"), "datetime64[D]"),
                          order=pcs.src[f], row=np.full(len(f), -1), src=pcs.src[f],
                          n_deals=np.bincount(rows_per, minlength=len(f)).astype(np.int64)))
    if not parts:
        z = np.zeros(0, dtype=np.intp)
        return Items(np.zeros(0, dtype=object), z, z, z, np.zeros(0), np.zeros(0),
                     np.zeros(0, dtype="datetime64[D]"), z, z, z, z)
    return Items(**{k: np.concatenate([p[k] for p in parts]) for k in parts[0]})


def _deal_lines(inp: CommissionInputs, plan: Plan, it: Items, ea: _Earnings, out: _Lines) -> None:
    is_rev = (it.kind == LINE_REVERSAL) | (it.kind == LINE_TEAM_REVERSAL)
    is_team = (it.kind == LINE_TEAM) | (it.kind == LINE_TEAM_REVERSAL)
    for m in inp.measures:
        in_m = plan.slot_md[it.slot] == m.index if len(it.slot) else np.zeros(0, dtype=bool)
        if not in_m.any():
            continue
        per_basis = m.basis == "Period"
        # new credit, stacked on the credit already counted: own deals by close date and DealID, then team
        idx = np.flatnonzero(in_m & ~is_rev)
        if len(idx):
            s, q = it.slot[idx], it.q[idx]
            order = np.lexsort((it.row[idx], it.order[idx], it.date[idx], is_team[idx], q, s))
            idx, s, q = idx[order], s[order], q[order]
            c = it.credit[idx]
            excl = _segment_excl_cumsum(c, s * NP + q)
            base = np.zeros(len(idx)) if per_basis else _base_ytd(ea.asof, s, q)
            x0 = base + excl
            x1 = x0 + c
            f0, Q = _f(x0, s, q, m, plan, ea, per_basis)
            f1, _ = _f(x1, s, q, m, plan, ea, per_basis)
            _emit(out, m, it, idx, s, q, c, f1 - f0, x0, x1, Q)
        # reversals, taken off the top of the previous period's stack
        idx = np.flatnonzero(in_m & is_rev)
        if len(idx):
            s, q, r = it.slot[idx], it.q[idx], it.r[idx]
            order = np.lexsort((it.row[idx], it.order[idx], it.date[idx], is_team[idx],
                                q if per_basis else r * 0, r, s))
            idx, s, q, r = idx[order], s[order], q[order], r[order]
            c = it.credit[idx]
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
            _emit(out, m, it, idx, s, r, -c, f0 - f1, x1, x0, Q)


def _base_ytd(asof: np.ndarray, s: np.ndarray, p: np.ndarray, asof_offset: int = 0) -> np.ndarray:
    """sum over q < p of asof[s, q, p + offset] for each (s, p) pair (a small (S, 12) table, then a lookup)."""
    cols = np.arange(NP)
    vals = asof[:, :, np.clip(cols + asof_offset, 0, NP - 1)]  # (S, q, p)
    base = np.where((cols[:, None] < cols[None, :])[None], vals, 0.0).sum(axis=1)  # (S, p)
    base[:, cols + asof_offset < 0] = 0.0
    return base[s, p]


def _emit(out: _Lines, m: MeasureDef, it: Items, idx, s, pay_p, credit, amount, x0, x1, Q):
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
    out.add(kind=it.kind[idx], slot=s, period=pay_p, row=it.row[idx], credit=credit, fx=it.fx[idx],
            a0=a0, a1=a1, t0=t0, t1=t1, exact=amount, note=note, measure=m.index, cancel=it.date[idx],
            src=it.src[idx], n_deals=it.n_deals[idx])


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
    problems = ProblemCollector()
    plan = prepare(inp, problems)
    pcs = pieces(inp, plan, warnings, problems)
    problems.raise_if_any()
    ea = kernel(inp, plan, pcs)
    lines = _Lines()
    _deal_lines(inp, plan, line_items(plan, pcs), ea, lines)
    payouts, group_of = _payouts(inp, plan, ea, lines)
    line_frame = _line_frame(inp, plan, ea, lines, payouts, group_of)
    line_frame, payouts, held = apply_holds(inp, plan, line_frame, payouts, group_of,
                                            lambda extra: _payouts(inp, plan, ea, lines, extra))
    extra = pd.concat([_adjustment_lines(inp, plan), dispute_lines(inp, plan.roster.rep_ids),
                       spif_lines(inp, plan, pcs), bonus_lines(inp, plan, ea.ytd_credit)], ignore_index=True)
    lock = locks.lock_state(inp, plan)
    if lock is not None:
        extra = pd.concat([extra, locks.prior_period_lines(inp, plan, lock, payouts, extra, warnings)],
                          ignore_index=True)
    summary, extra, draw_table = _summary(inp, plan, payouts, extra, lock)
    all_lines = _finish_lines(inp, plan, line_frame, payouts, extra)
    for k in ("slot", "period", "pay_month"):
        payouts.attrs.pop(k, None)
    if lock is not None:
        payouts, summary, all_lines, draw_table = locks.freeze(inp, plan, lock, payouts, summary, all_lines,
                                                               draw_table)
    run = _run_info(inp, payouts, summary, all_lines, pcs, warnings, computed_at, __version__)
    return CommissionResult(payouts=payouts, summary=summary, lines=all_lines, run=run, inputs=inp,
                            draws=draw_table, held=held)


def _payouts(inp, plan: Plan, ea: _Earnings, lines: _Lines, extra_keep: np.ndarray | None = None):
    """One row per slot and period with anything to show; ``extra_keep``: more (S, 12) rows to keep (a release of
    held commission in a period that has nothing else)."""
    cal = inp.calendar
    rd = plan.roster
    S = len(plan.slot_rep)
    has_line = np.zeros((S, NP), dtype=bool)
    for part in lines.parts:
        has_line[part["slot"], part["period"]] = True
    cols = np.arange(NP)[None, :]
    keep = (cols < plan.n_comp[:, None]) & (plan.active | (ea.payable != 0) | has_line)
    if extra_keep is not None:
        keep |= extra_keep & (cols < plan.n_comp[:, None])
    s_idx, p_idx = np.nonzero(keep)
    mdefs = inp.measures
    md = plan.slot_md[s_idx]
    rep = plan.slot_rep[s_idx]
    ptype = period_types(mdefs, md)
    basis = np.array([m.basis for m in mdefs], dtype=object)[md]
    month_labels = np.array(cal.period_labels("Month"), dtype=object)
    period_label = np.empty(len(p_idx), dtype=object)
    for t in PERIOD_TYPES:
        sel = ptype == t
        period_label[sel] = np.array(cal.period_labels(t) + [""] * 12, dtype=object)[p_idx[sel]]
    k = months_per_period(ptype)
    pay_month = (p_idx * k + k - 1).astype(np.intp)
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
    frame = object_frame({
        "RepID": rd.rep_ids[rep],
        "RepName": rd.name[rep],
        "PlanID": np.array([m.plan for m in mdefs], dtype=object)[md],
        "Measure": np.array([m.measure for m in mdefs], dtype=object)[md],
        "Period": period_label,
        "PayMonth": month_labels[pay_month],
        "Basis": basis,
        "Currency": rd.currency[rep],
        "ActiveShare": plan.active_frac[s_idx, p_idx],
        "TargetIncentive": plan.target[s_idx, p_idx],
        "Credit": credit,
        "Quota": quota,
        "Attainment": att,
        "CreditYTD": ea.ytd_credit[s_idx, p_idx],
        "QuotaYTD": ea.ytd_quota[s_idx, p_idx],
        "AttainmentYTD": ytd_att,
        "Unit": np.array([m.unit or None for m in mdefs] + [None], dtype=object)[md],
        "Variance": credit - quota,
        "VarianceYTD": ea.ytd_credit[s_idx, p_idx] - ea.ytd_quota[s_idx, p_idx],
        "Tier": tier,
        "EarnedBeforeCap": e_un_c,
        "CapApplied": e_un_c - ea.cents[s_idx, p_idx],
        "EarnedToDate": ea.cents[s_idx, p_idx],
        "HeldToDate": np.zeros(len(s_idx), dtype=np.int64),
        "PaidBefore": prev_cents,
        "Payable": ea.payable[s_idx, p_idx],
    })
    frame.attrs["slot"] = s_idx
    frame.attrs["period"] = p_idx
    frame.attrs["pay_month"] = pay_month
    group_of = np.full((S, NP), -1, dtype=np.intp)
    group_of[s_idx, p_idx] = np.arange(len(s_idx))
    return frame, group_of


def _cat(parts: list[dict], key: str, dtype=None) -> np.ndarray:
    arrs = [np.asarray(p[key]) if p[key] is not None else np.full(len(p["slot"]), np.datetime64("NaT", "D"))
            for p in parts]
    if not arrs:
        return np.zeros(0, dtype=dtype or np.float64)
    return np.concatenate(arrs)


def _line_frame(inp, plan: Plan, ea: _Earnings, lines: _Lines, payouts: pd.DataFrame,
                group_of: np.ndarray) -> dict[str, np.ndarray]:
    """Deal and reversal lines plus one true-up line per payout row (as column arrays); cents allocated exactly."""
    G = len(payouts)
    parts = lines.parts
    slot = _cat(parts, "slot", np.intp).astype(np.intp)
    period = _cat(parts, "period", np.intp).astype(np.intp)
    exact = _cat(parts, "exact")
    grp = group_of[slot, period] if len(slot) else np.zeros(0, dtype=np.intp)
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
    carry = {(m.plan, m.measure) for m in inp.measures if m.cap_carry and m.basis != "YTD"}
    carried = np.array([(p, m) in carry for p, m in zip(payouts["PlanID"].to_numpy()[tu_g],
                                                       payouts["Measure"].to_numpy()[tu_g])], dtype=bool)
    tu_note = np.where(basis == "YTD", "YTD true-up: credit of earlier periods re-measured at YTD attainment",
                       np.where(carried, "cap carry-forward: earnings above an earlier period's cap, paid within "
                                         "this period's cap", "earned without new credit"))
    kind = np.concatenate([np.asarray(p["kind"], dtype=object) for p in parts] + [const(k, LINE_TRUEUP)])
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
        "_cancel": np.concatenate([_cat(parts, "cancel").astype("datetime64[D]"),
                                   np.full(k, np.datetime64("NaT", "D"))]) if parts else
        np.full(k, np.datetime64("NaT", "D")),
        "_src": np.concatenate([_cat(parts, "src", np.int64).astype(np.int64), np.full(k, -1)]),
        "_n": np.concatenate([_cat(parts, "n_deals", np.int64).astype(np.int64), np.zeros(k, dtype=np.int64)]),
    }
    # drop true-up lines that came to nothing
    keep = ~((kind == LINE_TRUEUP) & (cents == 0) & (np.abs(all_exact) < 0.005))
    assert n + k == len(keep)
    return cols if keep.all() else {c: v[keep] for c, v in cols.items()}


def _adjustment_lines(inp, plan: Plan) -> pd.DataFrame:
    a = inp.frame("Adjustments")
    rep = pd.Index(plan.roster.rep_ids).get_indexer(a["RepID"]) if len(a) else np.zeros(0, dtype=np.intp)
    month = a["MonthIndex"].to_numpy() if len(a) else np.zeros(0, dtype=np.int64)
    inside = month < inp.calendar.months_computed
    note = [f"{t}: {x}" if x else str(t) for t, x in zip(a["Type"], a["Description"])] if len(a) else []
    return object_frame({
        "_rep": rep[inside].astype(np.int64), "_month": month[inside].astype(np.int64), "LineType": LINE_ADJUSTMENT,
        "Amount": to_cents(a["Amount"].to_numpy())[inside] if len(a) else np.zeros(0, dtype=np.int64),
        "Note": np.array(note, dtype=object)[inside] if len(a) else np.zeros(0, dtype=object),
        "_row": np.full(int(inside.sum()), -1, dtype=np.int64), "Measure": None,
        "Credit": np.full(int(inside.sum()), np.nan),
    })[EXTRA_COLUMNS]


def month_rows(plan: Plan) -> np.ndarray:
    """(R, 12) roster row in force on the last employed day of each month; -1 if not employed that month."""
    rd = plan.roster
    b = np.r_[np.flatnonzero(np.r_[True, np.diff(plan.day_period["Month"]) != 0]), rd.n_days]
    out = np.full((len(rd.rep_ids), 12), -1, dtype=np.int64)
    for m in range(min(12, len(b) - 1)):
        block = rd.row_on_day[:, b[m]:b[m + 1]]
        valid = block >= 0
        last = np.where(valid.any(axis=1), block.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1), -1)
        out[:, m] = np.where(last >= 0, block[np.arange(len(block)), np.maximum(last, 0)], -1)
    return out


_COMPONENT_OF = {LINE_ADJUSTMENT: "Adjustments", LINE_DISPUTE: "Adjustments", LINE_SPIF: "SPIFs",
                 LINE_SPIF_REVERSAL: "SPIFs", LINE_BONUS: "Bonuses", LINE_DRAW_TOPUP: "DrawTopUp", LINE_DRAW_ADVANCE: "DrawAdvance",
                 LINE_DRAW_RECOVERY: "DrawRecovery", "Prior-period adjustment": "PriorPeriodAdjustments"}


def _summary(inp, plan: Plan, payouts: pd.DataFrame, extra: pd.DataFrame, lock=None):
    """Rep x pay month: each component, draws applied month by month, and the total to pay.

    Returns (summary, extra lines including the draw lines, draw balance table).
    """
    cal = inp.calendar
    rd = plan.roster
    R = len(rd.rep_ids)
    M = cal.months_computed
    rep_of_row = plan.slot_rep[payouts.attrs["slot"]]
    pm = payouts.attrs["pay_month"]
    comp = {c: np.zeros((R, 12), dtype=np.int64) for c in SUMMARY_COMPONENTS}
    comp["Commission"] = np.bincount(rep_of_row * 12 + pm, weights=payouts["Payable"].to_numpy(),
                                     minlength=R * 12).reshape(R, 12).astype(np.int64)

    def add_lines(frame: pd.DataFrame) -> None:
        for kind, grp in frame.groupby("LineType"):
            np.add.at(comp[_COMPONENT_OF[kind]], (grp["_rep"].to_numpy(), grp["_month"].to_numpy()),
                      grp["Amount"].to_numpy())

    extra = extra[extra["_month"] < M]
    add_lines(extra)
    rows = month_rows(plan)
    employed_months = rows >= 0
    last_month = np.where(employed_months.any(axis=1) & ~employed_months[:, -1],
                          11 - np.argmax(employed_months[:, ::-1], axis=1), -1)
    before_draw = sum((comp[c] for c in ("Commission", "SPIFs", "Bonuses", "Adjustments", "PriorPeriodAdjustments")),
                      np.zeros((R, 12), dtype=np.int64))
    if lock is not None:
        draw_lines, draw_table = draws(inp, plan, before_draw, last_month, opening=lock.opening_draw_balance,
                                       first_month=lock.first_open)
    else:
        draw_lines, draw_table = draws(inp, plan, before_draw, last_month)
    add_lines(draw_lines)
    extra = pd.concat([extra, draw_lines], ignore_index=True) if len(draw_lines) else extra
    total = sum(comp.values(), np.zeros((R, 12), dtype=np.int64))
    # months in which a rep is employed or has anything to pay
    nonzero = np.zeros((R, 12), dtype=bool)
    for v in comp.values():
        nonzero |= v != 0
    keep = (np.arange(12)[None, :] < M) & (employed_months | nonzero)
    r_idx, m_idx = np.nonzero(keep)
    # plan and manager of the month (of the rep's last row when the rep has left)
    last_row = np.full(R, -1, dtype=np.intp)
    last_row[rd.row_rep] = np.arange(len(rd.row_rep))
    k = rows[r_idx, m_idx]
    k = np.where(k >= 0, k, last_row[r_idx])
    mgr = rd.row_manager[np.maximum(k, 0)]
    month_labels = np.array(cal.period_labels("Month"), dtype=object)
    out = {
        "RepID": rd.rep_ids[r_idx],
        "RepName": rd.name[r_idx],
        "PlanID": rd.row_plan[np.maximum(k, 0)],
        "ManagerID": np.where(mgr >= 0, rd.rep_ids[np.maximum(mgr, 0)], None),
        "PayMonth": month_labels[m_idx],
        "Currency": rd.currency[r_idx],
    }
    for c in SUMMARY_COMPONENTS:
        out[c] = comp[c][r_idx, m_idx]
    out["Total"] = total[r_idx, m_idx]
    summary = object_frame(out, copy=False)
    if len(draw_table):
        draw_table = object_frame({
            "RepID": rd.rep_ids[draw_table["_rep"].to_numpy()], "RepName": rd.name[draw_table["_rep"].to_numpy()],
            "PayMonth": month_labels[draw_table["_month"].to_numpy()],
            "Currency": rd.currency[draw_table["_rep"].to_numpy()],
            **{c: draw_table[c].to_numpy() for c in draw_table.columns if not c.startswith("_")},
        })
    return summary, extra, draw_table


LINE_COLUMNS = ("RepID", "PayMonth", "Period", "Measure", "LineType", "DealID", "CloseDate", "Product",
                "DealCurrency", "SplitPct", "FXRate", "Credit", "AttainmentFrom", "AttainmentTo", "Tier", "Rate",
                "Amount", "Note")


def _finish_lines(inp, plan: Plan, lf: dict[str, np.ndarray], payouts: pd.DataFrame,
                  extra: pd.DataFrame) -> pd.DataFrame:
    """Statement lines with their display columns, sorted for reading (one DataFrame built at the end)."""
    cal = inp.calendar
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
    if "MovedFrom" in d and len(d):
        mv = deal_col("MovedFrom")
        moved = (mv != None) & ((kind == LINE_DEAL) | (kind == LINE_REVERSAL))  # noqa: E711
        if moved.any():
            acc = pd.Series(deal_col("AccountID")[moved]).astype(str)
            note[moved] = ("account " + acc + " moved from " + pd.Series(mv[moved]).astype(str)).to_numpy()
    rev = kind == LINE_REVERSAL
    if rev.any():
        when = pd.Series(lf["_cancel"][rev]).dt.strftime("%Y-%m-%d")
        note[rev] = ("deal cancelled " + when).to_numpy()
    team = (kind == LINE_TEAM) | (kind == LINE_TEAM_REVERSAL)
    if team.any():
        rd = plan.roster
        src = lf["_src"][team]
        who = pd.Series(rd.rep_ids[src]).astype(str) + " " + pd.Series(rd.name[src]).astype(str)
        n = pd.Series(lf["_n"][team]).astype(str)
        verb = np.where(kind[team] == LINE_TEAM, "team credit from ", "team cancellations of ")
        note_more = pd.Series(note[team]).fillna("")
        note[team] = (verb + who + " (" + n + " deal rows)" + np.where(note_more != "", "; " + note_more, "")).to_numpy()
    md_order = {m.index: k for k, m in enumerate(inp.measures)}
    measure_pos = np.array([md_order[x] for x in plan.slot_md], dtype=np.intp)
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
    kind_rank = np.select([kind == LINE_TRUEUP, kind == LINE_REVERSAL, kind == LINE_TEAM_REVERSAL,
                           kind == LINE_DEAL, kind == LINE_RELEASED, kind == LINE_HELD], [0, 1, 2, 3, 5, 6], 4)
    n_meas = max(len(inp.measures), 1)
    # one composite key: rep, pay month, measure, period; then kind, date, row
    major = ((plan.slot_rep[slots][g] * 12 + np.asarray(payouts.attrs["pay_month"])[g]) * (n_meas + 1)
             + measure_pos[slots][g]) * 13 + np.asarray(payouts.attrs["period"])[g]
    keys = [row, cols["CloseDate"].astype(np.int64), kind_rank, major]
    if len(extra):
        a_n = len(extra)
        a_rep = extra["_rep"].to_numpy().astype(np.intp)
        a_month = extra["_month"].to_numpy().astype(np.intp)
        a_row = extra["_row"].to_numpy().astype(np.intp)
        a_has = a_row >= 0
        month_labels = np.array(cal.period_labels("Month"), dtype=object)
        more = {c: np.full(a_n, None, dtype=object) for c in LINE_COLUMNS}
        for c in ("SplitPct", "FXRate", "AttainmentFrom", "AttainmentTo", "Rate"):
            more[c] = np.full(a_n, np.nan)
        more["CloseDate"] = np.full(a_n, np.datetime64("NaT"), dtype="datetime64[D]")
        if a_has.any() and len(d):
            r_ = a_row[a_has]
            more["DealID"][a_has] = d["DealID"].to_numpy()[r_]
            more["CloseDate"][a_has] = d["CloseDate"].to_numpy().astype("datetime64[D]")[r_]
            more["Product"][a_has] = d["Product"].to_numpy()[r_] if "Product" in d else None
            more["DealCurrency"][a_has] = d["Currency"].to_numpy()[r_]
            more["SplitPct"][a_has] = d["SplitPct"].to_numpy()[r_]
        more["RepID"] = plan.roster.rep_ids[a_rep]
        more["PayMonth"] = month_labels[a_month]
        more["Period"] = month_labels[a_month]
        more["Measure"] = extra["Measure"].to_numpy().astype(object)
        more["LineType"] = extra["LineType"].to_numpy().astype(object)
        more["Credit"] = extra["Credit"].to_numpy().astype(np.float64)
        more["Amount"] = extra["Amount"].to_numpy().astype(np.int64)
        more["Note"] = extra["Note"].to_numpy().astype(object)
        cols = {c: np.concatenate([cols[c], more[c]]) for c in LINE_COLUMNS}
        rank = {"Prior-period adjustment": 5, LINE_SPIF: 6, LINE_SPIF_REVERSAL: 6, LINE_BONUS: 7,
                LINE_ADJUSTMENT: 8, LINE_DISPUTE: 8, LINE_DRAW_TOPUP: 9, LINE_DRAW_ADVANCE: 9, LINE_DRAW_RECOVERY: 10}
        a_kind = np.array([rank.get(k, 11) for k in more["LineType"]], dtype=np.int64)
        a_major = ((a_rep * 12 + a_month) * (n_meas + 1) + n_meas) * 13 + 12
        keys = [np.concatenate([row, a_row]),
                np.concatenate([keys[1], more["CloseDate"].astype(np.int64)]),
                np.concatenate([kind_rank, a_kind]),
                np.concatenate([major, a_major])]
    order = np.lexsort(tuple(keys))
    return object_frame({c: cols[c][order] for c in LINE_COLUMNS}, copy=False)  # no block consolidation


def run_timestamp() -> str:
    """Now in UTC, or SOURCE_DATE_EPOCH when set (the reproducible-builds convention: identical reruns)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = _dt.datetime.fromtimestamp(int(epoch), _dt.UTC) if epoch and epoch.isdigit() else \
        _dt.datetime.now(_dt.UTC)
    return now.replace(microsecond=0).isoformat()


def run_totals(summary: pd.DataFrame) -> pd.DataFrame:
    """Per currency: Reps (people paid in it), each of SUMMARY_COMPONENTS and Total (cents): the Run log's totals."""
    tot = summary.groupby("Currency", sort=True)[list(SUMMARY_COMPONENTS) + ["Total"]].sum()
    people = summary.groupby("Currency", sort=True)["RepID"].nunique()
    tot.insert(0, "Reps", people.reindex(tot.index).to_numpy(dtype=np.int64))
    return tot.reset_index()


def _run_info(inp, payouts, summary, lines, pcs: Pieces, warnings, computed_at, version) -> RunInfo:
    cal = inp.calendar
    tot = run_totals(summary)
    roster = inp.frame("Roster")
    counts = {
        "Reps": int(roster["RepID"].nunique()),  # people: a rep with two roster rows (plan change) is one rep
        "Roster rows": int(len(roster)),
        "Deal rows": int(len(inp.frame("Deals"))),
        "Deal rows credited": int(np.count_nonzero(np.bincount(pcs.row[pcs.src < 0]))) if len(pcs) else 0,
        "Payout rows": int(len(payouts)),
        "Statement lines": int(len(lines)),
    }
    return RunInfo(
        fingerprint=inp.fingerprint,
        computed_at=computed_at or run_timestamp(),
        engine_version=version, workbook=inp.workbook, plan_year_start=cal.start, as_of=cal.as_of,
        months_computed=cal.months_computed, counts=counts, totals=tot, warnings=warnings,
    )
