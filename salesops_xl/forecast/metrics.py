"""Sales metrics and gap analysis, per rep and rolled up to teams, regions and the company.

Rules (docs/forecast.md, "Metrics and gap analysis"). For a unit (a rep, a manager's team = the
manager and everyone below, a region, the company):

* Quota = the quota of the unit for the months of the gap period (a quarterly or yearly quota
  is spread evenly over its months); a team's is its manager's number or its people's sum, by
  ForecastSettings[ManagerQuota] (:mod:`.quotas`); blank when there is none.
* Closed = deals won in the gap period up to AsOfDate; Attainment = Closed / Quota;
  Gap = max(Quota - Closed, 0).
* Elapsed days = AsOfDate - first day of the period + 1; RunRate = Closed / elapsed days x days
  in the period.
* From the lookback (deals closed in the LookbackMonths before AsOfDate): WinRate = won /
  (won + lost) by count; AvgDealSize = won amount / won; CycleDays = mean days from CreatedDate to
  CloseDate of the won deals. A unit with fewer than MinDeals closed deals (or no win) uses the
  company's three figures (RateBasis = company).
* Velocity = open deals (not Omitted) x WinRate x AvgDealSize / CycleDays, per day.
* WinsNeeded = ceiling(Gap / AvgDealSize); PipelineNeeded = Gap / WinRate;
  PipelineShortfall = max(PipelineNeeded - open pipeline in the period, 0);
  Coverage = open pipeline in the period / Gap.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .inputs import ForecastInputs
from .pipeline import PipelineResult
from .series import one_hot, subtree
from .targets import QuotaCube, quota_cube


@dataclass
class Units:
    level: np.ndarray
    key: np.ndarray
    name: np.ndarray
    manager: np.ndarray  # RepID of the manager (reps and teams), "" otherwise
    members: np.ndarray  # (U, P) bool




def build_units(inp: ForecastInputs, pipe: PipelineResult) -> Units:
    """Company, regions, teams (every manager), then every person who owns a deal or has a quota in the period."""
    team = inp.team
    P = inp.n_people
    parent = team["Parent"].to_numpy()
    sub = subtree(parent)
    ids = team["RepID"].to_numpy()
    names = team["RepName"].to_numpy()
    is_manager = np.zeros(P, bool)
    is_manager[parent[parent >= 0]] = True
    region = team["Region"].to_numpy()
    cube = quota_cube(inp)
    has_q = ~np.isnan(cube.in_months(cube.own, *inp.settings.gap_months))
    owns = np.zeros(P, bool)
    rep = inp.opps["Rep"].to_numpy()
    owns[rep[rep >= 0]] = True
    regions = sorted({x for x in region if x is not None})
    teams = np.lexsort((np.arange(P), team["Depth"].to_numpy()))
    teams = teams[is_manager[teams]]
    reps = np.flatnonzero(owns | has_q)
    mgr_of = np.where(parent >= 0, ids[np.maximum(parent, 0)], "").astype(object)
    U = 1 + len(regions) + len(teams) + len(reps)
    level = np.array(["Company"] + ["Region"] * len(regions) + ["Team"] * len(teams) + ["Rep"] * len(reps),
                     dtype=object)
    key = np.concatenate([np.array(["Company"] + regions, dtype=object), ids[teams], ids[reps]]).astype(object)
    name = np.concatenate([np.array(["Company"] + regions, dtype=object),
                           np.char.add(names[teams].astype(str), "'s team").astype(object),
                           names[reps]]).astype(object)
    manager = np.concatenate([np.full(1 + len(regions), "", dtype=object), ids[teams], mgr_of[reps]]).astype(object)
    members = np.concatenate([np.ones((1, P), bool),
                              (region[None, :] == np.array(regions, dtype=object)[:, None]).reshape(len(regions), P),
                              sub[teams], one_hot(reps, P)]).reshape(U, P)
    return Units(level=level, key=key, name=name, manager=manager, members=members)


def unit_quotas(inp: ForecastInputs, units: Units, cube: QuotaCube | None = None) -> np.ndarray:
    """(U,) each unit's quota of the gap period (NaN = none): a rep's own, a team's (its number or its
    people's sum, by ManagerQuota), a region's members' own, the Company's top people's."""
    cube = cube or quota_cube(inp)
    a, b = inp.settings.gap_months
    team = inp.team
    pos = pd.Series(np.arange(inp.n_people), index=team["RepID"].to_numpy(object))
    own, tq = cube.in_months(cube.own, a, b), cube.in_months(cube.team, a, b)
    parent = team["Parent"].to_numpy(np.int64)
    out = np.full(len(units.level), np.nan)
    for lv in ("Rep", "Team"):
        sel = units.level == lv
        if sel.any():
            out[sel] = (own if lv == "Rep" else tq)[pos[units.key[sel]].to_numpy(np.int64)]
    comp = units.level == "Company"
    top = tq[parent < 0]
    out[comp] = np.nansum(top) if (~np.isnan(top)).any() else np.nan
    reg = np.flatnonzero(units.level == "Region")
    if len(reg):
        m = units.members[reg]
        has = (m & ~np.isnan(own)[None, :]).any(1)
        out[reg] = np.where(has, m.astype(np.float64) @ np.nan_to_num(own), np.nan)
    return out


def _div(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((b != 0) & np.isfinite(b), a / np.where(b != 0, b, 1.0), np.nan)


def compute_metrics(inp: ForecastInputs, pipe: PipelineResult, units: Units) -> dict[str, pd.DataFrame]:
    """The Pipeline roll-up, Sales Metrics and Gap Analysis tables (one row per unit)."""
    st = inp.settings
    Mm = units.members.astype(np.float64)
    ps = pipe.person

    def roll(name):
        return Mm @ ps[name]

    quota = unit_quotas(inp, units)
    closed = roll("Closed")
    gap_first, gap_last = st.gap_dates
    elapsed = (st.as_of - gap_first).days + 1
    period_days = (gap_last - gap_first).days + 1
    days_left = (gap_last - st.as_of).days
    won, lost = roll("WonLB"), roll("LostLB")
    won_amt, cycle = roll("WonAmountLB"), roll("CycleDaysLB")
    comp = units.level == "Company"
    cw, cl, cwa, ccy = won[comp][0], lost[comp][0], won_amt[comp][0], cycle[comp][0]
    own = (won + lost >= st.min_deals) & (won >= 1)
    win_rate = np.where(own, _div(won, won + lost), _div(cw, cw + cl))
    deal = np.where(own, _div(won_amt, won), _div(cwa, cw))
    cycle_days = np.where(own, _div(cycle, won), _div(ccy, cw))
    basis = np.where(own, "own", "company").astype(object)
    open_all = roll("OpenAll")
    open_cnt = roll("OpenAllCount")
    velocity = _div(open_cnt * win_rate * deal, cycle_days)
    open_gap = roll("OpenInPeriod")
    learned = roll("Learned")
    gap = np.where(np.isnan(quota), np.nan, np.maximum(quota - closed, 0.0))
    commit = closed + roll("CommitOpen")
    best = commit + roll("BestCaseOpen")
    total = best + roll("PipelineOpen")
    base = {"Level": units.level, "ID": units.key, "Name": units.name, "Manager": units.manager}
    pipeline = pd.DataFrame({
        **base, "Quota": quota, "Closed": closed, "CommitOpen": roll("CommitOpen"),
        "BestCaseOpen": roll("BestCaseOpen"), "PipelineOpen": roll("PipelineOpen"),
        "OmittedOpen": roll("OmittedOpen"), "CommitForecast": commit, "BestCaseForecast": best,
        "PipelineForecast": total, "StageWeightedForecast": closed + roll("StageWeighted"),
        "LearnedForecast": closed + learned, "RemainingQuota": gap, "Coverage": _div(open_gap, gap)})
    metrics = pd.DataFrame({
        **base, "Quota": quota, "Closed": closed, "Attainment": _div(closed, quota), "Gap": gap,
        "RunRate": closed / elapsed * period_days, "RunRateAttainment": _div(closed / elapsed * period_days, quota),
        "Won": won, "Lost": lost, "WinRate": win_rate, "AvgDealSize": deal, "CycleDays": cycle_days,
        "RateBasis": basis, "OpenDeals": open_cnt, "OpenPipeline": open_all, "Velocity": velocity})
    wins_needed = np.where(np.isnan(gap), np.nan, np.ceil(np.round(_div(gap, deal), 9)))
    wins_needed = np.where(gap == 0, 0.0, wins_needed)
    pipe_needed = np.where(gap == 0, 0.0, _div(gap, win_rate))
    status = np.where(np.isnan(quota), "No quota",
                      np.where(closed >= quota, "Attained",
                               np.where(closed + learned >= quota, "On track",
                                        np.where(best >= quota, "At risk", "Off track")))).astype(object)
    gap_df = pd.DataFrame({
        **base, "Quota": quota, "Closed": closed, "Attainment": _div(closed, quota), "Gap": gap,
        "OpenInPeriod": open_gap, "Coverage": _div(open_gap, gap), "ExpectedFromPipeline": learned,
        "GapAfterPipeline": np.where(np.isnan(gap), np.nan, np.maximum(np.nan_to_num(gap) - learned, 0.0)),
        "WinRate": win_rate, "AvgDealSize": deal, "WinsNeeded": wins_needed, "PipelineNeeded": pipe_needed,
        "PipelineShortfall": np.where(np.isnan(pipe_needed), np.nan, np.maximum(pipe_needed - open_gap, 0.0)),
        "DaysLeft": float(days_left), "RequiredPerDay": _div(gap, days_left) if days_left > 0 else np.full(len(gap), np.nan),
        "CurrentPerDay": closed / elapsed, "ProjectedAttainment": _div(closed + learned, quota),
        "Target": np.where(np.isnan(quota), np.nan, 1.0), "Status": status})
    return {"pipeline": pipeline, "metrics": metrics, "gap": gap_df,
            "period": {"elapsed": elapsed, "period_days": period_days, "days_left": days_left}}
