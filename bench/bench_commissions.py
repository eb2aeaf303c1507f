"""Commission benchmark: our recalculation against its baselines, side by side in one run.

    python bench/bench_commissions.py                 # 100k and 1M deals, 5,000 reps
    python bench/bench_commissions.py --sizes 100000  # quicker

What it measures (whole processes timed with /usr/bin/time -v: wall time and peak RSS):

* ``recalc``     - ``salesops-xl recalc`` on a generated workbook (in place);
* ``calamine``   - python-calamine just reading the same workbook's tables (the 1M target is 2x this);
* ``openpyxl``   - openpyxl loading and saving the same workbook (the in-place target is 20x faster);
* ``libreoffice``- LibreOffice headless recalculating the same plan written as native formulas
                   on the 100k-deal workbook: per rep and month a SUMIFS of credit, the YTD running
                   sum, the marginal tier formula and the YTD true-up (our Payouts table, by formulas);
                   its payables are checked against ours to the cent;
* ``kernel``     - the engine's kernel alone (credit cube -> earnings), in process, best of 5;
* ``stages``     - where one more recalc's time goes, by the stages it reports (reading tables, computing,
                   building sheets, writing workbook), beside python-calamine's two steps on the input (parsing
                   the sheets, then ``to_python``).

Results go to bench/out/commissions.json and are printed as a table with the ratios.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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

from salesops_xl.commissions import schema as S  # noqa: E402
from salesops_xl.templates import table_block  # noqa: E402
from salesops_xl.sheets import SheetSpec  # noqa: E402

TIERS = [(0.0, 0.5, 0.04), (0.5, 1.0, 0.06), (1.0, None, 0.10)]
QUOTA_MONTH = 20_000.0


def bench_tables(n_deals: int, n_reps: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """One plan, one monthly YTD marginal measure with 3 tiers; n_deals single-rep deals over a year."""
    rng = np.random.default_rng(seed)
    reps = [f"R{i:05d}" for i in range(n_reps)]
    roster = pd.DataFrame({"RepID": reps, "RepName": [f"Rep {i}" for i in range(n_reps)],
                           "ManagerID": [None] * n_reps, "PlanID": "AE", "Currency": "USD",
                           "HireDate": dt.date(2020, 1, 1), "TermDate": None, "TargetIncentive": 50_000.0})
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    quotas = pd.DataFrame({"RepID": np.repeat(reps, 12), "Measure": "NB", "Period": np.tile(months, n_reps),
                           "Quota": QUOTA_MONTH})
    day0 = np.datetime64("2026-01-01")
    days = rng.integers(0, 365, n_deals)
    deals = pd.DataFrame({
        "DealID": [f"D{i:07d}" for i in range(n_deals)],
        "RepID": np.array(reps, dtype=object)[rng.integers(0, n_reps, n_deals)],
        "SplitPct": 1.0,
        "CloseDate": (day0 + days.astype("timedelta64[D]")).astype("datetime64[D]"),
        "Measure": "NB",
        "Amount": np.round(rng.gamma(2.0, 120_000.0 * n_reps / n_deals, n_deals), 2),
        "Currency": "USD",
        "Status": "Booked",
        "CancelDate": np.full(n_deals, np.datetime64("NaT"), dtype="datetime64[D]"),
        "Product": None,
    })
    return {
        "Settings": pd.DataFrame({"Setting": ["PlanYearStart", "AsOfDate"], "Value": [dt.date(2026, 1, 1), None]}),
        "Roster": roster,
        "Plans": pd.DataFrame({"PlanID": ["AE"], "PlanName": ["Account Executive"]}),
        "PlanMeasures": pd.DataFrame([{"PlanID": "AE", "Measure": "NB", "Weight": 1.0, "PeriodType": "Month",
                                       "Basis": "YTD", "Method": "Marginal", "RateType": "Commission",
                                       "TierTable": "T", "Threshold": None, "CapType": None, "CapValue": None}]),
        "Tiers": pd.DataFrame([{"TierTable": "T", "Tier": f"T{i + 1}", "From": f, "To": t, "Rate": r}
                               for i, (f, t, r) in enumerate(TIERS)]),
        "Quotas": quotas,
        "Deals": deals,
        "Adjustments": pd.DataFrame(columns=["RepID", "Period", "Amount", "Type", "Description"]),
        "FXRates": pd.DataFrame(columns=["Month", "FromCurrency", "ToCurrency", "Rate"]),
    }


def write_workbook(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    from salesops_xl.xlsx.writer import write_sheets

    sheets = []
    for sch in S.INPUT_TABLES:
        if sch.name not in tables:  # optional tables the benchmark does not use
            continue
        block, vals = table_block(sch, tables[sch.name])
        sheets.append(SheetSpec(name=sch.name, tables=(block,), freeze="A2"))
    write_sheets(None, path, sheets)


def timed(cmd: list[str], env=None) -> dict:
    """Run a command under /usr/bin/time -v: wall seconds, CPU seconds (user + system, child processes
    included), peak RSS in MiB, and the 1-minute load average when it started (on a shared machine a
    ratio is only as good as the load both sides ran under)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([0-9.]+)", p.stderr).group(1)) for k in ("User", "System"))
    return {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 2), "peak_mib": round(rss, 1),
            "load_at_start": load, "stdout": p.stdout.strip()[-400:]}


CALAMINE_READ = """
import sys, python_calamine as pc
w = pc.CalamineWorkbook.from_path(sys.argv[1], load_tables=True)
n = 0
for t in w.table_names:
    n += len(w.get_table_by_name(t).to_python())
print(n)
"""

# where a recalc's time goes: the stages recalc reports through its progress callback, timed in one process
STAGES = """
import json, sys, time
t0 = time.perf_counter()
from salesops_xl.batch import recalc
marks = [("python and imports", t0)]
recalc(sys.argv[1], progress=lambda stage: marks.append((stage, time.perf_counter())))
ends = [t for _, t in marks[1:]] + [time.perf_counter()]
print(json.dumps({name: round(end - t, 3) for (name, t), end in zip(marks, ends)}))
"""

# python-calamine's two steps on every table: parsing the sheet (Rust, without the GIL) and handing the cells
# to Python (with it)
CALAMINE_SPLIT = """
import json, sys, time
import python_calamine as pc
w = pc.CalamineWorkbook.from_path(sys.argv[1], load_tables=True)
parse = convert = 0.0
for name in w.table_names:
    t0 = time.perf_counter()
    t = w.get_table_by_name(name)
    t1 = time.perf_counter()
    t.to_python()
    parse += t1 - t0
    convert += time.perf_counter() - t1
print(json.dumps({"parse": round(parse, 3), "to_python": round(convert, 3)}))
"""

OPENPYXL_LOAD_SAVE = """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
wb.save(sys.argv[2])
"""


def kernel_seconds(path: Path, repeat: int = 5) -> float:
    """The kernel alone: credit pieces -> credit cube -> attainment -> tiered earnings, every rep and period."""
    from salesops_xl.commissions.engine import kernel
    from salesops_xl.commissions.inputs import load_inputs
    from salesops_xl.commissions.prepare import pieces, prepare
    from salesops_xl.errors import ProblemCollector
    from salesops_xl.xlsx.reader import XlsxSource

    with XlsxSource(path) as src:
        inp = load_inputs(src)
    problems = ProblemCollector()
    plan = prepare(inp, problems)
    pcs = pieces(inp, plan, [], problems)
    problems.raise_if_any()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        kernel(inp, plan, pcs)
        best = min(best, time.perf_counter() - t0)
    return best


# -- the LibreOffice baseline: the same plan as native formulas ------------------------------------

def formula_workbook(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """The same plan as an analyst writes it in native formulas, with no cached values.

    Deals as values (with a Month column); a Payouts sheet with one row per rep and month, as our
    Payouts table: Credit = SUMIFS(Amount, RepID, rep, Month, month); CreditYTD a running sum;
    QuotaYTD; EarnedYTD = the marginal tier formula on the YTD attainment; Payable = EarnedYTD minus
    the previous month's (the YTD true-up).
    """
    import xlsxwriter

    deals, roster = tables["Deals"], tables["Roster"]
    n = len(deals)
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    deal_month = pd.to_datetime(deals.CloseDate).dt.strftime("%Y-%m").to_numpy()
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Deals")
    ws.write_row(0, 0, ["DealID", "RepID", "Amount", "Month"])
    for i, (d, rep, amt, m) in enumerate(zip(deals.DealID, deals.RepID, deals.Amount, deal_month), start=1):
        ws.write_string(i, 0, d)
        ws.write_string(i, 1, rep)
        ws.write_number(i, 2, float(amt))
        ws.write_string(i, 3, m)
    tw = wb.add_worksheet("Tiers")
    tw.write_row(0, 0, ["From", "Rate", "RateStep"])
    prev = 0.0
    for i, (f, _, rate) in enumerate(TIERS, start=1):
        tw.write_row(i, 0, [f, rate, rate - prev])
        prev = rate
    pw = wb.add_worksheet("Payouts")
    pw.write_row(0, 0, ["RepID", "Period", "Credit", "CreditYTD", "QuotaYTD", "EarnedYTD", "Payable"])
    rng = f"$2:$B${n + 1}"
    i = 0
    for rep in roster.RepID:
        for k, m in enumerate(months, start=1):
            i += 1
            row = i + 1
            pw.write_string(i, 0, rep)
            pw.write_string(i, 1, m)
            pw.write_formula(i, 2, f"=SUMIFS(Deals!$C$2:$C${n + 1},Deals!$B$2:$B${n + 1},A{row},"
                                   f"Deals!$D$2:$D${n + 1},B{row})")
            pw.write_formula(i, 3, f"=C{row}" if k == 1 else f"=D{row - 1}+C{row}")
            pw.write_number(i, 4, QUOTA_MONTH * k)
            pw.write_formula(i, 5, f"=SUMPRODUCT((D{row}>Tiers!$A$2:$A$4*E{row})*(D{row}-Tiers!$A$2:$A$4*E{row})"
                                   f"*Tiers!$C$2:$C$4)")
            pw.write_formula(i, 6, f"=F{row}" if k == 1 else f"=F{row}-F{row - 1}")
    del rng
    wb.close()


def lo_profile(tmp: Path) -> str:
    """A LibreOffice user profile that recalculates .xlsx formulas on load (default is 'never')."""
    prof = tmp / "lo-profile"
    (prof / "user").mkdir(parents=True, exist_ok=True)
    (prof / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item>\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item>\n'
        '</oor:items>\n')
    return prof.as_uri()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--reps", type=int, default=5000)
    ap.add_argument("--skip-libreoffice", action="store_true")
    ap.add_argument("--skip-openpyxl", action="store_true")
    ap.add_argument("--out", default=str(HERE / "out"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "runs": {}}
    cli = [sys.executable, "-m", "salesops_xl.cli"]
    with tempfile.TemporaryDirectory(prefix="sxl-bench-") as tmpd:
        tmp = Path(tmpd)
        for n in sizes:
            print(f"== {n:,} deals x {args.reps:,} reps", flush=True)
            tables = bench_tables(n, args.reps)
            wbk = tmp / f"deals_{n}.xlsx"
            t0 = time.perf_counter()
            write_workbook(wbk, tables)
            gen = time.perf_counter() - t0
            r: dict = {"generate_seconds": round(gen, 2), "file_mib": round(wbk.stat().st_size / 2**20, 1)}
            r["calamine_read"] = timed([sys.executable, "-c", CALAMINE_READ, str(wbk)])
            work = tmp / f"work_{n}.xlsx"
            shutil.copy(wbk, work)
            r["recalc_first"] = timed(cli + ["recalc", "-q", str(work)])
            r["recalc_again"] = timed(cli + ["recalc", "-q", str(work)])
            r["kernel_seconds"] = round(kernel_seconds(work), 4)
            r["stages"] = json.loads(timed([sys.executable, "-c", STAGES, str(work)])["stdout"].splitlines()[-1])
            r["calamine_steps"] = json.loads(timed([sys.executable, "-c", CALAMINE_SPLIT, str(wbk)])["stdout"])
            if not args.skip_openpyxl and n <= 100_000:
                r["openpyxl_load_save"] = timed([sys.executable, "-c", OPENPYXL_LOAD_SAVE, str(work),
                                                 str(tmp / "openpyxl_out.xlsx")])
            if not args.skip_libreoffice and n <= 100_000 and shutil.which("soffice"):
                fwb = tmp / f"formulas_{n}.xlsx"
                formula_workbook(fwb, tables)
                _strip_cached_values(fwb)
                conv = tmp / "lo_out"
                conv.mkdir(exist_ok=True)
                r["libreoffice_recalc"] = timed(["soffice", f"-env:UserInstallation={lo_profile(tmp)}",
                                                 "--headless", "--calc", "--convert-to", "xlsx", "--outdir",
                                                 str(conv), str(fwb)])
                r["libreoffice_agrees"] = _check_lo(conv / fwb.name, work)
            results["runs"][str(n)] = r
            print(json.dumps(r, indent=1), flush=True)
    _report(results, out)


def _strip_cached_values(path: Path) -> None:
    """xlsxwriter caches 0 for formulas; remove <v> after <f> so LibreOffice must compute them."""
    import zipfile

    src = path.with_suffix(".tmp.xlsx")
    path.rename(src)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data)
            zout.writestr(item, data)
    src.unlink()


def _check_lo(lo_xlsx: Path, ours: Path) -> dict:
    """Compare LibreOffice's payable per rep and month with our Payouts table's, to the cent."""
    import python_calamine as pc

    rows = pc.CalamineWorkbook.from_path(str(lo_xlsx)).get_sheet_by_name("Payouts").to_python()
    lo = {(r[0], r[1]): float(r[6]) for r in rows[1:]}
    t = pc.CalamineWorkbook.from_path(str(ours), load_tables=True).get_table_by_name("Payouts")
    rep, period, payable = (t.columns.index(c) for c in ("RepID", "Period", "Payable"))
    mine = {(r[rep], r[period]): float(r[payable]) for r in t.to_python()}
    diffs = [abs(v - mine.get(k, 0.0)) for k, v in lo.items()]
    return {"rep_months": len(lo), "nonzero_values_computed_by_libreoffice": sum(1 for v in lo.values() if v),
            "max_abs_difference": round(max(diffs), 4)}


def _report(results: dict, out: Path) -> None:
    (out / "commissions.json").write_text(json.dumps(results, indent=2))
    print("\n| deals | recalc s (peak MiB) | calamine read s | ratio | CPU s, recalc / calamine | load at start | "
          "openpyxl load+save s | speed-up | LibreOffice formulas s | speed-up | kernel ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")

    def faster(baseline, ours) -> str:  # "-" where the baseline was skipped
        return f"{baseline['seconds'] / ours['seconds']:.1f}x" if baseline else "-"

    for n, r in results["runs"].items():
        rc, cal = r["recalc_again"], r["calamine_read"]
        op = r.get("openpyxl_load_save")
        lo = r.get("libreoffice_recalc")
        print(f"| {int(n):,} | {rc['seconds']:.2f} ({rc['peak_mib']:.0f}) | {cal['seconds']:.2f} | "
              f"{rc['seconds'] / cal['seconds']:.2f}x | {rc['cpu_seconds']:.1f} / {cal['cpu_seconds']:.1f} | "
              f"{cal['load_at_start'] or 0:.1f} / {rc['load_at_start'] or 0:.1f} | {op['seconds'] if op else '-'} | {faster(op, rc)} | "
              f"{lo['seconds'] if lo else '-'} | {faster(lo, rc)} | {r['kernel_seconds'] * 1000:.1f} |")
    print("\nWhere a recalc's time goes (one more in-process run per size, seconds; 'reading tables' holds python-"
          "calamine's own parse and to_python, timed apart on the input workbook, plus our typing and checks; "
          "'writing workbook' holds the check of the written file)")
    stages = [k for r in results["runs"].values() for k in r.get("stages", {})]
    stages = [k for k in dict.fromkeys(stages) if k != "done"]
    print("| deals | " + " | ".join(stages) + " | calamine parse / to_python |")
    print("|---|" + "---|" * (len(stages) + 1))
    for n, r in results["runs"].items():
        st, cs = r.get("stages", {}), r.get("calamine_steps", {})
        print(f"| {int(n):,} | " + " | ".join(f"{st[k]:.2f}" if k in st else "-" for k in stages)
              + f" | {cs.get('parse', 0):.2f} / {cs.get('to_python', 0):.2f} |")


if __name__ == "__main__":
    main()
