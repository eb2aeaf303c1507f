"""Forecast calls benchmark: roll-up of calls and pipeline movements over 100,000 opportunities x 5,000 people,
against plain-Python implementations of the same rules (a typical macro or script), side by side in one run.

    python bench/bench_forecast_calls.py                       # 100k opportunities, 5,000 people
    python bench/bench_forecast_calls.py --opps 1000000 --people 20000

What it measures (best of --repeat, in process):

* ``roll-up``      - :func:`salesops_xl.forecast.calls.roll_up` of two categories over the hierarchy (5 levels);
  baseline: a recursive per-person Python function over dicts;
* ``team totals``  - :func:`salesops_xl.forecast.history.person_totals`: Closed / Commit / Best Case / Pipeline /
  Weighted of the period per person's team, from 100k deals; baseline: a per-deal loop adding each deal to its
  owner and every manager above;
* ``movements``    - :func:`salesops_xl.forecast.history.classify` of two snapshots (100k deals each, a week of
  changes between them); baseline: a per-deal loop with the same if-chain;
* ``snapshot``     - a whole CallHistory snapshot (submissions counted, rolled up, team totals).

The baselines' results are checked equal to the engine's. Results are printed with their ratios and written to
bench/out/forecast_calls.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from salesops_xl.forecast.calls import roll_up  # noqa: E402
from salesops_xl.forecast.fiscal import Calendar  # noqa: E402
from salesops_xl.forecast.history import MOVEMENT_NAMES, classify, person_totals  # noqa: E402

DAY_F, DAY_T = dt.date(2026, 11, 13), dt.date(2026, 11, 20)
CAL = Calendar(1, "Quarter")


def org(people: int, rng):
    """A 5-level hierarchy: 1 VP, then managers, reps at the bottom (about 8 reports each)."""
    parent = np.full(people, -1, dtype=np.intp)
    depth = np.zeros(people, dtype=np.intp)
    sizes = [1]
    while sum(sizes) < people:
        sizes.append(min(sizes[-1] * 8, people - sum(sizes)))
    start = 0
    for lvl in range(1, len(sizes)):
        prev = np.arange(start, start + sizes[lvl - 1])
        start += sizes[lvl - 1]
        idx = np.arange(start, start + sizes[lvl])
        parent[idx] = prev[np.arange(len(idx)) % len(prev)]
        depth[idx] = lvl
    team = pd.DataFrame({"RepID": [f"P{i:06d}" for i in range(people)], "Parent": parent, "Depth": depth})
    return team


def deals(n: int, team: pd.DataFrame, rng):
    has_kids = np.zeros(len(team), bool)
    has_kids[team["Parent"][team["Parent"] >= 0].to_numpy()] = True
    reps = np.flatnonzero(~has_kids)
    status = rng.choice(np.array(["Open", "Won", "Lost"], dtype=object), n, p=[0.5, 0.2, 0.3])
    close = np.datetime64("2026-10-01") + rng.integers(-60, 200, n).astype("timedelta64[D]")
    close = np.where(status == "Open", close, np.minimum(close, np.datetime64(DAY_F)))
    cat = np.where(status == "Won", "Closed", np.where(status == "Lost", "Omitted", rng.choice(
        np.array(["Commit", "Best Case", "Pipeline", "Omitted"], dtype=object), n, p=[0.25, 0.25, 0.45, 0.05])))
    return pd.DataFrame({"SnapshotDate": np.datetime64(DAY_F, "D"), "OppID": [f"O{i:07d}" for i in range(n)],
                         "RepID": team["RepID"].to_numpy(object)[rng.choice(reps, n)],
                         "Amount": np.round(rng.lognormal(10, 0.8, n), 2), "CloseDate": close.astype("datetime64[D]"),
                         "Stage": "S", "Status": status.astype(object), "Category": cat.astype(object),
                         "Probability": np.round(rng.random(n), 2)})


def a_week_later(f: pd.DataFrame, rng) -> pd.DataFrame:
    """About 10% of the deals change: new, removed, won, lost, dates moved, amounts, categories."""
    t = f.copy()
    n = len(t)
    u = rng.random(n)
    is_open = (t["Status"] == "Open").to_numpy()
    won = is_open & (u < 0.02)
    lost = is_open & (u >= 0.02) & (u < 0.04)
    t.loc[won, "Status"], t.loc[won, "Category"] = "Won", "Closed"
    t.loc[lost, "Status"], t.loc[lost, "Category"] = "Lost", "Omitted"
    t.loc[won | lost, "CloseDate"] = np.datetime64(DAY_T, "D")
    move = is_open & (u >= 0.04) & (u < 0.08)
    t.loc[move, "CloseDate"] = (t.loc[move, "CloseDate"].to_numpy().astype("datetime64[D]")
                                + rng.integers(-40, 60, int(move.sum())).astype("timedelta64[D]"))
    amt = is_open & (u >= 0.08) & (u < 0.10)
    t.loc[amt, "Amount"] = np.round(t.loc[amt, "Amount"] * rng.uniform(0.7, 1.3, int(amt.sum())), 2)
    cat = is_open & (u >= 0.10) & (u < 0.11)
    t.loc[cat, "Category"] = "Commit"
    keep = rng.random(n) > 0.005
    new = f.sample(n // 100, random_state=1).copy()
    new["OppID"] = [f"N{i:07d}" for i in range(len(new))]
    t = pd.concat([t[keep], new], ignore_index=True)
    t["SnapshotDate"] = np.datetime64(DAY_T, "D")
    return t


# -- the baselines: the same rules, one person / one deal at a time ------------------------------------------

def rollup_loop(team: pd.DataFrame, sub: np.ndarray) -> np.ndarray:
    ids = list(range(len(team)))
    kids: dict[int, list[int]] = {}
    for i, p in zip(ids, team["Parent"]):
        kids.setdefault(int(p), []).append(i)
    out = np.full(sub.shape, np.nan)
    sys.setrecursionlimit(100000)

    def number(i: int, k: int) -> float:
        if not np.isnan(sub[i, k]) and i in kids:
            return sub[i, k]
        if i not in kids:
            return sub[i, k]
        vals = [number(j, k) for j in kids[i]]
        vals = [v for v in vals if not np.isnan(v)]
        return float(sum(vals)) if vals else np.nan

    for k in range(sub.shape[1]):
        for i in ids:
            out[i, k] = number(i, k)
    return out


def totals_loop(state: pd.DataFrame, team: pd.DataFrame, day: dt.date) -> np.ndarray:
    a, b, _ = CAL.of_day(day)
    pos = {r: i for i, r in enumerate(team["RepID"])}
    parent = team["Parent"].tolist()
    out = np.zeros((len(team), 5))
    dm = day.year * 12 + day.month - 1
    for r in state.itertuples(index=False):
        c = r.CloseDate
        cm = c.year * 12 + c.month - 1
        col = None
        if r.Status == "Won" and a <= cm < b and c <= pd.Timestamp(day):
            col, val, w = 0, r.Amount, 0.0
        elif r.Status == "Open" and a <= max(cm, dm) < b:
            col = {"Commit": 1, "Best Case": 2, "Pipeline": 3}.get(r.Category)
            val, w = r.Amount, r.Amount * r.Probability
        else:
            continue
        p = pos[r.RepID]
        while p >= 0:
            if col is not None:
                out[p, col] += val
            if r.Status == "Open":
                out[p, 4] += w
            p = parent[p]
    closed = out[:, 0]
    commit = closed + out[:, 1]
    best = commit + out[:, 2]
    return np.c_[closed, commit, best, best + out[:, 3], closed + out[:, 4]]


def movements_loop(f: pd.DataFrame, t: pd.DataFrame) -> dict[str, int]:
    a, b, _ = CAL.of_day(DAY_T)

    def meas(r, day):
        if r is None or r["Status"] != "Open" or r["Category"] == "Omitted":
            return 0
        c = r["CloseDate"]
        m = max(c.year * 12 + c.month - 1, day.year * 12 + day.month - 1)
        return round(r["Amount"] * 100) if a <= m < b else 0

    fd = {r["OppID"]: r for r in f.to_dict("records")}
    td = {r["OppID"]: r for r in t.to_dict("records")}
    total = dict.fromkeys(MOVEMENT_NAMES, 0)
    for oid in fd.keys() | td.keys():
        x, y = fd.get(oid), td.get(oid)
        ch = meas(y, DAY_T) - meas(x, DAY_F)
        if x is None:
            mv = "New"
        elif y is None:
            mv = "Removed"
        elif x["Status"] == "Open" and y["Status"] == "Won":
            mv = "Closed won"
        elif x["Status"] == "Open" and y["Status"] == "Lost":
            mv = "Closed lost"
        elif x["Status"] != "Open" and y["Status"] == "Open":
            mv = "Reopened"
        elif x["Status"] == "Open" and y["Status"] == "Open" and y["CloseDate"] < x["CloseDate"]:
            mv = "Pulled in"
        elif x["Status"] == "Open" and y["Status"] == "Open" and y["CloseDate"] > x["CloseDate"]:
            fm = max(x["CloseDate"].year * 12 + x["CloseDate"].month - 1, DAY_F.year * 12 + DAY_F.month - 1)
            tm = y["CloseDate"].year * 12 + y["CloseDate"].month - 1
            mv = "Pushed out" if a <= fm < b and tm >= b else "Slipped"
        elif x["Status"] == "Open" and y["Status"] == "Open" and x["Amount"] != y["Amount"]:
            mv = "Amount changed"
        elif x["Status"] == "Open" and y["Status"] == "Open" and x["Category"] != y["Category"]:
            mv = "Category changed"
        elif any(x[k] != y[k] for k in ("RepID", "Stage", "Status", "Category", "Amount", "CloseDate",
                                         "Probability")):
            mv = "Other change"
        else:
            mv = "Unchanged"
        total[mv] += ch
    return total


def best(fn, repeat):
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return min(ts), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--opps", type=int, default=100_000)
    ap.add_argument("--people", type=int, default=5_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(16)
    team = org(args.people, rng)
    f = deals(args.opps, team, rng)
    t = a_week_later(f, rng)
    has_kids = np.zeros(len(team), bool)
    has_kids[team["Parent"][team["Parent"] >= 0].to_numpy()] = True
    sub = np.where(has_kids[:, None], np.nan, np.round(rng.lognormal(12, 0.5, (len(team), 2)), -3))
    sub[~has_kids & (rng.random(len(team)) < 0.1)] = np.nan  # some reps have not called
    adj = has_kids & (rng.random(len(team)) < 0.3)  # some managers adjust
    sub[adj, 0] = np.round(rng.lognormal(14, 0.5, int(adj.sum())), -3)
    res = {}
    parent, depth = team["Parent"].to_numpy(), team["Depth"].to_numpy()
    tr, ru = best(lambda: roll_up(parent, depth, sub), args.repeat)
    tb, rb = best(lambda: rollup_loop(team, sub), 1)
    assert np.allclose(np.nan_to_num(ru.number, nan=-1), np.nan_to_num(rb, nan=-1)), "roll-up differs"
    res["roll-up"] = (tr, tb)
    tt, tot = best(lambda: person_totals(t, team, DAY_T, CAL), args.repeat)
    tb2, tot_b = best(lambda: totals_loop(t, team, DAY_T), 1)
    assert np.allclose(tot.to_numpy(), tot_b, rtol=1e-9, atol=1e-6), "team totals differ"
    res["team totals"] = (tt, tb2)
    tm, mv = best(lambda: classify(f, t, DAY_F, DAY_T, CAL), args.repeat)
    tb3, mv_b = best(lambda: movements_loop(f, t), 1)
    got = dict(zip(mv.summary["Movement"].iloc[1:-1], np.round(mv.summary["Change"].iloc[1:-1] * 100).astype(int)))
    assert got == mv_b, (got, mv_b)
    assert sum(got.values()) == mv.end - mv.start
    res["movements"] = (tm, tb3)
    print(f"forecast calls: {args.opps:,} opportunities x {args.people:,} people "
          f"({int((f['Status'] == 'Open').sum()):,} open; {len(t):,} deals a week later)")
    print(f"{'':14} {'ours':>10} {'python loop':>12} {'ratio':>8}")
    out = {"opps": args.opps, "people": args.people, "machine": platform.platform(), "python": sys.version.split()[0],
           "numpy": np.__version__, "pandas": pd.__version__, "results": {}}
    for k, (ours, base) in res.items():
        print(f"{k:14} {ours * 1000:9.1f}ms {base * 1000:11.0f}ms {base / ours:7.0f}x")
        out["results"][k] = {"ours_s": ours, "baseline_s": base, "ratio": base / ours}
    counts = dict(zip(mv.summary["Movement"].iloc[1:-1], mv.summary["Deals"].iloc[1:-1].astype(int)))
    print("movements:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    out["movement_counts"] = counts
    Path("bench/out").mkdir(parents=True, exist_ok=True)
    Path("bench/out/forecast_calls.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
