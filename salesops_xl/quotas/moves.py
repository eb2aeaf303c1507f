"""Scheduled account moves in the hand-off: quota relief prorated by days (docs/quotas.md, "Account moves").

An ``AccountMoves`` row (AccountID, FromRep, ToRep, EffectiveDate) moves an account of ``AccountPotential`` from
one seat to another from its date on. In the commission ``Quotas`` table the hand-off writes:

* the account's **quota** for a period = the quota of its home seat (``AccountPotential[RepID]``, as planned) for
  that period x the account's potential / the home seat's potential (the sum of its accounts), to the cent
  (half away from zero);
* for every period that starts on or after the effective date, that amount moves in full: the giving seat's
  quota row is lowered by it, the receiving seat's raised;
* for the period containing the effective date (after its first day), the seats' rows for the whole period stay
  and a second row from the effective date carries the changed quota: the commission engine counts each row for
  its days (docs/commissions.md, rule 2), so the period's quota changes by the account's quota x days from the
  effective date inclusive / days in the period.

:func:`apply_moves` returns the changed quota rows and one line per move, period and rep (both reps) with the
effect, which the hand-off writes to the commission workbook's ``Account Moves`` sheet.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..money import round_half_away
from ..tables import Table

EFFECT_COLUMNS = ("AccountID", "RepID", "Role", "OtherRep", "EffectiveDate", "Period", "AccountQuota",
                  "DaysMoved", "DaysInPeriod", "QuotaEffect")


def apply_moves(moves: Table, accounts: Table | None, rows: pd.DataFrame, measure: str, currency: dict,
                bounds: dict[str, tuple[np.ndarray, np.ndarray, list[str]]], problems: ProblemCollector
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``rows``: the hand-off's quota rows (RepID, Measure, Period, Quota in currency units, one per seat and
    period, before any move); ``bounds``: period type -> (first days, last days, labels). Returns the rows with
    the moves applied (EffectiveFrom added) and the effects, both reps of every move."""
    mf = moves.frame.reset_index(drop=True)
    if not len(mf):
        return rows, pd.DataFrame({c: [] for c in EFFECT_COLUMNS})
    af = accounts.frame.reset_index(drop=True) if accounts is not None else pd.DataFrame(
        {"AccountID": [], "RepID": [], "Potential": []})
    home = dict(zip(af["AccountID"].astype(object), af["RepID"].astype(object)))
    pot = dict(zip(af["AccountID"].astype(object), af["Potential"].astype(float)))
    seat_pot = af.groupby("RepID")["Potential"].sum().to_dict()
    mine = rows[rows["Measure"] == measure]
    by_label = {lab: (pt, j) for pt, (_, _, labels) in bounds.items() for j, lab in enumerate(labels)}
    quota = {}  # (rep, period index) -> cents
    ptype = {}
    for rep, per, q in zip(mine["RepID"], mine["Period"], mine["Quota"]):
        pt, j = by_label[per]
        quota[(rep, j)] = int(round_half_away(q * 100.0))
        ptype[rep] = pt
    eff = mf["EffectiveDate"].to_numpy().astype("datetime64[D]")
    order = np.lexsort((np.arange(len(mf)), eff))
    holder: dict[str, str] = {}
    deltas: dict[tuple[str, int], list[tuple[np.datetime64 | None, int, int]]] = {}
    effects = []
    for i in order:
        acc, frm, to, d = mf["AccountID"][i], mf["FromRep"][i], mf["ToRep"][i], eff[i]
        if acc not in home:
            problems.add(moves.problem(int(i), "AccountID", "not an account of the AccountPotential table",
                                       value=acc, expected="an AccountID listed in AccountPotential (its quota "
                                                           "share comes from its potential)"))
            continue
        now = holder.get(acc, home[acc])
        if frm != now:
            problems.add(moves.problem(int(i), "FromRep", f"account {acc} is with {now} on that date",
                                       value=frm, expected=f"{now} (AccountPotential, then earlier moves in date "
                                                           "order)"))
            continue
        if to == frm:
            problems.add(moves.problem(int(i), "ToRep", "the same rep as FromRep", value=to,
                                       expected="another seat"))
            continue
        bad = [r for r in (frm, to) if r not in ptype]
        if bad:
            problems.add(moves.problem(int(i), "ToRep" if bad[0] == to else "FromRep",
                                       f"no {measure} quota is handed off for this rep", value=bad[0],
                                       expected=f"a seat of the QuotaRoster handed off on {measure}"))
            continue
        if ptype[frm] != ptype[to] or currency.get(frm) != currency.get(to):
            problems.add(moves.problem(int(i), "ToRep", f"{to} is measured {ptype[to]}ly in {currency.get(to)}, "
                                       f"{frm} {ptype[frm]}ly in {currency.get(frm)}", value=to,
                                       expected="a seat with the same currency and period type"))
            continue
        h = home[acc]
        if h not in ptype or not seat_pot.get(h):
            problems.add(moves.problem(int(i), "AccountID", f"its home seat {h} has no {measure} quota or no "
                                       "potential to take the account's share of", value=acc,
                                       expected="an account of a seat with AccountPotential and a handed-off quota"))
            continue
        share = pot[acc] / seat_pot[h]
        holder[acc] = to
        first, last, labels = bounds[ptype[frm]]
        for j in np.flatnonzero(last >= d).tolist():
            base = quota.get((h, int(j)))
            if base is None:
                continue
            amount = int(round_half_away(base * share))
            if not amount:
                continue
            whole = first[j] >= d
            at = None if whole else d
            days = int((last[j] - first[j]).astype(np.int64)) + 1
            moved_days = days if whole else int((last[j] - d).astype(np.int64)) + 1
            for rep, sign, role, other in ((frm, -1, "From", to), (to, 1, "To", frm)):
                if (rep, int(j)) not in quota:
                    problems.add(moves.problem(int(i), "ToRep" if rep == to else "FromRep",
                                               f"{rep} has no {measure} quota for {labels[j]}", value=rep,
                                               expected="a seat holding the measure in every period the move "
                                                        "touches"))
                    continue
                deltas.setdefault((rep, int(j)), []).append((at, sign * amount, int(i)))
                effect = int(round_half_away(sign * amount * moved_days / days))
                effects.append((acc, rep, role, other, pd.Timestamp(d), labels[j], sign * amount / 100.0,
                                moved_days, days, effect / 100.0))
    problems.raise_if_any()
    # the quota rows: per rep and period the whole-period row, then one row per effective date in the period
    out = []
    for rep, m, per, q in zip(rows["RepID"], rows["Measure"], rows["Period"], rows["Quota"]):
        key = (rep, by_label[per][1]) if m == measure and per in by_label else None
        if key not in deltas:
            out.append((rep, m, per, q, None))
            continue
        ds = deltas[key]
        base = quota[key] + sum(v for at, v, _ in ds if at is None)
        level = [(None, base)] + [(c, base + sum(v for at, v, _ in ds if at is not None and at <= c))
                                  for c in sorted({at for at, _, _ in ds if at is not None})]
        for at, cents in level:
            if cents <= 0:
                first_move = min(k for _, _, k in ds)
                problems.add(moves.problem(first_move, "AccountID", f"the moves leave {rep} a {measure} quota of "
                                           f"{cents / 100:,.2f} in {per}", value=mf["AccountID"][first_move],
                                           expected="a quota above 0 in every period (the commission engine "
                                                    "needs one)"))
            out.append((rep, m, per, cents / 100.0, None if at is None else pd.Timestamp(at)))
    problems.raise_if_any()
    new = pd.DataFrame(out, columns=["RepID", "Measure", "Period", "Quota", "EffectiveFrom"])
    eff_df = pd.DataFrame(effects, columns=list(EFFECT_COLUMNS))
    return new, eff_df
