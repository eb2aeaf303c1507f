"""Territory benchmark: alignment and lead routing against the issue's targets and naive baselines, in one run.

    python bench/bench_territories.py            # everything (about 2-3 minutes on 2 cores)
    python bench/bench_territories.py --quick    # the two headline figures only

Alignment - 10,000 real US ZIP code centroids (the ``zipcodes`` package, bundled data, no download),
synthetic potential and workload, 50 reps based where the potential is:

* ``align``          - the engine's optimiser in process (salesops_xl.territories.optimiser.solve), BalanceOn
                       Potential, tolerance 5%, DisruptionWeight 20 km, the default time budget (5 s): time,
                       largest deviation, proven gap to the lower bound. Targets: within the budget, within
                       +-5%, within 1% of the bound;
* ``align-60s``      - baseline: the same with a 60 s budget (what the default budget gives up);
* ``align-distances``- the same with every unit-to-home distance given as data (a Distances matrix of
                       500,000 road-like figures: great-circle x a detour factor 1.1-1.5 per pair);
* ``align-443``      - issue 17's case: 443 ZIPs x 10 territories (4,430 variables, the exact MIP's range) in
                       the default budget, against the baseline ``align-443-exact``: the exact MIP alone with a
                       60 s budget (before issue 17 it ran unbounded and stopped unproven after 70-81 s);
* ``align-both`` / ``align-contiguous`` / ``align-optimised`` - the same with Potential and Workload, with
                       ZIP adjacency (Delaunay) and contiguity, with optimised centres;
* ``lp-full``        - baseline: HiGHS (scipy linprog) on the full 10,000 x 50 LP relaxation: its optimum
                       must equal the engine's certified lower bound;
* ``milp-full``      - baseline: HiGHS (scipy milp) on the full integer model with a 10 s time limit;
* ``align-budgets``  - the headline problem with budgets of 0.5, 1, 2 and 5 s: seconds against the budget (what
                       runs over it is the balance repair, docs/territories.md section 8), proven gap;
* ``assign100``      - OR-Library's assignment problem assign100 (tests/data) as an alignment given only as a
                       matrix: seconds to the published optimum 305, proven by HiGHS;
* ``cli-align``      - ``salesops-xl territories align`` on a generated workbook, whole process (reading and
                       writing included), the default budget.

The machine is shared: the load average (1 minute) is recorded before and after every figure.

Leads - 100,000 leads over 10 days, 500 reps in 10 pools, account owners, named accounts, territory and
segment rules, languages, skills, out-of-office days, daily capacities:

* ``leads``          - the engine in process (typed tables -> route). Target: <= 2 s;
* ``leads-reference``- baseline: a lead-by-lead Python implementation of the same rules
                       (tests/territories/territory_reference_routing.py); its assignments must be identical;
* ``cli-leads``      - ``salesops-xl territories leads`` on a generated workbook, whole process.

Results go to bench/out/territories.json and are printed with the ratios.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "territories"))

from salesops_xl.errors import ProblemCollector  # noqa: E402
from salesops_xl.source import MemorySource  # noqa: E402
from salesops_xl.territories import optimiser as AL  # noqa: E402
from salesops_xl.territories.geo import haversine_km  # noqa: E402
from salesops_xl.territories.inputs import load_alignment  # noqa: E402
from salesops_xl.territories.leads import load_leads, route  # noqa: E402
from salesops_xl.territories.template import input_sheets  # noqa: E402
from salesops_xl.xlsx.writer import write_sheets  # noqa: E402

CONTIGUOUS = set("AL AZ AR CA CO CT DE DC FL GA ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
                 "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split())


# -- data ------------------------------------------------------------------------------------------------

def zip_units(n: int = 10_000, n_reps: int = 50, seed: int = 1) -> dict[str, pd.DataFrame]:
    """n ZIP codes of the contiguous US with synthetic potential/workload; reps where potential is."""
    import zipcodes

    z = [x for x in zipcodes.list_all() if x["zip_code_type"] == "STANDARD" and x["active"]
         and x["state"] in CONTIGUOUS]
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(z), n, replace=False))
    lat = np.array([float(z[i]["lat"]) for i in idx])
    lon = np.array([float(z[i]["long"]) for i in idx])
    # potential: lognormal, higher where ZIPs are dense (a population proxy)
    xyz = np.stack([np.cos(np.radians(lat)) * np.cos(np.radians(lon)), np.cos(np.radians(lat)) *
                    np.sin(np.radians(lon)), np.sin(np.radians(lat))], axis=1)
    from scipy.spatial import cKDTree

    tree = cKDTree(xyz)
    density = np.array([len(x) for x in tree.query_ball_point(xyz, r=30.0 / 6371.0)])
    potential = np.round(rng.lognormal(11.0, 0.7, n) * (0.5 + 0.15 * np.sqrt(density)), -2)
    workload = (1 + rng.poisson(potential / 80_000.0)).astype(float)
    # reps: potential-weighted k-means on the sphere, homes at the ZIP nearest each centre
    centres = xyz[rng.choice(n, n_reps, replace=False, p=potential / potential.sum())]
    for _ in range(15):
        lab = np.argmax(xyz @ centres.T, axis=1)
        for k in range(n_reps):
            m = lab == k
            if m.any():
                c = (xyz[m] * potential[m, None]).sum(axis=0)
                centres[k] = c / np.linalg.norm(c)
    home = np.argmax(xyz @ centres.T, axis=0)
    rep_ids = [f"R{k:02d}" for k in range(n_reps)]
    # today's alignment: nearest home, with 5% drift to the second nearest
    d = haversine_km(lat[:, None], lon[:, None], lat[home][None, :], lon[home][None, :])
    o = np.argsort(d, axis=1)
    cur = np.where(rng.random(n) < 0.05, o[:, 1], o[:, 0])
    units = pd.DataFrame({"UnitID": [z[i]["zip_code"] for i in idx], "Name": [z[i]["city"] for i in idx],
                          "Latitude": lat, "Longitude": lon, "Potential": potential, "Workload": workload,
                          "CurrentOwner": np.array(rep_ids, dtype=object)[cur]})
    reps = pd.DataFrame({"RepID": rep_ids, "RepName": [f"Rep {k}" for k in range(n_reps)],
                         "HomeLatitude": lat[home], "HomeLongitude": lon[home], "Capacity": 1.0})
    return {"TerritoryUnits": units, "TerritoryReps": reps}


def delaunay_edges(lat: np.ndarray, lon: np.ndarray, max_km: float = 150.0) -> np.ndarray:
    from scipy.spatial import Delaunay

    x = np.radians(lon) * np.cos(np.radians(lat)) * 6371.0
    y = np.radians(lat) * 6371.0
    pts = np.stack([x, y], axis=1) + np.random.default_rng(0).normal(0, 1e-6, (len(x), 2))
    s = Delaunay(pts).simplices
    e = np.unique(np.sort(np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]]), axis=1), axis=0)
    d = haversine_km(lat[e[:, 0]], lon[e[:, 0]], lat[e[:, 1]], lon[e[:, 1]])
    return e[d <= max_km]


def align_settings(balance="Potential", centres="Home", contiguity="No", disruption=20) -> pd.DataFrame:
    return pd.DataFrame({"Setting": ["BalanceOn", "Tolerance", "DisruptionWeight", "Centres", "Contiguity"],
                         "Value": [balance, "0.05", str(disruption), centres, contiguity]})


def lead_tables(n_leads: int = 100_000, n_reps: int = 500, n_days: int = 10, seed: int = 3) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    pools = [f"Pool {k:02d}" for k in range(10)]
    rep_ids = [f"S{k:04d}" for k in range(n_reps)]
    home_pool = np.arange(n_reps) % 10
    second = np.where(rng.random(n_reps) < 0.2, (home_pool + 1 + rng.integers(0, 9, n_reps)) % 10, -1)
    reps = pd.DataFrame({
        "RepID": rep_ids, "RepName": [f"Rep {k}" for k in range(n_reps)],
        "Pools": [pools[a] + (", " + pools[b] if b >= 0 else "") for a, b in zip(home_pool, second)],
        "Weight": rng.choice([0.5, 1.0, 1.0, 1.5, 2.0], n_reps),
        "DailyCapacity": rng.integers(20, 60, n_reps).astype(float),
        "Languages": np.where(rng.random(n_reps) < 0.2, "en, es", np.where(rng.random(n_reps) < 0.1, "en, fr", "en")),
        "Skills": np.where(rng.random(n_reps) < 0.15, "Payments", np.where(rng.random(n_reps) < 0.1, "Hardware", None)),
        "Active": np.where(rng.random(n_reps) < 0.02, "No", "Yes"),
    })
    day0 = dt.date(2026, 11, 2)
    days = np.array([day0 + dt.timedelta(days=int(k)) for k in range(n_days)], dtype=object)
    states = ["AL", "AZ", "CA", "CO", "FL", "GA", "IL", "MA", "MI", "MN", "NC", "NJ", "NY", "OH", "OR", "PA", "TX",
              "VA", "WA", "WI"]
    n = n_leads
    leads = pd.DataFrame({
        "LeadID": [f"L{i:07d}" for i in range(n)], "CreatedDate": days[np.sort(rng.integers(0, n_days, n))],
        "Company": None,
        "AccountID": np.where(rng.random(n) < 0.1, np.char.add("A", rng.integers(0, 20000, n).astype(str)), None),
        "Domain": np.where(rng.random(n) < 0.05,
                           np.char.add(np.char.add("d", rng.integers(0, 4000, n).astype(str)), ".com"), None),
        "Territory": np.array(states, dtype=object)[rng.integers(0, len(states), n)],
        "Segment": np.array(["SMB", "Mid-Market", "Enterprise"], dtype=object)[rng.choice(3, n, p=[.6, .3, .1])],
        "Language": np.where(rng.random(n) < 0.08, "es", np.where(rng.random(n) < 0.02, "fr", None)),
        "Skills": np.where(rng.random(n) < 0.05, "Payments", None),
    })
    owners = pd.DataFrame({"AccountID": [f"A{k}" for k in range(20000)],
                           "RepID": np.array(rep_ids, dtype=object)[rng.integers(0, n_reps, 20000)]})
    named = pd.DataFrame({"Domain": [f"d{k}.com" for k in range(2000)],
                          "RepID": np.array(rep_ids, dtype=object)[rng.integers(0, n_reps, 2000)]})
    rules = []
    for k, s in enumerate(states):
        rules.append({"Territory": s, "Segment": "Enterprise", "RepID": rep_ids[k * 7], "Pool": pools[k % 10]})
        rules.append({"Territory": s, "Segment": None, "RepID": None, "Pool": pools[(k + 3) % 10]})
    rules.append({"Territory": None, "Segment": "SMB", "RepID": None, "Pool": pools[0]})
    away = rng.choice(n_reps, 50, replace=False)
    first = rng.integers(0, n_days, 50)
    ooo = pd.DataFrame({"RepID": np.array(rep_ids, dtype=object)[away],
                        "FirstDay": [day0 + dt.timedelta(days=int(a)) for a in first],
                        "LastDay": [day0 + dt.timedelta(days=int(a + rng.integers(0, 3))) for a in first]})
    settings = pd.DataFrame({"Setting": ["DefaultPool"], "Value": [pools[1]]})
    return {"LeadSettings": settings, "Leads": leads, "LeadReps": reps, "AccountOwners": owners,
            "NamedAccounts": named, "RoutingRules": pd.DataFrame(rules), "OutOfOffice": ooo}


# -- measurements ------------------------------------------------------------------------------------------

def alignment_problem(tables):
    problems = ProblemCollector()
    inp = load_alignment(MemorySource(tables, workbook="bench.xlsx"), problems)
    problems.raise_if_any()
    return inp.problem()


def run_align(tables, time_limit: float = AL.DEFAULT_TIME_LIMIT, exact_share: float | None = None,
              distances: bool = False) -> dict:
    prob = alignment_problem(tables)
    if distances:  # every unit-to-home distance as data: great-circle x a detour factor per pair
        rng = np.random.default_rng(7)
        D = haversine_km(prob.lat[:, None], prob.lon[:, None], prob.home_lat[None, :], prob.home_lon[None, :])
        prob.home_distance = D * rng.uniform(1.1, 1.5, D.shape)
    share = AL.EXACT_BUDGET_SHARE
    if exact_share is not None:
        AL.EXACT_BUDGET_SHARE = exact_share
    try:
        t0 = time.perf_counter()
        sol = AL.solve(prob, time_limit=time_limit)
        sec = time.perf_counter() - t0
    finally:
        AL.EXACT_BUDGET_SHARE = share
    L = AL.loads_of(prob, sol.assign)
    dev = np.abs(L / AL.targets(prob) - 1.0)
    out = {"seconds": round(sec, 3), "load": round(os.getloadavg()[0], 2), "max_deviation": float(dev.max()),
           "objective": sol.objective,
           "lower_bound": sol.lower_bound, "gap": sol.gap, "status": sol.status, "method": sol.method,
           "centre_rounds": sol.centre_rounds, "time_limit": sol.time_limit, "hit_time_limit": sol.hit_time_limit,
           "bound_source": sol.bound_source, "proven_optimal": sol.proven_optimal}
    if sol.contiguous is not None:
        out["contiguous_territories"] = int(sol.contiguous.sum())
    return out


def run_budgets(tables, budgets=(0.5, 1.0, 2.0, 5.0)) -> dict:
    """The same problem at several budgets: the seconds taken against each (the overshoot is the balance repair)."""
    out = {}
    for b in budgets:
        load0 = os.getloadavg()[0]
        r = run_align(tables, time_limit=b)
        out[f"{b:g}"] = {"seconds": r["seconds"], "over_budget": round(r["seconds"] - b, 3), "gap": r["gap"],
                         "status": r["status"], "load_before": round(load0, 2), "load_after": r["load"]}
    return out


def run_assign100() -> dict:
    """OR-Library assign100 through the Python API, as the test runs it (tests/data/README.md)."""
    tokens = (ROOT / "tests" / "data" / "orlib_assign100.txt").read_text().split()
    n = int(tokens[0])
    D = np.array(tokens[1:], dtype=float).reshape(n, n).T
    prob = AL.AlignProblem(
        lat=np.full(n, np.nan), lon=np.full(n, np.nan), weight=np.ones(n), measures=np.ones((n, 1)),
        measure_names=("Potential",), current=np.full(n, -1), locked=np.full(n, -1), capacity=np.ones(n),
        home_lat=np.full(n, np.nan), home_lon=np.full(n, np.nan), tolerance=0.5, home_distance=D)
    t0 = time.perf_counter()
    sol = AL.solve(prob)
    return {"seconds": round(time.perf_counter() - t0, 3), "objective": sol.objective, "published": 305,
            "status": sol.status, "method": sol.method, "load": round(os.getloadavg()[0], 2)}


def run_map(tables) -> dict:
    """The Territory Map picture (docs/territories.md, section 9) against the alignment it draws, side by side."""
    from salesops_xl.territories.engine import compute_alignment
    from salesops_xl.territories import mapdraw
    from salesops_xl.territories.outputs import PALETTE

    problems = ProblemCollector()
    inp = load_alignment(MemorySource(tables, workbook="bench.xlsx"), problems)
    problems.raise_if_any()
    t0 = time.perf_counter()
    res = compute_alignment(inp)
    t_align = time.perf_counter() - t0
    t1 = time.perf_counter()
    import matplotlib.backends.backend_agg  # noqa: F401  (imported once per process: timed apart)
    mapdraw._states()  # the state outlines are read once per process
    t_once = time.perf_counter() - t1
    t1 = time.perf_counter()
    png, w, h = mapdraw.map_picture(res, palette=PALETTE)
    t_map = time.perf_counter() - t1
    return {"units": len(res.units), "align_seconds": round(t_align, 3), "map_seconds": round(t_map, 3),
            "import_and_states_seconds": round(t_once, 3),
            "map_over_align": round(t_map / t_align, 3), "png_kb": round(len(png) / 1024, 1), "size": [w, h]}


def full_model(prob):
    """The whole N x T model with fixed centres (the reps' homes) as scipy arrays."""
    import scipy.sparse as sp

    C = AL.cost_matrix(prob, prob.home_lat, prob.home_lon)
    N, T = C.shape
    tgt = AL.targets(prob)[0]
    a = prob.measures[:, 0]
    nv = N * T
    u = np.repeat(np.arange(N), T)
    t = np.tile(np.arange(T), N)
    E = sp.csr_matrix((np.ones(nv), (u, np.arange(nv))), shape=(N, nv))
    B = sp.csr_matrix((a[u] / tgt[t], (t, np.arange(nv))), shape=(T, nv))
    return C.ravel(), E, B, prob.tolerance


def run_lp_full(tables) -> dict:
    from scipy.optimize import linprog
    import scipy.sparse as sp

    c, E, B, tol = full_model(alignment_problem(tables))
    t0 = time.perf_counter()
    res = linprog(c, A_ub=sp.vstack([B, -B]), b_ub=np.r_[np.full(B.shape[0], 1 + tol), np.full(B.shape[0], -(1 - tol))],
                  A_eq=E, b_eq=np.ones(E.shape[0]), bounds=(0, None), method="highs")
    return {"seconds": round(time.perf_counter() - t0, 3), "objective": float(res.fun), "status": res.message}


def run_milp_full(tables, limit: float = 10.0) -> dict:
    from scipy.optimize import Bounds, LinearConstraint, milp

    prob = alignment_problem(tables)
    c, E, B, tol = full_model(prob)
    t0 = time.perf_counter()
    res = milp(c, constraints=[LinearConstraint(E, 1, 1), LinearConstraint(B, 1 - tol, 1 + tol)],
               integrality=np.ones(len(c)), bounds=Bounds(0, 1), options={"time_limit": limit})
    sec = time.perf_counter() - t0
    if res.x is None:
        return {"seconds": round(sec, 3), "objective": None, "status": res.message}
    x = res.x.reshape(E.shape[0], -1).argmax(axis=1)
    dev = np.abs(AL.loads_of(prob, x) / AL.targets(prob) - 1.0)
    return {"seconds": round(sec, 3), "objective": float(res.fun), "max_deviation": float(dev.max()),
            "status": res.message}


def run_leads(tables) -> tuple[dict, object]:
    src = MemorySource(tables, workbook="bench.xlsx")
    t0 = time.perf_counter()
    problems = ProblemCollector()
    inp = load_leads(src, problems)
    problems.raise_if_any()
    t1 = time.perf_counter()
    res = route(inp)
    t2 = time.perf_counter()
    jain = res.fairness["JainIndex"].to_numpy()
    return ({"seconds": round(t2 - t0, 3), "read_tables": round(t1 - t0, 3), "route": round(t2 - t1, 3),
             "leads": int(inp.n_leads), "reps": int(len(inp.reps)),
             "rules": {k: int(v) for k, v in zip(res.rules["Rule"], res.rules["Leads"])},
             "worst_pool_max_deviation": float(np.nanmax(res.fairness["MaxDeviation"])),
             "lowest_pool_jain": float(np.nanmin(jain))}, (inp, res))


def run_reference(inp, res) -> dict:
    from territory_reference_routing import route_reference

    t0 = time.perf_counter()
    assigned, rule, _, _ = route_reference(inp)
    sec = time.perf_counter() - t0
    same = bool(np.array_equal(assigned, res.rep_index) and np.array_equal(rule, res.rule_code))
    return {"seconds": round(sec, 3), "identical_assignments": same}


def run_cli(kind: str, tables, tmp: Path) -> dict:
    wb = tmp / f"bench-{kind}.xlsx"
    write_sheets(None, wb, input_sheets(tables))
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "territories", kind, str(wb)], capture_output=True,
                       text=True, cwd=ROOT)
    sec = time.perf_counter() - t0
    return {"seconds": round(sec, 3), "exit": p.returncode, "output": (p.stdout or p.stderr).strip()[-300:],
            "workbook_mb": round(wb.stat().st_size / 1e6, 2), "load": round(os.getloadavg()[0], 2)}


# -- main --------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="only the two headline figures")
    args = ap.parse_args()
    out: dict = {"machine": {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                             "load_at_start": [round(x, 2) for x in os.getloadavg()]}, "targets": {
        "align_seconds": AL.DEFAULT_TIME_LIMIT, "align_max_deviation": 0.05, "align_gap": 0.01,
        "leads_seconds": 2.0}}
    base = zip_units()
    tables = {**base, "AlignSettings": align_settings()}
    print("alignment: 10,000 ZIP units x 50 territories", flush=True)
    out["align"] = run_align(tables)
    print("  align", out["align"], flush=True)
    out["map"] = run_map(tables)
    print("  map picture", out["map"], flush=True)
    lt = lead_tables()
    print("leads: 100,000 leads x 500 reps", flush=True)
    out["leads"], (inp, res) = run_leads(lt)
    print("  leads", out["leads"], flush=True)
    if not args.quick:
        out["lp-full"] = run_lp_full(tables)
        print("  lp-full", out["lp-full"], flush=True)
        out["milp-full"] = run_milp_full(tables)
        print("  milp-full", out["milp-full"], flush=True)
        out["align-both"] = run_align({**base, "AlignSettings": align_settings(balance="Both")})
        print("  align-both", out["align-both"], flush=True)
        u = base["TerritoryUnits"]
        e = delaunay_edges(u["Latitude"].to_numpy(), u["Longitude"].to_numpy())
        adj = pd.DataFrame({"UnitID": u["UnitID"].to_numpy()[e[:, 0]], "NeighbourID": u["UnitID"].to_numpy()[e[:, 1]]})
        out["align-contiguous"] = run_align({**base, "UnitAdjacency": adj,
                                             "AlignSettings": align_settings(contiguity="Yes")})
        out["align-contiguous"]["edges"] = int(len(e))
        print("  align-contiguous", out["align-contiguous"], flush=True)
        out["align-optimised"] = run_align({**base, "AlignSettings": align_settings(centres="Optimised")})
        print("  align-optimised", out["align-optimised"], flush=True)
        out["align-60s"] = run_align(tables, time_limit=60.0)  # baseline: the same with a 60 s budget
        print("  align-60s", out["align-60s"], flush=True)
        out["align-distances"] = run_align(tables, distances=True)
        print("  align-distances", out["align-distances"], flush=True)
        small = {**zip_units(443, 10, seed=5), "AlignSettings": align_settings()}
        out["align-443"] = run_align(small)
        print("  align-443", out["align-443"], flush=True)
        out["align-443-exact"] = run_align(small, time_limit=60.0, exact_share=1.0)
        print("  align-443-exact", out["align-443-exact"], flush=True)
        out["align-budgets"] = run_budgets(tables)
        print("  align-budgets", out["align-budgets"], flush=True)
        out["assign100"] = run_assign100()
        print("  assign100", out["assign100"], flush=True)
        out["leads-reference"] = run_reference(inp, res)
        print("  leads-reference", out["leads-reference"], flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            out["cli-align"] = run_cli("align", tables, Path(tmp))
            print("  cli-align", out["cli-align"], flush=True)
            out["cli-leads"] = run_cli("leads", lt, Path(tmp))
            print("  cli-leads", out["cli-leads"], flush=True)
    out["machine"]["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report(out)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "territories.json").write_text(json.dumps(out, indent=2, default=str))
    print(f"\nwritten to {HERE / 'out' / 'territories.json'}")


def report(out: dict) -> None:
    a, l, t = out["align"], out["leads"], out["targets"]
    rows = [("alignment 10k x 50: seconds", a["seconds"], t["align_seconds"], a["seconds"] / t["align_seconds"]),
            ("alignment: largest |deviation|", a["max_deviation"], t["align_max_deviation"],
             a["max_deviation"] / t["align_max_deviation"]),
            ("alignment: proven gap to the lower bound", a["gap"], t["align_gap"], (a["gap"] or 0) / t["align_gap"]),
            ("leads 100k x 500: seconds", l["seconds"], t["leads_seconds"], l["seconds"] / t["leads_seconds"])]
    m = out["machine"]
    print(f"\n{m['cpus']} CPUs, load average (1, 5, 15 min) {m['load_at_start']} at the start, "
          f"{m.get('load_at_end')} at the end")
    print("%-44s %12s %10s %8s" % ("figure", "measured", "target", "ratio"))
    for name, v, tg, r in rows:
        print("%-44s %12.4f %10.4f %8.2f" % (name, v, tg, r))
    if "lp-full" in out:
        lp, mp = out["lp-full"], out["milp-full"]
        print(f"\nfull LP relaxation (HiGHS):       {lp['seconds']:.2f} s, optimum {lp['objective']:,.0f} "
              f"(engine's certified bound {a['lower_bound']:,.0f}; the engine is {lp['seconds'] / a['seconds']:.1f}x "
              f"faster, and its alignment is integral)")
        if mp.get("objective") is not None:
            print(f"full MILP (HiGHS, 10 s limit):    {mp['seconds']:.2f} s, objective {mp['objective']:,.0f} "
                  f"({mp['objective'] / a['lower_bound'] - 1:.3%} from the bound; engine "
                  f"{a['objective'] / a['lower_bound'] - 1:.3%})")
        else:
            print(f"full MILP (HiGHS, 10 s limit):    {mp['seconds']:.2f} s, no integer solution ({mp['status']})")
        for k in ("align-60s", "align-both", "align-contiguous", "align-optimised", "align-distances", "align-443",
                  "align-443-exact"):
            r = out[k]
            print(f"{k:<18} {r['seconds']:7.2f} s, largest deviation {r['max_deviation']:.3%}, gap "
                  f"{'n/a' if r['gap'] is None else format(r['gap'], '.4%')}, {r['status']}"
                  + (f", {r['contiguous_territories']}/50 contiguous" if 'contiguous_territories' in r else ""))
        s4, e4 = out["align-443"], out["align-443-exact"]
        print(f"443 x 10 in the default budget: {s4['seconds']:.2f} s vs the exact MIP alone {e4['seconds']:.2f} s "
              f"({e4['seconds'] / s4['seconds']:.1f}x); objective ratio {s4['objective'] / e4['objective']:.6f}")
        ref = out["leads-reference"]
        print(f"lead-by-lead reference:           {ref['seconds']:.2f} s (engine {ref['seconds'] / l['seconds']:.1f}x "
              f"faster), identical assignments: {ref['identical_assignments']}")
        for b, r in out["align-budgets"].items():
            print(f"budget {b:>4} s: {r['seconds']:6.2f} s ({r['seconds'] / float(b):.2f}x the budget), gap "
                  f"{'n/a' if r['gap'] is None else format(r['gap'], '.4%')}, "
                  f"load {r['load_before']}-{r['load_after']}")
        a1 = out["assign100"]
        print(f"OR-Library assign100:             {a1['seconds']:.2f} s, objective {a1['objective']:g} (published "
              f"{a1['published']}), {a1['status']}")
        print(f"CLI territories align:            {out['cli-align']['seconds']:.2f} s whole process, default budget "
              f"{AL.DEFAULT_TIME_LIMIT:g} s for the optimiser ({out['cli-align']['workbook_mb']} MB workbook)")
        print(f"CLI territories leads:            {out['cli-leads']['seconds']:.2f} s whole process "
              f"({out['cli-leads']['workbook_mb']} MB workbook)")


if __name__ == "__main__":
    main()
