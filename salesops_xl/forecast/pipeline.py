"""Pipeline forecast: open opportunities weighted by stage probability and by what closed history
teaches (stage-to-close conversion and slippage), forecast categories, coverage.

Rules (docs/forecast.md, "Pipeline forecast"):

* The **lookback** holds the deals closed (won or lost) with lookback_start < CloseDate <= AsOfDate.
* **Conversion** of open stage s (order k): of the lookback's deals that reached s - every won deal,
  and the lost deals whose LostAtStage has order >= k - the share won, shrunk toward the stage's
  probability p_s with prior weight w: (won + w p_s) / (reached + w). Lost deals without LostAtStage
  are left out of conversion.
* **Slippage**: for lookback won deals with an OriginalCloseDate, d = close month - original month
  (whole months; negative = early). Its distribution q_d (share of deals) moves an open deal's
  expected month: an open deal expected in month b (its CloseDate's month, or AsOfDate's month if
  that is already past) closes in month max(b + d, AsOfDate's month) with probability q_d. Fewer
  than MinDeals such deals: no slippage (q_0 = 1).
* An open deal is **in the period** (stage-weighted and category figures) when b falls in the
  remaining months of the gap period; its **learned** expected amount is
  Amount x conversion(stage) x P(close month in the gap period).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .fiscal import months_of
from .inputs import ForecastInputs

CATEGORIES = ("Commit", "Best Case", "Pipeline", "Omitted")


@dataclass
class PipelineResult:
    conversion: pd.DataFrame  # Stage, Order, Probability, Reached, Won, LostHere, Conversion
    slippage: pd.DataFrame  # MonthsLate, Deals, Share
    slip_deals: int
    deals: pd.DataFrame  # the open opportunities, with their weights
    person: dict[str, np.ndarray]  # per person (P,): sums used by the roll-ups
    months: np.ndarray  # month indices AsOfDate's month .. + horizon - 1
    month_learned: np.ndarray  # company expected bookings from the open pipeline by month (learned)
    month_weighted: np.ndarray  # company stage-weighted pipeline by expected month (no slippage)
    warnings: list[str]


def lookback_mask(inp: ForecastInputs) -> np.ndarray:
    st = inp.settings
    o = inp.opps
    close = o["CloseDate"].to_numpy().astype("datetime64[D]")
    closed = np.isin(o["StageType"].to_numpy(), ["Won", "Lost"])
    return closed & (close > np.datetime64(st.lookback_start, "D")) & (close <= np.datetime64(st.as_of, "D"))


def compute_pipeline(inp: ForecastInputs) -> PipelineResult:
    st = inp.settings
    o = inp.opps
    P = inp.n_people
    warnings: list[str] = []
    stype = o["StageType"].to_numpy()
    amount = o["Amount"].to_numpy(dtype=np.float64)
    rep = o["Rep"].to_numpy()
    lb = lookback_mask(inp)
    won_lb = lb & (stype == "Won")
    lost_lb = lb & (stype == "Lost")
    # -- conversion by open stage ------------------------------------------------------------------
    stg = inp.stages
    open_st = stg[stg["Type"] == "Open"].sort_values("Order", kind="stable")
    orders = open_st["Order"].to_numpy(dtype=np.float64)
    probs = open_st["Probability"].to_numpy(dtype=np.float64)
    lost_order = o["LostOrder"].to_numpy(dtype=np.float64)
    W = int(won_lb.sum())
    lo = lost_order[lost_lb & ~np.isnan(lost_order)]
    lost_reached = (lo[None, :] >= orders[:, None]).sum(1)
    lost_here = (lo[None, :] == orders[:, None]).sum(1)
    reached = W + lost_reached
    w = st.prior_weight
    den = reached + w
    conv = np.where(den > 0, (W + w * probs) / np.where(den > 0, den, 1.0), probs)
    conversion = pd.DataFrame({"Stage": open_st["Stage"].to_numpy(), "Order": orders, "Probability": probs,
                               "Reached": reached.astype(np.float64), "Won": float(W),
                               "LostHere": lost_here.astype(np.float64), "Conversion": conv})
    unknown = int((lost_lb & np.isnan(lost_order)).sum())
    if unknown:
        warnings.append(f"{unknown} lost deal(s) of the lookback have no LostAtStage: left out of stage conversion")
    conv_of = dict(zip(open_st["Stage"], conv))
    # -- slippage ---------------------------------------------------------------------------------
    orig = o["OriginalCloseDate"].to_numpy().astype("datetime64[D]")
    has_orig = won_lb & ~np.isnat(orig)
    d = months_of(o["CloseDate"].to_numpy())[has_orig] - months_of(orig)[has_orig]
    seen, cnt = np.unique(d, return_counts=True) if len(d) else (np.array([0]), np.array([0]))
    if len(d) >= st.min_deals:
        vals, share = seen, cnt / cnt.sum()
        shown = share
    else:  # off: every deal closes in its expected month; the table still shows what was seen, Share blank
        vals, share = np.array([0]), np.array([1.0])
        shown = np.full(len(seen), np.nan)
        warnings.append(f"only {len(d)} won deal(s) of the lookback have an OriginalCloseDate (fewer than MinDeals "
                        f"= {st.min_deals}): no slippage applied")
    slippage = pd.DataFrame({"MonthsLate": seen.astype(np.float64), "Deals": cnt.astype(np.float64), "Share": shown})
    # -- open deals -------------------------------------------------------------------------------
    is_open = stype == "Open"
    a, b = st.gap_months
    asof_m = st.as_of_month
    base = np.maximum(months_of(o["CloseDate"].to_numpy()), asof_m)
    moved = np.maximum(base[:, None] + vals[None, :], asof_m)  # (opps, slips)
    in_gap = ((moved >= a) & (moved < b)).astype(np.float64) @ share
    in_gap_base = (base >= a) & (base < b)
    own_p = o["Probability"].to_numpy(dtype=np.float64)
    prob = np.where(np.isnan(own_p), o["StageProbability"].to_numpy(dtype=np.float64), own_p)
    conv_o = o["Stage"].map(conv_of).to_numpy(dtype=np.float64)
    conv_o = np.where(is_open, conv_o, 0.0)
    cat = o["Category"].to_numpy()
    weighted = np.where(is_open & in_gap_base, amount * prob, 0.0)
    learned = np.where(is_open, amount * conv_o * in_gap, 0.0)
    sel = np.flatnonzero(is_open)
    deals = pd.DataFrame({
        "OppID": o["OppID"].to_numpy()[sel], "RepID": o["RepID"].to_numpy()[sel],
        "Account": o["Account"].to_numpy()[sel], "Stage": o["Stage"].to_numpy()[sel],
        "Category": cat[sel], "Amount": amount[sel],
        "CloseDate": o["CloseDate"].to_numpy().astype("datetime64[D]")[sel],
        "Overdue": np.where(months_of(o["CloseDate"].to_numpy())[sel] < asof_m, "yes", ""),
        "InPeriod": np.where(in_gap_base[sel], "yes", ""),
        "Probability": prob[sel], "Conversion": conv_o[sel], "InPeriodChance": in_gap[sel],
        "StageWeighted": weighted[sel], "Learned": learned[sel]})
    deals = deals.sort_values(["RepID", "CloseDate", "OppID"], kind="stable").reset_index(drop=True)
    deals["Overdue"] = deals["Overdue"].astype(object)
    deals["InPeriod"] = deals["InPeriod"].astype(object)
    overdue = int((deals["Overdue"] == "yes").sum())
    if overdue:
        warnings.append(f"{overdue} open deal(s) have a CloseDate before AsOfDate's month: expected in "
                        f"{st.as_of.strftime('%Y-%m')} (then slipped)")
    # -- per person sums ----------------------------------------------------------------------------
    ok = rep >= 0
    r = np.where(ok, rep, 0)

    def per(x):
        return np.bincount(r[ok], weights=np.asarray(x, dtype=np.float64)[ok], minlength=P)

    won = stype == "Won"
    close_m = months_of(o["CloseDate"].to_numpy())
    closed_gap = won & (close_m >= a) & (close_m <= asof_m)
    counted = is_open & in_gap_base & (cat != "Omitted")
    person = {
        "Closed": per(np.where(closed_gap, amount, 0.0)),
        "CommitOpen": per(np.where(is_open & in_gap_base & (cat == "Commit"), amount, 0.0)),
        "BestCaseOpen": per(np.where(is_open & in_gap_base & (cat == "Best Case"), amount, 0.0)),
        "PipelineOpen": per(np.where(is_open & in_gap_base & (cat == "Pipeline"), amount, 0.0)),
        "OmittedOpen": per(np.where(is_open & in_gap_base & (cat == "Omitted"), amount, 0.0)),
        "OpenInPeriod": per(np.where(counted, amount, 0.0)),
        "OpenInPeriodCount": per(counted),
        "StageWeighted": per(weighted),
        "Learned": per(learned),
        "OpenAll": per(np.where(is_open & (cat != "Omitted"), amount, 0.0)),
        "OpenAllCount": per(is_open & (cat != "Omitted")),
        "WonLB": per(won_lb), "LostLB": per(lost_lb), "WonAmountLB": per(np.where(won_lb, amount, 0.0)),
        "CycleDaysLB": per(np.where(won_lb, (o["CloseDate"].to_numpy().astype("datetime64[D]")
                                             - o["CreatedDate"].to_numpy().astype("datetime64[D]")
                                             ).astype(np.int64), 0)),
    }
    # -- company pipeline by month ------------------------------------------------------------------
    H = st.horizon
    months = asof_m + np.arange(H)
    learned_m = np.zeros(H)
    weighted_m = np.zeros(H)
    if len(sel):
        val = amount[sel] * conv_o[sel]
        mv = moved[sel] - asof_m  # (open, slips) offsets >= 0
        for j, q in enumerate(share):  # a handful of slip values
            k = mv[:, j]
            inside = k < H
            np.add.at(learned_m, k[inside], val[inside] * q)
        kb = base[sel] - asof_m
        inside = kb < H
        np.add.at(weighted_m, kb[inside], (amount * prob)[sel][inside])
    return PipelineResult(conversion=conversion, slippage=slippage, slip_deals=int(len(d)), deals=deals,
                          person=person, months=months, month_learned=learned_m, month_weighted=weighted_m,
                          warnings=warnings)
