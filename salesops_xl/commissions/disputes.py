"""Disputes (docs/commissions.md, "Disputes"): checked, summarised, and paid when resolved with an amount.

A ``Disputes`` row names a rep and a deal (one the rep is credited on) or a pay month. Open disputes are listed
on the rep's statement and on the *Disputes* sheet; a Resolved one with an amount becomes a *Dispute adjustment*
statement line in the month of ``ResolvedOn`` (component Adjustments of Payout Summary). Plain pandas/numpy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import DISPUTE_OPEN as OPEN

LINE_DISPUTE = "Dispute adjustment"
SHEET = "Disputes Summary"


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
    assert f is not None  # n counts rows of f: none when there is no Disputes table
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
