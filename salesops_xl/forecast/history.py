"""Snapshots of the pipeline and the calls, what moved between two of them, and forecast accuracy.

Rules (docs/forecast.md, "Snapshots", "Pipeline changes", "Forecast accuracy"):

* A **snapshot** on day D records every open deal of the Opportunities table and every deal closed on
  or after the earlier of the first day of D's period and D - 35 days (so a deal that closes between
  two snapshots up to five weeks apart is still there to be seen closing), with its amount, close date, stage, status, category
  and probability; and one CallHistory row per person for D's period (:func:`person_totals`). A
  snapshot replaces an earlier one of the same day.
* An open deal is **expected** in the month of its CloseDate, or in D's month when that is already
  past; it is **in the period** when that month lies in the period.
* **Movements** between snapshots F (from) and T (to), in T's period: the measured amount of a deal at
  a snapshot is its Amount when it is open, not Omitted and in the period, else 0. Every deal of either
  snapshot gets exactly one movement, the first that applies (:data:`MOVEMENTS`); its Change is the
  measured amount at T minus at F, so the Changes add up exactly (in cents) to the open pipeline of the
  period at T minus at F.
* **Accuracy** of a closed period: per person and measure, the value recorded by the snapshot taken
  last on or before day AccuracyDay of the period (0: the period's last snapshot), against the
  bookings actually won in the period (today's Opportunities, the person's team for a manager).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calls import counted_submissions, hierarchy_order, roll_up, submitted_matrix
from .fiscal import Calendar, calendar_of, month_index, month_start
from .schema import CALL_HISTORY, PIPELINE_HISTORY
from .targets import quota_cube

#: The movements, in the order they are tested (the first that applies wins).
MOVEMENTS = (
    ("New", "in T only (created, or first seen, after F)"),
    ("Removed", "in F only (deleted, merged, or closed before the window T keeps)"),
    ("Closed won", "open at F, won at T"),
    ("Closed lost", "open at F, lost at T"),
    ("Reopened", "closed at F, open at T"),
    ("Pulled in", "open at both, CloseDate earlier at T"),
    ("Pushed out", "open at both, CloseDate later at T, in the period at F and after it at T"),
    ("Slipped", "open at both, CloseDate later at T, otherwise (within the period, or outside it at both)"),
    ("Amount changed", "open at both, same CloseDate, Amount differs"),
    ("Category changed", "open at both, same CloseDate and Amount, Category differs"),
    ("Other change", "anything else recorded differs (stage, owner, probability, or a closed deal's fields)"),
    ("Unchanged", "nothing recorded differs"),
)
MOVEMENT_NAMES = tuple(m for m, _ in MOVEMENTS)

MEASURES = ("Commit call", "Best Case call", "Commit", "Best Case", "Pipeline", "Weighted")
_MEASURE_COLUMN = {"Commit call": "CommitCall", "Best Case call": "BestCaseCall", "Commit": "Commit",
                   "Best Case": "BestCase", "Pipeline": "Pipeline", "Weighted": "Weighted"}


def subtree_sum(parent: np.ndarray, depth: np.ndarray, own: np.ndarray) -> np.ndarray:
    """(P, K): each person's own values plus everyone's below them (one pass per level, bottom-up)."""
    parent = np.asarray(parent, dtype=np.intp)
    depth = np.asarray(depth, dtype=np.intp)
    tot = np.array(own, dtype=np.float64, copy=True)
    for d in range(int(depth.max()) if len(depth) else 0, 0, -1):
        kids = np.flatnonzero((depth == d) & (parent >= 0))
        np.add.at(tot, parent[kids], tot[kids])
    return tot


def _months(dates) -> np.ndarray:
    d = np.asarray(dates).astype("datetime64[M]").astype(np.int64)
    return d + 1970 * 12


def deal_state(inp) -> pd.DataFrame:
    """The Opportunities table as a snapshot records it (resolved status, category and probability)."""
    o = inp.opps
    own_p = o["Probability"].to_numpy(dtype=np.float64)
    prob = np.where(np.isnan(own_p), o["StageProbability"].to_numpy(dtype=np.float64), own_p)
    return pd.DataFrame({
        "OppID": o["OppID"].to_numpy(object), "RepID": o["RepID"].to_numpy(object),
        "Amount": o["Amount"].to_numpy(np.float64),
        "CloseDate": o["CloseDate"].to_numpy().astype("datetime64[D]"),
        "Stage": o["Stage"].to_numpy(object), "Status": o["StageType"].to_numpy(object),
        "Category": o["Category"].to_numpy(object), "Probability": prob})


#: A snapshot keeps the deals closed in its period or in the KEEP_CLOSED_DAYS days before it.
KEEP_CLOSED_DAYS = 35


def pipeline_rows(state: pd.DataFrame, day: _dt.date, cal: Calendar) -> pd.DataFrame:
    """The PipelineHistory rows of a snapshot on ``day``: open deals, and deals closed on or after the earlier of
    the first day of ``day``'s period and ``day`` - KEEP_CLOSED_DAYS."""
    a, _, _ = cal.of_day(day)
    keep_from = np.datetime64(min(month_start(a), day - _dt.timedelta(days=KEEP_CLOSED_DAYS)), "D")
    close = state["CloseDate"].to_numpy().astype("datetime64[D]")
    keep = (state["Status"].to_numpy() == "Open") | (close >= keep_from)
    out = state[keep].copy()
    out.insert(0, "SnapshotDate", np.datetime64(day, "D"))
    return out.sort_values("OppID", kind="stable").reset_index(drop=True)


def in_period(state: pd.DataFrame, day: _dt.date, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """(open deal expected in months [a, b) on ``day``, deal won in [a, b) on or before ``day``)."""
    close = state["CloseDate"].to_numpy().astype("datetime64[D]")
    status = state["Status"].to_numpy()
    expected = np.maximum(_months(close), month_index(day))
    open_in = (status == "Open") & (expected >= a) & (expected < b)
    cm = _months(close)
    won_in = (status == "Won") & (cm >= a) & (cm < b) & (close <= np.datetime64(day, "D"))
    return open_in, won_in


def person_totals(state: pd.DataFrame, team: pd.DataFrame, day: _dt.date, cal: Calendar) -> pd.DataFrame:
    """Closed, Commit, BestCase, Pipeline, Weighted of the period holding ``day`` per person (team for a
    manager): Closed = won in the period up to ``day``; Commit = Closed + open Commit deals in the period;
    BestCase = Commit + open Best Case; Pipeline = BestCase + open Pipeline; Weighted = Closed + open deals in
    the period x probability (Omitted included, as the Pipeline sheet's StageWeightedForecast)."""
    a, b, _ = cal.of_day(day)
    P = len(team)
    rep = pd.Index(team["RepID"].to_numpy(object)).get_indexer(state["RepID"].to_numpy(object))
    ok = rep >= 0
    open_in, won_in = in_period(state, day, a, b)
    cat = state["Category"].to_numpy()
    amt = state["Amount"].to_numpy(np.float64)
    prob = state["Probability"].to_numpy(np.float64)
    cols = [won_in, open_in & (cat == "Commit"), open_in & (cat == "Best Case"), open_in & (cat == "Pipeline")]
    own = np.zeros((P, 5))
    r = rep[ok]
    for j, m in enumerate(cols):
        own[:, j] = np.bincount(r, weights=np.where(m, amt, 0.0)[ok], minlength=P)
    own[:, 4] = np.bincount(r, weights=np.where(open_in, amt * prob, 0.0)[ok], minlength=P)
    tot = subtree_sum(team["Parent"].to_numpy(), team["Depth"].to_numpy(), own)
    closed = tot[:, 0]
    commit = closed + tot[:, 1]
    best = commit + tot[:, 2]
    return pd.DataFrame({"Closed": closed, "Commit": commit, "BestCase": best, "Pipeline": best + tot[:, 3],
                         "Weighted": closed + tot[:, 4]})


def call_rows(inp, state: pd.DataFrame, day: _dt.date) -> pd.DataFrame:
    """The CallHistory rows of a snapshot on ``day``: one per person, for the period holding ``day``."""
    cal = calendar_of(inp.settings)
    team = inp.team
    _, _, label = cal.of_day(day)
    tot = person_totals(state, team, day, cal)
    amt, _, _ = submitted_matrix(counted_submissions(inp.submissions, day, label), len(team))
    ru = roll_up(team["Parent"].to_numpy(), team["Depth"].to_numpy(), amt)
    out = pd.DataFrame({"SnapshotDate": np.full(len(team), np.datetime64(day, "D")), "Period": label,
                        "RepID": team["RepID"].to_numpy(object)})
    for c in tot.columns:
        out[c] = tot[c].to_numpy()
    out["CommitCall"] = ru.number[:, 0]
    out["BestCaseCall"] = ru.number[:, 1]
    return out


def append_snapshot(history: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``history`` without the rows of the snapshot's day, then ``rows``; sorted by day (stable)."""
    day = rows["SnapshotDate"].iloc[0] if len(rows) else None
    if len(history):
        keep = history["SnapshotDate"].to_numpy().astype("datetime64[D]") != np.datetime64(day, "D")
        history = history[keep]
    both = pd.concat([history[rows.columns] if len(history) else rows.iloc[:0], rows], ignore_index=True)
    both["SnapshotDate"] = both["SnapshotDate"].to_numpy().astype("datetime64[D]")
    return both.sort_values("SnapshotDate", kind="stable").reset_index(drop=True)


# -- movements ------------------------------------------------------------------------------------

@dataclass
class Movements:
    day_from: _dt.date
    day_to: _dt.date
    period: str
    start: int  # cents: open pipeline of the period at F
    end: int  # cents: at T
    deals: pd.DataFrame  # one row per deal that is not Unchanged
    summary: pd.DataFrame  # Movement, Deals, Change (cents), plus Start / End rows


def cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=np.float64) * 100.0).astype(np.int64)


def classify(f: pd.DataFrame, t: pd.DataFrame, day_from: _dt.date, day_to: _dt.date, cal: Calendar) -> Movements:
    """Classify every deal of snapshots ``f`` and ``t`` (PipelineHistory rows of one day each) into exactly one
    movement of :data:`MOVEMENTS`, with its Change of the period's open pipeline (cents)."""
    a, b, label = cal.of_day(day_to)
    ids = pd.Index(pd.unique(np.concatenate([f["OppID"].to_numpy(object), t["OppID"].to_numpy(object)])))
    n = len(ids)
    fi = ids.get_indexer(f["OppID"].to_numpy(object))
    ti = ids.get_indexer(t["OppID"].to_numpy(object))

    def side(s: pd.DataFrame, idx: np.ndarray, day):
        present = np.zeros(n, bool)
        present[idx] = True
        open_in, _ = in_period(s, day, a, b)
        meas = np.zeros(n, np.int64)
        meas[idx] = np.where(open_in & (s["Category"].to_numpy() != "Omitted"), cents(s["Amount"]), 0)
        cols = {}
        for c, fill in (("RepID", None), ("Stage", None), ("Status", None), ("Category", None)):
            v = np.full(n, fill, dtype=object)
            v[idx] = s[c].to_numpy(object)
            cols[c] = v
        amount = np.zeros(n, np.int64)
        amount[idx] = cents(s["Amount"])
        close = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        close[idx] = s["CloseDate"].to_numpy().astype("datetime64[D]")
        prob = np.full(n, np.nan)
        prob[idx] = s["Probability"].to_numpy(np.float64)
        expected = np.maximum(_months(close), month_index(day))
        return present, meas, cols, amount, close, prob, expected

    pf, mf, cf, af, df_, qf, ef = side(f, fi, day_from)
    pt, mt, ct, at, dt_, qt, et = side(t, ti, day_to)
    both = pf & pt
    of = both & (cf["Status"] == "Open")
    ot = both & (ct["Status"] == "Open")
    oo = of & ot
    with np.errstate(invalid="ignore"):
        later = oo & (dt_ > df_)
        pushed = later & (ef >= a) & (ef < b) & (et >= b)
    same_date = oo & (dt_ == df_)
    other = both & ((cf["RepID"] != ct["RepID"]) | (cf["Stage"] != ct["Stage"]) | (cf["Status"] != ct["Status"])
                    | (cf["Category"] != ct["Category"]) | (af != at) | (df_ != dt_)
                    | ~((qf == qt) | (np.isnan(qf) & np.isnan(qt))))
    conds = [pt & ~pf, pf & ~pt, of & (ct["Status"] == "Won"), of & (ct["Status"] == "Lost"),
             both & ~of & ot, oo & (dt_ < df_), pushed, later & ~pushed, same_date & (af != at),
             same_date & (af == at) & (cf["Category"] != ct["Category"]), other]
    code = np.select(conds, list(range(len(conds))), default=len(conds)).astype(np.intp)  # bincount: intp on wasm32
    change = mt - mf
    names = np.array(MOVEMENT_NAMES, dtype=object)
    shown = code != len(conds)
    deals = pd.DataFrame({
        "OppID": ids.to_numpy(object), "RepID": np.where(pt, ct["RepID"], cf["RepID"]),
        "Movement": names[code], "FromStage": cf["Stage"], "ToStage": ct["Stage"],
        "FromCategory": cf["Category"], "ToCategory": ct["Category"],
        "FromCloseDate": df_, "ToCloseDate": dt_,
        "FromAmount": np.where(pf, af, np.nan) / 100.0, "ToAmount": np.where(pt, at, np.nan) / 100.0,
        "FromInPeriod": mf / 100.0, "ToInPeriod": mt / 100.0, "Change": change / 100.0, "_code": code,
        "_change": -np.abs(change)})
    # by movement, the largest changes first
    deals = deals[shown].sort_values(["_code", "_change", "OppID"], kind="stable").reset_index(drop=True)
    cnt = np.bincount(code, minlength=len(names))
    tot = np.bincount(code, weights=change.astype(np.float64), minlength=len(names))  # exact: integers < 2**53
    start, end = int(mf.sum()), int(mt.sum())
    summary = pd.DataFrame({
        "Movement": ["Open pipeline at " + day_from.isoformat()] + list(MOVEMENT_NAMES)
                    + ["Open pipeline at " + day_to.isoformat()],
        "Deals": np.r_[float(int((mf != 0).sum())), cnt.astype(np.float64), float(int((mt != 0).sum()))],
        "Change": np.r_[start, tot, end].astype(np.float64) / 100.0})
    return Movements(day_from=day_from, day_to=day_to, period=label, start=start, end=end,
                     deals=deals.drop(columns=["_code", "_change"]), summary=summary)


def compare(inp) -> tuple[Movements | None, str | None]:
    """The movements between the snapshots the settings name (default: the two latest); or why there are none."""
    h = inp.pipeline_history
    st = inp.settings
    days = np.unique(h["SnapshotDate"].to_numpy().astype("datetime64[D]")) if len(h) else np.zeros(0, "datetime64[D]")
    to: np.datetime64[_dt.date] | None = np.datetime64(st.compare_to, "D") if st.compare_to else (days[-1] if len(days) else None)
    if to is None:
        return None, "no snapshot in PipelineHistory yet (run salesops-xl forecast snapshot)"
    fr: np.datetime64[_dt.date]
    if st.compare_from:
        fr = np.datetime64(st.compare_from, "D")
    else:
        earlier = days[days < to]
        if not len(earlier):
            return None, f"only one snapshot on or before {to}: Pipeline Changes needs two"
        fr = earlier[-1]
    for what, d in (("CompareFrom", fr), ("CompareTo", to)):
        if d not in days:
            return None, f"{what} {d} is not a SnapshotDate of PipelineHistory"
    if fr >= to:
        return None, f"CompareFrom {fr} is not before CompareTo {to}"
    hd = h["SnapshotDate"].to_numpy().astype("datetime64[D]")
    note = None
    if (to - fr).astype(np.int64) > KEEP_CLOSED_DAYS:
        note = (f"the snapshots compared are {(to - fr).astype(np.int64)} days apart (more than {KEEP_CLOSED_DAYS}): "
                "a deal that closed long before the later one may show as Removed")
    return classify(h[hd == fr], h[hd == to], fr.item(), to.item(), calendar_of(st)), note


# -- accuracy ---------------------------------------------------------------------------------------

@dataclass
class Accuracy:
    detail: pd.DataFrame  # Period, RepID, Name, Measure, SnapshotDate, Forecast, Actual, Error, ErrorPct
    summary: pd.DataFrame  # RepID, Name, Measure, Periods, Forecast, Actual, Error, AbsError, WAPE, Bias
    company: pd.DataFrame  # Period, Actual and every measure for the company (the people at the top)
    periods: list[str]


def actual_won(inp, first: int, end: int) -> np.ndarray:
    """(P,) won in months [first, end) per person's team, from today's Opportunities."""
    o = inp.opps
    P = inp.n_people
    cm = _months(o["CloseDate"].to_numpy().astype("datetime64[D]"))
    won = (o["StageType"].to_numpy() == "Won") & (cm >= first) & (cm < end)
    rep = o["Rep"].to_numpy()
    ok = rep >= 0
    own = np.bincount(rep[ok].astype(np.intp), weights=np.where(won, o["Amount"].to_numpy(np.float64), 0.0)[ok],
                      minlength=P)
    return subtree_sum(inp.team["Parent"].to_numpy(), inp.team["Depth"].to_numpy(), own[:, None])[:, 0]


def accuracy(inp) -> tuple[Accuracy | None, str | None]:
    """Error and bias of every measure recorded by CallHistory over the last AccuracyPeriods closed periods."""
    st = inp.settings
    cal = calendar_of(st)
    h = inp.call_history
    team = inp.team
    cur_first, _, _ = cal.of_day(st.as_of)
    firsts = [cur_first - cal.length * k for k in range(1, st.accuracy_periods + 1)][::-1]
    if not len(h):
        return None, "no CallHistory yet (run salesops-xl forecast snapshot during a period)"
    hd = h["SnapshotDate"].to_numpy().astype("datetime64[D]")
    pos = pd.Index(team["RepID"].to_numpy(object)).get_indexer(h["RepID"].to_numpy(object))
    names = team["RepName"].to_numpy(object)
    ids = team["RepID"].to_numpy(object)
    top = team["Parent"].to_numpy() < 0
    rows, comp_rows, used = [], [], []
    for first in firsts:  # a handful of periods
        d0, d1 = cal.dates(first)
        cut = d1 if st.accuracy_day == 0 else min(d1, d0 + _dt.timedelta(days=st.accuracy_day - 1))
        inside = (hd >= np.datetime64(d0, "D")) & (hd <= np.datetime64(cut, "D")) & (pos >= 0)
        if not inside.any():
            continue
        day = hd[inside].max()
        sel = np.flatnonzero(inside & (hd == day))
        label = cal.label(first)
        used.append(label)
        act = actual_won(inp, first, first + cal.length)
        p = pos[sel]
        comp = {"Period": label, "SnapshotDate": day, "Actual": float(act[top].sum())}
        for m in MEASURES:
            fc = h[_MEASURE_COLUMN[m]].to_numpy(np.float64)[sel]
            rows.append(pd.DataFrame({"Period": label, "RepID": ids[p], "Name": names[p], "Measure": m,
                                      "SnapshotDate": day, "Forecast": fc, "Actual": act[p], "_p": p}))
            tv = np.full(len(team), np.nan)
            tv[p] = fc
            comp[m] = float(np.nansum(tv[top])) if (~np.isnan(tv[top])).any() else np.nan
        comp_rows.append(comp)
    if not rows:
        return None, (f"no snapshot inside the last {st.accuracy_periods} closed period(s)"
                      + (f" on or before their day {st.accuracy_day}" if st.accuracy_day else ""))
    detail = pd.concat(rows, ignore_index=True)
    detail = detail[~np.isnan(detail["Forecast"].to_numpy())]
    detail["Error"] = detail["Forecast"] - detail["Actual"]
    with np.errstate(invalid="ignore", divide="ignore"):
        detail["ErrorPct"] = np.where(detail["Actual"] != 0, detail["Error"] / detail["Actual"].where(
            detail["Actual"] != 0, 1.0), np.nan)
    detail["_m"] = detail["Measure"].map({m: i for i, m in enumerate(MEASURES)})
    detail = detail.sort_values(["_p", "_m", "Period"], kind="stable").reset_index(drop=True)
    detail["AbsError"] = detail["Error"].abs()
    g = detail.groupby(["_p", "_m"], sort=True)
    summ = g.agg(RepID=("RepID", "first"), Name=("Name", "first"), Measure=("Measure", "first"),
                 Periods=("Period", "size"), Forecast=("Forecast", "sum"), Actual=("Actual", "sum"),
                 Error=("Error", "sum"), AbsError=("AbsError", "sum")).reset_index(drop=True)
    act = summ["Actual"].to_numpy(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        summ["WAPE"] = np.where(act != 0, summ["AbsError"].to_numpy() / np.where(act != 0, act, 1.0), np.nan)
        summ["Bias"] = np.where(act != 0, summ["Error"].to_numpy() / np.where(act != 0, act, 1.0), np.nan)
    company = pd.DataFrame(comp_rows)
    return Accuracy(detail=detail.drop(columns=["_p", "_m", "AbsError"]), summary=summ, company=company,
                    periods=used), None


# -- the Forecast Calls table and snapshots -----------------------------------------------------------------

def calls_table(inp) -> pd.DataFrame:
    """The Forecast Calls table of the gap period on AsOfDate: one row per person in hierarchy order.

    Calls (rolled up), the category totals of the pipeline (:func:`.history.person_totals`), quota, gap and
    coverage: Gap = max(Quota - Closed, 0); XCoverage = (X - Closed) / Gap for X = Commit, BestCase, Pipeline
    (the open amount of the category and those above it, per unit of quota still to close); CallGap =
    Quota - CommitCall (negative: called above quota)."""
    st = inp.settings
    team = inp.team
    P = inp.n_people
    cal = calendar_of(st)
    a, b, label = cal.of_day(st.as_of)
    counted = counted_submissions(inp.submissions, st.as_of, label)
    amt, note, when = submitted_matrix(counted, P)
    parent = team["Parent"].to_numpy(np.intp)
    ru = roll_up(parent, team["Depth"].to_numpy(), amt)
    tot = person_totals(deal_state(inp), team, st.as_of, cal)
    cube = quota_cube(inp)
    quota = cube.in_months(cube.team, a, b)
    has_kids = np.zeros(P, bool)
    has_kids[parent[parent >= 0]] = True
    ids = team["RepID"].to_numpy(object)
    closed = tot["Closed"].to_numpy()
    gap = np.where(np.isnan(quota), np.nan, np.maximum(quota - closed, 0.0))

    def cover(x):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(gap > 0, (x - closed) / np.where(gap > 0, gap, 1.0), np.nan)

    with np.errstate(invalid="ignore", divide="ignore"):
        adj = np.where(has_kids & ~np.isnan(ru.submitted[:, 0]) & ~np.isnan(ru.below[:, 0]),
                       ru.submitted[:, 0] - ru.below[:, 0], np.nan)
        att = np.where(quota > 0, ru.number[:, 0] / np.where(quota > 0, quota, 1.0), np.nan)
    note_any = np.where(pd.isna(note[:, 0]), note[:, 1], note[:, 0])
    depth = team["Depth"].to_numpy(np.intp)
    frame = pd.DataFrame({
        "Level": np.where(has_kids, "Team", "Rep").astype(object), "ID": ids,
        "Name": [("    " * int(d)) + str(n) for d, n in zip(depth, team["RepName"].to_numpy(object))],
        "Manager": np.where(parent >= 0, ids[np.maximum(parent, 0)], "").astype(object),
        "Period": label, "Quota": quota, "Closed": closed,
        "CommitCall": ru.number[:, 0], "CommitSource": ru.source[:, 0], "CommitSubmitted": ru.submitted[:, 0],
        "CommitSumBelow": ru.below[:, 0], "CommitAdjustment": adj,
        "BestCaseCall": ru.number[:, 1], "BestCaseSource": ru.source[:, 1],
        "MissingCalls": ru.missing[:, 0],
        "CommitPipeline": tot["Commit"].to_numpy(), "BestCasePipeline": tot["BestCase"].to_numpy(),
        "TotalPipeline": tot["Pipeline"].to_numpy(), "Weighted": tot["Weighted"].to_numpy(),
        "Gap": gap, "CommitCoverage": cover(tot["Commit"].to_numpy()),
        "BestCaseCoverage": cover(tot["BestCase"].to_numpy()), "PipelineCoverage": cover(tot["Pipeline"].to_numpy()),
        "CallGap": quota - ru.number[:, 0], "CallAttainment": att,
        "SubmittedOn": when[:, 0], "Note": note_any})
    return frame.iloc[hierarchy_order(parent)].reset_index(drop=True)


def snapshot(inp, day: _dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The PipelineHistory and CallHistory of ``inp`` with a snapshot of ``day`` appended."""
    state = deal_state(inp)
    prow = pipeline_rows(state, day, calendar_of(inp.settings))[[f.name for f in PIPELINE_HISTORY.fields]]
    crow = call_rows(inp, state, day)[[f.name for f in CALL_HISTORY.fields]]
    return append_snapshot(inp.pipeline_history, prow), append_snapshot(inp.call_history, crow)
