"""Pay beyond commission: per-deal SPIFs, milestone bonuses and draws (docs/commissions.md, rules 10-12).

Each produces *extra lines*: one row per amount paid (or taken back) with the
rep, the pay month, a line type, exact cents and a note; the engine adds them
to the statement lines and the payout summary.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..money import to_cents
from .inputs import CommissionInputs
from .prepare import NEVER, Pieces, Plan, months_per_period, period_types

LINE_SPIF, LINE_SPIF_REVERSAL, LINE_BONUS = "SPIF", "SPIF reversal", "Bonus"
LINE_DRAW_TOPUP, LINE_DRAW_ADVANCE, LINE_DRAW_RECOVERY = "Draw top-up", "Draw advance", "Draw recovery"

EXTRA_COLUMNS = ["_rep", "_month", "LineType", "Amount", "Note", "_row", "Measure", "Credit"]


def empty_extras() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c in ("LineType", "Note", "Measure") else
                                      (np.float64 if c == "Credit" else np.int64)) for c in EXTRA_COLUMNS})


def spif_lines(inp: CommissionInputs, plan: Plan, pcs: Pieces) -> pd.DataFrame:
    """One line per SPIF and qualifying deal row (and a reversal per cancelled part)."""
    sp = inp.frame("Spifs") if "Spifs" in inp.tables else None
    if sp is None or not len(sp) or not len(pcs):
        return empty_extras()
    cal = inp.calendar
    d = inp.frame("Deals")
    own = np.flatnonzero(pcs.src < 0)
    row = pcs.row[own]
    slot = pcs.slot[own]
    mdefs = inp.measures
    md = plan.slot_md[slot]
    plan_of = np.array([m.plan for m in mdefs], dtype=object)[md]
    measure_of = np.array([m.measure for m in mdefs], dtype=object)[md]
    product = d["Product"].to_numpy()[row] if "Product" in d else np.full(len(row), None, dtype=object)
    close = pcs.close[own]
    amount_rep_ccy = d["Amount"].to_numpy()[row] * pcs.fx[own]
    split = d["SplitPct"].to_numpy()[row]
    # share of the deal row in each piece (a cancellation cuts it), whether the measure credits amount or margin
    weight = pcs.part[own] if pcs.part is not None else np.divide(
        pcs.credit[own], d["Amount"].to_numpy()[row] * split * pcs.fx[own], out=np.ones(len(own)),
        where=(d["Amount"].to_numpy()[row] * split * pcs.fx[own]) != 0)
    parts = []
    for s in sp.itertuples(index=False):  # a loop over SPIF programmes (a handful), vectorised over deals
        ok = (close >= np.datetime64(s.StartDate, "D")) & (close <= np.datetime64(s.EndDate, "D"))
        if s.PlanID is not None:
            ok &= plan_of == s.PlanID
        if s.Measure is not None:
            ok &= measure_of == s.Measure
        if s.Product is not None:
            ok &= product == s.Product
        if not np.isnan(s.MinAmount):
            ok &= amount_rep_ccy >= s.MinAmount - 1e-9
        idx = np.flatnonzero(ok)
        if not len(idx):
            continue
        per_deal = 0.0 if np.isnan(s.AmountPerDeal) else s.AmountPerDeal
        pct = 0.0 if np.isnan(s.PctOfCredit) else s.PctOfCredit
        value = per_deal * split[idx] * weight[idx] + pct * pcs.credit[own][idx]
        p = own[idx]
        # earned in the close month (all parts counted at close), taken back in the month of a cancellation
        new = pcs.r[p] > pcs.q[p]
        gkey = pd.factorize(row[idx][new])[0] if new.any() else np.zeros(0, dtype=np.intp)
        label = f"{s.SpifID}" + (f": {s.Description}" if s.Description else "")
        if new.any():
            first = np.unique(gkey, return_index=True)[1]
            rows_new = row[idx][new][first]
            vals = np.bincount(gkey, weights=value[new])
            parts.append(pd.DataFrame({
                "_rep": plan.slot_rep[slot[idx][new][first]], "_month": cal.month_index(close[idx][new][first]),
                "LineType": LINE_SPIF, "Amount": to_cents(vals), "Note": f"SPIF {label}", "_row": rows_new,
                "Measure": measure_of[idx][new][first], "Credit": np.bincount(gkey, weights=pcs.credit[p][new]),
            }))
        rev = new & (pcs.r[p] < NEVER) & (pcs.r[p] < plan.n_comp[pcs.slot[p]])
        if rev.any():
            parts.append(pd.DataFrame({
                "_rep": plan.slot_rep[slot[idx][rev]], "_month": cal.month_index(pcs.event[p][rev]),
                "LineType": LINE_SPIF_REVERSAL, "Amount": -to_cents(value[rev]),
                "Note": f"SPIF {label}: deal cancelled", "_row": row[idx][rev], "Measure": measure_of[idx][rev],
                "Credit": -pcs.credit[p][rev],
            }))
    return _concat(parts)


def bonus_lines(inp: CommissionInputs, plan: Plan, ytd_credit: np.ndarray) -> pd.DataFrame:
    """Milestone bonuses: +amount in the pay month where YTD credit first reaches the milestone, -amount if it
    later falls back below it (a cancellation), + again if it reaches it again."""
    bn = inp.frame("Bonuses") if "Bonuses" in inp.tables else None
    if bn is None or not len(bn):
        return empty_extras()
    mdefs = inp.measures
    plan_of = np.array([m.plan for m in mdefs], dtype=object)[plan.slot_md]
    measure_of = np.array([m.measure for m in mdefs], dtype=object)[plan.slot_md]
    months = months_per_period(period_types(mdefs, plan.slot_md))
    parts = []
    for b in bn.itertuples(index=False):
        sel = measure_of == b.Measure
        if b.PlanID is not None:
            sel &= plan_of == b.PlanID
        sl = np.flatnonzero(sel & (plan.quota_year > 0))
        if not len(sl):
            continue
        target = plan.quota_year[sl] * b.Milestone
        cols = np.arange(ytd_credit.shape[1])[None, :]
        live = cols < plan.n_comp[sl][:, None]
        reached = (np.round(ytd_credit[sl], 6) >= np.round(target, 6)[:, None]) & live
        prev = np.concatenate([np.zeros((len(sl), 1), dtype=bool), reached[:, :-1]], axis=1)
        change = reached.astype(np.int64) - prev.astype(np.int64)
        k, p = np.nonzero(change)
        if not len(k):
            continue
        s = sl[k]
        amount = (0.0 if np.isnan(b.Amount) else b.Amount) + \
            (0.0 if np.isnan(b.PctOfTarget) else b.PctOfTarget) * plan.target_year[s]
        sign = change[k, p]
        month = p * months[s] + months[s] - 1
        label = f"{b.BonusID}" + (f": {b.Description}" if b.Description else "")
        note = np.where(sign > 0, f"Bonus {label} ({b.Milestone:.0%} of the year's quota reached)",
                        f"Bonus {label} taken back: YTD credit fell below {b.Milestone:.0%} of the year's quota")
        parts.append(pd.DataFrame({
            "_rep": plan.slot_rep[s], "_month": month, "LineType": LINE_BONUS, "Amount": sign * to_cents(amount),
            "Note": note, "_row": -1, "Measure": measure_of[s], "Credit": np.nan,
        }))
    return _concat(parts)


def draws(inp: CommissionInputs, plan: Plan, earnings: np.ndarray, last_month: np.ndarray,
          opening: np.ndarray | None = None, first_month: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply draws month by month (a loop over the 12 months, vectorised over reps).

    ``earnings`` (R, 12) cents before draws; ``last_month`` (R,) the rep's last employed month (-1: employed
    at year end); ``opening`` recoverable balances owed at the start of ``first_month`` (locked months before
    it are not recomputed). Returns (extra lines, balance table).
    """
    dr = inp.frame("Draws") if "Draws" in inp.tables else None
    R = earnings.shape[0]
    if dr is None or not len(dr):
        return empty_extras(), pd.DataFrame()
    M = inp.calendar.months_computed
    rep = pd.Index(plan.roster.rep_ids).get_indexer(dr["RepID"])
    amount = np.zeros((R, 12), dtype=np.int64)
    recov = np.zeros((R, 12), dtype=np.int64)  # 1 where the month's draw is recoverable
    pct = np.ones((R, 12))
    has = np.zeros((R, 12), dtype=bool)
    for i, a, b, amt, typ, rp in zip(rep, dr["StartIndex"], dr["EndIndex"], dr["Amount"], dr["Type"],
                                     dr["RecoveryPct"]):
        if i < 0 or a < 0:
            continue
        amount[i, a:b + 1] = to_cents(np.array([amt]))[0]
        recov[i, a:b + 1] = 1 if typ == "Recoverable" else 0
        has[i, a:b + 1] = True
        pct[i, a:b + 1] = 1.0 if np.isnan(rp) else rp
    has_recoverable = np.zeros(R, dtype=bool)
    np.logical_or.at(has_recoverable, rep[rep >= 0], (dr["Type"].to_numpy() == "Recoverable")[rep >= 0])
    balance = np.zeros(R, dtype=np.int64) if opening is None else opening.astype(np.int64).copy()
    last_pct = np.ones(R)
    lines, table = [], []
    for m in range(first_month, M):
        e = earnings[:, m]
        D = np.where(has[:, m], amount[:, m], 0)
        short = np.maximum(D - e, 0)
        topup = np.where(has[:, m] & (recov[:, m] == 0), short, 0)
        advance = np.where(has[:, m] & (recov[:, m] == 1), short, 0)
        last_pct = np.where(has[:, m], pct[:, m], last_pct)
        excess = np.where(has[:, m], np.maximum(e - D, 0), np.maximum(e, 0))
        opening_bal = balance.copy()
        balance = balance + advance
        recovery = np.minimum(balance, np.floor(excess * last_pct + 1e-9).astype(np.int64))
        recovery = np.where(advance > 0, 0, recovery)  # no recovery in a month that needed an advance
        balance = balance - recovery
        leaving = last_month == m
        written_off = np.zeros(R, dtype=np.int64)
        if inp.draw_policy == "Recover":
            extra = np.where(leaving, balance, 0)
            recovery = recovery + extra
            balance = balance - extra
        else:
            written_off = np.where(leaving, balance, 0)
            balance = balance - written_off
        for kind, vals, sign in ((LINE_DRAW_TOPUP, topup, 1), (LINE_DRAW_ADVANCE, advance, 1),
                                 (LINE_DRAW_RECOVERY, recovery, -1)):
            nz = np.flatnonzero(vals)
            if len(nz):
                lines.append(pd.DataFrame({"_rep": nz, "_month": m, "LineType": kind, "Amount": sign * vals[nz],
                                           "Note": _draw_note(kind, D[nz], e[nz], balance[nz]), "_row": -1,
                                           "Measure": None, "Credit": np.nan}))
        show = np.flatnonzero(has[:, m] | (opening_bal != 0) | (balance != 0) | (written_off != 0)
                              | (has_recoverable & (recovery != 0)))
        if len(show):
            table.append(pd.DataFrame({
                "_rep": show, "_month": m,
                "DrawType": np.where(has[show, m], np.where(recov[show, m] == 1, "Recoverable", "NonRecoverable"),
                                     ""),
                "DrawAmount": D[show], "EarningsBeforeDraw": e[show], "TopUp": topup[show], "Advance": advance[show],
                "Recovery": recovery[show], "OpeningBalance": opening_bal[show], "ClosingBalance": balance[show],
                "WrittenOff": written_off[show],
            }))
    return _concat(lines), (pd.concat(table, ignore_index=True) if table else pd.DataFrame())


def _draw_note(kind: str, draw: np.ndarray, earned: np.ndarray, balance: np.ndarray) -> np.ndarray:
    d = pd.Series(draw / 100.0).map("{:,.2f}".format)
    e = pd.Series(earned / 100.0).map("{:,.2f}".format)
    b = pd.Series(balance / 100.0).map("{:,.2f}".format)
    if kind == LINE_DRAW_TOPUP:
        return ("guarantee: earnings " + e + " topped up to the draw of " + d).to_numpy()
    if kind == LINE_DRAW_ADVANCE:
        return ("advance: earnings " + e + " below the draw of " + d + "; balance owed " + b).to_numpy()
    return ("recovery of the draw balance; balance owed after it " + b).to_numpy()


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_extras()
    out = pd.concat(parts, ignore_index=True)
    out["_rep"] = out["_rep"].astype(np.int64)
    out["_month"] = out["_month"].astype(np.int64)
    out["_row"] = out["_row"].astype(np.int64)
    out["Amount"] = out["Amount"].astype(np.int64)
    return out
