"""Seeded generator of a large commission run with its Deals in Parquet (for bench_dask.py; the data is not committed).

    python bench/gen_parquet_deals.py --deals 20000000 --reps 50000 --out bench/out/data-20M

Writes ``deals.parquet`` (sorted by RepID, one row group per block of reps, so a partition's reader skips the
row groups of other reps) and the workbook's other tables as ``<Table>.parquet`` (Settings, Roster, Plans,
PlanMeasures, Tiers, Quotas): plans AE (new business monthly YTD with accelerators, renewals quarterly) and MGR
(own deals at a flat rate plus a Team roll-up of their reps' new business), one manager per 10 reps, all USD;
2% of deals split between two reps of one team, 1% cancelled. Memory: one block of reps at a time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TEAM = 10  # reps per manager (the manager included)
BLOCK_REPS = 2_000  # reps per row group block (a multiple of TEAM)


def small_tables(reps: int, seed: int) -> dict[str, pd.DataFrame]:
    from salesops_xl.commissions.sample import sample_tables

    s = sample_tables()
    rng = np.random.default_rng(seed)
    keep = {"AE", "MGR"}
    pm = s["PlanMeasures"][s["PlanMeasures"]["PlanID"].isin(keep)].reset_index(drop=True)
    tiers = s["Tiers"][s["Tiers"]["TierTable"].isin(set(pm["TierTable"]))].reset_index(drop=True)
    plans = s["Plans"][s["Plans"]["PlanID"].isin(keep)].reset_index(drop=True)
    settings = s["Settings"][s["Settings"]["Setting"].isin(["PlanYearStart", "AsOfDate"])].reset_index(drop=True)
    ids = np.array([f"R{i:06d}" for i in range(reps)], dtype=object)
    is_mgr = np.arange(reps) % TEAM == 0
    mgr_of = ids[(np.arange(reps) // TEAM) * TEAM]
    roster = pd.DataFrame({
        "RepID": ids, "RepName": [f"Rep {i}" for i in range(reps)],
        "ManagerID": np.where(is_mgr, None, mgr_of).astype(object),
        "PlanID": np.where(is_mgr, "MGR", "AE").astype(object), "Currency": "USD",
        "HireDate": dt.date(2024, 1, 1), "TermDate": None,
        "TargetIncentive": np.where(is_mgr, 40000.0, 60000.0),
        "EffectiveFrom": None, "EffectiveTo": None, "Email": None,
    })
    q = s["Quotas"]
    ae = q[q["RepID"] == "R001"][["Measure", "Period", "Quota"]]
    mg = q[q["RepID"] == "M01"][["Measure", "Period", "Quota"]]
    parts = []
    for mask, tmpl in ((~is_mgr, ae), (is_mgr, mg)):
        r = ids[mask]
        scale = rng.uniform(0.8, 1.2, size=len(r))
        parts.append(pd.DataFrame({
            "RepID": np.repeat(r, len(tmpl)), "Measure": np.tile(tmpl["Measure"].to_numpy(), len(r)),
            "Period": np.tile(tmpl["Period"].to_numpy(), len(r)),
            "Quota": np.round(np.repeat(scale, len(tmpl)) * np.tile(tmpl["Quota"].to_numpy(), len(r)), -2)}))
    quotas = pd.concat(parts, ignore_index=True)
    return {"Settings": settings, "Roster": roster, "Plans": plans, "PlanMeasures": pm, "Tiers": tiers,
            "Quotas": quotas}


def write_deals(path: Path, deals: int, reps: int, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed + 1)
    per_rep = deals / reps
    start = np.datetime64("2026-01-01")
    writer = None
    next_id = 0
    written = 0
    for b0 in range(0, reps, BLOCK_REPS):
        b1 = min(reps, b0 + BLOCK_REPS)
        n = int(round(per_rep * b1)) - written if b1 < reps else deals - written
        rep = np.sort(rng.integers(b0, b1, size=n))
        is_mgr = rep % TEAM == 0
        measure = np.where(is_mgr | (rng.random(n) < 0.7), "NewBusiness", "Renewal")
        close = start + rng.integers(0, 365, size=n).astype("timedelta64[D]")
        amount = np.round(np.exp(rng.normal(9.5, 0.8, size=n)), 2)
        cancelled = rng.random(n) < 0.01
        cancel = np.where(cancelled, close + rng.integers(1, 120, size=n).astype("timedelta64[D]"),
                          np.datetime64("NaT"))
        deal_no = next_id + np.arange(n)
        split = rng.random(n) < 0.02  # a second row for a teammate (not the manager), 50/50
        mate = (rep // TEAM) * TEAM + 1 + (rep % TEAM) % (TEAM - 1)
        mate = np.where(mate == rep, (rep // TEAM) * TEAM + 1 + ((rep % TEAM) + 1) % (TEAM - 1), mate)
        split &= (mate < b1) & (measure == "NewBusiness")
        idx = np.concatenate([np.arange(n), np.flatnonzero(split)])
        reps_col = np.concatenate([rep, mate[split]])
        pct = np.where(np.isin(np.arange(len(idx)), np.flatnonzero(split)) | (np.arange(len(idx)) >= n), 0.5, 1.0)
        order = np.lexsort((deal_no[idx], reps_col))
        idx, reps_col, pct = idx[order], reps_col[order], pct[order]
        table = pa.table({
            "DealID": pa.array(np.char.add("D", deal_no[idx].astype(str)).astype(object), pa.string()),
            "RepID": pa.array(np.char.add("R", np.char.zfill(reps_col.astype(str), 6)).astype(object), pa.string()),
            "SplitPct": pct,
            "CloseDate": pa.array(close[idx].astype("datetime64[D]"), pa.date32()),
            "Measure": pa.array(measure[idx].astype(object), pa.string()),
            "Amount": amount[idx], "Currency": pa.array(np.full(len(idx), "USD", dtype=object), pa.string()),
            "Status": pa.array(np.where(cancelled[idx], "Cancelled", "Booked").astype(object), pa.string()),
            "CancelDate": pa.array(cancel[idx].astype("datetime64[D]"), pa.date32()),
        })
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1 << 20)
        next_id += n
        written += n
    writer.close()


def generate(out: Path, deals: int, reps: int, seed: int = 20) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    done = out / "DONE"
    if done.exists() and done.read_text() == f"{deals} {reps} {seed}":
        return out
    for name, frame in small_tables(reps, seed).items():
        frame.to_parquet(out / f"{name}.parquet")
    write_deals(out / "deals.parquet", deals, reps, seed)
    done.write_text(f"{deals} {reps} {seed}")
    return out


def workbook_source(folder: Path):
    """The workbook's tables (everything but Deals) as a MemorySource, from the generated folder."""
    from salesops_xl.source import MemorySource

    tables = {}
    for p in sorted(folder.glob("*.parquet")):
        if p.stem != "deals":
            f = pd.read_parquet(p)
            for c in f.columns:
                if f[c].dtype.kind == "M":
                    f[c] = f[c].dt.date.astype(object)
            tables[p.stem] = f
    return MemorySource(tables, workbook="bench-plan.xlsx")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deals", type=int, default=2_000_000)
    ap.add_argument("--reps", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    print(generate(a.out, a.deals, a.reps, a.seed))
