"""Disputes (docs/commissions.md, "Disputes"): checked, summarised, and paid when resolved with an amount.

A ``Disputes`` row names a rep and a deal (one the rep is credited on) or a pay month. Open disputes are listed
on the rep's statement and on the *Disputes* sheet; a Resolved one with an amount becomes a *Dispute adjustment*
statement line in the month of ``ResolvedOn`` (component Adjustments of Payout Summary). Plain pandas/numpy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..periods import PlanCalendar
from ..tables import Table

LINE_DISPUTE = "Dispute adjustment"
OPEN, RESOLVED, REJECTED = "Open", "Resolved", "Rejected"
SHEET = "Disputes Summary"


def check_disputes(tables: dict[str, Table], cal: PlanCalendar, problems: ProblemCollector) -> None:
    """Row checks; adds PayMonthIndex (month of ResolvedOn for a paid resolution, else -1)."""
    from .inputs import unknown_reps

    tbl, roster, deals = tables.get("Disputes"), tables.get("Roster"), tables.get("Deals")
    if tbl is None:
        return
    f = tbl.frame
    n = len(f)
    f["PayMonthIndex"] = np.full(n, -1, dtype=np.int64)
    if not n:
        return
    if roster is not None:
        known = f["RepID"].isin(set(roster.frame["RepID"].dropna())).to_numpy() | f["RepID"].isna().to_numpy()
        unknown_reps(tbl, np.flatnonzero(~known), roster, problems)
    if deals is not None:
        d = deals.frame
        pairs = set(zip(d["DealID"], d["RepID"]))
        ids = set(d["DealID"].dropna())
        for i, (deal, rep) in enumerate(zip(f["DealID"], f["RepID"])):
            if deal is None:
                continue
            if deal not in ids:
                problems.add(tbl.problem(i, "DealID", "a dispute about an unknown deal", value=deal,
                                         expected="a DealID listed in the Deals table, or blank"))
            elif rep is not None and (deal, rep) not in pairs:
                problems.add(tbl.problem(i, "DealID", f"rep {rep} is not credited on this deal", value=deal,
                                         expected=f"a deal with a Deals row for rep {rep}"))
    status = f["Status"].to_numpy(dtype=object)
    amount = f["Amount"].to_numpy(dtype=np.float64)
    raised = f["RaisedOn"].to_numpy().astype("datetime64[D]")
    resolved = f["ResolvedOn"].to_numpy().astype("datetime64[D]")
    has_amount = ~np.isnan(amount) & (amount != 0)
    for i in np.flatnonzero((status != RESOLVED) & has_amount):
        problems.add(tbl.problem(int(i), "Amount", f"an amount on a dispute that is {status[i]}",
                                 value=float(amount[i]), expected="Status Resolved, or a blank Amount"))
    for i in np.flatnonzero((status != OPEN) & np.isnat(resolved)):
        problems.add(tbl.problem(int(i), "ResolvedOn", f"a {status[i]} dispute without the date it was settled",
                                 show_value=False, expected="the date it was resolved or rejected"))
    for i in np.flatnonzero((status == OPEN) & ~np.isnat(resolved)):
        problems.add(tbl.problem(int(i), "ResolvedOn", "a ResolvedOn on an open dispute", value=resolved[i].item(),
                                 expected="Status Resolved or Rejected, or a blank ResolvedOn"))
    for i in np.flatnonzero(~np.isnat(resolved) & ~np.isnat(raised) & (resolved < raised)):
        problems.add(tbl.problem(int(i), "ResolvedOn", "resolved before it was raised", value=resolved[i].item(),
                                 expected=f"a date on or after RaisedOn {raised[i].item()}"))
    for i, per in enumerate(f["Period"]):
        if per is not None:
            p, why = cal.parse_period(per, "Month")
            if p is None:
                problems.add(tbl.problem(i, "Period", why, value=per, expected=cal.expected_label("Month")))
    pay = (status == RESOLVED) & has_amount & ~np.isnat(resolved)
    month = cal.month_index(resolved)
    for i in np.flatnonzero(pay & ((month < 0) | (month >= 12))):
        problems.add(tbl.problem(int(i), "ResolvedOn", "a resolution paid outside the plan year",
                                 value=resolved[i].item(), expected=f"a date from {cal.start} to {cal.end}"))
    f["PayMonthIndex"] = np.where(pay & (month >= 0) & (month < 12), month, -1).astype(np.int64)


def dispute_lines(inp, rep_ids: np.ndarray) -> pd.DataFrame:
    """One Dispute adjustment line per resolved dispute with an amount, in the month of ResolvedOn (if computed)."""
    from ..money import to_cents
    from ..tables import object_frame
    from .extras import EXTRA_COLUMNS, empty_extras

    f = inp.frame("Disputes") if "Disputes" in inp.tables else None
    month = f["PayMonthIndex"].to_numpy() if f is not None and len(f) else np.zeros(0, dtype=np.int64)
    sel = (month >= 0) & (month < inp.calendar.months_computed)
    if f is not None and len(f):
        f = f[sel]
    n = int(sel.sum())
    if not n:
        return empty_extras()
    note = [f"Dispute {d}" + (f" ({deal})" if deal else "") + (f": {res}" if res else "")
            for d, deal, res in zip(f["DisputeID"], f["DealID"], f["Resolution"])]
    return object_frame({
        "_rep": pd.Index(rep_ids).get_indexer(f["RepID"]).astype(np.int64), "_month": month[sel].astype(np.int64),
        "LineType": LINE_DISPUTE, "Amount": to_cents(f["Amount"].to_numpy(dtype=np.float64)),
        "Note": np.array(note, dtype=object), "_row": np.full(n, -1, dtype=np.int64), "Measure": None,
        "Credit": np.full(n, np.nan),
    })[EXTRA_COLUMNS]


def open_disputes(inp, rep_id: str) -> list[str]:
    """The rep's open disputes in words, for the statement."""
    f = inp.frame("Disputes") if "Disputes" in inp.tables else None
    if f is None or not len(f):
        return []
    mine = f[(f["RepID"] == rep_id) & (f["Status"] == OPEN)]
    out = []
    for r in mine.itertuples(index=False):
        about = f"deal {r.DealID}" if r.DealID else (f"pay month {r.Period}" if r.Period else "your pay")
        raised = pd.Timestamp(r.RaisedOn).date().isoformat() if not pd.isna(r.RaisedOn) else ""
        out.append(f"Dispute {r.DisputeID} about {about}, raised {raised}: {r.Reason or '(no reason given)'} "
                   "- open, under review.")
    return out


def summary_frame(inp) -> pd.DataFrame:
    """Every dispute with its status and where its amount is paid (the Disputes Summary sheet)."""
    f = inp.frame("Disputes") if "Disputes" in inp.tables else None
    cols = ["DisputeID", "RepID", "DealID", "Period", "RaisedBy", "RaisedOn", "Reason", "Status", "Resolution",
            "ResolvedOn", "Amount", "PaidIn"]
    if f is None or not len(f):
        return pd.DataFrame({c: [] for c in cols})
    labels = np.array(inp.calendar.period_labels("Month") + [None], dtype=object)
    m = f["PayMonthIndex"].to_numpy()
    computed = (m >= 0) & (m < inp.calendar.months_computed)
    out = f[cols[:-1]].copy()
    paid_in = labels[np.where(computed, m, 12)]  # the last label is None: nothing paid (yet)
    out["PaidIn"] = pd.Series(list(paid_in), index=out.index, dtype=object)
    order = np.lexsort((out["DisputeID"].astype(str).to_numpy(), (out["Status"] != OPEN).to_numpy()))
    return out.iloc[order].reset_index(drop=True)
