"""Holds and pay on collection (docs/commissions.md, "Holds and pay on collection").

Commission is *earned* as the engine computes it; this module decides when it is *paid*:

* a measure with ``PlanMeasures[PayOn]`` Invoice or Payment pays each deal line's commission pro rata as the deal
  is invoiced (``Invoices``) or its invoices are paid (``Payments``); the rest is held;
* a ``Holds`` row withholds the commission of a deal or a rep from ``HoldFrom`` until ``ReleasedIn``.

Withheld and released amounts are statement lines of their own (*Held*, *Released*) in the payout row (rep, measure,
period) they move, so the lines of a payout row still sum to its Payable, and ``Payouts[HeldToDate]`` carries the
held balance: ``EarnedToDate = PaidBefore + Payable + HeldToDate``. Vectorised over lines and events (pandas merges
and group sums); the only Python loops run over the rows of the Holds table when checking it.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..money import round_half_away, to_cents
from ..periods import MONTHS_PER_PERIOD
from ..tables import const, object_frame
from .columns import LINE_DEAL, LINE_REVERSAL

LINE_HELD, LINE_RELEASED = "Held", "Released"
HOLD_LINES = (LINE_HELD, LINE_RELEASED)
SHEET = "Held Commission"


# -- checks ------------------------------------------------------------------------------------------------

HELD_COLUMNS = ("RepID", "RepName", "Currency", "Kind", "DealID", "Measure", "Reason", "By", "HeldSince",
                "ReleasedIn", "CollectedPct", "Earned", "PaidToDate", "Held")


def empty_held() -> pd.DataFrame:
    return object_frame({c: np.zeros(0, dtype=np.int64 if c in ("Earned", "PaidToDate", "Held") else object)
                         for c in HELD_COLUMNS})


def active(inp) -> bool:
    """Does this workbook hold anything back (a measure paid on invoice or payment, or a Holds row)?"""
    h = inp.tables.get("Holds")
    return any(m.pay_on != "Booking" for m in inp.measures) or (h is not None and len(h.frame) > 0)


def _pct_text(x: np.ndarray) -> np.ndarray:
    """Shares as "25%", "33.33%": each distinct value formatted once."""
    u, inv = np.unique(np.round(np.asarray(x, dtype=np.float64) * 100, 2), return_inverse=True)
    return np.array([f"{v:g}%" for v in u], dtype=object)[inv.reshape(-1)]


def _date_text(d: np.ndarray) -> np.ndarray:
    """datetime64[D] as "2026-04-15": each distinct date formatted once."""
    u, inv = np.unique(d, return_inverse=True)
    return np.datetime_as_string(u, unit="D").astype(object)[inv.reshape(-1)]


def _events(inp, dids: pd.Index, deal_cents: np.ndarray, kind: str) -> pd.DataFrame:
    """Invoices (kind Invoice) or payments (Payment) per deal, in date order, with the share of the deal they
    bring the deal to: ``frac = min(1, invoiced or paid to date / deal Amount)``; dated after AsOfDate: ignored."""
    cal = inp.calendar
    cols = ["code", "month", "frac", "ref", "date"]
    inv = inp.tables.get("Invoices")
    if inv is None or not len(inv.frame):
        return pd.DataFrame({c: [] for c in cols})
    fi = inv.frame
    if kind == "Invoice":
        code = dids.get_indexer(fi["DealID"])
        date = fi["InvoiceDate"].to_numpy().astype("datetime64[D]")
        cents = to_cents(fi["Amount"].to_numpy(dtype=np.float64))
        ref = ("invoice " + fi["InvoiceID"].astype(str).to_numpy(dtype=object) + " of " + _date_text(date))
        ident = fi["InvoiceID"].to_numpy(dtype=object)
    else:
        pay = inp.tables.get("Payments")
        if pay is None or not len(pay.frame):
            return pd.DataFrame({c: [] for c in cols})
        fp = pay.frame
        deal_of = fi.drop_duplicates("InvoiceID").set_index("InvoiceID")["DealID"]
        code = dids.get_indexer(deal_of.reindex(fp["InvoiceID"]).to_numpy(dtype=object))
        date = fp["PaymentDate"].to_numpy().astype("datetime64[D]")
        cents = to_cents(fp["Amount"].to_numpy(dtype=np.float64))
        ref = ("payment " + fp["PaymentID"].astype(str).to_numpy(dtype=object) + " of " + _date_text(date)
               + " on invoice " + fp["InvoiceID"].astype(str).to_numpy(dtype=object))
        ident = fp["PaymentID"].to_numpy(dtype=object)
    ok = (code >= 0) & ~np.isnat(date)
    if cal.as_of is not None:
        ok &= date <= np.datetime64(cal.as_of, "D")
    e = pd.DataFrame({"code": code[ok], "date": date[ok], "c": cents[ok], "ref": ref[ok],
                      "id": pd.Series(ident[ok], dtype=object).astype(str).to_numpy()})
    e = e.sort_values(["code", "date", "id"], kind="mergesort").reset_index(drop=True)
    cum = e.groupby("code", sort=False)["c"].cumsum().to_numpy(dtype=np.int64)
    amount = deal_cents[e["code"].to_numpy(dtype=np.intp)]
    with np.errstate(divide="ignore", invalid="ignore"):
        e["frac"] = np.minimum(1.0, cum / np.where(amount > 0, amount, 1))
    e["month"] = cal.month_index(e["date"].to_numpy())
    return e[cols]


class _New:
    """Hold and release lines, as columns: slot, period, deal row (-1: none), kind, amount (cents), note."""

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, s, t, row, kind, amount, note):
        keep = amount != 0
        if keep.any():
            self.parts.append({"s": np.asarray(s)[keep].astype(np.intp), "t": np.asarray(t)[keep].astype(np.intp),
                               "row": np.asarray(row)[keep].astype(np.int64), "kind": const(int(keep.sum()), kind),
                               "amount": np.asarray(amount)[keep].astype(np.int64),
                               "note": np.asarray(note, dtype=object)[keep] if np.ndim(note) else
                               const(int(keep.sum()), note)})

    def col(self, k, dtype=None):
        if not self.parts:
            return np.zeros(0, dtype=dtype or np.int64)
        return np.concatenate([p[k] for p in self.parts])


def apply_holds(inp, plan, lf: dict, payouts: pd.DataFrame, group_of: np.ndarray,
                rebuild: Callable[[np.ndarray], tuple[pd.DataFrame, np.ndarray]]):
    """Add Held and Released lines to the line frame ``lf``, and HeldToDate to ``payouts``.

    Returns (lf, payouts, held) where ``held`` is the Held Commission table (cents).
    """
    if not active(inp):
        return lf, payouts, empty_held()
    cal = inp.calendar
    ms = inp.measures
    S = len(plan.slot_rep)
    NPER = 12
    k_md = np.array([MONTHS_PER_PERIOD[m.period_type] for m in ms] + [1], dtype=np.int64)
    pay_on_md = np.array([m.pay_on for m in ms] + ["Booking"], dtype=object)
    k_slot = k_md[plan.slot_md] if S else np.zeros(0, dtype=np.int64)
    slots, periods = np.asarray(payouts.attrs["slot"]), np.asarray(payouts.attrs["period"])
    g = lf["_g"]
    ls, lp = slots[g], periods[g]
    row, kind, amt = lf["_row"], lf["_kind"], lf["Amount"].astype(np.int64)
    d = inp.frame("Deals")
    dcode, dids = pd.factorize(d["DealID"]) if len(d) else (np.zeros(0, dtype=np.intp), pd.Index([]))
    dids = pd.Index(dids)
    first_row = np.unique(dcode, return_index=True)[1] if len(d) else np.zeros(0, dtype=np.intp)
    deal_cents = to_cents(d["Amount"].to_numpy(dtype=np.float64)[first_row]) if len(d) else np.zeros(0, np.int64)
    month_labels = np.array(cal.period_labels("Month"), dtype=object)
    new = _New()
    held_parts: list[pd.DataFrame] = []

    # 1. pay on invoice / payment: payable to date = round(E x share collected); the rest held
    line_code = np.where(row >= 0, dcode[np.maximum(row, 0)] if len(dcode) else -1, -1)
    md_line = plan.slot_md[ls] if len(ls) else np.zeros(0, dtype=np.intp)
    elig = (row >= 0) & ((kind == LINE_DEAL) | (kind == LINE_REVERSAL)) & (pay_on_md[md_line] != "Booking")
    if elig.any():
        elig &= deal_cents[np.maximum(line_code, 0)] > 0
    for how, verb in (("Invoice", "invoiced"), ("Payment", "collected")):
        idx = np.flatnonzero(elig & (pay_on_md[md_line] == how))
        if not len(idx):
            continue
        ev = _events(inp, dids, deal_cents, how)
        L = pd.DataFrame({"line": idx, "code": line_code[idx], "s": ls[idx], "p": lp[idx],
                          "k": k_slot[ls[idx]], "E": amt[idx]})
        pr = L.merge(ev.reset_index().rename(columns={"index": "ev"}), on="code", how="inner")
        pr = pr.sort_values(["line", "ev"], kind="mergesort")
        t = np.floor_divide(pr["month"].to_numpy(dtype=np.int64), pr["k"].to_numpy())
        fold = t <= pr["p"].to_numpy()
        f0 = np.zeros(len(idx))
        pos = pd.Index(idx).get_indexer(pr["line"].to_numpy()[fold])
        np.maximum.at(f0, pos, pr["frac"].to_numpy()[fold])
        E = amt[idx]
        P0 = round_half_away(E * f0)
        by = pd.Series(month_labels[np.minimum(lp[idx] * k_slot[ls[idx]] + k_slot[ls[idx]] - 1, 11)])
        note = ("pays on " + how.lower() + ": " + pd.Series(_pct_text(f0)) + " of the deal " + verb + " by "
                + by + "; the rest is held until " + verb).to_numpy(dtype=object)
        new.add(ls[idx], lp[idx], row[idx], LINE_HELD, P0 - E, note)
        # releases: each later invoice / payment in a computed period pays what it brings payable to date to
        rel = ~fold & (t < plan.n_comp[pr["s"].to_numpy()])
        r = pr[rel]
        last = P0.copy()
        if len(r):
            rpos = pd.Index(idx).get_indexer(r["line"].to_numpy())
            Pk = round_half_away(r["E"].to_numpy() * r["frac"].to_numpy())
            same = np.r_[False, rpos[1:] == rpos[:-1]]
            prev = np.where(same, np.r_[0, Pk[:-1]], P0[rpos])
            new.add(r["s"].to_numpy(), t[rel], row[idx][rpos], LINE_RELEASED, Pk - prev,
                    (r["ref"] + ": " + pd.Series(_pct_text(r["frac"].to_numpy()), index=r.index) + " of the deal "
                     + verb).to_numpy(dtype=object))
            end = np.r_[rpos[1:] != rpos[:-1], True]  # the last event of each line
            last[rpos[end]] = Pk[end]
        # the Held Commission rows: per rep, deal and measure
        share = f0.copy()
        if len(r):
            share[rpos[end]] = r["frac"].to_numpy()[end]
        h = pd.DataFrame({"s": ls[idx], "code": line_code[idx], "E": E, "paid": last, "share": share,
                          "since": lp[idx] * k_slot[ls[idx]] + k_slot[ls[idx]] - 1, "held0": E - P0})
        h = h[h["held0"].to_numpy() != 0]
        if len(h):
            a = h.groupby(["s", "code"], sort=True).agg(E=("E", "sum"), paid=("paid", "sum"), share=("share", "max"),
                                                        since=("since", "min")).reset_index()
            held_parts.append(pd.DataFrame({
                "_rep": plan.slot_rep[a["s"].to_numpy()], "Kind": f"Pay on {how.lower()}",
                "DealID": dids[a["code"].to_numpy()].to_numpy(dtype=object),
                "Measure": np.array([m.measure for m in ms], dtype=object)[plan.slot_md[a["s"].to_numpy()]],
                "Reason": f"commission paid as the deal is {verb}", "By": None,
                "HeldSince": month_labels[np.minimum(a["since"].to_numpy(), 11)], "ReleasedIn": None,
                "CollectedPct": a["share"].to_numpy(), "Earned": a["E"].to_numpy(dtype=np.int64),
                "PaidToDate": a["paid"].to_numpy(dtype=np.int64)}))

    hold_tbl = inp.tables.get("Holds")
    hf = hold_tbl.frame if hold_tbl is not None else pd.DataFrame()
    if len(hf):
        hs = pd.DataFrame({"h": np.arange(len(hf)), "scope": hf["Scope"].to_numpy(dtype=object),
                           "id": hf["ID"].to_numpy(dtype=object), "a": hf["FromMonth"].to_numpy(dtype=np.int64),
                           "b": hf["ReleaseMonth"].to_numpy(dtype=np.int64)})
        reason = hf["Reason"].astype(object).where(hf["Reason"].notna(), "").astype(str).to_numpy(dtype=object)
        who = hf["By"].astype(object).where(hf["By"].notna(), None).to_numpy(dtype=object) if "By" in hf \
            else np.full(len(hf), None, dtype=object)
        by_txt = np.array([f" ({w})" if w else "" for w in who], dtype=object)  # one per Holds row
        hold_note = np.array([f"hold: {r}{b}" for r, b in zip(reason, by_txt)], dtype=object)
        release_note = np.array([f"release of hold: {r}{b}; held from {cal.month_label(int(a))}"
                                 for r, b, a in zip(reason, by_txt, np.maximum(hs["a"].to_numpy(), 0))],
                                dtype=object)

        def manual(lines: pd.DataFrame, holds: pd.DataFrame, on: str, scope: str) -> None:
            """Withhold ``lines`` (s, p, amt, row, key) in the window of the hold their key matches."""
            if not len(lines) or not len(holds):
                return
            pm = lines["p"].to_numpy() * k_slot[lines["s"].to_numpy()] + k_slot[lines["s"].to_numpy()] - 1
            x = lines.assign(pm=pm).merge(holds, left_on="key", right_on=on, how="inner")
            x = x[(x["a"].to_numpy() <= x["pm"].to_numpy()) & (x["pm"].to_numpy() < x["b"].to_numpy())]
            if not len(x):
                return
            w = x.groupby(["h", "s", "p"], sort=True).agg(amt=("amt", "sum"), row=("row", "first")).reset_index()
            hh = w["h"].to_numpy()
            new.add(w["s"].to_numpy(), w["p"].to_numpy(), w["row"].to_numpy(), LINE_HELD, -w["amt"].to_numpy(),
                    hold_note[hh])
            rel = w.groupby(["h", "s"], sort=True).agg(amt=("amt", "sum"), row=("row", "first")).reset_index()
            b = hs["b"].to_numpy()[rel["h"].to_numpy()]
            ks = k_slot[rel["s"].to_numpy()]
            t = np.floor_divide(b, ks)
            paid = (b < cal.months_computed) & (t < plan.n_comp[rel["s"].to_numpy()])
            new.add(rel["s"].to_numpy()[paid], t[paid], rel["row"].to_numpy()[paid], LINE_RELEASED,
                    rel["amt"].to_numpy()[paid], release_note[rel["h"].to_numpy()[paid]])
            per = rel.assign(rep=plan.slot_rep[rel["s"].to_numpy()], paid_amt=np.where(paid, rel["amt"], 0))
            per = per.groupby(["h", "rep"], sort=True).agg(E=("amt", "sum"), paid=("paid_amt", "sum"),
                                                            row=("row", "first")).reset_index()
            hi = per["h"].to_numpy()
            rel_month = hs["b"].to_numpy()[hi]
            held_parts.append(pd.DataFrame({
                "_rep": per["rep"].to_numpy(), "Kind": f"Manual hold ({scope.lower()})",
                "DealID": np.where(per["row"].to_numpy() >= 0, d["DealID"].to_numpy(dtype=object)[
                    np.maximum(per["row"].to_numpy(), 0)] if len(d) else None, None),
                "Measure": None, "Reason": reason[hi], "By": who[hi],
                "HeldSince": month_labels[np.clip(hs["a"].to_numpy()[hi], 0, 11)],
                "ReleasedIn": np.where(rel_month < 12, month_labels[np.clip(rel_month, 0, 11)], None),
                "CollectedPct": np.nan, "Earned": per["E"].to_numpy(dtype=np.int64),
                "PaidToDate": per["paid"].to_numpy(dtype=np.int64)}))

        # 2. deal holds: every line of the deal (its collection lines included) in the held pay months
        deal_holds = hs[hs["scope"] == "Deal"].assign(key=lambda x: dids.get_indexer(x["id"]))
        if len(deal_holds):
            has = row >= 0
            nr = new.col("row")
            lines = pd.DataFrame({"s": np.r_[ls[has], new.col("s", np.intp)],
                                  "p": np.r_[lp[has], new.col("t", np.intp)],
                                  "amt": np.r_[amt[has], new.col("amount")], "row": np.r_[row[has], nr]})
            lines = lines[lines["row"].to_numpy() >= 0]
            lines["key"] = dcode[lines["row"].to_numpy()]
            manual(lines, deal_holds[["h", "key", "a", "b"]].rename(columns={"key": "hk"}), "hk", "Deal")
        # 3. rep holds: the rep's whole commission of each held pay month (after pay on collection and deal holds)
        rep_holds = hs[hs["scope"] == "Rep"].assign(hk=lambda x: pd.Index(plan.roster.rep_ids).get_indexer(x["id"]))
        if len(rep_holds):
            net = np.zeros((S, NPER), dtype=np.int64)
            np.add.at(net, (slots, periods), payouts["Payable"].to_numpy(dtype=np.int64))
            have = np.zeros((S, NPER), dtype=bool)
            have[slots, periods] = True
            if new.parts:
                np.add.at(net, (new.col("s", np.intp), new.col("t", np.intp)), new.col("amount"))
                have[new.col("s", np.intp), new.col("t", np.intp)] = True
            cs, cp = np.nonzero(have)
            # a positive month is withheld; a negative one (a recovery) is taken as usual
            lines = pd.DataFrame({"s": cs, "p": cp, "amt": np.maximum(net[cs, cp], 0),
                                  "row": np.full(len(cs), -1, np.int64),
                                  "key": plan.slot_rep[cs]})
            manual(lines, rep_holds[["h", "hk", "a", "b"]], "hk", "Rep")

    # payout rows for releases that fall in a period without one; then HeldToDate, PaidBefore, Payable
    ns, nt, namt = new.col("s", np.intp), new.col("t", np.intp), new.col("amount")
    if len(ns) and (group_of[ns, nt] < 0).any():
        extra = np.zeros_like(group_of, dtype=bool)
        extra[ns, nt] = group_of[ns, nt] < 0
        payouts, new_group_of = rebuild(extra)
        lf = dict(lf, _g=new_group_of[ls, lp])
        group_of = new_group_of
        slots, periods = np.asarray(payouts.attrs["slot"]), np.asarray(payouts.attrs["period"])
    delta = np.zeros((S, NPER), dtype=np.int64)
    np.add.at(delta, (ns, nt), -namt)
    held = np.cumsum(delta, axis=1)
    prev_held = np.where(periods > 0, held[slots, np.maximum(periods - 1, 0)], 0)
    payouts["HeldToDate"] = held[slots, periods]
    payouts["PaidBefore"] = payouts["PaidBefore"].to_numpy(dtype=np.int64) - prev_held
    payouts["Payable"] = (payouts["EarnedToDate"].to_numpy(dtype=np.int64) - payouts["HeldToDate"].to_numpy()
                          - payouts["PaidBefore"].to_numpy())
    n = len(ns)
    if n:
        add = {
            "_g": group_of[ns, nt], "_kind": new.col("kind", object), "_row": new.col("row"),
            "Credit": np.full(n, np.nan), "FXRate": np.full(n, np.nan), "AttainmentFrom": np.full(n, np.nan),
            "AttainmentTo": np.full(n, np.nan), "_t0": np.full(n, None, dtype=object),
            "_t1": np.full(n, None, dtype=object), "Amount": namt, "_exact": namt / 100.0,
            "Note": new.col("note", object), "_cancel": np.full(n, np.datetime64("NaT", "D")),
            "_src": np.full(n, -1, dtype=np.int64), "_n": np.zeros(n, dtype=np.int64),
        }
        lf = {c: np.concatenate([np.asarray(lf[c]), np.asarray(add[c], dtype=np.asarray(lf[c]).dtype)
                                 if np.asarray(lf[c]).dtype != object else add[c]]) for c in lf}
    return lf, payouts, _held_frame(plan, held_parts)


def _held_frame(plan, parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return empty_held()
    h = pd.concat(parts, ignore_index=True)
    rep = h["_rep"].to_numpy(dtype=np.intp)
    rd = plan.roster
    out = {"RepID": rd.rep_ids[rep], "RepName": rd.name[rep], "Currency": rd.currency[rep]}
    for c in HELD_COLUMNS[3:-1]:
        out[c] = h[c].to_numpy(dtype=np.int64 if c in ("Earned", "PaidToDate") else
                               np.float64 if c == "CollectedPct" else object)
    out["Held"] = out["Earned"] - out["PaidToDate"]
    frame = object_frame(out)
    key = pd.DataFrame({"r": frame["RepID"].astype(str), "k": frame["Kind"].astype(str),
                        "d": frame["DealID"].fillna("").astype(str)})
    return frame.iloc[key.sort_values(["r", "k", "d"], kind="mergesort").index.to_numpy()].reset_index(drop=True)
