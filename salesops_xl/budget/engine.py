"""The budget engine: headcount cost, the hiring plan back-scheduled, plan vs actual vs re-forecast, roll-ups.

Vectorised with numpy over whole columns (people x 12 months, lines x 12
months); the only Python loops run over the stages of the hiring funnel (a
handful). Every amount is int64 cents, rounded half away from zero once per
line-month; a roll-up is the sum of its line-months, so totals tie out to the
cent. The rules are stated in docs/budget.md; the names below follow it.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..money import largest_remainder, round_half_away
from . import schema as S
from .inputs import BudgetInputs

NM = 12


# -- pure rules (the cell functions call these too) ----------------------------------------------------

def month_bounds(start: _dt.date) -> tuple[np.ndarray, np.ndarray]:
    """First and last day (datetime64[D]) of the 12 months from ``start``'s month."""
    m0 = np.datetime64(f"{start.year:04d}-{start.month:02d}", "M")
    firsts = (m0 + np.arange(NM + 1)).astype("datetime64[D]")
    return firsts[:-1], firsts[1:] - np.timedelta64(1, "D")


def employed_share(start, end, firsts, lasts) -> np.ndarray:
    """(n, months) days employed in the month / days in the month; [start, end] inclusive, NaT end = staying."""
    s = np.asarray(start, dtype="datetime64[D]")[:, None]
    e = np.asarray(end, dtype="datetime64[D]")[:, None]
    lo = np.maximum(np.where(np.isnat(s), firsts[None, :], s), firsts[None, :])
    hi = np.minimum(np.where(np.isnat(e), lasts[None, :], e), lasts[None, :])
    days = (hi - lo).astype(np.int64) + 1
    length = (lasts - firsts).astype(np.int64) + 1
    return np.clip(days, 0, None) / length[None, :]


def tenure_ramp(start, firsts, curve) -> np.ndarray:
    """(n, months) the ramp curve's share for the month of tenure (the start month is 1; 100% after the curve)."""
    s = np.asarray(start, dtype="datetime64[M]")[:, None]
    k = (firsts.astype("datetime64[M]")[None, :] - s).astype(np.int64) + 1
    full = np.append(np.asarray(curve, dtype=np.float64), 1.0)
    return np.where(k >= 1, full[np.clip(k - 1, 0, len(full) - 1)], 0.0)


def funnel_needed(hires, conversions) -> np.ndarray:
    """(n, stages) whole candidates needed at each stage for ``hires``, back from the last stage.

    The last stage needs ceil(hires / its conversion); each earlier stage ceil(next stage's need / its
    conversion). A 20% single-stage funnel needs 5 candidates for one hire.
    """
    h = np.asarray(hires, dtype=np.float64)
    c = np.asarray(conversions, dtype=np.float64)
    out = np.zeros((len(h), len(c)), dtype=np.int64)
    need = h
    for k in range(len(c) - 1, -1, -1):  # the stages: a handful
        need = np.ceil(np.round(need / c[k], 9))
        out[:, k] = need.astype(np.int64)
    return out


def back_schedule(start, days, notice: int) -> tuple[np.ndarray, np.ndarray]:
    """Requisition open date and each stage's start date: open = start - (sum of stage days + notice)."""
    s = np.asarray(start, dtype="datetime64[D]")
    d = np.asarray(days, dtype=np.int64)
    ttf = int(d.sum()) + int(notice)
    opened = s - np.timedelta64(ttf, "D")
    offsets = np.concatenate([[0], np.cumsum(d)[:-1]]) if len(d) else np.zeros(0, dtype=np.int64)
    stage_start = opened[:, None] + offsets[None, :].astype("timedelta64[D]")
    return opened, stage_start


def reforecast(plan, actual, closed: int, runrate, n_months: int) -> np.ndarray:
    """(lines, 12) forecast: actuals in closed months; in open months the plan, or (RunRate lines) the average
    actual of the last ``n_months`` closed months (fewer if fewer are closed; the plan if none), to the cent."""
    plan = np.asarray(plan, dtype=np.int64)
    actual = np.asarray(actual, dtype=np.int64)
    out = plan.copy()
    out[:, :closed] = actual[:, :closed]
    k = min(int(n_months), closed)
    if k > 0:
        rr = round_half_away(actual[:, closed - k:closed].sum(axis=1) / k)
        rest = np.where(np.asarray(runrate, dtype=bool)[:, None], rr[:, None], plan[:, closed:])
        out[:, closed:] = rest
    return out


def variance_pct(var, base) -> np.ndarray:
    var = np.asarray(var, dtype=np.float64)
    base = np.asarray(base, dtype=np.float64)
    return np.divide(var, base, out=np.full(var.shape, np.nan), where=base != 0)


# -- results -----------------------------------------------------------------------------------------

@dataclass
class BudgetResult:
    inputs: BudgetInputs
    line_cc: np.ndarray  # (L,) cost centre index
    line_cat: np.ndarray  # (L,) object
    line_rule: np.ndarray  # (L,) object Plan / RunRate
    plan: np.ndarray  # (L, 12) int64 cents
    actual: np.ndarray  # (L, 12)
    forecast: np.ndarray  # (L, 12)
    reqs: pd.DataFrame  # one row per requisition
    stage_names: list[str]
    hiring_months: pd.DataFrame
    computed_at: str
    engine_version: str
    warnings: list[str] = field(default_factory=list)

    @property
    def closed(self) -> int:
        return self.inputs.closed


def _people_cost(inp: BudgetInputs, firsts, lasts) -> list[tuple[np.ndarray, str, np.ndarray]]:
    """(cost centre per person, category, (n, 12) cents) for Salaries, Benefits and Variable comp."""
    p = inp.people
    share = employed_share(p["StartDate"].to_numpy(), p["EndDate"].to_numpy(), firsts, lasts)
    sal = round_half_away(p["Salary"].to_numpy()[:, None] * 100.0 / NM * share)
    ben = round_half_away(sal * p["BenefitsRate"].to_numpy()[:, None])
    ramp = tenure_ramp(p["StartDate"].to_numpy(), firsts, inp.ramp)
    var = round_half_away(p["TargetIncentive"].to_numpy()[:, None] * 100.0 / NM * share * ramp)
    ev = p["ExpectedVariable"].to_numpy(dtype=np.float64)
    has = ~np.isnan(ev)
    if has.any():  # an expected cost of the year: spread over the employed share of the months, exactly
        rows = np.flatnonzero(has)
        w = share[rows]
        tot = round_half_away(ev[rows] * 100.0)
        wsum = w.sum(axis=1)
        exact = np.where(wsum[:, None] > 0, tot[:, None] * w / np.where(wsum > 0, wsum, 1.0)[:, None], 0.0)
        groups = np.repeat(np.arange(len(rows), dtype=np.intp), NM)
        spread = largest_remainder(exact.ravel(), groups, np.where(wsum > 0, tot, 0)).reshape(-1, NM)
        var[rows] = spread
    cc = p["cc"].to_numpy(dtype=np.intp)
    return [(cc, S.SALARIES, sal), (cc, S.BENEFITS, ben), (cc, S.VARIABLE, var)]


def hiring_plan(inp: BudgetInputs, firsts) -> tuple[pd.DataFrame, pd.DataFrame, list[str], np.ndarray]:
    """Requisitions back-scheduled from their start dates, candidates per stage and month, recruiting cents."""
    p = inp.people
    is_req = p["Status"].isin(["Open", "Planned"]).to_numpy()
    r = p[is_req].reset_index(drop=True)
    fun = inp.funnel
    stages = [str(s) for s in fun["Stage"]]
    conv = fun["Conversion"].to_numpy(dtype=np.float64)
    days = fun["Days"].to_numpy(dtype=np.float64).astype(np.int64)
    start = r["StartDate"].to_numpy().astype("datetime64[D]")
    opened, stage_start = back_schedule(start, days, inp.notice_days)
    need = funnel_needed(np.ones(len(r)), conv)
    m0 = firsts[0].astype("datetime64[M]")

    def mi(d):
        return (np.asarray(d, dtype="datetime64[M]") - m0).astype(np.int64)

    n_stage = len(stages)
    months = np.zeros((NM, n_stage), dtype=np.int64)
    for k in range(n_stage):  # stages
        m = mi(stage_start[:, k])
        ok = (m >= 0) & (m < NM)
        months[:, k] = np.bincount(m[ok].astype(np.intp), weights=need[ok, k], minlength=NM).astype(np.int64)
    mo, ms = mi(opened), mi(start)
    inside_o, inside_s = (mo >= 0) & (mo < NM), (ms >= 0) & (ms < NM)
    openings = np.bincount(mo[inside_o].astype(np.intp), minlength=NM)
    starts = np.bincount(ms[inside_s].astype(np.intp), minlength=NM)
    # recruiting cost: applicants (the first stage) x CostPerApplicant in their month, CostPerHire in the start month
    app = need[:, 0] if n_stage else np.zeros(len(r), dtype=np.int64)
    app_m = mi(stage_start[:, 0]) if n_stage else ms
    cpa = round_half_away(app * inp.cost_per_applicant * 100.0)
    cph = np.full(len(r), int(round_half_away(np.array([inp.cost_per_hire * 100.0]))[0]), dtype=np.int64)
    cc = r["cc"].to_numpy(dtype=np.intp)
    rec = np.zeros((len(inp.cc_ids), NM), dtype=np.int64)
    ok_a = (app_m >= 0) & (app_m < NM)
    np.add.at(rec, (cc[ok_a], app_m[ok_a].astype(np.intp)), cpa[ok_a])
    np.add.at(rec, (cc[inside_s], ms[inside_s].astype(np.intp)), cph[inside_s])
    cost_in_year = np.where(ok_a, cpa, 0) + np.where(inside_s, cph, 0)
    reqs = pd.DataFrame({"PersonID": r["PersonID"].to_numpy(dtype=object), "Name": r["Name"].to_numpy(dtype=object),
                         "CostCentre": r["CostCentre"].to_numpy(dtype=object),
                         "Status": r["Status"].to_numpy(dtype=object), "StartDate": start, "OpenDate": opened,
                         "TimeToFillDays": np.full(len(r), int(days.sum()) + inp.notice_days, dtype=np.int64)})
    for k, s in enumerate(stages):
        reqs[s] = need[:, k]
    reqs["RecruitingCost"] = cost_in_year
    labels = np.array([f"{d.astype(object).year}-{d.astype(object).month:02d}" for d in firsts], dtype=object)
    hm = pd.DataFrame({"Month": labels, "Openings": openings.astype(np.int64), "Starts": starts.astype(np.int64)})
    for k, s in enumerate(stages):
        hm[s] = months[:, k]
    hm["RecruitingCost"] = rec.sum(axis=0)
    return reqs, hm, stages, rec


def compute(inp: BudgetInputs, *, computed_at: str | None = None) -> BudgetResult:
    from .. import __version__

    warnings = list(inp.warnings)
    firsts, lasts = month_bounds(inp.calendar.start)
    parts = _people_cost(inp, firsts, lasts)
    reqs, hm, stages, rec = hiring_plan(inp, firsts)
    c = len(inp.cc_ids)
    # every (cost centre, category, month) amount as one long list, then one bincount per measure
    cc_l, cat_l, m_l, plan_l, act_l = [], [], [], [], []
    for cc, cat, mat in parts:
        n = len(cc)
        cc_l.append(np.repeat(cc, NM))
        cat_l.append(np.full(n * NM, cat, dtype=object))
        m_l.append(np.tile(np.arange(NM, dtype=np.intp), n))
        plan_l.append(mat.ravel())
        act_l.append(np.zeros(n * NM, dtype=np.int64))
    cc_l.append(np.repeat(np.arange(c, dtype=np.intp), NM))
    cat_l.append(np.full(c * NM, S.RECRUITING, dtype=object))
    m_l.append(np.tile(np.arange(NM, dtype=np.intp), c))
    plan_l.append(rec.ravel())
    act_l.append(np.zeros(c * NM, dtype=np.int64))
    for lines, is_actual in ((inp.plan_lines, False), (inp.actuals, True)):
        cc_l.append(lines.cc)
        cat_l.append(lines.category)
        m_l.append(lines.month)
        z = np.zeros(len(lines.cc), dtype=np.int64)
        plan_l.append(z if is_actual else lines.cents)
        act_l.append(lines.cents if is_actual else z)
    cc_all = np.concatenate(cc_l).astype(np.intp)
    cat_all = np.concatenate(cat_l)
    m_all = np.concatenate(m_l).astype(np.intp)
    plan_all = np.concatenate(plan_l).astype(np.int64)
    act_all = np.concatenate(act_l).astype(np.int64)
    # lines: one per (cost centre, category) with any amount, in cost centre order then category order
    cat_codes, cat_names = pd.factorize(cat_all, sort=False)
    order_cat = _category_order(list(cat_names))
    rank = np.empty(len(cat_names), dtype=np.int64)
    rank[order_cat] = np.arange(len(cat_names))
    key = cc_all.astype(np.int64) * len(cat_names) + rank[cat_codes]
    nonzero = (plan_all != 0) | (act_all != 0) | np.isin(cat_all, [S.SALARIES, S.BENEFITS, S.VARIABLE])
    line_keys = np.unique(key[nonzero])
    keep = np.isin(key, line_keys)
    li = np.searchsorted(line_keys, key[keep]).astype(np.intp)
    L = len(line_keys)
    flat = li * NM + m_all[keep]
    plan = _sum_cents(flat, plan_all[keep], L * NM).reshape(L, NM)
    actual = _sum_cents(flat, act_all[keep], L * NM).reshape(L, NM)
    line_cc = (line_keys // len(cat_names)).astype(np.intp)
    line_cat = np.asarray(cat_names, dtype=object)[np.asarray(order_cat)][line_keys % len(cat_names)] \
        if L else np.zeros(0, dtype=object)
    rules = {str(k): inp.rule(str(k)) for k in cat_names}
    line_rule = np.array([rules[str(k)] for k in line_cat], dtype=object)
    forecast = reforecast(plan, actual, inp.closed, line_rule == "RunRate", inp.run_rate_months)
    for cat in sorted(set(inp.rules) - set(map(str, cat_names))):
        warnings.append(f"category {cat} is listed in Categories but has no plan and no actuals")
    early = reqs["OpenDate"].to_numpy() < np.datetime64(inp.calendar.start, "D")
    if early.any():
        who = reqs["PersonID"][early].tolist()
        warnings.append(f"{len(who)} requisition(s) had to open before the budget year to start on time "
                        f"({', '.join(map(str, who[:5]))}{'...' if len(who) > 5 else ''}); their recruiting cost "
                        "before the year is not in this budget")
    if computed_at is None:
        computed_at = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    return BudgetResult(inputs=inp, line_cc=line_cc, line_cat=line_cat, line_rule=line_rule, plan=plan,
                        actual=actual, forecast=forecast, reqs=reqs, stage_names=stages, hiring_months=hm,
                        computed_at=computed_at, engine_version=__version__, warnings=warnings)


def _sum_cents(index: np.ndarray, cents: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sums by index (bincount adds in float64, exact only below 2**53 cents: split in two halves)."""
    hi, lo = np.divmod(cents, 1 << 26)
    s_hi = np.rint(np.bincount(index, weights=hi, minlength=size)).astype(np.int64)
    s_lo = np.rint(np.bincount(index, weights=lo, minlength=size)).astype(np.int64)
    return s_hi * (1 << 26) + s_lo


def _category_order(names: list[str]) -> list[int]:
    """The engine's categories first (Salaries, Benefits, Variable comp, Recruiting), then the others A-Z."""
    fixed = {c: i for i, c in enumerate(S.ENGINE_CATEGORIES)}
    return sorted(range(len(names)), key=lambda i: (fixed.get(names[i], len(fixed)), names[i].lower()))


# -- roll-ups -------------------------------------------------------------------------------------------

MEASURES = ("PlanYear", "PlanToDate", "ActualToDate", "ForecastRest", "YearEndForecast")


def line_measures(plan: np.ndarray, actual: np.ndarray, forecast: np.ndarray, closed: int) -> dict[str, np.ndarray]:
    """The per-line figures (int64 cents) of the stated rule."""
    return {"PlanYear": plan.sum(axis=1), "PlanToDate": plan[:, :closed].sum(axis=1),
            "ActualToDate": actual[:, :closed].sum(axis=1), "ForecastRest": forecast[:, closed:].sum(axis=1),
            "YearEndForecast": forecast.sum(axis=1)}


def with_variances(m: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = dict(m)
    out["VarianceToDate"] = m["ActualToDate"] - m["PlanToDate"]
    out["VarianceToDatePct"] = variance_pct(out["VarianceToDate"], m["PlanToDate"])
    out["YearEndVariance"] = m["YearEndForecast"] - m["PlanYear"]
    out["YearEndVariancePct"] = variance_pct(out["YearEndVariance"], m["PlanYear"])
    return out


def rollup(r: BudgetResult) -> pd.DataFrame:
    """Total, then each group, each category and each cost centre: sums of their lines' figures."""
    inp = r.inputs
    m = line_measures(r.plan, r.actual, r.forecast, r.closed)
    keys = [("Total", np.zeros(len(r.line_cc), dtype=np.intp), np.array(["All cost centres"], dtype=object))]
    gcodes, gnames = pd.factorize(inp.cc_groups[r.line_cc], sort=True)
    keys.append(("Group", gcodes.astype(np.intp), np.asarray(gnames, dtype=object)))
    ccodes, cnames = pd.factorize(r.line_cat, sort=False)
    keys.append(("Category", ccodes.astype(np.intp), np.asarray(cnames, dtype=object)))
    ucc, ccc = np.unique(r.line_cc, return_inverse=True)
    keys.append(("Cost centre", ccc.astype(np.intp),
                 np.array([f"{inp.cc_ids[i]} {inp.cc_names[i]}" if inp.cc_names[i] != inp.cc_ids[i]
                           else str(inp.cc_ids[i]) for i in ucc], dtype=object)))
    frames = []
    for level, codes, names in keys:
        k = len(names)
        sums = {name: _sum_cents(codes, v, k) for name, v in m.items()}
        fr = pd.DataFrame({"Level": np.full(k, level, dtype=object), "Name": names, **with_variances(sums)})
        frames.append(fr)
    return pd.concat(frames, ignore_index=True)


def by_month(r: BudgetResult) -> pd.DataFrame:
    """The year month by month: plan, actual, forecast, cumulative, bookings and cost of sales %."""
    inp = r.inputs
    cal = inp.calendar
    plan = r.plan.sum(axis=0)
    actual = r.actual.sum(axis=0)
    fc = r.forecast.sum(axis=0)
    closed = np.arange(NM) < inp.closed
    b_plan, b_act, b_fc = inp.bookings
    b_used = np.where(closed, b_act, b_fc)
    return pd.DataFrame({
        "Month": np.array([cal.month_label(i) for i in range(NM)], dtype=object),
        "Status": np.where(closed, "Actual", "Forecast").astype(object),
        "Plan": plan, "Actual": np.where(closed, actual, 0), "ActualOrForecast": fc,
        "Variance": fc - plan,
        "CumPlan": np.cumsum(plan), "CumActualOrForecast": np.cumsum(fc),
        "BookingsPlan": b_plan, "Bookings": b_used,
        "CostOfSalesPlanPct": np.divide(plan / 100.0, b_plan, out=np.full(NM, np.nan),
                                        where=~np.isnan(b_plan) & (b_plan > 0)),
        "CostOfSalesPct": np.divide(fc / 100.0, b_used, out=np.full(NM, np.nan),
                                    where=~np.isnan(b_used) & (b_used > 0)),
    })
