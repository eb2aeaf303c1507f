"""Locked (paid) months: their numbers never change; differences flow into the first open month.

``Settings[LockedThrough]`` names the last paid month. A recalculation keeps,
for every locked month, the record written when the month was first locked
(the "Paid History" sheet: tables PaidSummary, PaidPayouts, PaidLines,
PaidDraws), and computes everything else fresh. What the fresh calculation
says the locked months should have paid, minus what they did pay, is added to
the first month after the frozen record as *Prior-period adjustment* lines: one
per rep and measure (commission) or component (SPIFs, Bonuses, Adjustments).
Recoverable draw balances continue from the frozen closing balance.

Moving LockedThrough forward freezes the newly locked months as computed in
that run; moving it back unlocks (recomputes) the months after it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..words import count
from .inputs import CommissionInputs
from .prepare import Plan

LINE_PRIOR = "Prior-period adjustment"
COMPONENT_KEYS = ("SPIFs", "Bonuses", "Adjustments")
_KIND_COMPONENT = {"SPIF": "SPIFs", "SPIF reversal": "SPIFs", "Bonus": "Bonuses", "Adjustment": "Adjustments",
                   "Dispute adjustment": "Adjustments"}


@dataclass
class LockState:
    locked_through: int  # month index: months 0..locked_through are locked
    frozen: list[int]  # months with a frozen record (0..f_last); newly locked months are not in it
    first_open: int  # first month computed fresh (after the frozen record)
    labels: list[str]  # month labels of the plan year
    paid: dict[str, pd.DataFrame]
    opening_draw_balance: np.ndarray  # (R,) recoverable balance owed at the start of first_open

    @property
    def frozen_labels(self) -> set[str]:
        return {self.labels[m] for m in self.frozen}


def lock_state(inp: CommissionInputs, plan: Plan) -> LockState | None:
    if inp.locked_through is None:
        return None
    labels = inp.calendar.period_labels("Month")
    L = inp.locked_through
    paid = inp.paid
    have = paid_months(paid)
    frozen = []
    for m in range(L + 1):  # the frozen record runs from the first month without a gap
        if labels[m] not in have:
            break
        frozen.append(m)
    R = len(plan.roster.rep_ids)
    opening = np.zeros(R, dtype=np.int64)
    if frozen and "PaidDraws" in paid and len(paid["PaidDraws"]):
        dr = paid["PaidDraws"]
        dr = dr[dr["PayMonth"].isin({labels[m] for m in frozen})].sort_values("PayMonth")
        last = dr.groupby("RepID").tail(1)
        pos = pd.Index(plan.roster.rep_ids).get_indexer(last["RepID"])
        ok = pos >= 0
        opening[pos[ok]] = last["ClosingBalance"].to_numpy()[ok]
    first_open = (frozen[-1] + 1) if frozen else 0
    return LockState(L, frozen, first_open, labels, paid, opening)


def paid_months(paid: dict[str, pd.DataFrame]) -> set:
    """Months with a frozen record. A part of the run (the partitioned engine, docs/scale.md) holds only its reps'
    rows of PaidSummary and carries the whole record's months in ``attrs["pay_months"]``."""
    if "PaidSummary" not in paid:
        return set()
    ps = paid["PaidSummary"]
    return set(ps.attrs.get("pay_months", ps["PayMonth"]))


def prior_period_lines(inp: CommissionInputs, plan: Plan, lock: LockState, payouts: pd.DataFrame,
                       extra: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    """Recalculated minus paid, over the frozen months, per rep and measure/component."""
    from .extras import empty_extras

    if not lock.frozen:
        return empty_extras()
    rd = plan.roster
    flabels = lock.frozen_labels

    def long(frame: pd.DataFrame, key, amount: str) -> pd.DataFrame:
        return pd.DataFrame({"RepID": frame["RepID"].to_numpy(), "Key": np.asarray(key, dtype=object),
                             "Amount": frame[amount].to_numpy().astype(np.int64)})

    fp = payouts[payouts["PayMonth"].isin(flabels)]
    fresh_parts = [long(fp, fp["Measure"], "Payable")]
    ex = extra[extra["_month"].isin(lock.frozen) & extra["LineType"].isin(list(_KIND_COMPONENT))]
    if len(ex):
        fresh_parts.append(pd.DataFrame({"RepID": rd.rep_ids[ex["_rep"].to_numpy()],
                                         "Key": ex["LineType"].map(_KIND_COMPONENT).to_numpy(),
                                         "Amount": ex["Amount"].to_numpy()}))
    paid = lock.paid
    paid_parts = []
    if "PaidPayouts" in paid:
        pp = paid["PaidPayouts"]
        pp = pp[pp["PayMonth"].isin(flabels)]
        paid_parts.append(long(pp, pp["Measure"], "Payable"))
    ps = paid["PaidSummary"]
    ps = ps[ps["PayMonth"].isin(flabels)]
    for c in COMPONENT_KEYS:
        paid_parts.append(long(ps, np.full(len(ps), c, dtype=object), c))
    if "PaidLines" in paid:
        pl = paid["PaidLines"]
        pl = pl[(pl["LineType"] == LINE_PRIOR) & pl["PayMonth"].isin(flabels)]
        paid_parts.append(long(pl, pl["Measure"], "Amount"))
    fresh = pd.concat(fresh_parts).groupby(["RepID", "Key"])["Amount"].sum()
    paid_s = pd.concat(paid_parts).groupby(["RepID", "Key"])["Amount"].sum()
    delta = fresh.sub(paid_s, fill_value=0).astype(np.int64)
    delta = delta[delta != 0]
    if not len(delta):
        return empty_extras()
    month = lock.first_open
    if month >= inp.calendar.months_computed:
        warnings.append(f"{count(len(delta), 'change')} to locked months cannot be paid: no open month is "
                        "computed after them")
        return empty_extras()
    reps = delta.index.get_level_values(0)
    pos = pd.Index(rd.rep_ids).get_indexer(reps)
    if (pos < 0).any():
        warnings.append(f"changes to locked months of reps no longer in the Roster are not paid: "
                        f"{', '.join(sorted(set(map(str, reps[pos < 0]))))}")
    ok = pos >= 0
    fresh_v = fresh.reindex(delta.index, fill_value=0).to_numpy()
    paid_v = paid_s.reindex(delta.index, fill_value=0).to_numpy()
    span = f"{lock.labels[lock.frozen[0]]}..{lock.labels[lock.frozen[-1]]}"
    note = [f"locked months {span}: recalculated {f / 100:,.2f}, paid {p / 100:,.2f}"
            for f, p in zip(fresh_v[ok], paid_v[ok])]
    return pd.DataFrame({
        "_rep": pos[ok].astype(np.int64), "_month": np.full(int(ok.sum()), month, dtype=np.int64),
        "LineType": LINE_PRIOR, "Amount": delta.to_numpy()[ok], "Note": np.array(note, dtype=object),
        "_row": np.full(int(ok.sum()), -1, dtype=np.int64),
        "Measure": np.asarray(delta.index.get_level_values(1), dtype=object)[ok], "Credit": np.nan,
    })


def _merge(fresh: pd.DataFrame, frozen: pd.DataFrame | None, labels: set[str], rep_ids: np.ndarray) -> pd.DataFrame:
    """Fresh rows outside the frozen months + the frozen rows, ordered by rep then pay month (stable)."""
    keep = fresh[~fresh["PayMonth"].isin(labels)]
    if frozen is None or not len(labels):
        out = keep
    else:
        fz = frozen[frozen["PayMonth"].isin(labels)].copy()
        for c in keep.columns:
            if c not in fz:
                fz[c] = None
            elif keep[c].dtype.kind == "f" and fz[c].dtype.kind in "iu":
                fz[c] = fz[c] / 100.0  # money read back in cents, shown fresh as currency units
            elif keep[c].dtype.kind in "iu" and fz[c].dtype.kind == "f":
                fz[c] = np.round(fz[c]).astype(np.int64)
        fz = fz[list(keep.columns)]
        out = pd.concat([fz.astype({c: keep[c].dtype for c in keep.columns if keep[c].dtype.kind in "iu"}), keep],
                        ignore_index=True)
    pos = pd.Index(rep_ids).get_indexer(out["RepID"])
    order = np.lexsort((out["PayMonth"].to_numpy().astype(str), np.where(pos < 0, len(rep_ids), pos)))
    return out.iloc[order].reset_index(drop=True)


def freeze(inp: CommissionInputs, plan: Plan, lock: LockState, payouts, summary, lines, draw_table):
    """Outputs with the frozen months' records in place of their fresh numbers."""
    labels = lock.frozen_labels
    ids = plan.roster.rep_ids
    paid = lock.paid
    payouts = _merge(payouts, paid.get("PaidPayouts"), labels, ids)
    summary = _merge(summary, paid.get("PaidSummary"), labels, ids)
    lines = _merge(lines, paid.get("PaidLines"), labels, ids)
    if len(draw_table) or ("PaidDraws" in paid and len(paid["PaidDraws"])):
        if not len(draw_table):
            draw_table = paid["PaidDraws"].iloc[0:0].copy()
        draw_table = _merge(draw_table, paid.get("PaidDraws"), labels, ids)
    return payouts, summary, lines, draw_table


def paid_history(result, lock_through: int | None) -> dict[str, pd.DataFrame]:
    """Rows of the locked months to record on the Paid History sheet (empty when nothing is locked)."""
    if lock_through is None:
        return {}
    labels = set(result.inputs.calendar.period_labels("Month")[: lock_through + 1])

    def pick(f):
        return f[f["PayMonth"].isin(labels)] if len(f) else f

    return {"PaidSummary": pick(result.summary), "PaidPayouts": pick(result.payouts),
            "PaidLines": pick(result.lines), "PaidDraws": pick(result.draws)}
