"""Budget benchmark: a 500-cost-centre sales budget recalculated, against LibreOffice computing the same rules as
native formulas - side by side in one run.

    python bench/bench_budget.py                       # 500 cost centres (the issue's size)
    python bench/bench_budget.py --cost-centres 2000
    python bench/bench_budget.py --skip-libreoffice

The budget: 500 cost centres in 10 groups, 8 people each (4,000: salary prorated by days from the start and end
dates, benefits, variable pay with the 25/50/75% ramp), T&E, programs and tools planned by month (PlanLines),
six months of actuals for every line (Actuals), T&E re-forecast at run rate, the rest at plan.

What it measures:

* ``engine``      - the computation on validated inputs (headcount cost, lines, re-forecast; best of 7);
* ``workflow``    - what the ribbon button does: read and validate the raw tables (MemorySource), compute, build
  every output sheet with the roll-ups (best of 3);
* ``cli recalc``  - ``salesops-xl recalc`` on the generated .xlsx, whole process (wall time, peak RSS);
* ``libreoffice`` - LibreOffice headless recalculating the same budget written as an analyst's formulas: per
  person and month the prorated salary, benefits and ramped variable pay (ROUND, MIN/MAX of dates); per line and
  month SUMIFS of people, plan lines and actuals; the forecast (IF closed, actual; RunRate: ROUND(AVERAGE of the
  last 3 actuals); else plan); year-end, variances and cost-centre roll-ups by SUMIF. Whole process. Its
  year-end total is compared with ours.

The hiring funnel is left out of the formula version (no Open seats in the bench): back-scheduling has no
natural spreadsheet form beyond one formula per requisition and stage.

Results are printed with their ratios and written to bench/out/budget.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
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
sys.path.insert(0, str(HERE))

from bench_quotas import best_of, lo_profile, timed  # noqa: E402
from salesops_xl.budget import engine as E  # noqa: E402
from salesops_xl.budget.inputs import load_inputs  # noqa: E402
from salesops_xl.source import MemorySource  # noqa: E402

YEAR, CLOSED = 2026, 6
CATS = ("T&E", "Programs", "Tools")


def budget_tables(n_cc: int = 500, per_cc: int = 8, seed: int = 18) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = [f"CC-{i:04d}" for i in range(n_cc)]
    cc = pd.DataFrame({"CostCentre": ids, "Name": [f"Team {i}" for i in range(n_cc)],
                       "Group": [f"Region {i % 10}" for i in range(n_cc)], "QuotaNode": None})
    n = n_cc * per_cc
    start = np.datetime64(f"{YEAR - 3}-01-01") + rng.integers(0, 3 * 365 + 300, n).astype("timedelta64[D]")
    leave = rng.random(n) < 0.08
    end = np.where(leave, np.datetime64(f"{YEAR}-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]"),
                   np.datetime64("NaT"))
    end = np.where(leave & (end < start), start + np.timedelta64(60, "D"), end)
    hc = pd.DataFrame({"PersonID": [f"P{i:06d}" for i in range(n)], "Name": [f"Person {i}" for i in range(n)],
                       "CostCentre": np.repeat(ids, per_cc), "Role": None, "Status": "Active",
                       "StartDate": pd.to_datetime(start), "EndDate": pd.to_datetime(end),
                       "AnnualSalary": np.round(rng.uniform(55_000, 180_000, n), -2),
                       "BenefitsRate": np.round(rng.uniform(0.18, 0.3, n), 3),
                       "TargetIncentive": np.round(rng.uniform(20_000, 120_000, n), -2),
                       "ExpectedVariable": np.nan, "Source": None})
    months = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
    k = n_cc * len(CATS) * 12
    lines = pd.DataFrame({"CostCentre": np.repeat(ids, len(CATS) * 12),
                          "Category": np.tile(np.repeat(CATS, 12), n_cc), "Month": np.tile(months, n_cc * len(CATS)),
                          "Amount": np.round(rng.uniform(500, 20_000, k), 2), "Note": None})
    plan_te = lines.copy()
    acts = plan_te[plan_te.Month <= f"{YEAR}-{CLOSED:02d}"].copy()
    acts["Amount"] = np.round(acts["Amount"].to_numpy() * rng.lognormal(0, 0.1, len(acts)), 2)
    acts = acts.drop(columns="Note")
    # the ledger's payroll lines of the closed months: roughly the cost centre's monthly pay
    pay = hc.groupby("CostCentre", sort=False)[["AnnualSalary", "TargetIncentive"]].sum() / 12
    rows = []
    for mo in months[:CLOSED]:
        for cat, base in (("Salaries", pay.AnnualSalary), ("Benefits", pay.AnnualSalary * 0.24),
                          ("Variable comp", pay.TargetIncentive * 0.9)):
            rows.append(pd.DataFrame({"CostCentre": base.index, "Category": cat, "Month": mo,
                                      "Amount": np.round(base.to_numpy() * rng.lognormal(0, 0.03, len(base)), 2)}))
    acts = pd.concat([acts] + rows, ignore_index=True)
    acts["Source"] = "GL"
    plan = pd.DataFrame([{"PlanYearStart": dt.date(YEAR, 1, 1), "ActualsThrough": dt.date(YEAR, CLOSED, 30),
                          "Currency": "USD", "Reforecast": "Plan", "RunRateMonths": 3, "BenefitsRate": 0.24,
                          "NoticeDays": 30, "CostPerApplicant": 0.0, "CostPerHire": 0.0, "HiresCostCentre": None}])
    cats = pd.DataFrame({"Category": ["T&E"], "Reforecast": ["RunRate"], "Description": [None]})
    return {"BudgetPlan": plan, "CostCentres": cc, "Headcount": hc, "Categories": cats, "PlanLines": lines,
            "Actuals": acts}


def formula_workbook(path: Path, t: dict[str, pd.DataFrame]) -> None:
    """The same budget as an analyst's native formulas, written without cached values (LibreOffice computes)."""
    import openpyxl
    from openpyxl.utils import get_column_letter as L

    wb = openpyxl.Workbook(write_only=True)
    firsts = [dt.date(YEAR, m, 1) for m in range(1, 13)]
    lasts = [(dt.date(YEAR + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)) for m in range(1, 13)]
    cal = wb.create_sheet("Months")
    cal.append(["First"] + firsts)
    cal.append(["Last"] + lasts)
    hc = t["Headcount"]
    ws = wb.create_sheet("People")
    ws.append(["ID", "CC", "Start", "End", "Salary", "Ben", "TI"] + [f"S{m}" for m in range(1, 13)]
              + [f"B{m}" for m in range(1, 13)] + [f"V{m}" for m in range(1, 13)])
    for i, r in enumerate(hc.itertuples(index=False), start=2):
        end = None if pd.isna(r.EndDate) else r.EndDate.date()
        row = [r.PersonID, r.CostCentre, r.StartDate.date(), end, r.AnnualSalary, r.BenefitsRate, r.TargetIncentive]
        sal, ben, var = [], [], []
        for m in range(12):
            mc = L(m + 2)
            share = (f"MAX(0,MIN(IF(D{i}=\"\",Months!{mc}$2,D{i}),Months!{mc}$2)-MAX(C{i},Months!{mc}$1)+1)"
                     f"/DAY(Months!{mc}$2)")
            k = f"((YEAR(Months!{mc}$1)-YEAR(C{i}))*12+MONTH(Months!{mc}$1)-MONTH(C{i})+1)"
            ramp = f"IF({k}<1,0,IF({k}<=3,{k}*0.25,1))"
            sal.append(f"=ROUND(E{i}/12*{share},2)")
            ben.append(f"=ROUND({L(8 + m)}{i}*F{i},2)")
            var.append(f"=ROUND(G{i}/12*{share}*{ramp},2)")
        ws.append(row + sal + ben + var)
    n_p = len(hc) + 1
    pl = wb.create_sheet("PlanLines")
    pl.append(["CC", "Category", "Month", "Amount"])
    for r in t["PlanLines"].itertuples(index=False):
        pl.append([r.CostCentre, r.Category, int(r.Month[-2:]), r.Amount])
    n_pl = len(t["PlanLines"]) + 1
    ac = wb.create_sheet("Actuals")
    ac.append(["CC", "Category", "Month", "Amount"])
    for r in t["Actuals"].itertuples(index=False):
        ac.append([r.CostCentre, r.Category, int(r.Month[-2:]), r.Amount])
    n_ac = len(t["Actuals"]) + 1
    li = wb.create_sheet("Lines")
    head = ["CC", "Category", "Rule"] + [f"P{m}" for m in range(1, 13)] + [f"A{m}" for m in range(1, 13)] + \
        [f"F{m}" for m in range(1, 13)] + ["PlanYear", "ActualToDate", "YearEnd", "YearEndVar", "YearEndVarPct"]
    li.append(head)
    row_i = 2
    for c in t["CostCentres"]["CostCentre"]:
        for cat in ("Salaries", "Benefits", "Variable comp") + CATS:
            i = row_i
            rule = "RunRate" if cat == "T&E" else "Plan"
            p, a, f = [], [], []
            for m in range(12):
                if cat in ("Salaries", "Benefits", "Variable comp"):
                    col = L(8 + m + 12 * ("Salaries", "Benefits", "Variable comp").index(cat))
                    p.append(f"=SUMIF(People!$B$2:$B${n_p},$A{i},People!{col}$2:{col}${n_p})")
                else:
                    p.append(f"=SUMIFS(PlanLines!$D$2:$D${n_pl},PlanLines!$A$2:$A${n_pl},$A{i},"
                             f"PlanLines!$B$2:$B${n_pl},$B{i},PlanLines!$C$2:$C${n_pl},{m + 1})")
                a.append(f"=SUMIFS(Actuals!$D$2:$D${n_ac},Actuals!$A$2:$A${n_ac},$A{i},Actuals!$B$2:$B${n_ac},"
                         f"$B{i},Actuals!$C$2:$C${n_ac},{m + 1})" if m < CLOSED else 0)
                pc, acol = L(4 + m), L(16 + m)
                rr = f"ROUND(AVERAGE({L(16 + CLOSED - 3)}{i}:{L(16 + CLOSED - 1)}{i}),2)"
                f.append(f"={acol}{i}" if m < CLOSED else f"=IF($C{i}=\"RunRate\",{rr},{pc}{i})")
            li.append([c, cat, rule] + p + a + f + [
                f"=SUM(D{i}:O{i})", f"=SUM(P{i}:{L(15 + CLOSED)}{i})", f"=SUM(AB{i}:AM{i})", f"=AP{i}-AN{i}",
                f"=IF(AN{i}=0,\"\",AQ{i}/AN{i})"])
            row_i += 1
    n_l = row_i - 1
    ro = wb.create_sheet("Rollup")
    ro.append(["CC", "PlanYear", "YearEnd", "Variance"])
    for j, c in enumerate(t["CostCentres"]["CostCentre"], start=2):
        ro.append([c, f"=SUMIF(Lines!$A$2:$A${n_l},A{j},Lines!$AN$2:$AN${n_l})",
                   f"=SUMIF(Lines!$A$2:$A${n_l},A{j},Lines!$AP$2:$AP${n_l})", f"=C{j}-B{j}"])
    n_r = len(t["CostCentres"]) + 1
    ro.append(["Total", f"=SUM(B2:B{n_r})", f"=SUM(C2:C{n_r})", f"=C{n_r + 1}-B{n_r + 1}"])
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cost-centres", type=int, default=500)
    ap.add_argument("--skip-libreoffice", action="store_true")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    res: dict = {"cost_centres": args.cost_centres, "machine": platform.platform(), "cpus": os.cpu_count(),
                 "python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__}
    tables = budget_tables(args.cost_centres)
    res.update({"people": len(tables["Headcount"]), "plan_lines_rows": len(tables["PlanLines"]),
                "actuals_rows": len(tables["Actuals"])})
    print(f"budget: {args.cost_centres} cost centres, {res['people']:,} people, {res['plan_lines_rows']:,} plan "
          f"rows, {res['actuals_rows']:,} actual rows")
    inp = load_inputs(MemorySource(tables, workbook="bench.xlsx"))
    t_engine, r = best_of(lambda: E.compute(inp, computed_at="bench"), 7)

    def workflow():
        from salesops_xl.budget.workflow import recalc_budget

        return recalc_budget(MemorySource(tables, workbook="bench.xlsx"), computed_at="bench")

    t_wf, wf = best_of(workflow, 3)
    m = E.line_measures(r.plan, r.actual, r.forecast, r.closed)
    res.update({"engine_seconds": round(t_engine, 4), "workflow_seconds": round(t_wf, 4), "lines": len(r.line_cc),
                "rows_written": int(sum(t.n_rows for s in wf.sheets for t in s.tables)),
                "engine_year_end_total": int(m["YearEndForecast"].sum()) / 100,
                "engine_plan_total": int(m["PlanYear"].sum()) / 100})
    tmp = Path(tempfile.mkdtemp(prefix="bench-budget-"))
    try:
        from salesops_xl.budget.template import budget_input_sheets
        from salesops_xl.xlsx.writer import write_sheets

        wbp = tmp / "budget-bench.xlsx"
        write_sheets(None, wbp, budget_input_sheets(tables))
        res["workbook_mib"] = round(wbp.stat().st_size / 2**20, 2)
        res["cli_recalc"] = timed([sys.executable, "-m", "salesops_xl.cli", "recalc", str(wbp), "--kind", "budget",
                                   "-q"])
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice and not args.skip_libreoffice:
            fx = tmp / "formulas.xlsx"
            t0 = time.perf_counter()
            formula_workbook(fx, tables)
            res["formula_workbook_write_seconds"] = round(time.perf_counter() - t0, 2)
            outdir = tmp / "lo"
            cmd = [soffice, f"-env:UserInstallation={lo_profile(tmp)}", "--headless", "--norestore",
                   "--convert-to", "xlsx", "--outdir", str(outdir), str(fx)]
            try:
                res["libreoffice"] = timed(cmd, timeout=3600)
                import python_calamine as pc

                rows = pc.CalamineWorkbook.from_path(str(outdir / "formulas.xlsx")).get_sheet_by_name(
                    "Rollup").to_python()
                total = rows[-1]
                res["libreoffice_plan_total"] = total[1]
                res["libreoffice_year_end_total"] = total[2]
            except subprocess.TimeoutExpired:
                res["libreoffice"] = {"seconds": None, "note": "timed out after 3600 s"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    (out / "budget.json").write_text(json.dumps(res, indent=2, default=str))
    print(f"  engine (compute)            {res['engine_seconds']:>9.3f} s   {res['lines']:,} lines x 12 months")
    print(f"  workflow (read+compute+sheets) {res['workflow_seconds']:>6.3f} s   {res['rows_written']:,} rows written")
    cr = res["cli_recalc"]
    print(f"  cli recalc (whole process)  {cr['seconds']:>9.3f} s   peak {cr['peak_mib']} MiB, "
          f"workbook {res['workbook_mib']} MiB")
    lo = res.get("libreoffice")
    if lo and lo.get("seconds"):
        print(f"  libreoffice (formulas)      {lo['seconds']:>9.3f} s   peak {lo['peak_mib']} MiB: "
              f"{lo['seconds'] / cr['seconds']:.1f}x our whole recalc, {lo['seconds'] / t_wf:.0f}x the workflow")
        print(f"  year-end total: ours {res['engine_year_end_total']:,.2f}, LibreOffice "
              f"{res['libreoffice_year_end_total']:,.2f}; plan ours {res['engine_plan_total']:,.2f}, LibreOffice "
              f"{res['libreoffice_plan_total']:,.2f}")


if __name__ == "__main__":
    main()
