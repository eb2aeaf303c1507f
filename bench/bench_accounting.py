"""Commission accounting benchmark, side by side in one run:

* ``schedule``  - the amortisation schedule (salesops_xl.accounting.amortise.schedule) of 1,000,000 capitalised
                  commissions over 36 months, 5% of them partly cancelled (two tranches each): 36M+ rows of
                  opening, capitalised, amortised, written off, closing in exact cents; against
* ``loop``      - the same schedule computed the way a script usually does it, a Python loop per deal and month
                  (on a sample of deals, extrapolated to all: it takes minutes in full);
* ``books``     - the whole accounting of a commission run of 5,000 reps (register, schedule, roll-forward,
                  close, journal: salesops_xl.accounting.engine.account), after the run is computed;
* ``payroll`` / ``journal`` - the two exports of one month for those 5,000 reps, CSV written, against
* ``pandas``    - a plain pandas melt of Payout Summary to CSV (no layout, no codes, no tie-out, no injection
                  guard): the floor any export pays.

    python bench/bench_accounting.py                 # 1,000,000 deals x 36 months; 5,000 reps, 100,000 deals
    python bench/bench_accounting.py --deals 100000 --loop-sample 5000

Results are printed with their ratios and written to bench/out/accounting.json: wall seconds (best run), the
process CPU seconds of that run and the load average before and after (the machine may be shared).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_commissions import bench_tables  # noqa: E402

from salesops_xl.accounting import amortise as A  # noqa: E402
from salesops_xl.accounting.engine import account  # noqa: E402
from salesops_xl.accounting.exports import journal_rows, payroll_rows  # noqa: E402
from salesops_xl.batch.files import write_csv  # noqa: E402
from salesops_xl.commissions.engine import SUMMARY_COMPONENTS, compute  # noqa: E402
from salesops_xl.commissions.inputs import load_inputs  # noqa: E402
from salesops_xl.source import MemorySource  # noqa: E402


def tranches(n: int, months: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    cap = 2026 * 12 + rng.integers(0, 12, n)
    start = cap + (rng.integers(1, 29, n) > 15)
    cents = rng.integers(10_000, 5_000_000, n)
    cut = rng.random(n) < 0.05
    k = np.flatnonzero(cut)
    share = np.round(rng.uniform(0.1, 0.9, len(k)), 2)
    part = np.rint(cents[k] * share).astype(np.int64)
    item = np.concatenate([np.arange(n), k])
    t_cents = np.concatenate([np.where(cut, cents - np.zeros(n, np.int64), cents), part])
    t_cents[k] -= part
    t_end = np.concatenate([np.full(n, A.NEVER), start[k] + rng.integers(0, months, len(k))])
    order = np.argsort(item, kind="stable")
    return (item[order], t_cents[order], cap, start[item][order], np.full(len(item), months)[order],
            t_end[order], n)


def loop(item, cents, cap, start, months, end, n):
    """The per-deal, per-month Python loop the kernel replaces (the same rules, the same result)."""
    out = {}
    for t in range(len(item)):
        i, c, s, m, e = int(item[t]), int(cents[t]), int(start[t]), int(months[t]), int(end[t])
        prev = 0
        for k in range(1, m + 1):
            mo = s + k - 1
            if mo >= e:
                row = out.setdefault((i, e), [0, 0])
                row[1] += c - prev
                break
            a = (2 * c * k + m) // (2 * m)
            row = out.setdefault((i, mo), [0, 0])
            row[0] += a - prev
            prev = a
    return out


CPU: dict[str, float] = {}  # process CPU seconds of the best run of each measure (the machine may be shared)


def best(fn, repeat=3, name=None):
    times = []
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        r = fn()
        times.append((time.perf_counter() - t, time.process_time() - c))
    wall, cpu = min(times)
    if name:
        CPU[name] = cpu
    return wall, r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deals", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--loop-sample", type=int, default=20_000)
    ap.add_argument("--reps", type=int, default=5000)
    ap.add_argument("--run-deals", type=int, default=100_000)
    ap.add_argument("--out", default=str(HERE / "out"))
    a = ap.parse_args()
    res: dict = {"load_average_before": list(os.getloadavg())}
    t = tranches(a.deals, a.months)
    sec, s = best(lambda: A.schedule(*t), repeat=2, name="schedule")
    res["schedule"] = {"deals": a.deals, "months": a.months, "rows": len(s), "seconds": sec}
    ts = tranches(a.loop_sample, a.months)
    lsec, got = best(lambda: loop(*ts), repeat=1, name="loop")
    small = A.schedule(*ts)
    same = sum(v[0] for v in got.values()) == int(small.amortised.sum()) and \
        sum(v[1] for v in got.values()) == int(small.written_off.sum())
    res["loop"] = {"sample": a.loop_sample, "seconds_sample": lsec, "seconds_extrapolated": lsec * a.deals /
                   a.loop_sample, "same_totals": same}
    # a commission run of 5,000 reps with a policy, then its books and exports
    tables = bench_tables(a.run_deals, a.reps)
    tables["CapPolicy"] = pd.DataFrame([{"PlanID": None, "Measure": "NB", "Treatment": "Capitalise",
                                         "PeriodOfBenefit": "CustomerLife", "Months": 36,
                                         "PracticalExpedient": "Yes"}])
    entries = ("ContractCostAsset", "CommissionExpense", "AmortisationExpense", "WriteOffExpense",
               "AccruedCommissions", "DrawReceivable", "PayrollClearing")
    tables["JournalAccounts"] = pd.DataFrame({"Entry": entries, "Currency": None,
                                              "Account": [str(1000 + i) for i in range(len(entries))],
                                              "CostCentre": None})
    result = compute(load_inputs(MemorySource(tables, workbook="bench.xlsx")), computed_at="2026-01-01T00:00:00Z")
    bsec, acc = best(lambda: account(result), repeat=2, name="books")
    res["books"] = {"reps": a.reps, "deals": a.run_deals, "schedule_rows": len(acc.schedule), "seconds": bsec}
    with tempfile.TemporaryDirectory() as d:
        psec, rows = best(lambda: write_csv(payroll_rows(result, "2026-03"), Path(d) / "pay.csv"), name="payroll")
        jsec, _ = best(lambda: write_csv(journal_rows(result, "2026-03"), Path(d) / "gl.csv"), name="journal")

        def plain():
            s = result.summary[result.summary.PayMonth == "2026-03"]
            m = s.melt(id_vars=["RepID", "RepName", "Currency"], value_vars=list(SUMMARY_COMPONENTS))
            m = m[m.value != 0]
            m.assign(value=m.value / 100).to_csv(Path(d) / "plain.csv", index=False)
        qsec, _ = best(plain, name="pandas")
    res["payroll"] = {"reps": a.reps, "seconds": psec}
    res["journal"] = {"seconds": jsec}
    res["pandas"] = {"seconds": qsec}
    print(f"amortisation schedule, {a.deals:,} deals x {a.months} months ({len(s):,} rows): {sec:.2f} s; "
          f"Python loop {res['loop']['seconds_extrapolated']:.1f} s (extrapolated from {a.loop_sample:,}, same "
          f"totals: {same}) = {res['loop']['seconds_extrapolated'] / sec:.0f}x slower")
    print(f"books of a run of {a.reps:,} reps, {a.run_deals:,} deals ({len(acc.schedule):,} schedule rows): "
          f"{bsec:.2f} s")
    print(f"payroll export {psec:.3f} s, journal export {jsec:.3f} s, plain pandas melt {qsec:.3f} s "
          f"(payroll = {psec / qsec:.1f}x the plain melt)")
    res["load_average_after"] = list(os.getloadavg())
    for k, v in CPU.items():
        res[k]["cpu_seconds"] = v
    print(f"process CPU: schedule {CPU['schedule']:.2f} s, loop sample {CPU['loop']:.1f} s, books "
          f"{CPU['books']:.2f} s, payroll {CPU['payroll']:.3f} s, journal {CPU['journal']:.3f} s; load average "
          f"{res['load_average_before'][0]:.1f} before, {res['load_average_after'][0]:.1f} after "
          f"({os.cpu_count()} CPUs)")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "accounting.json").write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
