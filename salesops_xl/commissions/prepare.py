"""From validated tables to the dense arrays the kernel works on.

Time is handled by the day: every rep has, for each day of the plan year, the
roster row in force (plan, target incentive, manager), whether they are
employed and whether they are on leave. A *slot* is a (rep, plan measure)
pair; it is active on the days the rep is employed, not on leave, and on that
plan. Quotas and target incentives are prorated by those active days
(docs/commissions.md, "Proration").

Credit comes in *pieces*: a deal row credits its rep's slot (and, for Team
measures, the slots of every manager above the rep); a cancellation cuts a
piece off that is reversed in the period of the cancellation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

import numpy as np
import pandas as pd

from ..errors import Problem, ProblemCollector
from ..periods import MONTHS_PER_PERIOD, PERIOD_TYPES, PERIODS_PER_YEAR, PeriodType, PlanCalendar
from ..words import count
from .inputs import CommissionInputs, MeasureDef

NP = 12  # period columns
# PERIOD_TYPES typed as PeriodType (the same values in the same order, read off the Literal)
_PERIOD_TYPES: tuple[PeriodType, ...] = get_args(PeriodType)
NEVER = 12  # reversal period of credit that is never reversed


@dataclass
class RosterDays:
    """People and, for each day of the plan year, the roster row in force."""

    rep_ids: np.ndarray  # (R,) object, in order of first appearance
    name: np.ndarray  # (R,) name on the rep's last row
    currency: np.ndarray  # (R,)
    row_on_day: np.ndarray  # (R, D) int32 roster row index, -1 where not employed or no row applies
    on_leave: np.ndarray  # (R, D) bool
    row_rep: np.ndarray  # (K,) rep index of each roster row
    row_plan: np.ndarray  # (K,) object
    row_ti: np.ndarray  # (K,) annual target incentive
    row_manager: np.ndarray  # (K,) rep index of the manager, -1 none
    start: np.datetime64
    n_days: int

    def day_index(self, dates: np.ndarray) -> np.ndarray:
        """datetime64 -> day of the plan year (may fall outside 0..n_days-1); NaT -> -10**6."""
        d = np.asarray(dates).astype("datetime64[D]")
        out = (d - self.start).astype(np.intp)
        out[np.isnat(d)] = -(10**6)
        return out

    def row_at(self, rep: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Roster row in force for each (rep, day) pair; -1 outside the year or employment."""
        ok = (rep >= 0) & (day >= 0) & (day < self.n_days)
        out = np.full(len(rep), -1, dtype=np.intp)
        out[ok] = self.row_on_day[rep[ok], day[ok]]
        return out


def roster_days(inp: CommissionInputs) -> RosterDays:
    cal = inp.calendar
    ros = inp.frame("Roster")
    start = np.datetime64(cal.start, "D")
    end = np.datetime64(cal.end, "D")
    n_days = int((end - start).astype(int)) + 1
    codes, rep_ids = pd.factorize(ros["RepID"])
    R = len(rep_ids)
    K = len(ros)
    hire = ros["HireDate"].to_numpy().astype("datetime64[D]")
    term = ros["TermDate"].to_numpy().astype("datetime64[D]")
    eff_from = (ros["EffectiveFrom"] if "EffectiveFrom" in ros else pd.Series([pd.NaT] * K)).to_numpy() \
        .astype("datetime64[D]")
    eff_to = (ros["EffectiveTo"] if "EffectiveTo" in ros else pd.Series([pd.NaT] * K)).to_numpy() \
        .astype("datetime64[D]")
    # a row applies from max(hire, EffectiveFrom) to min(term, EffectiveTo, the day before the rep's next row)
    lo = np.where(np.isnat(eff_from), hire, np.maximum(hire, eff_from))
    order = np.lexsort((lo.astype(np.int64), codes))
    nxt = np.full(K, np.datetime64("NaT", "D"))
    same = codes[order][1:] == codes[order][:-1]
    nxt[order[:-1][same]] = lo[order[1:][same]] - np.timedelta64(1, "D")
    hi = term.copy()
    for bound in (eff_to, nxt):
        hi = np.where(np.isnat(bound), hi, np.where(np.isnat(hi), bound, np.minimum(hi, bound)))
    d0 = np.clip((lo - start).astype(np.int64), 0, n_days)
    d1 = np.where(np.isnat(hi), n_days - 1, np.clip((hi - start).astype(np.int64), -1, n_days - 1))
    row_on_day = np.full((R, n_days), -1, dtype=np.int32)
    # paint each row's span (a handful of rows per rep: a loop over roster rows, not over deals or days)
    for k in np.flatnonzero(d1 >= d0).tolist():
        row_on_day[codes[k], d0[k]:d1[k] + 1] = k
    on_leave = np.zeros((R, n_days), dtype=bool)
    lv = inp.frame("Leaves") if "Leaves" in inp.tables else None
    if lv is not None and len(lv):
        lrep = pd.Index(rep_ids).get_indexer(lv["RepID"])
        l0 = np.clip((lv["StartDate"].to_numpy().astype("datetime64[D]") - start).astype(np.int64), 0, n_days)
        l1 = np.clip((lv["EndDate"].to_numpy().astype("datetime64[D]") - start).astype(np.int64), -1, n_days - 1)
        for i, a, b in zip(lrep, l0, l1):
            if i >= 0 and b >= a:
                on_leave[i, a:b + 1] = True
    last_row = np.zeros(R, dtype=np.intp)
    last_row[codes[order]] = order  # rows sorted by start: the last write is the latest row
    mgr = pd.Index(rep_ids).get_indexer(ros["ManagerID"]) if K else np.zeros(0, dtype=np.intp)
    first_row = np.zeros(R, dtype=np.intp)
    first_row[codes[::-1]] = np.arange(K)[::-1]
    return RosterDays(
        rep_ids=np.asarray(rep_ids, dtype=object), name=ros["RepName"].to_numpy()[last_row] if K else
        np.zeros(0, dtype=object), currency=ros["Currency"].to_numpy()[first_row] if K else np.zeros(0, dtype=object),
        row_on_day=row_on_day, on_leave=on_leave, row_rep=codes.astype(np.intp),
        row_plan=ros["PlanID"].to_numpy(), row_ti=annual_target_incentive(ros),
        row_manager=np.asarray(mgr, dtype=np.intp), start=start, n_days=n_days,
    )


def period_types(mdefs: list[MeasureDef], md: np.ndarray) -> np.ndarray:
    """PeriodType (Month, Quarter or Year) of the measure definition of each element of ``md``."""
    types = np.array([m.period_type for m in mdefs] + ["Month"], dtype=object)
    return types[np.asarray(md, dtype=np.intp)] if len(md) else np.zeros(0, dtype=object)


def months_per_period(ptype: np.ndarray) -> np.ndarray:
    """1, 3 or 12 for each Month, Quarter or Year of ``ptype``."""
    return np.select([ptype == t for t in PERIOD_TYPES], [MONTHS_PER_PERIOD[t] for t in PERIOD_TYPES], 1) \
        .astype(np.intp)


def period_of_day(day_period: dict, ptype: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Period index of each ``day`` in the calendar of its ``ptype``."""
    out = np.zeros(len(day), dtype=np.intp)
    for t in PERIOD_TYPES:
        sel = ptype == t
        if sel.any():
            out[sel] = day_period[t][day[sel]]
    return out


def annual_target_incentive(ros: pd.DataFrame) -> np.ndarray:
    """Roster[TargetIncentive] per year: x 4 when given per quarter, x 12 per month (TargetIncentivePer)."""
    ti = ros["TargetIncentive"].to_numpy().astype(np.float64)
    if "TargetIncentivePer" not in ros:
        return ti
    per = ros["TargetIncentivePer"].to_numpy(dtype=object)
    return ti * np.where(per == "Month", 12.0, np.where(per == "Quarter", 4.0, 1.0))


@dataclass
class Plan:
    """Dense per-slot, per-period arrays (quarterly slots use the first 4 period columns)."""

    roster: RosterDays
    slot_rep: np.ndarray
    slot_md: np.ndarray
    n_comp: np.ndarray  # periods computed per slot
    active: np.ndarray  # (S, 12) bool: any active day in the period
    active_frac: np.ndarray  # (S, 12) active days / days in the period
    quota: np.ndarray  # (S, 12) prorated quota of the period
    target: np.ndarray  # (S, 12) prorated target incentive of the period
    cap: np.ndarray  # (S, 12) cap of the period (inf: none)
    slot_index: np.ndarray  # (R, n plans, n measure names) -> slot or -1
    plan_names: pd.Index
    measure_names: pd.Index
    day_period: dict  # period type -> (D,) period of each day
    quota_year: np.ndarray  # (S,) prorated quota of the whole plan year (for milestone bonuses)
    target_year: np.ndarray  # (S,) prorated target incentive of the whole plan year

    def slot_of(self, rep: np.ndarray, row: np.ndarray, measure_code: np.ndarray) -> np.ndarray:
        """Slot of (rep, plan of roster row, measure) for each element; -1 where none."""
        ok = (rep >= 0) & (row >= 0) & (measure_code >= 0)
        out = np.full(len(rep), -1, dtype=np.intp)
        if ok.any():
            pc = self.plan_names.get_indexer(self.roster.row_plan[row[ok]])
            good = pc >= 0
            idx = np.flatnonzero(ok)[good]
            out[idx] = self.slot_index[rep[idx], pc[good], measure_code[idx]]
        return out


def _days_from(start: np.datetime64, day: np.datetime64) -> int:
    """Whole days from ``start`` to ``day`` (both datetime64[D])."""
    return int(day.astype(np.int64) - start.astype(np.int64))


def period_day_bounds(cal: PlanCalendar, ptype: PeriodType, start: np.datetime64, n_days: int) -> np.ndarray:
    """First day (day index) of each period, plus n_days."""
    firsts = [_days_from(start, np.datetime64(cal.period_bounds(p, ptype)[0], "D"))
              for p in range(PERIODS_PER_YEAR[ptype])]
    return np.array(firsts + [n_days], dtype=np.intp)


def prepare(inp: CommissionInputs, problems: ProblemCollector | None = None) -> Plan:
    """Slots, proration and quotas; a missing quota of an active period is added to ``problems``."""
    problems = problems if problems is not None else ProblemCollector()
    cal = inp.calendar
    rd = roster_days(inp)
    R, D = rd.row_on_day.shape
    mdefs = inp.measures
    measure_names = pd.Index(sorted({m.measure for m in mdefs}))
    plan_names = pd.Index(sorted({m.plan for m in mdefs}))
    md_by_plan: dict[str, list[MeasureDef]] = {}
    for m in mdefs:
        md_by_plan.setdefault(m.plan, []).append(m)
    # slots: every (rep, measure of a plan the rep has during the year)
    pairs = sorted({(int(rd.row_rep[k]), rd.row_plan[k]) for k in np.unique(rd.row_on_day[rd.row_on_day >= 0])})
    slot_rep_list: list[int] = []
    slot_md_list: list[int] = []
    for i, plan in pairs:
        for m in md_by_plan.get(plan, ()):
            slot_rep_list.append(i)
            slot_md_list.append(m.index)
    slot_rep = np.asarray(slot_rep_list, dtype=np.intp)
    slot_md = np.asarray(slot_md_list, dtype=np.intp)
    S = len(slot_rep)
    slot_index = np.full((max(R, 1), max(len(plan_names), 1), max(len(measure_names), 1)), -1, dtype=np.intp)
    if S:
        slot_index[slot_rep, plan_names.get_indexer([mdefs[k].plan for k in slot_md]),
                   measure_names.get_indexer([mdefs[k].measure for k in slot_md])] = np.arange(S)

    # active days of each slot: employed, on the slot's plan, not on leave
    rows = rd.row_on_day[slot_rep] if S else np.zeros((0, D), dtype=np.int32)
    plan_code_of_row = plan_names.get_indexer(rd.row_plan) if len(rd.row_plan) else np.zeros(0, dtype=np.intp)
    slot_plan = plan_names.get_indexer([mdefs[k].plan for k in slot_md]) if S else np.zeros(0, dtype=np.intp)
    row_plan_day = np.where(rows >= 0, plan_code_of_row[np.maximum(rows, 0)] if len(plan_code_of_row) else -1, -1)
    act_day = (row_plan_day == slot_plan[:, None]) & ~rd.on_leave[slot_rep]
    ti_day = np.where(act_day, rd.row_ti[np.maximum(rows, 0)] if len(rd.row_ti) else 0.0, 0.0)

    ptype = period_types(mdefs, slot_md)
    n_comp = np.zeros(S, dtype=np.intp)
    for t in _PERIOD_TYPES:
        n_comp[ptype == t] = cal.periods_computed(t)
    bounds = {t: period_day_bounds(cal, t, rd.start, D) for t in _PERIOD_TYPES}
    day_period = {t: np.repeat(np.arange(len(b) - 1), np.diff(b)) for t, b in bounds.items()}
    active_days = np.zeros((S, NP))
    period_days = np.zeros((S, NP))
    ti_sum = np.zeros((S, NP))
    for t in _PERIOD_TYPES:
        sel = ptype == t
        if not sel.any():
            continue
        b = bounds[t]
        P = len(b) - 1
        active_days[sel, :P] = np.add.reduceat(act_day[sel].astype(np.float64), b[:-1], axis=1)
        ti_sum[sel, :P] = np.add.reduceat(ti_day[sel], b[:-1], axis=1)
        period_days[sel, :P] = np.diff(b)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(period_days > 0, active_days / np.where(period_days > 0, period_days, 1), 0.0)
    cols = np.arange(NP)[None, :]
    computed = cols < n_comp[:, None]
    active = (active_days > 0) & computed

    weight = np.array([mdefs[k].weight for k in slot_md])
    ppy = 12.0 / months_per_period(ptype)
    # daily target: annual TI x weight / periods per year / days in the period, summed over active days
    with np.errstate(divide="ignore", invalid="ignore"):
        target = np.where(period_days > 0, ti_sum * (weight / ppy)[:, None] / np.where(period_days > 0,
                                                                                          period_days, 1), 0.0)
    target = np.where(active, target, 0.0)

    quota, covered = _prorated_quotas(inp, rd, slot_rep, slot_md, act_day, bounds, ptype, measure_names,
                                      plan_names, slot_index, period_days)
    whole_year = active_days > 0
    quota_year = np.where(whole_year, quota, 0.0).sum(axis=1)  # for milestones: all periods, computed or not
    with np.errstate(divide="ignore", invalid="ignore"):
        target_all = np.where(period_days > 0, ti_sum * (weight / ppy)[:, None] / np.where(period_days > 0,
                                                                                              period_days, 1), 0.0)
    target_year = np.where(whole_year, target_all, 0.0).sum(axis=1)
    quota = np.where(active, quota, 0.0)
    _check_quotas(inp, rd, slot_rep, slot_md, active, covered, problems)

    cap_type = np.array([mdefs[k].cap_type for k in slot_md], dtype=object)
    cap_value = np.array([mdefs[k].cap_value for k in slot_md])
    cap = np.full((S, NP), np.inf)
    pct = cap_type == "PctOfTarget"
    cap[pct] = cap_value[pct][:, None] * target[pct]
    amt = cap_type == "Amount"
    cap[amt] = np.where(active[amt], cap_value[amt][:, None] * frac[amt], 0.0)
    return Plan(rd, slot_rep, slot_md, n_comp, active, np.where(active, frac, 0.0), quota, target, cap, slot_index,
                plan_names, measure_names, day_period, quota_year, target_year)


def _prorated_quotas(inp, rd: RosterDays, slot_rep, slot_md, act_day, bounds, ptype, measure_names, plan_names,
                     slot_index, period_days) -> tuple[np.ndarray, np.ndarray]:
    """Quota of each slot and period: each quota row x its active days / the period's days."""
    S = len(slot_rep)
    quota = np.zeros((S, NP))
    covered = np.zeros((S, NP), dtype=bool)
    q = inp.frame("Quotas")
    if not len(q) or not S:
        return quota, covered
    rep = pd.Index(rd.rep_ids).get_indexer(q["RepID"])
    mc = measure_names.get_indexer(q["Measure"])
    pi = q["PeriodIndex"].to_numpy()
    ok = (rep >= 0) & (mc >= 0) & (pi >= 0)
    rep, mc, pi = rep[ok], mc[ok], pi[ok]
    val = q["Quota"].to_numpy()[ok]
    eff = (q["EffectiveFrom"] if "EffectiveFrom" in q else pd.Series([pd.NaT] * len(q))).to_numpy()[ok] \
        .astype("datetime64[D]")
    # the quota row applies to every slot of the rep with that measure name (one per plan held)
    cum = np.concatenate([np.zeros((S, 1)), np.cumsum(act_day, axis=1, dtype=np.float64)], axis=1)
    n_plans = slot_index.shape[1]
    for pcode in range(n_plans):
        sl = slot_index[rep, pcode, mc]
        has = sl >= 0
        if not has.any():
            continue
        s_, p_, v_, e_ = sl[has], pi[has], val[has], eff[has]
        t_ = ptype[s_]
        b = np.zeros(len(s_), dtype=np.intp)
        b_end = np.zeros(len(s_), dtype=np.intp)
        for t in PERIOD_TYPES:
            sel = t_ == t
            bt = bounds[t]
            b[sel] = bt[np.minimum(p_[sel], len(bt) - 2)]
            b_end[sel] = bt[np.minimum(p_[sel] + 1, len(bt) - 1)]
        start = np.where(np.isnat(e_), b, np.clip((e_ - rd.start).astype(np.int64), b, b_end))
        # a row ends where the next row of the same slot and period starts
        order = np.lexsort((start, p_, s_))
        end = b_end.copy()
        so = order
        same = (s_[so][1:] == s_[so][:-1]) & (p_[so][1:] == p_[so][:-1])
        end[so[:-1][same]] = start[so[1:][same]]
        days = cum[s_, end] - cum[s_, start]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(period_days[s_, p_] > 0, days / period_days[s_, p_], 0.0)
        np.add.at(quota, (s_, p_), v_ * share)
        covered[s_, p_] = True
    return quota, covered


def _check_quotas(inp, rd: RosterDays, slot_rep, slot_md, active, covered, problems: ProblemCollector) -> None:
    """Every period in which a slot is active needs a quota row, unless its measure pays a flat rate."""
    mdefs = inp.measures
    needs = np.array([mdefs[k].needs_quota for k in slot_md], dtype=bool)
    missing = active & needs[:, None] & ~covered
    if not missing.any():
        return
    tbl = inp.tables["Quotas"]
    cal = inp.calendar
    for s, p in zip(*np.nonzero(missing)):
        m = mdefs[slot_md[s]]
        problems.add(Problem(
            message=f"no quota for rep {rd.rep_ids[slot_rep[s]]}, measure {m.measure}, period "
                    f"{cal.period_label(int(p), m.period_type)}",
            expected="a row in Quotas for every period in which the rep is active on the plan",
            show_value=False, workbook=tbl.raw.workbook, sheet=tbl.raw.sheet, table=tbl.raw.name,
        ))


@dataclass
class Pieces:
    """Credit assignments: a deal row's credit (or a cancelled part of it) landing in one slot."""

    row: np.ndarray  # deal row
    slot: np.ndarray
    q: np.ndarray  # closing period of the slot
    r: np.ndarray  # reversal period (NEVER: not reversed)
    credit: np.ndarray  # in the slot rep's currency
    fx: np.ndarray
    close: np.ndarray  # datetime64[D]
    event: np.ndarray  # datetime64[D] date of the cancellation cutting this piece (NaT: none)
    deal_code: np.ndarray  # rank of the DealID
    src: np.ndarray  # rep whose deal this is, for Team credit; -1 for the rep's own credit
    part: np.ndarray | None = None  # share of the deal row in this piece (1, or what a cancellation cut)

    def __len__(self) -> int:
        return len(self.row)


def _events(inp: CommissionInputs, d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cancellation events per deal row: (deal row, date, share cancelled)."""
    rows, dates, pcts = [], [], []
    cancelled = (d["Status"].to_numpy() == "Cancelled") & ~np.isnat(d["CancelDate"].to_numpy())
    idx = np.flatnonzero(cancelled)
    rows.append(idx)
    dates.append(d["CancelDate"].to_numpy().astype("datetime64[D]")[idx])
    pcts.append(np.ones(len(idx)))
    c = inp.frame("Cancellations") if "Cancellations" in inp.tables else None
    if c is not None and len(c):
        # every split row of the deal loses the same share
        deal_rows = pd.Series(np.arange(len(d)), index=d["DealID"].to_numpy())
        ok = c["DealID"].isin(d["DealID"]).to_numpy()
        ev = c[ok]
        hits = deal_rows.loc[ev["DealID"].to_numpy()]
        counts = deal_rows.index.value_counts().reindex(ev["DealID"].to_numpy()).to_numpy(np.intp)
        rows.append(hits.to_numpy())
        dates.append(np.repeat(ev["CancelDate"].to_numpy().astype("datetime64[D]"), counts))
        pcts.append(np.repeat(ev["CancelledPct"].to_numpy(), counts))
    return np.concatenate(rows), np.concatenate(dates), np.concatenate(pcts)


def pieces(inp: CommissionInputs, plan: Plan, warnings: list[str], problems: ProblemCollector) -> Pieces:
    cal = inp.calendar
    rd = plan.roster
    d = inp.frame("Deals")
    n = len(d)
    mdefs = inp.measures
    rep = pd.Index(rd.rep_ids).get_indexer(d["RepID"])
    close = d["CloseDate"].to_numpy().astype("datetime64[D]")
    day = rd.day_index(close)
    computed_days = _computed_days(cal, rd)
    in_run = (day >= 0) & (day < computed_days)
    row = rd.row_at(rep, np.where(in_run, day, -1))
    deal_measure = plan.measure_names.get_indexer(d["Measure"])
    slot = plan.slot_of(rep, row, deal_measure)
    # Team measures never take deals directly
    own_md = np.array([m.credit_source == "Own" for m in mdefs] + [False])
    slot = np.where((slot >= 0) & own_md[np.where(slot >= 0, plan.slot_md[np.maximum(slot, 0)], -1)], slot, -1)
    employed = row >= 0
    _warn(warnings, d, ~in_run, "deal rows closed outside the computed periods (before or after the plan year, "
                                "or after AsOfDate); not credited in this run")
    _warn(warnings, d, in_run & ~employed, "deal rows closed on a day the rep was not employed (or had no roster "
                                           "row); not credited")
    _warn(warnings, d, in_run & employed & (slot < 0), "deal rows credit a measure that is not in the rep's plan "
                                                       "on the close date; not paid")
    inc = np.flatnonzero(slot >= 0)

    # base pieces: each included row, split by its cancellation events
    ev_row, ev_date, ev_pct = _events(inp, d)
    keep = np.isin(ev_row, inc)
    ev_row, ev_date, ev_pct = ev_row[keep], ev_date[keep], ev_pct[keep]
    cut = np.bincount(ev_row, weights=ev_pct, minlength=n) if n else np.zeros(0)
    rest = np.clip(1.0 - cut[inc], 0.0, 1.0)
    has_rest = rest > 1e-12
    b_row = np.concatenate([inc[has_rest], ev_row])
    b_w = np.concatenate([rest[has_rest], ev_pct])
    b_event = np.concatenate([np.full(int(has_rest.sum()), np.datetime64("NaT"), dtype="datetime64[D]"), ev_date])

    # assignments: the rep's own slot, then every manager above with a Team measure on that source
    a_base = [np.arange(len(b_row))]
    a_slot = [slot[b_row]]
    a_src = [np.full(len(b_row), -1, dtype=np.intp)]
    team_md = _team_lookup(mdefs, plan)
    if team_md is not None:
        b_day = day[b_row]
        cur = rep[b_row]
        src = cur.copy()
        for _ in range(len(rd.rep_ids)):  # one level up per pass; the roster has no manager loops
            k = rd.row_at(cur, b_day)
            mgr = np.where(k >= 0, rd.row_manager[np.maximum(k, 0)], -1)
            live = mgr >= 0
            if not live.any():
                break
            mrow = rd.row_at(mgr, b_day)
            pcode = np.where(mrow >= 0, plan.plan_names.get_indexer(rd.row_plan[np.maximum(mrow, 0)]), -1)
            mcode = np.where(live & (pcode >= 0), team_md[np.maximum(pcode, 0), deal_measure[b_row]], -1)
            hit = np.flatnonzero(live & (mcode >= 0))
            if len(hit):
                a_base.append(hit)
                a_slot.append(plan.slot_index[mgr[hit], pcode[hit], mcode[hit]])
                a_src.append(src[hit])
            cur = mgr
    base = np.concatenate(a_base)
    aslot = np.concatenate(a_slot)
    asrc = np.concatenate(a_src)
    good = aslot >= 0
    base, aslot, asrc = base[good], aslot[good], asrc[good]
    drow = b_row[base]

    # periods in the slot's calendar; reversal only within the clawback window and by AsOfDate
    md = plan.slot_md[aslot]
    ptype = period_types(mdefs, md)
    per = period_of_day(plan.day_period, ptype, np.clip(day[drow], 0, rd.n_days - 1))
    ev = b_event[base]
    claw = np.array([m.clawback_days for m in mdefs])[md] if mdefs else np.zeros(0)
    eday = rd.day_index(ev)
    days_after = (ev - close[drow]).astype("timedelta64[D]").astype(np.float64)
    within = np.isnan(claw) | (days_after <= claw)
    effective = ~np.isnat(ev) & (eday < computed_days)
    rev_per = period_of_day(plan.day_period, ptype, np.clip(eday, 0, rd.n_days - 1))
    r = np.where(effective & within & (eday >= 0), rev_per, NEVER)
    r = np.where(effective & within & (eday < 0), per, r)  # (cannot happen: cancel >= close)
    outside = effective & ~within
    if outside.any():
        n = int(np.unique(drow[outside]).size)
        warnings.append(f"{count(n, 'cancelled deal row')} {'was' if n == 1 else 'were'} cancelled after "
                        f"{'its' if n == 1 else 'their'} clawback window; {'its' if n == 1 else 'their'} "
                        "commission stands")
    same = r <= per
    if same.any():
        n = int(np.unique(drow[same]).size)
        warnings.append(f"{count(n, 'deal row')} {'was' if n == 1 else 'were'} cancelled (in whole or part) in "
                        f"the period {'it' if n == 1 else 'they'} closed; that part is not credited")
    keep = ~same
    base, aslot, asrc, drow, per, r, ev = base[keep], aslot[keep], asrc[keep], drow[keep], per[keep], r[keep], ev[keep]

    # currency: deal currency -> the slot rep's currency at the close month's rate
    target_rep = plan.slot_rep[aslot]
    fx = fx_rates(inp, d, drow, rd.currency[target_rep], problems)
    # what the deal credits: its Amount, or its Margin for a measure whose CreditBase is Margin
    on_margin = np.array([m.credit_base == "Margin" for m in mdefs] + [False])[plan.slot_md[aslot]]
    value = d["Amount"].to_numpy()[drow]
    if on_margin.any():
        value = np.where(on_margin, d["Margin"].to_numpy(np.float64)[drow], value)
    credit = value * d["SplitPct"].to_numpy()[drow] * b_w[base] * fx
    return Pieces(row=drow, slot=aslot, q=per, r=r, credit=credit, fx=fx, close=close[drow], part=b_w[base],
                  event=np.where(r < NEVER, ev, np.datetime64("NaT")).astype("datetime64[D]"),
                  deal_code=d["DealOrder"].to_numpy()[drow], src=asrc)


def _computed_days(cal, rd: RosterDays) -> int:
    """Days of the plan year inside the computed months (and not after AsOfDate)."""
    end_month = cal.months_computed
    last = np.datetime64(cal.month_start(end_month), "D") if end_month < 12 else rd.start + rd.n_days
    n = _days_from(rd.start, last)
    if cal.as_of is not None:
        n = min(n, _days_from(rd.start, np.datetime64(cal.as_of, "D")) + 1)
    return max(0, min(n, rd.n_days))


def _team_lookup(mdefs: list[MeasureDef], plan: Plan) -> np.ndarray | None:
    """(plan code, deal measure code) -> measure-name code of the plan's Team measure on it, or -1."""
    team = [m for m in mdefs if m.credit_source == "Team"]
    if not team:
        return None
    out = np.full((len(plan.plan_names), max(len(plan.measure_names), 1) + 1), -1, dtype=np.intp)
    for m in team:
        src = plan.measure_names.get_indexer([m.source_measure])[0]
        if src >= 0:
            out[plan.plan_names.get_loc(m.plan), src] = plan.measure_names.get_loc(m.measure)
    return out


def _warn(warnings: list[str], d: pd.DataFrame, mask: np.ndarray, text: str) -> None:
    k = int(mask.sum())
    if k:
        ids = d["DealID"].to_numpy()[mask][:5]
        warnings.append(f"{k} {text} (e.g. {', '.join(map(str, ids))})")


def fx_rates(inp: CommissionInputs, d: pd.DataFrame, drow: np.ndarray, to_ccy: np.ndarray,
             problems: ProblemCollector) -> np.ndarray:
    """Rate from each deal row's currency into ``to_ccy`` for the month of its close date."""
    deal_ccy = d["Currency"].to_numpy()[drow]
    fx = np.ones(len(drow))
    need = deal_ccy != to_ccy
    if "IsUnit" in d:
        need &= ~d["IsUnit"].to_numpy(dtype=bool)[drow]  # quantities: no currency, no conversion
    if not need.any():
        return fx
    mi = inp.calendar.month_index(d["CloseDate"].to_numpy().astype("datetime64[D]")[drow])
    f = inp.frame("FXRates")
    key = pd.MultiIndex.from_arrays([f["MonthIndex"].to_numpy(), f["FromCurrency"].to_numpy(),
                                     f["ToCurrency"].to_numpy()])
    want = pd.MultiIndex.from_arrays([mi[need], deal_ccy[need], to_ccy[need]])
    pos = key.get_indexer(want) if len(key) else np.full(int(need.sum()), -1)
    rates = f["Rate"].to_numpy()
    fx[need] = np.where(pos >= 0, rates[np.maximum(pos, 0)] if len(rates) else np.nan, np.nan)
    if (pos < 0).any():
        # one problem per currency pair, on its first deal row, naming every month it lacks: a payout currency
        # without rates (a typo in Roster[Currency]) is one problem, not one per month
        tbl = inp.tables["Deals"]
        missing: dict[tuple, tuple[int, set]] = {}
        for j in np.flatnonzero(need)[pos < 0].tolist():
            k = (deal_ccy[j], to_ccy[j])
            first, months = missing.setdefault(k, (int(drow[j]), set()))
            missing[k] = (min(first, int(drow[j])), months)
            months.add(int(mi[j]))
        have, froms, tos = set(zip(f["FromCurrency"], f["ToCurrency"])), set(f["FromCurrency"]), set(f["ToCurrency"])
        for (frm, to), (i, months) in missing.items():
            labels = [inp.calendar.month_label(m) for m in sorted(months)]
            when = labels[0] if len(labels) == 1 else f"{len(labels)} months: {', '.join(labels)}"
            hint = ("" if (frm, to) in have else
                    f"; FXRates has no rate into {to} at all: check the credited rep's Roster[Currency]"
                    if to not in tos else
                    f"; FXRates has no rate from {frm} at all: check this deal's Currency" if frm not in froms
                    else f"; FXRates has no {frm}->{to} rate for any month")
            problems.add(tbl.problem(i, "Currency", f"no FX rate {frm}->{to} for {when}{hint}", value=frm,
                                     expected=f"rows in FXRates with FromCurrency {frm}, ToCurrency {to} for "
                                              f"{'that month' if len(labels) == 1 else 'those months'} ({to} is "
                                              "the payout currency of the credited rep or manager)"))
    return fx
