"""Holds and pay on collection: what paying on payment costs a run, and the vectorised rule against a loop.

    python bench/bench_holds.py                  # 100,000 deals, 2,000 reps
    python bench/bench_holds.py --deals 20000    # quicker

Side by side in one process, on the same generated plan (bench_commissions.bench_tables):

* ``booking``  - the whole engine (load_inputs + compute) with PayOn blank: the baseline;
* ``payment``  - the same deals paying on payment: one invoice per deal, two partial payments each, and a rep
                 hold: what the Held/Released lines and HeldToDate add to a run;
* ``loop``     - the pay-on-collection rule of docs/commissions.md section 22 written as a Python loop per deal
                 line and payment (what the vectorised step replaces), on the same lines; its held total is
                 checked against ours to the cent.

Best of 3 each; printed with the ratios.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_commissions import bench_tables  # noqa: E402
from salesops_xl.commissions.engine import compute  # noqa: E402
from salesops_xl.commissions.inputs import load_inputs  # noqa: E402
from salesops_xl.money import round_half_away, to_cents  # noqa: E402
from salesops_xl.source import MemorySource  # noqa: E402


def with_collections(t: dict[str, pd.DataFrame], seed: int = 2) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    t = dict(t)
    d = t["Deals"]
    t["PlanMeasures"] = t["PlanMeasures"].assign(PayOn="Payment")
    close = d["CloseDate"].to_numpy().astype("datetime64[D]")
    t["Invoices"] = pd.DataFrame({"InvoiceID": "I" + d["DealID"].str[1:], "DealID": d["DealID"],
                                  "InvoiceDate": close + 5, "Amount": d["Amount"]})
    first = np.round(d["Amount"].to_numpy() * rng.uniform(0.2, 0.8, len(d)), 2)
    rest = np.round(d["Amount"].to_numpy() - first, 2)
    late = rng.integers(20, 150, len(d)).astype("timedelta64[D]")
    t["Payments"] = pd.DataFrame({
        "PaymentID": np.r_["P1" + d["DealID"].str[1:], "P2" + d["DealID"].str[1:]],
        "InvoiceID": np.r_[t["Invoices"]["InvoiceID"], t["Invoices"]["InvoiceID"]],
        "PaymentDate": np.r_[close + 25, close + 25 + late], "Amount": np.r_[first, rest]})
    t["Holds"] = pd.DataFrame({"Scope": ["Rep"], "ID": [t["Roster"]["RepID"].iloc[0]], "HoldFrom": ["2026-03"],
                               "ReleasedIn": ["2026-06"], "Reason": ["bench"], "By": ["bench"]})
    return t


def best(f, repeat=3):
    out, times = None, []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def loop_rule(result, tables) -> tuple[float, int]:
    """Section 22's rule by hand, a Python loop per deal line and payment: held cents at year end."""
    d = tables["Deals"].set_index("DealID")
    inv = tables["Invoices"].set_index("InvoiceID")
    pays: dict[str, list] = {}
    end = np.datetime64("2026-12-31")
    for r in tables["Payments"].itertuples(index=False):
        if np.datetime64(r.PaymentDate, "D") > end:  # after the plan year: not collected in it
            continue
        pays.setdefault(inv.at[r.InvoiceID, "DealID"], []).append((r.PaymentDate, r.PaymentID, r.Amount))
    lines = result.lines[result.lines.LineType == "Deal"]
    t0 = time.perf_counter()
    held = 0
    for r in lines.itertuples(index=False):
        amount = int(to_cents(np.array([d.at[r.DealID, "Amount"]]))[0])
        cum = 0
        for _, _, a in sorted(pays.get(r.DealID, [])):
            cum += int(to_cents(np.array([a]))[0])
        share = min(1.0, cum / amount)
        held += int(r.Amount) - int(round_half_away(np.array([r.Amount * share]))[0])
    return time.perf_counter() - t0, held


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=2_000)
    a = ap.parse_args()
    base = bench_tables(a.deals, a.reps)
    coll = with_collections(base)
    t_book, _ = best(lambda: compute(load_inputs(MemorySource(base, workbook="b.xlsx"))))
    t_pay, r = best(lambda: compute(load_inputs(MemorySource(coll, workbook="p.xlsx"))))
    t_loop, held = loop_rule(r, coll)
    ours = int(r.held[r.held.Kind == "Pay on payment"]["Held"].sum())
    assert held == ours, (held, ours)
    n_lines = int(r.lines.LineType.isin(["Held", "Released"]).sum())
    print(f"{a.deals:,} deals, {a.reps:,} reps, {len(coll['Payments']):,} payments, {n_lines:,} held/released lines")
    print(f"  booking (baseline)  {t_book:8.2f} s")
    print(f"  payment             {t_pay:8.2f} s   {t_pay / t_book:.2f}x the booking run")
    print(f"  held by a loop      {t_loop:8.2f} s   (the rule alone; same held total {ours / 100:,.2f})")
    print(f"  the whole pay-on-payment step costs {t_pay - t_book:.2f} s: the loop alone is "
          f"{t_loop / max(t_pay - t_book, 1e-9):.1f}x that")


if __name__ == "__main__":
    main()
