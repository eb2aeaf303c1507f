"""Quota benchmark: 10,000 reps x 12 months allocated and phased, against the issue's 1-second budget,
a plain-Python per-rep implementation of the same rules, and LibreOffice computing the same allocation as
native formulas - side by side in one run.

    python bench/bench_quotas.py                   # 10,000 reps (the issue's size)
    python bench/bench_quotas.py --reps 50000      # larger
    python bench/bench_quotas.py --skip-libreoffice

What it measures:

* ``allocate+phase`` - the engine's top-down allocation (4 levels, blend of even/history/potential, floors and
  ceilings, over-assignment, largest remainder) and monthly phasing (seasonality x ramp), on validated inputs:
  the issue's "allocated and phased" (best of 7, in process);
* ``engine``        - the whole computation: the above + seasonality, run rates, local currencies, capacity and
  hiring plan (best of 7);
* ``workflow``      - what a script/ribbon button does: read and validate the raw tables (MemorySource), compute,
  build every output sheet (best of 3);
* ``cli recalc``    - ``salesops-xl recalc`` on the generated .xlsx, whole process (wall time, peak RSS);
* ``python loops``  - the same allocation and phasing written as per-rep Python loops (a typical macro or
  script), on the same org; its numbers are checked equal to the engine's;
* ``libreoffice``   - LibreOffice headless recalculating the same allocation and phasing written as native
  formulas (SUMIF team weights, shares, ROUND), like an analyst's spreadsheet; whole process.

Results are printed with their ratios and written to bench/out/quotas.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from salesops_xl.quotas import engine as E  # noqa: E402
from salesops_xl.quotas.inputs import load_inputs  # noqa: E402
from salesops_xl.source import MemorySource  # noqa: E402

BUDGET_SECONDS = 1.0  # the issue: 10,000 reps x 12 months allocated and phased in at most 1 s
YEAR = 2026
SEASON = np.array([0.7, 0.8, 1.1, 0.8, 0.9, 1.2, 0.7, 0.8, 1.1, 0.9, 1.0, 1.5])


def org_tables(n_reps: int = 10_000, seed: int = 5, *, simple: bool = False) -> dict[str, pd.DataFrame]:
    """Company -> 5 VPs -> directors -> managers (10 seats each) -> seats, with a year of monthly history.

    ``simple``: the configuration the plain-Python baseline implements (blend of even and potential, even
    seasonality, no floors/ceilings/currencies) so both can be checked equal.
    """
    rng = np.random.default_rng(seed)
    n_mgr = max(1, n_reps // 10)
    n_dir = max(1, n_mgr // 20)
    n_vp = min(5, n_dir)
    vp = [f"VP{i:02d}" for i in range(n_vp)]
    dirs = [f"D{i:04d}" for i in range(n_dir)]
    mgrs = [f"M{i:05d}" for i in range(n_mgr)]
    reps = [f"R{i:06d}" for i in range(n_reps)]
    D = dt.date
    ids = vp + dirs + mgrs + reps
    manager = [None] * n_vp + [vp[i % n_vp] for i in range(n_dir)] + [dirs[i % n_dir] for i in range(n_mgr)] + \
        [mgrs[i % n_mgr] for i in range(n_reps)]
    n_all = len(ids)
    hire = np.full(n_all, np.datetime64("2019-01-01"), dtype="datetime64[D]")
    status = np.full(n_all, "Active", dtype=object)
    term = np.full(n_all, np.datetime64("NaT"), dtype="datetime64[D]")
    s0 = n_vp + n_dir + n_mgr
    u = rng.random(n_reps)
    tenured_days = rng.integers(0, 6 * 365, n_reps)
    h = np.datetime64("2018-01-01") + tenured_days.astype("timedelta64[D]")
    h = np.where(u < 0.85, h, np.datetime64("2025-01-01") + rng.integers(0, 365, n_reps).astype("timedelta64[D]"))
    h = np.where(u < 0.92, h, np.datetime64("2026-01-01") + rng.integers(0, 330, n_reps).astype("timedelta64[D]"))
    hire[s0:] = h
    status[s0:] = np.where(u > 0.97, "Open", "Active")
    if not simple:
        leave = (rng.random(n_reps) < 0.03) & (u < 0.85)
        term[s0:][leave] = np.datetime64("2026-03-01") + rng.integers(0, 270, int(leave.sum())).astype("timedelta64[D]")
    ccy = np.full(n_all, "USD", dtype=object)
    if not simple:
        region = np.array([i % n_vp for i in range(n_all)])
        ccy = np.where(region == 3, "EUR", np.where(region == 4, "GBP", "USD")).astype(object)
        # a team shares its manager's currency
        ccy[s0:] = ccy[n_vp + n_dir + np.arange(n_reps) % n_mgr]
    potential = np.full(n_all, np.nan)
    potential[s0:] = np.round(rng.lognormal(np.log(3e6), 0.4, n_reps), -3)
    floor = np.full(n_all, np.nan)
    ceiling = np.full(n_all, np.nan)
    if not simple:
        pick = rng.random(n_reps)
        floor[s0:][pick < 0.02] = 250_000.0
        ceiling[s0:][(pick >= 0.02) & (pick < 0.04)] = 900_000.0
    roster = pd.DataFrame({"RepID": ids, "RepName": [f"Person {x}" for x in ids], "ManagerID": manager,
                           "Status": status, "HireDate": hire, "TermDate": term, "Currency": ccy,
                           "Potential": potential, "Floor": floor, "Ceiling": ceiling})
    # history: a row per seat and month employed in 2025 (tenured and 2025 hires, not open seats)
    hist_ok = (status[s0:] == "Active") & (h < np.datetime64("2026-01-01"))
    rows = np.flatnonzero(hist_ok)
    hm = (h[rows].astype("datetime64[M]") - np.datetime64("2025-01", "M")).astype(np.int64)
    skill = rng.lognormal(0, 0.3, len(rows))
    rr = np.repeat(rows, 12)
    mm = np.tile(np.arange(12), len(rows))
    start = np.repeat(np.maximum(hm, 0), 12)
    keep = mm >= start
    k = mm - np.repeat(hm, 12)
    ramp = np.where(k >= 3, 1.0, np.array([0.25, 0.5, 0.75])[np.clip(k, 0, 2)])
    amount = 560_000 / 12 * SEASON[mm] / SEASON.mean() * np.repeat(skill, 12) * ramp * rng.gamma(8, 1 / 8, len(mm))
    labels = np.array([f"2025-{m + 1:02d}" for m in range(12)], dtype=object)
    history = pd.DataFrame({"RepID": np.array(reps, dtype=object)[rr[keep]], "Month": labels[mm[keep]],
                            "Amount": np.round(amount[keep], 0)})
    if simple:
        rules = pd.DataFrame([("Company", "Blend", 0.4, None, 0.6, 1.05)],
                             columns=["Node", "Method", "EvenWeight", "HistoryWeight", "PotentialWeight",
                                      "OverAssignment"])
    else:
        rr_rules = [("Company", "Blend", 0.2, 0.5, 0.3, 1.05)] + [(v, "Blend", 0.2, 0.5, 0.3, 1.08) for v in vp]
        rr_rules += [(d, "History", None, None, None, 1.10) for d in dirs[::3]]
        rr_rules += [(m, "Potential", None, None, None, 1.12) for m in mgrs[::7]]
        rules = pd.DataFrame(rr_rules, columns=["Node", "Method", "EvenWeight", "HistoryWeight", "PotentialWeight",
                                                "OverAssignment"])
    target = float(round(n_reps * 520_000, -3))
    plan = pd.DataFrame([{"PlanYearStart": D(YEAR, 1, 1), "Target": target, "Currency": "USD",
                          "Measure": "NewBusiness", "TeamMeasure": None, "RoundingUnit": 1000.0 if not simple else 1.0,
                          "Phasing": "Even" if simple else "History", "MinHistoryMonths": 3.0}])
    capacity = pd.DataFrame([{"Productivity": 600_000.0, "ExpectedAttainment": 0.85, "AttritionRate": 0.15,
                              "HiringLagMonths": 3, "ReqOpenDate": D(YEAR, 1, 1), "MaxHiresPerMonth": None}])
    fx = pd.DataFrame({"Currency": ["EUR", "GBP"], "Rate": [0.92, 0.79]})
    empty = lambda cols: pd.DataFrame({c: [] for c in cols})  # noqa: E731
    return {"QuotaPlan": plan, "CapacityPlan": capacity, "QuotaRoster": roster, "AllocationRules": rules,
            "BookingsHistory": history if not simple else empty(["RepID", "Month", "Amount"]),
            "AccountPotential": empty(["AccountID", "RepID", "Potential"]),
            "SeasonalProfile": empty(["Month", "Weight"]),
            "RampCurve": pd.DataFrame({"Month": [1, 2, 3], "Pct": [0.25, 0.5, 0.75]}), "PlanFXRates": fx}


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def allocate_and_phase(inp):
    """The issue's measure: allocate through the hierarchy and phase into months (engine functions)."""
    ppl = inp.people
    n = ppl.n
    leaf = ppl.is_leaf
    months = np.concatenate([E.HISTORY_MONTHS, E.PLAN_MONTHS])
    _, _, ramp_all = E.ramp_matrix(ppl.hire_mi, ppl.term_mi, months, inp.ramp)
    h_ramp, ramp = ramp_all[:, :12], np.where(leaf[:, None], ramp_all[:, 12:], 0.0)
    from salesops_xl.errors import ProblemCollector

    problems = ProblemCollector()
    season, _ = E._seasonality(inp, h_ramp, problems)
    fte = (ramp * season).sum(axis=1) / 12
    rate, _, _ = E._run_rates(inp, h_ramp, season, fte, problems)
    pot = np.nan_to_num(inp.potential)
    basis = np.column_stack([fte, fte * np.nan_to_num(rate), fte * pot])
    basis[~leaf] = 0
    alloc = E.allocate_tree(inp, basis, fte, problems, [])
    monthly = E._phase(inp, alloc, ramp, season)
    assert not problems
    return alloc, monthly


# -- the plain-Python baseline --------------------------------------------------------------------------------

def python_loops(tables: dict[str, pd.DataFrame]) -> dict[str, list[int]]:
    """Blend of even (ramped FTE) and potential, over-assignment, largest remainder, ramp phasing: per-rep loops.

    The way a script or macro walks the org: dicts of people, a loop per manager, a loop per rep and month.
    Even seasonality, no floors/ceilings, unit 1 (the ``simple`` org).
    """
    ros = tables["QuotaRoster"]
    rule = tables["AllocationRules"].iloc[0]
    be, bp, oa = float(rule.EvenWeight), float(rule.PotentialWeight), float(rule.OverAssignment)
    target = float(tables["QuotaPlan"].Target.iloc[0])
    curve = [0.25, 0.5, 0.75]
    people = {}
    children: dict[str | None, list[str]] = {}
    for r in ros.itertuples(index=False):
        hire = pd.Timestamp(r.HireDate)
        hm = (hire.year - YEAR) * 12 + hire.month - 1
        ramp = []
        for m in range(12):
            k = m - hm + 1
            ramp.append(0.0 if k < 1 else (curve[k - 1] if k <= len(curve) else 1.0))
        people[r.RepID] = {"ramp": ramp, "pot": 0.0 if pd.isna(r.Potential) else float(r.Potential)}
        children.setdefault(r.ManagerID if isinstance(r.ManagerID, str) else None, []).append(r.RepID)

    def bases(node):  # (fte, fte x potential) of a subtree
        kids = children.get(node, [])
        if not kids:
            f = sum(people[node]["ramp"]) / 12.0
            return f, f * people[node]["pot"]
        f = p = 0.0
        for c in kids:
            cf, cp = bases(c)
            f += cf
            p += cp
        return f, p

    memo = {}
    sys.setrecursionlimit(10_000)

    def base(node):
        if node not in memo:
            memo[node] = bases(node) if not children.get(node) else (
                sum(base(c)[0] for c in children[node]), sum(base(c)[1] for c in children[node]))
        return memo[node]

    def lr(total, exact):
        base_ = [int(np.floor(round(x, 6))) for x in exact]
        frac = [round(round(x, 6) - b, 6) for x, b in zip(exact, base_)]
        missing = total - sum(base_)
        order = sorted(range(len(exact)), key=lambda i: (-frac[i], i))
        for i in order[:missing]:
            base_[i] += 1
        return base_

    def half_away(x):
        y = round(x, 6)
        return int(np.sign(y) * np.floor(abs(y) + 0.5))

    quota = {}
    top = half_away(target)
    queue = [(None, top)]
    while queue:
        node, t = queue.pop()
        kids = children.get(node, [])
        if not kids:
            continue
        X = half_away(t * oa)
        fs = [base(c)[0] for c in kids]
        ps = [base(c)[1] for c in kids]
        sf, sp = sum(fs), sum(ps)
        shares = [be * f / sf + bp * p / sp for f, p in zip(fs, ps)]
        ss = sum(shares)
        got = lr(X, [X * s / ss for s in shares])
        for c, q in zip(kids, got):
            quota[c] = q
            queue.append((c, q))
    months = {}
    for rep, p in people.items():
        if children.get(rep):
            continue
        w = p["ramp"]
        sw = sum(w)
        q = quota.get(rep, 0)
        months[rep] = lr(q, [q * x / sw for x in w]) if sw > 0 else [0] * 12
    return months


# -- the LibreOffice baseline ---------------------------------------------------------------------------------

def formula_workbook(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """The simple org's allocation as native formulas: FTE from hire month, team weights by SUMIF, shares x team
    target x over-assignment, months by ramp. Written without cached values (LibreOffice computes all)."""
    import openpyxl

    ros = tables["QuotaRoster"]
    rule = tables["AllocationRules"].iloc[0]
    be, bp, oa = float(rule.EvenWeight), float(rule.PotentialWeight), float(rule.OverAssignment)
    target = float(tables["QuotaPlan"].Target.iloc[0])
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Org")
    ws.append(["ID", "Manager", "Level", "HireMonth", "Potential", "FTE", "FTExPot", "TeamFTE", "TeamPot",
               "ParentTarget", "Share", "Quota"] + [f"M{m + 1}" for m in range(12)])
    n = len(ros)
    last = n + 1
    depth = {}
    for r in ros.itertuples(index=False):
        mgr = r.ManagerID if isinstance(r.ManagerID, str) else None
        depth[r.RepID] = 1 if mgr is None else depth[mgr] + 1
    has_kids = set(x for x in ros.ManagerID if isinstance(x, str))
    for i, r in enumerate(ros.itertuples(index=False), start=2):
        mgr = r.ManagerID if isinstance(r.ManagerID, str) else "(top)"
        hire = pd.Timestamp(r.HireDate)
        hm = (hire.year - YEAR) * 12 + hire.month - 1
        ramp_cells = [f"IF({m}-D{i}+1<1,0,IF({m}-D{i}+1<=3,({m}-D{i}+1)*0.25,1))" for m in range(12)]
        leaf = r.RepID not in has_kids
        fte = f"=({'+'.join(ramp_cells)})/12" if leaf else f"=SUMIF($B$2:$B${last},A{i},$F$2:$F${last})"
        fxp = f"=F{i}*E{i}" if leaf else f"=SUMIF($B$2:$B${last},A{i},$G$2:$G${last})"
        parent_t = f"={target}" if mgr == "(top)" else f"=INDEX($L$2:$L${last},MATCH(B{i},$A$2:$A${last},0))"
        row = [r.RepID, mgr, depth[r.RepID], hm, 0.0 if pd.isna(r.Potential) else float(r.Potential), fte, fxp,
               f"=SUMIF($B$2:$B${last},B{i},$F$2:$F${last})", f"=SUMIF($B$2:$B${last},B{i},$G$2:$G${last})",
               parent_t, f"={be}*F{i}/H{i}+{bp}*G{i}/I{i}", f"=ROUND(J{i}*{oa}*K{i},0)"]
        row += [f"=ROUND(L{i}*{ramp_cells[m]}/({'+'.join(ramp_cells)}),0)" if leaf else None for m in range(12)]
        ws.append(row)
    wb.save(path)


def lo_profile(tmp: Path) -> str:
    prof = tmp / "lo-profile"
    (prof / "user").mkdir(parents=True, exist_ok=True)
    (prof / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item>\n'
        '</oor:items>\n')
    return prof.as_uri()


def timed(cmd: list[str], timeout: float | None = None) -> dict:
    """Wall seconds and peak RSS (MiB, via /usr/bin/time -v when available) of a whole process."""
    use_time = Path("/usr/bin/time").exists()
    t0 = time.perf_counter()
    p = subprocess.run((["/usr/bin/time", "-v"] if use_time else []) + cmd, capture_output=True, text=True,
                       timeout=timeout)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr[-3000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr) if use_time else None
    return {"seconds": round(wall, 3), "peak_mib": round(int(m.group(1)) / 1024, 1) if m else None,
            "stdout": p.stdout.strip()[-300:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=10_000)
    ap.add_argument("--skip-libreoffice", action="store_true")
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    res: dict = {"reps": args.reps, "budget_seconds": BUDGET_SECONDS, "machine": platform.platform(),
                 "cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__}
    tables = org_tables(args.reps)
    people = len(tables["QuotaRoster"])
    print(f"org: {people:,} people ({args.reps:,} seats), {len(tables['BookingsHistory']):,} history rows, "
          f"{len(tables['AllocationRules'])} rules")
    t0 = time.perf_counter()
    inp = load_inputs(MemorySource(tables, workbook="bench.xlsx"))
    res["validate_seconds"] = round(time.perf_counter() - t0, 4)
    t_ap, (alloc, monthly) = best_of(lambda: allocate_and_phase(inp), 7)
    n = inp.people.n
    assert (monthly.sum(axis=1) == alloc.quota).all()
    t_engine, result = best_of(lambda: E.compute(inp, computed_at="bench"), 7)

    def workflow():
        from salesops_xl.quotas.workflow import recalc_quotas

        return recalc_quotas(MemorySource(tables, workbook="bench.xlsx"), computed_at="bench")

    t_wf, wf = best_of(workflow, 3)
    res.update({"allocate_phase_seconds": round(t_ap, 4), "engine_seconds": round(t_engine, 4),
                "workflow_seconds": round(t_wf, 4),
                "rows_written": int(sum(t.n_rows for s in wf.sheets for t in s.tables))})
    # the plain-Python baseline on the simple org, checked equal to the engine
    simple = org_tables(args.reps, simple=True)
    sinp = load_inputs(MemorySource(simple, workbook="simple.xlsx"))
    t_eng_s, (salloc, smonthly) = best_of(lambda: allocate_and_phase(sinp), 5)
    t_py, py = best_of(lambda: python_loops(simple), 1)
    ids = list(sinp.people.ids)
    leaf = sinp.people.is_leaf
    same = all(py[ids[i]] == smonthly[i].tolist() for i in np.flatnonzero(leaf))
    res.update({"simple_allocate_phase_seconds": round(t_eng_s, 4), "python_loops_seconds": round(t_py, 3),
                "python_loops_same_numbers": bool(same)})
    tmp = Path(tempfile.mkdtemp(prefix="bench-quotas-"))
    try:
        if not args.skip_cli:
            from salesops_xl.quotas.template import quota_input_sheets
            from salesops_xl.xlsx.writer import write_sheets

            wbp = tmp / "quotas-bench.xlsx"
            write_sheets(None, wbp, quota_input_sheets(tables))
            res["workbook_mib"] = round(wbp.stat().st_size / 2**20, 2)
            res["cli_recalc"] = timed([sys.executable, "-m", "salesops_xl.cli", "recalc", str(wbp), "--kind",
                                       "quotas", "-q"])
            res["cli_startup"] = timed([sys.executable, "-c", "import salesops_xl.cli, salesops_xl.quotas.engine"])
            from salesops_xl import batch

            rep = batch.recalc(wbp, kind="quotas", computed_at="bench")  # the same, in process: where time goes
            res["recalc_in_process"] = {k: round(v, 3) for k, v in rep.timings.items()}
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice and not args.skip_libreoffice:
            fx = tmp / "formulas.xlsx"
            formula_workbook(fx, simple)
            outdir = tmp / "lo"
            cmd = [soffice, f"-env:UserInstallation={lo_profile(tmp)}", "--headless", "--norestore",
                   "--convert-to", "xlsx", "--outdir", str(outdir), str(fx)]
            try:
                res["libreoffice"] = timed(cmd, timeout=1800)
                import python_calamine as pc

                rows = pc.CalamineWorkbook.from_path(str(outdir / "formulas.xlsx")).get_sheet_by_name(
                    "Org").to_python()
                head = rows[0]
                q = {r[0]: r[head.index("Quota")] for r in rows[1:]}
                top = [r[0] for r in rows[1:] if r[1] == "(top)"]
                seats = [ids[i] for i in np.flatnonzero(leaf)]
                lo_total = sum(q[s] for s in seats)
                res["libreoffice_seat_total"] = lo_total
                res["engine_seat_total"] = int(salloc.quota[:sinp.people.n][leaf].sum())
                res["libreoffice_top_level_total"] = sum(q[t] for t in top)
            except subprocess.TimeoutExpired:
                res["libreoffice"] = {"seconds": None, "note": "timed out after 1800 s"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    (out / "quotas.json").write_text(json.dumps(res, indent=2, default=str))
    b = BUDGET_SECONDS

    def line(name, sec, note=""):
        if sec is None:
            print(f"  {name:<38} {'-':>10}  {note}")
            return
        print(f"  {name:<38} {sec:>9.3f}s  {sec / b:>6.1%} of the 1 s budget{('  ' + note) if note else ''}")

    print(f"\n{args.reps:,} reps x 12 months (budget {b:g} s; best of 7 in process unless stated)")
    line("allocate + phase (engine)", res["allocate_phase_seconds"])
    line("engine: + seasonality, capacity plan", res["engine_seconds"])
    line("workflow: validate + compute + sheets", res["workflow_seconds"], f"{res['rows_written']:,} rows")
    if "cli_recalc" in res:
        c = res["cli_recalc"]
        line("salesops-xl recalc (whole process)", c["seconds"],
             f"peak {c['peak_mib']} MiB; {res['workbook_mib']} MiB workbook; interpreter+imports "
             f"{res['cli_startup']['seconds']:.2f} s")
        t = res["recalc_in_process"]
        print(f"  {'':<38} in process: read+compute {t['read+compute']:.2f} s (xlsx reader + engine + sheets), "
              f"write {t['write']:.2f} s")
    print(f"\nsame rules, simple org (blend even/potential, no bounds), side by side:")
    t_s, t_p = res["simple_allocate_phase_seconds"], res["python_loops_seconds"]
    print(f"  {'engine allocate + phase':<38} {t_s:>9.3f}s")
    print(f"  {'plain-Python per-rep loops':<38} {t_p:>9.3f}s  {t_p / t_s:>8.0f}x slower; same numbers: "
          f"{res['python_loops_same_numbers']}")
    lo = res.get("libreoffice")
    if lo and lo.get("seconds"):
        print(f"  {'LibreOffice native formulas':<38} {lo['seconds']:>9.3f}s  {lo['seconds'] / t_s:>8.0f}x slower "
              f"(whole process, peak {lo['peak_mib']} MiB); seat quotas total {res['libreoffice_seat_total']:,.0f} "
              f"vs exact {res['engine_seat_total']:,} (ROUND per cell does not add up)")
    elif lo:
        print(f"  {'LibreOffice native formulas':<38} {lo.get('note')}")
    print(f"\nwritten to {out / 'quotas.json'}")


if __name__ == "__main__":
    main()
